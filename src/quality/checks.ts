/**
 * Per-record checks, the rules of oumi's `analyze` that apply to one record, run on the record
 * as it would be written:
 *
 * - `non_empty`: no empty value (`""` or whitespace, `null`, `[]`, `{}`) among the record's
 *   keys, and no conversation message with empty content (an assistant message that only calls
 *   tools may have none).
 * - `alternating_roles`: in every conversation (a list of `{role, content}` messages, also
 *   inside a CHAT transform's `{messages}`), system messages only at the start, then user and
 *   assistant messages alternating; tool messages only after an assistant tool call (they
 *   continue that assistant turn).
 * - `no_placeholder_values`: no value, at any depth, that is literally `NaN`, `nan`, `null`,
 *   `None` or `undefined` (a string, trimmed) or a NaN number — what a missing value turns into
 *   when a template or a serialiser stringifies it.
 *
 * @module
 */
import type { CheckName } from "../config/schema/quality.ts";

/** A failed check: which one and why (with the attribute). */
export interface CheckFailure {
  check: CheckName;
  message: string;
}

type Message = { role?: unknown; content?: unknown; tool_calls?: unknown };

const PLACEHOLDERS = new Set(["NaN", "nan", "null", "None", "undefined"]);

/** The conversations in `value`: a message list itself, or `{messages: [...]}`. */
function conversationOf(value: unknown): Message[] | undefined {
  const list = Array.isArray(value) ? value : value && typeof value === "object" &&
      Array.isArray((value as { messages?: unknown }).messages)
    ? (value as { messages: unknown[] }).messages
    : undefined;
  if (!list || list.length === 0) return undefined;
  const isMessage = (m: unknown) =>
    !!m && typeof m === "object" && typeof (m as Message).role === "string";
  return list.every(isMessage) ? list as Message[] : undefined;
}

function isEmpty(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value === "string") return value.trim() === "";
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === "object") return Object.keys(value).length === 0;
  return false;
}

function nonEmpty(record: Readonly<Record<string, unknown>>): string | undefined {
  const keys = Object.keys(record);
  if (keys.length === 0) return "the record has no values";
  for (const key of keys) {
    const value = record[key];
    if (isEmpty(value)) return `'${key}' is empty`;
    const messages = conversationOf(value);
    if (!messages) continue;
    for (let m = 0; m < messages.length; m++) {
      const message = messages[m];
      const toolCall = message.role === "assistant" && Array.isArray(message.tool_calls) &&
        message.tool_calls.length > 0;
      if (!toolCall && isEmpty(message.content)) {
        return `message ${m + 1} (${message.role}) of '${key}' is empty`;
      }
    }
  }
  return undefined;
}

function alternatingRoles(record: Readonly<Record<string, unknown>>): string | undefined {
  for (const key of Object.keys(record)) {
    const messages = conversationOf(record[key]);
    if (!messages) continue;
    let previous: string | undefined; // last user/assistant role
    let started = false;
    let afterToolCall = false;
    for (let m = 0; m < messages.length; m++) {
      const role = String(messages[m].role).toLowerCase();
      const where = `message ${m + 1} (${role}) of '${key}'`;
      if (role === "system") {
        if (started) return `${where}: a system message after the conversation started`;
        continue;
      }
      started = true;
      if (role === "tool") {
        if (!afterToolCall) return `${where}: a tool message without an assistant tool call`;
        continue;
      }
      if (role !== "user" && role !== "assistant") return `${where}: unknown role`;
      const continuesToolTurn = role === "assistant" && afterToolCall &&
        String(messages[m - 1].role).toLowerCase() === "tool";
      if (previous === role && !continuesToolTurn) {
        return `${where} follows another ${role} message`;
      }
      previous = role;
      const calls = messages[m].tool_calls;
      afterToolCall = role === "assistant" ? Array.isArray(calls) && calls.length > 0 : false;
    }
  }
  return undefined;
}

function placeholderIn(value: unknown, path: string, depth: number): string | undefined {
  if (typeof value === "string") {
    return PLACEHOLDERS.has(value.trim()) ? `${path} is the literal "${value.trim()}"` : undefined;
  }
  if (typeof value === "number") return Number.isNaN(value) ? `${path} is NaN` : undefined;
  if (depth > 32 || value === null || typeof value !== "object") return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = placeholderIn(value[i], `${path}[${i}]`, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  for (const [key, item] of Object.entries(value)) {
    const found = placeholderIn(item, `${path}.${key}`, depth + 1);
    if (found) return found;
  }
  return undefined;
}

function noPlaceholderValues(record: Readonly<Record<string, unknown>>): string | undefined {
  for (const key of Object.keys(record)) {
    const found = placeholderIn(record[key], `'${key}'`, 0);
    if (found) return found;
  }
  return undefined;
}

const RULES: Record<CheckName, (record: Readonly<Record<string, unknown>>) => string | undefined> =
  {
    non_empty: nonEmpty,
    alternating_roles: alternatingRoles,
    no_placeholder_values: noPlaceholderValues,
  };

/** The first check of `checks` that `record` fails, in the order given, or undefined. */
export function runChecks(
  record: Readonly<Record<string, unknown>>,
  checks: readonly CheckName[],
): CheckFailure | undefined {
  for (const check of checks) {
    const message = RULES[check](record);
    if (message !== undefined) return { check, message };
  }
  return undefined;
}
