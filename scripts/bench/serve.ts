/**
 * Benchmark: `synth serve` overhead.
 * 1. The same LLAMACPP engine answers the same requests (fixed seeds) once through
 *    `Engine.generate` in-process and once through the HTTP server (`POST
 *    /v1/chat/completions` over loopback with `fetch`), with twice as many concurrent clients
 *    as parallel sequences, at 1 and 4 sequences. Best of 3 alternating runs each. Reports
 *    requests/s and output tokens/s of both and the ratios HTTP / direct.
 * 2. The server alone: an instant engine (replies in a microtask) behind the same server, 2000
 *    requests from 16 concurrent clients: requests/s and process CPU time per request (server
 *    and client together, same process).
 *
 * Usage: bun scripts/bench/serve.ts [--model path.gguf] [--requests 64] [--threads 1]
 * (default model: the tiny test model, built on demand)
 */
import type { Engine, GenerateRequest } from "../../src/engines/contract.ts";
import { createEngine } from "../../src/engines/registry.ts";
import { startServer } from "../../src/serve/server.ts";
import { tinyGgufPath } from "../../tests/helpers/tinyModel.ts";

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const MODEL = arg("--model", "") || await tinyGgufPath();
const REQUESTS = Number(arg("--requests", "64"));
const THREADS = Number(arg("--threads", "1"));
const MAX_TOKENS = 64;

const messages = (i: number) => [
  { role: "system" as const, content: "You write short quiz questions." },
  { role: "user" as const, content: `Write question number ${i} about geography.` },
];

/** Runs `REQUESTS` calls of `call(i)` with `clients` at a time; returns seconds and tokens. */
async function drive(clients: number, call: (i: number) => Promise<number>) {
  let next = 0;
  let tokens = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: clients }, async () => {
    while (next < REQUESTS) tokens += await call(next++);
  }));
  return { seconds: (performance.now() - t0) / 1000, tokens };
}

async function measure(sequences: number) {
  const engine: Engine = await createEngine(
    { engine: "LLAMACPP", model: { model_name: MODEL, model_max_length: 1024 } },
    { threads: THREADS, parallelSequences: sequences },
  );
  const server = await startServer({ engine, port: 0 });
  const clients = sequences * 2;
  const direct = (i: number) => {
    const request: GenerateRequest = {
      messages: messages(i),
      generation: { max_new_tokens: MAX_TOKENS, temperature: 0.8, seed: i },
    };
    return engine.generate(request).then((r) => r.usage.outputTokens);
  };
  const http = async (i: number) => {
    const response = await fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        messages: messages(i),
        max_tokens: MAX_TOKENS,
        temperature: 0.8,
        seed: i,
      }),
    });
    const body = await response.json() as { usage: { completion_tokens: number } };
    return body.usage.completion_tokens;
  };
  await drive(clients, direct); // warm-up
  let bestDirect = Infinity;
  let bestHttp = Infinity;
  let tokens = { direct: 0, http: 0 };
  for (let round = 0; round < 3; round++) {
    const d = await drive(clients, direct);
    const h = await drive(clients, http);
    bestDirect = Math.min(bestDirect, d.seconds);
    bestHttp = Math.min(bestHttp, h.seconds);
    tokens = { direct: d.tokens, http: h.tokens };
  }
  await server.close();
  await engine.dispose();
  return {
    sequences,
    clients,
    direct_tok_s: Math.round(tokens.direct / bestDirect),
    http_tok_s: Math.round(tokens.http / bestHttp),
    direct_req_s: Number((REQUESTS / bestDirect).toFixed(1)),
    http_req_s: Number((REQUESTS / bestHttp).toFixed(1)),
    req_s_ratio: Number((bestDirect / bestHttp).toFixed(2)),
    tok_s_ratio: Number(((tokens.http / bestHttp) / (tokens.direct / bestDirect)).toFixed(2)),
    overhead_ms_per_request: Number(((bestHttp - bestDirect) * 1000 / REQUESTS).toFixed(2)),
    same_tokens: tokens.direct === tokens.http,
  };
}

/** The server with an instant engine: what HTTP, JSON and validation cost per request. */
async function serverAlone() {
  const instant: Engine = {
    name: "INSTANT",
    model: "instant",
    maxConcurrency: 16,
    capabilities: { jsonSchema: true, tools: false },
    generate: async () => ({
      message: { role: "assistant", content: "ok" },
      usage: { inputTokens: 10, outputTokens: 1 },
      finishReason: "stop",
    }),
    dispose: async () => undefined,
    [Symbol.asyncDispose]: async () => undefined,
  };
  const server = await startServer({ engine: instant, port: 0 });
  const body = JSON.stringify({ messages: messages(1), max_tokens: 8, temperature: 0.5 });
  const total = 2000;
  const run = async () => {
    let next = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (next++ < total) {
        const r = await fetch(`${server.url}/v1/chat/completions`, { method: "POST", body });
        await r.arrayBuffer();
      }
    }));
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    return { seconds, cpuMs: (cpu.user + cpu.system) / 1000 };
  };
  await run();
  const best = [await run(), await run(), await run()].sort((a, b) => a.seconds - b.seconds)[0];
  await server.close();
  return {
    requests: total,
    clients: 16,
    req_s: Math.round(total / best.seconds),
    cpu_ms_per_request: Number((best.cpuMs / total).toFixed(3)),
  };
}

const rows = [];
for (const sequences of [1, 4]) rows.push(await measure(sequences));
const alone = await serverAlone();
console.log(
  JSON.stringify(
    {
      model: MODEL.split("/").pop(),
      requests: REQUESTS,
      threads: THREADS,
      max_tokens: MAX_TOKENS,
      rows,
      server_alone: alone,
    },
    null,
    2,
  ),
);
