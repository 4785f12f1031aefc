/**
 * What local engines share when they map oumi's generation parameters (spec §16.1): the list of
 * parameters an engine cannot honour (each warned about once per run, never an error), and the
 * clamping of numeric values.
 *
 * @module
 */

import type { GenerationParams } from "./contract.ts";

/** A parameter that cannot be honoured; `key` identifies it for warn-once bookkeeping. */
export interface UnsupportedParam {
  key: string;
  message: string;
}

/** A parameter an engine ignores: which values are harmless to ignore, and why others are. */
export interface IgnoredParam {
  isDefault: (value: unknown) => boolean;
  why: string;
}

/** `isDefault` for a parameter whose harmless values are unset and `value`. */
export function unsetOr(value?: unknown): (v: unknown) => boolean {
  return (v) => v == null || (value !== undefined && v === value);
}

/** The sampling parameters every local engine maps (§16.1). */
export const COMMON_SUPPORTED: readonly string[] = [
  "max_new_tokens",
  "temperature",
  "top_p",
  "top_k",
  "min_p",
  "seed",
  "stop_strings",
  "stop_token_ids",
  "frequency_penalty",
  "presence_penalty",
  "logit_bias",
];

/** Parameters no local engine honours, with the values that are harmless to ignore. */
export const COMMON_IGNORED: Readonly<Record<string, IgnoredParam>> = {
  num_beams: { isDefault: unsetOr(1), why: "beam search is not supported" },
  skip_special_tokens: {
    isDefault: unsetOr(true),
    why: "special tokens are always left out of the reply",
  },
  exclude_prompt_from_response: {
    isDefault: unsetOr(true),
    why: "the prompt is never part of the reply",
  },
};

/**
 * The parameters of `params` that `engine` cannot honour: those in `ignored` whose value is not
 * a harmless default, and any unknown one that is set. Keys in `supported` are skipped.
 *
 * @example
 * ```ts
 * unsupportedParams({ num_beams: 4, top_p: 0.9 }, new Set(["top_p"]), IGNORED, "LLAMACPP");
 * // [{ key: "num_beams", message: "generation.num_beams is ignored by LLAMACPP: beam search ..." }]
 * ```
 */
export function unsupportedParams(
  params: Record<string, unknown>,
  supported: ReadonlySet<string>,
  ignored: Readonly<Record<string, IgnoredParam>>,
  engine: string,
): UnsupportedParam[] {
  const out: UnsupportedParam[] = [];
  for (const [key, value] of Object.entries(params)) {
    if (supported.has(key)) continue;
    const rule = Object.hasOwn(ignored, key) ? ignored[key] : undefined;
    if (rule) {
      if (!rule.isDefault(value)) {
        out.push({ key, message: `generation.${key} is ignored by ${engine}: ${rule.why}` });
      }
    } else if (value != null) {
      out.push({ key, message: `generation.${key} is ignored by ${engine}: unknown parameter` });
    }
  }
  return out;
}

/** `value` floored to an integer >= 1, or `fallback` when it is not a finite number. */
export function positiveInt(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value)
    ? Math.max(1, Math.floor(value))
    : fallback;
}

/** `value` clamped to >= 0, or `fallback` when it is not a finite number. */
export function nonNegative(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) ? Math.max(0, value) : fallback;
}

/** `value` clamped to [0, 1], or `fallback` when it is not a finite number. */
export function unitInterval(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value)
    ? Math.min(1, Math.max(0, value))
    : fallback;
}

/** `value`, or `fallback` when it is not a finite number. */
export function finite(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) ? value : fallback;
}

/**
 * `generation.logit_bias` (token id, as a string or number key, -> bias) as a map with biases
 * clamped to [-100, 100]; entries that are not a token id with a finite number are left out
 * and reported in `unsupported`.
 */
export function logitBiasMap(
  raw: Record<string, number> | null | undefined,
  engine: string,
  unsupported: UnsupportedParam[],
): Map<number, number> {
  const out = new Map<number, number>();
  for (const [key, value] of Object.entries(raw ?? {})) {
    const id = Number(key);
    if (!Number.isInteger(id) || id < 0 || typeof value !== "number" || !Number.isFinite(value)) {
      unsupported.push({
        key: `logit_bias.${key}`,
        message:
          `generation.logit_bias entry "${key}" is ignored by ${engine}: not a token id with a number`,
      });
      continue;
    }
    out.set(id, Math.min(100, Math.max(-100, value)));
  }
  return out;
}

/** The non-empty strings of `generation.stop_strings`. */
export function stopStrings(raw: readonly unknown[] | null | undefined): string[] {
  return (raw ?? []).filter((s): s is string => typeof s === "string" && s.length > 0);
}

/** The non-negative integer ids of `generation.stop_token_ids`. */
export function stopTokenIds(raw: readonly unknown[] | null | undefined): number[] {
  return (raw ?? []).filter((id): id is number => Number.isInteger(id) && (id as number) >= 0);
}

/** The sampling settings local engines resolve the same way (§16.1); see {@link commonSampling}. */
export interface CommonSampling {
  /** Nucleus mass in [0, 1]; default 1. */
  topP: number;
  /** 0 = off. */
  topK: number;
  /** In [0, 1]; default 0. */
  minP: number;
  stopStrings: string[];
  stopTokenIds: number[];
  frequencyPenalty: number;
  presencePenalty: number;
}

/**
 * Resolves the sampling settings that local engines share; `defaultTopK` is the engine's
 * `top_k` when unset (llama.cpp 40, transformers.js 0 = off).
 */
export function commonSampling(params: GenerationParams, defaultTopK: number): CommonSampling {
  return {
    topP: unitInterval(params.top_p, 1),
    topK: params.top_k == null ? defaultTopK : Math.max(0, Math.floor(params.top_k)),
    minP: unitInterval(params.min_p, 0),
    stopStrings: stopStrings(params.stop_strings),
    stopTokenIds: stopTokenIds(params.stop_token_ids),
    frequencyPenalty: finite(params.frequency_penalty, 0),
    presencePenalty: finite(params.presence_penalty, 0),
  };
}

/** `generation.seed` as a 32-bit sampler seed, or `undefined` when unset. */
export function seed32(seed: number | null | undefined): number | undefined {
  return seed == null ? undefined : Math.abs(Math.floor(seed)) % 2 ** 32;
}
