import { describe, expect, test } from "bun:test";
import { configJsonSchema } from "../../src/config/jsonSchema.ts";

describe("configJsonSchema", () => {
  const schema = configJsonSchema() as any;

  test("is draft-7 JSON describing the config's sections", () => {
    const text = JSON.stringify(schema);
    expect(JSON.parse(text)).toEqual(schema);
    expect(schema.$schema).toBe("http://json-schema.org/draft-07/schema#");
    expect(text).toContain("strategy_params");
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining([
      "strategy",
      "num_samples",
      "output_path",
      "strategy_params",
      "environment_config",
      "environment_config_path",
      "inference_config",
      "seed",
      "max_failed_fraction",
    ]));
    expect(schema.additionalProperties).toBe(false);
  });

  test("fields carry types, enums and descriptions for completion", () => {
    expect(schema.properties.num_samples.type).toBe("integer");
    expect(schema.properties.num_samples.description).toBeString();
    const inference = schema.properties.inference_config;
    expect(inference.properties.engine.anyOf?.[0]?.enum ?? inference.properties.engine.enum)
      .toEqual(
        expect.arrayContaining(["ANTHROPIC", "anthropic", "NATIVE_TEXT", "LLAMACPP"]),
      );
    const sampled = schema.properties.strategy_params.properties.sampled_attributes.anyOf[0].items;
    expect(sampled.title).toBe("SampledAttribute");
    expect(Object.keys(sampled.properties)).toEqual([
      "id",
      "name",
      "description",
      "possible_values",
    ]);
  });
});
