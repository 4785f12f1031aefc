import { describe, expect, test } from "bun:test";
import { pyParseFloat, pyParseInt } from "../../../src/config/schema/leaves.ts";
import { parseYaml } from "../../../src/config/yaml.ts";
import { expectProblem, INFERENCE, valid } from "../helpers.ts";

/** Validates YAML text (so floats keep their YAML type) with a valid inference section. */
const fromYaml = (text: string) =>
  parseYaml(text + `\ninference_config: ${JSON.stringify(INFERENCE)}\n`, "t.yaml").data;

describe("PyYAML-style coercions into typed fields (§2.1)", () => {
  test("numbers and bools into str fields become Python str()", () => {
    const config = valid(
      fromYaml(
        "output_path: x.jsonl\nstrategy_params:\n  passthrough_attributes: [true, 10, 1.0, 1e3, 0.5, 1e-05, off]",
      ),
    );
    expect(config.strategy_params.passthrough_attributes).toEqual([
      "True",
      "10",
      "1.0",
      "1000.0",
      "0.5",
      "1e-05",
      "False",
    ]);
  });

  test("int fields: '10' becomes 10; floats (even 1.0) and bools are errors", () => {
    expect(valid(fromYaml("num_samples: '10'")).num_samples).toBe(10);
    expect(valid(fromYaml("num_samples: ' 1_000 '")).num_samples).toBe(1000);
    expectProblem(
      fromYaml("num_samples: 1.0"),
      "num_samples: Value '1.0' of type 'float' could not be converted to Integer",
    );
    expectProblem(
      fromYaml("num_samples: 2.5"),
      "Value '2.5' of type 'float' could not be converted to Integer",
    );
    expectProblem(
      fromYaml("num_samples: true"),
      "Value 'True' of type 'bool' could not be converted to Integer",
    );
    expectProblem(
      fromYaml("num_samples: ten"),
      "Value 'ten' of type 'str' could not be converted to Integer",
    );
  });

  test("float fields accept ints and numeric strings, not bools", () => {
    expect(valid(fromYaml("max_failed_fraction: 1")).max_failed_fraction).toBe(1);
    expect(valid(fromYaml("max_failed_fraction: '0.25'")).max_failed_fraction).toBe(0.25);
    expectProblem(fromYaml("max_failed_fraction: yes"), "could not be converted to Float");
  });

  test("bool fields accept OmegaConf's spellings", () => {
    const post = (v: string) =>
      fromYaml(
        `strategy_params:\n  generated_attributes:\n    - id: g\n      instruction_messages: [{role: USER, content: x}]\n      postprocessing_params: {id: p, strip_whitespace: ${v}}`,
      );
    const strip = (v: string) =>
      valid(post(v)).strategy_params.generated_attributes![0].postprocessing_params!
        .strip_whitespace;
    expect(strip("'no'")).toBe(false);
    expect(strip("'Y'")).toBe(true);
    expect(strip("0")).toBe(false);
    expect(strip("'1'")).toBe(true);
    expectProblem(post("1.0"), "is not a valid bool");
    expectProblem(post("maybe"), "Value 'maybe' is not a valid bool (type str)");
  });

  test("lists and maps into scalar fields are errors; null into non-optional fields", () => {
    expectProblem(fromYaml("output_path: [a]"), "Cannot convert 'list' to string: '['a']'");
    expectProblem(
      fromYaml("num_samples: null"),
      "num_samples: Non optional field cannot be assigned None",
    );
  });

  test("Python int() and float() string parsing", () => {
    expect(pyParseInt("+5")).toBe(5);
    expect(pyParseInt("1__0")).toBeUndefined();
    expect(pyParseInt("0x10")).toBeUndefined();
    expect(pyParseFloat("1e3")).toBe(1000);
    expect(pyParseFloat("-Infinity")).toBe(-Infinity);
    expect(pyParseFloat(".5")).toBe(0.5);
    expect(pyParseFloat("5.")).toBe(5);
    expect(pyParseFloat("abc")).toBeUndefined();
  });
});
