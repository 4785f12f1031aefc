/**
 * Sampled attributes and combination sampling (spec §6.1-6.2), with oumi's rules and
 * messages, rate normalisation at load, and the guide's short form: `name` defaults to the id
 * and `description` to `""` (DECISIONS compat promise 2; a value given explicitly as `""` is
 * still an error). Weights that are all zero are an error (DECISIONS difference 12).
 *
 * @module
 */
import type { z } from "zod";
import { isRecord } from "../pyValues.ts";
import {
  asNum,
  asStr,
  EVEN_IF_INVALID,
  float,
  list,
  map,
  nonEmptyStr,
  obj,
  opt,
  report,
  rule,
  str,
} from "./leaves.ts";

const between01 = (message: string) => rule(float(), (r) => r >= 0 && r <= 1, message);

/** One `possible_values[]` entry (§6.1). */
export const SampledAttributeValueSchema = obj("SampledAttributeValue", {
  id: nonEmptyStr("SampledAttributeValue.id cannot be empty.").describe(
    "Stored in the record; templates render the name",
  ),
  name: nonEmptyStr("SampledAttributeValue.name cannot be empty.").optional(),
  description: nonEmptyStr("SampledAttributeValue.description cannot be empty.").optional(),
  sample_rate: opt(between01("SampledAttributeValue.sample_rate must be between 0 and 1.")),
}).transform((v) => ({
  id: v.id,
  name: v.name ?? v.id,
  description: v.description ?? "",
  sample_rate: v.sample_rate,
}));

/**
 * Rates after oumi's normalisation (§6.1): values without a rate share what the explicit
 * rates leave of 1.0 (never below 0).
 */
export function normalizeRates(rates: readonly (number | null)[]): number[] {
  const defined = rates.reduce<number>((sum, r) => sum + (r ?? 0), 0);
  const unset = rates.filter((r) => r === null).length;
  const share = unset > 0 ? Math.max(0, 1 - defined) / unset : 0;
  return rates.map((r) => r ?? share);
}

/** Python's `math.isclose(a, b)` with the default relative tolerance 1e-9. */
function isClose(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

/** One `sampled_attributes[]` entry (§6.1); `sample_rate`s are normalised in the output. */
export const SampledAttributeSchema = obj("SampledAttribute", {
  id: nonEmptyStr("SampledAttribute.id cannot be empty."),
  name: nonEmptyStr("SampledAttribute.name cannot be empty.").optional().describe(
    "Rendered by {id.parent}; defaults to the id",
  ),
  description: nonEmptyStr("SampledAttribute.description cannot be empty.").optional(),
  possible_values: list(SampledAttributeValueSchema),
}).superRefine((value, ctx) => {
  const v = value as Record<string, unknown>;
  if (!Array.isArray(v.possible_values)) return;
  if (v.possible_values.length === 0) {
    report(ctx, ["possible_values"], "SampledAttribute.possible_values cannot be empty.");
    return;
  }
  const values = v.possible_values.filter(isRecord);
  const ids = values.map((pv) => asStr(pv.id)).filter((id): id is string => id !== undefined);
  if (new Set(ids).size !== ids.length) {
    report(ctx, ["possible_values"], "SampledAttribute.possible_values must have unique IDs.");
  }
  const rates = values.map((pv) => asNum(pv.sample_rate) ?? null);
  const defined = rates.reduce<number>((sum, r) => sum + (r ?? 0), 0);
  if (defined > 1 && !isClose(defined, 1)) {
    report(ctx, ["possible_values"], "SampledAttribute.possible_values must sum to at most 1.0.");
  } else if (
    values.length === v.possible_values.length && normalizeRates(rates).every((r) => r === 0)
  ) {
    report(
      ctx,
      ["possible_values"],
      "SampledAttribute.possible_values sample rates are all 0: at least one value must be possible.",
    );
  }
}, EVEN_IF_INVALID).transform((v) => {
  const rates = normalizeRates(v.possible_values.map((pv) => pv.sample_rate));
  return {
    id: v.id,
    name: v.name ?? v.id,
    description: v.description ?? "",
    possible_values: v.possible_values.map((pv, i) => ({ ...pv, sample_rate: rates[i] })),
  };
});

/** One `combination_sampling[]` entry (§6.2). */
export const AttributeCombinationSchema = obj("AttributeCombination", {
  combination: map(str()).describe("{sampled attribute id: value id}, at least two keys"),
  sample_rate: between01("AttributeCombination.sample_rate must be between 0 and 1."),
}).superRefine((value, ctx) => {
  const combination = (value as Record<string, unknown>).combination;
  if (!isRecord(combination)) return;
  const entries = Object.entries(combination);
  const at = ["combination"];
  if (entries.length === 0) {
    report(ctx, at, "AttributeCombination.combination cannot be empty.");
    return;
  }
  if (entries.some(([k]) => k === "")) {
    report(ctx, at, "AttributeCombination.combination key cannot be empty.");
  }
  const empty = entries.find(([, val]) => val === "");
  if (empty) {
    report(ctx, [...at, empty[0]], "AttributeCombination.combination value cannot be empty.");
  }
  if (entries.length < 2) {
    report(ctx, at, "AttributeCombination.combination must have at least two keys.");
  }
}, EVEN_IF_INVALID);

/** A validated sampled attribute; `sample_rate`s are normalised numbers. */
export type SampledAttribute = z.output<typeof SampledAttributeSchema>;
/** One value of a {@link SampledAttribute}. */
export type SampledAttributeValue = SampledAttribute["possible_values"][number];
/** A validated `combination_sampling[]` entry. */
export type AttributeCombination = z.output<typeof AttributeCombinationSchema>;
