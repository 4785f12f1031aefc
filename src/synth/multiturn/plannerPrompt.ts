/**
 * The conversation planner's prompt (spec §10.4): a system instruction, a one-shot example
 * request and answer, and the real request for one record.
 *
 * @module
 */
import type { ChatMessage, JsonSchema } from "../../engines/contract.ts";
import { roleOfMessage } from "./turnCount.ts";

/**
 * JSON schema of a plan, sent as guided decoding with the planner call (§10.4). The item schema
 * is inlined (oumi's `$defs`/`$ref` pair expresses the same) so every engine's grammar
 * compiler accepts it.
 */
export const PLANNER_SCHEMA: JsonSchema = {
  type: "object",
  properties: {
    turns: {
      type: "array",
      items: {
        type: "object",
        properties: { turn: { type: "integer" }, instruction: { type: "string" } },
        required: ["turn", "instruction"],
        additionalProperties: false,
      },
    },
  },
  required: ["turns"],
  additionalProperties: false,
};

const SYSTEM = [
  "You are a conversation planner. You plan realistic multi-turn conversations between the",
  "roles described to you, one instruction per turn.",
  'Output a raw JSON object with a "turns" array; each element is an object',
  '{"turn": <turn number>, "instruction": "<what happens in this turn>"}.',
  "Do not use markdown or code fences. Do not add any text before or after the JSON.",
  "Instructions must be specific to the role context you are given.",
].join("\n");

const EXAMPLE_REQUEST = [
  "Plan a 4-turn conversation.",
  "Turn order: Turn 1: USER, Turn 2: ASSISTANT, Turn 3: USER, Turn 4: ASSISTANT",
  "",
  "Role context:",
  "[USER]",
  "You are a customer whose order arrived damaged.",
  "",
  "[ASSISTANT]",
  "You are a support agent for an online shop.",
  "",
  "Additional instructions: The customer should get a replacement by the end.",
].join("\n");

const EXAMPLE_ANSWER = JSON.stringify({
  turns: [
    { turn: 1, instruction: "Say the order arrived with a cracked screen and ask what to do." },
    { turn: 2, instruction: "Apologise and ask for the order number and a photo of the damage." },
    { turn: 3, instruction: "Give the order number and say the photo is attached." },
    { turn: 4, instruction: "Confirm a free replacement and give the expected delivery date." },
  ],
});

/** What one record's planner request is built from. */
export interface PlannerInput {
  /** Messages in the conversation (`target_turns`). */
  targetTurns: number;
  /** `[ROLE, rendered persona]` for every `role_instruction_messages` entry, in config order. */
  personas: readonly (readonly [string, string])[];
  /** Grounding facts rendered as bullet lines (§11.6), or `""` for none. */
  groundingBlock: string;
  /** The rendered `conversation_planner` text, or undefined. */
  extraInstructions?: string;
}

/**
 * Builds the 4-message planner conversation (§10.4): SYSTEM, example USER request, example
 * ASSISTANT answer (`{"turns": [...]}` without fences), and the real USER request with the turn
 * count, turn order, guidelines, role context, grounding block and additional instructions.
 */
export function buildPlannerMessages(input: PlannerInput): ChatMessage[] {
  const n = input.targetTurns;
  const order = Array.from(
    { length: n },
    (_, i) => `Turn ${i + 1}: ${roleOfMessage(i + 1).toUpperCase()}`,
  ).join(", ");
  const roleContext = input.personas.map(([role, text]) => `[${role.toUpperCase()}]\n${text}`)
    .join("\n\n");
  const parts = [
    `Plan a ${n}-turn conversation.`,
    `Turn order: ${order}`,
    "",
    "Guidelines:",
    "- Each turn builds on the previous one.",
    `- Pace the conversation naturally over ${n} turns; do not resolve everything at once.`,
    "- Describe what happens in each turn, not the exact wording.",
    "- Be specific to the roles below.",
    "",
    "Role context:",
    roleContext,
  ];
  if (input.groundingBlock) {
    parts.push(
      "",
      "The conversation must be about these specific entities (use their exact values):",
      input.groundingBlock,
      "",
      "Grounding rules (role-aware):",
      "- USER turns may state the concrete identifiers above inline.",
      "- Treat the other fields as preconditions; when a request conflicts with them, plan a " +
        "recovery flow (the assistant explains and offers an alternative).",
      "- ASSISTANT turns must not state tool outputs in advance; say which tool the assistant " +
        "should call to find out.",
    );
  }
  if (input.extraInstructions) {
    parts.push("", `Additional instructions: ${input.extraInstructions}`);
  }
  parts.push("", 'Respond with the JSON object only: {"turns": [...]}');
  return [
    { role: "system", content: SYSTEM },
    { role: "user", content: EXAMPLE_REQUEST },
    { role: "assistant", content: EXAMPLE_ANSWER },
    { role: "user", content: parts.join("\n") },
  ];
}
