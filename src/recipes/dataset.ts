/**
 * Resolving a recipe's `datasetId` (recipes.md §4): a path to a file synth reads (relative to
 * the working folder, then the recipe's folder), else a name in `./datasets/` or
 * `<recipe dir>/datasets/` (with or without its extension), else `hf:owner/name` from the local
 * Hugging Face cache (its `train` split). Then the rows are read with the ordinary dataset
 * readers.
 *
 * @module
 */
import { existsSync, statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { InputError } from "../errors.ts";
import { DATASET_READERS, readDatasetSource, storageOf } from "../inputs/datasets/source.ts";
import type { Env } from "../inputs/hfCache.ts";
import { rowAt } from "../plan/rowList.ts";

/** Where a seed dataset was found and its rows. */
export interface SeedDataset {
  /** What the config's dataset path is: an absolute file, or the `hf:` id. */
  path: string;
  rows: { length: number; get(i: number): Readonly<Record<string, unknown>> };
}

const isFile = (p: string) => existsSync(p) && statSync(p).isFile();

/**
 * The file or `hf:` id `datasetId` names.
 *
 * @throws {InputError} `Cannot find dataset "<id>": looked for …` listing every place tried.
 */
function locateDataset(
  datasetId: string,
  where: { cwd: string; recipeDir: string },
): string {
  if (storageOf(datasetId) === "hf") return datasetId;
  const looked: string[] = [];
  const bases = isAbsolute(datasetId) ? [""] : [...new Set([where.cwd, where.recipeDir])];
  for (const base of bases) {
    const p = base ? resolve(base, datasetId) : datasetId;
    looked.push(p);
    if (isFile(p)) return p;
  }
  if (!isAbsolute(datasetId) && !datasetId.includes("/")) {
    const extensions = Object.keys(DATASET_READERS);
    for (const base of new Set([where.cwd, where.recipeDir])) {
      const dir = join(base, "datasets");
      const candidates = [join(dir, datasetId), ...extensions.map((e) => join(dir, datasetId + e))];
      for (const c of candidates) if (isFile(c)) return c;
      looked.push(`${join(dir, datasetId)}{,${extensions.join(",")}}`);
    }
  }
  throw new InputError(
    `Cannot find dataset "${datasetId}": looked for ${looked.join(", ")}; ` +
      `give a file path, a name in datasets/, or hf:owner/name from the local cache`,
  );
}

/**
 * Locates and reads a seed dataset.
 *
 * @throws {InputError} not found (see {@link locateDataset}), an unreadable or empty file, an
 *   `hf:` dataset that is not in the local cache.
 */
export async function readSeedDataset(
  datasetId: string,
  where: { cwd: string; recipeDir: string; env: Env },
): Promise<SeedDataset> {
  const path = locateDataset(datasetId, where);
  // A recipe names no split: a Hugging Face dataset's "train" split is the seed.
  const hf = storageOf(path) === "hf";
  const { source } = await readDatasetSource({ path, ...(hf ? { hf_split: "train" } : {}) }, {
    cwd: where.cwd,
    configDir: where.recipeDir,
    env: where.env,
  });
  const rows = source.rows;
  return { path, rows: { length: rows.length, get: (i) => rowAt(rows, i) } };
}
