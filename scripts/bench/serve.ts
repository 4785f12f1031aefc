/**
 * Benchmark: `synth serve` overhead. The same LLAMACPP engine answers the same requests
 * (fixed seeds, so the same tokens) once through `Engine.generate` in-process and once through
 * the HTTP server (`POST /v1/chat/completions` over loopback with `fetch`), with as many
 * concurrent clients as twice the parallel sequences, at 1 and 4 sequences. Best of 3
 * alternating runs each. Reports output tokens/s, requests/s and the ratio HTTP / direct.
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
    http_req_s: Number((REQUESTS / bestHttp).toFixed(1)),
    ratio: Number((bestDirect / bestHttp).toFixed(2)),
    overhead_ms_per_request: Number(((bestHttp - bestDirect) * 1000 / REQUESTS).toFixed(2)),
    same_tokens: tokens.direct === tokens.http,
  };
}

const rows = [];
for (const sequences of [1, 4]) rows.push(await measure(sequences));
console.log(
  JSON.stringify(
    {
      model: MODEL.split("/").pop(),
      requests: REQUESTS,
      threads: THREADS,
      max_tokens: MAX_TOKENS,
      rows,
    },
    null,
    2,
  ),
);
