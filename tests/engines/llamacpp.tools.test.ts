/**
 * Tool calling on the LLAMACPP engine (issue 6 item 3): real llama.cpp on the tiny random-weight
 * GGUF with tools offered and with tool-call / tool-result history, plus the pure conversions
 * (tool definitions -> node-llama-cpp functions, history with calls and results).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { ChatMessage, Engine, ToolDefinition } from "../../src/engines/contract.ts";
import { createLlamaCppEngine } from "../../src/engines/llamacpp/index.ts";
import { toChatHistory } from "../../src/engines/llamacpp/messages.ts";
import { toFunctions, toGbnfSchema, toToolCalls } from "../../src/engines/llamacpp/tools.ts";
import { tinyGgufPath } from "../helpers/tinyModel.ts";

const TOOLS: ToolDefinition[] = [
  {
    type: "function",
    function: {
      name: "lookup_book",
      description: "Find a book by title.",
      parameters: {
        type: "object",
        properties: {
          title: { type: "string", description: "Book title", pattern: "^[A-Z]" },
          limit: { type: "integer", default: 3, minimum: 1 },
        },
        required: ["title"],
      },
    },
  },
  { type: "function", function: { name: "list_books", description: "List all books." } },
];

const HISTORY: ChatMessage[] = [
  { role: "system", content: "You are LibBot." },
  { role: "user", content: "Do you have Dune?" },
  {
    role: "assistant",
    content: null,
    tool_calls: [{
      id: "call_1",
      type: "function",
      function: { name: "lookup_book", arguments: '{"title": "Dune"}' },
    }],
  },
  { role: "tool", content: '{"available": false}', tool_call_id: "call_1" },
];

describe("conversions", () => {
  test("tool definitions become functions with a grammar-safe parameter schema", () => {
    const functions = toFunctions(TOOLS);
    expect(Object.keys(functions)).toEqual(["lookup_book", "list_books"]);
    expect(functions.lookup_book).toEqual({
      description: "Find a book by title.",
      params: {
        type: "object",
        properties: {
          title: { type: "string", description: "Book title" },
          limit: { type: "integer" },
        },
        required: ["title"],
      },
    });
    expect(functions.list_books.params).toEqual({ type: "object", properties: {}, required: [] });
  });

  test("schema subset: enums, const, unions, arrays, formats, unknown shapes", () => {
    expect(toGbnfSchema({ type: "string", enum: ["a", "b"] })).toEqual({ enum: ["a", "b"] });
    expect(toGbnfSchema({ const: 1 })).toEqual({ const: 1 });
    expect(toGbnfSchema({ anyOf: [{ type: "string" }, { type: "null" }] })).toEqual({
      oneOf: [{ type: "string" }, { type: "null" }],
    });
    expect(toGbnfSchema({ type: "array", items: { type: "number" }, maxItems: 2 })).toEqual({
      type: "array",
      items: { type: "number" },
      maxItems: 2,
    });
    expect(toGbnfSchema({ type: "string", format: "date" })).toEqual({
      type: "string",
      format: "date",
    });
    expect(toGbnfSchema({ type: ["string", "object"] })).toEqual({ type: ["string"] });
    expect(toGbnfSchema(true)).toEqual({
      type: ["string", "number", "integer", "boolean", "null"],
    });
  });

  test("calls get ids numbered after the calls already in the conversation", () => {
    expect(toToolCalls([{ functionName: "list_books", params: undefined }], HISTORY)).toEqual([
      { id: "call_2", type: "function", function: { name: "list_books", arguments: "{}" } },
    ]);
  });

  test("history: a call and its result form one model item that the model continues", () => {
    const history = toChatHistory(HISTORY, { functions: true });
    expect(history).toEqual([
      { type: "system", text: "You are LibBot." },
      { type: "user", text: "Do you have Dune?" },
      {
        type: "model",
        response: [{
          type: "functionCall",
          name: "lookup_book",
          params: { title: "Dune" },
          result: { available: false },
        }],
      },
    ]);
  });

  test("history without tools offered: calls and results are text", () => {
    const history = toChatHistory([...HISTORY, { role: "assistant", content: "No." }, {
      role: "user",
      content: "Thanks",
    }]);
    expect(history[2]).toEqual({
      type: "model",
      response: [
        '[tool call] lookup_book({"title": "Dune"})',
        '[tool result] {"available": false}',
      ],
    });
    expect(history.at(-1)).toEqual({ type: "model", response: [] });
    expect(history).toHaveLength(6);
  });
});

describe("real llama.cpp on the tiny model", () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await createLlamaCppEngine(
      {
        engine: "LLAMACPP",
        model: { model_name: await tinyGgufPath(), model_max_length: 1024 },
        generation: { max_new_tokens: 24, seed: 7 },
      },
      { threads: 1, parallelSequences: 2 },
    );
  });
  afterAll(() => engine?.dispose());

  test("advertises tool calling", () => {
    expect(engine.capabilities.tools).toBe(true);
  });

  test("requests with tools and tool history finish within max_new_tokens", async () => {
    const replies = await Promise.all([
      engine.generate({ messages: HISTORY.slice(0, 2), tools: TOOLS }),
      engine.generate({ messages: HISTORY, tools: TOOLS }),
      engine.generate({ messages: [...HISTORY, { role: "user", content: "And?" }] }),
    ]);
    for (const reply of replies) {
      expect(reply.message.role).toBe("assistant");
      expect(reply.usage.outputTokens).toBeLessThanOrEqual(25);
      if (reply.message.tool_calls) {
        expect(reply.finishReason).toBe("tool_calls");
        for (const call of reply.message.tool_calls) {
          expect(["lookup_book", "list_books"]).toContain(call.function.name);
          expect(typeof JSON.parse(call.function.arguments)).toBe("object");
        }
      } else expect(typeof reply.message.content).toBe("string");
    }
  });
});
