/**
 * Postprocessing of generated attributes (spec §9.2 step 4, §9.3; DECISIONS difference 5) and
 * Python's `str.strip()` (§23).
 *
 * @module
 */
import { translatePythonRegex } from "../python/re.ts";

/**
 * `GeneratedAttributePostprocessingParams` with oumi's field names (§9.1). Optional fields take
 * oumi's defaults: `keep_original_text_attribute` and `strip_whitespace` true, the rest unset.
 * Empty strings count as unset, as in oumi.
 */
export interface PostprocessingParams {
  /** Key the processed value is stored under; differs from the attribute id. */
  id: string;
  keep_original_text_attribute?: boolean | null;
  cut_prefix?: string | null;
  cut_suffix?: string | null;
  /** A Python `re` pattern (translated by `translatePythonRegex`). */
  regex?: string | null;
  strip_whitespace?: boolean | null;
  added_prefix?: string | null;
  added_suffix?: string | null;
}

/** Code units of Python's `str.isspace()` (all in the BMP). */
const PY_WHITESPACE = new Set<number>([
  0x09,
  0x0a,
  0x0b,
  0x0c,
  0x0d,
  0x1c,
  0x1d,
  0x1e,
  0x1f,
  0x20,
  0x85,
  0xa0,
  0x1680,
  0x2000,
  0x2001,
  0x2002,
  0x2003,
  0x2004,
  0x2005,
  0x2006,
  0x2007,
  0x2008,
  0x2009,
  0x200a,
  0x2028,
  0x2029,
  0x202f,
  0x205f,
  0x3000,
]);

/**
 * Python's `str.strip()` with no argument: removes leading and trailing characters for which
 * `str.isspace()` is true. Unlike JS `trim()`, it strips U+001C-U+001F and U+0085 and keeps U+FEFF.
 *
 * @example
 * ```ts
 * pyStrip("\u001f hi\ufeff \n"); // "hi\ufeff"
 * ```
 */
export function pyStrip(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && PY_WHITESPACE.has(text.charCodeAt(start))) start++;
  while (end > start && PY_WHITESPACE.has(text.charCodeAt(end - 1))) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

/**
 * Compiles the postprocessing of §9.3 into a function (the regex is translated once). Steps, in
 * order, starting from the raw response:
 * 1. `regex`: search anywhere; on a match keep the first capture group when the pattern has one
 *    and it participated, else the whole match (DECISIONS 5); no match leaves the text unchanged;
 * 2. `cut_prefix`: drop everything up to and including its first occurrence, if found;
 * 3. `cut_suffix`: drop everything from its last occurrence on, if found;
 * 4. `strip_whitespace` (default true): {@link pyStrip};
 * 5. `added_prefix` prepended; 6. `added_suffix` appended.
 *
 * @example
 * ```ts
 * const post = compilePostprocessor({ id: "n", regex: "\\d+", added_prefix: "Number: " });
 * post("The answer is 42 and that's final."); // "Number: 42"
 * ```
 * @throws {SyntaxError} when `regex` is not a valid (or translatable) Python pattern.
 */
export function compilePostprocessor(params: PostprocessingParams): (raw: string) => string {
  const rx = params.regex ? translatePythonRegex(params.regex) : undefined;
  const firstGroup = rx && rx.groups > 0 ? rx.jsGroup[1] : undefined;
  const {
    cut_prefix: cutPrefix,
    cut_suffix: cutSuffix,
    added_prefix: addPrefix,
    added_suffix: addSuffix,
  } = params;
  const strip = params.strip_whitespace ?? true;
  return (raw: string): string => {
    let v = raw;
    if (rx) {
      const m = rx.regex.exec(v);
      if (m) v = (firstGroup !== undefined ? m[firstGroup] : undefined) ?? m[0];
    }
    if (cutPrefix) {
      const at = v.indexOf(cutPrefix);
      if (at !== -1) v = v.slice(at + cutPrefix.length);
    }
    if (cutSuffix) {
      const at = v.lastIndexOf(cutSuffix);
      if (at !== -1) v = v.slice(0, at);
    }
    if (strip) v = pyStrip(v);
    if (addPrefix) v = addPrefix + v;
    if (addSuffix) v = v + addSuffix;
    return v;
  };
}

/**
 * Compiles how one generated attribute's reply is stored in a record (§9.2 step 4): without
 * postprocessing `record[<id>] = raw`; with it and `keep_original_text_attribute` (default
 * true) also `record[<post id>] = processed`; with `keep_original_text_attribute: false` only
 * `record[<post id>] = processed`. Keys are set in that order. Writes in place (hot path).
 *
 * @throws {SyntaxError} when `params.regex` is not a valid (or translatable) Python pattern.
 */
export function compileResultWriter(
  attributeId: string,
  params?: PostprocessingParams | null,
): (record: Record<string, unknown>, raw: string) => void {
  if (!params) {
    return (record, raw) => {
      record[attributeId] = raw;
    };
  }
  const post = compilePostprocessor(params);
  const postId = params.id;
  if (params.keep_original_text_attribute ?? true) {
    return (record, raw) => {
      record[attributeId] = raw;
      record[postId] = post(raw);
    };
  }
  return (record, raw) => {
    record[postId] = post(raw);
  };
}

/**
 * The per-record result of one generated attribute as a new map (§9.2 step 4), the shape
 * {@link compileResultWriter} writes: `{<id>: raw}`, `{<id>: raw, <post id>: processed}` or
 * `{<post id>: processed}`.
 *
 * @example
 * ```ts
 * const result = compileAttributeResult("answer", { id: "clean", cut_prefix: "A: " });
 * result("A: yes "); // { answer: "A: yes ", clean: "yes" }
 * ```
 * @throws {SyntaxError} when `params.regex` is not a valid (or translatable) Python pattern.
 */
export function compileAttributeResult(
  attributeId: string,
  params?: PostprocessingParams | null,
): (raw: string) => Record<string, string> {
  const write = compileResultWriter(attributeId, params);
  return (raw) => {
    const result: Record<string, string> = {};
    write(result, raw);
    return result;
  };
}
