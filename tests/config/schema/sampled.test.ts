import { describe, expect, test } from "bun:test";
import { expectProblem, problems, sampled, valid, withParams } from "../helpers.ts";

const attrs = (...list: unknown[]) => withParams({ sampled_attributes: list });
const rates = (values: (number | null)[]) =>
  valid(attrs(sampled("a", values.map((r, i) => [`v${i}`, r] as [string, number | null]))))
    .strategy_params.sampled_attributes![0].possible_values.map((v) => v.sample_rate);

describe("SampledAttribute and values (§6.1, §20.1)", () => {
  test("rate normalisation replaces the configured rates", () => {
    expect(rates([null, null])).toEqual([0.5, 0.5]);
    expect(rates([0.3, 0.7])).toEqual([0.3, 0.7]);
    expect(rates([0.5, null, null])).toEqual([0.5, 0.25, 0.25]);
    expect(rates([0.4, 0.4, null])).toEqual([0.4, 0.4, 1 - 0.8]);
    expect(rates([1.0, null])).toEqual([1, 0]);
    expect(rates([0.2, 0.3])).toEqual([0.2, 0.3]);
    expect(rates([null, null, null])).toEqual([1 / 3, 1 / 3, 1 / 3]);
    expect(rates(Array(10).fill(0.1))).toHaveLength(10);
  });

  test("value rules", () => {
    const one = (v: Record<string, unknown>) =>
      attrs({ id: "a", name: "A", description: "d", possible_values: [v] });
    expectProblem(
      one({ id: "", name: "n", description: "d" }),
      "SampledAttributeValue.id cannot be empty.",
    );
    expectProblem(
      one({ id: "x", name: "", description: "d" }),
      "SampledAttributeValue.name cannot be empty.",
    );
    expectProblem(
      one({ id: "x", name: "n", description: "" }),
      "SampledAttributeValue.description cannot be empty.",
    );
    expectProblem(
      one({ id: "x", sample_rate: 1.5 }),
      "SampledAttributeValue.sample_rate must be between 0 and 1.",
    );
    expectProblem(
      one({ id: "x", sample_rate: -0.1 }),
      "SampledAttributeValue.sample_rate must be between 0 and 1.",
    );
  });

  test("attribute rules", () => {
    const base = sampled("a", ["x", "y"]);
    expectProblem(attrs({ ...base, id: "" }), "SampledAttribute.id cannot be empty.");
    expectProblem(attrs({ ...base, name: "" }), "SampledAttribute.name cannot be empty.");
    expectProblem(
      attrs({ ...base, description: "" }),
      "SampledAttribute.description cannot be empty.",
    );
    expectProblem(
      attrs({ ...base, possible_values: [] }),
      "SampledAttribute.possible_values cannot be empty.",
    );
    expectProblem(
      attrs(sampled("a", ["x", "x"])),
      "SampledAttribute.possible_values must have unique IDs.",
    );
    expectProblem(
      attrs(sampled("a", [["x", 0.6], ["y", 0.6]])),
      "SampledAttribute.possible_values must sum to at most 1.0.",
    );
  });

  test("all-zero weights are a load-time error (DECISIONS 12)", () => {
    expectProblem(attrs(sampled("a", [["x", 0], ["y", 0]])), "sample rates are all 0");
    // a value with rate 0 next to a positive one is fine (a forbidden value)
    expect(rates([0, null])).toEqual([0, 1]);
  });

  test("short form: name defaults to the id, description to empty (DECISIONS 2)", () => {
    const config = valid(
      attrs({ id: "topic", possible_values: [{ id: "geography" }, { id: "history" }] }),
    );
    const attr = config.strategy_params.sampled_attributes![0];
    expect(attr).toEqual({
      id: "topic",
      name: "topic",
      description: "",
      possible_values: [
        { id: "geography", name: "geography", description: "", sample_rate: 0.5 },
        { id: "history", name: "history", description: "", sample_rate: 0.5 },
      ],
    });
  });
});

describe("AttributeCombination (§6.2, §20.1, DECISIONS 4)", () => {
  const params = (...combos: unknown[]) =>
    withParams({
      sampled_attributes: [
        sampled("a", ["a1", "a2"]),
        sampled("b", ["b1", "b2"]),
        sampled("c", ["c1"]),
      ],
      combination_sampling: combos,
    });

  test("two- and three-key combinations are accepted", () => {
    const config = valid(params(
      { combination: { a: "a1", b: "b2" }, sample_rate: 0.3 },
      { combination: { a: "a2", b: "b1", c: "c1" }, sample_rate: 0.6 },
    ));
    expect(config.strategy_params.combination_sampling).toHaveLength(2);
  });

  test("rules in oumi's order; the rate error comes first", () => {
    const found = problems(params({ combination: { a: "a1" }, sample_rate: 1.5 }));
    expect(found[0]).toContain("AttributeCombination.sample_rate must be between 0 and 1.");
    expectProblem(
      params({ combination: { a: "a1" }, sample_rate: 0.1 }),
      "AttributeCombination.combination must have at least two keys.",
    );
    expectProblem(
      params({ combination: {}, sample_rate: 0.1 }),
      "AttributeCombination.combination cannot be empty.",
    );
    expectProblem(
      params({ combination: { "": "a1", b: "b1" }, sample_rate: 0.1 }),
      "AttributeCombination.combination key cannot be empty.",
    );
    expectProblem(
      params({ combination: { a: "", b: "b1" }, sample_rate: 0.1 }),
      "AttributeCombination.combination value cannot be empty.",
    );
  });

  test("total rate: 0.9 accepted, 0.6 + 0.5 rejected", () => {
    valid(
      params({ combination: { a: "a1", b: "b1" }, sample_rate: 0.6 }, {
        combination: { a: "a2", b: "b2" },
        sample_rate: 0.3,
      }),
    );
    expectProblem(
      params({ combination: { a: "a1", b: "b1" }, sample_rate: 0.6 }, {
        combination: { a: "a2", b: "b2" },
        sample_rate: 0.5,
      }),
      "Combination sampling rates must sum to 1.0 or less, but the current total is 1.10. Please reduce the sample rates.",
    );
  });

  test("keys must be sampled attributes and values their values (DECISIONS 4)", () => {
    const found = problems(params({ combination: { a: "a9", nope: "x" }, sample_rate: 0.1 }));
    expect(found).toContain(
      "strategy_params.combination_sampling[0].combination.a: AttributeCombination.combination value 'a9' is not a possible value of sampled attribute 'a'. Possible values: ['a1', 'a2'].",
    );
    expect(found.some((p) => p.includes("combination key 'nope' is not a sampled attribute id")))
      .toBe(true);
  });
});
