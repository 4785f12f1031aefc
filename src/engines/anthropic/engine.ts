/**
 * The `ANTHROPIC` engine (spec §16.5) on `@anthropic-ai/sdk` (`maxRetries: 0`: retries live in
 * `engines/retry.ts`), inside the shared remote runtime. The key goes in `X-API-Key` (never as
 * a bearer token), with `anthropic-version: 2023-06-01`.
 *
 * @module
 */
import Anthropic from "@anthropic-ai/sdk";
import type { Engine, EngineConfig, GenerateRequest } from "../contract.ts";
import { effectiveParams, guidedDecodingOf } from "../remote/generation.ts";
import type { RemoteFactoryOptions } from "../remote/options.ts";
import { baseUrlOf } from "../remote/providers.ts";
import { RemoteRuntime } from "../remote/runtime.ts";
import { httpEngine } from "../remote/httpEngine.ts";
import { resolveRemoteSettings } from "../remote/settings.ts";
import { batchMode } from "../batch/mode.ts";
import { anthropicBatchProvider } from "./batch.ts";
import { messagesBody } from "./request.ts";
import { parseMessage } from "./response.ts";
import { WarningLog } from "../../warnings.ts";

/** The SDK client for one endpoint (`api_url` like `https://api.anthropic.com/v1/messages`). */
export function anthropicClient(
  url: string,
  apiKey: string | undefined,
  timeoutMs: number,
): Anthropic {
  return new Anthropic({
    apiKey: null,
    authToken: null,
    baseURL: baseUrlOf(url, "anthropic"),
    maxRetries: 0,
    // The SDK's own logging (OPENAI_LOG / ANTHROPIC_LOG) would print requests: keep it off.
    logLevel: "off",
    timeout: timeoutMs > 0 ? timeoutMs : 2 ** 31 - 1,
    defaultHeaders: {
      Authorization: null,
      "anthropic-version": "2023-06-01",
      ...(apiKey ? { "X-API-Key": apiKey } : {}),
    },
  });
}

/**
 * Creates the ANTHROPIC engine.
 *
 * @throws {ConfigError} a key variable that is named but unset; regex/choice guided decoding.
 */
export function createAnthropicEngine(
  config: EngineConfig,
  options: RemoteFactoryOptions = {},
): Promise<Engine> {
  const settings = resolveRemoteSettings(config, options.env ?? process.env);
  const guided = guidedDecodingOf(config, false);
  const runtime = new RemoteRuntime(
    settings,
    (url) => anthropicClient(url, settings.apiKey, settings.timeoutMs),
    options.rateWindowMs,
  );
  const model = config.model.model_name;
  // Bodies are built per request: each warning reaches the user once per run.
  const { warn } = new WarningLog(options.onWarning);
  const buildBody = (request: GenerateRequest) =>
    messagesBody(request, {
      model,
      params: effectiveParams(config, request),
      guided,
      userId: settings.userId,
      onWarning: warn,
    });
  if (options.batch) {
    const client = runtime.endpoints.endpoints[0].client;
    return Promise.resolve(
      batchMode(config, runtime, options, anthropicBatchProvider(client, buildBody), model),
    );
  }
  return Promise.resolve(httpEngine({
    name: settings.engine,
    model,
    maxConcurrency: settings.numWorkers,
    runtime,
    path: "/v1/messages",
    buildBody,
    parse: parseMessage,
  }));
}
