/**
 * `quality:` — synth's own extension (DECISIONS 17: a config without it means exactly what it
 * means to oumi): deduplication, LLM judges, per-record checks and "num_samples counts accepted
 * records". Validated at load with line:column like the rest of the config; references to
 * attributes are checked against the attribute namespace (§4.1) by {@link checkQualityRefs}.
 *
 * ```yaml
 * quality:
 *   deduplicate:
 *     - attributes: [question]   # compared text: these attributes joined
 *       method: near             # exact (normalised text) | near (MinHash + LSH)
 *       threshold: 0.85          # Jaccard over word 3-shingles, for near
 *   judges:
 *     - id: judge
 *       instruction_messages: [{role: user, content: "Rate: {question}"}]
 *       score: {min: 1, max: 10}
 *       keep_if: ">= 7"
 *   checks: [non_empty, alternating_roles, no_placeholder_values]
 *   count: accepted              # generated (default) | accepted
 *   max_candidates: 3.0          # with accepted: at most 3 × num_samples records generated
 * ```
 *
 * @module
 */
import type { z } from "zod";
import { isRecord } from "../pyValues.ts";
import { MessageSchema } from "./attributes.ts";
import {
  asList,
  asStr,
  float,
  int,
  list,
  nonEmptyStr,
  obj,
  opt,
  pyEnum,
  type RefineCtx,
  report,
  rule,
  str,
} from "./leaves.ts";
import { attributeIds, reservedIds } from "./params.ts";

/** The per-record checks (oumi `analyze` rules that apply to one record). */
export const CHECK_NAMES = ["non_empty", "alternating_roles", "no_placeholder_values"] as const;
/** One of {@link CHECK_NAMES}. */
export type CheckName = typeof CHECK_NAMES[number];

/** One comparison of a `keep_if` expression. */
export interface ScoreComparison {
  op: ">=" | ">" | "<=" | "<" | "==" | "!=";
  value: number;
}

const COMPARISON_RE = /^\s*(>=|<=|==|!=|>|<|=)\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*$/;

/**
 * Parses a `keep_if` expression: one or more comparisons of the score joined by `and`
 * (`">= 7"`, `"> 3 and <= 8"`; `=` means `==`).
 *
 * @throws {SyntaxError} naming the part that does not parse.
 */
export function parseKeepIf(text: string): ScoreComparison[] {
  const parts = text.split(/\band\b/);
  return parts.map((part) => {
    const m = COMPARISON_RE.exec(part);
    if (!m) {
      throw new SyntaxError(
        `Cannot parse keep_if "${text}": "${part.trim()}" is not a comparison like ">= 7"`,
      );
    }
    const op = (m[1] === "=" ? "==" : m[1]) as ScoreComparison["op"];
    return { op, value: Number(m[2]) };
  });
}

/** Whether `score` satisfies every comparison. */
export function keepScore(score: number, comparisons: readonly ScoreComparison[]): boolean {
  return comparisons.every(({ op, value }) =>
    op === ">="
      ? score >= value
      : op === ">"
      ? score > value
      : op === "<="
      ? score <= value
      : op === "<"
      ? score < value
      : op === "=="
      ? score === value
      : score !== value
  );
}

const keepIfError = (text: string) => {
  try {
    parseKeepIf(text);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
};

/** `quality.deduplicate[]`. */
export const DedupRuleSchema = obj("DeduplicateRule", {
  attributes: rule(
    list(nonEmptyStr("DeduplicateRule.attributes cannot contain an empty name.")),
    (a) => a.length > 0,
    "DeduplicateRule.attributes cannot be empty.",
  ).describe("Attributes whose values, joined, are the compared text"),
  method: pyEnum<"exact" | "near">("DeduplicateMethod", ["EXACT", "NEAR"], {
    output: (name) => name.toLowerCase() as "exact" | "near",
  }).default("exact").describe(
    "exact: equal after lower-casing and collapsing whitespace; near: MinHash + LSH",
  ),
  threshold: rule(
    float(),
    (t) => t > 0 && t <= 1,
    (t) => `DeduplicateRule.threshold must be in (0, 1], got ${t}.`,
  ).default(0.85).describe("near: Jaccard similarity over word shingles at which texts match"),
  shingle_words: rule(int(), (n) => n >= 1 && n <= 16, "shingle_words must be 1 to 16.")
    .default(3).describe("near: words per shingle"),
});

/** `quality.judges[].score`. */
export const ScoreRangeSchema = obj("JudgeScore", {
  min: float().default(1),
  max: float().default(10),
}).superRefine((s, ctx) => {
  if (!(s.min < s.max)) report(ctx, ["max"], `JudgeScore.max must be above min (${s.min}).`);
});

/** `quality.judges[]`. */
export const JudgeSchema = obj("Judge", {
  id: nonEmptyStr("Judge.id cannot be empty.").describe(
    "Key of {score, rationale} in the record",
  ),
  instruction_messages: rule(
    list(MessageSchema),
    (m) => m.length > 0,
    "Judge.instruction_messages cannot be empty.",
  ).prefault([]).describe("Chat messages asking for the score; contents are templates"),
  score: ScoreRangeSchema.prefault({}).describe("Range of valid scores"),
  keep_if: rule(str(), (k) => keepIfError(k) === undefined, (k) => keepIfError(k)!)
    .describe('Comparisons the score must pass, joined by "and": ">= 7", "> 3 and <= 8"'),
  max_attempts: rule(int(), (n) => n >= 1, "Judge.max_attempts must be at least 1.").default(3)
    .describe("Requests before an unparseable reply rejects the record"),
});

/** The `quality:` section. */
export const QualityConfigSchema = obj("QualityConfig", {
  deduplicate: opt(list(DedupRuleSchema)).describe("Deduplication rules, applied in plan order"),
  judges: opt(list(JudgeSchema)).describe("LLM judges: generated scores that decide"),
  checks: opt(list(pyEnum<CheckName>("QualityCheck", CHECK_NAMES.map((c) => c.toUpperCase()), {
    output: (name) => name.toLowerCase() as CheckName,
  }))).describe("Per-record checks: " + CHECK_NAMES.join(", ")),
  count: pyEnum<"generated" | "accepted">("QualityCount", ["GENERATED", "ACCEPTED"], {
    output: (name) => name.toLowerCase() as "generated" | "accepted",
  }).default("generated").describe(
    "accepted: num_samples counts records that pass (default generated: records generated)",
  ),
  max_candidates: rule(float(), (f) => f >= 1, "max_candidates must be at least 1.")
    .default(3).describe("With count accepted: at most max_candidates × num_samples generated"),
});

/** A validated `quality:` section (defaults applied, method/check/count names lower case). */
export type QualityConfig = z.output<typeof QualityConfigSchema>;

/**
 * Records a run plans: `num_samples`, or `ceil(max_candidates × num_samples)` with
 * `count: accepted`.
 */
export function candidateCount(numSamples: number, quality: QualityConfig | null | undefined) {
  return quality?.count === "accepted"
    ? Math.max(numSamples, Math.ceil(quality.max_candidates * numSamples))
    : numSamples;
}

/**
 * Cross-field checks of `quality` (run on unvalidated data): judge ids must not clash with an
 * attribute or another judge; deduplication attributes must name an attribute or a judge
 * (skipped for names that may be dataset or document columns, checked when compiled).
 */
export function checkQualityRefs(config: Record<string, unknown>, ctx: RefineCtx): void {
  const quality = config.quality;
  if (!isRecord(quality)) return;
  const params = isRecord(config.strategy_params) ? config.strategy_params : {};
  const known = new Set(attributeIds(params).map((a) => a.id));
  for (const id of reservedIds(params)) if (id.endsWith("_plan")) known.add(id);
  const judges = new Set<string>();
  asList(quality.judges).forEach((judge, j) => {
    const id = isRecord(judge) ? asStr(judge.id) : undefined;
    if (!id) return;
    if (known.has(id) || judges.has(id)) {
      report(
        ctx,
        ["quality", "judges", j, "id"],
        `Judge id '${id}' is already used by ${
          judges.has(id) ? "another judge" : "an attribute"
        }; each judge needs its own id.`,
      );
    }
    judges.add(id);
  });
  const columnsUnknown = asList(params.input_data).length > 0 ||
    asList(params.input_documents).length > 0;
  if (columnsUnknown) return;
  asList(quality.deduplicate).forEach((rule, r) => {
    if (!isRecord(rule)) return;
    asList(rule.attributes).forEach((name, a) => {
      if (typeof name !== "string" || name === "" || known.has(name) || judges.has(name)) return;
      report(
        ctx,
        ["quality", "deduplicate", r, "attributes", a],
        `Unknown attribute '${name}' in quality.deduplicate (known: ${
          [...known].join(", ") || "none"
        }).`,
      );
    });
  });
}
