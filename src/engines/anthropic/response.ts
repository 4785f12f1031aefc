/**
 * Converts an Anthropic Messages API reply into a {@link GenerateResult} (spec §16.5):
 * text blocks concatenated, `tool_use` blocks as OpenAI-shaped tool calls, usage with cache
 * reads and writes counted as input, stop reasons mapped.
 *
 * @module
 */
import { EngineError } from "../../errors.ts";
import type { FinishReason, GenerateResult, ToolCall, Usage } from "../contract.ts";

const STOP: Record<string, FinishReason> = {
  end_turn: "stop",
  stop_sequence: "stop",
  max_tokens: "length",
  tool_use: "tool_calls",
  refusal: "content_filter",
};

/** Usage: input = input + cache reads + cache writes; cached = cache reads. */
export function anthropicUsage(body: Record<string, unknown>): Usage {
  const u = (body.usage ?? {}) as Record<string, unknown>;
  const n = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : 0);
  const cached = n(u.cache_read_input_tokens);
  return {
    inputTokens: n(u.input_tokens) + cached + n(u.cache_creation_input_tokens),
    outputTokens: n(u.output_tokens),
    ...(cached > 0 ? { cachedTokens: cached } : {}),
  };
}

/**
 * Parses a Messages API body.
 *
 * @throws {EngineError} retryable: not an object, an `error` body, or empty `content`
 *   ("Anthropic API returned empty content").
 */
export function parseMessage(body: unknown): GenerateResult {
  const fail = (detail: string): never => {
    throw new EngineError(`Failed to process successful response: ${detail}`, {
      retryable: true,
    });
  };
  if (!body || typeof body !== "object" || Array.isArray(body)) fail("body is not a JSON object");
  const b = body as Record<string, unknown>;
  if (b.type === "error" || b.error) {
    const e = (b.error ?? {}) as { message?: unknown };
    fail(typeof e.message === "string" ? e.message : "error response");
  }
  const blocks = Array.isArray(b.content) ? b.content as Record<string, unknown>[] : [];
  if (blocks.length === 0) {
    fail(`Anthropic API returned empty content (stop_reason ${b.stop_reason})`);
  }
  const text = blocks.filter((x) => x.type === "text").map((x) => String(x.text ?? "")).join("");
  const calls: ToolCall[] = blocks.filter((x) => x.type === "tool_use").map((x) => ({
    id: String(x.id),
    type: "function",
    function: { name: String(x.name), arguments: JSON.stringify(x.input ?? {}) },
  }));
  const reason = String(b.stop_reason ?? "");
  return {
    message: {
      role: "assistant",
      content: text === "" && calls.length > 0 ? null : text,
      ...(calls.length ? { tool_calls: calls } : {}),
    },
    usage: anthropicUsage(b),
    finishReason: STOP[reason] ?? (calls.length ? "tool_calls" : "unknown"),
  };
}
