import { describe, expect, test } from "bun:test";
import { pickCumulative, Rng } from "../../src/plan/rng.ts";

const draws = (rng: Rng, n: number) => Array.from({ length: n }, () => rng.random());

describe("Rng", () => {
  test("same seed, same stream; different seeds differ", () => {
    expect(draws(Rng.seeded(42), 5)).toEqual(draws(Rng.seeded(42), 5));
    expect(draws(Rng.seeded(42), 5)).not.toEqual(draws(Rng.seeded(43), 5));
    expect(draws(Rng.seeded(-1), 3)).not.toEqual(draws(Rng.seeded(0xffffffff), 3));
    expect(draws(Rng.seeded(2 ** 40), 3)).not.toEqual(draws(Rng.seeded(0), 3));
    expect(draws(Rng.seeded(0.5), 3)).not.toEqual(draws(Rng.seeded(0), 3));
  });

  test("rejects non-finite seeds", () => {
    expect(() => Rng.seeded(NaN)).toThrow(RangeError);
  });

  test("fork depends on the label only, not on draws already made", () => {
    const a = Rng.seeded(7);
    const b = Rng.seeded(7);
    draws(b, 10);
    expect(draws(a.fork(3), 4)).toEqual(draws(b.fork(3), 4));
    expect(draws(a.fork("x"), 4)).toEqual(draws(b.fork("x"), 4));
    expect(draws(a.fork(3), 4)).not.toEqual(draws(a.fork(4), 4));
    expect(draws(a.fork("ab"), 4)).not.toEqual(draws(a.fork("ba"), 4));
    expect(draws(a.fork(1), 4)).not.toEqual(draws(a.fork("1"), 4));
    expect(draws(a.fork(1).fork(2), 4)).not.toEqual(draws(a.fork(2).fork(1), 4));
  });

  test("random() is in [0, 1) and roughly uniform", () => {
    const xs = draws(Rng.seeded(1), 20_000);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
  });

  test("child streams of consecutive labels are uncorrelated", () => {
    const root = Rng.seeded(99);
    const first = Array.from({ length: 20_000 }, (_, i) => root.fork(i).random());
    const mean = first.reduce((s, x) => s + x, 0) / first.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
    let cov = 0;
    for (let i = 1; i < first.length; i++) cov += (first[i] - 0.5) * (first[i - 1] - 0.5);
    expect(Math.abs(cov / first.length)).toBeLessThan(0.005);
  });

  test("int() is inclusive and covers the range", () => {
    const rng = Rng.seeded(3);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const x = rng.int(2, 5);
      expect(x >= 2 && x <= 5).toBe(true);
      seen.add(x);
    }
    expect([...seen].sort()).toEqual([2, 3, 4, 5]);
    expect(rng.int(4, 4)).toBe(4);
    expect(() => rng.int(5, 4)).toThrow(RangeError);
  });

  test("weightedIndex uses relative weights and never picks weight 0", () => {
    const rng = Rng.seeded(5);
    const counts = [0, 0, 0];
    const n = 20_000;
    for (let i = 0; i < n; i++) counts[rng.weightedIndex([0.2, 0, 0.3])]++;
    expect(counts[1]).toBe(0);
    expect(Math.abs(counts[0] / n - 0.4)).toBeLessThan(0.02);
    expect(() => rng.weightedIndex([0, 0])).toThrow("total weight must be greater than 0");
    expect(() => rng.weightedIndex([])).toThrow(RangeError);
  });

  test("sample() draws k distinct indices in random order, clamped to n", () => {
    const rng = Rng.seeded(11);
    for (const [n, k] of [[10, 3], [10, 10], [100_000, 5], [4, 9], [0, 2]]) {
      const s = rng.sample(n, k);
      expect(s.length).toBe(Math.min(n, k));
      expect(new Set(s).size).toBe(s.length);
      expect(s.every((i) => i >= 0 && i < n)).toBe(true);
    }
    // Every index is equally likely to come first.
    const firsts = new Array(5).fill(0);
    for (let i = 0; i < 10_000; i++) firsts[rng.sample(5, 2)[0]]++;
    for (const c of firsts) expect(Math.abs(c / 10_000 - 0.2)).toBeLessThan(0.03);
  });

  test("shuffle() permutes in place", () => {
    const items = [1, 2, 3, 4, 5, 6, 7, 8];
    const out = Rng.seeded(8).shuffle(items);
    expect(out).toBe(items);
    expect([...items].sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(Rng.seeded(8).shuffle([1, 2, 3, 4, 5, 6, 7, 8])).toEqual(items);
  });

  test("uuid4() is a v4 UUID and reproducible", () => {
    const id = Rng.seeded(1).uuid4();
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Rng.seeded(1).uuid4()).toBe(id);
  });

  test("uuid4() keeps the ids of earlier versions (a resumed run's conversation_id), one after another", () => {
    // Written by the first implementation (four `int(0, 0xffffffff)` draws, hex per byte).
    expect(Rng.seeded(1).uuid4()).toBe("8dec1130-6ad0-4c65-9f51-71b7ffcd163f");
    expect(Rng.seeded(42).fork(7).uuid4()).toBe("20962a13-a485-4f8e-98c8-aa646ceeb402");
    const r = Rng.seeded(0).fork("conversation").fork(99999);
    const first = r.uuid4();
    expect(first).toBe("8952e688-ac59-4a22-86c7-8c44c85a1635");
    // The returned text is the caller's: the next id does not change it.
    expect(r.uuid4()).not.toBe(first);
    expect(first).toBe("8952e688-ac59-4a22-86c7-8c44c85a1635");
  });

  test("randomSeed() gives 32-bit integers", () => {
    const s = Rng.randomSeed();
    expect(Number.isInteger(s) && s >= 0 && s < 2 ** 32).toBe(true);
  });
});

test("pickCumulative", () => {
  expect(pickCumulative([1, 1, 2], 0)).toBe(0);
  expect(pickCumulative([1, 1, 2], 1)).toBe(1);
  expect(pickCumulative([1, 1, 2], 3.99)).toBe(2);
  expect(pickCumulative([1, 0, 0], 5)).toBe(0); // rounding overflow -> last positive weight
  expect(pickCumulative([0, 1], 0)).toBe(1);
});
