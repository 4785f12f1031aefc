/**
 * `input_data` entries (§5.2) read into planner sources: storage kind (`hf:`, `oumi:`, local),
 * files (path or glob, sorted), the reader for each file's extension, rows of every file
 * concatenated, then the `attribute_map` projection.
 *
 * @module
 */
import { InputError } from "../../errors.ts";
import type { PlannerSource } from "../../plan/planner.ts";
import { inputError } from "../errors.ts";
import {
  datasetSplitFiles,
  downloadCommand,
  type Env,
  findSnapshot,
  hubCacheDir,
} from "../hfCache.ts";
import { extensionOf, type PathBases, resolveInputFiles } from "../paths.ts";
import { RowTable } from "../rowTable.ts";
import { readDelimited } from "./delimited.ts";
import { readJson } from "./json.ts";
import { readJsonl } from "./jsonl.ts";
import { readParquet } from "./parquet.ts";
import { readXlsx } from "./xlsx.ts";

/** An `input_data` entry as configured. */
export interface DatasetSourceSpec {
  path: string;
  hf_split?: string | null;
  hf_revision?: string | null;
  attribute_map?: Readonly<Record<string, string>> | null;
  id?: string | null;
  num_shots?: number | null;
}

/** What was read, for `synth validate`. */
export interface SourceReport {
  kind: "dataset" | "documents";
  path: string;
  /** Absolute files read, in order. */
  files: string[];
  /** Rows (datasets), or documents and segments (documents). */
  rows: number;
  documents?: number;
  segments?: number;
  /** Attribute ids the source contributes to each record. */
  attributes: string[];
}

/**
 * A dataset reader: appends the rows of `file` to `into` (a new table when absent) and returns
 * the table. `label` is the path shown in messages. @throws {InputError} an unreadable file.
 */
export type DatasetReader = (file: string, label: string, into?: RowTable) => Promise<RowTable>;

/** Local dataset extensions (§5.2). */
export const DATASET_READERS: Record<string, DatasetReader> = {
  ".jsonl": readJsonl,
  ".json": readJson,
  ".csv": (file, label, into) => readDelimited(file, label, ",", into),
  ".tsv": (file, label, into) => readDelimited(file, label, "\t", into),
  ".parquet": readParquet,
  ".xlsx": readXlsx,
};

/** Storage kind of a dataset path: the text before the first `:` when it is `hf` or `oumi`. */
export function storageOf(path: string): "hf" | "oumi" | "local" {
  const colon = path.indexOf(":");
  const prefix = colon > 0 ? path.slice(0, colon) : "";
  return prefix === "hf" ? "hf" : prefix === "oumi" ? "oumi" : "local";
}

/**
 * Reads one file with the reader of its extension, into `into` (a new table when absent).
 * @throws {InputError} "Invalid path: <file>", or the reader's errors.
 */
export function readDatasetFile(file: string, label = file, into?: RowTable): Promise<RowTable> {
  const reader = DATASET_READERS[extensionOf(file)];
  if (!reader) throw new InputError(`Invalid path: ${label}`);
  return reader(file, label, into);
}

/**
 * Reads one `input_data` entry.
 *
 * @throws {InputError} missing file, empty glob, unreadable file (see the readers), an `hf:`
 *   dataset not in the local cache (naming the cache and the download command), `oumi:` paths
 *   ("Oumi storage type is not supported in open source."), a mapped column missing from a row,
 *   or an empty dataset ("Dataset source '<path>' is empty. …").
 */
export async function readDatasetSource(
  spec: DatasetSourceSpec,
  where: PathBases & { env: Env },
): Promise<{ source: PlannerSource; report: SourceReport }> {
  const storage = storageOf(spec.path);
  let files: string[];
  if (storage === "oumi") {
    throw new InputError("Oumi storage type is not supported in open source.");
  }
  if (storage === "hf") {
    const rest = spec.path.slice(3);
    const repoId = rest.split(":")[0];
    const snapshot = findSnapshot("datasets", repoId, spec.hf_revision, where.env);
    if (!snapshot) {
      throw new InputError(
        `Cannot read dataset "${spec.path}": it is not in the local Hugging Face cache (${
          hubCacheDir(where.env)
        }${spec.hf_revision ? `, revision ${spec.hf_revision}` : ""}); fetch it with: ${
          downloadCommand("datasets", repoId, spec.hf_revision)
        } (or set HF_HUB_CACHE / HF_HOME to the cache that has it)`,
      );
    }
    files = datasetSplitFiles(snapshot, spec.path, spec.hf_split, Object.keys(DATASET_READERS));
  } else {
    if (!DATASET_READERS[extensionOf(spec.path)]) {
      throw new InputError(`Invalid path: ${spec.path}`);
    }
    files = await resolveInputFiles(spec.path, where, "dataset");
  }
  let rows = new RowTable();
  for (const file of files) {
    const label = files.length === 1 && storage === "local" ? spec.path : file;
    await readDatasetFile(file, label, rows);
  }
  if (spec.attribute_map) rows = project(rows, spec.attribute_map, files, spec.path);
  if (rows.length === 0) {
    throw new InputError(
      `Dataset source '${spec.path}' is empty. Please check the file or apply different filters.`,
    );
  }
  const dynamic = (spec.num_shots ?? 0) > 1;
  const attributes = dynamic && spec.id ? [spec.id] : Object.keys(rows.get(0));
  return {
    source: {
      kind: "dataset",
      id: spec.id ?? undefined,
      num_shots: spec.num_shots ?? undefined,
      rows,
      path: spec.path,
    },
    report: {
      kind: "dataset",
      path: spec.path,
      files,
      rows: rows.length,
      attributes,
    },
  };
}

/**
 * `attribute_map` (§5.2): keeps only the mapped columns, renamed, in map order; values are
 * unchanged (the cells are shared with `rows`, not copied).
 *
 * @throws {InputError} a mapped column missing from a row (naming the row and its columns).
 */
export function project(
  rows: RowTable,
  map: Readonly<Record<string, string>>,
  files: readonly string[],
  path: string,
): RowTable {
  const selected = rows.select(Object.entries(map));
  if (selected instanceof RowTable) return selected;
  const { missing, row } = selected;
  throw inputError(
    "dataset",
    path,
    `row ${row + 1}${
      files.length > 1 ? ` (of the ${files.length} files together)` : ""
    } has no column "${missing}" named in attribute_map (columns: ${
      Object.keys(rows.get(row)).join(", ")
    })`,
  );
}
