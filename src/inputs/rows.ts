/**
 * Row normalisation shared by every dataset reader (§5.2): rows (stored by column in a
 * `RowTable`, built on access) are plain objects in column order whose keys can be anything a
 * data file holds (`__proto__` and `constructor` become
 * ordinary fields, never prototypes), and whose values are JSON-like: strings, numbers,
 * booleans, null, lists and maps. 64-bit integers that do not fit a double stay exact as
 * `bigint` (the output writer and the templates print their digits); dates become ISO-8601
 * strings; binary values become strings (UTF-8, invalid bytes replaced).
 *
 * @module
 */
import { setKey } from "../plan/setKey.ts";

/** One dataset row: column name -> value, in column order. */
export type Row = Record<string, unknown>;

const utf8 = new TextDecoder();

/**
 * Normalises one value read from a file: `bigint` -> number when it is a safe integer (else kept
 * as `bigint`), `Date` -> ISO-8601 string, bytes -> UTF-8 string, maps rebuilt with
 * {@link setKey} (recursively), `undefined` and `NaN` -> null.
 */
export function normalizeValue(value: unknown): unknown {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isNaN(value) ? null : value;
    case "bigint":
      return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(value)
        : value;
    case "undefined":
      return null;
    case "object": {
      if (value === null) return null;
      if (Array.isArray(value)) return value.map(normalizeValue);
      if (value instanceof Date) {
        return Number.isNaN(value.getTime()) ? null : value.toISOString();
      }
      if (value instanceof Uint8Array) return utf8.decode(value);
      if (ArrayBuffer.isView(value)) {
        return Array.from(value as unknown as ArrayLike<unknown>, normalizeValue);
      }
      const out: Row = {};
      for (const key of Object.keys(value)) {
        setKey(out, key, normalizeValue((value as Row)[key]));
      }
      return out;
    }
    default:
      return String(value);
  }
}

/**
 * Makes column names unique the way pandas does: a repeated `a` becomes `a.1`, `a.2`, ...;
 * an empty name becomes `Unnamed: <index>`.
 */
export function uniqueColumns(names: readonly unknown[]): string[] {
  const seen = new Set<string>();
  return names.map((raw, i) => {
    let name = raw === null || raw === undefined || raw === "" ? `Unnamed: ${i}` : String(raw);
    if (seen.has(name)) {
      let n = 1;
      while (seen.has(`${name}.${n}`)) n++;
      name = `${name}.${n}`;
    }
    seen.add(name);
    return name;
  });
}
