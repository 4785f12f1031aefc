/**
 * `synth serve` streams and pushes back: token-by-token chunks that reassemble to the
 * non-streamed reply, a client disconnect that frees its sequence, a bounded queue that answers
 * 429 with `Retry-After`, and `/metrics` in Prometheus' format. Real LLAMACPP engine on the tiny
 * GGUF (1 thread, 1 sequence), real HTTP on loopback.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Engine } from "../../src/engines/contract.ts";
import { createEngine } from "../../src/engines/registry.ts";
import { type RunningServer, startServer } from "../../src/serve/server.ts";
import { tinyGgufPath } from "../helpers/tinyModel.ts";

let engine: Engine;
let server: RunningServer;

beforeAll(async () => {
  engine = await createEngine(
    { engine: "LLAMACPP", model: { model_name: await tinyGgufPath(), model_max_length: 1024 } },
    { threads: 1, parallelSequences: 1 },
  );
  server = await startServer({ engine, port: 0, maxQueue: 0 });
});

afterAll(async () => {
  await server?.close();
  await engine?.dispose();
});

const body = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    messages: [{ role: "user", content: "Tell me a long story about the sea." }],
    temperature: 0,
    seed: 3,
    max_tokens: 48,
    ...extra,
  });

const post = (text: string, signal?: AbortSignal) =>
  fetch(`${server.url}/v1/chat/completions`, { method: "POST", body: text, signal });

/** Reads SSE events until `stop` says so (or the stream ends); returns the parsed chunks. */
async function readEvents(response: Response, stop = (_chunks: any[]) => false) {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const chunks: any[] = [];
  let buffer = "";
  let done = false;
  while (!done && !stop(chunks)) {
    const next = await reader.read();
    if (next.done) break;
    buffer += decoder.decode(next.value, { stream: true });
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (event === "data: [DONE]") done = true;
      else if (event.startsWith("data: ")) chunks.push(JSON.parse(event.slice(6)));
    }
  }
  return { chunks, reader };
}

test("streamed chunks arrive token by token and reassemble to the non-streamed reply", async () => {
  const plain = await (await post(body())).json() as any;
  const { chunks } = await readEvents(await post(body({ stream: true })));
  const contents = chunks.map((c) => c.choices[0]?.delta?.content).filter((t) => t);
  expect(contents.join("")).toBe(plain.choices[0].message.content);
  if (plain.usage.completion_tokens > 4) expect(contents.length).toBeGreaterThan(2);
  const last = chunks.at(-1);
  expect(last.choices[0].finish_reason).toBe(plain.choices[0].finish_reason);
  expect(last.usage.completion_tokens).toBe(plain.usage.completion_tokens);
});

test("a client that disconnects frees its sequence; the next request is served", async () => {
  const controller = new AbortController();
  const long = await post(
    body({ stream: true, max_tokens: 900, temperature: 1 }),
    controller.signal,
  );
  // Wait for the first content chunk: the request holds the only sequence.
  const { reader } = await readEvents(long, (chunks) => chunks.length >= 2);
  controller.abort();
  await reader.cancel().catch(() => undefined);
  // With 1 sequence and no queue, this would be refused (429) or wait for 900 tokens if the
  // disconnected request still held the sequence; it is answered once the abort lands.
  let reply: Response;
  for (;;) {
    reply = await post(body({ max_tokens: 4 }));
    if (reply.status !== 429) break;
    await Bun.sleep(Number(reply.headers.get("retry-after") ?? 1) * 10);
  }
  expect(reply.status).toBe(200);
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  expect(metrics).toMatch(/synth_serve_requests_total\{status="499"\} 1/);
});

const count429 = (metrics: string) =>
  Number(/synth_serve_requests_total\{status="429"\} (\d+)/.exec(metrics)?.[1] ?? 0);

test("a full queue answers 429 with Retry-After; /metrics reports it", async () => {
  const before = count429(await (await fetch(`${server.url}/metrics`)).text());
  const controller = new AbortController();
  const holder = await post(
    body({ stream: true, max_tokens: 900, temperature: 1 }),
    controller.signal,
  );
  const { reader } = await readEvents(holder, (chunks) => chunks.length >= 2);
  const refused = await post(body());
  expect(refused.status).toBe(429);
  expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  const error = await refused.json() as any;
  expect(error.error.code).toBe("queue_full");
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  expect(metrics).toContain("synth_serve_queue_depth 0");
  expect(metrics).toContain("synth_serve_requests_active 1");
  expect(count429(metrics)).toBe(before + 1);
  expect(metrics).toMatch(/synth_serve_prompt_tokens_reused_total \d+/);
  expect(metrics).toMatch(/synth_serve_completion_tokens_per_second \d/);
  controller.abort();
  await reader.cancel().catch(() => undefined);
});
