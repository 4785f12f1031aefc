/**
 * Simulated tools on the real llama.cpp engine (tiny GGUF model): the simulator's replies are
 * constrained by JSON-schema grammars built from the tools' output schemas, so even a model that
 * knows nothing produces valid tool results (issue 6: "results constrained to the tool's output
 * schema where the engine supports it").
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Engine } from "../../src/engines/contract.ts";
import { createLlamaCppEngine } from "../../src/engines/llamacpp/index.ts";
import { tinyGgufPath } from "../helpers/tinyModel.ts";
import { call, load, tool } from "./helpers.ts";

let engine: Engine;
beforeAll(async () => {
  engine = await createLlamaCppEngine(
    {
      engine: "LLAMACPP",
      model: { model_name: await tinyGgufPath(), model_max_length: 2048 },
      generation: { max_new_tokens: 64, seed: 3, temperature: 0.8 },
    },
    { threads: 1, parallelSequences: 2 },
  );
});
afterAll(() => engine?.dispose());

describe("simulated tools on llama.cpp", () => {
  test("stateless and stateful simulations produce schema-valid results", async () => {
    expect(engine.capabilities.jsonSchema).toBe(true);
    const envs = await load([
      {
        id: "weather",
        type: "synthetic",
        system_prompt: "You are a weather service.",
        tools: [tool("sky", {
          parameters: { type: "object", properties: { city: { type: "string" } } },
          output_schema: {
            type: "object",
            properties: { sky: { enum: ["sunny", "rainy"] } },
            required: ["sky"],
            additionalProperties: false,
          },
        })],
      },
      {
        id: "home",
        type: "simulated",
        system_prompt: "You control a smart home.",
        state_params: {
          state_schema: {
            type: "object",
            properties: { lights: { enum: ["on", "off"] } },
            required: ["lights"],
            additionalProperties: false,
          },
          initial_state: { lights: "off" },
        },
        tools: [tool("toggle", {
          read_only: false,
          output_schema: {
            type: "object",
            properties: { ok: { type: "boolean" } },
            required: ["ok"],
            additionalProperties: false,
          },
        })],
      },
    ], { engineSupportsJsonSchema: engine.capabilities.jsonSchema });
    const session = await envs.openSession(0, (request) => engine.generate(request));
    const out = await session.dispatch([call("sky", { city: "Paris" }), call("toggle")]);
    expect(out.map((m) => m.role)).toEqual(["tool", "tool"]);
    const sky = JSON.parse(out[0].content!);
    expect(["sunny", "rainy"]).toContain(sky.sky);
    expect(typeof JSON.parse(out[1].content!).ok).toBe("boolean");
    await envs.close();
  });
});
