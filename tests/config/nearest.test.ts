import { expect, test } from "bun:test";
import { editDistance, nearestName } from "../../src/config/nearest.ts";
import { userPath } from "../../src/config/guidePaths.ts";

test("edit distance counts insertions, deletions, substitutions and swaps", () => {
  expect(editDistance("engine", "enigne")).toBe(1);
  expect(editDistance("sampled_atributes", "sampled_attributes")).toBe(1);
  expect(editDistance("abc", "abc")).toBe(0);
  expect(editDistance("", "abc")).toBe(3);
});

test("nearestName suggests only likely typos", () => {
  const keys = ["sampled_attributes", "generated_attributes", "input_data", "num_samples"];
  expect(nearestName("sampled_atributes", keys)).toBe("sampled_attributes");
  expect(nearestName("num_sampels", keys)).toBe("num_samples");
  expect(nearestName("NATIVE_TXT", ["NATIVE", "NATIVE_TEXT", "VLLM"])).toBe("NATIVE_TEXT");
  expect(nearestName("colour", ["id", "name", "description"])).toBeUndefined();
});

test("userPath maps oumi's env_kwargs paths back to the guide's keys the user wrote", () => {
  const raw = {
    environment_config: {
      environments: [
        { id: "faq", type: "synthetic", system_prompt: "p", tools: [] },
        {
          id: "table",
          type: "deterministic",
          tools: [{ id: "a" }, { id: "b", deterministic_outputs: [] }],
        },
        { id: "oumi", env_type: "deterministic", env_kwargs: { lookup_table: {} }, tools: [] },
      ],
    },
  };
  const at = (i: number, ...rest: (string | number)[]) =>
    userPath(raw, ["environment_config", "environments", i, ...rest]);
  expect(at(1, "env_kwargs", "lookup_table", "b", 0, "input")).toEqual(
    ["environment_config", "environments", 1, "tools", 1, "deterministic_outputs", 0, "input"],
  );
  expect(at(0, "env_kwargs", "tool_persona")).toEqual(
    ["environment_config", "environments", 0, "system_prompt"],
  );
  // oumi's own shape is left as written
  expect(at(2, "env_kwargs", "lookup_table", "x", 0)).toEqual(
    ["environment_config", "environments", 2, "env_kwargs", "lookup_table", "x", 0],
  );
});
