/** Request parsing and the mapping of OpenAI request fields to the engine contract. */
import { describe, expect, test } from "bun:test";
import { parseChatCompletionRequest } from "../../src/serve/chatRequest.ts";
import { HttpError } from "../../src/serve/httpError.ts";
import { toGenerateRequest } from "../../src/serve/toGenerateRequest.ts";

const ALL = { jsonSchema: true, tools: true };
const NONE = { jsonSchema: false, tools: false };

function map(body: unknown, capabilities = ALL) {
  return toGenerateRequest(parseChatCompletionRequest(JSON.stringify(body)), capabilities, {
    modelName: "m",
  });
}

function httpErrorOf(fn: () => unknown): HttpError {
  try {
    fn();
  } catch (error) {
    if (error instanceof HttpError) return error;
    throw error;
  }
  throw new Error("expected an HttpError");
}

const weatherTool = {
  type: "function",
  function: {
    name: "weather",
    description: "Weather by city",
    parameters: { type: "object", properties: { city: { type: "string" } } },
  },
};

describe("toGenerateRequest", () => {
  test("sampling fields get oumi's names; max_completion_tokens wins over max_tokens", () => {
    const request = map({
      messages: [{ role: "user", content: "hi" }],
      temperature: 0.3,
      top_p: 0.9,
      top_k: 20,
      min_p: 0.05,
      seed: 11,
      stop: "END",
      max_tokens: 50,
      max_completion_tokens: 20,
      frequency_penalty: 0.5,
      presence_penalty: -0.5,
      logit_bias: { "42": -100 },
    });
    expect(request.generation).toEqual({
      temperature: 0.3,
      top_p: 0.9,
      top_k: 20,
      min_p: 0.05,
      seed: 11,
      stop_strings: ["END"],
      max_new_tokens: 20,
      frequency_penalty: 0.5,
      presence_penalty: -0.5,
      logit_bias: { "42": -100 },
    });
    expect(request.jsonSchema).toBeUndefined();
    expect(request.tools).toBeUndefined();
  });

  test("messages: text parts joined, developer -> system, tool calls and tool results kept", () => {
    const request = map({
      messages: [
        { role: "developer", content: [{ type: "text", text: "a" }, { type: "text", text: "b" }] },
        { role: "user", content: "weather?" },
        {
          role: "assistant",
          content: null,
          tool_calls: [{
            id: "c1",
            type: "function",
            function: { name: "weather", arguments: '{"city":"Oslo"}' },
          }],
        },
        { role: "tool", tool_call_id: "c1", content: "rain" },
        { role: "assistant", content: null },
      ],
    });
    expect(request.messages).toEqual([
      { role: "system", content: "a\nb" },
      { role: "user", content: "weather?" },
      {
        role: "assistant",
        content: null,
        tool_calls: [{
          id: "c1",
          type: "function",
          function: { name: "weather", arguments: '{"city":"Oslo"}' },
        }],
      },
      { role: "tool", content: "rain", tool_call_id: "c1" },
      { role: "assistant", content: "" },
    ]);
  });

  test("response_format and guided_json become jsonSchema", () => {
    const schema = { type: "object", properties: { a: { type: "integer" } } };
    const base = { messages: [{ role: "user", content: "x" }] };
    expect(
      map({ ...base, response_format: { type: "json_schema", json_schema: { name: "n", schema } } })
        .jsonSchema,
    ).toEqual(schema);
    expect(map({ ...base, response_format: { type: "json_object" } }).jsonSchema).toEqual({
      type: "object",
    });
    expect(map({ ...base, response_format: { type: "text" } }).jsonSchema).toBeUndefined();
    expect(map({ ...base, guided_json: schema }).jsonSchema).toEqual(schema);
    expect(map({ ...base, guided_json: JSON.stringify(schema) }).jsonSchema).toEqual(schema);
    const error = httpErrorOf(() => map({ ...base, guided_json: schema }, NONE));
    expect(error.status).toBe(400);
    expect(error.param).toBe("guided_json");
  });

  test("tools and tool_choice pass through when the engine can call tools", () => {
    const request = map({
      messages: [{ role: "user", content: "x" }],
      tools: [weatherTool],
      tool_choice: { type: "function", function: { name: "weather" } },
      parallel_tool_calls: false,
    });
    expect(request.tools).toEqual([weatherTool as never]);
    expect(request.generation?.tool_choice).toEqual({
      type: "function",
      function: { name: "weather" },
    });
    expect(request.generation?.parallel_tool_calls).toBe(false);
  });

  test("tools on an engine without tool calling, or a tool_choice naming no tool, are 400", () => {
    const base = { messages: [{ role: "user", content: "x" }] };
    const unsupported = httpErrorOf(() => map({ ...base, tools: [weatherTool] }, NONE));
    expect(unsupported.status).toBe(400);
    expect(unsupported.param).toBe("tools");
    const none = map({ ...base, tools: [weatherTool], tool_choice: "none" }, NONE);
    expect(none.tools).toBeUndefined();
    expect(none.generation?.tool_choice).toBeUndefined();
    const unknown = httpErrorOf(() =>
      map({
        ...base,
        tools: [weatherTool],
        tool_choice: { type: "function", function: { name: "other" } },
      })
    );
    expect(unknown.param).toBe("tool_choice");
    expect(httpErrorOf(() => map({ ...base, tool_choice: "required" })).status).toBe(400);
  });
});

describe("parseChatCompletionRequest", () => {
  test("unknown fields are ignored; every problem is listed with the first as param", () => {
    expect(
      parseChatCompletionRequest(
        JSON.stringify({ messages: [{ role: "user", content: "x" }], user: "u", extra: 1 }),
      ).messages,
    ).toHaveLength(1);
    const error = httpErrorOf(() =>
      parseChatCompletionRequest(JSON.stringify({ messages: [], top_p: 3 }))
    );
    expect(error.status).toBe(400);
    expect(error.param).toBe("messages");
    expect(error.message).toContain("top_p");
  });

  test("a body that is not an object", () => {
    expect(httpErrorOf(() => parseChatCompletionRequest("[1]")).status).toBe(400);
    expect(httpErrorOf(() => parseChatCompletionRequest("")).code).toBe("invalid_json");
  });
});
