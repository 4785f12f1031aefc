/**
 * The ANTHROPIC adapter against a local server speaking the Messages API shape (§16.5):
 * headers, body, tool_use/tool_result mapping with tool definitions on every request that
 * carries tool history (DECISIONS 8), structured output, usage with cache tokens.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { EngineConfig } from "../../../src/engines/contract.ts";
import { acceptsSampling, supportsStructuredOutput } from "../../../src/engines/anthropic/model.ts";
import { createEngine } from "../../../src/engines/registry.ts";
import { type FakeAnthropic, startFakeAnthropic } from "../../helpers/fakeAnthropicServer.ts";

const KEY = "sk-ant-test-0123456789";
let fake: FakeAnthropic;
beforeAll(async () => {
  fake = await startFakeAnthropic({
    apiKey: KEY,
    reply: (call) => {
      const text = JSON.stringify(call.body.messages);
      if (text.includes("weather") && !text.includes("tool_result")) {
        return [
          { type: "text", text: "Let me check." },
          { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } },
        ];
      }
      return "It is 20 degrees.";
    },
  });
});
afterAll(() => fake.close());

const config = (model = "claude-sonnet-4-5-20250929"): EngineConfig => ({
  engine: "ANTHROPIC",
  model: { model_name: model },
  generation: { max_new_tokens: 100, temperature: 0.3 },
  remote_params: { api_url: `${fake.url}/v1/messages`, api_key: KEY },
});

const tools = [{
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "Current weather",
    parameters: { type: "object", properties: { city: { type: "string" } } },
  },
}];

describe("ANTHROPIC engine", () => {
  test("sends X-API-Key (no bearer), the version header and the §16.5 body", async () => {
    const engine = await createEngine(config());
    const result = await engine.generate({
      messages: [
        { role: "system", content: "sys" },
        { role: "user", content: "hello" },
      ],
      generation: { stop_strings: ["STOP"] },
    });
    expect(result.message).toEqual({ role: "assistant", content: "It is 20 degrees." });
    expect(result.finishReason).toBe("stop");
    const call = fake.calls.at(-1)!;
    expect(call.headers["x-api-key"]).toBe(KEY);
    expect(call.headers.authorization).toBeUndefined();
    expect(call.body).toEqual({
      model: "claude-sonnet-4-5-20250929",
      max_tokens: 100,
      messages: [{ role: "user", content: "hello" }],
      system: "sys",
      temperature: 0.3,
      stop_sequences: ["STOP"],
      cache_control: { type: "ephemeral" },
    });
    // input = input + cache read + cache write; cached = cache read
    expect(result.usage.cachedTokens).toBe(5);
    expect(result.usage.inputTokens).toBe(JSON.stringify(call.body.messages).length + 7);
  });

  test("tool calls come back in the OpenAI shape and tool history goes out as blocks", async () => {
    const engine = await createEngine(config());
    expect(engine.capabilities.tools).toBe(true);
    const first = await engine.generate({
      messages: [{ role: "user", content: "weather in Paris?" }],
      tools,
      generation: { tool_choice: "required" },
    });
    expect(first.finishReason).toBe("tool_calls");
    expect(first.message).toEqual({
      role: "assistant",
      content: "Let me check.",
      tool_calls: [{
        id: "toolu_1",
        type: "function",
        function: { name: "get_weather", arguments: '{"city":"Paris"}' },
      }],
    });
    const sentTools = fake.calls.at(-1)!.body;
    expect(sentTools.tools).toEqual([{
      name: "get_weather",
      description: "Current weather",
      input_schema: tools[0].function.parameters,
    }]);
    expect(sentTools.tool_choice).toEqual({ type: "any" });

    const second = await engine.generate({
      messages: [
        { role: "user", content: "weather in Paris?" },
        first.message,
        { role: "tool", content: '{"temp":20}', tool_call_id: "toolu_1" },
        { role: "user", content: "and so?" },
      ],
      tools,
    });
    expect(second.message.content).toBe("It is 20 degrees.");
    const body = fake.calls.at(-1)!.body;
    expect(body.tools).toBeDefined(); // tool history carries the definitions (DECISIONS 8)
    expect(body.messages).toEqual([
      { role: "user", content: "weather in Paris?" },
      {
        role: "assistant",
        content: [
          { type: "text", text: "Let me check." },
          { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "toolu_1", content: '{"temp":20}' },
          { type: "text", text: "and so?" },
        ],
      },
    ]);
  });

  test("tool history without tools still declares the tools it used (DECISIONS 8)", async () => {
    const engine = await createEngine(config());
    await engine.generate({
      messages: [
        { role: "user", content: "weather?" },
        {
          role: "assistant",
          content: null,
          tool_calls: [{
            id: "toolu_9",
            type: "function",
            function: { name: "get_weather", arguments: "{}" },
          }],
        },
        { role: "tool", content: "sunny", tool_call_id: "toolu_9" },
      ],
    });
    const body = fake.calls.at(-1)!.body;
    expect(body.tools).toEqual([{
      name: "get_weather",
      description: "",
      input_schema: { type: "object", properties: {} },
    }]);
    expect(body.tool_choice).toEqual({ type: "none" });
  });

  test("JSON schemas become output_config for 4.5+ models and are dropped with a warning before", async () => {
    const warnings: string[] = [];
    const schema = { type: "object", properties: { a: { type: "string" } } };
    const recent = await createEngine(config());
    await recent.generate({ messages: [{ role: "user", content: "json" }], jsonSchema: schema });
    expect(fake.calls.at(-1)!.body.output_config).toEqual({
      format: { type: "json_schema", schema: { ...schema, additionalProperties: false } },
    });
    const old = await createEngine(config("claude-3-5-sonnet-20241022"), {
      onWarning: (m) => warnings.push(m),
    });
    await old.generate({ messages: [{ role: "user", content: "json" }], jsonSchema: schema });
    expect(fake.calls.at(-1)!.body.output_config).toBeUndefined();
    expect(warnings.join("\n")).toContain("does not support structured output");
  });

  test("a warning raised while building each request reaches the user once per engine", async () => {
    const warnings: string[] = [];
    const engine = await createEngine(config(), { onWarning: (m) => warnings.push(m) });
    for (let i = 0; i < 3; i++) {
      await engine.generate({
        messages: [
          { role: "system", content: "first" },
          { role: "system", content: "second" },
          { role: "user", content: `hello ${i}` },
        ],
      });
    }
    expect(warnings).toEqual([
      "ANTHROPIC takes one system message; later system messages are dropped",
    ]);
  });

  test("model families: sampling parameters and structured output by version", () => {
    expect(acceptsSampling("claude-opus-4-7")).toBe(false);
    expect(acceptsSampling("claude-opus-4-6")).toBe(true);
    expect(acceptsSampling("claude-sonnet-5-0-20260101")).toBe(false);
    expect(acceptsSampling("claude-sonnet-4-20250514")).toBe(true);
    expect(acceptsSampling("claude-mythos-1")).toBe(false);
    expect(supportsStructuredOutput("claude-haiku-4-5")).toBe(true);
    expect(supportsStructuredOutput("claude-sonnet-4-20250514")).toBe(false);
  });

  test("a bad key stops the run (fatal) naming the variable, without the key", async () => {
    const engine = await createEngine({
      ...config(),
      remote_params: { api_url: `${fake.url}/v1/messages`, api_key_env_varname: "ANT_KEY" },
    }, { env: { ANT_KEY: "sk-ant-wrong-key-55555" } });
    const error = await engine.generate({ messages: [{ role: "user", content: "x" }] }).catch((e) =>
      e
    );
    expect(error.fatal).toBe(true);
    expect(error.message).toContain("ANT_KEY");
    expect(error.message).not.toContain("sk-ant-wrong");
  });
});
