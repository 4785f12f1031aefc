/**
 * The scripted model of benchmark (d) "Conversations": what it answers and how long it takes,
 * shared by the in-process engine of `conversations.ts` and the HTTP server of
 * `conversationServer.ts`, so both figures see the same conversations and latencies.
 *
 * The latency of a request is 50-500 ms, a hash (FNV-1a) of its messages: deterministic, the
 * same for the same request in either schedule. Each assistant message makes 0, 1 or 2
 * tool-call rounds (a hash of its prompt) before answering in text.
 *
 * @module
 */
import type { GenerateRequest, ToolCall } from "../../src/engines/contract.ts";

/** Requests the model serves at once; also the runs' `num_workers`. */
export const WORKERS = 32;

/** FNV-1a of `text` (unsigned 32-bit). */
export function hashText(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Hash of the request's messages (role, content, tool calls, tool call ids). */
export function requestHash(request: GenerateRequest): number {
  return hashText(JSON.stringify(request.messages.map((m) => [
    m.role,
    m.content ?? "",
    m.tool_calls?.map((c) => [c.id, c.function.name, c.function.arguments]) ?? [],
    m.tool_call_id ?? "",
  ])));
}

/** The request's latency in ms: 50-500, from {@link requestHash}. */
export const latencyOf = (request: GenerateRequest): number => 50 + (requestHash(request) % 451);

/** The scripted reply: a plan, a user line, a tool call, or an assistant answer. */
export function replyOf(
  r: GenerateRequest,
): string | { content: null; tool_calls: ToolCall[] } {
  if (r.jsonSchema) {
    const n = Number(/Plan a (\d+)-turn/.exec(r.messages[3].content!)![1]);
    return JSON.stringify({
      turns: Array.from({ length: n }, (_, i) => ({ turn: i + 1, instruction: `step ${i + 1}` })),
    });
  }
  const closing = r.messages.findLastIndex((m) => m.role === "user");
  if (r.messages[closing].content!.includes("as the USER")) return `patron message ${closing}`;
  // This assistant message makes 0, 1 or 2 tool-call rounds (fixed by its prompt), then answers.
  const rounds = hashText(JSON.stringify(r.messages.slice(0, closing + 1).map((m) => m.content))) %
    3;
  const made = r.messages.slice(closing + 1).filter((m) => m.role === "assistant").length;
  if (made < rounds) {
    const book = requestHash(r) % 2 === 0 ? "B001" : "B002";
    return {
      content: null,
      tool_calls: [{
        id: `call_${closing}_${made}`,
        type: "function",
        function: { name: "lookup_book_status", arguments: JSON.stringify({ book_id: book }) },
      }],
    };
  }
  return `Here is what I found (${r.messages.length} messages so far).`;
}
