/** Helpers for config tests: validate plain objects and collect their problems. */
import { expect } from "bun:test";
import { parseSynthesisConfig, type SynthesisConfig } from "../../src/config/schema.ts";
import { ConfigError } from "../../src/errors.ts";

/** A minimal valid inference section. */
export const INFERENCE = { engine: "OPENAI", model: { model_name: "gpt-4o-mini" } };

/** A config with `strategy_params` and a valid inference section. */
export function withParams(params: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { inference_config: INFERENCE, strategy_params: params, ...extra };
}

/** Validates `data`, failing the test with the problems when invalid. */
export function valid(data: unknown): SynthesisConfig {
  try {
    return parseSynthesisConfig(data);
  } catch (error) {
    if (error instanceof ConfigError) {
      throw new Error(
        `unexpected problems:\n${error.issues.map((i) => `${i.path}: ${i.message}`).join("\n")}`,
      );
    }
    throw error;
  }
}

/** The problems of invalid `data` as `path: message` lines (fails when `data` is valid). */
export function problems(data: unknown): string[] {
  try {
    parseSynthesisConfig(data);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error("expected the config to be invalid");
}

/** Asserts that `data` is invalid with (at least) a problem containing `text`. */
export function expectProblem(data: unknown, text: string): string[] {
  const found = problems(data);
  expect(found.some((p) => p.includes(text)), `"${text}" not in:\n${found.join("\n")}`).toBe(true);
  return found;
}

/** A sampled attribute in full form. */
export function sampled(id: string, values: (string | [string, number | null])[]) {
  return {
    id,
    name: id.toUpperCase(),
    description: `About ${id}`,
    possible_values: values.map((v) => {
      const [vid, rate] = Array.isArray(v) ? v : [v, null];
      return { id: vid, name: vid.toUpperCase(), description: `Value ${vid}`, sample_rate: rate };
    }),
  };
}
