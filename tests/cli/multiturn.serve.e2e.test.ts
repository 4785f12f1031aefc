/**
 * Multi-turn and tool-use configs end to end against `synth serve` (issue 6 "What must show",
 * once issue 4 landed): the CLI runs each config with the `REMOTE` (and once the `VLLM`) engine,
 * which talks real HTTP on loopback to {@link startServer}.
 *
 * 1. The server wraps the real llama.cpp engine on the tiny GGUF: the six configs of issue 6
 *    run through the whole remote path (planner JSON schema, tools offered, usage per engine).
 * 2. The tiny model never calls tools, so a second server wraps a scripted engine whose *text*
 *    asks for tool calls: `tools`, assistant `tool_calls` and `tool` results then travel
 *    REMOTE adapter → HTTP → serve → engine and back, while the environments (the library's
 *    lookup table, the EHR SQLite database) run for real on the client side.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Engine, GenerateRequest, ToolCall } from "../../src/engines/contract.ts";
import { createLlamaCppEngine } from "../../src/engines/llamacpp/index.ts";
import { type RunningServer, startServer } from "../../src/serve/server.ts";
import { checkConversation, type OutputConversation } from "../helpers/conversationShape.ts";
import { scriptedEngine, type ScriptedReply } from "../helpers/scriptedEngine.ts";
import { tinyGgufPath } from "../helpers/tinyModel.ts";
import { readJsonl } from "../helpers/corpus.ts";
import { runInProcess } from "./helpers.ts";
import { MULTITURN_CASES } from "./multiturnCases.ts";

const KEY = "sk-serve-mt-27182818";
const dir = mkdtempSync(join(tmpdir(), "synth-mt-serve-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** CLI overrides pointing a config at `server` through `engine`. */
function remote(engine: string, server: RunningServer, extra: string[] = []) {
  return [
    "--inference_config.engine",
    engine,
    "--inference_config.model.model_name",
    "tiny",
    "--inference_config.remote_params.api_url",
    `${server.url}/v1`,
    "--inference_config.remote_params.api_key_env_varname",
    "SERVE_KEY",
    // oumi's configs rest each worker 60 s after a request (politeness_policy: 60), which
    // with 2 workers would stall the run: a local server needs no politeness.
    "--inference_config.remote_params.num_workers",
    "2",
    "--inference_config.remote_params.politeness_policy",
    "0",
    "--inference_config.remote_params.max_retries",
    "1",
    "--no-progress",
    ...extra,
  ];
}

/** Runs `synth -c <file>` in a fresh folder; returns the records, the summary and stdout. */
async function run(name: string, file: string, args: string[]) {
  const cwd = join(dir, name.replace(/\W+/g, "_"));
  await Bun.write(join(cwd, ".keep"), "");
  const out = join(cwd, "out.jsonl");
  const { code, stdout, stderr } = await runInProcess(
    ["-c", file, ...args, "--output_path", out],
    { cwd, env: { SERVE_KEY: KEY } },
  );
  expect(stderr).not.toContain(KEY);
  if (code !== 0) throw new Error(`exit ${code}\n${stderr}`);
  const summary = JSON.parse(readFileSync(join(cwd, "out.summary.json"), "utf8"));
  return { records: readJsonl(out), summary, stdout };
}

describe("issue 6 configs against synth serve on the tiny model", () => {
  let local: Engine;
  let server: RunningServer;
  let posts = 0;
  beforeAll(async () => {
    local = await createLlamaCppEngine(
      { engine: "LLAMACPP", model: { model_name: await tinyGgufPath() } },
      { threads: 1, parallelSequences: 2 },
    );
    server = await startServer({
      engine: local,
      apiKey: KEY,
      modelName: "tiny",
      onLog: (line) => void (line.startsWith("POST /v1/chat/completions 200") && posts++),
    });
  });
  afterAll(async () => {
    await server?.close();
    await local?.dispose();
  });

  for (const c of MULTITURN_CASES) {
    // One config goes through the VLLM adapter, the others through REMOTE.
    const engine = c.name === "multiturn_conversation_synth.yaml" ? "VLLM" : "REMOTE";
    test(`${c.name} (${engine})`, async () => {
      const before = posts;
      const { records, summary, stdout } = await run(
        c.name,
        c.file,
        remote(engine, server, [
          "--num_samples",
          "2",
          "--seed",
          "7",
          "--inference_config.generation.max_new_tokens",
          "16",
        ]),
      );
      expect(summary.records_failed).toBe(0);
      expect(summary.records_written + summary.records_filtered).toBe(2);
      expect(records).toHaveLength(summary.records_written);
      if (summary.records_filtered > 0) expect(stdout).toContain("filtered");
      for (const record of records) {
        for (const key of c.keys) expect(record[key]).toBeDefined();
        expect(JSON.stringify(record)).not.toContain("grounding_facts");
        if (!c.id) continue;
        expect(typeof record[`${c.id}_plan`]).toBe("string");
        checkConversation(record[c.id], { system: c.system ?? false, tools: c.tools ?? [] });
      }
      // Every request went over HTTP to the server, and the summary counts them per engine.
      expect(summary.usage.requests).toBeGreaterThan(0);
      expect(summary.usage.requests).toBe(posts - before);
      expect(summary.usage.output_tokens).toBeGreaterThan(0);
      expect(summary.usage_by_engine[`${engine} tiny`].requests).toBe(summary.usage.requests);
    });
  }
});

/** The tool calls one assistant message makes, in order, before it answers in text. */
const TOOL_SCRIPT: Record<string, { name: string; arguments: Record<string, unknown> }[]> = {
  lookup_book_status: [
    { name: "list_book_catalog", arguments: {} },
    { name: "lookup_book_status", arguments: { book_id: "B002" } },
  ],
  update_meds: [
    { name: "list_patients", arguments: {} },
    { name: "update_meds", arguments: { pat_id: 2, medication: "naproxen" } },
    { name: "lookup_patient", arguments: { pat_id: 2 } },
  ],
};

/**
 * The scripted model: a plan for the planner (JSON schema requests), a line for user turns (no
 * tools), and for assistant turns the tool calls of {@link TOOL_SCRIPT} one round at a time,
 * then an answer quoting the last tool result it was sent.
 */
function scriptedReply(request: GenerateRequest): ScriptedReply {
  if (request.jsonSchema) {
    const turns = Array.from({ length: 10 }, (_, i) => ({ turn: i + 1, instruction: `step ${i}` }));
    return JSON.stringify({ turns });
  }
  if (!request.tools?.length) return `patron line ${request.messages.length}`;
  const names = request.tools.map((t) => t.function.name);
  const script = TOOL_SCRIPT[names.find((n) => n in TOOL_SCRIPT)!];
  const lastUser = request.messages.findLastIndex((m) => m.role === "user");
  const results = request.messages.slice(lastUser + 1).filter((m) => m.role === "tool");
  if (results.length < script.length) {
    const call = script[results.length];
    const toolCall: ToolCall = {
      id: `call_${request.messages.length}_${results.length}`,
      type: "function",
      function: { name: call.name, arguments: JSON.stringify(call.arguments) },
    };
    return { content: null, tool_calls: [toolCall] };
  }
  return `Done: ${results.at(-1)!.content}`;
}

describe("tool calls travel over HTTP: REMOTE → synth serve → engine and back", () => {
  const model = scriptedEngine({
    reply: scriptedReply,
    capabilities: { jsonSchema: true, tools: true },
  });
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ engine: model, apiKey: KEY, modelName: "tiny" });
  });
  afterAll(() => server?.close());

  const cases = MULTITURN_CASES.filter((c) =>
    c.tools?.some((t) => t === "lookup_book_status" || t === "update_meds")
  );
  // REMOTE speaks §16.3; REMOTE_VLLM §16.4 (guided_json, merged same-role messages).
  const runs = cases.flatMap((c) => [["REMOTE", c], ["REMOTE_VLLM", c]] as const);
  for (const [engine, c] of runs) {
    test(`${c.name} (${engine}): tools, tool calls and tool results both ways`, async () => {
      const first = model.requests.length;
      const { records, summary } = await run(
        `scripted ${engine} ${c.name}`,
        c.file,
        remote(engine, server, ["--num_samples", "2", "--seed", "3"]),
      );
      expect(summary.records_written).toBe(2);
      const ehr = c.tools!.includes("update_meds");
      const script = TOOL_SCRIPT[ehr ? "update_meds" : "lookup_book_status"];
      for (const record of records) {
        const conversation = record[c.id!] as OutputConversation;
        checkConversation(conversation, { system: true, tools: c.tools! });
        const calls = conversation.messages.flatMap((m) => m.tool_calls ?? []);
        const results = conversation.messages.filter((m) => m.role === "tool");
        // Every assistant message (2 or 3 of 4-6 messages) ran the whole script.
        expect(calls.length).toBeGreaterThanOrEqual(2 * script.length);
        expect(calls.length % script.length).toBe(0);
        expect(results.map((m) => m.tool_call_id)).toEqual(calls.map((call) => call.id));
        expect(calls.slice(0, script.length).map((call) => call.function.name))
          .toEqual(script.map((s) => s.name));
        // The results are the real environment's: the lookup table / the SQLite rows, with the
        // update visible to the lookup that follows it in the same conversation.
        const last = JSON.parse(results[script.length - 1].content!);
        if (ehr) {
          expect(JSON.parse(results[0].content!)).toContainEqual({ id: 2, name: "Alice Chen" });
          expect(last).toEqual([{ id: 2, name: "Alice Chen", meds: "naproxen" }]);
        } else {
          expect(JSON.parse(results[0].content!).books).toHaveLength(8);
          expect(last).toMatchObject({ title: "The Great Gatsby", status: "checked_out" });
        }
      }
      // What reached the engine behind the server: the tool definitions, the assistant's tool
      // calls and the tool results, parsed back from the HTTP request bodies.
      const seen = model.requests.slice(first);
      expect(seen.length).toBe(summary.usage.requests);
      const withTools = seen.filter((r) => r.tools?.length);
      expect(withTools.length).toBeGreaterThan(0);
      for (const r of withTools) expect(r.tools!.map((t) => t.function.name)).toEqual(c.tools!);
      const followUps = withTools.filter((r) => r.messages.at(-1)!.role === "tool");
      expect(followUps.length).toBeGreaterThan(0);
      for (const r of followUps) {
        const call = r.messages.at(-2)!;
        expect(call.role).toBe("assistant");
        expect(call.tool_calls).toHaveLength(1);
        expect(r.messages.at(-1)!.tool_call_id).toBe(call.tool_calls![0].id);
        expect(r.messages.at(-1)!.content).not.toBe("");
      }
      // Each answer quotes the tool result the engine received: it came through intact.
      for (const record of records) {
        const messages = (record[c.id!] as OutputConversation).messages;
        const answers = messages.filter((m, i) =>
          !m.tool_calls && i > 0 && messages[i - 1].role === "tool"
        );
        expect(answers.length).toBeGreaterThanOrEqual(2);
        for (const a of answers) {
          expect(a.content).toBe(`Done: ${messages[messages.indexOf(a) - 1].content}`);
        }
      }
    });
  }
});
