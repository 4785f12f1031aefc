/**
 * Python value semantics the config layer needs (spec §2.1, §23): a marker for YAML floats
 * whose value is integral (so `1.0` stays distinguishable from `1` until validation),
 * Python's `str()` of scalars, and Python-style type names and list reprs for messages.
 *
 * @module
 */

/**
 * How a YAML float whose value is a whole number (`1.0`, `1e3`) is held in raw YAML data:
 * as a `bigint`. JS numbers cannot tell `1.0` from `1`, but oumi can (a float into an `int`
 * field is an error, `str(1.0)` is `"1.0"`). A bigint is never a YAML int here (ints are
 * plain numbers), zod rejects it wherever a mapping or list is expected, and validated
 * configs contain plain numbers only ({@link unwrapIntegralFloats}). `-0.0` reads as `0.0`.
 */
export type IntegralFloat = bigint;

/** True for a raw YAML float with a whole-number value (see {@link IntegralFloat}). */
export function isIntegralFloat(value: unknown): value is IntegralFloat {
  return typeof value === "bigint";
}

/**
 * Python's `repr(float)`: shortest round-trip digits, `.0` for whole numbers, exponent form
 * below 1e-4 and from 1e16 (`1e-05`, `1e+16`), `inf` / `-inf` / `nan`.
 *
 * @example pyFloatRepr(1000) === "1000.0"; pyFloatRepr(0.00001) === "1e-05"
 */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const [mantissa, expText] = x.toExponential().split("e");
  const exp = Number(expText);
  const negative = mantissa.startsWith("-");
  const digits = mantissa.replace("-", "").replace(".", "");
  const sign = negative ? "-" : "";
  if (exp < -4 || exp >= 16) {
    const frac = digits.slice(1);
    const expSign = exp < 0 ? "-" : "+";
    const expAbs = String(Math.abs(exp)).padStart(2, "0");
    return `${sign}${digits[0]}${frac ? "." + frac : ""}e${expSign}${expAbs}`;
  }
  if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
  const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
  const fracPart = digits.slice(exp + 1);
  return `${sign}${intPart}.${fracPart || "0"}`;
}

/** True for a mapping (an object that is not an array or null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Python's type name of a YAML value, for messages: `str`, `int`, `float`, `bool`, `dict`, `list`, `NoneType`. */
export function pyTypeName(value: unknown): string {
  if (value === null || value === undefined) return "NoneType";
  if (typeof value === "bigint") return "float";
  if (typeof value === "number") return Number.isInteger(value) ? "int" : "float";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "string") return "str";
  if (Array.isArray(value)) return "list";
  return "dict";
}

/**
 * Python's `str()` of a YAML value: `True`/`False`, `None`, ints as digits, floats via
 * {@link pyFloatRepr}, strings unchanged, lists and dicts in repr form (`['a', 1]`, `{'k': 'v'}`).
 */
export function pyStr(value: unknown): string {
  if (typeof value === "string") return value;
  return pyRepr(value);
}

/** Python's `repr()` of a YAML value (strings single-quoted). */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (typeof value === "bigint") return pyFloatRepr(Number(value));
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "number") {
    return Number.isInteger(value) ? String(value) : pyFloatRepr(value);
  }
  if (typeof value === "string") {
    const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
    const escaped = value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/\t/g, "\\t");
    return quote + (quote === "'" ? escaped.replace(/'/g, "\\'") : escaped) + quote;
  }
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(", ")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>);
    return `{${entries.map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`).join(", ")}}`;
  }
  return String(value);
}

/** Python list repr of strings, as oumi's messages print id lists: `['a', 'b']`. */
export function pyList(items: readonly string[]): string {
  return pyRepr([...items]);
}

/**
 * Deep copy of a value with every {@link IntegralFloat} replaced by its number, so validated
 * configs (free-form maps included: JSON schemas, `env_kwargs`, example rows) are plain
 * JSON-like data.
 */
export function unwrapIntegralFloats<T>(value: T): T {
  if (typeof value === "bigint") return Number(value) as T;
  if (Array.isArray(value)) return value.map(unwrapIntegralFloats) as T;
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      // defineProperty, so a "__proto__" key stays a plain key
      Object.defineProperty(out, k, {
        value: unwrapIntegralFloats(v),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out as T;
  }
  return value;
}
