/**
 * YAML reading with the meanings oumi's loader gives (spec §2.1): PyYAML SafeLoader scalars
 * (YAML 1.1: `yes`/`no`/`on`/`off` booleans, `010` octal, `1:30` sexagesimal, `-.5` a string),
 * OmegaConf's extra floats (`1e3`), no timestamps (dates stay strings), duplicate keys are
 * errors, `${...}` is plain text. Keeps the `Document` and a `LineCounter` so a key path maps
 * back to line:column ({@link positionOf}).
 *
 * @module
 */
import {
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  type ScalarTag,
  type Tags,
} from "yaml";
import type { IntegralFloat } from "./pyValues.ts";

/** Expanded aliases allowed per document (a guard against "billion laughs" alias bombs). */
export const MAX_ALIAS_COUNT = 1000;

const NULL_TAG: ScalarTag = {
  tag: "tag:yaml.org,2002:null",
  default: true,
  identify: (v) => v === null,
  test: /^(?:~|null|Null|NULL)?$/,
  resolve: () => null,
};

const TRUE_TAG: ScalarTag = {
  tag: "tag:yaml.org,2002:bool",
  default: true,
  identify: (v) => v === true,
  test: /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/,
  resolve: () => true,
};

const FALSE_TAG: ScalarTag = {
  tag: "tag:yaml.org,2002:bool",
  default: true,
  identify: (v) => v === false,
  test: /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/,
  resolve: () => false,
};

/** PyYAML's int patterns: binary, octal (leading 0), decimal, hex, sexagesimal. */
const INT_RE =
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;

/** PyYAML's float patterns plus OmegaConf's additions (exponent without dot or sign). */
const FLOAT_RE = new RegExp(
  "^(?:" + [
    "[-+]?(?:[0-9][0-9_]*)\\.[0-9_]*(?:[eE][-+]?[0-9]+)?",
    "[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)",
    "\\.[0-9_]+(?:[eE][-+][0-9]+)?",
    "[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\\.[0-9_]*",
    "[-+]?\\.(?:inf|Inf|INF)",
    "\\.(?:nan|NaN|NAN)",
  ].join("|") + ")$",
);

function splitSign(text: string): [number, string] {
  const clean = text.replace(/_/g, "");
  if (clean.startsWith("-")) return [-1, clean.slice(1)];
  if (clean.startsWith("+")) return [1, clean.slice(1)];
  return [1, clean];
}

function sexagesimal(body: string): number {
  return body.split(":").reduce((acc, part) => acc * 60 + Number(part), 0);
}

/** PyYAML's `construct_yaml_int`. */
function resolveInt(text: string): number {
  const [sign, body] = splitSign(text);
  if (body === "0") return 0;
  if (body.startsWith("0b")) return sign * parseInt(body.slice(2) || "0", 2);
  if (body.startsWith("0x")) return sign * parseInt(body.slice(2) || "0", 16);
  if (body.startsWith("0")) return sign * parseInt(body, 8);
  if (body.includes(":")) return sign * sexagesimal(body);
  return sign * parseInt(body, 10);
}

/** PyYAML's `construct_yaml_float`; whole-number results become an {@link IntegralFloat}. */
function resolveFloat(text: string): number | IntegralFloat {
  const [sign, raw] = splitSign(text);
  const body = raw.toLowerCase();
  let value: number;
  if (body === ".inf") value = sign * Infinity;
  else if (body === ".nan") value = NaN;
  else if (body.includes(":")) value = sign * sexagesimal(body);
  else value = sign * Number(body.endsWith(".") ? body + "0" : body);
  return Number.isInteger(value) ? BigInt(value) : value;
}

const INT_TAG: ScalarTag = {
  tag: "tag:yaml.org,2002:int",
  default: true,
  identify: (v) => typeof v === "number" && Number.isInteger(v),
  test: INT_RE,
  resolve: resolveInt,
};

const FLOAT_TAG: ScalarTag = {
  tag: "tag:yaml.org,2002:float",
  default: true,
  identify: (v) => typeof v === "number" || typeof v === "bigint",
  test: FLOAT_RE,
  resolve: (text) => resolveFloat(text) as unknown as number,
};

const REPLACED = new Set([
  "tag:yaml.org,2002:null",
  "tag:yaml.org,2002:bool",
  "tag:yaml.org,2002:int",
  "tag:yaml.org,2002:float",
  "tag:yaml.org,2002:timestamp",
]);

/** The yaml-1.1 tag set with PyYAML/OmegaConf scalar resolution and no timestamps. */
function pyYamlTags(defaults: Tags): Tags {
  const kept = defaults.filter((t) => typeof t !== "object" || !REPLACED.has(t.tag));
  return [...kept, NULL_TAG, TRUE_TAG, FALSE_TAG, INT_TAG, FLOAT_TAG];
}

/** One YAML syntax problem, 1-based position. */
export interface YamlProblem {
  message: string;
  line: number;
  column: number;
}

/** A parsed YAML source: its data, the document (for positions) and any problems. */
export interface YamlSource {
  /** Display name of the source (a file path, or e.g. `"--num_samples"` for an override value). */
  file: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
  /** The value; `undefined` when the text is empty or has errors. Whole-number floats are `bigint`s (see {@link IntegralFloat}). */
  data: unknown;
  /** Syntax errors (duplicate keys, bad indentation, alias overflow, ...); empty when valid. */
  errors: YamlProblem[];
  /** Non-fatal parser warnings (e.g. unknown directives). */
  warnings: YamlProblem[];
  /** The YAML text (for positions inside a value, see {@link positionOf}'s `find`). */
  text?: string;
}

/**
 * Parses YAML text with oumi's dialect (§2.1). Never throws for bad YAML: problems are
 * returned in `errors` with 1-based line:column.
 *
 * @example parseYaml("a: yes\nb: 2024-01-01\n", "x.yaml").data // { a: true, b: "2024-01-01" }
 */
export function parseYaml(text: string, file: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    version: "1.1",
    customTags: pyYamlTags,
    uniqueKeys: true,
    lineCounter,
    prettyErrors: false,
    keepSourceTokens: false,
  });
  const toProblem = (e: { message: string; pos: [number, number]; code?: string }) => {
    const { line, col } = lineCounter.linePos(e.pos[0]);
    let message = e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
    if (e.code === "DUPLICATE_KEY") {
      const rest = text.slice(e.pos[0]);
      const key = /^("(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[^:\n]*?)\s*:/.exec(rest)?.[1] ??
        rest.split("\n")[0];
      message = `found duplicate key ${key}`;
    }
    return { message, line, column: col };
  };
  const errors = doc.errors.map(toProblem);
  const warnings = doc.warnings.map(toProblem);
  let data: unknown;
  if (errors.length === 0) {
    try {
      data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
      if (isCyclic(data)) {
        errors.push({ message: "Recursive aliases are not supported", line: 1, column: 1 });
        data = undefined;
      }
    } catch (error) {
      errors.push({ message: (error as Error).message, line: 1, column: 1 });
    }
  }
  return { file, doc, lineCounter, data, errors, warnings, text };
}

/** True when a value refers to itself (a recursive alias such as `a: &a [*a]`). */
function isCyclic(value: unknown, ancestors = new Set<unknown>()): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (ancestors.has(value)) return true;
  ancestors.add(value);
  const children = Array.isArray(value) ? value : Object.values(value);
  const cyclic = children.some((child) => isCyclic(child, ancestors));
  ancestors.delete(value);
  return cyclic;
}

/** A key path into a YAML value: strings for mapping keys, numbers for list indices. */
export type KeyPath = readonly (string | number)[];

/** Where a key path points in a {@link YamlSource}; `exact` is false when only an ancestor was found. */
export interface Position {
  line: number;
  column: number;
  exact: boolean;
}

function findPair(map: unknown, key: string, doc: Document.Parsed, depth = 0): unknown {
  if (!isMap(map) || depth > 10) return undefined;
  let merged: unknown;
  for (const pair of map.items) {
    if (!isPair(pair)) continue;
    const k = isScalar(pair.key) ? pair.key.value : pair.key;
    if ((k === "<<" || typeof k === "symbol") && pair.value) {
      const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
      for (const src of sources) {
        const target = isAlias(src) ? src.resolve(doc) : src;
        merged ??= findPair(target, key, doc, depth + 1);
      }
      continue;
    }
    if (k !== null && k !== undefined && String(k) === key) return pair;
  }
  return merged;
}

/**
 * Line and column (1-based) of the node at `path` in `source`. With `atKey`, a path ending in
 * a mapping key points at the key itself rather than its value (for "unknown key" errors).
 * When the path does not exist (a missing key), the nearest existing ancestor is returned
 * with `exact: false`; `undefined` only when the document is empty. With `find`, the position
 * of that text inside the value's source (a `{placeholder}` in a template), when it is there.
 */
export function positionOf(
  source: YamlSource,
  path: KeyPath,
  options: { atKey?: boolean; find?: string } = {},
): Position | undefined {
  const { doc, lineCounter } = source;
  let node: unknown = doc.contents;
  let best: unknown = node;
  let exact = true;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    if (isAlias(node)) node = node.resolve(doc);
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = findPair(node, String(seg), doc);
      if (!isPair(pair)) {
        exact = false;
        break;
      }
      if (last && (options.atKey || pair.value === null || pair.value === undefined)) {
        best = pair.key;
        node = undefined;
        break;
      }
      node = pair.value;
    } else if (isSeq(node) && /^\d+$/.test(String(seg))) {
      node = node.items[Number(seg)];
      if (node === undefined) {
        exact = false;
        break;
      }
    } else {
      exact = false;
      break;
    }
    best = node;
  }
  const range = (best as Node | undefined)?.range;
  if (!range) return undefined;
  if (options.find && exact && source.text !== undefined) {
    const at = source.text.indexOf(options.find, range[0]);
    if (at >= 0 && at < range[1]) {
      const { line, col } = lineCounter.linePos(at);
      return { line, column: col, exact };
    }
  }
  const { line, col } = lineCounter.linePos(range[0]);
  return { line, column: col, exact };
}
