/**
 * Seed row shapes (recipes.md §3) and the compiled config (§2): the YAML `recipe show` prints
 * loads back (as any config) to exactly the config the recipe loads to.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config/load.ts";
import { seedExample } from "../../src/recipes/seeds.ts";
import { runInProcess } from "../cli/helpers.ts";

describe("seed row shapes", () => {
  test("(a) an oumi conversation: turns shown, the system prompt kept", () => {
    expect(seedExample({
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hi" },
        { role: "assistant", content: "Hello" },
        { role: "user", content: "Bye" },
        { role: "assistant", content: "See you" },
      ],
    })).toEqual({
      shape: "conversation",
      example:
        "System: Be brief.\n\nUser: Hi\n\nAssistant: Hello\n\nUser: Bye\n\nAssistant: See you",
      system: "Be brief.",
    });
  });

  test("(b) alpaca with and without input", () => {
    expect(seedExample({ instruction: "Add", input: "2 and 3", output: 5 })).toEqual({
      shape: "alpaca",
      example: "User: Add\n\n2 and 3\n\nAssistant: 5",
    });
    expect(seedExample({ instruction: "Say hi", input: "", output: "hi" })?.example).toBe(
      "User: Say hi\n\nAssistant: hi",
    );
  });

  test("(c) pairs, in order prompt/response, question/answer, input/output", () => {
    expect(seedExample({ question: "Why?", answer: "Because." })).toEqual({
      shape: "pair",
      example: "User: Why?\n\nAssistant: Because.",
    });
    expect(seedExample({ input: "a", output: "b", prompt: "p", response: "r" })?.example).toBe(
      "User: p\n\nAssistant: r",
    );
  });

  test("(d) anything else: every non-empty field", () => {
    expect(seedExample({ topic: "tides", level: 3, note: "", tags: ["a", "b"] })).toEqual({
      shape: "fields",
      example: 'topic: tides\nlevel: 3\ntags: ["a","b"]',
    });
  });

  test("no usable text", () => {
    expect(seedExample({ messages: [{ role: "assistant", content: "x" }] })).toBeUndefined();
    expect(seedExample({ a: "", b: null })).toBeUndefined();
  });
});

describe("recipe show", () => {
  const dir = mkdtempSync(join(tmpdir(), "synth-recipe-show-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("the printed YAML loads to the same config as the recipe, tricky seed text included", async () => {
    const rows = [
      { prompt: "yes", response: "0.5" },
      { prompt: "1e3", response: "null" },
      {
        prompt: "  leading spaces\nand {braces} and 'quotes' and \"double\"",
        response: "- a list?",
      },
      { prompt: "ends with a newline\n\n", response: "#not a comment: x" },
      {
        messages: [
          { role: "system", content: "on" },
          { role: "user", content: "~" },
          { role: "assistant", content: "010" },
        ],
      },
    ];
    writeFileSync(join(dir, "seed.jsonl"), rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
    const recipe = join(dir, "r.json");
    writeFileSync(
      recipe,
      JSON.stringify({
        modelIdentifier: {
          modelType: "llm",
          modelName: "m",
          modelId: "id{x}",
          modelVersionId: "v1",
        },
        inferenceConfig: { inferenceSeed: 3, requestsPerMinute: 5 },
        synthesisConfig: {
          synthesisType: "general",
          synthesisConfig: {
            datasetId: "seed.jsonl",
            datasetDistribution: { train: 0.5, validation: 0.25, test: 0.25 },
          },
        },
      }),
    );
    const shown = await runInProcess(["recipe", "show", recipe], { cwd: dir });
    expect(shown.code).toBe(0);
    writeFileSync(join(dir, "r.yaml"), shown.stdout);
    const fromRecipe = await loadConfig(recipe, { cwd: dir });
    const fromYaml = await loadConfig(join(dir, "r.yaml"), { cwd: dir });
    expect(fromYaml.config).toEqual(fromRecipe.config);
    expect(fromYaml.recipe).toBeUndefined();
    expect(fromRecipe.recipe?.shapes).toEqual({ conversation: 1, alpaca: 0, pair: 4, fields: 0 });
    const c = fromRecipe.config;
    expect(c.num_samples).toBe(5);
    expect(c.seed).toBe(3);
    expect(c.output_path).toBe("r.jsonl");
    expect(c.splits).toEqual({
      train: 0.5,
      validation: 0.25,
      test: 0.25,
      record_key: "conversation",
    });
    expect(c.inference_config.generation.temperature).toBe(0.7);
    expect(c.inference_config.generation.max_new_tokens).toBe(512);
    expect(c.inference_config.generation.seed).toBe(3);
    expect(c.inference_config.remote_params?.requests_per_minute).toBe(5);
    const examples = c.strategy_params.input_examples![0].examples as Record<string, string>[];
    expect(examples[2].seed_example).toBe(
      "User:   leading spaces\nand {braces} and 'quotes' and \"double\"\n\nAssistant: - a list?",
    );
    expect(examples[4].seed_system).toBe("on");
    expect(examples[0].seed_system).toBe("You are a helpful assistant.");
    const chat = c.strategy_params.transformed_attributes![0].transformation_strategy
      .chat_transform!;
    expect(chat.metadata).toEqual({
      seed_index: "{seed_index}",
      model_id: "id{{x}}",
      model_version_id: "v1",
    });
    expect(chat.messages.map((m) => m.role)).toEqual(["system", "user", "assistant"]);
  });

  test("the recipe's overrides: --output_path NAME names the folder, engine overrides apply", async () => {
    const loaded = await loadConfig(join(dir, "r.json"), {
      cwd: dir,
      overrides: ["--output_path", "out/mydata", "--inference_config.engine", "VLLM"],
    });
    expect(loaded.config.output_path).toBe("out/mydata.jsonl");
    expect(loaded.config.inference_config.engine).toBe("VLLM");
    expect(loaded.warnings).toEqual([]); // requestsPerMinute applies to a remote engine
  });

  test("a file that is not a recipe is refused by recipe show (exit 2)", async () => {
    writeFileSync(join(dir, "plain.json"), '{"num_samples": 2}');
    const { code, stderr } = await runInProcess(["recipe", "show", join(dir, "plain.json")], {
      cwd: dir,
    });
    expect(code).toBe(2);
    expect(stderr).toContain("it is not a synthesis recipe");
  });
});
