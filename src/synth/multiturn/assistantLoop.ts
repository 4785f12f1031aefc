/**
 * One assistant message with tool use (spec §10.7), for one record: the model may call tools
 * round after round; each round's calls are dispatched to the record's own tool session and
 * their results fed back, until it answers in text or reaches `max_consecutive_tool_turns`.
 *
 * @module
 */
import type { ChatMessage, Generate, ToolCall, ToolDefinition } from "../../engines/contract.ts";
import { STOP_CALLING_TOOLS } from "./turnPrompt.ts";

/** Runs a batch of tool calls: one TOOL message per call, in call order (§11.5). */
export type DispatchTools = (calls: readonly ToolCall[]) => Promise<ChatMessage[]>;

/** Inputs of {@link runAssistantTurn}. */
export interface AssistantTurnInput {
  /** The prompt of this message (§10.6), without this turn's tool rounds. */
  base: readonly ChatMessage[];
  /** Tools offered; empty -> one plain call. */
  tools: readonly ToolDefinition[];
  /** Tool-call rounds allowed before the straggler nudge (a parallel batch is one round). */
  maxToolRounds: number;
  generate: Generate;
  /** Required when `tools` is non-empty. */
  dispatch?: DispatchTools;
}

/** What one assistant message added to the conversation. */
export interface AssistantTurn {
  /** Tool-call assistant messages and TOOL results, then the final assistant message. */
  messages: ChatMessage[];
  /** Tool-call rounds made. */
  toolRounds: number;
}

/**
 * Produces one assistant message (§10.7):
 * 1. call the model with `base` + this turn's staged messages and the tools;
 * 2. a reply with tool calls is staged as an assistant message (content as returned, possibly
 *    `null`) followed by the dispatched TOOL messages; a reply without tool calls is the final
 *    message (content not trimmed, `null` -> `""`);
 * 3. after `maxToolRounds` rounds without a final answer, one more call without tools and with
 *    an extra USER message asking for a natural-language answer; tool calls it still makes are
 *    kept on the message but not executed.
 *
 * @throws what `generate` or `dispatch` throw.
 */
export async function runAssistantTurn(input: AssistantTurnInput): Promise<AssistantTurn> {
  const staged: ChatMessage[] = [];
  const withTools = input.tools.length > 0;
  let rounds = 0;
  while (rounds < input.maxToolRounds || !withTools) {
    const reply = await input.generate({
      messages: [...input.base, ...staged],
      ...(withTools ? { tools: [...input.tools] } : {}),
    });
    const calls = reply.message.tool_calls;
    if (!withTools || !calls || calls.length === 0) {
      staged.push({ role: "assistant", content: reply.message.content ?? "" });
      return { messages: staged, toolRounds: rounds };
    }
    staged.push({ role: "assistant", content: reply.message.content ?? null, tool_calls: calls });
    if (!input.dispatch) throw new Error("Cannot run tool calls: no tool session is open");
    staged.push(...await input.dispatch(calls));
    rounds++;
  }
  const reply = await input.generate({
    messages: [...input.base, ...staged, { role: "user", content: STOP_CALLING_TOOLS }],
  });
  const calls = reply.message.tool_calls;
  staged.push(
    calls && calls.length > 0
      ? { role: "assistant", content: reply.message.content ?? null, tool_calls: calls }
      : { role: "assistant", content: reply.message.content ?? "" },
  );
  return { messages: staged, toolRounds: rounds };
}
