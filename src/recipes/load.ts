/**
 * Reading a synthesis recipe (recipes.md §1): strict JSON (no comments, no trailing commas, no
 * duplicate keys) parsed with positions (jsonc-parser), then validated by `schema.ts`. Every
 * problem is reported at once, each with its JSON pointer (`/inferenceConfig/inferenceSeed`)
 * and line:column; syntax errors carry line:column too.
 *
 * @module
 */
import {
  findNodeAtLocation,
  type Node,
  type ParseError,
  parseTree,
  printParseErrorCode,
} from "jsonc-parser";
import type { z } from "zod";
import { ConfigError, type ConfigIssue } from "../errors.ts";
import { type Recipe, RecipeSchema } from "./schema.ts";

/** Converts a character offset in `text` to a 1-based line and column. */
function lineColumnAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: offset - start + 1 };
}

/** RFC 6901 JSON pointer of a path (`["a", 0, "b/c"]` → `/a/0/b~1c`). */
function jsonPointer(path: readonly (string | number)[]): string {
  return path.map((p) => "/" + String(p).replaceAll("~", "~0").replaceAll("/", "~1")).join("");
}

const SYNTAX_WORDS: Record<string, string> = {
  InvalidSymbol: "invalid symbol",
  InvalidNumberFormat: "invalid number",
  PropertyNameExpected: "a property name in double quotes is expected",
  ValueExpected: "a value is expected",
  ColonExpected: "':' is expected",
  CommaExpected: "',' is expected",
  CloseBraceExpected: "'}' is expected",
  CloseBracketExpected: "']' is expected",
  EndOfFileExpected: "nothing may follow the top-level value",
  InvalidCommentToken: "comments are not allowed in JSON",
  UnexpectedEndOfComment: "comments are not allowed in JSON",
  UnexpectedEndOfString: "unterminated string",
  UnexpectedEndOfNumber: "unterminated number",
  InvalidUnicode: "invalid unicode escape",
  InvalidEscapeCharacter: "invalid escape character",
  InvalidCharacter: "invalid character in a string",
};

/** The deepest existing node on `path` (a missing key points at the object that lacks it). */
function nodeFor(root: Node, path: readonly (string | number)[], atKey: boolean): Node {
  for (let n = path.length; n >= 0; n--) {
    const node = findNodeAtLocation(root, path.slice(0, n) as (string | number)[]);
    if (!node) continue;
    if (atKey && n === path.length && node.parent?.type === "property") {
      return node.parent.children?.[0] ?? node;
    }
    return node;
  }
  return root;
}

function duplicateKeys(
  node: Node,
  path: (string | number)[],
  out: [Node, (string | number)[]][],
): void {
  if (node.type === "object") {
    const seen = new Set<string>();
    for (const prop of node.children ?? []) {
      const [key, value] = prop.children ?? [];
      if (!key) continue;
      const name = String(key.value);
      if (seen.has(name)) out.push([key, [...path, name]]);
      seen.add(name);
      if (value) duplicateKeys(value, [...path, name], out);
    }
  } else if (node.type === "array") {
    (node.children ?? []).forEach((child, i) => duplicateKeys(child, [...path, i], out));
  }
}

/**
 * Parses and validates recipe text.
 *
 * @param text The file's text.
 * @param file The path shown in messages.
 * @throws {ConfigError} with one issue per problem: `path` is the JSON pointer (`""` for the
 *   whole file), `line`/`column` 1-based. Syntax errors: "Cannot parse recipe …: invalid JSON".
 */
export function parseRecipe(text: string, file: string): Recipe {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false });
  if (errors.length > 0 || !root) {
    const issues: ConfigIssue[] = errors.map((e) => ({
      path: "",
      message: `invalid JSON: ${SYNTAX_WORDS[printParseErrorCode(e.error)] ?? "syntax error"}`,
      file,
      ...lineColumnAt(text, e.offset),
    }));
    if (issues.length === 0) {
      issues.push({
        path: "",
        message: "invalid JSON: the file is empty",
        file,
        line: 1,
        column: 1,
      });
    }
    throw new ConfigError(`Cannot parse recipe "${file}": invalid JSON`, issues.slice(0, 1));
  }
  const issues: ConfigIssue[] = [];
  const at = (path: readonly (string | number)[], atKey: boolean) =>
    lineColumnAt(text, nodeFor(root, path, atKey).offset);
  const dups: [Node, (string | number)[]][] = [];
  duplicateKeys(root, [], dups);
  for (const [key, path] of dups) {
    issues.push({
      path: jsonPointer(path),
      message: `duplicate key "${path.at(-1)}"`,
      file,
      ...lineColumnAt(text, key.offset),
    });
  }
  const data = JSON.parse(text);
  const result = RecipeSchema.safeParse(data);
  if (!result.success) issues.push(...zodIssues(result.error.issues, file, at));
  if (issues.length > 0) {
    issues.sort((a, b) => (a.line! - b.line!) || (a.column! - b.column!));
    const count = issues.length === 1 ? "1 problem" : `${issues.length} problems`;
    throw new ConfigError(`Invalid recipe "${file}": ${count}`, issues);
  }
  return result.data!;
}

function zodIssues(
  issues: readonly z.core.$ZodIssue[],
  file: string,
  at: (path: readonly (string | number)[], atKey: boolean) => { line: number; column: number },
): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((p) => typeof p !== "symbol") as (string | number)[];
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        out.push({
          path: jsonPointer([...path, key]),
          message: `unknown key "${key}"${knownKeysHint(path)}`,
          file,
          ...at([...path, key], true),
        });
      }
      continue;
    }
    out.push({ path: jsonPointer(path), message: issue.message, file, ...at(path, false) });
  }
  return out;
}

const KNOWN: Record<string, string[]> = {
  "": ["modelIdentifier", "inferenceConfig", "synthesisConfig"],
  "/modelIdentifier": ["modelType", "modelName", "modelId", "modelVersionId"],
  "/inferenceConfig": [
    "inferenceTemperature",
    "inferenceMaxNewTokens",
    "inferenceSeed",
    "requestsPerMinute",
  ],
  "/synthesisConfig": ["synthesisType", "synthesisConfig"],
  "/synthesisConfig/synthesisConfig": ["datasetId", "datasetDistribution"],
  "/synthesisConfig/synthesisConfig/datasetDistribution": ["train", "validation", "test"],
};

function knownKeysHint(path: readonly (string | number)[]): string {
  const known = KNOWN[jsonPointer(path)];
  return known ? ` (known keys: ${known.join(", ")})` : "";
}
