/**
 * The OpenAI-compatible adapter against a local server speaking the chat-completions shape:
 * request bodies per §16.3/§16.4, response parsing, tool calls both ways, guided JSON, errors
 * classified per §17.3, multiple endpoints.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { EngineConfig } from "../../../src/engines/contract.ts";
import { createEngine } from "../../../src/engines/registry.ts";
import { EngineError } from "../../../src/errors.ts";
import { type FakeOpenAI, startFakeOpenAI } from "../../helpers/fakeOpenAIServer.ts";

let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI({
    apiKey: "sk-test-key-0123456789",
    reply: (call) => {
      const last = (call.body.messages as { content?: string }[]).at(-1)?.content ?? "";
      if (last.includes("weather")) {
        return {
          content: null,
          tool_calls: [{
            id: "call_1",
            type: "function",
            function: { name: "get_weather", arguments: '{"city":"Paris"}' },
          }],
        };
      }
      return `echo: ${last}`;
    },
  });
});
afterAll(() => fake.close());

const config = (engine: string, extra: Record<string, unknown> = {}): EngineConfig => ({
  engine,
  model: { model_name: "fake-model", adapter_model: "fake-adapter" },
  generation: { max_new_tokens: 64, temperature: 0.5 },
  remote_params: {
    api_url: `${fake.url}/v1/chat/completions`,
    api_key: "sk-test-key-0123456789",
    ...extra,
  },
});

describe("OpenAI-compatible engine", () => {
  test("sends the §16.3 body with a bearer key and parses text, usage and finish reason", async () => {
    const engine = await createEngine(config("REMOTE"));
    const result = await engine.generate({
      messages: [{ role: "system", content: "be brief" }, { role: "user", content: "hi" }],
      generation: { stop_strings: ["END"], top_p: 0.9 },
    });
    expect(result.message).toEqual({ role: "assistant", content: "echo: hi" });
    expect(result.finishReason).toBe("stop");
    expect(result.usage.outputTokens).toBe("echo: hi".length);
    expect(result.usage.cachedTokens).toBe(3);
    const sent = fake.chatRequests.at(-1)!;
    expect(sent.headers.authorization).toBe("Bearer sk-test-key-0123456789");
    expect(sent.body).toEqual({
      model: "fake-model",
      messages: [{ role: "system", content: "be brief" }, { role: "user", content: "hi" }],
      n: 1,
      max_completion_tokens: 64,
      seed: null,
      temperature: 0.5,
      frequency_penalty: 0,
      presence_penalty: 0,
      top_p: 0.9,
      stop: ["END"],
    });
    await engine.dispose();
  });

  test("REMOTE_VLLM uses adapter_model, max_tokens, merged turns and guided_json", async () => {
    const engine = await createEngine(config("REMOTE_VLLM"));
    const schema = { type: "object", properties: { a: { type: "string" } } };
    await engine.generate({
      messages: [{ role: "user", content: "one" }, { role: "user", content: "two" }],
      jsonSchema: schema,
    });
    const body = fake.chatRequests.at(-1)!.body;
    expect(body.model).toBe("fake-adapter");
    expect(body.max_tokens).toBe(64);
    expect(body.max_completion_tokens).toBeUndefined();
    expect(body.logit_bias).toEqual({});
    expect(body.guided_json).toEqual(schema);
    expect(body.messages).toEqual([{
      role: "user",
      content: [{ type: "text", text: "one" }, { type: "text", text: "two" }],
    }]);
  });

  test("JSON schemas go out as response_format; tools and tool history map both ways", async () => {
    const engine = await createEngine(config("VLLM"));
    expect(engine.capabilities).toEqual({ jsonSchema: true, tools: true });
    const tools = [{
      type: "function" as const,
      function: { name: "get_weather", description: "weather", parameters: { type: "object" } },
    }];
    const first = await engine.generate({
      messages: [{ role: "user", content: "weather in Paris?" }],
      tools,
      generation: { tool_choice: "auto" },
    });
    expect(first.finishReason).toBe("tool_calls");
    expect(first.message.content).toBeNull();
    expect(first.message.tool_calls).toEqual([{
      id: "call_1",
      type: "function",
      function: { name: "get_weather", arguments: '{"city":"Paris"}' },
    }]);
    expect(fake.chatRequests.at(-1)!.body.tools).toEqual(tools);
    expect(fake.chatRequests.at(-1)!.body.tool_choice).toBe("auto");
    await engine.generate({
      messages: [
        { role: "user", content: "weather in Paris?" },
        first.message,
        { role: "tool", content: '{"temp": 20}', tool_call_id: "call_1" },
      ],
      tools,
      jsonSchema: { type: "object" },
    });
    const body = fake.chatRequests.at(-1)!.body;
    expect((body.messages as unknown[])[1]).toEqual({
      role: "assistant",
      content: null,
      tool_calls: first.message.tool_calls,
    });
    expect((body.messages as unknown[])[2]).toEqual({
      role: "tool",
      content: '{"temp": 20}',
      tool_call_id: "call_1",
    });
    expect(body.response_format).toEqual({
      type: "json_schema",
      json_schema: { name: "Response", schema: { type: "object" } },
    });
  });

  test("OPENAI reasoning models get temperature 1, no logit_bias, and user from user_id", async () => {
    const engine = await createEngine({
      ...config("OPENAI", { user_id: "u1" }),
      model: { model_name: "o3-mini" },
      generation: { temperature: 0.2, logit_bias: { "42": 5 } },
    });
    await engine.generate({ messages: [{ role: "user", content: "x" }] });
    const body = fake.chatRequests.at(-1)!.body;
    expect(body.temperature).toBe(1);
    expect(body.logit_bias).toBeUndefined();
    expect(body.user).toBe("u1");
  });

  test("a wrong key is fatal and names its source without showing the key", async () => {
    const engine = await createEngine({
      ...config("REMOTE"),
      remote_params: {
        api_url: `${fake.url}/v1/chat/completions`,
        api_key_env_varname: "MY_KEY",
      },
    }, { env: { MY_KEY: "sk-wrong-key-9876543210" } });
    const error = await engine.generate({ messages: [{ role: "user", content: "x" }] }).catch((e) =>
      e
    );
    expect(error).toBeInstanceOf(EngineError);
    expect(error.fatal).toBe(true);
    expect(error.status).toBe(401);
    expect(error.message).toContain("MY_KEY");
    expect(error.message).not.toContain("sk-wrong-key-9876543210");
    expect(error.message).not.toContain("sk-wrong");
  });

  test("a key variable that is named but unset is a config error before any request", async () => {
    const before = fake.requests.length;
    const error = await createEngine({
      ...config("REMOTE"),
      remote_params: { api_url: fake.url, api_key_env_varname: "NOPE_KEY" },
    }, { env: {} }).catch((e) => e);
    expect(error.name).toBe("ConfigError");
    expect(error.message).toContain("NOPE_KEY");
    expect(fake.requests.length).toBe(before);
  });

  test("REMOTE without api_url is refused with oumi's message", async () => {
    const error = await createEngine({ engine: "REMOTE", model: { model_name: "m" } }).catch((e) =>
      e
    );
    expect(error.message).toBe("API URL is required for remote inference.");
  });

  test("requests spread over several api_url endpoints and skip a dead one", async () => {
    const other = await startFakeOpenAI({ apiKey: "sk-test-key-0123456789" });
    const dead = "http://127.0.0.1:9/v1/chat/completions";
    const engine = await createEngine(config("REMOTE", {
      api_url: [`${fake.url}/v1/chat/completions`, dead, `${other.url}/v1`],
    }));
    const before = fake.chatRequests.length;
    let failures = 0;
    for (let i = 0; i < 8; i++) {
      await engine.generate({ messages: [{ role: "user", content: `spread ${i}` }] }).catch((e) => {
        expect(e.retryable).toBe(true);
        failures++;
      });
    }
    expect(failures).toBe(1); // the dead endpoint is tried once, then backed off
    expect(fake.chatRequests.length - before).toBeGreaterThanOrEqual(3);
    expect(other.chatRequests.length).toBeGreaterThanOrEqual(3);
    await other.close();
  });
});
