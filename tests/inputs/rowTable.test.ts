/**
 * RowTable (issue 3): rows stored by column come back as equal plain objects — every value
 * kind, unicode, bigint, nested values, per-row key order, `__proto__` keys, attribute_map
 * projection, CSV-style column rewrites — and rows built on access feed the planner.
 */
import { describe, expect, test } from "bun:test";
import { RowTable } from "../../src/inputs/rowTable.ts";
import { planRecords } from "../../src/plan/planner.ts";
import { allRows, firstRowKeys, rowAt } from "../../src/plan/rowList.ts";

const table = (rows: Record<string, unknown>[]) => {
  const t = new RowTable();
  for (const row of rows) t.appendObject(row);
  return t;
};

describe("RowTable", () => {
  test("every value kind comes back equal and of the same type", () => {
    const rows = [{
      s: "plain",
      empty: "",
      n: 1.5,
      negZero: -0,
      inf: -Infinity,
      int: 42,
      t: true,
      f: false,
      nil: null,
      big: 12345678901234567890n,
      list: [1, "two", [3], { four: 4 }],
      map: { k: { deep: ["x"] } },
    }];
    const t = table(rows);
    expect(t.length).toBe(1);
    expect(t.columns).toEqual(Object.keys(rows[0]));
    const row = t.get(0);
    expect(row).toEqual(rows[0]);
    expect(Object.is(row.negZero, -0)).toBe(true);
    expect(typeof row.big).toBe("bigint");
    expect(row.list).toBe(rows[0].list); // nested values are kept as they are
  });

  test("unicode: accents, CJK, emoji, lone surrogates, long strings", () => {
    const values = [
      "héllo wörld",
      "日本語のテキスト",
      "emoji 😀👍🏽 mixed",
      "lone \ud800 surrogate",
      "\udc00",
      "x".repeat(5 * 1024 * 1024) + "é", // bigger than one heap block
      "a\u0000b\nc",
    ];
    const t = table(values.map((v) => ({ v })));
    expect(allRows(t).map((r) => r.v)).toEqual(values);
  });

  test("many strings across heap blocks keep their positions", () => {
    const t = new RowTable();
    const c = t.column("text");
    const n = 40_000;
    const first = t.addRows(n, [c]);
    for (let i = 0; i < n; i++) t.set(first + i, c, `row ${i} ${"ü".repeat(i % 200)}`);
    for (const i of [0, 1, 9_999, 25_000, n - 1]) {
      expect(t.get(i)).toEqual({ text: `row ${i} ${"ü".repeat(i % 200)}` });
    }
  });

  test("each row keeps its own keys and key order; missing keys stay missing", () => {
    const rows = [{ a: 1, b: "x" }, { b: "y", a: 2 }, { c: true }, { a: 3, b: "z" }, {}];
    const t = table(rows);
    expect(t.columns).toEqual(["a", "b", "c"]);
    expect(t.toArray()).toEqual(rows);
    expect(t.toArray().map((r) => Object.keys(r))).toEqual(rows.map((r) => Object.keys(r)));
    expect(t.get(2)).not.toHaveProperty("a");
  });

  test("__proto__ and constructor are plain fields, prototypes untouched", () => {
    const row = JSON.parse('{"__proto__": {"polluted": 1}, "constructor": "c", "a": 1}');
    const got = table([row]).get(0);
    expect(Object.getPrototypeOf(got)).toBe(Object.prototype);
    expect(Object.keys(got)).toEqual(["__proto__", "constructor", "a"]);
    expect(Object.getOwnPropertyDescriptor(got, "__proto__")?.value).toEqual({ polluted: 1 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test("get builds a fresh object each time", () => {
    const t = table([{ a: "x" }]);
    const one = t.get(0);
    one.a = "changed";
    expect(t.get(0)).toEqual({ a: "x" });
  });

  test("mapColumn rewrites a range of one column (CSV type inference)", () => {
    const t = table([{ n: "1", s: "a" }, { n: "", s: "b" }, { n: "99999999999999999", s: "c" }]);
    t.mapColumn(0, 1, 3, (v) => (v === "" ? "" : BigInt(v as string)));
    expect(t.toArray()).toEqual([
      { n: "1", s: "a" },
      { n: "", s: "b" },
      { n: 99999999999999999n, s: "c" },
    ]);
  });
});

describe("RowTable.select (attribute_map)", () => {
  test("keeps the mapped columns, renamed, in map order; cells shared", () => {
    const t = table([{ a: 1, b: "x", c: [1] }, { a: 2, b: "y", c: [2] }]);
    const selected = t.select([["c", "new_c"], ["a", "__proto__"]]);
    if (!(selected instanceof RowTable)) throw new Error("expected a table");
    expect(selected.columns).toEqual(["new_c", "__proto__"]);
    const rows = selected.toArray();
    expect(rows.map((r) => Object.keys(r))).toEqual([["new_c", "__proto__"], [
      "new_c",
      "__proto__",
    ]]);
    expect(Object.getPrototypeOf(rows[1])).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(rows[1], "__proto__")?.value).toBe(2);
    expect(rows[0].new_c).toEqual([1]);
  });

  test("a repeated target keeps its first position and takes the later value", () => {
    const t = table([{ a: 1, b: 2, c: 3 }]);
    const selected = t.select([["a", "x"], ["c", "y"], ["b", "x"]]) as RowTable;
    expect(Object.entries(selected.get(0))).toEqual([["x", 2], ["y", 3]]);
  });

  test("names the first row that lacks a mapped column", () => {
    const t = table([{ a: 1 }, { a: 2 }, { b: 3 }, { a: 4 }]);
    expect(t.select([["a", "x"]])).toEqual({ missing: "a", row: 2 });
    expect(table([{ a: 1 }]).select([["zz", "x"]])).toEqual({ missing: "zz", row: 0 });
  });
});

describe("rows built on access feed the planner", () => {
  test("round-robin and dynamic sources read a RowTable like an array", () => {
    const rows = [{ q: "one", n: 1 }, { q: "two", n: 2 }, { q: "three", n: 3 }];
    const t = table(rows);
    expect(firstRowKeys(t)).toEqual(["q", "n"]);
    expect(rowAt(t, 1)).toEqual(rows[1]);
    const plan = (source: RowTable | typeof rows) => [
      ...planRecords({
        numSamples: 5,
        seed: 3,
        sources: [
          { kind: "dataset", rows: source },
          { kind: "dataset", id: "shots", num_shots: 2, rows: source },
        ],
      }),
    ];
    expect(plan(t)).toEqual(plan(rows));
    expect(plan(t)[4]).toMatchObject({ q: "two", n: 2 });
  });
});
