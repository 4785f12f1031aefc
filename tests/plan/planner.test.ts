import { describe, expect, test } from "bun:test";
import { ConfigError, InputError } from "../../src/errors.ts";
import { type PlannerSource, planRecords } from "../../src/plan/planner.ts";
import type { SampledAttributeSpec } from "../../src/plan/sampling.ts";

const tone: SampledAttributeSpec = {
  id: "tone",
  name: "Tone",
  description: "How it sounds",
  possible_values: [
    { id: "formal", name: "Formal", description: "f" },
    { id: "casual", name: "Casual", description: "c" },
  ],
};
const examples = (
  rows: Record<string, unknown>[],
  extra: Partial<PlannerSource> = {},
): PlannerSource => ({
  kind: "examples",
  rows,
  ...extra,
});
const all = (plan: ReturnType<typeof planRecords>) => [...plan];

describe("errors (§7, §20.5)", () => {
  test("num_samples must be positive", () => {
    for (const n of [0, -1]) {
      expect(() => planRecords({ numSamples: n, sampledAttributes: [tone] })).toThrow(
        "sample_count must be positive",
      );
    }
  });

  test("nothing to plan gives an empty sample", () => {
    const message =
      "Empty sample created after planning, you must have at least one defined attribute for synthesis.";
    expect(() => planRecords({ numSamples: 3 })).toThrow(message);
    expect(() => planRecords({ numSamples: 3, sampledAttributes: [], sources: [] })).toThrow(
      message,
    );
    expect(() => planRecords({ numSamples: 3, sampledAttributes: null, sources: null })).toThrow(
      ConfigError,
    );
  });

  test("empty sources", () => {
    expect(() =>
      planRecords({ numSamples: 1, sources: [{ kind: "dataset", path: "data/x.csv", rows: [] }] })
    ).toThrow(
      "Dataset source 'data/x.csv' is empty. Please check the file or apply different filters.",
    );
    expect(() =>
      planRecords({
        numSamples: 1,
        sources: [{ kind: "dataset", path: "d.jsonl", num_shots: 3, id: "d", rows: [] }],
      })
    )
      .toThrow(InputError);
    expect(() =>
      planRecords({ numSamples: 1, sources: [{ kind: "documents", id: "doc", rows: [] }] })
    ).toThrow(
      "No non-empty documents were found in the document source",
    );
    expect(() => planRecords({ numSamples: 1, sources: [examples([])] })).toThrow(
      "ExampleSource.examples cannot be empty.",
    );
  });

  test("dynamic sampling needs an id", () => {
    expect(() =>
      planRecords({ numSamples: 1, sources: [examples([{ q: 1 }, { q: 2 }], { num_shots: 2 })] })
    ).toThrow(
      "ExampleSource.id must be set when num_shots > 1 for dynamic sampling.",
    );
    expect(() =>
      planRecords({ numSamples: 1, sources: [{ kind: "dataset", rows: [{ q: 1 }], num_shots: 2 }] })
    ).toThrow(
      "DatasetSource.id must be set",
    );
  });
});

describe("record assembly (§7, §5.4)", () => {
  test("round-robin sources cycle with i mod n, each independently", () => {
    const plan = planRecords({
      numSamples: 5,
      seed: 1,
      sources: [
        examples([{ q: "A" }, { q: "B" }]),
        examples([{ x: 1 }, { x: 2 }, { x: 3 }]),
        { kind: "dataset", rows: [{ col: "d0" }] },
        { kind: "documents", id: "doc", rows: [{ doc: "text0" }, { doc: "text1" }] },
      ],
    });
    expect(all(plan)).toEqual([
      { q: "A", x: 1, col: "d0", doc: "text0" },
      { q: "B", x: 2, col: "d0", doc: "text1" },
      { q: "A", x: 3, col: "d0", doc: "text0" },
      { q: "B", x: 1, col: "d0", doc: "text1" },
      { q: "A", x: 2, col: "d0", doc: "text0" },
    ]);
  });

  test("merge order: examples, datasets, documents, sampled; overwrites keep the first position", () => {
    const plan = planRecords({
      numSamples: 1,
      seed: 1,
      sampledAttributes: [tone],
      sources: [
        { kind: "documents", id: "doc", rows: [{ shared: "from documents", doc: "t" }] },
        { kind: "dataset", rows: [{ shared: "from dataset", col: 1 }] },
        examples([{ shared: "from examples", tone: "not sampled" }]),
      ],
    });
    const r = plan.record(0);
    expect(Object.keys(r)).toEqual(["shared", "tone", "col", "doc"]);
    expect(r.shared).toBe("from documents");
    expect(["formal", "casual"]).toContain(r.tone as string);
  });

  test("composed example: examples round-robin plus a sampled tone", () => {
    const plan = planRecords({
      numSamples: 3,
      seed: 9,
      sampledAttributes: [tone],
      sources: [examples([{ q: "A" }, { q: "B" }])],
    });
    const records = all(plan);
    expect(records.map((r) => r.q)).toEqual(["A", "B", "A"]);
    for (const r of records) {
      expect(Object.keys(r)).toEqual(["q", "tone"]);
      expect(["formal", "casual"]).toContain(r.tone as string);
    }
  });

  test("only sampled attributes when there are no sources", () => {
    const records = all(
      planRecords({ numSamples: 4, seed: 2, sampledAttributes: [tone], sources: [] }),
    );
    for (const r of records) expect(Object.keys(r)).toEqual(["tone"]);
  });

  test("dynamic sampling: min(num_shots, n) distinct rows under the source id, varying per record", () => {
    const rows = Array.from({ length: 6 }, (_, i) => ({ q: `q${i}`, a: `a${i}` }));
    const plan = planRecords({
      numSamples: 40,
      seed: 3,
      sources: [
        examples(rows, { id: "shots", num_shots: 3 }),
        examples([{ fixed: "R0" }, { fixed: "R1" }]),
        { kind: "dataset", id: "big", num_shots: 10, rows: [{ v: 1 }, { v: 2 }] },
        {
          kind: "documents",
          id: "ctx",
          num_shots: 2,
          rows: [{ ctx: "d0" }, { ctx: "d1" }, { ctx: "d2" }],
        },
      ],
    });
    const records = all(plan);
    for (const [i, r] of records.entries()) {
      expect(Object.keys(r)).toEqual(["shots", "fixed", "big", "ctx"]);
      const shots = r.shots as typeof rows;
      expect(shots.length).toBe(3);
      expect(new Set(shots.map((s) => s.q)).size).toBe(3);
      for (const s of shots) expect(rows).toContain(s);
      expect(r.fixed).toBe(`R${i % 2}`);
      expect((r.big as unknown[]).length).toBe(2); // pool smaller than num_shots
      expect((r.ctx as { ctx: string }[]).length).toBe(2);
    }
    const distinct = new Set(records.map((r) => JSON.stringify(r.shots)));
    expect(distinct.size).toBeGreaterThan(20);
  });

  test("num_shots 1 or null is round-robin", () => {
    const rows = [{ q: "A" }, { q: "B" }];
    const plan = planRecords({
      numSamples: 2,
      sources: [examples(rows, { id: "s", num_shots: 1 }), examples(rows, { num_shots: null })],
    });
    expect(all(plan)).toEqual([{ q: "A" }, { q: "B" }]);
  });
});

describe("reproducibility and laziness (DECISIONS 3)", () => {
  const options = (seed?: number) => ({
    numSamples: 200,
    seed,
    sampledAttributes: [tone, { ...tone, id: "tone2" }],
    combinations: [{ combination: { tone: "formal", tone2: "casual" }, sample_rate: 0.3 }],
    sources: [
      examples(Array.from({ length: 9 }, (_, i) => ({ q: i })), { id: "shots", num_shots: 3 }),
    ],
  });

  test("same seed, identical plan; different seed, different plan", () => {
    expect(all(planRecords(options(42)))).toEqual(all(planRecords(options(42))));
    expect(all(planRecords(options(42)))).not.toEqual(all(planRecords(options(43))));
    expect(planRecords(options(42)).seed).toBe(42);
  });

  test("record i depends only on (seed, i), not on the order records are produced", () => {
    const forward = all(planRecords(options(5)));
    const plan = planRecords(options(5));
    const backward = Array.from({ length: 200 }, (_, k) => plan.record(199 - k)).reverse();
    expect(backward).toEqual(forward);
    expect(plan.record(17)).toEqual(plan.record(17));
    expect(plan.record(17)).not.toBe(plan.record(17)); // fresh objects
  });

  test("unseeded plans draw a seed and report it", () => {
    const a = planRecords(options());
    const b = planRecords({ ...options(), seed: a.seed });
    expect(all(b)).toEqual(all(a));
  });

  test("planning 100,000 records is lazy: count is known, indices are stable", () => {
    const plan = planRecords({ ...options(7), numSamples: 100_000 });
    expect(plan.count).toBe(100_000);
    const probe = [0, 1, 50_000, 99_999].map((i) => plan.record(i));
    expect([0, 1, 50_000, 99_999].map((i) => plan.record(i))).toEqual(probe);
    const again = planRecords({ ...options(7), numSamples: 100_000 });
    expect(again.record(99_999)).toEqual(probe[3]);
    // iteration yields records one by one (a generator), not a prebuilt array
    const iterator = plan[Symbol.iterator]();
    expect(Array.isArray(iterator)).toBe(false);
    expect(iterator.next().value).toEqual(probe[0]);
    expect(() => plan.record(100_000)).toThrow(RangeError);
    expect(() => plan.record(-1)).toThrow(RangeError);
  });

  test("combination frequencies hold across a plan", () => {
    const records = all(planRecords({ ...options(11), numSamples: 2000 }));
    const hits = records.filter((r) => r.tone === "formal" && r.tone2 === "casual").length /
      records.length;
    expect(Math.abs(hits - 0.3)).toBeLessThan(0.03);
  });
});

test("a __proto__ key stays an own field", () => {
  const row = JSON.parse('{"__proto__": "x", "q": 1}');
  const r = planRecords({ numSamples: 1, sources: [examples([row])] }).record(0);
  expect(Object.keys(r)).toEqual(["__proto__", "q"]);
  expect(Object.getPrototypeOf(r)).toBe(Object.prototype);
});
