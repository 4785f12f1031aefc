/**
 * `input_data` entries (§5.2) read into planner sources: storage kind (`hf:`, `oumi:`, local),
 * files (path or glob, sorted), the reader for each file's extension, rows of every file
 * concatenated, then the `attribute_map` projection.
 *
 * @module
 */
import { InputError } from "../../errors.ts";
import type { PlannerSource } from "../../plan/planner.ts";
import { setKey } from "../../plan/setKey.ts";
import { inputError } from "../errors.ts";
import {
  datasetSplitFiles,
  downloadCommand,
  type Env,
  findSnapshot,
  hubCacheDir,
} from "../hfCache.ts";
import { extensionOf, type PathBases, resolveInputFiles } from "../paths.ts";
import type { Row } from "../rows.ts";
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

/** Local dataset extensions (§5.2). */
export const DATASET_READERS: Record<string, (file: string, label: string) => Promise<Row[]>> = {
  ".jsonl": readJsonl,
  ".json": readJson,
  ".csv": (file, label) => readDelimited(file, label, ","),
  ".tsv": (file, label) => readDelimited(file, label, "\t"),
  ".parquet": readParquet,
  ".xlsx": readXlsx,
};

/** Storage kind of a dataset path: the text before the first `:` when it is `hf` or `oumi`. */
export function storageOf(path: string): "hf" | "oumi" | "local" {
  const colon = path.indexOf(":");
  const prefix = colon > 0 ? path.slice(0, colon) : "";
  return prefix === "hf" ? "hf" : prefix === "oumi" ? "oumi" : "local";
}

/** Reads one file with the reader of its extension. @throws {InputError} "Invalid path: <file>". */
export function readDatasetFile(file: string, label = file): Promise<Row[]> {
  const reader = DATASET_READERS[extensionOf(file)];
  if (!reader) throw new InputError(`Invalid path: ${label}`);
  return reader(file, label);
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
  let rows: Row[] = [];
  for (const file of files) {
    const label = files.length === 1 && storage === "local" ? spec.path : file;
    const read = await readDatasetFile(file, label);
    if (rows.length === 0) rows = read;
    else for (const row of read) rows.push(row);
  }
  if (spec.attribute_map) rows = project(rows, spec.attribute_map, files, spec.path);
  if (rows.length === 0) {
    throw new InputError(
      `Dataset source '${spec.path}' is empty. Please check the file or apply different filters.`,
    );
  }
  const dynamic = (spec.num_shots ?? 0) > 1;
  const attributes = dynamic && spec.id ? [spec.id] : Object.keys(rows[0]);
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
 * unchanged. @throws {InputError} a mapped column missing from a row (naming the row).
 */
export function project(
  rows: readonly Row[],
  map: Readonly<Record<string, string>>,
  files: readonly string[],
  path: string,
): Row[] {
  const pairs = Object.entries(map);
  return rows.map((row, r) => {
    const out: Row = {};
    for (const [from, to] of pairs) {
      if (!Object.hasOwn(row, from)) {
        throw inputError(
          "dataset",
          path,
          `row ${r + 1}${
            files.length > 1 ? ` (of the ${files.length} files together)` : ""
          } has no column "${from}" named in attribute_map (columns: ${
            Object.keys(row).join(", ")
          })`,
        );
      }
      setKey(out, to, row[from]);
    }
    return out;
  });
}
