/**
 * Converts contract chat messages to node-llama-cpp chat history (spec §16.6: roles other than
 * system/user/assistant are sent as assistant).
 *
 * @module
 */
import type { ChatHistoryItem } from "node-llama-cpp";
import type { ChatMessage } from "../contract.ts";

/**
 * Maps `messages` to node-llama-cpp history items and appends an empty model turn, so that
 * `LlamaChat.generateResponse` writes one new assistant message. `system` -> system item,
 * `user` -> user item, `assistant` and `tool` -> model item (§16.6); `null` content -> `""`.
 * Tool calls on assistant messages are dropped (this engine has no tool calling yet).
 *
 * @example
 * ```ts
 * toChatHistory([{ role: "user", content: "Hi" }]);
 * // [{ type: "user", text: "Hi" }, { type: "model", response: [] }]
 * ```
 */
export function toChatHistory(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = messages.map((message) => {
    const text = message.content ?? "";
    switch (message.role) {
      case "system":
        return { type: "system", text };
      case "user":
        return { type: "user", text };
      default:
        return { type: "model", response: [text] };
    }
  });
  history.push({ type: "model", response: [] });
  return history;
}
