import { describe, expect, test } from "bun:test";
import { ConfigError } from "../../src/errors.ts";
import { Rng } from "../../src/plan/rng.ts";
import { createAttributeSampler, type SampledAttributeSpec } from "../../src/plan/sampling.ts";

function attr(id: string, values: string[], rates?: (number | null)[]): SampledAttributeSpec {
  return {
    id,
    name: id.toUpperCase(),
    description: `about ${id}`,
    possible_values: values.map((v, i) => ({
      id: v,
      name: v,
      description: v,
      sample_rate: rates?.[i] ?? null,
    })),
  };
}

function drawMany(sampler: ReturnType<typeof createAttributeSampler>, n: number, seed = 1) {
  const root = Rng.seeded(seed);
  return Array.from({ length: n }, (_, i) => sampler.sample(root.fork(i)));
}

const share = (rows: Record<string, string>[], pred: (r: Record<string, string>) => boolean) =>
  rows.filter(pred).length / rows.length;

describe("sampled attributes (§6.1, §6.3)", () => {
  test("two 50/50 attributes: each value about half the time, keys in config order", () => {
    const s = createAttributeSampler([
      attr("a1", ["value1", "value2"]),
      attr("a2", ["valueA", "valueB"]),
    ]);
    const rows = drawMany(s, 4000);
    expect(Object.keys(rows[0])).toEqual(["a1", "a2"]);
    expect(Math.abs(share(rows, (r) => r.a1 === "value1") - 0.5)).toBeLessThan(0.04);
    expect(Math.abs(share(rows, (r) => r.a2 === "valueA") - 0.5)).toBeLessThan(0.04);
    // independent: the joint cell is about a quarter
    expect(Math.abs(share(rows, (r) => r.a1 === "value1" && r.a2 === "valueA") - 0.25))
      .toBeLessThan(0.04);
  });

  test("rates are relative weights: [0.2, 0.3] splits 40/60", () => {
    const rows = drawMany(createAttributeSampler([attr("a", ["x", "y"], [0.2, 0.3])]), 4000);
    expect(Math.abs(share(rows, (r) => r.a === "x") - 0.4)).toBeLessThan(0.04);
  });

  test("unset rates share the remainder; rate 0 values never appear", () => {
    const rows = drawMany(
      createAttributeSampler([attr("a", ["x", "y", "z"], [0.5, null, null])]),
      4000,
    );
    expect(Math.abs(share(rows, (r) => r.a === "y") - 0.25)).toBeLessThan(0.04);
    const never = drawMany(createAttributeSampler([attr("a", ["x", "y"], [1.0, null])]), 500);
    expect(never.every((r) => r.a === "x")).toBe(true);
  });

  test("all-zero weights are a config error", () => {
    expect(() => createAttributeSampler([attr("a", ["x", "y"], [0, 0])])).toThrow(
      'Cannot sample attribute "a": every possible value has sample_rate 0',
    );
  });

  test("same seed gives the same draws, another seed different ones", () => {
    const s = createAttributeSampler([attr("a", ["x", "y", "z"]), attr("b", ["p", "q"])]);
    expect(drawMany(s, 50, 4)).toEqual(drawMany(s, 50, 4));
    expect(drawMany(s, 50, 4)).not.toEqual(drawMany(s, 50, 5));
  });
});

describe("combination sampling (§6.3, DECISIONS 4)", () => {
  const a1 = attr("attr1", ["value1", "value2"]);
  const a2 = attr("attr2", ["valueA", "valueB"]);
  const full = { attr1: "value1", attr2: "valueA" };
  const isFull = (r: Record<string, string>) => r.attr1 === "value1" && r.attr2 === "valueA";

  test("a full combination at 0.8 appears about 80% of the time", () => {
    const rows = drawMany(
      createAttributeSampler([a1, a2], [{ combination: full, sample_rate: 0.8 }]),
      2000,
    );
    expect(Math.abs(share(rows, isFull) - 0.8)).toBeLessThan(0.03);
    // the other 20% are the three remaining cells, each about a third of them
    const others = rows.filter((r) => !isFull(r));
    expect(Math.abs(share(others, (r) => r.attr1 === "value2" && r.attr2 === "valueB") - 1 / 3))
      .toBeLessThan(0.08);
  });

  test("two combinations at 0.3 each appear about 30% each", () => {
    const other = { attr1: "value2", attr2: "valueB" };
    const rows = drawMany(
      createAttributeSampler([a1, a2], [{ combination: full, sample_rate: 0.3 }, {
        combination: other,
        sample_rate: 0.3,
      }]),
      3000,
    );
    expect(Math.abs(share(rows, isFull) - 0.3)).toBeLessThan(0.03);
    expect(Math.abs(share(rows, (r) => r.attr1 === "value2" && r.attr2 === "valueB") - 0.3))
      .toBeLessThan(0.03);
  });

  test("a combination with rate 0 never appears", () => {
    const rows = drawMany(
      createAttributeSampler([a1, a2], [{ combination: full, sample_rate: 0 }]),
      1000,
    );
    expect(rows.some(isFull)).toBe(false);
    expect(rows.length).toBe(1000);
  });

  test("a 2-key combination over 3 attributes still yields the third attribute", () => {
    const a3 = attr("attr3", ["x", "y", "z"]);
    const rows = drawMany(
      createAttributeSampler([a1, a2, a3], [{ combination: full, sample_rate: 1 }]),
      900,
    );
    for (const r of rows) {
      expect(Object.keys(r)).toEqual(["attr1", "attr2", "attr3"]);
      expect(isFull(r)).toBe(true);
    }
    for (const v of ["x", "y", "z"]) {
      expect(Math.abs(share(rows, (r) => r.attr3 === v) - 1 / 3)).toBeLessThan(0.06);
    }
  });

  test("key order is the attribute config order, not the combination's", () => {
    const s = createAttributeSampler([a1, a2], [{
      combination: { attr2: "valueB", attr1: "value2" },
      sample_rate: 1,
    }]);
    expect(Object.keys(drawMany(s, 1)[0])).toEqual(["attr1", "attr2"]);
  });

  test("a forbidden combination stays forbidden when another combination is chosen", () => {
    const a3 = attr("attr3", ["x", "y"]);
    const s = createAttributeSampler([a1, a2, a3], [
      { combination: { attr1: "value1", attr2: "valueA" }, sample_rate: 0.5 },
      { combination: { attr2: "valueA", attr3: "x" }, sample_rate: 0 },
    ]);
    const rows = drawMany(s, 2000);
    expect(rows.some((r) => r.attr2 === "valueA" && r.attr3 === "x")).toBe(false);
    expect(Math.abs(share(rows, isFull) - 0.5)).toBeLessThan(0.04);
  });

  test("rates summing over 1 are rejected", () => {
    expect(() =>
      createAttributeSampler([a1, a2], [
        { combination: full, sample_rate: 0.6 },
        { combination: { attr1: "value2", attr2: "valueB" }, sample_rate: 0.5 },
      ])
    ).toThrow("Cumulative probability of combination sampling must be less than or equal to 1.0.");
  });

  test("unknown attribute or value ids are rejected", () => {
    expect(() =>
      createAttributeSampler([a1, a2], [{
        combination: { attr1: "value1", nope: "x" },
        sample_rate: 0.1,
      }])
    )
      .toThrow('Combination names unknown sampled attribute "nope"');
    expect(() =>
      createAttributeSampler([a1, a2], [{
        combination: { attr1: "value1", attr2: "valueZ" },
        sample_rate: 0.1,
      }])
    )
      .toThrow('Combination names unknown value "valueZ" of attribute "attr2"');
  });

  test("when every natural draw matches a combination, it fails up front instead of hanging", () => {
    const all = [
      { attr1: "value1", attr2: "valueA" },
      { attr1: "value1", attr2: "valueB" },
      { attr1: "value2", attr2: "valueA" },
      { attr1: "value2", attr2: "valueB" },
    ].map((combination) => ({ combination, sample_rate: 0.1 }));
    let error: unknown;
    try {
      createAttributeSampler([a1, a2], all);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(
      "every combination of sampled attribute values matches",
    );
  });

  test("covering every draw is fine when the combination rates sum to 1", () => {
    const all = [
      { attr1: "value1", attr2: "valueA" },
      { attr1: "value1", attr2: "valueB" },
      { attr1: "value2", attr2: "valueA" },
      { attr1: "value2", attr2: "valueB" },
    ].map((combination) => ({ combination, sample_rate: 0.25 }));
    const rows = drawMany(createAttributeSampler([a1, a2], all), 2000);
    expect(Math.abs(share(rows, isFull) - 0.25)).toBeLessThan(0.04);
  });

  test("a chosen combination whose every completion is forbidden fails up front", () => {
    const a3 = attr("attr3", ["x", "y"]);
    expect(() =>
      createAttributeSampler([a1, a2, a3], [
        { combination: full, sample_rate: 0.5 },
        { combination: { attr1: "value1", attr3: "x" }, sample_rate: 0 },
        { combination: { attr2: "valueA", attr3: "y" }, sample_rate: 0 },
      ])
    ).toThrow("Cannot sample attributes for combination_sampling[0]");
  });

  test("values with weight 0 count as undrawable in the feasibility check", () => {
    const z = attr("z", ["p", "q"], [1, 0]);
    expect(() =>
      createAttributeSampler([z, a1], [
        { combination: { z: "p", attr1: "value1" }, sample_rate: 0 },
        {
          combination: { z: "p", attr1: "value2" },
          sample_rate: 0,
        },
      ])
    ).toThrow(ConfigError);
  });
});
