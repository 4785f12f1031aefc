/**
 * Names of the files that accompany an output (`out/data.jsonl`): the run journal
 * `out/data.journal.jsonl`, the provenance manifest `out/data.manifest.json`, and the shard
 * outputs `out/data.shard-1-of-3.jsonl`. The `.jsonl` suffix is replaced; any other name gets
 * the suffix appended (the same rule as `<output>.errors.jsonl` and `<output>.summary.json`).
 *
 * @module
 */

/** `out/data.jsonl` → `out/data`; `out/data.txt` → `out/data.txt`. */
export function outputStem(outputPath: string): string {
  return outputPath.endsWith(".jsonl") ? outputPath.slice(0, -".jsonl".length) : outputPath;
}

/** `out/data.jsonl` → `out/data.journal.jsonl`. */
export function journalFilePath(outputPath: string): string {
  return `${outputStem(outputPath)}.journal.jsonl`;
}

/** `out/data.jsonl` → `out/data.manifest.json`. */
export function manifestFilePath(outputPath: string): string {
  return `${outputStem(outputPath)}.manifest.json`;
}

/**
 * The output of shard `k` (0-based) of `n`: `out/data.jsonl` → `out/data.shard-0-of-3.jsonl`.
 * Each shard has its own journal, manifest, errors and summary next to it.
 */
export function shardOutputPath(outputPath: string, k: number, n: number): string {
  return `${outputStem(outputPath)}.shard-${k}-of-${n}.jsonl`;
}
