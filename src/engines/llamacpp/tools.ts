/**
 * Tool calling on llama.cpp (issue 6 item 3) through node-llama-cpp's function calling: the
 * contract's OpenAI-form tool definitions become `ChatModelFunctions` (the model's chat wrapper
 * documents them and a grammar constrains each call's parameters), and the calls the model makes
 * become OpenAI-shaped `tool_calls` (§10.8).
 *
 * @module
 */
import type { ChatModelFunctions, GbnfJsonSchema } from "node-llama-cpp";
import type { ChatMessage, JsonSchema, ToolCall, ToolDefinition } from "../contract.ts";

const SCALARS = ["string", "number", "integer", "boolean", "null"] as const;
type Scalar = (typeof SCALARS)[number];

/**
 * Converts tool definitions to node-llama-cpp functions keyed by tool id. Parameter schemas
 * are reduced to the JSON-Schema subset llama.cpp grammars support (types, properties,
 * required, items, enum, const, oneOf/anyOf, string length and date formats, descriptions);
 * other keywords (defaults, patterns, numeric bounds) are dropped, which only loosens the
 * constraint — arguments are validated against the full schema by the tool router (§11.5).
 */
export function toFunctions(tools: readonly ToolDefinition[]): ChatModelFunctions {
  const functions: Record<string, { description?: string; params?: GbnfJsonSchema }> = {};
  for (const tool of tools) {
    const fn = tool.function;
    functions[fn.name] = {
      ...(fn.description ? { description: fn.description } : {}),
      params: toGbnfSchema(fn.parameters ?? { type: "object" }),
    };
  }
  return functions;
}

/** Reduces `schema` to node-llama-cpp's {@link GbnfJsonSchema} subset (see {@link toFunctions}). */
export function toGbnfSchema(schema: unknown): GbnfJsonSchema {
  if (schema === null || typeof schema !== "object" || Array.isArray(schema)) {
    return { type: [...SCALARS] };
  }
  const s = schema as JsonSchema;
  const description = typeof s.description === "string" ? { description: s.description } : {};
  if ("const" in s && isScalarValue(s.const)) return { const: s.const, ...description };
  if (Array.isArray(s.enum) && s.enum.length > 0 && s.enum.every(isScalarValue)) {
    return { enum: s.enum, ...description } as GbnfJsonSchema;
  }
  const alternatives = Array.isArray(s.oneOf) ? s.oneOf : Array.isArray(s.anyOf) ? s.anyOf : null;
  if (alternatives && alternatives.length > 0) {
    return { oneOf: alternatives.map(toGbnfSchema), ...description };
  }
  const type = Array.isArray(s.type) ? s.type : s.type ?? (s.properties ? "object" : undefined);
  if (type === "object") {
    const properties: Record<string, GbnfJsonSchema> = {};
    const props = s.properties && typeof s.properties === "object" ? s.properties : {};
    for (const [name, sub] of Object.entries(props as Record<string, unknown>)) {
      properties[name] = toGbnfSchema(sub);
    }
    const required = Array.isArray(s.required)
      ? (s.required as unknown[]).filter((k): k is string =>
        typeof k === "string" && k in properties
      )
      : [];
    return { type: "object", properties, required, ...description };
  }
  if (type === "array") {
    return {
      type: "array",
      ...(s.items && typeof s.items === "object" && !Array.isArray(s.items)
        ? { items: toGbnfSchema(s.items) }
        : {}),
      ...(typeof s.minItems === "number" ? { minItems: s.minItems } : {}),
      ...(typeof s.maxItems === "number" ? { maxItems: s.maxItems } : {}),
      ...description,
    };
  }
  if (type === "string") {
    const format = s.format === "date-time" || s.format === "time" || s.format === "date"
      ? s.format
      : undefined;
    if (format) return { type: "string", format, ...description };
    return {
      type: "string",
      ...(typeof s.minLength === "number" ? { minLength: s.minLength } : {}),
      ...(typeof s.maxLength === "number" ? { maxLength: s.maxLength } : {}),
      ...description,
    };
  }
  if (typeof type === "string" && (SCALARS as readonly string[]).includes(type)) {
    return { type: type as Scalar, ...description };
  }
  if (Array.isArray(type)) {
    const scalars = type.filter((t): t is Scalar => (SCALARS as readonly unknown[]).includes(t));
    if (scalars.length > 0) return { type: scalars, ...description };
  }
  return { type: [...SCALARS], ...description };
}

function isScalarValue(value: unknown): value is string | number | boolean | null {
  return value === null || ["string", "number", "boolean"].includes(typeof value);
}

/**
 * Turns the model's function calls into contract tool calls. Ids are `call_<n>` numbered after
 * the tool calls already in `history`, so they are unique within a conversation and the same for
 * the same conversation.
 */
export function toToolCalls(
  calls: readonly { functionName: string; params: unknown }[],
  history: readonly ChatMessage[],
): ToolCall[] {
  let n = 0;
  for (const message of history) n += message.tool_calls?.length ?? 0;
  return calls.map((call, i) => ({
    id: `call_${n + i + 1}`,
    type: "function",
    function: { name: call.functionName, arguments: JSON.stringify(call.params ?? {}) },
  }));
}
