/**
 * Shape checks for the multi-turn output record (spec §10.8), shared by the end-to-end tests:
 * an optional system message first, then user/assistant turns ending on an assistant message,
 * each assistant tool call answered by a `tool` message with its id, and `tools` listed
 * exactly when the conversation offered tools.
 */
import { expect } from "bun:test";

/** One output message as written to the JSONL file. */
export interface OutputMessage {
  role: string;
  content?: string | null;
  tool_calls?: { id: string; type: string; function: { name: string; arguments: string } }[];
  tool_call_id?: string;
}

/** One output conversation (`record[<id>]`). */
export interface OutputConversation {
  messages: OutputMessage[];
  tools?: { function: { name: string } }[];
}

/**
 * Asserts the conversation's shape; `tools` are the tool names the config offers (in order),
 * empty for a conversation without tools.
 */
export function checkConversation(
  conversation: OutputConversation,
  options: { system: boolean; tools: string[] },
): void {
  const messages = [...conversation.messages];
  if (options.system) expect(messages.shift()!.role).toBe("system");
  let expectUser = true;
  let pendingCalls: string[] = [];
  for (const m of messages) {
    if (m.role === "tool") {
      expect(pendingCalls.shift()).toBe(m.tool_call_id!);
      continue;
    }
    expect(pendingCalls).toEqual([]);
    if (m.role === "assistant" && m.tool_calls) {
      expect(expectUser).toBe(false);
      pendingCalls = m.tool_calls.map((c) => c.id);
      for (const c of m.tool_calls) expect(options.tools).toContain(c.function.name);
      continue;
    }
    expect(m.role).toBe(expectUser ? "user" : "assistant");
    expect(typeof m.content).toBe("string");
    expect(m.content!.trim()).not.toBe("");
    expectUser = !expectUser;
  }
  expect(expectUser).toBe(true); // ends on an assistant message
  if (options.tools.length > 0) {
    expect(conversation.tools!.map((t) => t.function.name)).toEqual(options.tools);
  } else expect(conversation.tools).toBeUndefined();
}
