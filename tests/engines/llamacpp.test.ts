import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import type {
  Engine,
  EngineConfig,
  EngineFactoryOptions,
  GenerateRequest,
} from "../../src/engines/contract.ts";
import { createLlamaCppEngine } from "../../src/engines/llamacpp/index.ts";
import { ConfigError, EngineError } from "../../src/errors.ts";
import { tinyGgufPath } from "../helpers/tinyModel.ts";

let modelPath: string;
let tmp: string;
let engine: Engine;
const warnings: string[] = [];

function config(modelName: string, generation: EngineConfig["generation"] = {}): EngineConfig {
  return {
    engine: "LLAMACPP",
    model: { model_name: modelName, model_max_length: 512 },
    generation,
  };
}

const chat = (user: string): GenerateRequest["messages"] => [
  { role: "system", content: "You are a helpful assistant." },
  { role: "user", content: user },
];

const PROMPTS = [
  "Name a city.",
  "Write one sentence about the sea.",
  "What is your favourite colour?",
  "Give me a fruit.",
  "Describe a cat.",
  "Tell me a number.",
  "Say hello.",
  "Pick an animal.",
];

beforeAll(async () => {
  modelPath = await tinyGgufPath();
  tmp = mkdtempSync(join(tmpdir(), "synth-llamacpp-"));
  engine = await createLlamaCppEngine(config(modelPath, { max_new_tokens: 24, num_beams: 3 }), {
    threads: 1,
    parallelSequences: 4,
    onWarning: (message) => warnings.push(message),
  });
});

afterAll(async () => {
  await engine?.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

describe("loading", () => {
  test("by absolute path", () => {
    expect(engine.name).toBe("LLAMACPP");
    expect(engine.model).toBe(basename(modelPath));
    expect(engine.maxConcurrency).toBe(4);
    expect(engine.capabilities).toEqual({ jsonSchema: true, tools: true });
  });

  test("by bare name in a models/ folder and relative to the config folder", async () => {
    const models = join(tmp, "models");
    mkdirSync(models, { recursive: true });
    symlinkSync(modelPath, join(models, "tiny.gguf"));
    const options: EngineFactoryOptions = { threads: 1, parallelSequences: 1, modelDirs: [models] };
    const byName = await createLlamaCppEngine(config("tiny"), options);
    try {
      expect(byName.model).toBe("tiny.gguf");
      expect(byName.maxConcurrency).toBe(1);
      const result = await byName.generate({
        messages: chat("Hi"),
        generation: { max_new_tokens: 4 },
      });
      expect(typeof result.message.content).toBe("string");
    } finally {
      await byName.dispose();
    }
    const relative = await createLlamaCppEngine(config("models/tiny.gguf"), {
      ...options,
      modelDirs: [],
      configDir: tmp,
    });
    expect(relative.model).toBe("tiny.gguf");
    await relative.dispose();
  });

  test("missing model is a ConfigError naming what was searched", async () => {
    const models = join(tmp, "empty-models");
    mkdirSync(models, { recursive: true });
    const error = await createLlamaCppEngine(config("no-such-model"), {
      threads: 1,
      configDir: tmp,
      modelDirs: [models],
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toStartWith('Cannot load model "no-such-model": no file at ');
    expect(message).toContain(join(tmp, "no-such-model"));
    expect(message).toContain(`or in models/ (${models})`);
  });

  test("a file that is not GGUF is a ConfigError", async () => {
    const notGguf = join(tmp, "fake.gguf");
    await Bun.write(notGguf, "definitely not a model");
    const error = await createLlamaCppEngine(config(notGguf), { threads: 1 }).catch((e: unknown) =>
      e
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain("is not a GGUF file");
  });
});

describe("generate", () => {
  test("system + user conversation returns text and usage", async () => {
    const result = await engine.generate({ messages: chat("Write a short greeting.") });
    expect(result.message.role).toBe("assistant");
    expect(typeof result.message.content).toBe("string");
    expect(result.usage.inputTokens).toBeGreaterThan(10);
    expect(result.usage.outputTokens).toBeGreaterThanOrEqual(0);
    expect(result.usage.outputTokens).toBeLessThanOrEqual(24);
    expect(["stop", "length"]).toContain(result.finishReason);
  });

  test("max_new_tokens bounds the output and yields finishReason length", async () => {
    const results = await Promise.all(
      PROMPTS.map((p) => engine.generate({ messages: chat(p), generation: { max_new_tokens: 3 } })),
    );
    for (const r of results) {
      expect(r.usage.outputTokens).toBeLessThanOrEqual(3);
      if (r.finishReason === "length") expect(r.usage.outputTokens).toBe(3);
    }
    expect(results.some((r) => r.finishReason === "length")).toBe(true);
  });

  test("greedy output is deterministic; a longer limit continues the same text", async () => {
    const a = await engine.generate({
      messages: chat("Tell me a story."),
      generation: { max_new_tokens: 4 },
    });
    const b = await engine.generate({
      messages: chat("Tell me a story."),
      generation: { max_new_tokens: 4 },
    });
    expect(b.message.content).toBe(a.message.content);
    const longer = await engine.generate({
      messages: chat("Tell me a story."),
      generation: { max_new_tokens: 20 },
    });
    if (a.finishReason === "length") {
      expect(longer.message.content).toStartWith(a.message.content ?? "");
    } else expect(longer.message.content).toBe(a.message.content);
  });

  test("seeded sampling at temperature > 0 is reproducible", async () => {
    const sample = (seed: number) =>
      engine.generate({
        messages: chat("Invent a word."),
        generation: { temperature: 1, seed, max_new_tokens: 12 },
      }).then((r) => r.message.content);
    const first = await sample(42);
    const again = await sample(42);
    expect(again).toBe(first);
    const others = await Promise.all([1, 2, 3, 4].map(sample));
    expect(new Set([first, ...others]).size).toBeGreaterThan(1);
  });

  test("stop_strings end the reply before the stop string", async () => {
    let base = "";
    for (const prompt of PROMPTS) {
      const r = await engine.generate({
        messages: chat(prompt),
        generation: { max_new_tokens: 24 },
      });
      if ((r.message.content ?? "").trim().split(/\s+/).length >= 3) {
        base = r.message.content ?? "";
        const words = base.trim().split(/\s+/);
        const stop = words[2];
        const stopped = await engine.generate({
          messages: chat(prompt),
          generation: { max_new_tokens: 24, stop_strings: [stop] },
        });
        expect(stopped.message.content).toBe(base.slice(0, base.indexOf(stop)));
        expect(stopped.finishReason).toBe("stop");
        break;
      }
    }
    expect(base).not.toBe("");
  });

  test("logit_bias -100 bans a token", async () => {
    const base = await engine.generate({
      messages: chat("Say something."),
      generation: { max_new_tokens: 1 },
    });
    expect(base.usage.outputTokens).toBe(1);
    // The id of the token the model chose, from the model's own tokenizer.
    const { loadNodeLlamaCpp } = await import("../../src/runtime/loadNodeLlamaCpp.ts");
    const { getLlama } = await loadNodeLlamaCpp();
    const llama = await getLlama({ build: "never", gpu: false, maxThreads: 1 });
    const model = await llama.loadModel({ modelPath, vocabOnly: true });
    const ids = model.tokenize(base.message.content ?? "");
    await llama.dispose();
    expect(ids.length).toBe(1);
    const avoided = await engine.generate({
      messages: chat("Say something."),
      generation: { max_new_tokens: 1, logit_bias: { [String(ids[0])]: -100 } },
    });
    expect(avoided.message.content).not.toBe(base.message.content);
  });

  test("4 concurrent requests on 4 sequences all complete", async () => {
    const results = await Promise.all(
      PROMPTS.slice(0, 4).map((p) => engine.generate({ messages: chat(p) })),
    );
    expect(results).toHaveLength(4);
    for (const r of results) {
      expect(typeof r.message.content).toBe("string");
      expect(r.usage.inputTokens).toBeGreaterThan(0);
    }
  });

  test("more requests than sequences queue and all complete", async () => {
    const small = await createLlamaCppEngine(config(modelPath, { max_new_tokens: 10 }), {
      threads: 1,
      parallelSequences: 2,
    });
    try {
      expect(small.maxConcurrency).toBe(2);
      const requests = Array.from({ length: 9 }, (_, i) => PROMPTS[i % PROMPTS.length]);
      const queued = await Promise.all(requests.map((p) => small.generate({ messages: chat(p) })));
      expect(queued).toHaveLength(9);
      for (const r of queued) expect(r.usage.outputTokens).toBeLessThanOrEqual(10);
      // Each request saw only its own prompt: same prompt, same greedy answer.
      const alone = await small.generate({ messages: chat(requests[0]) });
      expect(queued[0].message.content).toBe(alone.message.content);
      expect(queued[8].message.content).toBe(alone.message.content);
    } finally {
      await small.dispose();
    }
  });

  test("JSON schema output parses and matches a bounded schema", async () => {
    const schema = {
      type: "object",
      properties: {
        name: { type: "string", maxLength: 12 },
        mood: { enum: ["happy", "sad", "calm"] },
        ok: { type: "boolean" },
        tags: { type: "array", items: { type: "string", maxLength: 5 }, maxItems: 2 },
      },
      required: ["name", "mood", "ok", "tags"],
      additionalProperties: false,
    };
    for (const prompt of PROMPTS.slice(0, 3)) {
      const r = await engine.generate({
        messages: chat(prompt),
        jsonSchema: schema,
        generation: { max_new_tokens: 120 },
      });
      const value = JSON.parse(r.message.content ?? "");
      expect(Object.keys(value).sort()).toEqual(["mood", "name", "ok", "tags"]);
      expect(typeof value.name).toBe("string");
      expect(value.name.length).toBeLessThanOrEqual(12);
      expect(["happy", "sad", "calm"]).toContain(value.mood);
      expect(typeof value.ok).toBe("boolean");
      expect(value.tags.length).toBeLessThanOrEqual(2);
    }
  });

  test("unsupported parameters warn once per run", async () => {
    for (let i = 0; i < 3; i++) {
      await engine.generate({
        messages: chat("Hi"),
        generation: { max_new_tokens: 2, use_sampling: true } as never,
      });
    }
    expect(warnings.filter((w) => w.includes("num_beams"))).toHaveLength(1);
    expect(warnings.filter((w) => w.includes("use_sampling"))).toHaveLength(1);
  });

  test("prompts longer than the context are rejected", async () => {
    const tiny = await createLlamaCppEngine(
      { engine: "LLAMACPP", model: { model_name: modelPath, model_max_length: 256 } },
      { threads: 1, parallelSequences: 1 },
    );
    try {
      const error = await tiny.generate({ messages: chat("word ".repeat(400)) }).catch((
        e: unknown,
      ) => e);
      expect(error).toBeInstanceOf(EngineError);
      expect((error as Error).message).toContain("the context holds");
    } finally {
      await tiny.dispose();
    }
  });

  test("aborted requests reject with AbortError", async () => {
    const aborted = await engine.generate({ messages: chat("Hi"), signal: AbortSignal.abort() })
      .catch((e: unknown) => e);
    expect((aborted as Error).name).toBe("AbortError");
  });
});

describe("dispose", () => {
  test("is idempotent and generate afterwards rejects", async () => {
    const e = await createLlamaCppEngine(config(modelPath), { threads: 1, parallelSequences: 1 });
    await e.generate({ messages: chat("Hi"), generation: { max_new_tokens: 2 } });
    await e.dispose();
    await e.dispose();
    const error = await e.generate({ messages: chat("Hi") }).catch((x: unknown) => x);
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).fatal).toBe(true);
    expect(dirname(modelPath)).toContain(".models");
  });
});
