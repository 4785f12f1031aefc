import { describe, expect, test } from "bun:test";
import { type DedupRule, DedupState } from "../../src/quality/dedupState.ts";
import { ExactDuplicateIndex } from "../../src/quality/exactDedup.ts";
import { textMaker } from "../helpers/plantedText.ts";

const exact: DedupRule = { attributes: ["q"], method: "exact", threshold: 0.85, shingle_words: 3 };
const near: DedupRule = {
  attributes: ["q", "a"],
  method: "near",
  threshold: 0.8,
  shingle_words: 3,
};

describe("exact deduplication", () => {
  test("ignores case and whitespace, nothing else", () => {
    const index = new ExactDuplicateIndex();
    index.add(0, index.key("What is  the capital\nof France?"));
    expect(index.find(index.key("  what IS the capital of france? "))).toBe(0);
    expect(index.find(index.key("What is the capital of France"))).toBeUndefined();
    expect(index.find(index.key("What is the capital of Spain?"))).toBeUndefined();
  });
});

describe("deduplication state", () => {
  test("the first matching rule names the written line and plan index", () => {
    const state = new DedupState([exact, near]);
    state.add(state.keysOf({ q: "Hello there", a: "General Kenobi" }), 7);
    expect(state.find(state.keysOf({ q: "HELLO  there", a: "anything" }))).toEqual({
      reason: "exact_duplicate",
      attributes: ["q"],
      duplicate_of_line: 1,
      duplicate_of_index: 7,
      similarity: 1,
    });
    expect(state.find(state.keysOf({ q: "hello there!", a: "General Kenobi" }))).toMatchObject({
      reason: "near_duplicate",
      attributes: ["q", "a"],
      similarity: 1,
    });
  });

  test("rebuilt from the records already written, it finds what the original state finds", () => {
    const maker = textMaker(5, 2000);
    const records = Array.from({ length: 200 }, () => ({ q: maker.text(12), a: maker.text(60) }));
    const live = new DedupState([exact, near]);
    records.forEach((r, i) => live.add(live.keysOf(r), i * 2));
    const rebuilt = DedupState.fromRecords([exact, near], records);
    expect(rebuilt.written).toBe(200);
    for (const probe of [records[17], { q: records[42].q, a: maker.variant(records[42].a, 1) }]) {
      const a = live.find(live.keysOf(probe));
      const b = rebuilt.find(rebuilt.keysOf(probe));
      expect(a).toBeDefined();
      const { duplicate_of_index, ...rest } = a!;
      expect(duplicate_of_index).toBe((a!.duplicate_of_line - 1) * 2);
      expect(b).toEqual(rest); // no plan indices in a plain output file
    }
    const withIndices = DedupState.fromRecords([exact], records, records.map((_, i) => i + 100));
    expect(withIndices.find(withIndices.keysOf(records[3]))?.duplicate_of_index).toBe(103);
  });
});
