/**
 * Building blocks of the config schema: typed leaves that convert YAML values the way oumi's
 * OmegaConf typed nodes do (spec §2.1), strict objects that name their oumi class in
 * "unknown key" errors, lists and free-form maps with readable type errors.
 *
 * Conversions (OmegaConf node semantics):
 * - `str`: numbers and bools become their Python `str()` (`true` -> `"True"`, `1.0` -> `"1.0"`);
 *   lists and maps are errors.
 * - `int`: ints, and strings Python's `int()` accepts (`"10"`, `" 1_000 "`); floats (even `1.0`)
 *   and bools are errors.
 * - `float`: ints, floats, and strings Python's `float()` accepts (`"1e3"`, `"inf"`); bools are errors.
 * - `bool`: bools, ints (non-zero is true), strings `yes/y/on/true/no/n/off/false` (any case) or
 *   integer strings; floats are errors.
 * - enums: member NAME (optionally `ClassName.NAME`), plus lower-case spellings where allowed
 *   (DECISIONS compat promise 2).
 *
 * A missing required value is reported as `Missing mandatory value`, a `null` given to a
 * non-optional field as `Non optional field cannot be assigned None` (OmegaConf's wording).
 *
 * @module
 */
import { nearestName } from "../nearest.ts";
import { z } from "zod";
import { isIntegralFloat, pyRepr, pyStr, pyTypeName } from "../pyValues.ts";

/** OmegaConf's message for an omitted required field. */
export const MISSING = "Missing mandatory value";
/** OmegaConf's message for `null` in a non-optional field. */
export const NOT_OPTIONAL = "Non optional field cannot be assigned None";

type Converted<T> = { value: T } | { error: string };

/** A leaf schema: accepts any raw YAML value and converts it with `convert`. */
function leaf<T>(json: Record<string, unknown>, convert: (v: unknown) => Converted<T>) {
  return z.any().transform((v, ctx): T => {
    const fail = (message: string) => {
      ctx.addIssue({ code: "custom", message, input: v });
      return z.NEVER;
    };
    if (v === undefined) return fail(MISSING);
    if (v === null) return fail(NOT_OPTIONAL);
    const result = convert(v);
    return "error" in result ? fail(result.error) : result.value;
  }).meta(json);
}

const shown = (v: unknown) => (typeof v === "string" ? v : pyRepr(v));

/** A Python `str` field. */
export function str() {
  return leaf<string>({ type: "string" }, (v) => {
    if (typeof v === "string") return { value: v };
    if (typeof v === "object") {
      return { error: `Cannot convert '${pyTypeName(v)}' to string: '${pyRepr(v)}'` };
    }
    return { value: pyStr(v) };
  });
}

const PY_INT_RE = /^[+-]?\d(?:_?\d)*$/;
const PY_FLOAT_RE =
  /^[+-]?(?:(?:\d(?:_?\d)*)(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?$/;
const PY_FLOAT_WORD_RE = /^([+-]?)(inf|infinity|nan)$/i;

/** Python's `int(s)` for a string, or undefined when Python would raise. */
export function pyParseInt(text: string): number | undefined {
  const s = text.trim();
  return PY_INT_RE.test(s) ? Number(s.replace(/_/g, "")) : undefined;
}

/** Python's `float(s)` for a string, or undefined when Python would raise. */
export function pyParseFloat(text: string): number | undefined {
  const s = text.trim();
  if (PY_FLOAT_RE.test(s)) return Number(s.replace(/_/g, ""));
  const word = PY_FLOAT_WORD_RE.exec(s);
  if (!word) return undefined;
  if (word[2].toLowerCase() === "nan") return NaN;
  return word[1] === "-" ? -Infinity : Infinity;
}

/** A Python `int` field. */
export function int() {
  return leaf<number>({ type: "integer" }, (v) => {
    if (typeof v === "number" && Number.isInteger(v)) return { value: v };
    if (typeof v === "string") {
      const n = pyParseInt(v);
      if (n !== undefined) return { value: n };
    }
    return {
      error: `Value '${shown(v)}' of type '${pyTypeName(v)}' could not be converted to Integer`,
    };
  });
}

/** A Python `float` field. */
export function float() {
  return leaf<number>({ type: "number" }, (v) => {
    if (typeof v === "number") return { value: v };
    if (isIntegralFloat(v)) return { value: Number(v) };
    if (typeof v === "string") {
      const n = pyParseFloat(v);
      if (n !== undefined) return { value: n };
    }
    return {
      error: `Value '${shown(v)}' of type '${pyTypeName(v)}' could not be converted to Float`,
    };
  });
}

/** A Python `bool` field. */
export function bool() {
  return leaf<boolean>({ type: "boolean" }, (v) => {
    if (typeof v === "boolean") return { value: v };
    if (typeof v === "number" && Number.isInteger(v)) return { value: v !== 0 };
    if (typeof v === "string") {
      const n = pyParseInt(v);
      if (n !== undefined) return { value: n !== 0 };
      const lower = v.toLowerCase();
      if (["yes", "y", "on", "true"].includes(lower)) return { value: true };
      if (["no", "n", "off", "false"].includes(lower)) return { value: false };
    }
    return { error: `Value '${shown(v)}' is not a valid bool (type ${pyTypeName(v)})` };
  });
}

/** Options of {@link pyEnum}. */
export interface EnumOptions<T extends string> {
  /** Also accept each name in lower case (DECISIONS compat promise 2). Default true. */
  lowerCase?: boolean;
  /** Extra accepted spellings mapped to a member name, e.g. `{ NATIVE_TEXT: "NATIVE" }`. */
  aliases?: Record<string, string>;
  /** Converts the matched member name to the parsed value. Default: the name itself. */
  output?: (name: string) => T;
  /**
   * Message for an unknown value; default OmegaConf's `Invalid value 'X', expected one of [..]`
   * listing the names and the aliases, plus the nearest spelling when one is close.
   */
  message?: (value: string) => string;
}

/**
 * An oumi enum field matched by member NAME (spec §2.1), optionally prefixed with
 * `<className>.` (e.g. `Role.USER`).
 */
export function pyEnum<T extends string = string>(
  className: string,
  names: readonly string[],
  options: EnumOptions<T> = {},
) {
  const lowerCase = options.lowerCase ?? true;
  const aliases = options.aliases ?? {};
  const output = options.output ?? ((name: string) => name as T);
  const spellings = [...names, ...Object.keys(aliases)];
  const accepted = lowerCase ? [...spellings, ...spellings.map((n) => n.toLowerCase())] : spellings;
  const lookup = new Map<string, string>();
  for (const name of names) {
    lookup.set(name, name);
    if (lowerCase) lookup.set(name.toLowerCase(), name);
  }
  for (const [alias, name] of Object.entries(aliases)) {
    lookup.set(alias, name);
    if (lowerCase) lookup.set(alias.toLowerCase(), name);
  }
  const message = options.message ??
    ((v: string) => {
      const near = nearestName(v.toUpperCase(), spellings);
      return `Invalid value '${v}', expected one of [${spellings.join(", ")}]${
        near ? `; did you mean ${near}?` : ""
      }`;
    });
  return leaf<T>({ type: "string", enum: [...new Set(accepted)] }, (v) => {
    if (typeof v !== "string") {
      return {
        error: `Value ${shown(v)} (${pyTypeName(v)}) is not a valid input for ${className}`,
      };
    }
    const bare = v.startsWith(className + ".") ? v.slice(className.length + 1) : v;
    const name = lookup.get(bare);
    return name === undefined ? { error: message(v) } : { value: output(name) };
  });
}

/** Adds a check to a schema; the message is oumi's wording for the rule. */
export function rule<S extends z.ZodType>(
  schema: S,
  ok: (value: z.output<S>) => boolean,
  message: string | ((value: z.output<S>) => string),
): S {
  return schema.superRefine((value, ctx) => {
    if (!ok(value as z.output<S>)) {
      const text = typeof message === "string" ? message : message(value as z.output<S>);
      ctx.addIssue({ code: "custom", message: text, input: value });
    }
  }) as S;
}

/** A string that must not be `""` (oumi's `if not value: raise`). */
export function nonEmptyStr(message: string) {
  return rule(str(), (s) => s.length > 0, message);
}

/** A nullable field defaulting to `null`. */
export function opt<S extends z.ZodType>(schema: S) {
  return schema.nullable().default(null);
}

function containerError(kind: string) {
  return (iss: { code?: string; input?: unknown }) => {
    if (iss.code !== "invalid_type") return undefined;
    if (iss.input === undefined) return MISSING;
    if (iss.input === null) return NOT_OPTIONAL;
    return `Expected ${kind}, got ${pyTypeName(iss.input)}`;
  };
}

/**
 * A strict object named after its oumi class: unknown keys are errors whose message reads
 * `Key 'x' not in '<className>'` (the loader prefixes the key; see `issues.ts`).
 */
export function obj<S extends z.core.$ZodLooseShape>(className: string, shape: S) {
  const keys = KNOWN_KEYS.get(className) ?? [];
  for (const key of Object.keys(shape)) if (!keys.includes(key)) keys.push(key);
  KNOWN_KEYS.set(className, keys);
  const mapping = containerError(`a mapping for ${className}`);
  return z.strictObject(shape, {
    error: (iss) => iss.code === "unrecognized_keys" ? `not in '${className}'` : mapping(iss),
  }).meta({ title: className });
}

/**
 * The keys each config class accepts (`obj` registers them), by class name, so an unknown key
 * can be answered with the nearest valid one ("did you mean sampled_attributes?").
 */
export const KNOWN_KEYS = new Map<string, string[]>();

/** A list of `item`. */
export function list<S extends z.ZodType>(item: S) {
  return z.array(item, { error: containerError("a list") });
}

/** A free-form mapping with string keys (JSON schemas, `env_kwargs`, example rows, ...). */
export function map<S extends z.ZodType = z.ZodUnknown>(value?: S) {
  return z.record(z.string(), (value ?? z.unknown()) as S, {
    error: containerError("a mapping"),
  });
}

/**
 * Options for object-level refinements that must run even when some fields are invalid, so
 * one load reports every problem (zod skips refinements after failed fields by default).
 * Refinements using it must treat their input as unvalidated data.
 */
export const EVEN_IF_INVALID = {
  when: (payload: { value: unknown }) =>
    typeof payload.value === "object" && payload.value !== null && !Array.isArray(payload.value),
};

/** The refinement context zod passes to `superRefine`. */
export type RefineCtx = z.core.$RefinementCtx<unknown>;

/** Reports one problem at `path` (relative to the refined object) from a refinement. */
export function report(ctx: RefineCtx, path: readonly (string | number)[], message: string): void {
  ctx.addIssue({ code: "custom", path: [...path], message });
}

/** The value as a string, or undefined (for refinements over unvalidated data). */
export function asStr(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** The value as a finite-or-not number, or undefined (for refinements over unvalidated data). */
export function asNum(value: unknown): number | undefined {
  return typeof value === "number" ? value : undefined;
}

/** The value as an array, or `[]` (for refinements over unvalidated data). */
export function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
