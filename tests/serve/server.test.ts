/**
 * `startServer` over the real LLAMACPP engine on the tiny GGUF (threads 1, 2 parallel
 * sequences), with real HTTP on loopback.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Engine } from "../../src/engines/contract.ts";
import { createEngine } from "../../src/engines/registry.ts";
import { type RunningServer, startServer } from "../../src/serve/server.ts";
import { tinyGgufPath } from "../helpers/tinyModel.ts";

/** A response body as loosely typed JSON (test assertions check its shape). */
const json = (response: Response): Promise<any> => response.json();

let engine: Engine;
let server: RunningServer;
const logLines: string[] = [];

beforeAll(async () => {
  engine = await createEngine(
    { engine: "LLAMACPP", model: { model_name: await tinyGgufPath(), model_max_length: 512 } },
    { threads: 1, parallelSequences: 2 },
  );
  server = await startServer({ engine, port: 0, onLog: (l) => logLines.push(l) });
});

afterAll(async () => {
  await server?.close();
  await engine?.dispose();
});

const user = (content: string) => [{ role: "user", content }];

async function post(body: unknown, path = "/v1/chat/completions", s = server) {
  const response = await fetch(`${s.url}${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

describe("routes", () => {
  test("url is loopback with the picked port", () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.port).toBeGreaterThan(0);
  });

  test("GET /health", async () => {
    const response = await fetch(`${server.url}/health`);
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({ status: "ok" });
  });

  test("GET /v1/models and /v1/models/{id}", async () => {
    const list = await json(await fetch(`${server.url}/v1/models`));
    expect(list.object).toBe("list");
    expect(list.data).toHaveLength(1);
    expect(list.data[0]).toMatchObject({ id: engine.model, object: "model" });
    const one = await fetch(`${server.url}/v1/models/${encodeURIComponent(engine.model)}`);
    expect(one.status).toBe(200);
    expect((await json(one)).id).toBe(engine.model);
    const missing = await fetch(`${server.url}/v1/models/nope`);
    expect(missing.status).toBe(404);
    expect((await json(missing)).error.code).toBe("model_not_found");
  });

  test("routes also answer without the /v1 prefix; a bad model id encoding is 400", async () => {
    const models = await json(await fetch(`${server.url}/models`));
    expect(models.data[0].id).toBe(engine.model);
    const chat = await post({ messages: user("Hi"), max_tokens: 2 }, "/chat/completions");
    expect(chat.status).toBe(200);
    expect((await fetch(`${server.url}/v1/models/%E0%A4%A`)).status).toBe(400);
  });

  test("unknown route is 404 and wrong method 405, in OpenAI's error shape", async () => {
    const unknown = await fetch(`${server.url}/v1/completions-nope`);
    expect(unknown.status).toBe(404);
    const body = await json(unknown);
    expect(body.error).toMatchObject({ type: "not_found_error" });
    expect(Object.keys(body.error).sort()).toEqual(["code", "message", "param", "type"]);
    const wrong = await fetch(`${server.url}/v1/chat/completions`);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("POST");
  });
});

describe("POST /v1/chat/completions", () => {
  test("answers with a chat.completion, usage and finish_reason", async () => {
    const { status, json } = await post({
      model: "anything",
      messages: [{ role: "system", content: "Be brief." }, ...user("Name a city.")],
      max_tokens: 6,
    });
    expect(status).toBe(200);
    expect(json.object).toBe("chat.completion");
    expect(json.id).toMatch(/^chatcmpl-/);
    expect(json.model).toBe(engine.model);
    expect(json.choices).toHaveLength(1);
    const choice = json.choices[0];
    expect(choice.index).toBe(0);
    expect(choice.message.role).toBe("assistant");
    expect(typeof choice.message.content).toBe("string");
    expect(["stop", "length"]).toContain(choice.finish_reason);
    expect(json.usage.prompt_tokens).toBeGreaterThan(0);
    expect(json.usage.completion_tokens).toBeGreaterThan(0);
    expect(json.usage.completion_tokens).toBeLessThanOrEqual(7);
    expect(json.usage.total_tokens).toBe(json.usage.prompt_tokens + json.usage.completion_tokens);
  });

  test("max_completion_tokens limits the reply; finish_reason is length when it is hit", async () => {
    const { json } = await post({
      messages: user("Write a long story."),
      max_completion_tokens: 2,
      temperature: 0,
    });
    expect(json.usage.completion_tokens).toBeLessThanOrEqual(3);
    if (json.choices[0].finish_reason === "length") expect(json.usage.completion_tokens).toBe(2);
  });

  test("the same seed gives the same reply", async () => {
    const body = { messages: user("Say something."), max_tokens: 12, temperature: 1, seed: 42 };
    const [a, b] = await Promise.all([post(body), post(body)]);
    expect(a.json.choices[0].message.content).toBe(b.json.choices[0].message.content);
  });

  test("response_format json_schema constrains the reply", async () => {
    const schema = {
      type: "object",
      properties: { color: { type: "string", enum: ["red", "green", "blue"] } },
      required: ["color"],
      additionalProperties: false,
    };
    let parsedCount = 0;
    for (const seed of [1, 2, 3]) {
      const { status, json } = await post({
        messages: user("Pick a color."),
        max_tokens: 40,
        seed,
        response_format: { type: "json_schema", json_schema: { name: "pick", schema } },
      });
      expect(status).toBe(200);
      if (json.choices[0].finish_reason !== "stop") continue;
      const parsed = JSON.parse(json.choices[0].message.content);
      expect(["red", "green", "blue"]).toContain(parsed.color);
      parsedCount++;
    }
    expect(parsedCount).toBeGreaterThan(0);
  });

  test("vLLM's guided_json (object or JSON text) constrains the reply", async () => {
    const schema = { type: "object", properties: { ok: { type: "boolean" } }, required: ["ok"] };
    let parsedCount = 0;
    for (const guided of [schema, JSON.stringify(schema)]) {
      const { status, json } = await post({
        messages: user("Is it ok?"),
        max_tokens: 40,
        seed: 7,
        guided_json: guided,
      });
      expect(status).toBe(200);
      if (json.choices[0].finish_reason !== "stop") continue;
      expect(typeof JSON.parse(json.choices[0].message.content).ok).toBe("boolean");
      parsedCount++;
    }
    expect(parsedCount).toBeGreaterThan(0);
  });

  test("response_format json_object gives a JSON object", async () => {
    const { json } = await post({
      messages: user("Reply in JSON."),
      max_tokens: 40,
      seed: 3,
      response_format: { type: "json_object" },
    });
    expect(json.choices[0].finish_reason).toBe("stop");
    const parsed = JSON.parse(json.choices[0].message.content);
    expect(typeof parsed).toBe("object");
    expect(Array.isArray(parsed)).toBe(false);
  });

  test("conversations with assistant tool_calls and tool messages are accepted", async () => {
    const { status, json } = await post({
      messages: [
        ...user("What is the weather in Paris?"),
        {
          role: "assistant",
          content: null,
          tool_calls: [{
            id: "call_1",
            type: "function",
            function: { name: "weather", arguments: '{"city":"Paris"}' },
          }],
        },
        { role: "tool", tool_call_id: "call_1", content: "sunny" },
        { role: "developer", content: [{ type: "text", text: "Answer in one word." }] },
      ],
      max_tokens: 4,
    });
    expect(status).toBe(200);
    expect(typeof json.choices[0].message.content).toBe("string");
  });

  test("tools on an engine without tool calling: 400 naming the tools field", async () => {
    const tools = [{
      type: "function",
      function: { name: "weather", parameters: { type: "object", properties: {} } },
    }];
    const { status, json } = await post({ messages: user("Weather?"), tools });
    if (engine.capabilities.tools) {
      expect(status).toBe(200);
      return;
    }
    expect(status).toBe(400);
    expect(json.error).toMatchObject({ type: "invalid_request_error", param: "tools" });
    expect(json.error.message).toContain("tool calling");
    // tool_choice "none" means no tools are needed.
    const none = await post({ messages: user("Hi"), tools, tool_choice: "none", max_tokens: 2 });
    expect(none.status).toBe(200);
  });

  test("more requests than sequences queue and all succeed", async () => {
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => post({ messages: user(`Count ${i}`), max_tokens: 4 })),
    );
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
  });

  test("stream: true sends chat.completion.chunk events ending with [DONE]", async () => {
    const body = {
      messages: user("Say hi."),
      max_tokens: 8,
      seed: 5,
      temperature: 0.7,
      stream_options: { include_usage: true },
    };
    const plain = await post(body);
    const response = await fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ ...body, stream: true }),
    });
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const events = (await response.text()).split("\n\n").filter((e) => e.length > 0);
    expect(events.at(-1)).toBe("data: [DONE]");
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.replace(/^data: /, "")));
    for (const chunk of chunks) expect(chunk.object).toBe("chat.completion.chunk");
    const text = chunks.map((c) => c.choices[0]?.delta?.content ?? "").join("");
    expect(text).toBe(plain.json.choices[0].message.content);
    const finish = chunks.find((c) => c.choices[0]?.finish_reason);
    expect(finish.choices[0].finish_reason).toBe(plain.json.choices[0].finish_reason);
    // Same counts; the streamed request reused the prompt cached by the first one.
    const { prompt_tokens_details: _, ...usage } = chunks.at(-1).usage;
    const { prompt_tokens_details: __, ...plainUsage } = plain.json.usage;
    expect(usage).toEqual(plainUsage);
  });
});

describe("bad requests", () => {
  test("invalid JSON", async () => {
    const { status, json } = await post("{not json");
    expect(status).toBe(400);
    expect(json.error.code).toBe("invalid_json");
  });

  test("missing messages, bad role and bad temperature name the field", async () => {
    const missing = await post({ model: "x" });
    expect(missing.status).toBe(400);
    expect(missing.json.error.param).toBe("messages");
    const role = await post({ messages: [{ role: "wizard", content: "hi" }] });
    expect(role.status).toBe(400);
    expect(role.json.error.param).toBe("messages[0].role");
    const temperature = await post({ messages: user("hi"), temperature: 5 });
    expect(temperature.status).toBe(400);
    expect(temperature.json.error.param).toBe("temperature");
  });

  test("n other than 1", async () => {
    const { status, json } = await post({ messages: user("hi"), n: 2 });
    expect(status).toBe(400);
    expect(json.error.param).toBe("n");
  });

  test("guided_json text that is not JSON", async () => {
    const { status, json } = await post({ messages: user("hi"), guided_json: "{oops" });
    expect(status).toBe(400);
    expect(json.error.param).toBe("guided_json");
  });

  test("a prompt longer than the context is 400 context_length_exceeded", async () => {
    const { status, json } = await post({ messages: user("word ".repeat(2000)) });
    expect(status).toBe(400);
    expect(json.error.code).toBe("context_length_exceeded");
  });
});

describe("access log", () => {
  test("one line per request with method, path, status, ms and tokens", async () => {
    const before = logLines.length;
    await post({ messages: user("Log me."), max_tokens: 3 });
    await fetch(`${server.url}/health`);
    const lines = logLines.slice(before);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^POST \/v1\/chat\/completions 200 \d+ ms \d+\+\d+ tokens$/);
    expect(lines[1]).toMatch(/^GET \/health 200 \d+ ms$/);
  });
});
