/**
 * The OpenAI-compatible engine (spec §16.3-§16.4): `OPENAI`, the hosted OpenAI-compatible
 * providers, and `REMOTE`, `VLLM`, `SGLANG`, `REMOTE_VLLM` servers at `remote_params.api_url`.
 * Requests go through the `openai` SDK (one client per endpoint, `maxRetries: 0`: retries
 * live in `engines/retry.ts`) inside the shared remote runtime (slots, rate limits, endpoints).
 *
 * @module
 */
import OpenAI from "openai";
import type { Engine, EngineConfig, GenerateRequest } from "../contract.ts";
import { effectiveParams, guidedDecodingOf } from "../remote/generation.ts";
import type { RemoteFactoryOptions } from "../remote/options.ts";
import { baseUrlOf } from "../remote/providers.ts";
import { RemoteRuntime } from "../remote/runtime.ts";
import { httpEngine } from "../remote/httpEngine.ts";
import { resolveRemoteSettings } from "../remote/settings.ts";
import { batchMode } from "../batch/mode.ts";
import { openAIBatchProvider } from "./batch.ts";
import { chatBody } from "./request.ts";
import { parseChatCompletion } from "./response.ts";

/** Parameters remote OpenAI-style servers cannot take; warned about once when set. */
const LOCAL_ONLY = ["top_k", "num_beams", "use_sampling"] as const;

/** Builds the SDK client for one endpoint (no key → no `Authorization` header, §16.2). */
export function openAIClient(url: string, apiKey: string | undefined, timeoutMs: number): OpenAI {
  return new OpenAI({
    apiKey: apiKey ?? "unused",
    baseURL: baseUrlOf(url, "openai"),
    maxRetries: 0,
    // The SDK's own logging (OPENAI_LOG / ANTHROPIC_LOG) would print requests: keep it off.
    logLevel: "off",
    timeout: timeoutMs > 0 ? timeoutMs : 2 ** 31 - 1,
    ...(apiKey ? {} : { defaultHeaders: { Authorization: null } }),
  });
}

/**
 * Creates an OpenAI-compatible engine.
 *
 * @throws {ConfigError} missing `api_url` ("API URL is required for remote inference."),
 *   a key variable that is named but unset, regex/choice guided decoding off vLLM.
 */
export function createOpenAIEngine(
  config: EngineConfig,
  options: RemoteFactoryOptions = {},
): Promise<Engine> {
  const settings = resolveRemoteSettings(config, options.env ?? process.env);
  const protocol = settings.protocol === "vllm" ? "vllm" : "openai";
  const guided = guidedDecodingOf(config, protocol === "vllm");
  const runtime = new RemoteRuntime(
    settings,
    (url) => openAIClient(url, settings.apiKey, settings.timeoutMs),
    options.rateWindowMs,
  );
  const model = protocol === "vllm" && config.model.adapter_model
    ? config.model.adapter_model
    : config.model.model_name;
  for (const key of LOCAL_ONLY) {
    const value = (config.generation as Record<string, unknown> | undefined)?.[key];
    if (value !== undefined && value !== null && value !== 1 && value !== false) {
      options.onWarning?.(`${settings.engine} ignores generation.${key} (local engines only)`);
    }
  }
  const buildBody = (request: GenerateRequest) =>
    chatBody(request, {
      engine: settings.engine,
      protocol,
      model,
      params: effectiveParams(config, request),
      guided,
      userId: settings.userId,
    });
  if (options.batch) {
    const client = runtime.endpoints.endpoints[0].client;
    return Promise.resolve(batchMode(
      config,
      runtime,
      options,
      openAIBatchProvider(settings.engine, client, settings.batchCompletionWindow, buildBody),
      model,
    ));
  }
  return Promise.resolve(httpEngine({
    name: settings.engine,
    model,
    maxConcurrency: settings.numWorkers,
    runtime,
    path: "/chat/completions",
    buildBody,
    parse: parseChatCompletion,
  }));
}
