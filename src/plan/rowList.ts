/**
 * The rows of a planner source: a plain array (`input_examples`, document segments) or a table
 * that builds each row on access (datasets: `src/inputs/rowTable.ts`). Both are read through
 * {@link rowAt}, so the planner never needs every row as an object at once.
 *
 * @module
 */

/** One source row: field name -> value, in field order. */
export type SourceRow = Readonly<Record<string, unknown>>;

/** Rows built on access: `get(i)` returns a fresh object for 0 <= i < length. */
export interface RowReader {
  readonly length: number;
  get(i: number): Record<string, unknown>;
  /** Column names in first-seen order. */
  readonly columns?: readonly string[];
}

/** Rows of a source: a plain array, or a {@link RowReader}. */
export type RowList = readonly SourceRow[] | RowReader;

function isReader(rows: RowList): rows is RowReader {
  return typeof (rows as RowReader).get === "function";
}

/** Row `i` of `rows` (0 <= i < rows.length): the array's own object, or a fresh one. */
export function rowAt(rows: RowList, i: number): SourceRow {
  return isReader(rows) ? rows.get(i) : (rows as readonly SourceRow[])[i];
}

/** Every row as an object, in order (for tests and small sources). */
export function allRows(rows: RowList): SourceRow[] {
  return Array.from({ length: rows.length }, (_, i) => rowAt(rows, i));
}

/** The field names of the first row (what a round-robin source contributes), or `[]`. */
export function firstRowKeys(rows: RowList): string[] {
  return rows.length > 0 ? Object.keys(rowAt(rows, 0)) : [];
}
