/**
 * The quality gate of a resumed run (issue 14 item 6): what the interrupted part already
 * decided, rebuilt from its files so the resumed part decides as the uninterrupted run would.
 *
 * - The deduplication state is rebuilt from the output lines kept by the resume
 *   ({@link DedupState.fromRecords}), in output order, with their plan indices when the journal
 *   gives them (`DurableRun.keptIndices`), so a later duplicate of one of them names its line and
 *   `duplicate_of_index` as in an uninterrupted run (a journal of an older synth: the line only).
 * - The rejected file keeps its lines up to the resume point (plan index ≤ `through`) and is
 *   appended to; later lines (decided after the last mark) are decided again.
 * - A `deduplicate` attribute that the written lines lack (dropped by `passthrough_attributes`)
 *   makes the state impossible to rebuild: the resume is refused (exit 2).
 *
 * @module
 */
import { existsSync, readFileSync } from "node:fs";
import { UsageError } from "../errors.ts";
import type { QualityCounters } from "../synth/stats.ts";
import { DedupState } from "./dedupState.ts";
import { type Rejection, rejectionKey } from "./gate.ts";
import { rejectedFilePath } from "./rejectedFile.ts";
import type { QualityConfig } from "../config/schema/quality.ts";

/** What the interrupted part of a run decided. */
export interface ResumedQuality {
  /** State holding the kept output lines; undefined without `deduplicate` rules. */
  dedup?: DedupState;
  /** Rejected-file lines (with their newline) decided before the resume point. */
  keptRejected: string[];
  /** Counters of those rejections (rejected, reasons). */
  counters: QualityCounters;
}

/**
 * Rebuilds the gate's state for a run resumed at plan index `through + 1` whose output keeps
 * its first `writtenLines` lines (`keptIndices` gives their plan indices, when known; called
 * only when there are `deduplicate` rules).
 *
 * @throws {UsageError} when a kept line lacks an attribute a `deduplicate` rule compares
 *   (`passthrough_attributes` dropped it), naming the attribute.
 * @throws {SyntaxError} for a kept output line that is not JSON (the resume's mark covers only
 *   complete lines, so this means the file was edited).
 */
export function resumeQuality(
  quality: QualityConfig,
  outputPath: string,
  writtenLines: number,
  through: number,
  keptIndices?: () => readonly number[] | undefined,
): ResumedQuality {
  const counters: QualityCounters = { rejected: 0, reasons: new Map(), surplus: 0 };
  const keptRejected: string[] = [];
  const rejectedPath = rejectedFilePath(outputPath);
  if (existsSync(rejectedPath)) {
    for (const line of readFileSync(rejectedPath, "utf8").split("\n")) {
      const index = /^\{"index": (\d+)/.exec(line)?.[1];
      if (index === undefined || Number(index) > through) continue;
      keptRejected.push(line + "\n");
      counters.rejected++;
      const key = rejectionKey(JSON.parse(line) as Rejection);
      counters.reasons.set(key, (counters.reasons.get(key) ?? 0) + 1);
    }
  }
  const rules = quality.deduplicate ?? [];
  if (rules.length === 0) return { keptRejected, counters };
  const records: Record<string, unknown>[] = [];
  if (writtenLines > 0) {
    const lines = readFileSync(outputPath, "utf8").split("\n").slice(0, writtenLines);
    for (const line of lines) records.push(JSON.parse(line) as Record<string, unknown>);
  }
  for (const rule of rules) {
    for (const name of rule.attributes) {
      if (records.length > 0 && !(name in records[0])) {
        throw new UsageError(
          `Cannot resume "${outputPath}": quality.deduplicate compares '${name}', which the ` +
            "written records do not hold (dropped by passthrough_attributes), so the " +
            "deduplication state cannot be rebuilt; keep it in passthrough_attributes, or " +
            "start again with --overwrite",
        );
      }
    }
  }
  // Read only here: the journal is scanned from its start for them.
  const indices = keptIndices?.();
  return { dedup: DedupState.fromRecords(rules, records, indices), keptRejected, counters };
}
