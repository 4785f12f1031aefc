import { describe, expect, test } from "bun:test";
import { Rng } from "../../../src/plan/rng.ts";
import { drawMessageCount, roleOfMessage } from "../../../src/synth/multiturn/turnCount.ts";

describe("drawMessageCount (messages, ending on an assistant message: DECISIONS 6)", () => {
  test("even counts within [min_turns, max_turns], every even value drawn", () => {
    const rng = Rng.seeded(1);
    const seen = new Set<number>();
    for (let i = 0; i < 400; i++) {
      const n = drawMessageCount(3, 10, rng.fork(i));
      expect(n % 2).toBe(0);
      expect(n).toBeGreaterThanOrEqual(4);
      expect(n).toBeLessThanOrEqual(10);
      seen.add(n);
    }
    expect([...seen].sort((a, b) => a - b)).toEqual([4, 6, 8, 10]);
  });

  test("within [min_turns, max_turns]; a range without an even number throws (DECISIONS 19)", () => {
    const rng = Rng.seeded(2);
    expect(() => drawMessageCount(3, 3, rng)).toThrow(/no even number/);
    expect(() => drawMessageCount(1, 1, rng)).toThrow(/no even number/);
    expect(drawMessageCount(1, 2, rng)).toBe(2);
    expect(drawMessageCount(2, 2, rng)).toBe(2);
    expect(drawMessageCount(3, 4, rng)).toBe(4);
  });

  test("reproducible per (seed, record) and varied across records", () => {
    const a = Array.from({ length: 20 }, (_, i) => drawMessageCount(2, 12, Rng.seeded(9).fork(i)));
    const b = Array.from({ length: 20 }, (_, i) => drawMessageCount(2, 12, Rng.seeded(9).fork(i)));
    expect(a).toEqual(b);
    expect(new Set(a).size).toBeGreaterThan(1);
  });

  test("turn order: USER on odd messages, ASSISTANT on even ones", () => {
    expect([1, 2, 3, 4].map(roleOfMessage)).toEqual(["user", "assistant", "user", "assistant"]);
  });
});
