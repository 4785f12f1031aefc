/**
 * Multi-turn attributes through the real compiler, scheduler and writers (§10, §20.13), with the
 * model's text scripted and, for tool use, a small fake of the environments (the real ones run
 * in the end-to-end tests).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { GenerateRequest } from "../../../src/engines/contract.ts";
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from "../../../src/engines/retry.ts";
import { ConfigError } from "../../../src/errors.ts";
import { type CompilableConfig, compileSynthesis } from "../../../src/synth/compile.ts";
import type { MultiTurnAttributeSpec } from "../../../src/synth/multiturn/compileMultiTurn.ts";
import { PLAN_FAILED_PREFIX } from "../../../src/synth/multiturn/step.ts";
import { synthesize } from "../../../src/synth/run.ts";
import { createRunStats } from "../../../src/synth/stats.ts";
import { ManualClock } from "../../helpers/manualClock.ts";
import { scriptedEngine, type ScriptedEngineOptions } from "../../helpers/scriptedEngine.ts";
import { call, type FakeEnvironments, fakeEnvironments } from "./fakeEnvironments.ts";

const dir = mkdtempSync(join(tmpdir(), "synth-multiturn-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let runs = 0;
const RETRY: RetryPolicy = { ...DEFAULT_RETRY_POLICY, max_retries: 0 };

const NAMES = ["Ana", "Ben", "Cy"];

function config(mt: Partial<MultiTurnAttributeSpec> = {}, count = 3): CompilableConfig {
  return {
    num_samples: count,
    seed: 5,
    strategy_params: {
      input_examples: [{ examples: NAMES.slice(0, count).map((name) => ({ name })) }],
      multiturn_attributes: [{
        id: "chat",
        min_turns: 2,
        max_turns: 6,
        role_instruction_messages: {
          user: "You are {name}; message {current_turn} of {target_turns}.",
          assistant: "You are LibBot helping {name}.",
        },
        output_system_prompt: "  LibBot talks to {name}.  ",
        ...mt,
      }],
    },
  };
}

const isPlanner = (r: GenerateRequest) => r.jsonSchema !== undefined;
const speaker = (r: GenerateRequest) =>
  r.messages.at(-1)!.content!.includes("as the USER") ? "user" : "assistant";
const who = (r: GenerateRequest) => NAMES.find((n) => r.messages[0].content!.includes(n)) ?? "?";

const PLAN = (r: GenerateRequest) => {
  const n = Number(/Plan a (\d+)-turn/.exec(r.messages[3].content!)![1]);
  return JSON.stringify({
    turns: Array.from({ length: n }, (_, i) => ({ turn: i + 1, instruction: `step ${i + 1}` })),
  });
};

function defaultReply(r: GenerateRequest): string {
  if (isPlanner(r)) return PLAN(r);
  return speaker(r) === "user" ? `  ${who(r)} asks  ` : `answer for ${who(r)}`;
}

async function run(
  cfg: CompilableConfig,
  engineOptions: ScriptedEngineOptions = {},
  environments?: FakeEnvironments,
) {
  const engine = scriptedEngine({ reply: defaultReply, ...engineOptions });
  const compiled = compileSynthesis(cfg);
  if (environments) {
    compiled.program.prepare = () => {
      for (const step of compiled.multiturn) {
        step.runtime.environments = environments;
        step.tools = environments.toolsFor(step.parts.scope);
      }
      return Promise.resolve();
    };
  }
  const stats = createRunStats(compiled.program.count);
  const outputPath = join(dir, `run${runs++}`, "out.jsonl");
  const result = await synthesize(compiled, {
    outputPath,
    stats,
    retry: RETRY,
    createEngine: () => Promise.resolve(engine),
  });
  const lines = existsSync(outputPath)
    ? readFileSync(outputPath, "utf8").split("\n").filter(Boolean)
    : [];
  const summary = JSON.parse(readFileSync(result.summaryPath, "utf8"));
  return { engine, stats, result, lines, records: lines.map((l) => JSON.parse(l)), summary };
}

describe("conversations", () => {
  test("one conversation per record: plan, alternating messages ending on the assistant", async () => {
    const { records, engine, lines } = await run(config());
    expect(records).toHaveLength(3);
    for (const [i, record] of records.entries()) {
      expect(Object.keys(record)).toEqual(["name", "chat", "chat_plan"]);
      const messages = record.chat.messages;
      expect(messages[0]).toEqual({ content: `LibBot talks to ${NAMES[i]}.`, role: "system" });
      const turns = messages.slice(1);
      expect(turns.length % 2).toBe(0);
      expect(turns.length).toBeGreaterThanOrEqual(2);
      expect(turns.length).toBeLessThanOrEqual(6);
      turns.forEach((m: { role: string; content: string }, k: number) => {
        expect(m.role).toBe(k % 2 === 0 ? "user" : "assistant");
        expect(m.content).toBe(k % 2 === 0 ? `${NAMES[i]} asks` : `answer for ${NAMES[i]}`);
      });
      expect(JSON.parse(record.chat_plan).turns).toHaveLength(turns.length);
      expect(Object.keys(record.chat)).toEqual(["messages"]);
    }
    expect(lines[0].startsWith('{"name": "Ana", "chat": {"messages": [{"content": ')).toBe(true);
    // Planner calls carry the plan schema; message calls carry neither schema nor tools.
    const planner = engine.requests.filter(isPlanner);
    expect(planner).toHaveLength(3);
    expect(planner[0].messages).toHaveLength(4);
    expect(engine.requests.filter((r) => !isPlanner(r)).every((r) => !r.tools)).toBe(true);
  });

  test("{current_turn} and the plan's instruction reach each message's prompt", async () => {
    const { engine, records } = await run(config({}, 1));
    const n = records[0].chat.messages.length - 1;
    const userPrompts = engine.requests.filter((r) => !isPlanner(r) && speaker(r) === "user");
    expect(userPrompts.map((r) => r.messages[0].content)).toEqual(
      Array.from({ length: n / 2 }, (_, i) => `You are Ana; message ${2 * i + 1} of ${n}.`),
    );
    expect(userPrompts[0].messages.at(-1)!.content).toContain("For this turn: step 1");
    // The planner's role context renders the persona (current_turn = 1 there).
    const planner = engine.requests.find(isPlanner)!;
    expect(planner.messages[3].content).toContain(`[USER]\nYou are Ana; message 1 of ${n}.`);
  });

  test("planner personas see an empty plan: conversation_plan '' and N empty turn plans", async () => {
    const { engine, records } = await run(
      config({
        role_instruction_messages: {
          user: "plan=[{conversation_plan}] turns={parsed_turn_plans}",
          assistant: "a",
        },
      }, 1),
    );
    const n = records[0].chat.messages.length - 1;
    const planner = engine.requests.find(isPlanner)!.messages[3].content!;
    expect(planner).toContain(`plan=[] turns=[${new Array(n).fill("''").join(", ")}]`);
    // Message prompts then see the parsed plan.
    const first = engine.requests.find((r) => !isPlanner(r))!.messages[0].content!;
    expect(first).toContain("'step 1'");
  });

  test("turn counts are reproducible with the seed", async () => {
    const a = await run(config({ min_turns: 2, max_turns: 12 }));
    const b = await run(config({ min_turns: 2, max_turns: 12 }));
    expect(a.lines).toEqual(b.lines);
  });

  test("a plan that never parses: 3 attempts, recorded as a failure, conversation still made", async () => {
    const { records, engine } = await run(config({}, 1), {
      reply: (r) => isPlanner(r) ? "I'm sorry, I can't plan that." : defaultReply(r),
    });
    expect(engine.requests.filter(isPlanner)).toHaveLength(3);
    expect(records[0].chat_plan.startsWith(PLAN_FAILED_PREFIX)).toBe(true);
    expect(records[0].chat_plan).toContain("no JSON object");
    expect(records[0].chat.messages.length).toBeGreaterThan(2);
    const turnPrompts = engine.requests.filter((r) => !isPlanner(r));
    expect(turnPrompts.every((r) => !r.messages.at(-1)!.content!.includes("For this turn"))).toBe(
      true,
    );
  });

  test("a plan that parses on the second attempt is stored raw", async () => {
    let planner = 0;
    const { records } = await run(config({}, 1), {
      reply: (r) => isPlanner(r) ? (planner++ === 0 ? "" : `Plan: ${PLAN(r)}`) : defaultReply(r),
    });
    expect(planner).toBe(2);
    expect(records[0].chat_plan.startsWith('Plan: {"turns"')).toBe(true);
  });

  test("a conversation with an empty message is filtered, counted and reported", async () => {
    const { records, stats, summary, result } = await run(config(), {
      reply: (r) =>
        !isPlanner(r) && speaker(r) === "assistant" && who(r) === "Ben" ? "  " : defaultReply(r),
    });
    expect(records.map((r) => r.name)).toEqual(["Ana", "Cy"]);
    expect(stats.filtered).toBe(1);
    expect(stats.failed).toBe(0);
    expect(summary.records_filtered).toBe(1);
    expect(result.errorsPath).toBeUndefined();
    expect([...stats.filterReasons.keys()][0]).toContain(
      'Conversation "chat" has an empty assistant message',
    );
  });

  test("conversations advance on their own: a slow record does not hold the others back", async () => {
    const { engine, records } = await run(config({ min_turns: 6, max_turns: 6 }), {
      latencyMs: (r) => who(r) === "Ana" ? 40 : 0,
      clock: new ManualClock({ auto: true }),
      maxConcurrency: 3,
    });
    expect(records).toHaveLength(3);
    // More records than slots may be in flight, but the engine never sees more than its slots.
    expect(engine.peakInFlight).toBeLessThanOrEqual(3);
    const order = engine.requests.map(who);
    // Ben and Cy finish all 1 + 6 calls before Ana has made her third call (lock-step would
    // keep every record at the same message index).
    const anaThird = order.indexOf("Ana", order.indexOf("Ana", order.indexOf("Ana") + 1) + 1);
    expect(order.lastIndexOf("Ben")).toBeLessThan(anaThird);
    expect(order.lastIndexOf("Cy")).toBeLessThan(anaThird);
  });
});

describe("compile-time checks", () => {
  test("unknown placeholders in personas, system prompt and planner text are config errors", () => {
    const error = (() => {
      try {
        compileSynthesis(config({
          role_instruction_messages: { user: "{nmae}", assistant: "ok {current_turn}" },
          output_system_prompt: "{missing}",
          conversation_planner: "{also_missing} {target_turns}",
        }));
      } catch (e) {
        return e;
      }
    })() as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.issues.map((i) => i.path)).toEqual([
      "strategy_params.multiturn_attributes[0].role_instruction_messages.USER",
      "strategy_params.multiturn_attributes[0].output_system_prompt",
      "strategy_params.multiturn_attributes[0].conversation_planner",
    ]);
  });

  test("{grounding_facts} in a USER or ASSISTANT persona warns; nothing is unsupported", () => {
    const compiled = compileSynthesis(config({
      role_instruction_messages: { user: "u {grounding_facts}", assistant: "a" },
    }));
    expect(compiled.unsupported).toEqual([]);
    expect(compiled.warnings.join("\n")).toContain("{grounding_facts}");
    expect(compileSynthesis(config()).warnings).toEqual([]);
  });

  test("later attributes may reference earlier conversations and plans", () => {
    const cfg = config();
    const first = cfg.strategy_params.multiturn_attributes![0];
    cfg.strategy_params.multiturn_attributes = [first, {
      ...first,
      id: "followup",
      conversation_planner: "Continue {chat} following {chat_plan}",
    }];
    expect(compileSynthesis(cfg).multiturn.map((s) => s.id)).toEqual(["chat", "followup"]);
  });
});

describe("tool use", () => {
  const toolReply = (r: GenerateRequest, n: number) => {
    if (isPlanner(r)) return PLAN(r);
    if (speaker(r) === "user") return `${who(r)} asks about weather`;
    // First call of an assistant turn calls the tool; after the result, answer.
    return r.messages.at(-1)!.role === "tool"
      ? `It is sunny for ${who(r)}.`
      : { content: null, tool_calls: [call(`call_${n}`)] };
  };

  test("tools on assistant prompts only; calls and results in oumi's shape; tools listed", async () => {
    const env = fakeEnvironments({ facts: (i) => [{ id: String(40 + i), title: "Dune" }] });
    const { records, engine, lines, stats } = await run(config({ min_turns: 2, max_turns: 2 }), {
      reply: toolReply,
      capabilities: { jsonSchema: false, tools: true },
    }, env);
    expect(records).toHaveLength(3);
    const messages = records[0].chat.messages;
    expect(messages.map((m: { role: string }) => m.role)).toEqual([
      "system",
      "user",
      "assistant",
      "tool",
      "assistant",
    ]);
    expect(Object.keys(messages[2])).toEqual(["role", "tool_calls", "content"]);
    expect(messages[3].tool_call_id).toBe(messages[2].tool_calls[0].id);
    expect(records[0].chat.tools).toEqual([{
      function: {
        name: "get_weather",
        description: "Weather of a city",
        parameters: { type: "object", properties: { city: { type: "string" } } },
      },
    }]);
    for (const r of engine.requests) {
      if (isPlanner(r) || speaker(r) === "user") expect(r.tools).toBeUndefined();
      else expect(r.tools).toHaveLength(1);
    }
    // Grounding facts reach the planner, never the output.
    const planner = engine.requests.filter(isPlanner).map((r) => r.messages[3].content!);
    expect(planner.some((p) => p.includes("Grounding rules (role-aware)"))).toBe(true);
    expect(lines.join("\n")).not.toContain("grounding_facts");
    expect(lines.join("\n")).not.toContain('"40"');
    // Token counters cover every call (planner, turns, tool rounds).
    expect(stats.usage.requests).toBe(engine.requests.length);
    expect(stats.usageByAttribute.get("chat")!.requests).toBe(engine.requests.length);
    // One session per record, each closed.
    expect(env.opened.sort()).toEqual([0, 1, 2]);
    expect(env.closedSessions.sort()).toEqual([0, 1, 2]);
    expect(env.closed).toBe(true);
  });

  test("a record that fails mid-conversation still closes its session", async () => {
    const env = fakeEnvironments();
    const { stats } = await run(config({ min_turns: 2, max_turns: 2 }), {
      reply: (r, n) => {
        if (!isPlanner(r) && r.messages.at(-1)!.role === "tool" && who(r) === "Cy") {
          throw new Error("model crashed");
        }
        return toolReply(r, n);
      },
      capabilities: { jsonSchema: false, tools: true },
    }, env);
    expect(stats.failed).toBe(1);
    expect(stats.written).toBe(2);
    expect(env.closedSessions.sort()).toEqual([0, 1, 2]);
  });
});
