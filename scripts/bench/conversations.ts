/**
 * Benchmark (d): multi-turn conversations with tool calls (issue 6). 100 conversations of 6-10
 * messages, `num_workers: 32`, on a model whose latency varies per request between 50 and
 * 500 ms (`conversationModel.ts`: the latency of a request is a hash of its messages, so both
 * schedules, which produce the same conversations, see the same latencies). Compared in the same
 * process, on two back-ends:
 *
 * 1. (main figure) the REMOTE engine over HTTP to a local OpenAI-compatible server in its own
 *    process (`conversationServer.ts`: `synth serve`'s server over the scripted model, which
 *    replies with tool calls); `remote_params.use_adaptive_concurrency: false` so that both
 *    schedules get all 32 workers from the first request (oumi's adaptive controller starts at
 *    half and grows each second, which would blur the comparison);
 * 2. an in-process engine with the same model, serving at most 32 requests at once.
 *
 * Schedules:
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
 *   [--no-llama]
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { loadConfig } from "../../src/config/load.ts";
import type {
  ChatMessage,
  Engine,
  EngineConfig,
  GenerateRequest,
} from "../../src/engines/contract.ts";
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
import { latencyOf, replyOf, WORKERS } from "./conversationModel.ts";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const CONVERSATIONS = arg("--conversations", 100);
const LLAMA_CONVERSATIONS = arg("--llama", 16);
const PARALLEL = arg("--parallel", 4);
const ROOT = resolve(import.meta.dir, "..", "..");
const dir = mkdtempSync(join(tmpdir(), "synth-bench-conv-"));

const CONFIG = (n: number, url: string) =>
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
  engine: REMOTE
  model: {model_name: bench}
  remote_params:
    api_url: ${url}/v1
    num_workers: ${WORKERS}
    use_adaptive_concurrency: false
    politeness_policy: 0
`;

/**
 * The in-process "server": at most {@link WORKERS} requests are served at once (like a server
 * with 32 workers, or oumi's `num_workers` semaphore); excess requests wait in FIFO order.
 */
function engineFor() {
  const engine = scriptedEngine({
    reply: replyOf,
    latencyMs: latencyOf,
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

/** Where the requests go: an engine per run, and the requests and latencies served so far. */
interface Backend {
  engine(config: EngineConfig): Promise<Engine>;
  served(): Promise<{ requests: number; latencyMs: number }>;
}

/** The in-process engine (a fresh one per run; counts add up over runs). */
function inProcess(): Backend {
  const engines: ReturnType<typeof engineFor>[] = [];
  return {
    engine: () => {
      engines.push(engineFor());
      return Promise.resolve(engines.at(-1)!);
    },
    served: () => {
      const requests = engines.flatMap((e) => e.requests);
      return Promise.resolve({
        requests: requests.length,
        latencyMs: requests.reduce((n, r) => n + latencyOf(r), 0),
      });
    },
  };
}

/** The REMOTE engine of the config, to the server whose stats are at `statsUrl`. */
function overHttp(statsUrl: string): Backend {
  return {
    engine: (config) => createEngine(config, {}),
    served: async () =>
      (await (await fetch(statsUrl)).json()) as { requests: number; latencyMs: number },
  };
}

/** Starts `conversationServer.ts` in its own process; resolves with its URLs and the process. */
async function startConversationServer() {
  const proc = Bun.spawn([process.execPath, resolve(import.meta.dir, "conversationServer.ts")], {
    stdout: "pipe",
    stderr: "inherit",
  });
  const reader = proc.stdout.getReader();
  let first = "";
  while (!first.includes("\n")) first += new TextDecoder().decode((await reader.read()).value);
  const [url, stats] = first.trim().split(" ");
  return { url, stats, proc };
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

async function runSynth(file: string, backend: Backend) {
  const loaded = await loadConfig(file);
  const compiled = compileSynthesis(loaded.config, { configDir: loaded.dir });
  const engine = await backend.engine(loaded.config.inference_config as EngineConfig);
  const before = await backend.served();
  const records: { dialog: { messages: { role: string }[] } }[] = [];
  const started = performance.now();
  await synthesize(compiled, {
    outputPath: join(dir, "synth.jsonl"),
    stats: createRunStats(compiled.program.count),
    retry: DEFAULT_RETRY_POLICY,
    createEngine: () => Promise.resolve(engine),
  });
  const seconds = (performance.now() - started) / 1000;
  await engine.dispose();
  const after = await backend.served();
  const text = await Bun.file(join(dir, "synth.jsonl")).text();
  for (const line of text.split("\n").filter(Boolean)) records.push(JSON.parse(line));
  return {
    seconds,
    messages: countMessages(records),
    requests: after.requests - before.requests,
    records,
    latencyMs: after.latencyMs - before.latencyMs,
  };
}

/** oumi's schedule: every record advances one message at a time, 32 requests in flight. */
async function runLockStep(file: string, backend: Backend) {
  const loaded = await loadConfig(file);
  const compiled = compileSynthesis(loaded.config, { configDir: loaded.dir });
  const step = compiled.multiturn[0];
  const engine = await backend.engine(loaded.config.inference_config as EngineConfig);
  const before = await backend.served();
  const started = performance.now();
  const environments = await loadEnvironments(loaded.config, {
    configDir: loaded.dir,
    engineSupportsJsonSchema: engine.capabilities.jsonSchema,
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
  await engine.dispose();
  const after = await backend.served();
  const messages = states.reduce((n, s) => n + s.history.length, 0);
  return {
    seconds,
    messages,
    requests: after.requests - before.requests,
    latencyMs: after.latencyMs - before.latencyMs,
  };
}

async function runLlama(conversations: number, parallel: number) {
  const model = await tinyGgufPath();
  const file = join(ROOT, "tests", "fixtures", "oumi-configs", "library_tool_use_synth.yaml");
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

/** Lock-step then synth on `backend`; prints the table, the bound and the speed-up. */
async function compare(file: string, backend: Backend, title: string) {
  const lock = await runLockStep(file, backend);
  const synth = await runSynth(file, backend);
  const lengths = synth.records.map((r) => r.dialog.messages.length - 1);
  console.log(`### ${title}`);
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
  const total = synth.latencyMs / 1000;
  console.log(
    `sum of request latencies ${total.toFixed(1)} s (lock-step: ${
      (lock.latencyMs / 1000).toFixed(1)
    } s); ${WORKERS} workers can serve them in no less than ${(total / WORKERS).toFixed(2)} s`,
  );
  console.log(`speed-up: **${(lock.seconds / synth.seconds).toFixed(2)}x** (target >= 1.3x)`);
  if (lock.messages !== synth.messages || lock.requests !== synth.requests) {
    console.log(
      `warning: counts differ (messages ${lock.messages} vs ${synth.messages}, requests ${lock.requests} vs ${synth.requests})`,
    );
  }
  console.log("");
}

try {
  const server = await startConversationServer();
  try {
    const file = join(dir, "bench.yaml");
    writeFileSync(file, CONFIG(CONVERSATIONS, server.url));
    await compare(
      file,
      overHttp(server.stats),
      "REMOTE engine over HTTP to a local OpenAI-compatible server (synth serve's, own process)",
    );
    await compare(file, inProcess(), "in-process engine (no HTTP)");
  } finally {
    server.proc.kill();
  }
  if (process.argv.includes("--no-llama")) process.exit(0);
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
