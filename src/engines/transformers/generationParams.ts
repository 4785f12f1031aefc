/**
 * Maps oumi generation parameters (spec §16.1, {@link GenerationParams}) to the per-request
 * settings of the NATIVE transformers.js engine, and lists what it cannot honour (warned once
 * per run).
 *
 * oumi's NATIVE engine (§16.6) is greedy unless `use_sampling` is true; this engine does the
 * same, so `temperature`/`top_p`/`top_k`/`min_p`/`seed` matter only with `use_sampling: true`
 * (a warning says so once otherwise). Defaults: `max_new_tokens` 1024, `temperature` 1 when
 * sampling (0 = greedy), `top_p` 1, `top_k` 0 (off), `min_p` 0, no penalties; an unset `seed`
 * draws a fresh seed per request.
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
import type { GenerationParams } from "../contract.ts";

/** Resolved settings of one request. */
export interface RowSettings {
  /** Token limit of the reply, >= 1. */
  maxNewTokens: number;
  /** False = greedy (argmax). */
  sample: boolean;
  /** > 0 when sampling. */
  temperature: number;
  topP: number;
  /** 0 = off. */
  topK: number;
  minP: number;
  /** 32-bit seed of the request's sampler. */
  seed: number;
  stopStrings: string[];
  stopTokenIds: number[];
  frequencyPenalty: number;
  presencePenalty: number;
  /** Token id -> additive logit bias in [-100, 100]. */
  logitBias: Map<number, number>;
}

const ENGINE = "NATIVE (transformers.js)";

const SUPPORTED = new Set([
  ...COMMON_SUPPORTED,
  "use_sampling",
  // Batches are formed from concurrent requests; the factory reads batch_size as the batch size.
  "batch_size",
  // The KV cache is always used (the ONNX graph carries it).
  "use_cache",
]);

const IGNORED: Record<string, IgnoredParam> = {
  ...COMMON_IGNORED,
  guided_decoding: {
    isDefault: unsetOr(),
    why: "constrained decoding is not supported (replies are validated and retried instead)",
  },
  tool_choice: { isDefault: unsetOr(), why: "tool calling is not supported" },
  parallel_tool_calls: { isDefault: unsetOr(true), why: "tool calling is not supported" },
};

/**
 * Resolves `params` (config values merged with per-request overrides).
 *
 * @example
 * ```ts
 * const { settings } = resolveRowSettings({ max_new_tokens: 8, use_sampling: true, seed: 3 });
 * // settings.sample === true, settings.seed === 3
 * ```
 */
export function resolveRowSettings(
  params: GenerationParams & Record<string, unknown>,
): { settings: RowSettings; unsupported: UnsupportedParam[] } {
  const unsupported = unsupportedParams(params, SUPPORTED, IGNORED, ENGINE);

  const temperature = nonNegative(params.temperature, 1);
  const sample = params.use_sampling === true && temperature > 0;
  if (params.use_sampling !== true) {
    for (const key of ["temperature", "top_p", "top_k", "min_p"] as const) {
      const value = params[key];
      const neutral = key === "temperature" ? value === 0 : key === "top_p" ? value === 1 : !value;
      if (value != null && !neutral) {
        unsupported.push({
          key: `greedy.${key}`,
          message:
            `generation.${key} is ignored by ${ENGINE}: decoding is greedy unless generation.use_sampling is true (as in oumi's NATIVE engine)`,
        });
      }
    }
  }
  const logitBias = logitBiasMap(params.logit_bias, ENGINE, unsupported);
  const settings: RowSettings = {
    maxNewTokens: positiveInt(params.max_new_tokens, 1024),
    sample,
    temperature,
    ...commonSampling(params, 0),
    seed: seed32(params.seed) ?? crypto.getRandomValues(new Uint32Array(1))[0],
    logitBias,
  };
  return { settings, unsupported };
}

export type { UnsupportedParam };
