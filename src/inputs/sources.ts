/**
 * Reads every `input_data` and `input_documents` entry of a config (§5.2, §5.3) into planner
 * sources, in config order, before anything is written — a bad file stops the run with an
 * {@link InputError} (exit 3) and no output file.
 *
 * @module
 */
import type { PlannerSource } from "../plan/planner.ts";
import { type DatasetSourceSpec, readDatasetSource, type SourceReport } from "./datasets/source.ts";
import { type DocumentSourceSpec, readDocumentSource } from "./documents/source.ts";
import type { Env } from "./hfCache.ts";

export type { SourceReport } from "./datasets/source.ts";

/** The input sections of `strategy_params`. */
export interface InputSections {
  input_data?: readonly DatasetSourceSpec[] | null;
  input_documents?: readonly DocumentSourceSpec[] | null;
}

/** Where paths are looked up and what the environment holds. */
export interface ReadInputsOptions {
  /** Working directory (relative paths are looked up here first). */
  cwd: string;
  /** The config's folder (looked up second). */
  configDir?: string;
  /** `HF_HUB_CACHE`, `HF_HOME`, `HOME`, ... */
  env: Env;
  /** Non-fatal findings (skipped files). */
  warn?: (message: string) => void;
}

/** What {@link readInputSources} returns: sources in config order and what each contributes. */
export interface ReadInputs {
  sources: PlannerSource[];
  reports: SourceReport[];
}

/**
 * Reads the dataset and document sources of `params`.
 *
 * @throws {InputError} the first source that cannot be read (see `readDatasetSource`,
 *   `readDocumentSource`).
 */
export async function readInputSources(
  params: InputSections,
  options: ReadInputsOptions,
): Promise<ReadInputs> {
  const sources: PlannerSource[] = [];
  const reports: SourceReport[] = [];
  for (const spec of params.input_data ?? []) {
    const { source, report } = await readDatasetSource(spec, options);
    sources.push(source);
    reports.push(report);
  }
  for (const spec of params.input_documents ?? []) {
    const { source, report } = await readDocumentSource(spec, options);
    sources.push(source);
    reports.push(report);
  }
  return { sources, reports };
}
