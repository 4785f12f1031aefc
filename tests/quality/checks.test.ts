import { describe, expect, test } from "bun:test";
import { runChecks } from "../../src/quality/checks.ts";

const chat = (...roles: string[]) => ({
  conversation_id: "c",
  messages: roles.map((role, i) => ({ role, content: `m${i}` })),
  metadata: {},
});

describe("per-record checks", () => {
  test("non_empty: empty values, lists and messages", () => {
    expect(runChecks({ q: "Why?", a: "Because." }, ["non_empty"])).toBeUndefined();
    expect(runChecks({ q: "Why?", a: "  \n" }, ["non_empty"]))
      .toEqual({ check: "non_empty", message: "'a' is empty" });
    expect(runChecks({ q: null }, ["non_empty"])!.message).toBe("'q' is empty");
    expect(runChecks({ tags: [] }, ["non_empty"])!.message).toBe("'tags' is empty");
    const convo = chat("user", "assistant");
    convo.messages[1].content = "";
    expect(runChecks({ chat: convo }, ["non_empty"])!.message)
      .toBe("message 2 (assistant) of 'chat' is empty");
    const toolCall = {
      chat: [
        { role: "user", content: "weather?" },
        { role: "assistant", content: null, tool_calls: [{ id: "1" }] },
        { role: "tool", content: "{}" },
        { role: "assistant", content: "Sunny." },
      ],
    };
    expect(runChecks(toolCall, ["non_empty", "alternating_roles"])).toBeUndefined();
  });

  test("alternating_roles", () => {
    expect(runChecks({ c: chat("system", "user", "assistant", "user", "assistant") }, [
      "alternating_roles",
    ])).toBeUndefined();
    expect(runChecks({ c: chat("user", "user", "assistant") }, ["alternating_roles"])!.message)
      .toBe("message 2 (user) of 'c' follows another user message");
    expect(runChecks({ c: chat("user", "assistant", "assistant") }, ["alternating_roles"]))
      .toMatchObject({ check: "alternating_roles" });
    expect(runChecks({ c: chat("user", "system", "assistant") }, ["alternating_roles"])!.message)
      .toContain("a system message after the conversation started");
    expect(runChecks({ c: chat("user", "tool") }, ["alternating_roles"])!.message)
      .toContain("without an assistant tool call");
  });

  test("no_placeholder_values at any depth", () => {
    for (const bad of ["NaN", "None", "null", " undefined ", "nan"]) {
      expect(runChecks({ a: "ok", b: { c: [bad] } }, ["no_placeholder_values"])!.message)
        .toBe(`'b'.c[0] is the literal "${bad.trim()}"`);
    }
    expect(runChecks({ n: NaN }, ["no_placeholder_values"])!.message).toBe("'n' is NaN");
    expect(runChecks({ a: "None of these", b: 0, c: null }, ["no_placeholder_values"]))
      .toBeUndefined();
  });

  test("the first failing check in the order given is reported", () => {
    expect(runChecks({ a: "", b: "null" }, ["no_placeholder_values", "non_empty"])!.check)
      .toBe("no_placeholder_values");
  });
});
