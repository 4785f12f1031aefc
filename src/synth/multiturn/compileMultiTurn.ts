/**
 * Compiles `multiturn_attributes` (spec §10.1) into steps: parses every persona, the output
 * system prompt and the planner instructions once, and checks their placeholders against the
 * attributes available at that point plus the conversation's own values (`target_turns`,
 * `current_turn`, `conversation_plan`, `parsed_turn_plans`, `grounding_facts`).
 *
 * @module
 */
import type { Role } from "../../engines/contract.ts";
import { renderGroundingFacts } from "../../environments/index.ts";
import type { ConfigIssue } from "../../errors.ts";
import type { Rng } from "../../plan/rng.ts";
import type { Formatter, Template } from "../../template/format.ts";
import { type MultiTurnStep, multiTurnStep, type ToolRuntime } from "./step.ts";

/** A multi-turn attribute as validated by the config layer (roles lower-case). */
export interface MultiTurnAttributeSpec {
  id: string;
  min_turns: number;
  max_turns: number;
  role_instruction_messages: Readonly<Record<string, string | undefined>>;
  output_system_prompt?: string | null;
  conversation_planner?: string | null;
  available_environments?: readonly string[] | null;
  available_tools?: readonly string[] | null;
  max_consecutive_tool_turns?: number | null;
}

/** Names a conversation template may use besides the record's attributes (§10.4, §10.6). */
export const CONVERSATION_VALUES = [
  "target_turns",
  "current_turn",
  "conversation_plan",
  "parsed_turn_plans",
  "grounding_facts",
] as const;

/** What {@link compileMultiTurn} needs from the surrounding compiler. */
export interface MultiTurnCompileContext {
  formatter: Formatter;
  /** Reports placeholders that name no attribute known at this point. */
  checkNames: (names: readonly string[], path: string) => void;
  issues: ConfigIssue[];
  warnings: string[];
  /** Stream of this attribute (turn counts). */
  rng: Rng;
  runtime: ToolRuntime;
}

/**
 * Compiles one attribute at config path `path`. Template problems are appended to
 * `context.issues` (the step is still returned, or `undefined` when a template did not parse).
 * A persona of USER or ASSISTANT that mentions `{grounding_facts}` adds a warning (§11.6:
 * grounding is meant for the planner).
 */
export function compileMultiTurn(
  spec: MultiTurnAttributeSpec,
  path: string,
  context: MultiTurnCompileContext,
): MultiTurnStep | undefined {
  const extras = new Set<string>(CONVERSATION_VALUES);
  let broken = false;
  const compile = (text: string, at: string): Template | undefined => {
    try {
      const template = context.formatter.compile(text);
      context.checkNames(template.placeholders.filter((n) => !extras.has(n)), at);
      return template;
    } catch (error) {
      context.issues.push({ path: at, message: `Invalid template: ${(error as Error).message}` });
      broken = true;
      return undefined;
    }
  };
  const personas: [Role, Template][] = [];
  for (const [role, text] of Object.entries(spec.role_instruction_messages)) {
    if (typeof text !== "string") continue;
    const template = compile(text, `${path}.role_instruction_messages.${role.toUpperCase()}`);
    if (!template) continue;
    personas.push([role as Role, template]);
    if (
      (role === "user" || role === "assistant") &&
      template.placeholders.includes("grounding_facts")
    ) {
      context.warnings.push(
        `${path}.role_instruction_messages.${role.toUpperCase()} uses {grounding_facts}: ` +
          "grounding facts are meant for the conversation planner and are rendered raw here",
      );
    }
  }
  const outputSystemPrompt = spec.output_system_prompt
    ? compile(spec.output_system_prompt, `${path}.output_system_prompt`)
    : undefined;
  const conversationPlanner = spec.conversation_planner
    ? compile(spec.conversation_planner, `${path}.conversation_planner`)
    : undefined;
  if (broken) return undefined;
  return multiTurnStep({
    id: spec.id,
    configPath: path,
    minTurns: spec.min_turns,
    maxTurns: spec.max_turns,
    personas,
    outputSystemPrompt,
    conversationPlanner,
    scope: {
      available_environments: spec.available_environments ?? null,
      available_tools: spec.available_tools ?? null,
    },
    maxToolRounds: spec.max_consecutive_tool_turns ?? 50,
    rng: context.rng,
    renderFacts: renderGroundingFacts,
  }, context.runtime);
}
