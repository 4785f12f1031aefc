/**
 * Server life cycle and access control over the real LLAMACPP engine on the tiny GGUF:
 * 503 while the model loads, API key checks (and the key never logged), 413, client
 * disconnects, graceful close with a request in flight.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Engine, GenerateRequest } from "../../src/engines/contract.ts";
import { createEngine } from "../../src/engines/registry.ts";
import { startServer } from "../../src/serve/server.ts";
import { tinyGgufPath } from "../helpers/tinyModel.ts";

/** A response body as loosely typed JSON (test assertions check its shape). */
const json = (response: Response): Promise<any> => response.json();

let engine: Engine;

beforeAll(async () => {
  engine = await createEngine(
    { engine: "LLAMACPP", model: { model_name: await tinyGgufPath(), model_max_length: 256 } },
    { threads: 1, parallelSequences: 1 },
  );
});

afterAll(async () => {
  await engine?.dispose();
});

const chatBody = (maxTokens = 4) =>
  JSON.stringify({ messages: [{ role: "user", content: "Hello" }], max_tokens: maxTokens });

/**
 * The real engine behind a gate: each `generate` announces itself, then waits for `open()`
 * before the model runs, so a test can act while a request is known to be in flight.
 */
function gated(inner: Engine) {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let entered!: () => void;
  const started = new Promise<void>((resolve) => (entered = resolve));
  const wrapped: Engine = {
    name: inner.name,
    model: inner.model,
    maxConcurrency: inner.maxConcurrency,
    capabilities: inner.capabilities,
    async generate(request: GenerateRequest) {
      entered();
      await gate;
      return inner.generate(request);
    },
    dispose: () => Promise.resolve(),
    [Symbol.asyncDispose]: () => Promise.resolve(),
  };
  return { engine: wrapped, started, open };
}

describe("loading", () => {
  test("503 with Retry-After while the engine loads, then 200", async () => {
    let resolveEngine!: (e: Engine) => void;
    const loading = new Promise<Engine>((resolve) => (resolveEngine = resolve));
    const server = await startServer({ engine: loading, port: 0 });
    try {
      const health = await fetch(`${server.url}/health`);
      expect(health.status).toBe(503);
      expect(health.headers.get("retry-after")).toBe("1");
      expect((await json(health)).error.type).toBe("unavailable_error");
      const chat = await fetch(`${server.url}/v1/chat/completions`, {
        method: "POST",
        body: chatBody(),
      });
      expect(chat.status).toBe(503);
      resolveEngine(engine);
      await loading;
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
      const models = await json(await fetch(`${server.url}/v1/models`));
      expect(models.data[0].id).toBe(engine.model);
    } finally {
      await server.close();
    }
  });

  test("an engine that fails to load leaves the server answering 503", async () => {
    const failing = Promise.reject(new Error("no such model"));
    const server = await startServer({ engine: failing, port: 0 });
    try {
      await failing.catch(() => undefined);
      const response = await fetch(`${server.url}/health`);
      expect(response.status).toBe(503);
      expect((await json(response)).error.message).toContain("failed to load");
    } finally {
      await server.close();
    }
  });
});

describe("API key", () => {
  const KEY = "sk-test-very-secret-4f1b";

  test("missing or wrong key is 401; the right key works; /health needs none; never logged", async () => {
    const lines: string[] = [];
    const server = await startServer({
      engine,
      port: 0,
      apiKey: KEY,
      modelName: "shared-model",
      onLog: (l) => lines.push(l),
    });
    try {
      const url = `${server.url}/v1/chat/completions`;
      const none = await fetch(url, { method: "POST", body: chatBody() });
      expect(none.status).toBe(401);
      expect((await json(none)).error).toMatchObject({
        type: "authentication_error",
        code: "missing_api_key",
      });
      const wrong = await fetch(url, {
        method: "POST",
        body: chatBody(),
        headers: { Authorization: `Bearer ${KEY}x` },
      });
      expect(wrong.status).toBe(401);
      const wrongText = await wrong.text();
      expect(wrongText).toContain("invalid_api_key");
      expect(wrongText).not.toContain(KEY);
      const models = await fetch(`${server.url}/v1/models`, { headers: { "x-api-key": "nope" } });
      expect(models.status).toBe(401);

      const right = await fetch(url, {
        method: "POST",
        body: chatBody(),
        headers: { Authorization: `Bearer ${KEY}` },
      });
      expect(right.status).toBe(200);
      expect((await json(right)).model).toBe("shared-model");
      const viaHeader = await fetch(`${server.url}/v1/models`, { headers: { "x-api-key": KEY } });
      expect((await json(viaHeader)).data[0].id).toBe("shared-model");
      expect((await fetch(`${server.url}/health`)).status).toBe(200);

      expect(lines.length).toBe(6);
      expect(lines.filter((l) => / 401 /.test(l))).toHaveLength(3);
      for (const line of lines) expect(line).not.toContain(KEY);
    } finally {
      await server.close();
    }
  });
});

describe("limits and disconnects", () => {
  test("a body over maxBodyBytes is 413 (declared or streamed)", async () => {
    const server = await startServer({ engine, port: 0, maxBodyBytes: 1000 });
    try {
      const big = JSON.stringify({ messages: [{ role: "user", content: "x".repeat(2000) }] });
      const declared = await fetch(`${server.url}/v1/chat/completions`, {
        method: "POST",
        body: big,
      });
      expect(declared.status).toBe(413);
      expect((await json(declared)).error.code).toBe("request_too_large");
      const streamed = await fetch(`${server.url}/v1/chat/completions`, {
        method: "POST",
        body: new ReadableStream({
          start(controller) {
            controller.enqueue(new TextEncoder().encode(big));
            controller.close();
          },
        }),
      });
      expect(streamed.status).toBe(413);
      const small = await fetch(`${server.url}/v1/chat/completions`, {
        method: "POST",
        body: chatBody(),
      });
      expect(small.status).toBe(200);
    } finally {
      await server.close();
    }
  });

  test("a client that leaves mid-request is logged as 499 and the server keeps serving", async () => {
    const { engine: slow, started, open } = gated(engine);
    const lines: string[] = [];
    const server = await startServer({ engine: slow, port: 0, onLog: (l) => lines.push(l) });
    try {
      const client = new AbortController();
      const request = fetch(`${server.url}/v1/chat/completions`, {
        method: "POST",
        body: chatBody(50),
        signal: client.signal,
      }).catch((e: Error) => e.name);
      await started;
      client.abort();
      expect(await request).toBe("AbortError");
      open();
      const next = await fetch(`${server.url}/v1/chat/completions`, {
        method: "POST",
        body: chatBody(),
      });
      expect(next.status).toBe(200);
      expect(lines.some((l) => l.startsWith("POST /v1/chat/completions 499 "))).toBe(true);
    } finally {
      await server.close();
    }
  });
});

describe("close", () => {
  test("finishes the request in flight, refuses new connections, is idempotent", async () => {
    const { engine: slow, started, open } = gated(engine);
    const server = await startServer({ engine: slow, port: 0 });
    const inFlight = fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      body: chatBody(),
    });
    await started;
    const closed = server.close();
    let closedYet = false;
    closed.then(() => (closedYet = true));
    await Bun.sleep(0);
    expect(closedYet).toBe(false);
    const refused = await fetch(`${server.url}/health`).then(
      (r) => r.status,
      (e: Error) => e.name,
    );
    expect(refused).not.toBe(200);
    open();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect((await json(response)).choices[0].message.role).toBe("assistant");
    await closed;
    await server.close();
    const after = await fetch(`${server.url}/health`).then(() => "answered", () => "refused");
    expect(after).toBe("refused");
  });
});

describe("streaming", () => {
  test("the role chunk arrives before generation ends; close waits for the stream", async () => {
    const { engine: slow, started, open } = gated(engine);
    const lines: string[] = [];
    const server = await startServer({ engine: slow, port: 0, onLog: (l) => lines.push(l) });
    const response = await fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      body: JSON.stringify({
        messages: [{ role: "user", content: "Hello" }],
        max_tokens: 4,
        stream: true,
      }),
    });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(JSON.parse(first.replace(/^data: /, "")).choices[0].delta.role).toBe("assistant");
    await started;
    const closed = server.close();
    expect(lines).toEqual([]);
    open();
    let rest = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += new TextDecoder().decode(value);
    }
    expect(rest.endsWith("data: [DONE]\n\n")).toBe(true);
    await closed;
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^POST \/v1\/chat\/completions 200 \d+ ms \d+\+\d+ tokens$/);
  });

  test("a generation that fails after the headers ends the stream with an error event", async () => {
    const lines: string[] = [];
    const server = await startServer({ engine, port: 0, onLog: (l) => lines.push(l) });
    try {
      const response = await fetch(`${server.url}/v1/chat/completions`, {
        method: "POST",
        body: JSON.stringify({
          messages: [{ role: "user", content: "word ".repeat(1000) }],
          stream: true,
        }),
      });
      expect(response.status).toBe(200);
      const events = (await response.text()).split("\n\n").filter(Boolean);
      const last = JSON.parse(events.at(-1)!.replace(/^data: /, ""));
      expect(last.error.code).toBe("context_length_exceeded");
      expect(lines[0]).toMatch(/^POST \/v1\/chat\/completions 400 /);
    } finally {
      await server.close();
    }
  });
});
