/**
 * `splits` (synth extension, DECISIONS 16-17; recipes.md §5): after the run, the records are
 * divided into train / validation / test files with a dataset card. Written as a mapping
 * (`splits: {train: 0.8, validation: 0.1, test: 0.1}`) or as text
 * (`--splits train=0.8,validation=0.1,test=0.1`). Shares are in [0, 1], a missing share is 0,
 * and they sum to 1 (within 1e-6). `record_key`: write the value of this key of each record as
 * the split file's line (a recipe writes its `conversation` object, what `oumi train` reads).
 *
 * @module
 */
import { z } from "zod";
import { float, obj, opt, str } from "./leaves.ts";

/** The split names, in assignment order. */
export const SPLIT_NAMES = ["train", "validation", "test"] as const;

/** One split's name. */
export type SplitName = (typeof SPLIT_NAMES)[number];

const share = (name: string) =>
  float().superRefine((n, ctx) => {
    if (!(n >= 0 && n <= 1)) {
      ctx.addIssue({ code: "custom", message: `splits.${name} must be in [0, 1], got ${n}` });
    }
  }).default(0);

const SplitsObjectSchema = obj("Splits", {
  train: share("train").describe("Share of input rows (or records) in data/train.jsonl"),
  validation: share("validation").describe("Share in data/validation.jsonl"),
  test: share("test").describe("Share in data/test.jsonl"),
  record_key: opt(str()).describe(
    "Write this key's value of each record as the line (e.g. a CHAT transform's id)",
  ),
}).superRefine((v, ctx) => {
  const sum = v.train + v.validation + v.test;
  const inRange = [v.train, v.validation, v.test].every((n) => n >= 0 && n <= 1);
  if (inRange && Math.abs(sum - 1) > 1e-6) {
    ctx.addIssue({
      code: "custom",
      message: `the split shares must sum to 1, but train + validation + test = ${
        Number(sum.toFixed(9))
      }`,
    });
  }
});

/** Parses `train=0.8,validation=0.1,test=0.1`; returns an error message for bad text. */
function parseSplitsText(text: string): Record<string, unknown> | string {
  const out: Record<string, unknown> = {};
  for (const part of text.split(",").map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf("=");
    const name = eq > 0 ? part.slice(0, eq).trim() : "";
    const value = eq > 0 ? part.slice(eq + 1).trim() : "";
    if (!(SPLIT_NAMES as readonly string[]).includes(name)) {
      return `"${part}" is not <split>=<share> with split train, validation or test ` +
        `(e.g. train=0.8,validation=0.1,test=0.1)`;
    }
    if (value === "" || !Number.isFinite(Number(value))) {
      return `the share of ${name} must be a number, got "${value}"`;
    }
    if (name in out) return `${name} is given twice`;
    out[name] = Number(value);
  }
  if (Object.keys(out).length === 0) {
    return "no shares given (e.g. train=0.8,validation=0.1,test=0.1)";
  }
  return out;
}

/** `splits:` as a mapping or as `train=0.8,...` text. */
export const SplitsSchema = z.preprocess((v, ctx) => {
  if (typeof v !== "string") return v;
  const parsed = parseSplitsText(v);
  if (typeof parsed !== "string") return parsed;
  ctx.addIssue({ code: "custom", message: parsed, input: v });
  return z.NEVER;
}, SplitsObjectSchema);

/** Validated splits. */
export type SplitsConfig = z.output<typeof SplitsObjectSchema>;
