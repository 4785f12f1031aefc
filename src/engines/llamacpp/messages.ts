/**
 * Converts contract chat messages to node-llama-cpp chat history (spec §16.6), tool calls
 * and tool results included.
 *
 * @module
 */
import type { ChatHistoryItem, ChatModelFunctionCall, ChatModelResponse } from "node-llama-cpp";
import type { ChatMessage } from "../contract.ts";

/** Options of {@link toChatHistory}. */
export interface ChatHistoryOptions {
  /**
   * True when the request offers tools: tool calls then become function-call items (the chat
   * wrapper renders them in the model's own syntax). Otherwise they are written as text, since
   * a model without function definitions cannot read them as calls.
   */
  functions?: boolean;
}

/**
 * Maps `messages` to node-llama-cpp history items so that `LlamaChat.generateResponse` writes
 * one new assistant message: `system` -> system item, `user` -> user item, `assistant` -> model
 * item; an assistant message with `tool_calls` and the `tool` messages answering them form one
 * model item (text, then one function call per tool call with its result). An empty model item
 * is appended unless the history ends with tool results (the model then continues that item).
 * `null` content -> `""`. Without `options.functions`, calls and results are rendered as text
 * (`[tool call] name({...})` / `[tool result] ...`).
 *
 * @example
 * ```ts
 * toChatHistory([{ role: "user", content: "Hi" }]);
 * // [{ type: "user", text: "Hi" }, { type: "model", response: [] }]
 * ```
 */
export function toChatHistory(
  messages: readonly ChatMessage[],
  options: ChatHistoryOptions = {},
): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = [];
  let open: ChatModelResponse | undefined; // model item holding calls awaiting results
  let pending: ChatModelFunctionCall[] = [];
  for (const message of messages) {
    const text = message.content ?? "";
    if (message.role === "tool") {
      const call = pending.shift();
      if (call && options.functions) call.result = parseResult(text);
      else {
        const item = open ?? lastModel(history);
        item.response.push(`[tool result] ${text}`);
      }
      continue;
    }
    open = undefined;
    pending = [];
    switch (message.role) {
      case "system":
        history.push({ type: "system", text });
        break;
      case "user":
        history.push({ type: "user", text });
        break;
      default: {
        const item: ChatModelResponse = { type: "model", response: text ? [text] : [] };
        for (const call of message.tool_calls ?? []) {
          if (options.functions) {
            const fc: ChatModelFunctionCall = {
              type: "functionCall",
              name: call.function.name,
              params: parseArguments(call.function.arguments),
              result: "",
            };
            item.response.push(fc);
            pending.push(fc);
          } else {
            item.response.push(`[tool call] ${call.function.name}(${call.function.arguments})`);
          }
        }
        history.push(item);
        if (message.tool_calls?.length) open = item;
      }
    }
  }
  if (!(open && messages.at(-1)?.role === "tool")) history.push({ type: "model", response: [] });
  return history;
}

function lastModel(history: ChatHistoryItem[]): ChatModelResponse {
  const last = history.at(-1);
  if (last?.type === "model") return last;
  const item: ChatModelResponse = { type: "model", response: [] };
  history.push(item);
  return item;
}

function parseArguments(text: string): unknown {
  try {
    return text.trim() === "" ? {} : JSON.parse(text);
  } catch {
    return text;
  }
}

function parseResult(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
