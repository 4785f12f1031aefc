/**
 * Transformed attributes (§12): STRING, LIST, DICT and CHAT values rendered from a record's
 * string-valued fields (numbers, lists, maps and conversations are invisible; sampled
 * attributes render as value names). Templates are parsed once, when the transform is compiled.
 *
 * @module
 */

import { ConfigError } from "../errors.ts";
import type { Formatter, Template } from "../template/format.ts";

/** A `transformed_attributes` entry as configured (oumi field names). */
export interface TransformedAttributeSpec {
  id: string;
  transformation_strategy: {
    /** `STRING`, `LIST`, `DICT` or `CHAT` (any case). */
    type: string;
    string_transform?: string | null;
    list_transform?: readonly string[] | null;
    dict_transform?: Readonly<Record<string, string>> | null;
    chat_transform?: {
      messages: readonly { role: string; content: unknown }[];
      conversation_id?: string | null;
      metadata?: Readonly<Record<string, unknown>> | null;
    } | null;
  };
}

/** The value of a CHAT transform, keys in oumi's output order. */
export interface ChatValue {
  conversation_id: string;
  messages: { content: string; role: string }[];
  metadata: Record<string, string>;
}

/** What a transform produces: a string, a list of strings, a map of strings, or a chat. */
export type TransformValue = string | string[] | Record<string, string> | ChatValue;

/** A compiled transform. */
export interface CompiledTransform {
  /** The attribute id the value is stored under. */
  readonly id: string;
  /** Top-level names its templates reference (for load-time checks). */
  readonly placeholders: readonly string[];
  /**
   * The transform's value for `record`. `trusted`: the record comes from the planner, so its
   * sampled-attribute values are valid and the per-render check is skipped (see
   * `RenderOptions.trustSampled`).
   * `index`: the record's plan index; a CHAT `conversation_id` is then derived from (seed,
   * index) (DECISIONS 15), else drawn at random.
   * @throws {TemplateError} e.g. "Missing value for placeholder: x" (also for lists, maps and nulls).
   */
  apply(
    record: Readonly<Record<string, unknown>>,
    trusted?: boolean,
    index?: number,
  ): TransformValue;
}

/** Options for {@link compileTransform}. */
export interface TransformOptions {
  /** UUIDv4 source for CHAT ids without a configured `conversation_id`. @default crypto.randomUUID */
  randomUUID?: () => string;
  /**
   * UUIDv4 of record `index` for CHAT ids without a configured `conversation_id`, used when
   * `apply` is given the index (per-record randomness, DECISIONS 15).
   */
  uuidForRecord?: (index: number) => string;
}

const VISIBLE = { scalarFieldsOnly: true } as const;
const VISIBLE_TRUSTED = { scalarFieldsOnly: true, trustSampled: true } as const;

/**
 * Compiles one transformed attribute.
 *
 * @throws {ConfigError} when the field for `type` is missing or empty ("string_transform cannot
 *   be empty when type=STRING", ...), a chat message content is not a non-empty string, a
 *   metadata value is not a string, or the type is unknown.
 * @throws {TemplateError} on template syntax errors.
 */
export function compileTransform(
  attr: TransformedAttributeSpec,
  formatter: Formatter,
  options: TransformOptions = {},
): CompiledTransform {
  const strategy = attr.transformation_strategy;
  const type = String(strategy.type).toUpperCase();
  const fail = (message: string) =>
    new ConfigError(message, [{ path: `transformed_attributes.${attr.id}`, message }]);
  const names: string[] = [];
  const compile = (text: string): Template => {
    const t = formatter.compile(text);
    for (const n of t.placeholders) if (!names.includes(n)) names.push(n);
    return t;
  };
  const render = (t: Template, record: Readonly<Record<string, unknown>>, trusted?: boolean) =>
    t.render(record, trusted ? VISIBLE_TRUSTED : VISIBLE);
  let apply: CompiledTransform["apply"];

  if (type === "STRING") {
    if (!strategy.string_transform) throw fail("string_transform cannot be empty when type=STRING");
    const t = compile(strategy.string_transform);
    apply = (record, trusted) => render(t, record, trusted);
  } else if (type === "LIST") {
    if (!strategy.list_transform?.length) {
      throw fail("list_transform cannot be empty when type=LIST");
    }
    const ts = strategy.list_transform.map(compile);
    apply = (record, trusted) => ts.map((t) => render(t, record, trusted));
  } else if (type === "DICT") {
    const dict = strategy.dict_transform;
    if (!dict || Object.keys(dict).length === 0) {
      throw fail("dict_transform cannot be empty when type=DICT");
    }
    const entries = Object.entries(dict).map(([k, text]) => [k, compile(text)] as const);
    apply = (record, trusted) => renderMap(entries, record, trusted);
  } else if (type === "CHAT") {
    const chat = strategy.chat_transform;
    if (!chat?.messages?.length) throw fail("chat_transform cannot be empty when type=CHAT");
    const messages = chat.messages.map((m) => {
      if (typeof m.content !== "string") {
        throw fail("chat_transform message content must be a string");
      }
      if (m.content === "") throw fail("chat_transform message content cannot be empty");
      return { role: String(m.role).toLowerCase(), template: compile(m.content) };
    });
    const metadata = Object.entries(chat.metadata ?? {}).map(([k, v]) => {
      if (typeof v !== "string") {
        throw fail(`chat_transform metadata value "${k}" must be a string`);
      }
      return [k, compile(v)] as const;
    });
    const newId = options.randomUUID ?? (() => crypto.randomUUID());
    const forRecord = options.uuidForRecord;
    const fixedId = chat.conversation_id || undefined;
    apply = (record, trusted, index): ChatValue => {
      const rendered: ChatValue["messages"] = new Array(messages.length);
      for (let m = 0; m < messages.length; m++) {
        rendered[m] = {
          content: render(messages[m].template, record, trusted),
          role: messages[m].role,
        };
      }
      return {
        conversation_id: fixedId ??
          `${attr.id}-${forRecord && index !== undefined ? forRecord(index) : newId()}`,
        messages: rendered,
        metadata: renderMap(metadata, record, trusted),
      };
    };
  } else {
    throw fail(`Unsupported transformation strategy: ${strategy.type}`);
  }
  return { id: attr.id, placeholders: names, apply };
}

function renderMap(
  entries: readonly (readonly [string, Template])[],
  record: Readonly<Record<string, unknown>>,
  trusted?: boolean,
): Record<string, string> {
  const options = trusted ? VISIBLE_TRUSTED : VISIBLE;
  const out: Record<string, string> = {};
  for (const [k, t] of entries) {
    if (k === "__proto__") {
      Object.defineProperty(out, k, {
        value: t.render(record, options),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else out[k] = t.render(record, options);
  }
  return out;
}

/**
 * Applies `transforms` in order to `record` (in place), so a later transform sees the string
 * values of earlier ones; returns `record`. `trusted`: the record comes from the planner (its
 * sampled values are valid by construction, see {@link CompiledTransform.apply}).
 */
export function applyTransforms(
  record: Record<string, unknown>,
  transforms: readonly CompiledTransform[],
  trusted = false,
  index?: number,
): Record<string, unknown> {
  for (const t of transforms) record[t.id] = t.apply(record, trusted, index);
  return record;
}
