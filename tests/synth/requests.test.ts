/**
 * The one request path (src/synth/requests.ts): retries, usage, the gate, and the response hook
 * with its keys — directly, and through the real compiler, scheduler and writers for generated
 * and multi-turn attributes (a recorded run replays without calling the engine).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { GenerateRequest, GenerateResult } from "../../src/engines/contract.ts";
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from "../../src/engines/retry.ts";
import { EngineError } from "../../src/errors.ts";
import { type CompilableConfig, compileSynthesis } from "../../src/synth/compile.ts";
import {
  createRequestPath,
  type RequestKey,
  type ResponseHook,
  type RetryInfo,
} from "../../src/synth/requests.ts";
import { synthesize } from "../../src/synth/run.ts";
import { createRunStats } from "../../src/synth/stats.ts";
import { scriptedEngine, type ScriptedEngineOptions } from "../helpers/scriptedEngine.ts";

const dir = mkdtempSync(join(tmpdir(), "synth-requests-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let runs = 0;

const FAST_RETRY: RetryPolicy = {
  ...DEFAULT_RETRY_POLICY,
  max_retries: 2,
  retry_backoff_base: 0.001,
  retry_backoff_max: 0.002,
};

const keyText = (k: RequestKey) => `${k.index}/${k.attribute}/${k.call}/${k.turn ?? "-"}`;

const qa: CompilableConfig = {
  num_samples: 4,
  seed: 3,
  strategy_params: {
    input_examples: [{ examples: [{ topic: "owls" }, { topic: "tides" }] }],
    generated_attributes: [
      { id: "question", instruction_messages: [{ role: "user", content: "Ask about {topic}." }] },
      { id: "answer", instruction_messages: [{ role: "user", content: "Answer: {question}" }] },
    ],
  },
};

const chat: CompilableConfig = {
  num_samples: 2,
  seed: 5,
  strategy_params: {
    input_examples: [{ examples: [{ name: "Ana" }, { name: "Ben" }] }],
    multiturn_attributes: [{
      id: "chat",
      min_turns: 2,
      max_turns: 4,
      role_instruction_messages: { user: "You are {name}.", assistant: "You help {name}." },
    }],
  },
};

function chatReply(r: GenerateRequest): string {
  if (r.jsonSchema) {
    const n = Number(/Plan a (\d+)-turn/.exec(r.messages[3].content!)![1]);
    return JSON.stringify({
      turns: Array.from({ length: n }, (_, i) => ({ turn: i + 1, instruction: `step ${i + 1}` })),
    });
  }
  return `message ${r.messages.length}`;
}

async function run(config: CompilableConfig, engine: ScriptedEngineOptions, hook?: ResponseHook) {
  const compiled = compileSynthesis(config);
  const stats = createRunStats(compiled.program.count);
  const engineUsed = scriptedEngine(engine);
  const outputPath = join(dir, `run${runs++}.jsonl`);
  await synthesize(compiled, {
    outputPath,
    stats,
    retry: FAST_RETRY,
    createEngine: () => Promise.resolve(engineUsed),
    ...(hook ? { responses: hook } : {}),
  });
  return { engine: engineUsed, stats, text: readFileSync(outputPath, "utf8") };
}

/** Runs `config` recording every response, then again replaying them with a failing engine. */
async function recordThenReplay(config: CompilableConfig, reply: ScriptedEngineOptions["reply"]) {
  const recorded = new Map<string, GenerateResult>();
  const first = await run(config, { reply }, {
    onResponse(key, _request, result) {
      expect(recorded.has(keyText(key))).toBe(false);
      recorded.set(keyText(key), result);
    },
  });
  const replay = await run(config, {
    reply: () => {
      throw new Error("the engine must not be called on replay");
    },
  }, { lookup: (key) => recorded.get(keyText(key)) });
  return { first, replay, keys: [...recorded.keys()] };
}

describe("request path", () => {
  test("every response passes the hook with its key; a recorded run replays without the engine", async () => {
    const { first, replay, keys } = await recordThenReplay(
      qa,
      (r) => `re: ${r.messages[0].content}`,
    );
    expect(keys.sort()).toEqual(
      [0, 1, 2, 3].flatMap((i) => [`${i}/answer/0/-`, `${i}/question/0/-`]),
    );
    expect(replay.text).toBe(first.text);
    expect(first.stats.usage.requests).toBe(8);
    // Replayed responses cost nothing this run.
    expect(replay.stats.usage.requests).toBe(0);
    expect(replay.engine.requests).toHaveLength(0);
  });

  test("conversation requests are keyed by call and message number (none for the planner)", async () => {
    const { first, replay, keys } = await recordThenReplay(chat, chatReply);
    expect(replay.text).toBe(first.text);
    const ofRecord0 = keys.filter((k) => k.startsWith("0/"));
    expect(ofRecord0[0]).toBe("0/chat/0/-");
    const turns = ofRecord0.slice(1);
    expect(turns.length % 2).toBe(0);
    expect(turns).toEqual(turns.map((_, k) => `0/chat/${k + 1}/${k + 1}`));
  });

  test("retries after a retryable failure, counts usage once, and reports each wait", async () => {
    let attempt = 0;
    const engine = scriptedEngine({
      reply: () => {
        if (attempt++ < 2) throw new EngineError("busy", { retryable: true, status: 503 });
        return "fine";
      },
    });
    const stats = createRunStats(1);
    const retries: RetryInfo[] = [];
    const path = createRequestPath({
      engine,
      stats,
      retry: FAST_RETRY,
      signal: new AbortController().signal,
      concurrency: 1,
      onRetry: (info) => retries.push(info),
    });
    const result = await path.forRecord(7, "answer")({
      messages: [{ role: "user", content: "hi" }],
    });
    expect(result.message.content).toBe("fine");
    expect(engine.requests).toHaveLength(3);
    expect(retries.map((r) => [r.index, r.attribute, r.error.status])).toEqual([
      [7, "answer", 503],
      [7, "answer", 503],
    ]);
    expect(stats.usage.requests).toBe(1);
    expect(stats.usageByAttribute.get("answer")?.requests).toBe(1);
  });

  test("more records in flight than engine slots: requests queue to the engine's size", async () => {
    const engine = scriptedEngine({ maxConcurrency: 2, latencyMs: 1 });
    const path = createRequestPath({
      engine,
      stats: createRunStats(8),
      retry: FAST_RETRY,
      signal: new AbortController().signal,
      concurrency: 8,
    });
    await Promise.all(
      Array.from(
        { length: 8 },
        (_, i) => path.forRecord(i, "a")({ messages: [{ role: "user", content: `${i}` }] }),
      ),
    );
    expect(engine.requests).toHaveLength(8);
    expect(engine.peakInFlight).toBe(2);
  });
});
