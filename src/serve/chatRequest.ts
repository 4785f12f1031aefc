/**
 * The body of `POST /v1/chat/completions`: parsed and validated into
 * {@link ChatCompletionRequest}. Follows the OpenAI Chat Completions request shape; unknown
 * fields are ignored (as vLLM and llama.cpp's server do), vLLM's `guided_json`, `top_k` and
 * `min_p` extras are accepted.
 *
 * @module
 */
import { z } from "zod";
import { badRequest } from "./httpError.ts";

const textPart = z.looseObject({ type: z.literal("text"), text: z.string() });

const toolCall = z.looseObject({
  id: z.string(),
  type: z.literal("function").default("function"),
  function: z.looseObject({ name: z.string(), arguments: z.string() }),
});

const content = z.union([z.string(), z.array(textPart)]).nullish();

const message = z.discriminatedUnion("role", [
  z.looseObject({ role: z.literal("system"), content }),
  z.looseObject({ role: z.literal("developer"), content }),
  z.looseObject({ role: z.literal("user"), content }),
  z.looseObject({
    role: z.literal("assistant"),
    content,
    tool_calls: z.array(toolCall).nullish(),
  }),
  z.looseObject({ role: z.literal("tool"), content, tool_call_id: z.string() }),
]);

const jsonObject = z.record(z.string(), z.unknown());

const responseFormat = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("text") }),
  z.looseObject({ type: z.literal("json_object") }),
  z.looseObject({
    type: z.literal("json_schema"),
    json_schema: z.looseObject({
      name: z.string().optional(),
      schema: jsonObject.optional(),
      strict: z.boolean().nullish(),
    }),
  }),
]);

const tool = z.looseObject({
  type: z.literal("function"),
  function: z.looseObject({
    name: z.string().min(1),
    description: z.string().optional(),
    parameters: jsonObject.optional(),
  }),
});

const toolChoice = z.union([
  z.enum(["none", "auto", "required"]),
  z.looseObject({
    type: z.literal("function"),
    function: z.looseObject({ name: z.string() }),
  }),
]);

const positiveInt = z.number().int().min(1);

/** The validated request schema (zod), exported for tests and docs. */
export const chatCompletionRequestSchema = z.looseObject({
  model: z.string().optional(),
  messages: z.array(message).min(1),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  top_k: z.number().int().nullish(),
  min_p: z.number().min(0).max(1).nullish(),
  max_tokens: positiveInt.nullish(),
  max_completion_tokens: positiveInt.nullish(),
  seed: z.number().int().nullish(),
  stop: z.union([z.string(), z.array(z.string())]).nullish(),
  n: z.number().int().nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
  frequency_penalty: z.number().min(-2).max(2).nullish(),
  presence_penalty: z.number().min(-2).max(2).nullish(),
  logit_bias: z.record(z.string(), z.number().min(-100).max(100)).nullish(),
  response_format: responseFormat.nullish(),
  guided_json: z.union([jsonObject, z.string()]).nullish(),
  tools: z.array(tool).nullish(),
  tool_choice: toolChoice.nullish(),
  parallel_tool_calls: z.boolean().nullish(),
});

/** A validated chat completion request. */
export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;

/** Writes a zod issue path as `messages[0].role`. */
function pathText(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    out += typeof part === "number" ? `[${part}]` : `${out ? "." : ""}${String(part)}`;
  }
  return out;
}

/**
 * Parses and validates a request body (UTF-8 JSON text).
 *
 * @throws {HttpError} 400 for invalid JSON (`code: "invalid_json"`) or a body that is not a
 *   valid request; `param` names the first field at fault, the message lists every problem.
 */
export function parseChatCompletionRequest(body: string): ChatCompletionRequest {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw badRequest(
      `Cannot parse the request body: invalid JSON (${(error as Error).message})`,
      null,
      "invalid_json",
    );
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw badRequest("Cannot read the request: the body must be a JSON object");
  }
  const parsed = chatCompletionRequestSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues;
    const lines = issues.map((i) => {
      const at = pathText(i.path);
      return at ? `${at}: ${i.message}` : i.message;
    });
    throw badRequest(
      `Invalid request: ${lines.join("; ")}`,
      issues[0] ? pathText(issues[0].path) || null : null,
    );
  }
  const request = parsed.data;
  if (request.n !== undefined && request.n !== null && request.n !== 1) {
    throw badRequest(`Invalid request: n must be 1 (got ${request.n})`, "n");
  }
  return request;
}
