/**
 * The `splits` step of `synth` (recipes.md §5; `--splits train=0.8,validation=0.1,test=0.1` or
 * the `splits:` config key): before the run, the output folder is checked (nothing already
 * there is overwritten); after a complete run, the finished JSONL is split by input row into
 * `<folder>/data/*.jsonl` and a dataset card `<folder>/README.md` is written. The folder is the
 * output path without `.jsonl` (`out.jsonl` → `out/`).
 *
 * @module
 */
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { basename, join, relative } from "node:path";
import type { LoadedConfig } from "../config/load.ts";
import type { SplitsConfig } from "../config/schema.ts";
import { UsageError } from "../errors.ts";
import { renderCard } from "../splits/card.ts";
import { inputGroups } from "../splits/groups.ts";
import { SPLIT_NAMES } from "../splits/assign.ts";
import { splitFilePath, writeSplits } from "../splits/write.ts";
import type { CompiledSynthesis } from "../synth/compile.ts";
import { VERSION } from "./version.ts";

/** A run whose records are to be split. */
export interface SplitTarget {
  splits: SplitsConfig;
  /** The output folder. */
  folder: string;
  /** Plan indices of the records written (filled during the run). */
  written: number[];
}

/** `out/x.jsonl` → `out/x`. */
function splitsFolder(outputPath: string): string {
  return outputPath.endsWith(".jsonl") ? outputPath.slice(0, -6) : `${outputPath}.splits`;
}

/**
 * Checks the folder before the run. A run that continues or replaces the output's run
 * (`--resume`, `--retry-failed`, `--overwrite`: `sameOutput`) replaces that run's splits when it
 * completes; a new run never overwrites them.
 *
 * @throws {UsageError} when a split file or the card already exists there for a new run (exit
 *   2), so an earlier dataset is never overwritten.
 */
export function prepareSplits(
  splits: SplitsConfig,
  outputPath: string,
  sameOutput = false,
): SplitTarget {
  const folder = splitsFolder(outputPath);
  const taken = [...SPLIT_NAMES.map(splitFilePath), "README.md"].map((p) => join(folder, p))
    .filter((p) => existsSync(p));
  if (taken.length > 0 && !sameOutput) {
    throw new UsageError(
      `Cannot write the splits to ${folder}: ${taken.join(", ")} already exist${
        taken.length === 1 ? "s" : ""
      }; choose another --output_path or move the earlier dataset away`,
    );
  }
  return { splits, folder, written: [] };
}

/**
 * Splits the finished run and writes the card; returns the lines to print.
 *
 * @throws what {@link writeSplits} throws.
 */
export async function finishSplits(
  target: SplitTarget,
  run: {
    loaded: LoadedConfig;
    compiled: CompiledSynthesis;
    outputPath: string;
    engine: string;
    cwd: string;
  },
): Promise<string> {
  const { loaded, compiled } = run;
  const indices = [...target.written].sort((a, b) => a - b);
  const { groupOf, by } = inputGroups(compiled.sources);
  const result = await writeSplits({
    jsonlPath: run.outputPath,
    folder: target.folder,
    indices,
    groupOf,
    shares: target.splits,
    seed: compiled.plan.seed,
    recordKey: target.splits.record_key,
  });
  const recipe = loaded.recipe;
  const shown = (p: string) => {
    const r = relative(run.cwd, p);
    return r === "" || r.startsWith("..") ? p : r;
  };
  const groupedBy = recipe ? "seed row" : by === "record" ? "record" : by.replace(/ \(.*$/, "");
  const card = renderCard(result, {
    title: basename(target.folder),
    source: recipe
      ? { kind: "recipe", file: shown(recipe.file) }
      : { kind: "config", file: shown(loaded.file) },
    ...(recipe
      ? {
        recipe: {
          modelId: recipe.recipe.modelIdentifier.modelId,
          modelVersionId: recipe.recipe.modelIdentifier.modelVersionId,
          modelName: recipe.recipe.modelIdentifier.modelName,
          datasetId: recipe.recipe.synthesisConfig.synthesisConfig.datasetId,
          datasetPath: recipe.datasetPath,
          seedRows: recipe.seedRows,
        },
      }
      : {}),
    engine: run.engine,
    model: loaded.config.inference_config.model.model_name ?? "",
    seed: compiled.plan.seed,
    shares: target.splits,
    groupedBy,
    synthVersion: VERSION,
    records: indices.length,
    jsonl: basename(run.outputPath),
  });
  const cardPath = join(target.folder, "README.md");
  await writeFile(cardPath, card);
  const parts = result.files.map((f) => `${f.split} ${f.records}`);
  for (const s of result.empty) parts.push(`${s} 0 (no file)`);
  return `Splits (by ${groupedBy}, seed ${compiled.plan.seed}): ${parts.join(", ")} records in ${
    shown(join(target.folder, "data"))
  }/; dataset card ${shown(cardPath)}\n`;
}
