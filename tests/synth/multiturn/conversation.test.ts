import { describe, expect, test } from "bun:test";
import type { ChatMessage } from "../../../src/engines/contract.ts";
import { pyJsonDumps } from "../../../src/python/json.ts";
import {
  firstEmptyMessage,
  orderSchema,
  outputConversation,
} from "../../../src/synth/multiturn/conversation.ts";

const CALL = {
  id: "call_1",
  type: "function" as const,
  function: { name: "list_book_catalog", arguments: "{}" },
};

describe("output conversation (§10.8, §14.2)", () => {
  test("oumi's key order, content null last on tool-call-only messages, tools without type", () => {
    const history: ChatMessage[] = [
      { role: "user", content: "Do you have Dune?" },
      { role: "assistant", content: null, tool_calls: [CALL] },
      { role: "tool", content: '{"books": []}', tool_call_id: "call_1" },
      { role: "assistant", content: "Yes." },
    ];
    const conversation = outputConversation("This is LibBot.", history, [{
      type: "function",
      function: {
        name: "list_book_catalog",
        description: "List books",
        parameters: { properties: {}, type: "object" },
      },
    }]);
    expect(pyJsonDumps(conversation)).toBe(
      '{"messages": [{"content": "This is LibBot.", "role": "system"}, ' +
        '{"content": "Do you have Dune?", "role": "user"}, ' +
        '{"role": "assistant", "tool_calls": [{"id": "call_1", "type": "function", ' +
        '"function": {"name": "list_book_catalog", "arguments": "{}"}}], "content": null}, ' +
        '{"content": "{\\"books\\": []}", "role": "tool", "tool_call_id": "call_1"}, ' +
        '{"content": "Yes.", "role": "assistant"}], ' +
        '"tools": [{"function": {"name": "list_book_catalog", "description": "List books", ' +
        '"parameters": {"type": "object", "properties": {}}}}]}',
    );
  });

  test("no system prompt and no tools: only messages", () => {
    expect(outputConversation(undefined, [{ role: "user", content: "a" }], [])).toEqual({
      messages: [{ content: "a", role: "user" }],
    });
  });

  test("schema keywords re-ordered like oumi's schema model, nested too", () => {
    const ordered = orderSchema({
      required: ["a"],
      additionalProperties: false,
      properties: { a: { enum: ["x"], type: "string" } },
      type: "object",
    });
    expect(JSON.stringify(ordered)).toBe(
      '{"type":"object","properties":{"a":{"type":"string","enum":["x"]}},"required":["a"],"additionalProperties":false}',
    );
  });
});

describe("empty-message filter (§10.8, §20.13)", () => {
  test("empty or whitespace content filters; system ignored; tool-call messages exempt", () => {
    expect(firstEmptyMessage([{ role: "system", content: "" }, { role: "user", content: "a" }]))
      .toBeUndefined();
    expect(
      firstEmptyMessage([{ role: "user", content: "a" }, { role: "assistant", content: " \n" }]),
    )
      .toBe(2);
    expect(firstEmptyMessage([{ role: "assistant", content: null, tool_calls: [CALL] }]))
      .toBeUndefined();
    expect(firstEmptyMessage([{ role: "tool", content: "", tool_call_id: "call_1" }])).toBe(1);
    expect(firstEmptyMessage([{ role: "assistant", content: null }])).toBe(1);
  });
});
