/**
 * Request bodies for OpenAI-compatible chat completions: §16.3 (OPENAI, REMOTE, VLLM, SGLANG,
 * hosted providers) and §16.4 (REMOTE_VLLM). Pure functions; the engine sends the body.
 *
 * @module
 */
import type { ChatMessage, GenerateRequest, JsonSchema } from "../contract.ts";
import { closeObjects, type EffectiveParams, type GuidedDecoding } from "../remote/generation.ts";

/** What the body builder needs besides the request. */
export interface BodyOptions {
  engine: string;
  /** `openai` = §16.3, `vllm` = §16.4. */
  protocol: "openai" | "vllm";
  /** `model_name` (REMOTE_VLLM: `adapter_model` when set). */
  model: string;
  params: EffectiveParams;
  guided: GuidedDecoding;
  userId?: string;
}

/** One message in the OpenAI wire shape (§16.3: tool calls and tool_call_id kept). */
export function toWireMessage(message: ChatMessage): Record<string, unknown> {
  const out: Record<string, unknown> = { role: message.role, content: message.content };
  if (message.tool_calls?.length) {
    out.tool_calls = message.tool_calls;
    if (!message.content) out.content = null;
  } else if (out.content === null) out.content = "";
  if (message.tool_call_id !== undefined) out.tool_call_id = message.tool_call_id;
  return out;
}

/**
 * §16.4: adjacent same-role messages merged into one message with a list of text parts;
 * messages with tool metadata are never merged.
 */
export function mergeAdjacent(messages: readonly ChatMessage[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  let prev: ChatMessage | undefined;
  for (const m of messages) {
    const plain = !m.tool_calls?.length && m.tool_call_id === undefined;
    const last = out.at(-1);
    if (
      plain && prev && last && prev.role === m.role && !prev.tool_calls?.length &&
      prev.tool_call_id === undefined
    ) {
      const parts = Array.isArray(last.content)
        ? last.content
        : [{ type: "text", text: last.content ?? "" }];
      parts.push({ type: "text", text: m.content ?? "" });
      last.content = parts;
    } else out.push(toWireMessage(m));
    prev = m;
  }
  return out;
}

/** OPENAI reasoning models (o1, o3, o4, gpt-5...) take only temperature 1 and no logit_bias. */
export function isReasoningModel(model: string): boolean {
  return /^(o1|o3|o4|gpt-5)/.test(model);
}

/** The JSON body for `request` (§16.3 / §16.4). */
export function chatBody(request: GenerateRequest, o: BodyOptions): Record<string, unknown> {
  const p = o.params;
  const vllm = o.protocol === "vllm";
  const body: Record<string, unknown> = {
    model: o.model,
    messages: vllm ? mergeAdjacent(request.messages) : request.messages.map(toWireMessage),
    n: 1,
    [vllm ? "max_tokens" : "max_completion_tokens"]: p.max_new_tokens,
    seed: p.seed ?? null,
    temperature: p.temperature,
    frequency_penalty: p.frequency_penalty ?? 0,
    presence_penalty: p.presence_penalty ?? 0,
  };
  if (p.top_p !== null && p.top_p !== undefined) body.top_p = p.top_p;
  const bias = p.logit_bias ?? {};
  if (vllm || Object.keys(bias).length > 0) body.logit_bias = bias;
  if (p.stop_strings?.length) body.stop = p.stop_strings;
  if (p.stop_token_ids?.length) body.stop_token_ids = p.stop_token_ids;
  if (!vllm && p.min_p) body.min_p = p.min_p;
  if (request.tools?.length) {
    body.tools = request.tools.map((t) => ({ type: "function", function: t.function }));
    if (p.tool_choice !== null && p.tool_choice !== undefined) body.tool_choice = p.tool_choice;
    if (p.parallel_tool_calls === false) body.parallel_tool_calls = false;
  }
  const schema: JsonSchema | undefined = request.jsonSchema ?? o.guided.json;
  if (schema) {
    if (vllm) body.guided_json = schema;
    else {
      body.response_format = {
        type: "json_schema",
        json_schema: o.guided.strict
          ? { name: "Response", schema: closeObjects(schema), strict: true }
          : { name: "Response", schema },
      };
    }
  } else if (vllm && o.guided.regex !== undefined) body.guided_regex = o.guided.regex;
  else if (vllm && o.guided.choice !== undefined) body.guided_choice = o.guided.choice;
  if (o.engine === "OPENAI") {
    if (isReasoningModel(o.model)) {
      body.temperature = 1.0;
      delete body.logit_bias;
    }
    if (o.userId) body.user = o.userId;
  }
  return body;
}
