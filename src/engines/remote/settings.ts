/**
 * `remote_params` resolved for one engine (spec §16.2): endpoints, key, concurrency, politeness,
 * rate limits and timeout, with the provider's defaults when `remote_params` is omitted.
 *
 * @module
 */
import { ConfigError } from "../../errors.ts";
import type { EngineConfig } from "../contract.ts";
import { type Protocol, providerOf } from "./providers.ts";

/** Everything the remote runtime and adapters need from the config. */
export interface RemoteSettings {
  engine: string;
  protocol: Protocol;
  /** Chat endpoint URLs (oumi `api_url` form), at least one. */
  urls: string[];
  /** The key, or `undefined` to send requests without authentication. Never log it. */
  apiKey?: string;
  /** Where the key came from, for messages: `remote_params.api_key` or an env var name. */
  keySource?: string;
  numWorkers: number;
  /** Seconds a slot rests after each request (§17.1). */
  politeness: number;
  adaptive: boolean;
  requestsPerMinute?: number;
  inputTokensPerMinute?: number;
  outputTokensPerMinute?: number;
  /** Per-attempt timeout in milliseconds (`connection_timeout`; 0 = none). */
  timeoutMs: number;
  userId?: string;
  batchCompletionWindow: string;
}

const num = (v: unknown): number | undefined => typeof v === "number" ? v : undefined;
const str = (v: unknown): string | undefined => typeof v === "string" && v !== "" ? v : undefined;

/**
 * Resolves `config.inference_config` for a remote engine.
 *
 * `api_url` may be a string or a list of strings (synth extension: requests spread over the
 * URLs). Key: `api_key` wins; else `api_key_env_varname` (error when that variable is unset or
 * empty); else the provider's default variable when set; else no key.
 *
 * @param env environment to read keys from (the CLI passes `process.env`).
 * @throws {ConfigError} "API URL is required for remote inference." for REMOTE/VLLM without
 *   `api_url`; a missing key variable named by `api_key_env_varname`; a hosted provider's own
 *   endpoint with no key at all (it would only answer 401).
 */
export function resolveRemoteSettings(
  config: EngineConfig,
  env: Record<string, string | undefined>,
): RemoteSettings {
  const engine = (config.engine ?? "").toUpperCase();
  const provider = providerOf(engine);
  if (!provider) throw new ConfigError(`Cannot use engine ${engine}: it is not a remote engine`);
  const given = config.remote_params ?? undefined;
  const rp: Record<string, unknown> = given ?? {};
  const rawUrls = rp.api_url;
  const urls = (Array.isArray(rawUrls) ? rawUrls : [rawUrls])
    .filter((u): u is string => typeof u === "string" && u !== "");
  if (urls.length === 0 && provider.defaultUrl) urls.push(provider.defaultUrl);
  if (urls.length === 0) {
    throw new ConfigError("API URL is required for remote inference.", [
      {
        path: "inference_config.remote_params.api_url",
        message: "API URL is required for remote inference.",
      },
    ]);
  }
  for (const url of urls) {
    if (!/^https?:\/\//i.test(url)) {
      throw new ConfigError(`Cannot use api_url "${url}": it is not an http(s) URL`, [
        {
          path: "inference_config.remote_params.api_url",
          message: `"${url}" is not an http(s) URL`,
        },
      ]);
    }
  }
  let apiKey = str(rp.api_key);
  let keySource = apiKey ? "remote_params.api_key" : undefined;
  const varName = str(rp.api_key_env_varname);
  if (!apiKey && varName) {
    apiKey = str(env[varName]);
    keySource = varName;
    if (!apiKey) {
      const message = `Environment variable ${varName} is not set or empty`;
      throw new ConfigError(`Cannot read the API key: ${message}`, [
        { path: "inference_config.remote_params.api_key_env_varname", message },
      ]);
    }
  }
  if (!apiKey && provider.keyEnv && str(env[provider.keyEnv])) {
    apiKey = env[provider.keyEnv];
    keySource = provider.keyEnv;
  }
  if (!apiKey && provider.keyEnv) {
    keySource = provider.keyEnv;
    if (provider.defaultUrl && urls.every((u) => u === provider.defaultUrl)) {
      const message = `no API key: set ${provider.keyEnv}, remote_params.api_key or ` +
        "remote_params.api_key_env_varname";
      throw new ConfigError(`Cannot use engine ${engine}: ${message}`, [
        { path: "inference_config.remote_params.api_key", message },
      ]);
    }
  }
  const defaults = given ? { num_workers: 1, politeness_policy: 0 } : provider.defaults;
  return {
    engine,
    protocol: provider.protocol,
    urls,
    ...(apiKey ? { apiKey } : {}),
    ...(keySource ? { keySource } : {}),
    numWorkers: Math.max(1, num(rp.num_workers) ?? defaults.num_workers),
    politeness: Math.max(0, num(rp.politeness_policy) ?? defaults.politeness_policy),
    adaptive: rp.use_adaptive_concurrency !== false,
    requestsPerMinute: num(rp.requests_per_minute),
    inputTokensPerMinute: num(rp.input_tokens_per_minute),
    outputTokensPerMinute: num(rp.output_tokens_per_minute),
    timeoutMs: Math.max(0, num(rp.connection_timeout) ?? 300) * 1000,
    userId: str(rp.user_id),
    batchCompletionWindow: str(rp.batch_completion_window) ?? "24h",
  };
}
