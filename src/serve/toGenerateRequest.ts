/**
 * Maps a validated chat completion request ({@link ChatCompletionRequest}) to the engine
 * contract's {@link GenerateRequest}: messages (tool calls and tool results included),
 * sampling fields to oumi's generation names (§16.1), `response_format` / vLLM's
 * `guided_json` to {@link GenerateRequest.jsonSchema}, `tools` / `tool_choice` to
 * {@link GenerateRequest.tools} and `generation.tool_choice`.
 *
 * @module
 */
import type {
  ChatMessage,
  EngineCapabilities,
  GenerateRequest,
  GenerationParams,
  JsonSchema,
  ToolDefinition,
} from "../engines/contract.ts";
import type { ChatCompletionRequest } from "./chatRequest.ts";
import { badRequest } from "./httpError.ts";

type RequestMessage = ChatCompletionRequest["messages"][number];

function textOf(content: RequestMessage["content"]): string | null {
  if (content === undefined || content === null) return null;
  if (typeof content === "string") return content;
  return content.map((part) => part.text).join("\n");
}

/** One OpenAI message as a contract {@link ChatMessage} (`developer` becomes `system`). */
export function toChatMessage(message: RequestMessage): ChatMessage {
  const text = textOf(message.content);
  switch (message.role) {
    case "assistant": {
      const calls = message.tool_calls ?? [];
      if (calls.length === 0) return { role: "assistant", content: text ?? "" };
      return {
        role: "assistant",
        content: text,
        tool_calls: calls.map((c) => ({
          id: c.id,
          type: "function" as const,
          function: { name: c.function.name, arguments: c.function.arguments },
        })),
      };
    }
    case "tool":
      return { role: "tool", content: text ?? "", tool_call_id: message.tool_call_id };
    case "developer":
      return { role: "system", content: text ?? "" };
    default:
      return { role: message.role, content: text ?? "" };
  }
}

/**
 * The JSON schema the reply must follow, from `guided_json` (vLLM; an object or JSON text)
 * or `response_format` (`json_schema` -> its `schema`; `json_object` -> any object), or
 * `undefined` for free text. `guided_json` wins when both are given.
 *
 * @throws {HttpError} 400 when `guided_json` is text that is not a JSON object.
 */
export function jsonSchemaOf(request: ChatCompletionRequest): JsonSchema | undefined {
  const guided = request.guided_json;
  if (guided !== undefined && guided !== null) {
    if (typeof guided !== "string") return guided;
    let parsed: unknown;
    try {
      parsed = JSON.parse(guided);
    } catch {
      throw badRequest("Invalid request: guided_json is not valid JSON", "guided_json");
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw badRequest("Invalid request: guided_json must be a JSON schema object", "guided_json");
    }
    return parsed as JsonSchema;
  }
  const format = request.response_format;
  if (!format || format.type === "text") return undefined;
  if (format.type === "json_schema" && format.json_schema.schema) return format.json_schema.schema;
  return { type: "object" };
}

/** Sampling fields of the request under oumi's names; absent fields are left out. */
export function generationOf(request: ChatCompletionRequest): GenerationParams {
  const g: GenerationParams = {};
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  if (maxTokens != null) g.max_new_tokens = maxTokens;
  if (request.temperature != null) g.temperature = request.temperature;
  if (request.top_p != null) g.top_p = request.top_p;
  if (request.top_k != null) g.top_k = request.top_k;
  if (request.min_p != null) g.min_p = request.min_p;
  if (request.seed != null) g.seed = request.seed;
  if (request.stop != null) {
    g.stop_strings = typeof request.stop === "string" ? [request.stop] : request.stop;
  }
  if (request.frequency_penalty != null) g.frequency_penalty = request.frequency_penalty;
  if (request.presence_penalty != null) g.presence_penalty = request.presence_penalty;
  if (request.logit_bias != null) g.logit_bias = request.logit_bias;
  if (request.tool_choice != null) g.tool_choice = request.tool_choice;
  if (request.parallel_tool_calls != null) g.parallel_tool_calls = request.parallel_tool_calls;
  return g;
}

/**
 * Builds the engine request. Tools are passed unless `tool_choice` is `"none"`.
 *
 * @throws {HttpError} 400 when the request needs a capability the engine lacks (tools,
 *   JSON schema output) or names a `tool_choice` function that is not in `tools`.
 */
export function toGenerateRequest(
  request: ChatCompletionRequest,
  capabilities: EngineCapabilities,
  options: { modelName: string; signal?: AbortSignal },
): GenerateRequest {
  const out: GenerateRequest = {
    messages: request.messages.map(toChatMessage),
    generation: generationOf(request),
  };
  const jsonSchema = jsonSchemaOf(request);
  if (jsonSchema) {
    if (!capabilities.jsonSchema) {
      throw badRequest(
        `Cannot constrain the reply of model "${options.modelName}": this engine does not support JSON schema output`,
        request.guided_json != null ? "guided_json" : "response_format",
        "unsupported_parameter",
      );
    }
    out.jsonSchema = jsonSchema;
  }
  const tools: ToolDefinition[] = (request.tools ?? []).map((t) => ({
    type: "function",
    function: {
      name: t.function.name,
      ...(t.function.description !== undefined ? { description: t.function.description } : {}),
      ...(t.function.parameters !== undefined ? { parameters: t.function.parameters } : {}),
    },
  }));
  const choice = request.tool_choice;
  if (tools.length > 0 && choice !== "none") {
    if (!capabilities.tools) {
      throw badRequest(
        `Cannot call tools with model "${options.modelName}": this engine does not support tool calling`,
        "tools",
        "unsupported_parameter",
      );
    }
    if (typeof choice === "object" && choice !== null) {
      const name = choice.function.name;
      if (!tools.some((t) => t.function.name === name)) {
        throw badRequest(
          `Invalid request: tool_choice names function "${name}", which is not in tools`,
          "tool_choice",
        );
      }
    }
    out.tools = tools;
  } else if (choice === "required" || (typeof choice === "object" && choice !== null)) {
    throw badRequest("Invalid request: tool_choice requires tools", "tool_choice");
  }
  if (!out.tools) {
    delete out.generation?.tool_choice;
    delete out.generation?.parallel_tool_calls;
  }
  if (options.signal) out.signal = options.signal;
  return out;
}
