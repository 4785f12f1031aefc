/**
 * `.xlsx` datasets (§5.2 and the synthesis guide): every sheet, in workbook order, concatenated
 * into one dataset. Each sheet's first non-empty row is its header (pandas-style unique names);
 * columns are the union over sheets in first-seen order, and a cell that is empty or missing in
 * a sheet is `""`. Numbers stay numbers, booleans booleans, dates become ISO-8601 strings.
 * Read with SheetJS (`@e965/xlsx` 0.20.3) after the zip-bomb check of `../zip.ts`.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { setKey } from "../../plan/setKey.ts";
import { inputError, reasonOf } from "../errors.ts";
import { normalizeValue, type Row, uniqueColumns } from "../rows.ts";
import { RowTable } from "../rowTable.ts";
import { checkZip, ZipError } from "../zip.ts";

/** Rows of one sheet with where they came from. */
export interface SheetRows {
  sheet: string;
  rows: Row[];
}

/**
 * Reads all sheets of a workbook into `into` (a new table when absent).
 *
 * @throws {InputError} not a zip archive / damaged / zip bomb ("corrupt XLSX"), or a workbook
 *   SheetJS cannot parse; messages name the sheet when one is at fault.
 */
export async function readXlsx(
  file: string,
  label: string,
  into = new RowTable(),
): Promise<RowTable> {
  const bytes = new Uint8Array(await readFile(file));
  try {
    checkZip(bytes);
  } catch (error) {
    if (error instanceof ZipError) {
      throw inputError("dataset", label, `not a valid XLSX workbook: ${error.message}`);
    }
    throw error;
  }
  const XLSX = await import("@e965/xlsx");
  let workbook;
  try {
    workbook = XLSX.read(bytes, { type: "array", dense: true, cellDates: true, cellHTML: false });
  } catch (error) {
    throw inputError("dataset", label, `not a valid XLSX workbook (${reasonOf(error)})`, error);
  }
  const sheets: SheetRows[] = [];
  const columns: string[] = [];
  const known = new Set<string>();
  for (const name of workbook.SheetNames) {
    let table: unknown[][];
    try {
      table = XLSX.utils.sheet_to_json<unknown[]>(workbook.Sheets[name], {
        header: 1,
        raw: true,
        defval: "",
        blankrows: false,
      });
    } catch (error) {
      throw inputError("dataset", label, `sheet "${name}" cannot be read (${reasonOf(error)})`);
    }
    if (table.length === 0) continue;
    const header = uniqueColumns(table[0]);
    for (const c of header) if (!known.has(c)) known.add(c) && columns.push(c);
    const rows = table.slice(1).map((cells) => {
      const row: Row = {};
      for (let c = 0; c < header.length; c++) {
        const cell = cells[c];
        setKey(row, header[c], cell === undefined || cell === null ? "" : normalizeValue(cell));
      }
      return row;
    });
    sheets.push({ sheet: name, rows });
  }
  // Union of columns in first-seen order; cells a sheet lacks are "".
  for (const { rows } of sheets) {
    for (const row of rows) {
      const full: Row = {};
      for (const c of columns) setKey(full, c, Object.hasOwn(row, c) ? row[c] : "");
      into.appendObject(full);
    }
  }
  return into;
}
