/**
 * Canonical JSON of tool arguments (spec §11.7-§11.8): keys sorted recursively, Python
 * `json.dumps` formatting with its default ASCII escaping, so equal argument maps give equal
 * text whatever order the model wrote the keys in. Used as the lookup key of deterministic
 * tables and the cache key of stateless synthetic tools.
 *
 * Difference from Python: JavaScript cannot tell `1.0` from `1`, so both are `1` (Python keeps
 * them apart); `"1"` and `1` still differ.
 *
 * @module
 */
import { pyJsonDumps } from "../python/json.ts";

/**
 * `json.dumps(value, sort_keys=True)`.
 *
 * @example
 * ```ts
 * canonicalJson({ b: 1, a: [true, null] }); // '{"a": [true, null], "b": 1}'
 * ```
 */
export function canonicalJson(value: unknown): string {
  return pyJsonDumps(value, { mode: "ascii", sortKeys: true });
}

/** Python `json.dumps(value)` (insertion order, ASCII escaping): tool message contents (§11.5). */
export function toolJson(value: unknown): string {
  return pyJsonDumps(value, { mode: "ascii" });
}
