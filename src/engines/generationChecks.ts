/**
 * What local engines share when they map oumi's generation parameters (spec §16.1): the list of
 * parameters an engine cannot honour (each warned about once per run, never an error), and the
 * clamping of numeric values.
 *
 * @module
 */

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

/** Parameters no local engine honours, with the values that are harmless to ignore. */
export const COMMON_IGNORED: Readonly<Record<string, IgnoredParam>> = {
  num_beams: { isDefault: (v) => v == null || v === 1, why: "beam search is not supported" },
  skip_special_tokens: {
    isDefault: (v) => v == null || v === true,
    why: "special tokens are always left out of the reply",
  },
  exclude_prompt_from_response: {
    isDefault: (v) => v == null || v === true,
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
