/**
 * The preview table printed when a run ends (spec §15 step 6): the first records as rows, the
 * keys of the first record as columns (past {@link MAX_COLUMNS} the rest collapse into one
 * `... and N more columns...` column). The table fits the given width: every row is one line,
 * and a cell longer than its column is cut with `…` (never wrapped onto more lines).
 *
 * @module
 */
import Table from "cli-table3";
import pc from "picocolors";

/** Columns shown before collapsing the rest into one `... and N more columns...` column (§15). */
const MAX_COLUMNS = 5;
/** oumi cuts each cell at 200 characters (§15); the column width then cuts it further. */
const CELL_CHARS = 200;
/** Narrowest column, padding included: two characters and `…` stay readable. */
const MIN_COLUMN = 5;
/** Spaces cli-table3 puts on each side of a cell. */
const PADDING = 2;

/**
 * A cell on one line: strings as-is, other values as compact JSON, whitespace runs as one
 * space, other control characters escaped (`\u001b`: generated text cannot drive the
 * terminal), cut to `width` characters (code points, as Python counts them) ending in `...`.
 */
export function previewCell(value: unknown, width: number): string {
  const text = typeof value === "string" ? value : JSON.stringify(value) ?? String(value);
  const flat = text.replace(/\s+/g, " ").trim()
    // deno-lint-ignore no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => JSON.stringify(c).slice(1, -1));
  if (flat.length <= width) return flat;
  const chars = [...flat];
  return chars.length > width ? `${chars.slice(0, width - 3).join("")}...` : flat;
}

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/**
 * `text` cut to at most `width` terminal columns, ending with `…` when cut. Cuts between
 * grapheme clusters (an emoji or an accented letter is never split), measuring display width
 * (wide CJK characters and emoji count as two).
 */
export function fitText(text: string, width: number): string {
  if (Bun.stringWidth(text) <= width) return text;
  let out = "";
  let used = 0;
  for (const { segment } of graphemes.segment(text)) {
    const w = Bun.stringWidth(segment);
    if (used + w > width - 1) break;
    out += segment;
    used += w;
  }
  return out + "…";
}

/**
 * Column widths (padding included) that fit `available` terminal columns: every column gets its
 * natural width when they all fit; otherwise each starts at its minimum and the space left is
 * shared out equally among the columns that want more, so narrow columns keep their natural
 * width and the wide ones split the rest (leftover single columns go to the leftmost).
 *
 * @param natural widest cell of each column, padding included.
 * @param available terminal columns left for cells (borders already taken off).
 * @param minimum per column (e.g. its header), honoured only when all of them fit together;
 *   never below {@link MIN_COLUMN}, so a very narrow width can still overflow.
 */
export function fitColumns(
  natural: readonly number[],
  available: number,
  minimum: readonly number[] = [],
): number[] {
  const want = natural.map((n) => Math.max(MIN_COLUMN, n));
  if (want.reduce((a, b) => a + b, 0) <= available) return want;
  let floor = want.map((w, i) => Math.min(w, Math.max(MIN_COLUMN, minimum[i] ?? 0)));
  if (floor.reduce((a, b) => a + b, 0) > available) floor = want.map(() => MIN_COLUMN);
  const widths = [...floor];
  let left = available - widths.reduce((a, b) => a + b, 0);
  while (left > 0) {
    const growing = widths.flatMap((w, i) => (w < want[i] ? [i] : []));
    if (growing.length === 0) break;
    const share = Math.floor(left / growing.length);
    for (const i of share > 0 ? growing : growing.slice(0, left)) {
      const add = Math.min(Math.max(share, 1), want[i] - widths[i]);
      widths[i] += add;
      left -= add;
    }
  }
  return widths;
}

/**
 * Renders the preview table of `records` (the first few of the run) in at most `width`
 * terminal columns (display width: wide CJK characters and emoji count as two).
 *
 * @param options.width terminal columns; default 100 (see `terminalWidth.ts`).
 * @param options.colors bold headers and coloured borders.
 * @returns the table without a trailing newline; `""` when there are no records.
 */
export function renderPreview(
  records: readonly Record<string, unknown>[],
  options: { colors?: boolean; width?: number } = {},
): string {
  if (records.length === 0) return "";
  const keys = Object.keys(records[0]);
  const shown = keys.length > MAX_COLUMNS + 1 ? keys.slice(0, MAX_COLUMNS) : keys;
  const extra = keys.length - shown.length;
  const head = [...shown, ...(extra ? [`... and ${extra} more columns...`] : [])];
  const rows = records.map((record) => [
    ...shown.map((k) => previewCell(record[k], CELL_CHARS)),
    ...(extra ? ["..."] : []),
  ]);
  const natural = head.map((h, i) =>
    PADDING + Math.max(Bun.stringWidth(h), ...rows.map((row) => Bun.stringWidth(row[i])))
  );
  // Borders: one before each column and one after the last.
  const available = (options.width ?? 100) - (head.length + 1);
  const widths = fitColumns(natural, available, head.map((h) => PADDING + Bun.stringWidth(h)));
  // Cells are cut here (cli-table3's own cut can split an emoji) to exactly their column.
  const fit = (row: string[]) => row.map((cell, i) => fitText(cell, widths[i] - PADDING));
  const c = pc.createColors(options.colors ?? false);
  const table = new Table({
    head: fit(head).map((h) => c.bold(h)),
    style: options.colors ? {} : { head: [], border: [] },
    wordWrap: false,
    colWidths: widths,
  });
  for (const row of rows) table.push(fit(row));
  return table.toString();
}
