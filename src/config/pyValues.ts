/**
 * Raw YAML values as Python sees them (spec §2.1, §23): a marker for YAML floats whose value is
 * integral (so `1.0` stays distinguishable from `1` until validation), and `str()`, `repr()` and
 * type names of raw values through the one implementation in `python/repr.ts`.
 *
 * @module
 */
import * as python from "../python/repr.ts";
import { PyFloat } from "../python/repr.ts";

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

/** True for a mapping (an object that is not an array or null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * A raw YAML value as Python sees it: a deep copy with every {@link IntegralFloat} replaced by a
 * {@link PyFloat}, so the functions of `python/repr.ts` print it as a float (`1.0`, type `float`).
 */
function asPython(value: unknown): unknown {
  return mapIntegralFloats(value, (x) => new PyFloat(Number(x)));
}

/** Python's type name of a raw YAML value (`float` for an {@link IntegralFloat}), for messages. */
export function pyTypeName(value: unknown): string {
  return python.pyTypeName(asPython(value));
}

/** Python's `str()` of a raw YAML value (`str(1.0)` is `"1.0"`; strings unchanged). */
export function pyStr(value: unknown): string {
  return python.pyStr(asPython(value));
}

/** Python's `repr()` of a raw YAML value (strings quoted, integral floats as `1.0`). */
export function pyRepr(value: unknown): string {
  return python.pyRepr(asPython(value));
}

/**
 * Deep copy of a value with every {@link IntegralFloat} replaced by its number, so validated
 * configs (free-form maps included: JSON schemas, `env_kwargs`, example rows) are plain
 * JSON-like data.
 */
export function unwrapIntegralFloats<T>(value: T): T {
  return mapIntegralFloats(value, Number) as T;
}

/** Deep copy of `value` with `replace(x)` for every {@link IntegralFloat} `x`. */
function mapIntegralFloats(value: unknown, replace: (x: IntegralFloat) => unknown): unknown {
  if (typeof value === "bigint") return replace(value);
  if (Array.isArray(value)) return value.map((item) => mapIntegralFloats(item, replace));
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      // defineProperty, so a "__proto__" key stays a plain key
      Object.defineProperty(out, k, {
        value: mapIntegralFloats(v, replace),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return value;
}
