import { describe, expect, test } from "bun:test";
import { lshShape, NearDuplicateIndex } from "../../src/quality/nearDedup.ts";
import { jaccard, shingleSet, textMaker } from "../helpers/plantedText.ts";

describe("near deduplication (MinHash + LSH, Jaccard over word 3-shingles)", () => {
  test("planted set: finds >= 95% of pairs above 0.85 and flags <= 1% of pairs below 0.75", () => {
    const maker = textMaker(7, 5000);
    const index = new NearDuplicateIndex({ threshold: 0.85 });
    const bases: string[] = [];
    for (let i = 0; i < 600; i++) {
      bases.push(maker.text(80 + (i % 40)));
      index.add(i, index.sketch(bases[i]));
    }
    // Distinct texts never match each other.
    let distinctFlagged = 0;
    for (let i = 0; i < 600; i++) {
      const match = index.find(index.sketch(bases[i]));
      if (!match || match.id !== i) distinctFlagged++;
    }
    expect(distinctFlagged).toBe(0);
    let above = 0;
    let found = 0;
    let below = 0;
    let flagged = 0;
    for (let i = 0; i < 600; i++) {
      const edits = 1 + (i % 6); // Jaccard ~0.94 down to ~0.68
      const variant = maker.variant(bases[i], edits);
      const truth = jaccard(shingleSet(bases[i]), shingleSet(variant));
      const match = index.find(index.sketch(variant));
      if (truth >= 0.85) {
        above++;
        if (match?.id === i) {
          found++;
          expect(match.similarity).toBeCloseTo(truth, 2);
        }
      } else if (truth < 0.75) {
        below++;
        if (match) flagged++;
      }
    }
    expect(above).toBeGreaterThan(150);
    expect(below).toBeGreaterThan(150);
    expect(found / above).toBeGreaterThanOrEqual(0.95);
    expect(flagged / below).toBeLessThanOrEqual(0.01);
  });

  test("case, punctuation and spacing do not change the shingles", () => {
    const index = new NearDuplicateIndex({ threshold: 0.9 });
    index.add(4, index.sketch("The quick brown fox jumps over the lazy dog"));
    expect(index.find(index.sketch("the QUICK brown, fox\n jumps over the lazy dog!")))
      .toEqual({ id: 4, similarity: 1 });
    expect(index.find(index.sketch("a completely different sentence about cats"))).toBeUndefined();
  });

  test("texts without words are never near duplicates; short texts are one shingle", () => {
    const index = new NearDuplicateIndex({ threshold: 1 });
    index.add(0, index.sketch("   ...  "));
    expect(index.size).toBe(0);
    index.add(1, index.sketch("hello world"));
    expect(index.find(index.sketch("Hello, world"))).toEqual({ id: 1, similarity: 1 });
  });

  test("the most similar indexed text wins; equal ones go to the first added", () => {
    const maker = textMaker(3);
    const base = maker.text(100);
    const index = new NearDuplicateIndex({ threshold: 0.7 });
    index.add(10, index.sketch(maker.variant(base, 4)));
    index.add(11, index.sketch(base));
    index.add(12, index.sketch(base));
    expect(index.find(index.sketch(base))).toEqual({ id: 11, similarity: 1 });
  });

  test("banding keeps a pair at the threshold a candidate with probability >= 0.999", () => {
    for (const t of [0.3, 0.5, 0.7, 0.85, 0.95, 1]) {
      const { bands, rows } = lshShape(t);
      expect(bands * rows).toBeLessThanOrEqual(64);
      expect(Math.pow(1 - Math.pow(t, rows), bands)).toBeLessThanOrEqual(1e-3);
    }
    expect(lshShape(0.85)).toEqual({ bands: 12, rows: 5 });
    expect(() => new NearDuplicateIndex({ threshold: 0 })).toThrow(RangeError);
    expect(() => new NearDuplicateIndex({ threshold: 1.5 })).toThrow(RangeError);
  });
});
