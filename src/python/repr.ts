/**
 * Python `str()`, `repr()`, `ascii()` and type names of JSON-ish values (§8.3, §23), as oumi's
 * templates, messages and errors print them. The one home of these semantics: config, template,
 * synth and environments import them from here.
 *
 * JavaScript has one number type, so an integral number renders as a Python int (`1`, not
 * `1.0`) unless it is wrapped in {@link PyFloat}. Non-integral numbers, `NaN` and infinities
 * render as Python floats (`0.1`, `1e-05`, `nan`, `inf`).
 *
 * @module
 */
import { pyFloatRepr } from "./float.ts";

/** Method key an object implements to choose its own Python `str()` (e.g. sampled attributes). */
export const PY_STR: unique symbol = Symbol.for("synth.pyStr");
/** Method key an object implements to choose its own Python `repr()`. */
export const PY_REPR: unique symbol = Symbol.for("synth.pyRepr");

/** An object that renders itself like a Python object (see {@link PY_STR}). */
export interface PyObjectLike {
  /** Python class name used in error messages, e.g. `_AttributeInfo`. */
  readonly pyTypeName: string;
  [PY_STR](): string;
  [PY_REPR](): string;
}

/**
 * A number Python holds as a float even when it is integral: `new PyFloat(1)` renders `1.0`,
 * `new PyFloat(1e16)` renders `1e+16`.
 */
export class PyFloat {
  constructor(readonly value: number) {}
}

/** Whether `value` implements {@link PY_STR}. */
export function isPyObjectLike(value: unknown): value is PyObjectLike {
  return typeof value === "object" && value !== null && PY_STR in value;
}

/** Whether `value` is a plain map (an object literal or a JSON object), i.e. a Python dict. */
export function isPlainMap(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Python class name of a value: `str`, `int`, `float`, `bool`, `NoneType`, `list`, `dict`,
 * or the {@link PyObjectLike} name.
 */
export function pyTypeName(value: unknown): string {
  switch (typeof value) {
    case "string":
      return "str";
    case "number":
      return Number.isInteger(value) ? "int" : "float";
    case "bigint":
      return "int";
    case "boolean":
      return "bool";
    case "undefined":
      return "NoneType";
  }
  if (value === null) return "NoneType";
  if (value instanceof PyFloat) return "float";
  if (Array.isArray(value)) return "list";
  if (isPyObjectLike(value)) return value.pyTypeName;
  if (isPlainMap(value)) return "dict";
  return "object";
}

/**
 * Python `str(value)`: strings as-is, ints in decimal, floats in shortest repr, `True`/`False`,
 * `None` for null/undefined, lists and maps as Python reprs (`['a', 1, None]`, `{'k': 'v'}`).
 */
export function pyStr(value: unknown): string {
  switch (typeof value) {
    case "string":
      return value;
    case "number":
      return pyNumber(value);
    case "boolean":
      return value ? "True" : "False";
    case "bigint":
      return value.toString();
    case "undefined":
      return "None";
  }
  if (value === null) return "None";
  if (isPyObjectLike(value)) return value[PY_STR]();
  if (value instanceof PyFloat) return pyFloatRepr(value.value);
  return pyRepr(value);
}

/**
 * Python `repr(value)`: strings quoted with Python's rules (single quotes unless the string
 * holds a `'` and no `"`; backslash escapes), containers recursively (`[...]`/`{...}` on a
 * cycle), everything else as {@link pyStr}.
 */
export function pyRepr(value: unknown): string {
  return reprInner(value, new Set());
}

/** Python list repr of strings, as oumi's messages print id lists: `['a', 'b']`. */
export function pyList(items: readonly string[]): string {
  return pyRepr(items);
}

/** Python `ascii(value)`: {@link pyRepr} with every non-ASCII character escaped. */
export function pyAscii(value: unknown): string {
  return pyRepr(value).replace(/\P{ASCII}/gu, (ch) => escapeCodePoint(ch.codePointAt(0)!));
}

function reprInner(value: unknown, seen: Set<object>): string {
  if (typeof value === "string") return pyQuote(value);
  if (typeof value !== "object" || value === null) return pyStr(value);
  if (isPyObjectLike(value)) return value[PY_REPR]();
  if (value instanceof PyFloat) return pyFloatRepr(value.value);
  if (Array.isArray(value)) {
    if (seen.has(value)) return "[...]";
    seen.add(value);
    const parts = value.map((item) => reprInner(item, seen));
    seen.delete(value);
    return `[${parts.join(", ")}]`;
  }
  if (isPlainMap(value)) {
    if (seen.has(value)) return "{...}";
    seen.add(value);
    const parts: string[] = [];
    for (const key of Object.keys(value)) {
      parts.push(`${pyQuote(key)}: ${reprInner(value[key], seen)}`);
    }
    seen.delete(value);
    return `{${parts.join(", ")}}`;
  }
  return pyQuote(String(value));
}

/** Python int or float rendering of a JS number (integral -> int, see module docs). */
export function pyNumber(x: number): string {
  if (Number.isInteger(x)) {
    return Math.abs(x) < 1e21 ? String(x) : BigInt(x).toString();
  }
  return pyFloatRepr(x);
}

const NEEDS_ESCAPE =
  /[\\\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]/u;
const NON_PRINTABLE = /^[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]$/u;

/**
 * Python string literal for `s` (what `repr(str)` prints): `'it'`, `"it's"`, `'say "hi"'`,
 * `'\\n'`, non-printable characters as `\xhh`/`\uhhhh`/`\Uhhhhhhhh`.
 */
export function pyQuote(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  if (!NEEDS_ESCAPE.test(s) && !s.includes(quote)) return quote + s + quote;
  let out = quote;
  for (const ch of s) {
    if (ch === "\\") out += "\\\\";
    else if (ch === quote) out += "\\" + quote;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch !== " " && NON_PRINTABLE.test(ch)) out += escapeCodePoint(ch.codePointAt(0)!);
    else out += ch;
  }
  return out + quote;
}

function escapeCodePoint(cp: number): string {
  const hex = cp.toString(16);
  if (cp < 0x100) return "\\x" + hex.padStart(2, "0");
  if (cp < 0x10000) return "\\u" + hex.padStart(4, "0");
  return "\\U" + hex.padStart(8, "0");
}
