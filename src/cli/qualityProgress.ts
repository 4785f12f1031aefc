/**
 * What the quality gate adds to the progress display and the end-of-run summary: accepted /
 * rejected counts by reason, and the clear line when `count: accepted` ran out of candidates.
 *
 * @module
 */
import type { RunStats } from "../synth/stats.ts";

/** Records the display counts toward: accepted ones with `count: accepted`, else finished. */
export function progressValue(stats: RunStats): { value: number; total: number } {
  const target = stats.quality?.target;
  return target !== undefined
    ? { value: Math.min(stats.written, target), total: target }
    : { value: stats.done, total: stats.planned };
}

/** `""`, or `", 3 rejected"` once the gate has rejected records. */
export function rejectedText(stats: RunStats): string {
  const rejected = stats.quality?.rejected ?? 0;
  return rejected > 0 ? `, ${rejected} rejected` : "";
}

/** Summary lines of the quality gate (none without `quality:`). */
export function qualitySummaryLines(
  stats: RunStats,
  rejectedPath: string | undefined,
  warn: (text: string) => string,
): string[] {
  const q = stats.quality;
  if (!q) return [];
  const lines: string[] = [];
  if (q.target !== undefined && stats.written < q.target) {
    lines.push(warn(
      `Only ${stats.written} of ${q.target} records passed the quality gate after ` +
        `${stats.done} candidates (max_candidates allows ${stats.planned}); raise ` +
        `quality.max_candidates or relax the judges, checks or deduplication to get more`,
    ));
  }
  lines.push(
    `Quality: ${stats.written} accepted, ${q.rejected} rejected` +
      (q.surplus > 0 ? `, ${q.surplus} generated past the target and discarded` : ""),
  );
  const reasons = [...q.reasons.entries()].sort((a, b) => b[1] - a[1]);
  for (const [reason, n] of reasons) lines.push(`  ${n} x ${reason}`);
  if (rejectedPath) lines.push(`  rejected records: ${rejectedPath}`);
  return lines;
}
