import { describe, expect, test } from "bun:test";
import { parseSynthesisConfig } from "../../src/config/schema.ts";
import { ConfigError } from "../../src/errors.ts";
import { expectProblem, INFERENCE, valid } from "./helpers.ts";

describe("SynthesisConfig (§3, §20.2)", () => {
  test("defaults", () => {
    const config = valid({ inference_config: INFERENCE });
    expect(config).toMatchObject({
      strategy: "GENERAL",
      num_samples: 1,
      output_path: null,
      environment_config: null,
      environment_config_path: null,
      seed: null,
      max_failed_fraction: 0.5,
    });
    expect(Object.values(config.strategy_params).every((v) => v === null)).toBe(true);
  });

  test("strategy by name or lower case; anything else is unsupported", () => {
    expect(valid({ strategy: "general", inference_config: INFERENCE }).strategy).toBe("GENERAL");
    expect(valid({ strategy: "SynthesisStrategy.GENERAL", inference_config: INFERENCE }).strategy)
      .toBe("GENERAL");
    expectProblem(
      { strategy: "SPECIAL", inference_config: INFERENCE },
      "strategy: Unsupported synthesis strategy",
    );
  });

  test("inference input/output paths are not supported", () => {
    expectProblem(
      { inference_config: { ...INFERENCE, input_path: "in.jsonl" } },
      "inference_config.input_path: Input path is not supported for general synthesis strategy.",
    );
    expectProblem(
      { inference_config: { ...INFERENCE, output_path: "o.jsonl" } },
      "inference_config.output_path: Output path is not supported for general synthesis strategy.",
    );
  });

  test("output_path rules", () => {
    expect(valid({ output_path: "out.jsonl", inference_config: INFERENCE }).output_path).toBe(
      "out.jsonl",
    );
    expectProblem(
      { output_path: "", inference_config: INFERENCE },
      "output_path: Output path cannot be empty.",
    );
    expectProblem(
      { output_path: "out.json", inference_config: INFERENCE },
      "output_path: Output path must end with .jsonl.",
    );
    expectProblem(
      { output_path: "out.JSONL", inference_config: INFERENCE },
      "Output path must end with .jsonl.",
    );
  });

  test("num_samples <= 0 is a load-time error (DECISIONS 12)", () => {
    expectProblem(
      { num_samples: 0, inference_config: INFERENCE },
      "num_samples: num_samples must be positive, got 0.",
    );
    expectProblem(
      { num_samples: -1, inference_config: INFERENCE },
      "num_samples must be positive, got -1.",
    );
  });

  test("synth extensions: seed and max_failed_fraction", () => {
    const config = valid({ seed: 42, max_failed_fraction: 0.1, inference_config: INFERENCE });
    expect([config.seed, config.max_failed_fraction]).toEqual([42, 0.1]);
    expectProblem(
      { max_failed_fraction: 1.5, inference_config: INFERENCE },
      "max_failed_fraction must be between 0 and 1.",
    );
    expectProblem(
      { seed: 1.5, inference_config: INFERENCE },
      "seed: Value '1.5' of type 'float' could not be converted to Integer",
    );
  });

  test("unknown top-level keys", () => {
    expectProblem(
      { nmu_samples: 3, inference_config: INFERENCE },
      "nmu_samples: Key 'nmu_samples' not in 'SynthesisConfig'",
    );
  });

  test("parseSynthesisConfig throws one ConfigError listing every problem", () => {
    try {
      parseSynthesisConfig({ num_samples: "x", output_path: "o.txt", bogus: 1 });
      throw new Error("expected a ConfigError");
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const paths = (error as ConfigError).issues.map((i) => i.path).sort();
      expect(paths).toEqual([
        "bogus",
        "inference_config.model.model_name",
        "num_samples",
        "output_path",
      ]);
    }
  });

  test("the parsed config is plain JSON data", () => {
    const config = valid({
      inference_config: {
        ...INFERENCE,
        model: { model_name: "m", model_kwargs: { n_gpu_layers: 10n } },
      },
    });
    expect(config.inference_config.model.model_kwargs).toEqual({ n_gpu_layers: 10 });
    expect(JSON.parse(JSON.stringify(config))).toEqual(config);
  });
});
