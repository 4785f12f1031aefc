/**
 * What the CLI prints when a run ends (spec §15 steps 5-7, plus synth's totals:
 * DECISIONS difference 13): a preview table of the first records, records written and failed
 * with reasons, token usage, wall time, and oumi's hint for training on the file.
 *
 * @module
 */
import { progressValue, qualitySummaryLines, rejectedText } from "./qualityProgress.ts";
import pc from "picocolors";
import type { RunStats } from "../synth/stats.ts";
import { renderPreview } from "./previewTable.ts";
import { formatDuration } from "./progress.ts";

/** `12 input, 3 output, 2 cached in 1 requests` (cached only when non-zero). */
export function usageText(u: RunStats["usage"]): string {
  return `${u.inputTokens} input, ${u.outputTokens} output` +
    (u.cachedTokens ? `, ${u.cachedTokens} cached` : "") + ` in ${u.requests} requests`;
}

/** Inputs of {@link renderSummary}. */
export interface SummaryInput {
  stats: RunStats;
  outputPath: string;
  errorsPath?: string;
  /** `<output>.rejected.jsonl` when the quality gate rejected records. */
  rejectedPath?: string;
  preview: readonly Record<string, unknown>[];
  colors?: boolean;
  width?: number;
  /**
   * Set when the run did not complete: `interrupted` (Ctrl-C) or `stopped` (an error). The
   * success line and the training hint are replaced by what is kept and, when given,
   * `continueWith`, the exact command that continues the run.
   */
  ended?: { how: "interrupted" | "stopped"; continueWith?: string };
}

/** The end-of-run text (stdout). */
export function renderSummary(input: SummaryInput): string {
  const { stats } = input;
  const c = pc.createColors(input.colors ?? false);
  const lines: string[] = [];
  const wall = ((stats.finishedAt ?? Date.now()) - stats.startedAt) / 1000;
  const ended = input.ended;
  if (ended) {
    if (stats.written > 0) {
      lines.push(c.bold("Synthesis Results (incomplete)"));
      lines.push(renderPreview(input.preview, { colors: input.colors, width: input.width }));
      lines.push("");
    }
    lines.push(
      c.yellow(
        `${
          ended.how === "interrupted" ? "Interrupted" : "Stopped early"
        }: ${stats.written} of ${stats.planned} records are kept in ${input.outputPath}`,
      ),
    );
    if (ended.continueWith) lines.push(`To continue this run, run: ${ended.continueWith}`);
  } else if (stats.written === 0) {
    lines.push(
      c.yellow("No results found, please check your configuration and try again."),
    );
  } else {
    lines.push(c.bold("Synthesis Results"));
    lines.push(renderPreview(input.preview, { colors: input.colors, width: input.width }));
    if (stats.written > input.preview.length) {
      lines.push(`... and ${stats.written - input.preview.length} more samples`);
    }
    lines.push("");
    lines.push(
      c.green(`Successfully synthesized ${stats.written} samples and saved to ${input.outputPath}`),
    );
  }
  lines.push(
    `Records: ${stats.written}/${progressValue(stats).total} written, ${stats.failed} failed` +
      (stats.filtered > 0 ? `, ${stats.filtered} filtered` : "") +
      rejectedText(stats) +
      (stats.done < stats.planned && stats.quality?.target === undefined
        ? `, ${stats.planned - stats.done} not run`
        : ""),
  );
  lines.push(...qualitySummaryLines(stats, input.rejectedPath, c.yellow));
  if (stats.failed > 0) {
    const reasons = [...stats.failureReasons.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([reason, n]) => `  ${n} x ${reason}`);
    lines.push(c.yellow("Failures:"), ...reasons);
    if (input.errorsPath) lines.push(`  details: ${input.errorsPath}`);
  }
  if (stats.filtered > 0) {
    const reasons = [...stats.filterReasons.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([reason, n]) => `  ${n} x ${reason}`);
    lines.push(c.yellow("Filtered (not written):"), ...reasons);
  }
  const u = stats.usage;
  lines.push(`Tokens: ${usageText(u)}`);
  if (stats.usageByAttribute.size > 1 || stats.usageByEngine.size > 1) {
    for (const [id, t] of stats.usageByAttribute) lines.push(`  ${id}: ${usageText(t)}`);
    if (stats.usageByEngine.size > 1) {
      for (const [id, t] of stats.usageByEngine) lines.push(`  engine ${id}: ${usageText(t)}`);
    }
  }
  lines.push(
    `Wall time: ${formatDuration(wall)} (${
      (stats.done / Math.max(wall, 1e-3)).toFixed(1)
    } records/s, ${(u.outputTokens / Math.max(wall, 1e-3)).toFixed(0)} output tokens/s)`,
  );
  if (stats.written > 0 && !ended) {
    lines.push(
      "",
      "To train a model, run: oumi train -c path/to/your/train/config.yaml",
      "",
      "If you included a 'conversation' chat attribute in your config, update the",
      "config to use your new dataset:",
      "data:",
      "  train:",
      "    datasets:",
      '      - dataset_name: "text_sft_jsonl"',
      `        dataset_path: "${input.outputPath}"`,
    );
  }
  return lines.join("\n") + "\n";
}
