/**
 * Reading a judge's reply: the JSON schema asked of engines that can constrain their output,
 * the format line added to the judge's prompt, and a lenient parser for engines that cannot
 * (code fences, prose around the object, `"score": "8"`, a bare `8/10 - clear and correct`).
 *
 * @module
 */
import type { JsonSchema } from "../engines/contract.ts";

/** A parsed judge verdict as stored in the record under the judge's id. */
export interface JudgeScore {
  score: number;
  rationale: string;
}

/** The valid score range, inclusive. */
export interface ScoreRange {
  min: number;
  max: number;
}

/** Longest rationale a constrained engine may write, in characters. */
export const RATIONALE_MAX_CHARS = 200;

/**
 * JSON schema of the reply: `{score, rationale}`. An integral range of at most 101 values is an
 * integer `enum` (grammar-based engines such as llama.cpp enforce enums but not `minimum` /
 * `maximum`); other ranges are a `number` with `minimum` / `maximum`. The rationale is at most
 * {@link RATIONALE_MAX_CHARS} characters.
 */
export function judgeSchema(range: ScoreRange): JsonSchema {
  const integral = Number.isInteger(range.min) && Number.isInteger(range.max) &&
    range.max - range.min <= 100;
  const score = integral
    ? {
      type: "integer",
      enum: Array.from({ length: range.max - range.min + 1 }, (_, i) => range.min + i),
    }
    : { type: "number", minimum: range.min, maximum: range.max };
  return {
    type: "object",
    properties: {
      score,
      rationale: { type: "string", maxLength: RATIONALE_MAX_CHARS },
    },
    required: ["score", "rationale"],
    additionalProperties: false,
  };
}

/** The line appended to the judge's last user message. */
export function judgeFormatLine(range: ScoreRange): string {
  return `Reply with only a JSON object: {"score": <number from ${range.min} to ${range.max}>, ` +
    `"rationale": "<one short sentence>"}`;
}

const NUMBER = "[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)";
const SCORE_KEY_RE = new RegExp(`["']?score["']?\\s*[:=]\\s*["']?(${NUMBER})`, "i");
const RATIONALE_KEY_RE = /["']?(?:rationale|reason|explanation)["']?\s*[:=]\s*"((?:[^"\\]|\\.)*)"/i;
const LEADING_NUMBER_RE = new RegExp(
  `^\\s*(?:score\\s*[:=]?\\s*)?(${NUMBER})(?:\\s*/\\s*\\d+)?`,
  "i",
);

/**
 * Parses `text` as a judge reply. Tries, in order: the JSON object in the text (fences and
 * prose around it ignored; `rationale`, `reason` or `explanation`), `score: N` anywhere, and a
 * reply that starts with the number (`8`, `8/10 - fine`; the rest is the rationale).
 *
 * @returns the score and rationale, or `{error}` saying why the reply is not a valid verdict
 *   (no score found, or a score outside `range`).
 */
export function parseJudgeReply(text: string, range: ScoreRange): JudgeScore | { error: string } {
  let score: number | undefined;
  let rationale = "";
  const open = text.indexOf("{");
  const close = text.lastIndexOf("}");
  if (open >= 0 && close > open) {
    try {
      const value = JSON.parse(text.slice(open, close + 1)) as Record<string, unknown>;
      if (value && typeof value === "object") {
        const s = value.score;
        if (typeof s === "number") score = s;
        else if (typeof s === "string" && s.trim() !== "" && Number.isFinite(Number(s))) {
          score = Number(s);
        }
        const r = value.rationale ?? value.reason ?? value.explanation;
        if (typeof r === "string") rationale = r;
      }
    } catch {
      // not JSON: fall through to the lenient patterns
    }
  }
  if (score === undefined) {
    const keyed = SCORE_KEY_RE.exec(text);
    if (keyed) {
      score = Number(keyed[1]);
      const r = RATIONALE_KEY_RE.exec(text);
      if (r) {
        try {
          rationale = JSON.parse(`"${r[1]}"`);
        } catch {
          rationale = r[1];
        }
      }
    } else {
      const leading = LEADING_NUMBER_RE.exec(text);
      if (leading) {
        score = Number(leading[1]);
        rationale = text.slice(leading[0].length).replace(/^[\s\-:,.–—]+/, "").trim();
      }
    }
  }
  if (score === undefined || !Number.isFinite(score)) {
    return { error: `no score found in the reply` };
  }
  if (score < range.min || score > range.max) {
    return { error: `score ${score} is outside ${range.min}-${range.max}` };
  }
  return { score, rationale: rationale.trim() };
}
