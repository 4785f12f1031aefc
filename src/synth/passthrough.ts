/**
 * Passthrough projection (spec §13, §20.4; DECISIONS difference 10): when
 * `passthrough_attributes` is set, each record is replaced by the listed keys, in the order the
 * config lists them. An entry holding both `[` and `]` is a path (`examples[0].field`), read
 * through lists and maps and stored under the literal path string; any other entry is a plain key
 * (a dotted plain key such as `conv.messages` is looked up literally).
 *
 * @module
 */
import { setKey } from "../plan/setKey.ts";
import { isPassthroughPath, type PathToken, tokenizePath } from "../config/passthroughNames.ts";
import { pyTypeName } from "../python/repr.ts";

/** Why {@link evaluatePath} failed: Python's `KeyError`, `IndexError` or `ValueError`. */
export class PassthroughPathError extends Error {
  override name = "PassthroughPathError";
  constructor(readonly kind: "key" | "index" | "type", message: string) {
    super(message);
  }
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function walk(record: Record<string, unknown>, path: string, tokens: PathToken[]): unknown {
  let current: unknown = record;
  for (const token of tokens) {
    if ("index" in token) {
      if (!Array.isArray(current)) {
        throw new PassthroughPathError(
          "type",
          `Cannot index into non-list type ${pyTypeName(current)}`,
        );
      }
      if (token.index >= current.length) {
        throw new PassthroughPathError(
          "index",
          `Cannot read passthrough path "${path}": index ${token.index} is out of range for a list of ${current.length}`,
        );
      }
      current = current[token.index];
    } else {
      if (!isMap(current)) {
        throw new PassthroughPathError(
          "type",
          `Cannot access key '${token.key}' on non-dict type ${pyTypeName(current)}`,
        );
      }
      if (!Object.hasOwn(current, token.key)) {
        throw new PassthroughPathError(
          "key",
          `Cannot read passthrough path "${path}": key '${token.key}' is missing`,
        );
      }
      current = current[token.key];
    }
  }
  return current;
}

/**
 * Reads `path` (e.g. `examples[0].field`) from `record` strictly, as oumi's
 * `_extract_nested_value` does (§20.4). Returns sub-objects and lists as they are (not copied).
 *
 * @throws {PassthroughPathError} `kind: "key"` for a missing key, `"index"` for an out-of-range
 *   index, `"type"` for indexing a non-list (`Cannot index into non-list type str`) or reading a
 *   key of a non-map (`Cannot access key 'x' on non-dict type list`).
 */
export function evaluatePath(record: Record<string, unknown>, path: string): unknown {
  return walk(record, path, tokenizePath(path));
}

/**
 * Compiles the projection for a `passthrough_attributes` list (paths tokenised once). The
 * returned function builds a new record with the listed entries in config order: plain keys
 * copied when present, paths stored under the literal path string when they resolve; entries
 * that do not resolve are skipped silently (§13). Values are shared, not copied. A repeated
 * name keeps its first position.
 *
 * @example
 * ```ts
 * const project = compilePassthrough(["answer", "examples[0].q"]);
 * project({ q: "x", answer: "y", examples: [{ q: "z" }] }); // { answer: "y", "examples[0].q": "z" }
 * ```
 */
export function compilePassthrough(
  names: readonly string[],
): (record: Record<string, unknown>) => Record<string, unknown> {
  const entries = names.map((name) => ({
    name,
    tokens: isPassthroughPath(name) ? tokenizePath(name) : null,
  }));
  return (record) => {
    const out: Record<string, unknown> = {};
    for (const { name, tokens } of entries) {
      if (tokens === null) {
        if (Object.hasOwn(record, name)) setKey(out, name, record[name]);
        continue;
      }
      try {
        setKey(out, name, walk(record, name, tokens));
      } catch (error) {
        if (!(error instanceof PassthroughPathError)) throw error;
      }
    }
    return out;
  };
}

/** One-shot form of {@link compilePassthrough}. */
export function projectPassthrough(
  record: Record<string, unknown>,
  names: readonly string[],
): Record<string, unknown> {
  return compilePassthrough(names)(record);
}
