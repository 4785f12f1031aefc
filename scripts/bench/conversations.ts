/**
 * Benchmark (d): multi-turn conversations with tool calls (issue 6). 100 conversations of 6-10
 * messages, `num_workers: 32`, on an in-process engine whose latency varies per request between
 * 50 and 500 ms. The latency of a request is a hash of its messages, so both runs (which produce
 * the same conversations) see the same latencies. Compared in the same process:
 *
 * - synth: the real compiler, per-record scheduler, multi-turn step, environments (a lookup
 *   table) and JSONL writer — each conversation advances on its own;
 * - lock-step: the same prompts, tool dispatch and replies, but all records advance one message
 *   at a time (plan all; then message 1 of every record; then message 2, with the assistant's
 *   tool rounds also in lock-step), at most 32 requests in flight — how oumi schedules it.
 *
 * Target: synth >= 1.3x faster. Then messages/s on the tiny GGUF model through llama.cpp with
 * parallel sequences (the library tool-use config, real inference).
 *
 * Usage: bun scripts/bench/conversations.ts [--conversations 100] [--llama 16] [--parallel 4]
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { loadConfig } from "../../src/config/load.ts";
import type { ChatMessage, GenerateRequest } from "../../src/engines/contract.ts";
import { createEngine } from "../../src/engines/registry.ts";
import { DEFAULT_RETRY_POLICY } from "../../src/engines/retry.ts";
import { loadEnvironments } from "../../src/environments/index.ts";
import { compileSynthesis } from "../../src/synth/compile.ts";
import { buildPlannerMessages, PLANNER_SCHEMA } from "../../src/synth/multiturn/plannerPrompt.ts";
import { parsePlan } from "../../src/synth/multiturn/planParse.ts";
import { buildTurnMessages } from "../../src/synth/multiturn/turnPrompt.ts";
import { drawMessageCount, roleOfMessage } from "../../src/synth/multiturn/turnCount.ts";
import { synthesize } from "../../src/synth/run.ts";
import { createRunStats } from "../../src/synth/stats.ts";
import { scriptedEngine } from "../../tests/helpers/scriptedEngine.ts";
import { tinyGgufPath } from "../../tests/helpers/tinyModel.ts";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const CONVERSATIONS = arg("--conversations", 100);
const LLAMA_CONVERSATIONS = arg("--llama", 16);
const PARALLEL = arg("--parallel", 4);
const WORKERS = 32;
const ROOT = resolve(import.meta.dir, "..", "..");
const dir = mkdtempSync(join(tmpdir(), "synth-bench-conv-"));

const CONFIG = (n: number) =>
  `num_samples: ${n}
seed: 42
environment_config:
  environments:
    - id: library
      env_type: deterministic
      tools:
        - id: lookup_book_status
          name: lookup_book_status
          description: Borrow status of a book by id.
          parameters: {type: object, properties: {book_id: {type: string}}, required: [book_id]}
      env_kwargs:
        lookup_table:
          lookup_book_status:
            - {input: {book_id: B001}, output: {title: Dune, status: available}}
            - {input: {book_id: B002}, output: {title: Emma, status: checked_out}}
strategy_params:
  sampled_attributes:
    - id: persona
      name: Persona
      description: Patron
      possible_values:
        - {id: parent, name: An anxious parent, description: worried}
        - {id: reader, name: A keen reader, description: curious}
        - {id: pro, name: A busy professional, description: terse}
  multiturn_attributes:
    - id: dialog
      min_turns: 6
      max_turns: 10
      role_instruction_messages:
        USER: "You are {persona.name} ({persona.description}), message {current_turn}."
        ASSISTANT: You are LibBot. Look books up before answering.
      output_system_prompt: A patron talks to LibBot.
inference_config:
  engine: OPENAI
  model: {model_name: in-process}
  remote_params: {num_workers: ${WORKERS}}
`;

/** FNV-1a of the request's messages: the same request gets the same latency in both runs. */
function hashText(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
const hash = (request: GenerateRequest) => hashText(JSON.stringify(request.messages));
const latency = (r: GenerateRequest) => 50 + (hash(r) % 451);

function reply(r: GenerateRequest) {
  if (r.jsonSchema) {
    const n = Number(/Plan a (\d+)-turn/.exec(r.messages[3].content!)![1]);
    return JSON.stringify({
      turns: Array.from({ length: n }, (_, i) => ({ turn: i + 1, instruction: `step ${i + 1}` })),
    });
  }
  const closing = r.messages.findLastIndex((m) => m.role === "user");
  if (r.messages[closing].content!.includes("as the USER")) return `patron message ${closing}`;
  // This assistant message makes 0, 1 or 2 tool-call rounds (fixed by its prompt), then answers.
  const rounds = hashText(JSON.stringify(r.messages.slice(0, closing + 1))) % 3;
  const made = r.messages.length - closing - 1 === 0
    ? 0
    : r.messages.slice(closing + 1).filter((m) => m.role === "assistant").length;
  if (made < rounds) {
    const book = hash(r) % 2 === 0 ? "B001" : "B002";
    return {
      content: null,
      tool_calls: [{
        id: `call_${closing}_${made}`,
        type: "function" as const,
        function: { name: "lookup_book_status", arguments: JSON.stringify({ book_id: book }) },
      }],
    };
  }
  return `Here is what I found (${r.messages.length} messages so far).`;
}

/**
 * The in-process "server": at most {@link WORKERS} requests are served at once (like a server
 * with 32 workers, or oumi's `num_workers` semaphore); excess requests wait in FIFO order.
 */
function engineFor() {
  const engine = scriptedEngine({
    reply,
    latencyMs: latency,
    maxConcurrency: WORKERS,
    capabilities: { jsonSchema: false, tools: true },
  });
  let busy = 0;
  const waiting: (() => void)[] = [];
  const generate = engine.generate.bind(engine);
  engine.generate = async (request) => {
    if (busy >= WORKERS) await new Promise<void>((resolve) => waiting.push(resolve));
    else busy++;
    try {
      return await generate(request);
    } finally {
      const next = waiting.shift();
      if (next) next();
      else busy--;
    }
  };
  return engine;
}

/** Runs `tasks` with at most `limit` in flight; resolves when all are done (a barrier). */
async function allLimited<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const out: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      out[i] = await tasks[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return out;
}

const countMessages = (records: { dialog: { messages: { role: string }[] } }[]) =>
  records.reduce((n, r) => n + r.dialog.messages.filter((m) => m.role !== "system").length, 0);

async function runSynth(file: string) {
  const loaded = await loadConfig(file);
  const compiled = compileSynthesis(loaded.config, { configDir: loaded.dir });
  const engine = engineFor();
  const records: { dialog: { messages: { role: string }[] } }[] = [];
  const started = performance.now();
  await synthesize(compiled, {
    outputPath: join(dir, "synth.jsonl"),
    stats: createRunStats(compiled.program.count),
    retry: DEFAULT_RETRY_POLICY,
    createEngine: () => Promise.resolve(engine),
  });
  const seconds = (performance.now() - started) / 1000;
  const text = await Bun.file(join(dir, "synth.jsonl")).text();
  for (const line of text.split("\n").filter(Boolean)) records.push(JSON.parse(line));
  return {
    seconds,
    messages: countMessages(records),
    requests: engine.requests.length,
    records,
    latencies: engine.requests.map(latency),
  };
}

/** oumi's schedule: every record advances one message at a time, 32 requests in flight. */
async function runLockStep(file: string) {
  const loaded = await loadConfig(file);
  const compiled = compileSynthesis(loaded.config, { configDir: loaded.dir });
  const step = compiled.multiturn[0];
  const engine = engineFor();
  const started = performance.now();
  const environments = await loadEnvironments(loaded.config, {
    configDir: loaded.dir,
    engineSupportsJsonSchema: false,
  });
  const tools = environments.toolsFor(step.parts.scope);
  const generate = (r: GenerateRequest) => engine.generate(r);
  const states = Array.from({ length: compiled.program.count }, (_, index) => {
    const record = compiled.program.record(index);
    const n = drawMessageCount(
      step.parts.minTurns,
      step.parts.maxTurns,
      step.parts.rng.fork(index),
    );
    const values: Record<string, unknown> = {
      ...record,
      target_turns: n,
      current_turn: 1,
      conversation_plan: "",
      parsed_turn_plans: new Array(n).fill(""),
      grounding_facts: [],
    };
    return { index, n, values, history: [] as ChatMessage[], instructions: new Array(n).fill("") };
  });
  const persona = (s: (typeof states)[number], role: string) =>
    step.parts.personas.find(([r]) => r === role)![1].render(s.values);
  // 1. Plan every record (one barrier).
  await allLimited(
    states.map((s) => async () => {
      const messages = buildPlannerMessages({
        targetTurns: s.n,
        personas: step.parts.personas.map(([role, t]) => [role, t.render(s.values)] as const),
        groundingBlock: "",
      });
      const r = await generate({ messages, jsonSchema: PLANNER_SCHEMA });
      const parsed = parsePlan(r.message.content ?? "", s.n);
      if (parsed.ok) s.instructions = parsed.instructions;
    }),
    WORKERS,
  );
  const sessions = await Promise.all(
    states.map((s) => environments.openSession(s.index, generate)),
  );
  // 2. Message k of every record, k = 1, 2, ...; assistant tool rounds also in lock-step.
  const maxN = Math.max(...states.map((s) => s.n));
  for (let k = 1; k <= maxN; k++) {
    const active = states.filter((s) => s.n >= k);
    const role = roleOfMessage(k);
    const bases = active.map((s) => {
      s.values.current_turn = k;
      return buildTurnMessages({
        persona: persona(s, role),
        history: s.history,
        k,
        targetTurns: s.n,
        role,
        instruction: s.instructions[k - 1],
      });
    });
    if (role === "user") {
      const replies = await allLimited(bases.map((b) => () => generate({ messages: b })), WORKERS);
      active.forEach((s, i) =>
        s.history.push({ role: "user", content: (replies[i].message.content ?? "").trim() })
      );
      continue;
    }
    // One tool round at a time for all records (a barrier per round).
    const staged = active.map(() => [] as ChatMessage[]);
    let pending = active.map((_, i) => i);
    while (pending.length > 0) {
      const replies = await allLimited(
        pending.map((i) => () => generate({ messages: [...bases[i], ...staged[i]], tools })),
        WORKERS,
      );
      const next: number[] = [];
      await Promise.all(pending.map(async (i, j) => {
        const calls = replies[j].message.tool_calls;
        if (calls?.length) {
          staged[i].push({ role: "assistant", content: null, tool_calls: calls });
          staged[i].push(...await sessions[active[i].index].dispatch(calls));
          next.push(i);
        } else staged[i].push({ role: "assistant", content: replies[j].message.content ?? "" });
      }));
      pending = next.sort((a, b) => a - b);
    }
    active.forEach((s, i) => s.history.push(...staged[i]));
  }
  await Promise.all(sessions.map((s) => s.close()));
  await environments.close();
  const seconds = (performance.now() - started) / 1000;
  const messages = states.reduce((n, s) => n + s.history.length, 0);
  return {
    seconds,
    messages,
    requests: (engine as ReturnType<typeof scriptedEngine>).requests.length,
  };
}

async function runLlama(conversations: number, parallel: number) {
  const model = await tinyGgufPath();
  const file = join(
    ROOT,
    "..",
    "shared",
    "reference",
    "oumi-configs",
    "library_tool_use_synth.yaml",
  );
  const loaded = await loadConfig(file, {
    overrides: [
      "--num_samples",
      String(conversations),
      "--inference_config.engine",
      "LLAMACPP",
      "--inference_config.model.model_name",
      model,
      "--inference_config.generation.max_new_tokens",
      "48",
      "--seed",
      "1",
    ],
  });
  const compiled = compileSynthesis(loaded.config, { configDir: loaded.dir, seed: 1 });
  const stats = createRunStats(compiled.program.count);
  const engine = await createEngine(loaded.config.inference_config, {
    threads: 1,
    parallelSequences: parallel,
  });
  const started = performance.now();
  const result = await synthesize(compiled, {
    outputPath: join(dir, `llama-${parallel}.jsonl`),
    stats,
    retry: DEFAULT_RETRY_POLICY,
    createEngine: () => Promise.resolve(engine),
  });
  const seconds = (performance.now() - started) / 1000;
  const text = await Bun.file(result.outputPath).text();
  const records = text.split("\n").filter(Boolean).map((l) => JSON.parse(l)) as {
    library_dialog: { messages: { role: string }[] };
  }[];
  const messages = records.reduce(
    (n, r) => n + r.library_dialog.messages.filter((m) => m.role !== "system").length,
    0,
  );
  return {
    seconds,
    messages,
    written: stats.written,
    filtered: stats.filtered,
    tokens: stats.usage.outputTokens,
  };
}

try {
  const file = join(dir, "bench.yaml");
  writeFileSync(file, CONFIG(CONVERSATIONS));
  const lock = await runLockStep(file);
  const synth = await runSynth(file);
  const lengths = synth.records.map((r) => r.dialog.messages.length - 1);
  console.log(
    `${CONVERSATIONS} conversations, ${Math.min(...lengths)}-${Math.max(...lengths)} messages ` +
      `(6-10 user/assistant messages plus tool calls and results), ${WORKERS} workers, latency 50-500 ms per request`,
  );
  console.log("| schedule | wall time | requests | messages | messages/s |");
  console.log("|---|---|---|---|---|");
  for (
    const [name, r] of [["lock-step (oumi's schedule)", lock], [
      "synth (per record)",
      synth,
    ]] as const
  ) {
    console.log(
      `| ${name} | ${r.seconds.toFixed(2)} s | ${r.requests} | ${r.messages} | ${
        (r.messages / r.seconds).toFixed(1)
      } |`,
    );
  }
  const total = synth.latencies.reduce((a, b) => a + b, 0) / 1000;
  console.log(
    `sum of request latencies ${
      total.toFixed(1)
    } s; ${WORKERS} workers can serve them in no less than ${(total / WORKERS).toFixed(2)} s`,
  );
  console.log(`speed-up: **${(lock.seconds / synth.seconds).toFixed(2)}x** (target >= 1.3x)`);
  if (lock.messages !== synth.messages) {
    console.log(`warning: message counts differ (${lock.messages} vs ${synth.messages})`);
  }
  console.log("");
  console.log(
    `llama.cpp, tiny model, library_tool_use_synth.yaml, ${LLAMA_CONVERSATIONS} conversations, 1 thread, max_new_tokens 48`,
  );
  console.log(
    "| parallel sequences | wall time | conversations written / filtered | messages | messages/s | output tok/s |",
  );
  console.log("|---|---|---|---|---|---|");
  for (const parallel of [1, PARALLEL]) {
    const r = await runLlama(LLAMA_CONVERSATIONS, parallel);
    console.log(
      `| ${parallel} | ${r.seconds.toFixed(2)} s | ${r.written} / ${r.filtered} | ${r.messages} | ${
        (r.messages / r.seconds).toFixed(1)
      } | ${(r.tokens / r.seconds).toFixed(0)} |`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
