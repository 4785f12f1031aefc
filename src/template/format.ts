/**
 * Templates: a faithful mini-implementation of Python `str.format_map` over a record, with
 * oumi's lookup rules (§8). Compile once, render many times:
 *
 * ```ts
 * const formatter = createFormatter(config.strategy_params.sampled_attributes);
 * const t = formatter.compile("Write a {tone} {topic.parent}: {examples[0].q!r:>20}");
 * t.placeholders; // ["tone", "topic", "examples"]
 * t.render({ tone: "formal", topic: "py", examples: [{ q: "Why?" }] });
 * ```
 *
 * @module
 */

import { TemplateError } from "../errors.ts";
import type { SampledAttributeSpec } from "../plan/sampling.ts";
import { setKey } from "../plan/setKey.ts";
import { pyFormat } from "../python/formatSpec.ts";
import { pyAscii, pyRepr, pyStr } from "../python/repr.ts";
import { type FieldNode, parseFormatString, type Segment } from "./parse.ts";
import { checkSourceFields, type SourceShape } from "./sourceFields.ts";
import { type TextHashPart, textHashPart, TextHashState } from "./textHash.ts";
import {
  access,
  DictItem,
  IndexableList,
  isListOfMaps,
  SampledParent,
  SampledValue,
} from "./values.ts";

/** Round-robin source ids used as `{id.field}` -> the source's columns. */
type Aliases = ReadonlyMap<string, readonly string[]>;

export type { SampledAttributeSpec, SourceShape };

/** Options for {@link Template.render}. */
export interface RenderOptions {
  /**
   * Keep `{name}` literally when `name` is not in the record (oumi's "allow missing" mode).
   * @default false
   */
  allowMissing?: boolean;
  /**
   * Make only scalar record fields visible (strings, numbers, booleans), as transforms do
   * (§12; oumi shows strings only, the guide's numeric dataset columns need numbers too: they
   * render as Python's `str.format` renders an int, float or bool). Lists, maps, conversations
   * and nulls stay invisible; sampled attributes (stored as value-id strings) render as names.
   * @default false
   */
  scalarFieldsOnly?: boolean;
  /**
   * Skip the check that every sampled attribute in the record holds a known value id. Only for
   * records made by the planner (`plan/planner.ts`), whose sampled values are valid by
   * construction and whose ids no other attribute may reuse (§4.1): the check then costs time
   * on every render and can never fail.
   * @default false
   */
  trustSampled?: boolean;
}

/** A parsed template. */
export interface Template {
  /** The template text as written. */
  readonly source: string;
  /** Top-level names referenced, in first-use order, without duplicates. */
  readonly placeholders: readonly string[];
  /**
   * Renders the template over `record` (attribute id -> value); an `undefined` value counts as
   * missing.
   *
   * @throws {TemplateError} "Missing value for placeholder: <name>",
   *   "Attribute value <v> not found for attribute <a>" (for any sampled attribute in the
   *   record, used or not), or a lookup / format-spec error.
   */
  render(record: Readonly<Record<string, unknown>>, options?: RenderOptions): string;
  /**
   * {@link Template.render}, also setting `into.hash` to `textHash` (`textHash.ts`) of the
   * result, composed from precomputed hashes of the template's constant pieces and sampled
   * values (the assembled text is not read again).
   *
   * @throws as {@link Template.render}.
   */
  renderHashed(
    record: Readonly<Record<string, unknown>>,
    options: RenderOptions | undefined,
    into: { hash: number },
  ): string;
}

/** Compiles and renders templates with a fixed set of sampled attributes. */
export interface Formatter {
  /** Parses `text` (cached per text). @throws {TemplateError} on a syntax error (§8.1). */
  compile(text: string): Template;
  /** `compile(text).render(record, options)`. */
  format(text: string, record: Readonly<Record<string, unknown>>, options?: RenderOptions): string;
}

type ValueTable = ReadonlyMap<string, ReadonlyMap<string, SampledValue>>;

/** Options of {@link createFormatter}. */
export interface FormatterOptions {
  /**
   * Input sources with an `id` (few-shot rules, see `sourceFields.ts`): placeholders naming them
   * are checked when a template is compiled, and `{id.field}` of a round-robin source renders
   * the record's `field`.
   */
  sources?: readonly SourceShape[];
}

/**
 * Creates a formatter that knows the sampled attributes (absent or empty: none), so that
 * `{a}` renders the value name and `{a.parent.description}` etc. work (§8.2).
 */
export function createFormatter(
  sampledAttributes?: readonly SampledAttributeSpec[] | null,
  options: FormatterOptions = {},
): Formatter {
  const sources = new Map((options.sources ?? []).map((s) => [s.id, s]));
  const table = new Map<string, Map<string, SampledValue>>();
  for (const attr of sampledAttributes ?? []) {
    const parent = new SampledParent(attr.name, attr.description);
    const values = new Map<string, SampledValue>();
    for (const v of attr.possible_values) {
      values.set(v.id, new SampledValue(attr.id, v.name, v.description, parent));
    }
    table.set(attr.id, values);
  }
  const cache = new Map<string, Template>();
  const compile = (text: string): Template => {
    let t = cache.get(text);
    if (!t) {
      t = buildTemplate(text, table, sources);
      cache.set(text, t);
    }
    return t;
  };
  return { compile, format: (text, record, options) => compile(text).render(record, options) };
}

const NO_SAMPLED: ValueTable = new Map();
const NO_SOURCES: ReadonlyMap<string, SourceShape> = new Map();
const DEFAULTS: RenderOptions = {};

/**
 * Parses `text` into a {@link Template} that renders record values as they are (no sampled
 * attributes). Use {@link createFormatter} when the config has sampled attributes.
 *
 * @throws {TemplateError} on a syntax error (§8.1), e.g. "Single '}' encountered in format string".
 */
export function compileTemplate(text: string): Template {
  return buildTemplate(text, NO_SAMPLED);
}

function buildTemplate(
  text: string,
  sampled: ValueTable,
  sources: ReadonlyMap<string, SourceShape> = NO_SOURCES,
): Template {
  const segments = parseFormatString(text);
  const aliasIds = sources.size > 0 ? checkSourceFields(segments, sources) : undefined;
  const aliases = aliasIds && aliasIds.size > 0
    ? new Map([...aliasIds].map((id) => [id, sources.get(id)!.columns]))
    : undefined;
  const placeholders: string[] = [];
  collectNames(segments, placeholders);
  const checks = [...sampled].map(([id, values]) => ({ id, values }));
  const fast = precomputeSampled(segments, sampled);

  let hashing: Hashing | undefined;
  const renderHashed = (
    record: Readonly<Record<string, unknown>>,
    options: RenderOptions | undefined,
    into: { hash: number },
  ): string => {
    hashing ??= hashingOf(segments, fast);
    const state = new TextHashState();
    const text = renderChecked(record, options ?? DEFAULTS, hashing, state);
    into.hash = state.digest();
    return text;
  };
  const render = (record: Readonly<Record<string, unknown>>, options = DEFAULTS): string =>
    renderChecked(record, options);
  const renderChecked = (
    record: Readonly<Record<string, unknown>>,
    options: RenderOptions,
    hashing?: Hashing,
    state?: TextHashState,
  ): string => {
    const scalarsOnly = options.scalarFieldsOnly === true;
    const count = options.trustSampled === true ? 0 : checks.length;
    for (let c = 0; c < count; c++) {
      const { id, values } = checks[c];
      if (!Object.hasOwn(record, id)) continue;
      const v = record[id];
      if (scalarsOnly && typeof v !== "string") continue;
      if (typeof v !== "string" || !values.has(v)) {
        throw new TemplateError(`Attribute value ${pyStr(v)} not found for attribute ${id}`);
      }
    }
    return renderSegments(
      segments,
      record,
      options,
      scalarsOnly,
      sampled,
      fast,
      aliases,
      hashing,
      state,
    );
  };
  return { source: text, placeholders, render, renderHashed };
}

/** Precomputed hash states of a template's constant pieces and fast sampled texts. */
interface Hashing {
  constants: (TextHashPart | undefined)[];
  fast: (ReadonlyMap<string, TextHashPart> | undefined)[];
}

function hashingOf(
  segments: Segment[],
  fast: readonly (ReadonlyMap<string, string> | undefined)[],
): Hashing {
  return {
    constants: segments.map((seg) => (typeof seg === "string" ? textHashPart(seg) : undefined)),
    fast: fast.map((texts) =>
      texts && new Map([...texts].map(([id, text]) => [id, textHashPart(text)]))
    ),
  };
}

/**
 * For top-level fields on a sampled attribute with only attribute accessors and no conversion or
 * spec (`{tone}`, `{tone.description}`, `{tone.parent.name}`), the rendered text of every value
 * id, computed once: rendering is then one map lookup. Fields whose rendering fails for some
 * value (e.g. `{tone.id}`) are left to the general path, which reports the error.
 */
function precomputeSampled(
  segments: Segment[],
  sampled: ValueTable,
): (ReadonlyMap<string, string> | undefined)[] {
  return segments.map((seg) => {
    if (typeof seg === "string" || seg.conversion !== "" || seg.spec !== "") return undefined;
    const values = sampled.get(seg.name);
    if (!values || seg.accessors.some((acc) => acc.kind !== "attr")) return undefined;
    const texts = new Map<string, string>();
    for (const [id, start] of values) {
      let value: unknown = start;
      try {
        for (const acc of seg.accessors) value = access(value, acc, seg.source);
      } catch {
        return undefined;
      }
      texts.set(id, typeof value === "string" ? value : pyStr(value));
    }
    return texts;
  });
}

function collectNames(segments: Segment[], into: string[]): void {
  for (const seg of segments) {
    if (typeof seg === "string") continue;
    if (!into.includes(seg.name)) into.push(seg.name);
    if (seg.specParts) collectNames(seg.specParts, into);
  }
}

function renderSegments(
  segments: Segment[],
  record: Readonly<Record<string, unknown>>,
  options: RenderOptions,
  scalarsOnly: boolean,
  sampled: ValueTable,
  fast?: readonly (ReadonlyMap<string, string> | undefined)[],
  aliases?: Aliases,
  hashing?: Hashing,
  state?: TextHashState,
): string {
  let out = "";
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i];
    if (typeof seg === "string") {
      out += seg;
      if (state) state.addPart(hashing!.constants[i]!);
      continue;
    }
    const texts = fast?.[i];
    if (texts !== undefined && Object.hasOwn(record, seg.name)) {
      const id = record[seg.name] as string;
      const text = texts.get(id);
      if (text !== undefined) {
        out += text;
        if (state) state.addPart(hashing!.fast[i]!.get(id)!);
        continue;
      }
    }
    const piece = renderField(seg, record, options, scalarsOnly, sampled, aliases);
    out += piece;
    if (state) state.addText(piece);
  }
  return out;
}

/** The text of one placeholder (not a precomputed sampled text). */
function renderField(
  seg: FieldNode,
  record: Readonly<Record<string, unknown>>,
  options: RenderOptions,
  scalarsOnly: boolean,
  sampled: ValueTable,
  aliases?: Aliases,
): string {
  let value = lookup(seg, record, options, scalarsOnly, sampled, aliases);
  if (seg.accessors.length === 0 && seg.conversion === "" && seg.spec === "") {
    return typeof value === "string" ? value : pyStr(value);
  }
  for (const acc of seg.accessors) value = access(value, acc, seg.source);
  if (seg.conversion === "r") value = pyRepr(value);
  else if (seg.conversion === "s") value = pyStr(value);
  else if (seg.conversion === "a") value = pyAscii(value);
  const spec = seg.specParts
    ? renderSegments(seg.specParts, record, options, scalarsOnly, sampled, undefined, aliases)
    : seg.spec;
  try {
    return pyFormat(value, spec);
  } catch (e) {
    if (!(e instanceof TemplateError)) throw e;
    throw new TemplateError(`Cannot render placeholder {${seg.source}}: ${e.message}`);
  }
}

function lookup(
  field: FieldNode,
  record: Readonly<Record<string, unknown>>,
  options: RenderOptions,
  scalarsOnly: boolean,
  sampled: ValueTable,
  aliases?: Aliases,
): unknown {
  const name = field.name;
  const value = Object.hasOwn(record, name) ? record[name] : undefined;
  const columns = value === undefined ? aliases?.get(name) : undefined;
  if (columns) {
    // `{id.field}` of a round-robin source: the row's fields are in the record (§5.4).
    const row: Record<string, unknown> = {};
    for (const c of columns) if (Object.hasOwn(record, c)) setKey(row, c, record[c]);
    return new DictItem(row);
  }
  if (value === undefined || (scalarsOnly && !isScalar(value))) {
    if (options.allowMissing) return `{${name}}`;
    throw new TemplateError(`Missing value for placeholder: ${name}`);
  }
  const values = sampled.get(name);
  if (values) return values.get(value as string);
  if (isListOfMaps(value)) return new IndexableList(value);
  return value;
}

/** A string, number, bigint or boolean: what transforms see (see `scalarFieldsOnly`). */
function isScalar(value: unknown): boolean {
  const type = typeof value;
  return type === "string" || type === "number" || type === "bigint" || type === "boolean";
}
