/**
 * Response bodies of `POST /v1/chat/completions` in OpenAI's shapes: a `chat.completion`
 * object, or (for `stream: true`) the `chat.completion.chunk` server-sent events. The engine
 * contract has no token callback, so a stream opens with the role chunk at once and sends the
 * reply when it is complete: one content (or tool-call) chunk, the finish chunk, an optional
 * usage chunk and `data: [DONE]`.
 *
 * @module
 */
import type { FinishReason, GenerateResult, ToolCall } from "../engines/contract.ts";
import type { OpenAiErrorBody } from "./httpError.ts";

/** `usage` as OpenAI writes it. */
export interface OpenAiUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens: number };
}

/** The `chat.completion` response object. */
export interface ChatCompletion {
  id: string;
  object: "chat.completion";
  /** Unix time in seconds. */
  created: number;
  model: string;
  choices: [{
    index: 0;
    message: { role: "assistant"; content: string | null; tool_calls?: ToolCall[] };
    logprobs: null;
    finish_reason: OpenAiFinishReason;
  }];
  usage: OpenAiUsage;
}

/** OpenAI's finish reasons. */
export type OpenAiFinishReason = "stop" | "length" | "tool_calls" | "content_filter";

/** Identity of one completion: id, model name, creation time (seconds). */
export interface CompletionMeta {
  id: string;
  model: string;
  created: number;
}

/** A fresh {@link CompletionMeta} (`chatcmpl-<uuid>`, now). */
export function completionMeta(model: string): CompletionMeta {
  return {
    id: `chatcmpl-${crypto.randomUUID().replaceAll("-", "")}`,
    model,
    created: Math.floor(Date.now() / 1000),
  };
}

/** The contract's finish reason in OpenAI's values (`unknown` becomes `stop`). */
export function openAiFinishReason(
  reason: FinishReason,
  hasToolCalls: boolean,
): OpenAiFinishReason {
  if (hasToolCalls && reason !== "length") return "tool_calls";
  return reason === "unknown" ? "stop" : reason;
}

/** Token usage in OpenAI's names (cached prompt tokens only when the engine reports them). */
export function openAiUsage(result: GenerateResult): OpenAiUsage {
  const { inputTokens, outputTokens, cachedTokens } = result.usage;
  return {
    prompt_tokens: inputTokens,
    completion_tokens: outputTokens,
    total_tokens: inputTokens + outputTokens,
    ...(cachedTokens !== undefined
      ? { prompt_tokens_details: { cached_tokens: cachedTokens } }
      : {}),
  };
}

/** The `chat.completion` object for `result`. */
export function chatCompletion(meta: CompletionMeta, result: GenerateResult): ChatCompletion {
  const calls = result.message.tool_calls ?? [];
  return {
    id: meta.id,
    object: "chat.completion",
    created: meta.created,
    model: meta.model,
    choices: [{
      index: 0,
      message: {
        role: "assistant",
        content: calls.length > 0 ? result.message.content : result.message.content ?? "",
        ...(calls.length > 0 ? { tool_calls: calls } : {}),
      },
      logprobs: null,
      finish_reason: openAiFinishReason(result.finishReason, calls.length > 0),
    }],
    usage: openAiUsage(result),
  };
}

const chunkBase = (meta: CompletionMeta) => ({
  id: meta.id,
  object: "chat.completion.chunk" as const,
  created: meta.created,
  model: meta.model,
});

function chunk(
  meta: CompletionMeta,
  delta: Record<string, unknown>,
  finish: OpenAiFinishReason | null,
) {
  return {
    ...chunkBase(meta),
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  };
}

const event = (data: unknown) => `data: ${JSON.stringify(data)}\n\n`;

/** The first event of a streamed reply (`delta: {role: "assistant", content: ""}`), sent at once. */
export function openingEvent(meta: CompletionMeta): string {
  return event(chunk(meta, { role: "assistant", content: "" }, null));
}

/** One content chunk (`delta: {content}`), for text streamed as it is decoded. */
export function contentEvent(meta: CompletionMeta, text: string): string {
  return event(chunk(meta, { content: text }, null));
}

/**
 * The events sent once the reply is complete: the content not streamed yet (`sent` is what
 * {@link contentEvent}s already carried), one tool-call chunk (indexed deltas), the finish
 * chunk (with `usage` unless `includeUsage`), the usage chunk when `includeUsage`
 * (`stream_options.include_usage`, empty `choices`), then `data: [DONE]`.
 */
export function closingEvents(
  meta: CompletionMeta,
  result: GenerateResult,
  includeUsage: boolean,
  sent = "",
): string {
  const calls = result.message.tool_calls ?? [];
  let out = "";
  const content = result.message.content ?? "";
  const rest = content.startsWith(sent) ? content.slice(sent.length) : "";
  if (rest) out += contentEvent(meta, rest);
  if (calls.length > 0) {
    out += event(chunk(meta, { tool_calls: calls.map((c, index) => ({ index, ...c })) }, null));
  }
  const finish = chunk(meta, {}, openAiFinishReason(result.finishReason, calls.length > 0));
  // The last chunk carries the usage either way: OpenAI's own usage chunk when asked, else on
  // the finish chunk (as llama.cpp's server does).
  out += event(includeUsage ? finish : { ...finish, usage: openAiUsage(result) });
  if (includeUsage) out += event({ ...chunkBase(meta), choices: [], usage: openAiUsage(result) });
  return out + "data: [DONE]\n\n";
}

/** All events of a streamed reply as one string ({@link openingEvent} + {@link closingEvents}). */
export function chatCompletionEvents(
  meta: CompletionMeta,
  result: GenerateResult,
  includeUsage: boolean,
): string {
  return openingEvent(meta) + closingEvents(meta, result, includeUsage);
}

/**
 * The event that ends a stream whose generation failed after the 200 headers were sent:
 * `data: {"error": {...}}` (OpenAI's shape; the SDKs raise it as an API error).
 */
export function errorEvent(body: OpenAiErrorBody): string {
  return event(body);
}
