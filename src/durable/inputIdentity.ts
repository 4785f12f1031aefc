/**
 * The identity of a run's input files for the fingerprint and the manifest (issue 12: a resume
 * over changed data is refused, naming the source and the file): each `input_data` and
 * `input_documents` source's files by name, size and sha256, hashed once per file version
 * through the same cache as model files (`modelIdentity.ts`).
 *
 * @module
 */
import { basename } from "node:path";
import type { SourceReport } from "../inputs/sources.ts";
import type { InputIdentity } from "./fingerprint.ts";
import { fileIdentities, type HashCacheOptions } from "./modelIdentity.ts";

/**
 * The identities of the sources in `reports` (config order: datasets, then documents), each
 * keyed as the user wrote it (`strategy_params.input_data[0].path`); empty for none.
 *
 * @throws the file-system error when a file read for the run can no longer be read.
 */
export async function inputIdentities(
  reports: readonly SourceReport[],
  options: HashCacheOptions = {},
): Promise<InputIdentity[]> {
  const out: InputIdentity[] = [];
  const counts = { dataset: 0, documents: 0 };
  for (const report of reports) {
    const section = report.kind === "dataset" ? "input_data" : "input_documents";
    const key = `strategy_params.${section}[${counts[report.kind]++}].path`;
    const files = (await fileIdentities(report.files, options))
      .map(({ path, size, sha256 }) => ({ name: basename(path), size, sha256 }));
    out.push({ key, files });
  }
  return out;
}
