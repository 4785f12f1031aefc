/**
 * The oumi platform synthesis recipe (JSON), as `recipes.md` §1 specifies it: keys, types,
 * ranges, required keys, and the only `synthesisType`, `"general"`. Objects are strict (an
 * unknown key is an error, as in YAML configs). Checked with zod; `load.ts` attaches the JSON
 * pointer and line:column of each problem.
 *
 * @module
 */
import { z } from "zod";

/** Largest integer a recipe may hold (`Number.MAX_SAFE_INTEGER`, recipes.md §1). */
const MAX_INT = 9007199254740991;

/** Share tolerance: the three shares must sum to 1 within this (recipes.md §1, Decision). */
const SHARE_SUM_TOLERANCE = 1e-6;

const text = (what: string) =>
  z.string({ error: (i) => i.input === undefined ? `${what} is required` : `must be a string` });
const nonEmpty = (what: string) => text(what).min(1, { error: `${what} cannot be empty` });

function integer(what: string, min: number, max: number) {
  return z.number({ error: `${what} must be an integer in [${min}, ${max}]` }).refine(
    (n) => Number.isInteger(n) && n >= min && n <= max,
    { error: (i) => `${what} must be an integer in [${min}, ${max}], got ${i.input}` },
  );
}

function share(name: string) {
  return z.number({
    error: (i) =>
      i.input === undefined
        ? `datasetDistribution.${name} is required (a number in [0, 1])`
        : `datasetDistribution.${name} must be a number in [0, 1]`,
  }).refine((n) => n >= 0 && n <= 1, {
    error: (i) => `datasetDistribution.${name} must be in [0, 1], got ${i.input}`,
  });
}

/** `modelIdentifier`. */
const ModelIdentifierSchema = z.strictObject({
  modelType: nonEmpty("modelType").refine((t) => t === "llm", {
    error: (i) => `modelType "${i.input}" is not supported: synth runs "llm" models only`,
  }),
  modelName: nonEmpty("modelName"),
  modelId: text("modelId"),
  modelVersionId: text("modelVersionId"),
}, { error: (i) => i.input === undefined ? "modelIdentifier is required" : "must be an object" });

/** `inferenceConfig` (every key optional). */
const InferenceConfigSchema = z.strictObject({
  inferenceTemperature: z.number({ error: "inferenceTemperature must be a number in [0, 1]" })
    .refine((t) => t >= 0 && t <= 1, {
      error: (i) => `inferenceTemperature must be in [0, 1], got ${i.input}`,
    }).optional(),
  inferenceMaxNewTokens: integer("inferenceMaxNewTokens", 1, MAX_INT).optional(),
  inferenceSeed: integer("inferenceSeed", -MAX_INT, MAX_INT).optional(),
  requestsPerMinute: integer("requestsPerMinute", 1, MAX_INT).optional(),
}, { error: "must be an object" });

/** `datasetDistribution`: three shares in [0, 1] summing to 1 (within {@link SHARE_SUM_TOLERANCE}). */
const DistributionSchema = z.strictObject({
  train: share("train"),
  validation: share("validation"),
  test: share("test"),
}, {
  error: (i) => i.input === undefined ? "datasetDistribution is required" : "must be an object",
}).superRefine((d, ctx) => {
  const sum = d.train + d.validation + d.test;
  const inRange = [d.train, d.validation, d.test].every((n) => n >= 0 && n <= 1);
  if (inRange && Math.abs(sum - 1) > SHARE_SUM_TOLERANCE) {
    ctx.addIssue({
      code: "custom",
      message: `the shares must sum to 1, but train + validation + test = ${
        Number(sum.toFixed(9))
      }`,
    });
  }
});

/** `synthesisConfig.synthesisConfig` of a "general" recipe. */
const GeneralSynthesisSchema = z.strictObject({
  datasetId: nonEmpty("datasetId"),
  datasetDistribution: DistributionSchema,
}, {
  error: (i) =>
    i.input === undefined ? "synthesisConfig.synthesisConfig is required" : "must be an object",
});

/** The outer `synthesisConfig`. */
const SynthesisSchema = z.strictObject({
  synthesisType: text("synthesisType").refine((t) => t === "general", {
    error: (i) =>
      `synthesisType "${i.input}" is not supported: the only synthesis type is "general"`,
  }),
  synthesisConfig: GeneralSynthesisSchema,
}, { error: (i) => i.input === undefined ? "synthesisConfig is required" : "must be an object" });

/** A whole recipe. */
export const RecipeSchema = z.strictObject({
  modelIdentifier: ModelIdentifierSchema,
  inferenceConfig: InferenceConfigSchema.optional(),
  synthesisConfig: SynthesisSchema,
}, { error: "a recipe must be a JSON object" });

/** A validated recipe. */
export type Recipe = z.output<typeof RecipeSchema>;
