import { describe, expect, test } from "bun:test";
import { UsageError } from "../../src/errors.ts";
import { applyOverrides, parseOverrideKey, parseOverrides } from "../../src/config/overrides.ts";
import { unwrapIntegralFloats } from "../../src/config/pyValues.ts";

const values = (args: string[]) =>
  parseOverrides(args).overrides.map((o) => [o.key, unwrapIntegralFloats(o.value)]);

describe("parseOverrides (§2.2)", () => {
  test("--key value and --key=value, values read as YAML", () => {
    expect(values(["--num_samples", "50", "--a.b=0.5", "--c", "true", "--d=null", "--e", "[a, b]"]))
      .toEqual([
        ["num_samples", 50],
        ["a.b", 0.5],
        ["c", true],
        ["d", null],
        ["e", ["a", "b"]],
      ]);
  });

  test("plain text stays a string; YAML 1.1 meanings apply; keys and values are trimmed", () => {
    expect(values([" --out ", " x.jsonl ", "--flag", "yes", "--date", "2024-01-01", "--f", "1.0"]))
      .toEqual([
        ["out", "x.jsonl"],
        ["flag", true],
        ["date", "2024-01-01"],
        ["f", 1],
      ]);
    expect(typeof parseOverrides(["--f", "1.0"]).overrides[0].value).toBe("bigint");
  });

  test("an empty value after = is null", () => {
    expect(values(["--output_path="])).toEqual([["output_path", null]]);
  });

  test("--local-rank arguments are ignored", () => {
    expect(values(["--local-rank=0", "--local-rank", "1", "--n", "2"])).toEqual([["n", 2]]);
  });

  test("a value starting with -- is accepted with a warning", () => {
    const parsed = parseOverrides(["--output_path", "--weird"]);
    expect(parsed.overrides[0].value).toBe("--weird");
    expect(parsed.warnings).toHaveLength(1);
    expect(parsed.warnings[0]).toContain("--output_path");
  });

  test("errors are usage errors", () => {
    expect(() => parseOverrides(["num_samples", "5"])).toThrow(UsageError);
    expect(() => parseOverrides(["num_samples", "5"])).toThrow(
      "Extra arguments must start with '--'",
    );
    expect(() => parseOverrides(["--num_samples"])).toThrow(
      "Trailing argument has no value assigned",
    );
    expect(() => parseOverrides(["--=5"])).toThrow("Empty key name");
    expect(() => parseOverrides(["--a..b", "1"])).toThrow(UsageError);
    expect(() => parseOverrides(["--a[x]", "1"])).toThrow(UsageError);
    expect(() => parseOverrides(["--a", "[1, 2"])).toThrow(UsageError);
  });

  test("key paths: dots, [i] and .i", () => {
    expect(parseOverrideKey("a.b[0].c")).toEqual([{ name: "a" }, { name: "b" }, { index: 0 }, {
      name: "c",
    }]);
    expect(parseOverrideKey("a.b.0.c")).toEqual([{ name: "a" }, { name: "b" }, { name: "0" }, {
      name: "c",
    }]);
    expect(parseOverrideKey("m[1][2]")).toEqual([{ name: "m" }, { index: 1 }, { index: 2 }]);
  });
});

describe("applyOverrides", () => {
  const base = () => ({
    num_samples: 3,
    strategy_params: {
      sampled_attributes: [{ id: "t", possible_values: [{ id: "a" }, { id: "b" }] }],
    },
    inference_config: { model: { model_name: "m" } },
  });
  const apply = (data: Record<string, unknown>, args: string[]) =>
    applyOverrides(data, parseOverrides(args).overrides);

  test("sets existing keys, list items by [i] and by .i, without changing the input", () => {
    const data = base();
    const { data: out, problems, applied } = apply(data, [
      "--num_samples",
      "50",
      "--strategy_params.sampled_attributes[0].possible_values[1].sample_rate",
      "0.8",
      "--strategy_params.sampled_attributes.0.id",
      "topic",
    ]);
    expect(problems).toEqual([]);
    const attr = (out.strategy_params as any).sampled_attributes[0];
    expect(out.num_samples).toBe(50);
    expect(attr.possible_values[1].sample_rate).toBe(0.8);
    expect(attr.id).toBe("topic");
    expect(data.num_samples).toBe(3);
    expect(applied.map((a) => a.path)).toEqual([
      ["num_samples"],
      ["strategy_params", "sampled_attributes", 0, "possible_values", 1, "sample_rate"],
      ["strategy_params", "sampled_attributes", 0, "id"],
    ]);
  });

  test("creates missing mappings on the way", () => {
    const { data, problems } = apply(base(), ["--inference_config.generation.temperature", "0.5"]);
    expect(problems).toEqual([]);
    expect((data.inference_config as any).generation).toEqual({ temperature: 0.5 });
  });

  test("a list index out of range, or into a missing list, is a problem naming the override", () => {
    const { problems } = apply(base(), [
      "--strategy_params.sampled_attributes[3].id",
      "x",
      "--strategy_params.generated_attributes[0].id",
      "y",
    ]);
    expect(problems).toHaveLength(2);
    expect(problems[0].message).toContain("list index 3 is out of range");
    expect(problems[0].display).toBe("--strategy_params.sampled_attributes[3].id x");
    expect(problems[1].message).toContain("list index 0 is out of range");
  });

  test("descending into a scalar or indexing a mapping is a problem", () => {
    const { problems } = apply(base(), ["--num_samples.x", "1", "--inference_config[0]", "1"]);
    expect(problems.map((p) => p.message)).toEqual([
      expect.stringContaining("not a mapping or list"),
      expect.stringContaining("is not a list"),
    ]);
  });

  test("an override reaches only one place even when YAML aliases shared the object", () => {
    const shared = { temperature: 0.1 };
    const data = { a: { generation: shared }, b: { generation: shared } };
    const { data: out } = apply(data, ["--a.generation.temperature", "0.9"]);
    expect((out.a as any).generation.temperature).toBe(0.9);
    expect((out.b as any).generation.temperature).toBe(0.1);
  });

  test("a __proto__ key is stored as a plain key", () => {
    const { data } = apply(base(), ["--inference_config.model.model_kwargs.__proto__", "x"]);
    expect(Object.getPrototypeOf((data.inference_config as any).model.model_kwargs)).toBe(
      Object.prototype,
    );
  });
});
