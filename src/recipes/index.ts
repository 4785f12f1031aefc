/**
 * Synthesis recipes (recipes.md): what the config loader calls for a recipe file. The recipe is
 * parsed and validated (`load.ts`), its seed dataset found and read (`dataset.ts`, `seeds.ts`),
 * and it is compiled into an ordinary config (`compile.ts`) whose YAML text the loader then reads
 * like any config, so CLI overrides, validation, engines and the run are the usual ones.
 *
 * @module
 */
import { basename, dirname, extname } from "node:path";
import type { SynthesisConfig } from "../config/schema.ts";
import type { Env } from "../inputs/hfCache.ts";
import { compileRecipe, recipeYaml } from "./compile.ts";
import { readSeedDataset } from "./dataset.ts";
import { parseRecipe } from "./load.ts";
import type { Recipe } from "./schema.ts";
import { type SeedExample, seedExamples } from "./seeds.ts";

export { isRecipe } from "./detect.ts";

/** What the run and the dataset card need to know about the recipe behind a config. */
export interface RecipeInfo {
  /** Absolute path of the recipe file. */
  file: string;
  recipe: Recipe;
  /** The seed dataset as found (absolute file or `hf:` id). */
  datasetPath: string;
  /** Number of seed rows. */
  seedRows: number;
  /** Seed row shapes found (recipes.md §3), with counts. */
  shapes: Record<SeedExample["shape"], number>;
}

/** A recipe compiled to config text. */
export interface CompiledRecipeFile {
  /** The config as YAML (what `synth recipe show` prints). */
  yaml: string;
  /** The config as data. */
  config: Record<string, unknown>;
  info: RecipeInfo;
}

/** `./x/general.json` → `general.jsonl` (the output folder is then `general/`, recipes.md §5). */
function recipeOutputPath(recipeFile: string): string {
  return `${basename(recipeFile, extname(recipeFile))}.jsonl`;
}

/**
 * Parses, validates and compiles recipe text.
 *
 * @param text The recipe file's text.
 * @param where `file`: the path shown in messages; `absolute`: its absolute path; `cwd`, `env`
 *   for finding the dataset (and the Hugging Face cache).
 * @throws {ConfigError} every problem of the recipe at once (exit 2).
 * @throws {InputError} the dataset cannot be found or read, or a row has no usable text (exit 3).
 */
export async function compileRecipeText(
  text: string,
  where: { file: string; absolute: string; cwd: string; env: Env },
): Promise<CompiledRecipeFile> {
  const recipe = parseRecipe(text, where.file);
  const general = recipe.synthesisConfig.synthesisConfig;
  const dataset = await readSeedDataset(general.datasetId, {
    cwd: where.cwd,
    recipeDir: dirname(where.absolute),
    env: where.env,
  });
  const seeds = seedExamples(dataset.rows, general.datasetId);
  const config = compileRecipe({ recipe, seeds, outputPath: recipeOutputPath(where.absolute) });
  const shapes = { conversation: 0, alpaca: 0, pair: 0, fields: 0 };
  for (const s of seeds) shapes[s.shape]++;
  return {
    yaml: recipeYaml(config, where.file),
    config,
    info: {
      file: where.absolute,
      recipe,
      datasetPath: dataset.path,
      seedRows: seeds.length,
      shapes,
    },
  };
}

/**
 * CLI overrides for a recipe: `--output_path NAME` without `.jsonl` names the output folder,
 * so it becomes `NAME.jsonl` (the records; the folder is `NAME/`, recipes.md §5).
 */
export function recipeOverrides(args: readonly string[]): string[] {
  const out = [...args];
  const fix = (v: string) => (v.endsWith(".jsonl") ? v : `${v.replace(/\/+$/, "")}.jsonl`);
  for (let i = 0; i < out.length; i++) {
    if (out[i] === "--output_path" && i + 1 < out.length) out[i + 1] = fix(out[i + 1]);
    else if (out[i].startsWith("--output_path=")) {
      out[i] = `--output_path=${fix(out[i].slice("--output_path=".length))}`;
    }
  }
  return out;
}

/** Remarks on a recipe's config after overrides (e.g. `requestsPerMinute` on a local engine). */
export function recipeRemarks(info: RecipeInfo, config: SynthesisConfig): string[] {
  const local = ["NATIVE", "LLAMACPP"].includes(config.inference_config.engine ?? "NATIVE");
  const rpm = info.recipe.inferenceConfig?.requestsPerMinute;
  return local && rpm !== undefined
    ? [
      `${info.file}: inferenceConfig.requestsPerMinute (${rpm}) applies to remote engines only; ` +
      `the local engine ${config.inference_config.engine ?? "NATIVE"} ignores it`,
    ]
    : [];
}
