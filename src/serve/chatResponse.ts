/**
 * Response bodies of `POST /v1/chat/completions` in OpenAI's shapes: a `chat.completion`
 * object, or (for `stream: true`) the `chat.completion.chunk` server-sent events. The engine
 * contract has no token callback, so a streamed reply is sent as soon as it is complete:
 * a role chunk, one content (or tool-call) chunk, the finish chunk, an optional usage chunk
 * and `data: [DONE]`.
 *
 * @module
 */
import type { FinishReason, GenerateResult, ToolCall } from "../engines/contract.ts";

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

/**
 * The server-sent events of a streamed reply, as one string
 * (`data: {chunk}\n\n` lines ending with `data: [DONE]\n\n`). `includeUsage` adds the final
 * chunk with empty `choices` and `usage` (`stream_options.include_usage`).
 */
export function chatCompletionEvents(
  meta: CompletionMeta,
  result: GenerateResult,
  includeUsage: boolean,
): string {
  const base = {
    id: meta.id,
    object: "chat.completion.chunk",
    created: meta.created,
    model: meta.model,
  };
  const calls = result.message.tool_calls ?? [];
  const chunk = (delta: Record<string, unknown>, finish: OpenAiFinishReason | null) => ({
    ...base,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  });
  const chunks: unknown[] = [chunk({ role: "assistant", content: "" }, null)];
  if (result.message.content) chunks.push(chunk({ content: result.message.content }, null));
  if (calls.length > 0) {
    chunks.push(chunk({ tool_calls: calls.map((c, index) => ({ index, ...c })) }, null));
  }
  chunks.push(chunk({}, openAiFinishReason(result.finishReason, calls.length > 0)));
  if (includeUsage) chunks.push({ ...base, choices: [], usage: openAiUsage(result) });
  return chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`).join("") + "data: [DONE]\n\n";
}
