import { expect, test } from "bun:test";
import { ConfigError } from "../../src/errors.ts";
import { exampleSources } from "../../src/inputs/examples.ts";
import { planRecords } from "../../src/plan/planner.ts";
import { rowAt } from "../../src/plan/rowList.ts";

test("absent or empty input gives no sources", () => {
  expect(exampleSources(undefined)).toEqual([]);
  expect(exampleSources(null)).toEqual([]);
  expect(exampleSources([])).toEqual([]);
});

test("rows are kept as given, with id and num_shots", () => {
  const rows = [{ q: "A", n: 1 }, { n: 2, q: "B" }];
  const [source] = exampleSources([{ examples: rows, id: "ex", num_shots: 2 }]);
  expect(source).toEqual({ kind: "examples", id: "ex", num_shots: 2, rows });
  expect(rowAt(source.rows, 0)).toBe(rows[0]);
  const [plain] = exampleSources([{ examples: [{ q: 1 }] }]);
  expect(plain).toEqual({
    kind: "examples",
    id: undefined,
    num_shots: undefined,
    rows: [{ q: 1 }],
  });
});

test("empty examples", () => {
  expect(() => exampleSources([{ examples: [] }])).toThrow(
    "ExampleSource.examples cannot be empty.",
  );
});

test("all rows need the same key set as the first", () => {
  for (
    const bad of [[{ a: 1, b: 2 }, { a: 1 }], [{ a: 1 }, { a: 1, b: 2 }], [{ a: 1 }, { b: 1 }]]
  ) {
    let error: unknown;
    try {
      exampleSources([{ examples: bad }]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe("All examples must have the same keys.");
    expect((error as ConfigError).issues[0].path).toBe(
      "strategy_params.input_examples[0].examples[1]",
    );
  }
});

test("rows must be maps", () => {
  expect(() => exampleSources([{ examples: ["text"] }])).toThrow("is not a map");
  expect(() => exampleSources([{ examples: [{ a: 1 }, [1]] }])).toThrow(ConfigError);
});

test("dynamic sampling needs an id", () => {
  expect(() => exampleSources([{ examples: [{ a: 1 }], num_shots: 3 }])).toThrow(
    "ExampleSource.id must be set when num_shots > 1 for dynamic sampling.",
  );
});

test("the sources plug into the planner", () => {
  const sources = exampleSources([{ examples: [{ q: "A" }, { q: "B" }] }, {
    examples: [{ x: 1 }, { x: 2 }],
    id: "shots",
    num_shots: 2,
  }]);
  const records = [...planRecords({ numSamples: 3, seed: 1, sources })];
  expect(records.map((r) => r.q)).toEqual(["A", "B", "A"]);
  for (const r of records) expect((r.shots as unknown[]).length).toBe(2);
});
