/**
 * A "general" recipe as an ordinary synth config (recipes.md §2): the seed rows become
 * `input_examples` (record i uses seed row i mod N, oumi's round-robin), a generated `request`
 * (the model sees the seed example and writes ONE new request for the same task), a generated
 * `response` (the model answers the new request, under the seed's system prompt if it had one),
 * and a CHAT transform `conversation` whose metadata holds the seed row and the recipe's
 * `modelId`. `num_samples` is the number of seed rows. The splits become synth's `splits` key.
 *
 * The seed rows are written into the config (as `input_examples`), so the YAML that
 * `synth recipe show` prints runs on its own, anywhere, with the same records.
 *
 * @module
 */
import { Document, visit } from "yaml";
import type { Recipe } from "./schema.ts";
import type { SeedExample } from "./seeds.ts";

/** Recipe defaults (recipes.md §1). */
const RECIPE_DEFAULTS = { temperature: 0.7, maxNewTokens: 512 } as const;

/** Used when some seed rows have a system prompt and others do not. */
const DEFAULT_SYSTEM_PROMPT = "You are a helpful assistant.";

const REQUEST_SYSTEM = "You write training data for AI assistants. You are given one example " +
  "from a dataset: what a user asked and, when known, how the assistant answered. You write " +
  "ONE new user request for the same task, in the same style and format, about different " +
  "specifics. You reply with the new request only: no answer, no preamble, no quotes.";

const REQUEST_USER = "Example:\n\n{seed_example}\n\n" +
  "Write ONE new user request for the same task, in the same style and format, " +
  "about different specifics. Reply with the request only.";

/** Escapes text for a Python format template (`{` → `{{`, `}` → `}}`). */
function literal(text: string): string {
  return text.replaceAll("{", "{{").replaceAll("}", "}}");
}

/** What {@link compileRecipe} needs besides the recipe. */
export interface CompileRecipeInput {
  recipe: Recipe;
  /** One example per seed row, in row order. */
  seeds: readonly SeedExample[];
  /** `output_path` of the compiled config (`<recipe stem>.jsonl`). */
  outputPath: string;
}

/**
 * The oumi config data (plain object, oumi key names) a recipe means.
 *
 * `generation.seed` and the config's `seed` are the recipe's `inferenceSeed` when given;
 * `remote_params.requests_per_minute` its `requestsPerMinute`.
 */
export function compileRecipe(input: CompileRecipeInput): Record<string, unknown> {
  const { recipe, seeds } = input;
  const inference = recipe.inferenceConfig ?? {};
  const model = recipe.modelIdentifier;
  const withSystem = seeds.some((s) => s.system !== undefined);
  const examples = seeds.map((s, i) => ({
    seed_index: String(i),
    seed_example: s.example,
    ...(withSystem ? { seed_system: s.system ?? DEFAULT_SYSTEM_PROMPT } : {}),
  }));
  const system = withSystem ? [{ role: "SYSTEM", content: "{seed_system}" }] : [];
  const distribution = recipe.synthesisConfig.synthesisConfig.datasetDistribution;
  const seed = inference.inferenceSeed;
  return {
    num_samples: seeds.length,
    output_path: input.outputPath,
    ...(seed !== undefined ? { seed } : {}),
    splits: {
      train: distribution.train,
      validation: distribution.validation,
      test: distribution.test,
      record_key: "conversation",
    },
    strategy_params: {
      input_examples: [{ examples }],
      generated_attributes: [
        {
          id: "new_request",
          instruction_messages: [
            { role: "SYSTEM", content: REQUEST_SYSTEM },
            { role: "USER", content: REQUEST_USER },
          ],
          postprocessing_params: { id: "request", strip_whitespace: true },
        },
        {
          id: "new_response",
          instruction_messages: [...system, { role: "USER", content: "{request}" }],
          postprocessing_params: { id: "response", strip_whitespace: true },
        },
      ],
      transformed_attributes: [
        {
          id: "conversation",
          transformation_strategy: {
            type: "CHAT",
            chat_transform: {
              messages: [
                ...system,
                { role: "USER", content: "{request}" },
                { role: "ASSISTANT", content: "{response}" },
              ],
              metadata: {
                seed_index: "{seed_index}",
                model_id: literal(model.modelId),
                model_version_id: literal(model.modelVersionId),
              },
            },
          },
        },
      ],
      passthrough_attributes: ["conversation"],
    },
    inference_config: {
      model: { model_name: model.modelName },
      generation: {
        max_new_tokens: inference.inferenceMaxNewTokens ?? RECIPE_DEFAULTS.maxNewTokens,
        temperature: inference.inferenceTemperature ?? RECIPE_DEFAULTS.temperature,
        ...(seed !== undefined ? { seed } : {}),
      },
      ...(inference.requestsPerMinute !== undefined
        ? { remote_params: { requests_per_minute: inference.requestsPerMinute } }
        : {}),
    },
  };
}

/**
 * The compiled config as YAML, with a header saying where it came from. Loading this text as
 * a config gives exactly {@link compileRecipe}'s data.
 */
export function recipeYaml(config: Record<string, unknown>, recipeFile: string): string {
  const header = `# synth config compiled from the recipe ${recipeFile} (recipes.md section 2).\n` +
    "# Run it with: synth -c <this file>; the seed rows are inlined under input_examples.\n";
  const doc = new Document(config, { version: "1.1" });
  // Every string value is quoted (one line) or a literal block (several lines), so nothing in
  // a seed row can be read back as a number, a boolean or null.
  visit(doc, {
    Scalar(key, node) {
      if (key === "key" || typeof node.value !== "string") return;
      node.type = node.value.includes("\n") ? "BLOCK_LITERAL" : "QUOTE_DOUBLE";
    },
  });
  return header + doc.toString({ lineWidth: 0 });
}
