/**
 * Maps oumi generation parameters (spec §16.1, {@link GenerationParams}) to the sampling
 * settings the LLAMACPP engine passes to node-llama-cpp, and lists the parameters it cannot
 * honour (the engine warns about each once per run, §16.1 last paragraph).
 *
 * Defaults follow oumi's LLAMACPP engine (§16.6: llama-cpp-python chat completion):
 * `max_new_tokens` 1024, `temperature` 0 (greedy), `top_p` 1.0, `top_k` 40, `min_p` 0,
 * no penalties. An unset `seed` draws a fresh random seed per request.
 *
 * @module
 */
import {
  COMMON_IGNORED,
  COMMON_SUPPORTED,
  commonSampling,
  type IgnoredParam,
  logitBiasMap,
  nonNegative,
  positiveInt,
  seed32,
  unsetOr,
  type UnsupportedParam,
  unsupportedParams,
} from "../generationChecks.ts";
import type { GenerationParams, JsonSchema } from "../contract.ts";

/** Resolved sampling settings of one request. */
export interface SamplingSettings {
  /** Token limit of the reply, >= 1. */
  maxTokens: number;
  /** >= 0; 0 = greedy. */
  temperature: number;
  topP: number;
  /** 0 disables top-k. */
  topK: number;
  minP: number;
  /** Integer seed, or `undefined` for "draw one per request". */
  seed?: number;
  stopStrings: string[];
  stopTokenIds: number[];
  frequencyPenalty: number;
  presencePenalty: number;
  /** Token id -> additive logit bias in [-100, 100]. */
  logitBias: Map<number, number>;
  /** JSON schema from `guided_decoding.json` / `.choice`, used when a request has none. */
  guidedSchema?: JsonSchema;
}

/** Parameters this engine maps to llama.cpp. */
const SUPPORTED = new Set([
  ...COMMON_SUPPORTED,
  "guided_decoding",
  // llama.cpp always keeps a KV cache, so `use_cache` is honoured whatever its value.
  "use_cache",
]);

/** Ignored parameters: value that is harmless to ignore, and why others are not honoured. */
const IGNORED: Record<string, IgnoredParam> = {
  batch_size: {
    isDefault: unsetOr(1),
    why: "LLAMACPP batches by parallel sequences instead (model_kwargs.n_parallel)",
  },
  ...COMMON_IGNORED,
  use_sampling: {
    isDefault: unsetOr(false),
    why: "LLAMACPP samples whenever temperature > 0",
  },
  tool_choice: {
    isDefault: unsetOr("auto"),
    why: "the model decides whether to call a tool (auto)",
  },
  parallel_tool_calls: {
    isDefault: unsetOr(true),
    why: "the model may make several calls in one turn",
  },
};

/**
 * Resolves `params` (config values merged with per-request overrides) into
 * {@link SamplingSettings}, collecting what cannot be honoured instead of throwing.
 *
 * @example
 * ```ts
 * const { settings, unsupported } = resolveSampling({ max_new_tokens: 16, num_beams: 4 });
 * // settings.maxTokens === 16; unsupported[0].key === "num_beams"
 * ```
 */
export function resolveSampling(
  params: GenerationParams & Record<string, unknown>,
): { settings: SamplingSettings; unsupported: UnsupportedParam[] } {
  const unsupported = unsupportedParams(params, SUPPORTED, IGNORED, "LLAMACPP");

  const logitBias = logitBiasMap(params.logit_bias, "LLAMACPP", unsupported);

  const settings: SamplingSettings = {
    maxTokens: positiveInt(params.max_new_tokens, 1024),
    temperature: nonNegative(params.temperature, 0),
    ...commonSampling(params, 40),
    seed: seed32(params.seed),
    logitBias,
  };

  const guided = params.guided_decoding as
    | { json?: unknown; choice?: unknown; regex?: unknown }
    | null
    | undefined;
  if (guided && typeof guided === "object") {
    if (guided.json != null) {
      try {
        settings.guidedSchema =
          (typeof guided.json === "string" ? JSON.parse(guided.json) : guided.json) as JsonSchema;
      } catch (error) {
        unsupported.push({
          key: "guided_decoding.json",
          message: `generation.guided_decoding.json is ignored by LLAMACPP: not valid JSON (${
            (error as Error).message
          })`,
        });
      }
    } else if (Array.isArray(guided.choice)) {
      settings.guidedSchema = { type: "string", enum: guided.choice.map(String) };
    } else if (guided.regex != null) {
      unsupported.push({
        key: "guided_decoding.regex",
        message:
          "generation.guided_decoding.regex is ignored by LLAMACPP: only json and choice are supported",
      });
    }
  }
  return { settings, unsupported };
}

export type { UnsupportedParam };
