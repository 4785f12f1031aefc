/**
 * The per-message generation prompt (spec §10.6): the speaking role's persona as SYSTEM, the
 * conversation so far with its real roles (tool calls and results included), and a closing USER
 * message naming the message to write and the plan's instruction for it.
 *
 * @module
 */
import type { ChatMessage } from "../../engines/contract.ts";

/** What one message's prompt is built from. */
export interface TurnPromptInput {
  /** The speaking role's persona, rendered with `current_turn = k`. */
  persona: string;
  /** The conversation so far (without the output system prompt). */
  history: readonly ChatMessage[];
  /** 1-based message index. */
  k: number;
  /** Messages in the conversation. */
  targetTurns: number;
  role: "user" | "assistant";
  /** The plan's instruction for message `k` (`""` for none). */
  instruction: string;
}

/**
 * Builds `[SYSTEM persona, ...history, USER closing instruction]` (§10.6). The closing
 * message has up to three paragraphs: which message of how many and in which role; `For this
 * turn: <instruction>` when the plan has one; stay in character and output only this message.
 */
export function buildTurnMessages(input: TurnPromptInput): ChatMessage[] {
  const role = input.role.toUpperCase();
  const closing = [
    `You are writing message ${input.k} of ${input.targetTurns} in this conversation, as the ${role}.`,
  ];
  if (input.instruction.trim() !== "") closing.push(`For this turn: ${input.instruction}`);
  closing.push(
    `Output only the text of this ${role} message. Stay in character; do not describe the ` +
      "conversation or mention these instructions.",
  );
  return [
    { role: "system", content: input.persona },
    ...input.history,
    { role: "user", content: closing.join("\n\n") },
  ];
}

/** The extra USER message of a straggler's last call (§10.7 step 5). */
export const STOP_CALLING_TOOLS =
  "Stop calling tools now. Using the tool results you already have, answer the user in " +
  "natural language.";
