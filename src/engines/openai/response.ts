/**
 * Converts an OpenAI-compatible chat completion body into a {@link GenerateResult}
 * (spec §16.3 response parsing). Bodies that cannot be converted throw a retryable
 * `EngineError` ("Failed to process successful response", §17.3).
 *
 * @module
 */
import { EngineError } from "../../errors.ts";
import type { FinishReason, GenerateResult, ToolCall, Usage } from "../contract.ts";

const FINISH: Record<string, FinishReason> = {
  stop: "stop",
  length: "length",
  tool_calls: "tool_calls",
  function_call: "tool_calls",
  content_filter: "content_filter",
};

function fail(detail: string): never {
  throw new EngineError(`Failed to process successful response: ${detail}`, { retryable: true });
}

/** Usage of a body (`prompt_tokens`, `completion_tokens`, cached from `prompt_tokens_details`). */
export function usageOf(body: Record<string, unknown>): Usage {
  const u = (body.usage ?? {}) as Record<string, unknown>;
  const n = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : 0);
  const cached = n((u.prompt_tokens_details as Record<string, unknown> | undefined)?.cached_tokens);
  return {
    inputTokens: n(u.prompt_tokens),
    outputTokens: n(u.completion_tokens),
    ...(cached > 0 ? { cachedTokens: cached } : {}),
  };
}

/**
 * Parses a chat completion.
 *
 * @throws {EngineError} retryable, when the body is not an object, carries a top-level
 *   `error`, or has no `choices[0].message`.
 */
export function parseChatCompletion(body: unknown): GenerateResult {
  if (!body || typeof body !== "object" || Array.isArray(body)) fail("body is not a JSON object");
  const b = body as Record<string, unknown>;
  if (b.error) {
    const e = b.error as { message?: unknown };
    fail(typeof e.message === "string" ? e.message : JSON.stringify(b.error));
  }
  const choice = Array.isArray(b.choices) ? b.choices[0] as Record<string, unknown> : undefined;
  const message = choice?.message as Record<string, unknown> | undefined;
  if (!message || typeof message !== "object") fail("no choices[0].message in the response");
  const toolCalls = Array.isArray(message.tool_calls) && message.tool_calls.length > 0
    ? (message.tool_calls as ToolCall[]).map((c) => ({
      id: String(c.id),
      type: "function" as const,
      function: {
        name: String(c.function?.name ?? ""),
        arguments: typeof c.function?.arguments === "string"
          ? c.function.arguments
          : JSON.stringify(c.function?.arguments ?? {}),
      },
    }))
    : undefined;
  const content = typeof message.content === "string" ? message.content : null;
  const reason = typeof choice?.finish_reason === "string" ? choice.finish_reason : "";
  return {
    message: {
      role: "assistant",
      content: content ?? (toolCalls ? null : ""),
      ...(toolCalls ? { tool_calls: toolCalls } : {}),
    },
    usage: usageOf(b),
    finishReason: FINISH[reason] ?? (toolCalls ? "tool_calls" : "unknown"),
  };
}
