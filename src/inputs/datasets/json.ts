/**
 * `.json` datasets (§5.2): a document read as a table, like pandas `read_json`: an array of
 * row objects (the normal case), or a map of columns — `{column: {index: value}}` (pandas'
 * default orientation) or `{column: [values]}`.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { setKey } from "../../plan/setKey.ts";
import { isPlainMap } from "../../python/repr.ts";
import { inputError } from "../errors.ts";
import type { Row } from "../rows.ts";
import { RowTable } from "../rowTable.ts";
import { parseJsonExact } from "./jsonParse.ts";

/**
 * Reads a JSON dataset file into `into` (a new table when absent).
 *
 * @throws {InputError} invalid JSON (with line and column), or a document that is not a table.
 */
export async function readJson(
  file: string,
  label: string,
  into = new RowTable(),
): Promise<RowTable> {
  const text = await readFile(file, "utf8");
  let value: unknown;
  try {
    value = parseJsonExact(text);
  } catch (error) {
    throw inputError("dataset", label, `not valid JSON (${(error as Error).message})`);
  }
  let rows: Row[];
  if (Array.isArray(value)) {
    rows = value.map((row, i) => {
      if (!isPlainMap(row)) {
        throw inputError("dataset", label, `item ${i} of the top-level array is not an object`);
      }
      return row;
    });
  } else if (isPlainMap(value)) rows = fromColumns(value, label);
  else {
    throw inputError("dataset", label, "expected an array of objects or a map of columns");
  }
  for (const row of rows) into.appendObject(row);
  return into;
}

function fromColumns(columns: Record<string, unknown>, label: string): Row[] {
  const names = Object.keys(columns);
  const index: string[] = [];
  const seen = new Set<string>();
  for (const name of names) {
    const col = columns[name];
    if (Array.isArray(col)) {
      for (let i = 0; i < col.length; i++) {
        if (!seen.has(String(i))) seen.add(String(i)) && index.push(String(i));
      }
    } else if (isPlainMap(col)) {
      for (const key of Object.keys(col)) if (!seen.has(key)) seen.add(key) && index.push(key);
    } else {
      throw inputError(
        "dataset",
        label,
        `expected an array of objects or a map of columns; column "${name}" is neither a list nor a map`,
      );
    }
  }
  return index.map((at) => {
    const row: Row = {};
    for (const name of names) {
      const col = columns[name] as Record<string, unknown>;
      setKey(row, name, Object.hasOwn(col, at) ? col[at] ?? null : null);
    }
    return row;
  });
}
