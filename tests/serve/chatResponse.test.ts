/** Response shapes (plain and streamed) and the mapping of engine errors to HTTP errors. */
import { describe, expect, test } from "bun:test";
import type { GenerateResult } from "../../src/engines/contract.ts";
import { EngineError } from "../../src/errors.ts";
import { chatCompletion, chatCompletionEvents } from "../../src/serve/chatResponse.ts";
import { httpErrorFromEngine } from "../../src/serve/httpError.ts";

const meta = { id: "chatcmpl-1", model: "m", created: 1700000000 };
const toolResult: GenerateResult = {
  message: {
    role: "assistant",
    content: null,
    tool_calls: [{
      id: "call_a",
      type: "function",
      function: { name: "weather", arguments: '{"city":"Oslo"}' },
    }],
  },
  usage: { inputTokens: 12, outputTokens: 7, cachedTokens: 4 },
  finishReason: "stop",
};

describe("chatCompletion", () => {
  test("tool calls: content null, finish_reason tool_calls, cached tokens reported", () => {
    const body = chatCompletion(meta, toolResult);
    expect(body.choices[0]).toEqual({
      index: 0,
      message: { role: "assistant", content: null, tool_calls: toolResult.message.tool_calls },
      logprobs: null,
      finish_reason: "tool_calls",
    });
    expect(body.usage).toEqual({
      prompt_tokens: 12,
      completion_tokens: 7,
      total_tokens: 19,
      prompt_tokens_details: { cached_tokens: 4 },
    });
  });

  test("text: unknown finish reason becomes stop; no tool_calls key", () => {
    const body = chatCompletion(meta, {
      message: { role: "assistant", content: "hi" },
      usage: { inputTokens: 1, outputTokens: 1 },
      finishReason: "unknown",
    });
    expect(body.choices[0].finish_reason).toBe("stop");
    expect("tool_calls" in body.choices[0].message).toBe(false);
    expect(body.usage.prompt_tokens_details).toBeUndefined();
  });
});

describe("chatCompletionEvents", () => {
  test("tool calls stream as an indexed delta, then finish, usage and [DONE]", () => {
    const events = chatCompletionEvents(meta, toolResult, true).split("\n\n").filter(Boolean);
    expect(events.at(-1)).toBe("data: [DONE]");
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.slice("data: ".length)));
    expect(chunks[0].choices[0].delta).toEqual({ role: "assistant", content: "" });
    expect(chunks[1].choices[0].delta.tool_calls[0]).toEqual({
      index: 0,
      ...toolResult.message.tool_calls![0],
    });
    expect(chunks[2].choices[0].finish_reason).toBe("tool_calls");
    expect(chunks[3].choices).toEqual([]);
    expect(chunks[3].usage.total_tokens).toBe(19);
  });
});

describe("httpErrorFromEngine", () => {
  test("statuses for engine failures", () => {
    expect(httpErrorFromEngine(new EngineError("x", { status: 429 })).status).toBe(429);
    const retryable = httpErrorFromEngine(new EngineError("busy", { retryable: true }));
    expect(retryable.status).toBe(503);
    expect(retryable.headers["Retry-After"]).toBe("1");
    const long = httpErrorFromEngine(
      new EngineError("Cannot generate: the prompt has 900 tokens, the context holds 512"),
    );
    expect([long.status, long.code]).toEqual([400, "context_length_exceeded"]);
    const disposed = httpErrorFromEngine(
      new EngineError("Cannot generate with LLAMACPP: the engine is disposed", { fatal: true }),
    );
    expect(disposed.status).toBe(503);
    expect(httpErrorFromEngine(new Error("boom")).status).toBe(500);
    expect(httpErrorFromEngine(new Error("boom")).toBody().error.type).toBe("server_error");
  });
});
