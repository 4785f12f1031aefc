/**
 * The split rule of recipes.md §5: round(G x share) groups per split in the order train,
 * validation, test, the last non-zero share taking the rest; groups shuffled by seed.
 */
import { describe, expect, test } from "bun:test";
import { assignGroups, splitCounts } from "../../src/splits/assign.ts";
import { inputGroups } from "../../src/splits/groups.ts";

describe("splitCounts", () => {
  test("the seed page's distributions", () => {
    expect(splitCounts(10, { train: 0.8, validation: 0.1, test: 0.1 })).toEqual({
      train: 8,
      validation: 1,
      test: 1,
    });
    // 0.85 * 12 = 10.2 -> 10, 0.1 * 12 = 1.2 -> 1, test takes the remaining 1
    expect(splitCounts(12, { train: 0.85, validation: 0.1, test: 0.05 })).toEqual({
      train: 10,
      validation: 1,
      test: 1,
    });
    // 0.85 * 10 = 8.5 rounds half up to 9 (despite 8.499999999999998 in doubles); test gets 0
    expect(splitCounts(10, { train: 0.85, validation: 0.1, test: 0.05 })).toEqual({
      train: 9,
      validation: 1,
      test: 0,
    });
    // a zero test share: validation is the last non-zero share and takes the rest
    expect(splitCounts(10, { train: 0.9, validation: 0.1, test: 0 })).toEqual({
      train: 9,
      validation: 1,
      test: 0,
    });
  });

  test("the remainder is never negative and the total is always G", () => {
    for (let g = 0; g < 40; g++) {
      for (
        const shares of [
          { train: 0.34, validation: 0.33, test: 0.33 },
          { train: 0.5, validation: 0.5, test: 0 },
          { train: 0, validation: 0, test: 1 },
          { train: 0.95, validation: 0.05, test: 0 },
        ]
      ) {
        const c = splitCounts(g, shares);
        expect(c.train + c.validation + c.test).toBe(g);
        expect(Math.min(c.train, c.validation, c.test)).toBeGreaterThanOrEqual(0);
        if (shares.test === 0) expect(c.test).toBe(0);
        if (shares.train === 0) expect(c.train).toBe(0);
      }
    }
  });
});

describe("assignGroups", () => {
  const shares = { train: 0.8, validation: 0.1, test: 0.1 };
  const groups = Array.from({ length: 50 }, (_, i) => i);

  test("every group gets exactly one split, with the rule's counts", () => {
    const a = assignGroups(groups, shares, 7);
    expect(a.size).toBe(50);
    const count = (s: string) => [...a.values()].filter((v) => v === s).length;
    expect([count("train"), count("validation"), count("test")]).toEqual([40, 5, 5]);
  });

  test("the same seed gives the same assignment, whatever the input order; another seed differs", () => {
    const a = assignGroups(groups, shares, 7);
    const b = assignGroups([...groups].reverse(), shares, 7);
    expect([...b.entries()].sort((x, y) => x[0] - y[0])).toEqual(
      [...a.entries()].sort((x, y) => x[0] - y[0]),
    );
    const c = assignGroups(groups, shares, 8);
    expect([...c.entries()].some(([g, s]) => a.get(g) !== s)).toBe(true);
  });
});

describe("inputGroups", () => {
  test("records of one input row share a group; without input rows each record is one", () => {
    const rows = [{ a: "x" }, { a: "y" }, { a: "z" }];
    const byRow = inputGroups([{ kind: "dataset", rows, path: "d.jsonl" }]);
    expect([0, 1, 2, 3, 4, 5, 6].map(byRow.groupOf)).toEqual([0, 1, 2, 0, 1, 2, 0]);
    expect(byRow.by).toBe("input_data row (d.jsonl)");
    // the dataset decides over examples; dynamic sources do not group
    const mixed = inputGroups([
      { kind: "examples", rows: [{ b: 1 }, { b: 2 }] },
      { kind: "dataset", rows, path: "d.jsonl" },
    ]);
    expect(mixed.groupOf(4)).toBe(1);
    const none = inputGroups([{ kind: "examples", rows, id: "shots", num_shots: 2 }]);
    expect([0, 1, 2, 3].map(none.groupOf)).toEqual([0, 1, 2, 3]);
    expect(none.by).toBe("record");
  });
});
