/**
 * A multi-turn attribute as a {@link RecordStep} (spec §10; DECISIONS differences 6-8): for one
 * record it draws the length, plans the conversation, then writes each message in turn (user
 * messages in one call, assistant messages through the tool loop), and stores
 * `<id>` (the conversation) and `<id>_plan`. Each record's conversation advances on its own;
 * the engine's concurrency is the only limit (no lock-step across records).
 *
 * @module
 */
import type {
  ChatMessage,
  Generate,
  GenerateRequest,
  Role,
  ToolDefinition,
} from "../../engines/contract.ts";
import type { Environments, ToolScope } from "../../environments/index.ts";
import type { Rng } from "../../plan/rng.ts";
import type { Template } from "../../template/format.ts";
import { RecordFiltered, type RecordStep, type StepContext } from "../program.ts";
import { runAssistantTurn } from "./assistantLoop.ts";
import { firstEmptyMessage, outputConversation } from "./conversation.ts";
import { buildPlannerMessages, PLANNER_SCHEMA } from "./plannerPrompt.ts";
import { parsePlan } from "./planParse.ts";
import { buildTurnMessages } from "./turnPrompt.ts";
import { drawMessageCount, roleOfMessage } from "./turnCount.ts";

/** Planner attempts per record before the conversation goes on without a plan (§10.5). */
export const PLANNER_ATTEMPTS = 3;

/** Prefix of `<id>_plan` when no plan could be parsed (DECISIONS difference 6). */
export const PLAN_FAILED_PREFIX = "PLAN FAILED: ";

/** A multi-turn attribute with its templates parsed (see `compileMultiTurn`). */
export interface MultiTurnParts {
  id: string;
  /** Key path of the attribute in the config, e.g. `strategy_params.multiturn_attributes[0]`. */
  configPath: string;
  minTurns: number;
  maxTurns: number;
  /** Persona templates in config order, by lower-case role. */
  personas: readonly (readonly [Role, Template])[];
  outputSystemPrompt?: Template;
  conversationPlanner?: Template;
  scope: ToolScope;
  maxToolRounds: number;
  /** Stream of this attribute; record `i` draws from `rng.fork(i)`. */
  rng: Rng;
  /** Renders `{grounding facts}` as planner bullet lines (§11.6). */
  renderFacts: (facts: readonly Record<string, unknown>[]) => string;
}

/** Tool state shared by the steps of a run, filled by `Program.prepare`. */
export interface ToolRuntime {
  environments?: Environments;
}

/** A compiled multi-turn attribute. */
export interface MultiTurnStep extends RecordStep {
  readonly parts: MultiTurnParts;
  /** The run's tool state (shared by the steps of one program). */
  readonly runtime: ToolRuntime;
  /** Tools offered to the assistant (set by `Program.prepare`; empty without environments). */
  tools: ToolDefinition[];
}

/** Creates the step for `parts`; `runtime.environments` is read when each record starts. */
/**
 * The values a conversation's templates (personas, planner) see before its first message: the
 * record plus `target_turns` (= `n` messages), `current_turn` 1, an empty plan and the grounding
 * `facts` (spec §10.4; facts never enter the record, DECISIONS 8).
 */
export function conversationValues(
  record: Readonly<Record<string, unknown>>,
  n: number,
  facts: readonly unknown[],
): Record<string, unknown> {
  return {
    ...record,
    target_turns: n,
    current_turn: 1,
    conversation_plan: "",
    parsed_turn_plans: new Array<string>(n).fill(""),
    grounding_facts: facts,
  };
}

export function multiTurnStep(parts: MultiTurnParts, runtime: ToolRuntime): MultiTurnStep {
  const step: MultiTurnStep = {
    id: parts.id,
    parts,
    runtime,
    tools: [],
    run: (record, generate, context) =>
      runConversation(parts, step.tools, runtime, record, generate, context),
  };
  return step;
}

async function runConversation(
  parts: MultiTurnParts,
  tools: ToolDefinition[],
  runtime: ToolRuntime,
  record: Record<string, unknown>,
  generate: Generate,
  context: StepContext,
): Promise<void> {
  const n = drawMessageCount(parts.minTurns, parts.maxTurns, parts.rng.fork(context.index));
  const environments = runtime.environments;
  const facts = environments ? environments.groundingFacts(context.index, parts.scope) : [];
  // Template values beyond the record; grounding facts stay out of the record (DECISIONS 8).
  const values = conversationValues(record, n, facts);
  // Requests of records with more messages left go first when requests queue (pipeline gate).
  // Expected requests left: 1 per user message, 2 per assistant message (a tool round, then the
  // answer) when tools are offered.
  const perAssistant = tools.length > 0 ? 2 : 1;
  const requestsFrom = (k: number) => {
    let count = 0;
    for (let j = k; j <= n; j++) count += j % 2 === 1 ? 1 : perAssistant;
    return count;
  };
  let remaining = 1 + requestsFrom(1);
  // The message being written (part of each request's key); none while planning.
  let turn: number | undefined;
  const send: Generate = (request) =>
    generate(request, turn === undefined ? { remaining } : { remaining, turn });
  const persona = (role: Role) => parts.personas.find(([r]) => r === role)![1].render(values);

  // Plan (§10.4-§10.5).
  const plannerMessages = buildPlannerMessages({
    targetTurns: n,
    personas: parts.personas.map(([role, t]) => [role, t.render(values)] as const),
    groundingBlock: facts.length > 0 ? parts.renderFacts(facts) : "",
    extraInstructions: parts.conversationPlanner?.render(values),
  });
  let planText = "";
  let instructions = new Array<string>(n).fill("");
  let failure = "";
  for (let attempt = 1; attempt <= PLANNER_ATTEMPTS; attempt++) {
    const reply = await send({ messages: plannerMessages, jsonSchema: PLANNER_SCHEMA });
    const text = reply.message.content ?? "";
    const parsed = parsePlan(text, n);
    if (parsed.ok) {
      planText = text;
      instructions = parsed.instructions;
      failure = "";
      break;
    }
    failure = parsed.reason;
  }
  if (failure) {
    planText = `${PLAN_FAILED_PREFIX}${failure} (${PLANNER_ATTEMPTS} attempts)`;
  } else {
    values.conversation_plan = planText;
    values.parsed_turn_plans = instructions;
  }

  // Messages (§10.6-§10.7), each conversation on its own.
  const session = tools.length > 0 && environments
    ? await environments.openSession(context.index, send)
    : undefined;
  const history: ChatMessage[] = [];
  try {
    for (let k = 1; k <= n; k++) {
      const role = roleOfMessage(k);
      values.current_turn = k;
      turn = k;
      remaining = requestsFrom(k);
      const base = buildTurnMessages({
        persona: persona(role),
        history,
        k,
        targetTurns: n,
        role,
        instruction: instructions[k - 1],
      });
      const before = history.length;
      if (role === "user") {
        const reply = await send({ messages: base } satisfies GenerateRequest);
        history.push({ role: "user", content: (reply.message.content ?? "").trim() });
      } else {
        const turn = await runAssistantTurn({
          base,
          tools,
          maxToolRounds: parts.maxToolRounds,
          generate: send,
          dispatch: session ? (calls) => session.dispatch(calls) : undefined,
        });
        history.push(...turn.messages);
      }
      // An empty message filters the conversation (§10.8): stop spending tokens on it now.
      const empty = firstEmptyMessage(history.slice(before));
      if (empty !== undefined) {
        const m = history[before + empty - 1];
        throw new RecordFiltered(
          `Conversation "${parts.id}" has an empty ${m.role} message: filtered out`,
        );
      }
    }
  } finally {
    await session?.close();
  }
  const system = parts.outputSystemPrompt?.render(values).trim();
  record[parts.id] = outputConversation(system, history, tools);
  record[`${parts.id}_plan`] = planText;
}
