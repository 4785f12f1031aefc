/**
 * Parser for Python `str.format` strings (§8.1), following CPython's `MarkupIterator`,
 * `parse_field` and `FieldNameIterator` so that the same strings are accepted and rejected
 * with the same messages. CPython reports some of these errors only when the field is
 * reached while rendering; here every syntax error is reported when the template is parsed.
 *
 * @module
 */

import { TemplateError } from "../errors.ts";

/** `.name` or `[key]` after a field name; an all-digit `[key]` is an integer index. */
export type Accessor =
  | { kind: "attr"; name: string }
  | { kind: "item"; key: string | number };

/** One `{...}` replacement field. */
export interface FieldNode {
  /** The field as written between the braces, for messages, e.g. `x[0].f!r:>5`. */
  source: string;
  /** The top-level name (`x` in `{x[0].f}`); may contain spaces and `-`. */
  name: string;
  accessors: Accessor[];
  /** `r`, `s` or `a` from `!r`/`!s`/`!a`; `""` when absent. */
  conversion: string;
  /** The format spec after `:`; `""` when absent. Holds nested fields when `specParts` is set. */
  spec: string;
  /** The parsed spec when it contains nested `{fields}` (rendered before formatting). */
  specParts?: Segment[];
}

/** A literal run of text or a replacement field. */
export type Segment = string | FieldNode;

/**
 * Parses a format string into literal text (with `{{`/`}}` unescaped) and fields.
 *
 * @throws {TemplateError} "Single '}' encountered in format string",
 *   "Single '{' encountered in format string", "expected '}' before end of string",
 *   "Format string contains positional fields", "unexpected '{' in field name",
 *   "unmatched '{' in format spec", "Empty attribute in format string",
 *   "Missing ']' in format string", "Unknown conversion specifier X", ...
 */
export function parseFormatString(text: string, depth = 2): Segment[] {
  if (depth <= 0) throw new TemplateError("Max string recursion exceeded");
  const out: Segment[] = [];
  let literal = "";
  let pos = 0;
  const end = text.length;
  while (pos < end) {
    const start = pos;
    let brace = "";
    while (pos < end) {
      const c = text[pos++];
      if (c === "{" || c === "}") {
        brace = c;
        break;
      }
    }
    const atEnd = pos >= end;
    let litEnd = pos;
    if (brace === "}" && (atEnd || text[pos] !== "}")) {
      throw new TemplateError("Single '}' encountered in format string");
    }
    if (brace === "{" && atEnd) throw new TemplateError("Single '{' encountered in format string");
    let markup = brace !== "";
    if (markup) {
      if (text[pos] === brace) {
        pos++; // escaped brace: keep one, skip the other
        markup = false;
      } else litEnd--;
    }
    literal += text.slice(start, litEnd);
    if (!markup) continue;
    const [field, next] = parseField(text, pos, depth);
    pos = next;
    if (literal) out.push(literal);
    literal = "";
    out.push(field);
  }
  if (literal) out.push(literal);
  return out;
}

function parseField(text: string, pos: number, depth: number): [FieldNode, number] {
  const end = text.length;
  const fieldStart = pos;
  let c = "";
  let stopped = false;
  while (pos < end) {
    c = text[pos++];
    if (c === "{") throw new TemplateError("unexpected '{' in field name");
    if (c === "[") {
      while (pos < end && text[pos] !== "]") pos++;
      continue;
    }
    if (c === "}" || c === ":" || c === "!") {
      stopped = true;
      break;
    }
  }
  const nameText = text.slice(fieldStart, pos - 1);
  if (!stopped || (c !== "!" && c !== ":" && c !== "}")) {
    throw new TemplateError("expected '}' before end of string");
  }
  let conversion = "";
  let spec = "";
  let hasNested = false;
  if (c === "!" || c === ":") {
    let parseSpec = true;
    if (c === "!") {
      if (pos >= end) {
        throw new TemplateError("end of string while looking for conversion specifier");
      }
      conversion = text[pos++];
      if (pos < end) {
        const after = text[pos++];
        if (after === "}") parseSpec = false;
        else if (after !== ":") throw new TemplateError("expected ':' after conversion specifier");
      }
    }
    if (parseSpec) {
      const specStart = pos;
      let count = 1;
      let closed = false;
      while (pos < end) {
        const ch = text[pos++];
        if (ch === "{") {
          hasNested = true;
          count++;
        } else if (ch === "}" && --count === 0) {
          closed = true;
          break;
        }
      }
      if (!closed) throw new TemplateError("unmatched '{' in format spec");
      spec = text.slice(specStart, pos - 1);
    }
  }
  if (conversion && conversion !== "r" && conversion !== "s" && conversion !== "a") {
    throw new TemplateError(`Unknown conversion specifier ${conversion}`);
  }
  const [name, accessors] = splitFieldName(nameText);
  const field: FieldNode = {
    source: text.slice(fieldStart, pos - 1),
    name,
    accessors,
    conversion,
    spec,
  };
  if (hasNested) field.specParts = parseFormatString(spec, depth - 1);
  return [field, pos];
}

const DIGITS = /^[0-9]+$/;

function splitFieldName(text: string): [string, Accessor[]] {
  let i = 0;
  while (i < text.length && text[i] !== "." && text[i] !== "[") i++;
  const name = text.slice(0, i);
  if (name === "" || DIGITS.test(name)) {
    throw new TemplateError("Format string contains positional fields");
  }
  const accessors: Accessor[] = [];
  while (i < text.length) {
    const c = text[i++];
    let part: string;
    if (c === ".") {
      const start = i;
      while (i < text.length && text[i] !== "." && text[i] !== "[") i++;
      part = text.slice(start, i);
      if (part === "") throw new TemplateError("Empty attribute in format string");
      accessors.push({ kind: "attr", name: part });
    } else if (c === "[") {
      const start = i;
      while (i < text.length && text[i] !== "]") i++;
      if (i >= text.length) throw new TemplateError("Missing ']' in format string");
      part = text.slice(start, i++);
      if (part === "") throw new TemplateError("Empty attribute in format string");
      accessors.push({ kind: "item", key: DIGITS.test(part) ? Number(part) : part });
    } else {
      throw new TemplateError("Only '.' or '[' may follow ']' in format field specifier");
    }
  }
  return [name, accessors];
}
