/**
 * The official `openai` SDK as a client of `startServer` over the real LLAMACPP engine on the
 * tiny GGUF: completions, structured output, streaming, model listing and the SDK's error
 * classes for our error responses.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import type { Engine } from "../../src/engines/contract.ts";
import { createEngine } from "../../src/engines/registry.ts";
import { type RunningServer, startServer } from "../../src/serve/server.ts";
import { tinyGgufPath } from "../helpers/tinyModel.ts";

const KEY = "sk-sdk-test-2b9e";
let engine: Engine;
let server: RunningServer;
let client: OpenAI;

beforeAll(async () => {
  engine = await createEngine(
    { engine: "LLAMACPP", model: { model_name: await tinyGgufPath(), model_max_length: 256 } },
    { threads: 1, parallelSequences: 2 },
  );
  server = await startServer({ engine, port: 0, apiKey: KEY, modelName: "tiny" });
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: KEY, maxRetries: 0 });
});

afterAll(async () => {
  await server?.close();
  await engine?.dispose();
});

describe("openai SDK", () => {
  test("chat.completions.create", async () => {
    const completion = await client.chat.completions.create({
      model: "tiny",
      messages: [{ role: "user", content: "Hello" }],
      max_completion_tokens: 5,
      temperature: 0.5,
      seed: 1,
      stop: ["\n\n"],
    });
    expect(completion.model).toBe("tiny");
    expect(typeof completion.choices[0].message.content).toBe("string");
    expect(completion.usage?.completion_tokens).toBeGreaterThan(0);
  });

  test("structured output with a JSON schema", async () => {
    const completion = await client.chat.completions.create({
      model: "tiny",
      messages: [{ role: "user", content: "Yes or no?" }],
      max_tokens: 30,
      seed: 2,
      response_format: {
        type: "json_schema",
        json_schema: {
          name: "n",
          schema: {
            type: "object",
            properties: { answer: { type: "string", enum: ["yes", "no"] } },
            required: ["answer"],
          },
        },
      },
    });
    expect(completion.choices[0].finish_reason).toBe("stop");
    const parsed = JSON.parse(completion.choices[0].message.content ?? "");
    expect(["yes", "no"]).toContain(parsed.answer);
  });

  test("streaming", async () => {
    const stream = await client.chat.completions.create({
      model: "tiny",
      messages: [{ role: "user", content: "Hi" }],
      max_tokens: 6,
      seed: 3,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    expect(typeof text).toBe("string");
    expect(["stop", "length"]).toContain(finish as string);
    expect(usage?.completion_tokens).toBeGreaterThan(0);
  });

  test("a stream that fails after its headers raises the SDK's APIError", async () => {
    const stream = await client.chat.completions.create({
      model: "tiny",
      messages: [{ role: "user", content: "word ".repeat(1000) }],
      stream: true,
    });
    const error = await (async () => {
      for await (const _ of stream) { /* drain */ }
    })().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as Error).message).toContain("context holds");
  });

  test("models.list", async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(["tiny"]);
  });

  test("errors arrive as the SDK's classes with our status and message", async () => {
    const wrongKey = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "nope", maxRetries: 0 });
    const auth = await wrongKey.models.list().then(() => undefined, (e: unknown) => e);
    expect(auth).toBeInstanceOf(OpenAI.AuthenticationError);
    const bad = await client.chat.completions.create({
      model: "tiny",
      messages: [{ role: "user", content: "x" }],
      tools: [{ type: "function", function: { name: "f", parameters: { type: "object" } } }],
    }).then(() => undefined, (e: unknown) => e);
    if (engine.capabilities.tools) return;
    expect(bad).toBeInstanceOf(OpenAI.BadRequestError);
    expect((bad as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("tools");
  });
});
