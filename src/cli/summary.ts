/**
 * What the CLI prints when a run ends (spec §15 steps 5-7, plus synth's totals:
 * DECISIONS difference 13): a preview table of the first records, records written and failed
 * with reasons, token usage, wall time, and oumi's hint for training on the file.
 *
 * @module
 */
import Table from "cli-table3";
import pc from "picocolors";
import type { RunStats } from "../synth/stats.ts";
import { formatDuration } from "./progress.ts";

/** Columns shown before collapsing the rest into one `... and N more columns...` column (§15). */
const MAX_COLUMNS = 5;

/** A cell: strings as-is, other values as compact JSON, cut to `width` characters. */
export function previewCell(value: unknown, width: number): string {
  const text = typeof value === "string" ? value : JSON.stringify(value) ?? String(value);
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > width ? `${flat.slice(0, width - 3)}...` : flat;
}

/**
 * Renders the preview table of `records` (the first few of the run).
 * Columns are the keys of the first record; past {@link MAX_COLUMNS} the rest collapse.
 */
export function renderPreview(
  records: readonly Record<string, unknown>[],
  options: { colors?: boolean; width?: number } = {},
): string {
  if (records.length === 0) return "";
  const keys = Object.keys(records[0]);
  const shown = keys.length > MAX_COLUMNS + 1 ? keys.slice(0, MAX_COLUMNS) : keys;
  const extra = keys.length - shown.length;
  const totalWidth = Math.max(60, options.width ?? 120);
  const columns = shown.length + (extra ? 1 : 0);
  const cellWidth = Math.max(12, Math.floor((totalWidth - 3 * columns) / Math.max(columns, 1)));
  const c = pc.createColors(options.colors ?? false);
  const table = new Table({
    head: [...shown, ...(extra ? [`... and ${extra} more columns...`] : [])].map((h) => c.bold(h)),
    style: options.colors ? {} : { head: [], border: [] },
    wordWrap: true,
    colWidths: Array(columns).fill(cellWidth + 2),
  });
  for (const record of records) {
    table.push([
      ...shown.map((k) => previewCell(record[k], cellWidth * 3)),
      ...(extra ? ["..."] : []),
    ]);
  }
  return table.toString();
}

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
    `Records: ${stats.written}/${stats.planned} written, ${stats.failed} failed` +
      (stats.filtered > 0 ? `, ${stats.filtered} filtered` : "") +
      (stats.done < stats.planned ? `, ${stats.planned - stats.done} not run` : ""),
  );
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
