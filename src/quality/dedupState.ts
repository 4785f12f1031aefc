/**
 * The deduplication state of a run: one index per `quality.deduplicate` rule, fed with the
 * records that were written, in output order. A record is a duplicate when any rule finds an
 * earlier written record with the same normalised text (exact) or a Jaccard similarity at or
 * above the rule's threshold (near).
 *
 * The state depends only on the written records and their order, so it can be rebuilt from an
 * output file ({@link DedupState.fromRecords}): after a resume, feed the lines already written;
 * to deduplicate across shards, `synth merge` feeds each shard's records in merge order through
 * one state and drops (and reports) the ones {@link DedupState.find} flags.
 *
 * @module
 */
import type { QualityConfig } from "../config/schema/quality.ts";
import { ExactDuplicateIndex } from "./exactDedup.ts";
import { NearDuplicateIndex, type NearSketch } from "./nearDedup.ts";
import { comparedText } from "./text.ts";

/** One `quality.deduplicate` rule as validated. */
export type DedupRule = NonNullable<QualityConfig["deduplicate"]>[number];

/** Lookup keys of one record, one per rule (computed anywhere, used in order). */
export type DedupKeys = readonly (number | NearSketch)[];

/** What a rule found: the written record this one duplicates. */
export interface DuplicateFinding {
  reason: "exact_duplicate" | "near_duplicate";
  /** The rule's attributes. */
  attributes: string[];
  /** 1-based line of the written record in the output file. */
  duplicate_of_line: number;
  /** Plan index of the written record (absent when rebuilt from a file without indices). */
  duplicate_of_index?: number;
  /** Jaccard similarity (near) or 1 (exact). */
  similarity: number;
}

type RuleIndex = { rule: DedupRule; exact?: ExactDuplicateIndex; near?: NearDuplicateIndex };

/**
 * Deduplication over the written records.
 *
 * @example
 * ```ts
 * const state = new DedupState([{ attributes: ["q"], method: "exact", threshold: 0.85, shingle_words: 3 }]);
 * state.add(state.keysOf({ q: "Hello world" }), 0);
 * state.find(state.keysOf({ q: "hello   WORLD" })); // {reason: "exact_duplicate", duplicate_of_line: 1, ...}
 * ```
 */
export class DedupState {
  private readonly indices: RuleIndex[];
  /** Plan index of each written line (0-based line → index; -1 when unknown). */
  private readonly planIndex: number[] = [];

  constructor(rules: readonly DedupRule[]) {
    this.indices = rules.map((rule) =>
      rule.method === "near"
        ? {
          rule,
          near: new NearDuplicateIndex({
            threshold: rule.threshold,
            shingleWords: rule.shingle_words,
          }),
        }
        : { rule, exact: new ExactDuplicateIndex() }
    );
  }

  /**
   * A state holding `records` as already written, in order (e.g. the lines of an output file
   * being resumed). `indices[i]` is the plan index of `records[i]` when known.
   */
  static fromRecords(
    rules: readonly DedupRule[],
    records: Iterable<Readonly<Record<string, unknown>>>,
    indices?: readonly number[],
  ): DedupState {
    const state = new DedupState(rules);
    let line = 0;
    for (const record of records) {
      state.add(state.keysOf(record), indices?.[line] ?? -1);
      line++;
    }
    return state;
  }

  /** Records added so far (the lines written). */
  get written(): number {
    return this.planIndex.length;
  }

  /** The lookup keys of `record` (pure: call it out of order, e.g. when the record finishes). */
  keysOf(record: Readonly<Record<string, unknown>>): DedupKeys {
    return this.indices.map(({ rule, exact, near }) => {
      const text = comparedText(record, rule.attributes);
      return exact ? exact.key(text) : near!.sketch(text);
    });
  }

  /** The first rule (in config order) that finds an earlier written duplicate, or undefined. */
  find(keys: DedupKeys): DuplicateFinding | undefined {
    for (let r = 0; r < this.indices.length; r++) {
      const { rule, exact, near } = this.indices[r];
      let line: number | undefined;
      let similarity = 1;
      if (exact) line = exact.find(keys[r] as number);
      else {
        const match = near!.find(keys[r] as NearSketch);
        if (match) {
          line = match.id;
          similarity = Math.round(match.similarity * 1e4) / 1e4;
        }
      }
      if (line === undefined) continue;
      const index = this.planIndex[line];
      return {
        reason: exact ? "exact_duplicate" : "near_duplicate",
        attributes: [...rule.attributes],
        duplicate_of_line: line + 1,
        ...(index >= 0 ? { duplicate_of_index: index } : {}),
        similarity,
      };
    }
    return undefined;
  }

  /** Adds a written record (the next line) with its plan index (-1 when unknown). */
  add(keys: DedupKeys, planIndex: number): void {
    const line = this.planIndex.length;
    this.planIndex.push(planIndex);
    for (let r = 0; r < this.indices.length; r++) {
      const { exact, near } = this.indices[r];
      if (exact) exact.add(line, keys[r] as number);
      else near!.add(line, keys[r] as NearSketch);
    }
  }
}
