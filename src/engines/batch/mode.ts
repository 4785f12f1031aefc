/**
 * Turns a remote engine into its batch-mode engine (`--batch`, spec §18): checks that the
 * provider has a batch API, opens the state file, and wires the provider calls to the same
 * error classification and retry policy as online requests.
 *
 * @module
 */
import { ConfigError } from "../../errors.ts";
import type { Engine, EngineConfig } from "../contract.ts";
import { classifyError } from "../remote/classify.ts";
import type { RemoteFactoryOptions } from "../remote/options.ts";
import { providerOf } from "../remote/providers.ts";
import type { RemoteRuntime } from "../remote/runtime.ts";
import { retryPolicyFrom } from "../retry.ts";
import { batchEngine, type BatchProvider } from "./collector.ts";
import { BatchState } from "./state.ts";

/**
 * The batch engine for `provider`.
 *
 * @throws {ConfigError} when the engine has no batch API ("... does not support batch
 *   inference").
 */
export function batchMode<C>(
  config: EngineConfig,
  runtime: RemoteRuntime<C>,
  options: RemoteFactoryOptions,
  provider: BatchProvider,
  model: string,
): Engine {
  const settings = runtime.settings;
  const batch = options.batch!;
  if (!providerOf(settings.engine)?.batch) {
    const message = `${settings.engine} does not support batch inference; run without --batch`;
    throw new ConfigError(`Cannot use --batch: ${message}`, [
      { path: "inference_config.engine", message },
    ]);
  }
  return batchEngine(provider, model, {
    state: new BatchState(batch.statePath),
    pollIntervalMs: batch.pollIntervalMs,
    flushIdleMs: batch.flushIdleMs,
    retry: retryPolicyFrom(config.remote_params),
    onInfo: options.onInfo,
    classify: (error) =>
      classifyError(error, {
        engine: settings.engine,
        url: settings.urls[0],
        keySource: settings.keySource,
        timeoutMs: settings.timeoutMs,
        redactor: runtime.redactor,
      }),
  });
}
