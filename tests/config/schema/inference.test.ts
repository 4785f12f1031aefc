import { describe, expect, test } from "bun:test";
import { ENGINE_NAMES } from "../../../src/config/schema.ts";
import { expectProblem, valid } from "../helpers.ts";

const inf = (i: Record<string, unknown>) => ({
  inference_config: { model: { model_name: "m" }, ...i },
});

describe("inference_config (§16)", () => {
  test("defaults follow §16.1; absent engine is NATIVE; remote_params stays null", () => {
    const config = valid(inf({}));
    expect(config.inference_config.engine).toBe("NATIVE");
    expect(config.inference_config.remote_params).toBeNull();
    expect(config.inference_config.generation).toMatchObject({
      max_new_tokens: 1024,
      temperature: 0,
      top_p: null,
      seed: null,
      frequency_penalty: 0,
      presence_penalty: 0,
      stop_strings: null,
      stop_token_ids: null,
      logit_bias: {},
      min_p: 0,
      tool_choice: null,
      parallel_tool_calls: true,
      guided_decoding: null,
      batch_size: 1,
      num_beams: 1,
      use_sampling: false,
      use_cache: false,
      skip_special_tokens: true,
      exclude_prompt_from_response: true,
    });
    expect(config.inference_config.model).toMatchObject({
      model_name: "m",
      adapter_model: null,
      model_kwargs: {},
      model_max_length: null,
    });
  });

  test("model_name is mandatory, even for remote engines", () => {
    expectProblem(
      { inference_config: { engine: "OPENAI" } },
      "inference_config.model.model_name: Missing mandatory value",
    );
    expectProblem({}, "inference_config.model.model_name: Missing mandatory value");
  });

  test("engines by name, prefixed name and lower case; NATIVE_TEXT maps to NATIVE", () => {
    for (const name of ENGINE_NAMES) {
      expect(valid(inf({ engine: name })).inference_config.engine).toBe(name);
    }
    expect(valid(inf({ engine: "InferenceEngineType.ANTHROPIC" })).inference_config.engine).toBe(
      "ANTHROPIC",
    );
    expect(valid(inf({ engine: "openai" })).inference_config.engine).toBe("OPENAI");
    expect(valid(inf({ engine: "NATIVE_TEXT" })).inference_config.engine).toBe("NATIVE");
    expectProblem(
      inf({ engine: "GEMINI" }),
      "inference_config.engine: Invalid value 'GEMINI', expected one of [NATIVE, VLLM,",
    );
  });

  test("unknown keys are errors (max_workers is not an inference_config field)", () => {
    expectProblem(
      inf({ max_workers: 5 }),
      "inference_config.max_workers: Key 'max_workers' not in 'InferenceConfig'",
    );
  });

  test("generation rules", () => {
    const gen = (g: Record<string, unknown>) => inf({ generation: g });
    expectProblem(gen({ temperature: -1 }), "Temperature must be non-negative.");
    expectProblem(gen({ top_p: 1.5 }), "top_p must be between 0 and 1.");
    expectProblem(gen({ min_p: -0.1 }), "min_p must be between 0 and 1.");
    expectProblem(
      gen({ logit_bias: { "50256": -101 } }),
      "inference_config.generation.logit_bias.50256: Logit bias for token 50256 must be between -100 and 100.",
    );
    expectProblem(
      gen({ guided_decoding: { json: { type: "object" }, regex: "a+" } }),
      "Only one of 'json', 'regex', or 'choice' can be specified",
    );
    expectProblem(gen({ tool_choice: "sometimes" }), "tool_choice must be");
    expectProblem(gen({ num_beams: 0 }), "num_beams must be at least 1.");
    const ok = valid(
      gen({
        tool_choice: { type: "function", function: { name: "f" } },
        guided_decoding: { choice: ["a", "b"] },
        stop_strings: ["END"],
      }),
    );
    expect(ok.inference_config.generation.guided_decoding).toEqual({
      json: null,
      regex: null,
      choice: ["a", "b"],
      strict: null,
    });
  });

  test("remote_params defaults and rules (§16.2)", () => {
    const rp = valid(inf({ remote_params: { num_workers: 10 } })).inference_config.remote_params;
    expect(rp).toEqual({
      api_url: null,
      api_key: null,
      api_key_env_varname: null,
      user_id: null,
      max_retries: 5,
      retry_backoff_base: 1,
      retry_backoff_max: 30,
      connection_timeout: 300,
      num_workers: 10,
      requests_per_minute: null,
      input_tokens_per_minute: null,
      output_tokens_per_minute: null,
      politeness_policy: 0,
      batch_completion_window: "24h",
      use_adaptive_concurrency: true,
    });
    const remote = (r: Record<string, unknown>) => inf({ remote_params: r });
    expectProblem(
      remote({ num_workers: 0 }),
      "Number of num_workers must be greater than or equal to 1.",
    );
    expectProblem(
      remote({ politeness_policy: -1 }),
      "Politeness policy must be greater than or equal to 0.",
    );
    expectProblem(remote({ politeness_policy: "inf" }), "Politeness policy must be finite.");
    expectProblem(remote({ max_retries: -1 }), "Max retries must be greater than or equal to 0.");
    expectProblem(remote({ retry_backoff_base: 0 }), "Retry backoff base must be greater than 0.");
    expectProblem(
      remote({ retry_backoff_base: 5, retry_backoff_max: 2 }),
      "Retry backoff max must be greater than or equal to retry backoff base.",
    );
    expectProblem(
      remote({ connection_timeout: -1 }),
      "Connection timeout must be greater than or equal to 0.",
    );
    expectProblem(
      remote({ requests_per_minute: 0 }),
      "requests_per_minute must be greater than or equal to 1.",
    );
  });
});
