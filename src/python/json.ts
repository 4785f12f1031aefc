/**
 * JSON text as Python's `json.dumps` writes it (spec §14.2, §23), so output files and tool
 * messages match oumi byte for byte: separators `", "` and `": "`, keys in insertion order.
 *
 * Two modes: `"output"` (`ensure_ascii=False`, the JSONL output) keeps non-ASCII characters as
 * they are; `"ascii"` (`json.dumps` defaults, used inside tool messages and grounding lines)
 * escapes every character outside U+0020-U+007E as `\uXXXX` (lower-case hex; astral characters as
 * surrogate pairs). Deliberate differences from Python: `NaN`/`Infinity` are written as `null`,
 * never as bare literals (DECISIONS compat 3); lone surrogates are escaped in both modes so the
 * output stays valid UTF-8; an integral number is written without `.0` (JS cannot tell `1.0`
 * from `1`).
 *
 * Other values follow `JSON.stringify`: `toJSON()` is honoured, `undefined`/functions/symbols are
 * skipped in objects and become `null` in arrays; BigInt is written as its digits; a `Map` is
 * written as an object in insertion order (useful for integer-like keys, which plain JS objects
 * reorder).
 *
 * @module
 */
import { pyFloatRepr } from "./float.ts";

/** `"output"`: `ensure_ascii=False` (output files); `"ascii"`: Python's default escaping. */
export type PyJsonMode = "output" | "ascii";

/** Options of {@link pyJsonDumps}. */
export interface PyJsonOptions {
  /** Default `"output"`. */
  mode?: PyJsonMode;
  /** Sort object keys (Python's `sort_keys=True`), recursively. Default false. */
  sortKeys?: boolean;
}

// Characters that need more than wrapping in quotes: `"`, `\`, controls and surrogates (lone
// surrogates must be escaped; paired ones are handled by JSON.stringify, which keeps them).
// deno-lint-ignore no-control-regex
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;
const NON_ASCII = /[\u007f-\uffff]/g;
const NEEDS_ASCII_ESCAPE = /[^\u0020-\u007e]|["\\]/;
const hex4 = (c: string): string => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0");

function stringOutput(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}

function stringAscii(s: string): string {
  if (!NEEDS_ASCII_ESCAPE.test(s)) return `"${s}"`;
  return JSON.stringify(s).replace(NON_ASCII, hex4);
}

function number(x: number): string {
  if (Number.isInteger(x)) return Object.is(x, -0) ? "0" : String(x);
  return Number.isFinite(x) ? pyFloatRepr(x) : "null";
}

type Encoder = (value: unknown, inArray: boolean) => string | undefined;

function makeEncoder(str: (s: string) => string, sortKeys: boolean): Encoder {
  const keyCache = new Map<string, string>();
  const keyPart = (key: string): string => {
    let k = keyCache.get(key);
    if (k === undefined) {
      if (keyCache.size > 4096) keyCache.clear();
      k = str(key) + ": ";
      keyCache.set(key, k);
    }
    return k;
  };
  const encode: Encoder = (value, inArray) => {
    switch (typeof value) {
      case "string":
        return str(value);
      case "number":
        return number(value);
      case "boolean":
        return value ? "true" : "false";
      case "bigint":
        return value.toString();
      case "undefined":
      case "function":
      case "symbol":
        return inArray ? "null" : undefined;
    }
    if (value === null) return "null";
    const obj = value as { toJSON?: () => unknown };
    if (typeof obj.toJSON === "function") return encode(obj.toJSON(), inArray);
    if (Array.isArray(value)) {
      if (value.length === 0) return "[]";
      let out = "[" + encode(value[0], true);
      for (let i = 1; i < value.length; i++) out += ", " + encode(value[i], true);
      return out + "]";
    }
    let entries: [string, unknown][];
    if (value instanceof Map) entries = [...value].map(([k, v]) => [String(k), v]);
    else if (sortKeys) entries = Object.entries(value as object);
    else {
      // Fast path: no intermediate arrays of pairs.
      let out = "";
      const rec = value as Record<string, unknown>;
      for (const key of Object.keys(rec)) {
        const v = encode(rec[key], false);
        if (v === undefined) continue;
        out += (out ? ", " : "{") + keyPart(key) + v;
      }
      return out ? out + "}" : "{}";
    }
    if (sortKeys) entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    let out = "";
    for (const [key, item] of entries) {
      const v = encode(item, false);
      if (v === undefined) continue;
      out += (out ? ", " : "{") + str(key) + ": " + v;
    }
    return out ? out + "}" : "{}";
  };
  return encode;
}

const ENCODERS = {
  output: makeEncoder(stringOutput, false),
  ascii: makeEncoder(stringAscii, false),
  outputSorted: makeEncoder(stringOutput, true),
  asciiSorted: makeEncoder(stringAscii, true),
};

/**
 * Serialises `value` as Python's `json.dumps(value, ensure_ascii=<mode is "ascii">)` would, one
 * line, no trailing newline.
 *
 * @example
 * ```ts
 * pyJsonDumps({ a: 1, b: [1, 2.5, "é"], c: null }); // '{"a": 1, "b": [1, 2.5, "é"], "c": null}'
 * pyJsonDumps("é😀", { mode: "ascii" });            // '"\\u00e9\\ud83d\\ude00"'
 * ```
 * @throws {TypeError} for a circular structure (or nesting too deep to walk).
 */
export function pyJsonDumps(value: unknown, options: PyJsonOptions = {}): string {
  const ascii = options.mode === "ascii";
  const encoder = options.sortKeys
    ? (ascii ? ENCODERS.asciiSorted : ENCODERS.outputSorted)
    : (ascii ? ENCODERS.ascii : ENCODERS.output);
  try {
    return encoder(value, true) ?? "null";
  } catch (error) {
    if (error instanceof RangeError) {
      throw new TypeError(
        "Cannot serialise value to JSON: circular structure or nesting too deep",
        { cause: error },
      );
    }
    throw error;
  }
}
