/**
 * The output conversation of a multi-turn attribute (spec §10.8, key order §14.2) and the
 * empty-message filter.
 *
 * @module
 */
import type { ChatMessage, JsonSchema, ToolDefinition } from "../../engines/contract.ts";

/**
 * Serialises one message with oumi's key order `content, role, tool_calls, tool_call_id`;
 * a tool-call-only assistant message (content `null`) gets `content: null` last.
 */
export function outputMessage(message: ChatMessage): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (message.content !== null) out.content = message.content;
  out.role = message.role;
  if (message.tool_calls && message.tool_calls.length > 0) out.tool_calls = message.tool_calls;
  if (message.tool_call_id !== undefined) out.tool_call_id = message.tool_call_id;
  if (message.content === null) out.content = null;
  return out;
}

const SCHEMA_KEY_ORDER = [
  "type",
  "description",
  "title",
  "properties",
  "required",
  "items",
  "enum",
  "default",
  "format",
];

/**
 * Re-orders a JSON-Schema object as oumi's schema model dumps it (§14.2): `type, description,
 * title, properties, required, items, enum, default, format`, then the other keys as written;
 * nested `properties` values and `items` are re-ordered too.
 */
export function orderSchema(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  const keys = [
    ...SCHEMA_KEY_ORDER.filter((k) => k in schema),
    ...Object.keys(schema).filter((k) => !SCHEMA_KEY_ORDER.includes(k)),
  ];
  for (const key of keys) {
    const value = schema[key];
    if (key === "properties" && isObject(value)) {
      out[key] = Object.fromEntries(
        Object.entries(value).map(([name, sub]) => [name, isObject(sub) ? orderSchema(sub) : sub]),
      );
    } else if (key === "items" && isObject(value)) out[key] = orderSchema(value);
    else out[key] = value;
  }
  return out;
}

function isObject(value: unknown): value is JsonSchema {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** A tool as written under `tools` (§10.8): `{function: {name, description, parameters}}`. */
export function outputTool(tool: ToolDefinition): Record<string, unknown> {
  const fn: Record<string, unknown> = { name: tool.function.name };
  if (tool.function.description !== undefined) fn.description = tool.function.description;
  if (tool.function.parameters !== undefined) fn.parameters = orderSchema(tool.function.parameters);
  return { function: fn };
}

/**
 * The conversation object of one record (§10.8): `{messages, tools}` where messages are the
 * optional SYSTEM message (`systemPrompt`, already rendered and trimmed) then `history`;
 * `tools` only when tools were offered.
 */
export function outputConversation(
  systemPrompt: string | undefined,
  history: readonly ChatMessage[],
  tools: readonly ToolDefinition[],
): Record<string, unknown> {
  const messages = systemPrompt !== undefined
    ? [{ role: "system", content: systemPrompt } as ChatMessage, ...history]
    : history;
  const out: Record<string, unknown> = { messages: messages.map(outputMessage) };
  if (tools.length > 0) out.tools = tools.map(outputTool);
  return out;
}

/**
 * The 1-based position of the first message that makes the conversation filtered (§10.8):
 * a non-system message whose content is not a non-blank string, except assistant messages
 * carrying tool calls (TOOL messages with empty output count). `undefined` when none.
 */
export function firstEmptyMessage(history: readonly ChatMessage[]): number | undefined {
  for (let i = 0; i < history.length; i++) {
    const m = history[i];
    if (m.role === "system") continue;
    if (m.role === "assistant" && m.tool_calls && m.tool_calls.length > 0) continue;
    if (typeof m.content !== "string" || m.content.trim() === "") return i + 1;
  }
  return undefined;
}
