/**
 * The NATIVE transformers.js engine on the tiny ONNX model (real ONNX Runtime inference):
 * batching, per-request settings inside a batch, stops, seeds, usage, dtype choice, bad models.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Engine, GenerateRequest } from "../../../src/engines/contract.ts";
import { createEngine } from "../../../src/engines/registry.ts";
import { createTransformersEngine } from "../../../src/engines/transformers/index.ts";
import { ConfigError, EngineError } from "../../../src/errors.ts";
import { tinyOnnxPath } from "../../helpers/tinyOnnx.ts";

const tmp = mkdtempSync(join(tmpdir(), "synth-onnx-engine-"));
let modelDir = "";
let batched: Engine;
let single: Engine;
const warnings: string[] = [];

const open = (options: { batch: number; generation?: Record<string, unknown> }) =>
  createTransformersEngine(
    { engine: "NATIVE", model: { model_name: modelDir }, generation: options.generation ?? {} },
    { threads: 1, parallelSequences: options.batch, onWarning: (m) => warnings.push(m) },
  );

beforeAll(async () => {
  modelDir = await tinyOnnxPath();
  batched = await open({ batch: 4, generation: { max_new_tokens: 24, num_beams: 3 } });
  single = await open({ batch: 1, generation: { max_new_tokens: 24 } });
});
afterAll(async () => {
  await batched?.dispose();
  await single?.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

const ask = (text: string, extra: Partial<GenerateRequest> = {}): GenerateRequest => ({
  messages: [{ role: "system", content: "You are terse." }, { role: "user", content: text }],
  ...extra,
});
const PROMPTS = [
  "Name a colour.",
  "Write a long sentence about the history of the bicycle in Europe and Asia.",
  "Hi",
  "Count to five, please, slowly and with care.",
];

describe("NATIVE on transformers.js", () => {
  test("engine facts: batch size, honest capabilities, model name with dtype and back-end", () => {
    expect(batched.maxConcurrency).toBe(4);
    expect(single.maxConcurrency).toBe(1);
    expect(batched.capabilities).toEqual({ jsonSchema: false, tools: false });
    expect(batched.name).toBe("NATIVE");
    expect(batched.model).toMatch(/^tiny-onnx-.* \(ONNX fp32, native\)$/);
  });

  test("a batch of different-length prompts gives each prompt the same reply as alone", async () => {
    const alone = [];
    for (const p of PROMPTS) alone.push(await single.generate(ask(p)));
    const together = await Promise.all(PROMPTS.map((p) => batched.generate(ask(p))));
    expect(together.map((r) => r.message.content)).toEqual(alone.map((r) => r.message.content));
    expect(together.map((r) => r.usage)).toEqual(alone.map((r) => r.usage));
    for (const r of together) {
      expect(r.message.role).toBe("assistant");
      expect(r.usage.inputTokens).toBeGreaterThan(10);
      expect(r.usage.outputTokens).toBeGreaterThan(0);
      expect(r.usage.outputTokens).toBeLessThanOrEqual(24);
      expect(["stop", "length"]).toContain(r.finishReason);
    }
    // The prompt went through the ChatML template of tokenizer_config.json: "Hi" alone is short,
    // but system + user + assistant headers add their tokens.
    expect(together[2].usage.inputTokens).toBeGreaterThan(12);
  });

  test("per-request max_new_tokens and stop strings apply row by row inside one batch", async () => {
    const free = await single.generate(ask(PROMPTS[1], { generation: { max_new_tokens: 24 } }));
    const words = free.message.content!.split(" ").filter((w) => w.length > 2);
    expect(words.length).toBeGreaterThan(2);
    const stop = words[2];
    const [short, stopped, normal] = await Promise.all([
      // PROMPTS[1]'s reply has more than 2 words (above), so 3 tokens cut it short.
      batched.generate(ask(PROMPTS[1], { generation: { max_new_tokens: 3 } })),
      batched.generate(ask(PROMPTS[1], { generation: { stop_strings: [stop] } })),
      batched.generate(ask(PROMPTS[3])),
    ]);
    expect(short.usage.outputTokens).toBe(3);
    expect(short.finishReason).toBe("length");
    expect(stopped.message.content).toBe(
      free.message.content!.slice(0, free.message.content!.indexOf(stop)),
    );
    expect(stopped.finishReason).toBe("stop");
    expect(normal.message.content).toBe((await single.generate(ask(PROMPTS[3]))).message.content);
  });

  test("a reply that ends at once is empty (the end token is not part of it)", async () => {
    const r = await batched.generate(
      ask(PROMPTS[0], { generation: { logit_bias: { "50258": 100 } } }),
    );
    expect(r).toEqual({
      message: { role: "assistant", content: "" },
      usage: { inputTokens: r.usage.inputTokens, outputTokens: 1 },
      finishReason: "stop",
    });
  });

  test("sampling is per request: a seed reproduces, greedy rows stay greedy in a sampled batch", async () => {
    const sampled = (seed: number) =>
      ask(PROMPTS[0], { generation: { use_sampling: true, temperature: 1.5, seed } as never });
    const [a, greedy, b, c] = await Promise.all([
      batched.generate(sampled(7)),
      batched.generate(ask(PROMPTS[2])),
      batched.generate(sampled(7)),
      batched.generate(sampled(8)),
    ]);
    expect(a.message.content).toBe(b.message.content);
    expect(c.message.content).not.toBe(a.message.content);
    expect(greedy.message.content).toBe((await single.generate(ask(PROMPTS[2]))).message.content);
    const again = await single.generate(sampled(7));
    expect(again.message.content).toBe(a.message.content);
  });

  test("an unsupported parameter is warned about once; tools and aborted requests are refused", async () => {
    await batched.generate(ask("a"));
    await batched.generate(ask("b"));
    expect(warnings.filter((w) => w.includes("num_beams"))).toEqual([
      "generation.num_beams is ignored by NATIVE (transformers.js): beam search is not supported",
    ]);
    const tools = batched.generate({
      ...ask("x"),
      tools: [{ type: "function", function: { name: "f" } }],
    });
    await expect(tools).rejects.toBeInstanceOf(EngineError);
    await expect(tools).rejects.toMatchObject({ fatal: true });
    const controller = new AbortController();
    controller.abort();
    await expect(batched.generate(ask("x", { signal: controller.signal }))).rejects.toMatchObject({
      name: "AbortError",
    });
  });

  test("a prompt longer than the model's positions is refused; a JSON schema is warned about once", async () => {
    const long = batched.generate(ask("word ".repeat(2100)));
    await expect(long).rejects.toBeInstanceOf(EngineError);
    await expect(long).rejects.toThrow(
      /^Cannot generate with NATIVE: the prompt has \d+ tokens, the model takes 2048$/,
    );
    const schema = { type: "object", properties: { a: { type: "string" } } };
    const replies = await Promise.all(
      [1, 2].map(() => batched.generate(ask("x", { jsonSchema: schema }))),
    );
    for (const r of replies) expect(typeof r.message.content).toBe("string");
    expect(warnings.filter((w) => w.includes("JSON schema"))).toEqual([
      "NATIVE (transformers.js) cannot constrain replies to a JSON schema; replies are validated instead",
    ]);
  });

  test("after dispose, generate rejects with a fatal error", async () => {
    const engine = await open({ batch: 2 });
    await engine.dispose();
    await engine.dispose();
    await expect(engine.generate(ask("x"))).rejects.toMatchObject({ fatal: true });
  });

  test("the dtype comes from the files present (a folder with only model_quantized.onnx is q8)", async () => {
    const q8 = await tinyOnnxPath({ suffix: "_quantized" });
    await using engine = await createEngine(
      { engine: "NATIVE_TEXT", model: { model_name: q8 }, generation: { max_new_tokens: 4 } },
      { threads: 1 },
    );
    expect(engine.model).toMatch(/\(ONNX q8, native\)$/);
    expect(engine.name).toBe("NATIVE_TEXT");
    const r = await engine.generate(ask("Hello"));
    expect(r.usage.outputTokens).toBeGreaterThan(0);
  });
});

describe("bad ONNX models are ConfigErrors with clear messages", () => {
  const copyWith = (name: string, change: (dir: string) => void) => {
    const dir = join(tmp, name);
    cpSync(modelDir, dir, { recursive: true });
    change(dir);
    return dir;
  };
  const load = (dir: string) =>
    createEngine({ engine: "NATIVE", model: { model_name: dir } }, { threads: 1 });

  test("a folder without config.json", async () => {
    const dir = join(tmp, "no-config");
    mkdirSync(join(dir, "onnx"), { recursive: true });
    const error = await load(dir).catch((e) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain(`Cannot load ONNX model "${dir}": ${dir} has no config.json`);
  });

  test("an onnx/model.onnx that is not ONNX (text, or protobuf-looking garbage)", async () => {
    const text = copyWith("text-onnx", (d) => writeFileSync(join(d, "onnx", "model.onnx"), "GGUF"));
    const e1 = await load(text).catch((e) => e);
    expect(e1).toBeInstanceOf(ConfigError);
    expect(e1.message).toBe(
      `Cannot load ONNX model "${text}": ${join(text, "onnx", "model.onnx")} is not an ONNX model`,
    );
    const garbage = copyWith("garbage-onnx", (d) =>
      writeFileSync(
        join(d, "onnx", "model.onnx"),
        Uint8Array.from({ length: 4000 }, (_, i) => (i === 0 ? 0x08 : (i * 7919) % 251)),
      ));
    const e2 = await load(garbage).catch((e) => e);
    expect(e2).toBeInstanceOf(ConfigError);
    expect(e2.message).toStartWith(
      `Cannot load ONNX model "${garbage}": ${
        join(garbage, "onnx", "model.onnx")
      } is not an ONNX model (`,
    );
  });

  test("a model_type transformers.js cannot generate text with", async () => {
    const bert = copyWith(
      "bert",
      (d) => writeFileSync(join(d, "config.json"), JSON.stringify({ model_type: "bert" })),
    );
    const error = await load(bert).catch((e) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toStartWith(
      `Cannot load ONNX model "${bert}": model_type "bert" is not a text-generation model transformers.js supports (supported include bloom, gpt2,`,
    );
  });
});
