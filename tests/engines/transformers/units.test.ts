/** Unit tests of the transformers.js adapter's pure parts (nothing native is loaded). */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BatchQueue } from "../../../src/engines/transformers/batchQueue.ts";
import { resolveRowSettings } from "../../../src/engines/transformers/generationParams.ts";
import { locateNativeModel } from "../../../src/engines/transformers/locateModel.ts";
import {
  checkOnnxFile,
  dtypesPresent,
  readModelFolder,
} from "../../../src/engines/transformers/modelFolder.ts";
import { argmax, RowSampler } from "../../../src/engines/transformers/sampling.ts";
import { chooseEngine } from "../../../src/engines/registry.ts";
import { ConfigError } from "../../../src/errors.ts";

const tmp = mkdtempSync(join(tmpdir(), "synth-onnx-units-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A folder that passes the cheap checks (config.json, tokenizer.json, a plausible .onnx). */
function fakeOnnxFolder(dir: string, files: string[] = ["model.onnx"], modelType = "gpt2") {
  mkdirSync(join(dir, "onnx"), { recursive: true });
  writeFileSync(
    join(dir, "config.json"),
    JSON.stringify({ model_type: modelType, n_positions: 64 }),
  );
  writeFileSync(join(dir, "tokenizer.json"), "{}");
  // 0x08 = field 1 (ir_version), varint: how every ONNX ModelProto starts.
  for (const f of files) writeFileSync(join(dir, "onnx", f), Uint8Array.of(0x08, 0x08, 0x12));
  return dir;
}

describe("resolveRowSettings", () => {
  test("greedy unless use_sampling, as oumi's NATIVE; sampling knobs warn once otherwise", () => {
    const greedy = resolveRowSettings({ max_new_tokens: 7, temperature: 0.7, top_p: 0.9 });
    expect(greedy.settings.sample).toBe(false);
    expect(greedy.settings.maxNewTokens).toBe(7);
    expect(greedy.unsupported.map((u) => u.key)).toEqual(["greedy.temperature", "greedy.top_p"]);
    const sampled = resolveRowSettings({
      use_sampling: true,
      temperature: 0.7,
      top_p: 0.9,
      seed: 3,
    });
    expect(sampled.settings).toMatchObject({ sample: true, temperature: 0.7, topP: 0.9, seed: 3 });
    expect(sampled.unsupported).toEqual([]);
    // oumi's schema defaults (temperature 0, top_p 1, batch_size 1, use_cache false) are quiet.
    expect(
      resolveRowSettings({
        temperature: 0,
        top_p: 1,
        batch_size: 1,
        use_cache: false,
        num_beams: 1,
      })
        .unsupported,
    ).toEqual([]);
  });

  test("unsupported and unknown parameters are listed, never thrown", () => {
    const { settings, unsupported } = resolveRowSettings({
      num_beams: 4,
      guided_decoding: { json: {} },
      mystery: 1,
      logit_bias: { "5": 200, x: 1 },
      stop_strings: ["", "END"],
      stop_token_ids: [3, -1],
    } as never);
    expect(unsupported.map((u) => u.key).sort()).toEqual(
      ["guided_decoding", "logit_bias.x", "mystery", "num_beams"].sort(),
    );
    expect(unsupported.find((u) => u.key === "num_beams")!.message).toBe(
      "generation.num_beams is ignored by NATIVE (transformers.js): beam search is not supported",
    );
    expect([...settings.logitBias]).toEqual([[5, 100]]);
    expect(settings.stopStrings).toEqual(["END"]);
    expect(settings.stopTokenIds).toEqual([3]);
    expect(settings.maxNewTokens).toBe(1024);
  });
});

describe("RowSampler", () => {
  const logits = () => Float32Array.from({ length: 50 }, (_, i) => Math.sin(i * 7.3) * 3);
  const base = resolveRowSettings({}).settings;

  test("greedy rows take the argmax after biases and penalties", () => {
    const row = logits();
    const best = argmax(row);
    const s = new RowSampler({ ...base, logitBias: new Map([[best, -100]]) });
    const token = s.prepare(row);
    expect(token).not.toBe(best);
    expect(row[best]).toBe(-Infinity);
    const p = new RowSampler({ ...base, presencePenalty: 1000 });
    p.observe(best);
    expect(p.prepare(logits())).not.toBe(best);
  });

  test("a seed reproduces the draws; top_k 1 is greedy; only the drawn token stays finite", () => {
    const draws = (seed: number) => {
      const s = new RowSampler({ ...base, sample: true, temperature: 5, seed });
      return Array.from({ length: 20 }, () => s.prepare(logits()));
    };
    expect(draws(4)).toEqual(draws(4));
    expect(new Set(draws(4)).size).toBeGreaterThan(3);
    const row = logits();
    const k1 = new RowSampler({ ...base, sample: true, temperature: 5, topK: 1, seed: 9 });
    expect(k1.prepare(row)).toBe(argmax(logits()));
    expect(row.filter((v) => v > -Infinity).length).toBe(1);
  });

  test("top_p and min_p keep only the head of the distribution", () => {
    const row = new Float32Array(10).fill(-10);
    row[2] = 10;
    row[7] = 9.5;
    for (const settings of [{ topP: 0.5 }, { minP: 0.9 }]) {
      const s = new RowSampler({ ...base, sample: true, temperature: 1, seed: 1, ...settings });
      for (let i = 0; i < 30; i++) expect(s.prepare(Float32Array.from(row))).toBe(2);
    }
    const wide = new RowSampler({ ...base, sample: true, temperature: 1, seed: 1, topK: 2 });
    const seen = new Set(Array.from({ length: 60 }, () => wide.prepare(Float32Array.from(row))));
    expect([...seen].sort()).toEqual([2, 7]);
  });
});

describe("BatchQueue", () => {
  test("requests of one turn form one batch; later ones wait for the next, in order", async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const queue = new BatchQueue<number>(3, async (items) => {
      batches.push(items);
      if (batches.length === 1) await gate;
    }, () => {});
    for (const i of [1, 2, 3, 4]) queue.push(i);
    await new Promise((r) => setImmediate(r));
    queue.push(5);
    release();
    // The next batch starts on a later event-loop turn (setImmediate): wait turns, not time.
    for (let turn = 0; turn < 10 && batches.length < 2; turn++) {
      await new Promise((r) => setImmediate(r));
    }
    expect(batches).toEqual([[1, 2, 3], [4, 5]]);
  });

  test("close fails waiting items and refuses new ones", async () => {
    const failed: number[] = [];
    const queue = new BatchQueue<number>(1, () => new Promise(() => {}), (i) => failed.push(i));
    queue.push(1);
    queue.push(2);
    await new Promise((r) => setImmediate(r));
    void queue.close(new Error("closed"));
    queue.push(3);
    expect(failed).toEqual([2, 3]);
  });
});

describe("model folders", () => {
  test("dtype is chosen from the files present: fp32 first, then 8-bit, ...", () => {
    expect(dtypesPresent(["model.onnx", "model_quantized.onnx", "x.onnx"], "model")).toEqual([
      "fp32",
      "q8",
    ]);
    const q = fakeOnnxFolder(join(tmp, "q"), [
      "model_fp16.onnx",
      "model_q4.onnx",
      "model_quantized.onnx",
    ]);
    expect(readModelFolder("q", q).dtype).toBe("q8");
    expect(readModelFolder("q", q, "q4").onnxPath).toBe(join(q, "onnx", "model_q4.onnx"));
    expect(() => readModelFolder("q", q, "fp32")).toThrow(
      /model_kwargs.dtype "fp32" needs onnx\/model.onnx, which is not in .* \(present: fp16, q8, q4\)/,
    );
    const merged = fakeOnnxFolder(join(tmp, "merged"), ["decoder_model_merged.onnx"]);
    expect(readModelFolder("m", merged)).toMatchObject({
      fileName: "decoder_model_merged",
      dtype: "fp32",
      maxPositions: 64,
    });
  });

  test("a folder without config.json, without weights, or with a non-ONNX file is a ConfigError", () => {
    const empty = join(tmp, "empty");
    mkdirSync(empty);
    expect(() => readModelFolder("empty", empty)).toThrow(ConfigError);
    expect(() => readModelFolder("empty", empty)).toThrow(
      `Cannot load ONNX model "empty": ${empty} has no config.json (a transformers.js model folder needs config.json, tokenizer.json, tokenizer_config.json and onnx/model*.onnx)`,
    );
    const noWeights = fakeOnnxFolder(join(tmp, "no-weights"), []);
    expect(() => readModelFolder("w", noWeights)).toThrow(/holds no model\*\.onnx file/);
    const text = join(tmp, "text.onnx");
    writeFileSync(text, "this is not onnx");
    expect(() => checkOnnxFile("t", text)).toThrow(
      `Cannot load ONNX model "t": ${text} is not an ONNX model`,
    );
    const gguf = join(tmp, "gguf.onnx");
    writeFileSync(gguf, "GGUF\x03\x00");
    expect(() => checkOnnxFile("g", gguf)).toThrow(ConfigError);
  });
});

describe("NATIVE chooses GGUF or ONNX", () => {
  const models = join(tmp, "models");
  const onnxDir = fakeOnnxFolder(join(models, "tiny-onnx"));
  mkdirSync(join(models, "gguf-folder"), { recursive: true });
  writeFileSync(join(models, "gguf-folder", "m.gguf"), "GGUF");
  const hub = join(tmp, "hub");
  const snapshot = join(hub, "models--acme--tiny", "snapshots", "abc123");
  fakeOnnxFolder(snapshot);
  mkdirSync(join(hub, "models--acme--tiny", "refs"), { recursive: true });
  writeFileSync(join(hub, "models--acme--tiny", "refs", "main"), "abc123");
  const native = (model_name: string, engine = "NATIVE") => ({ engine, model: { model_name } });

  test("folders, names in models/ and the Hugging Face cache", () => {
    expect(locateNativeModel(onnxDir)).toMatchObject({ runtime: "onnx", dir: onnxDir });
    expect(locateNativeModel("tiny-onnx", { modelDirs: [models], cwd: "/" })).toMatchObject({
      runtime: "onnx",
      dir: onnxDir,
    });
    expect(locateNativeModel("acme/tiny", { env: { HF_HUB_CACHE: hub }, cwd: "/" })).toMatchObject({
      runtime: "onnx",
      dir: snapshot,
    });
    expect(
      locateNativeModel("acme/tiny", { env: { HF_HOME: join(tmp, "nowhere") }, cwd: "/" }).runtime,
    )
      .toBe("gguf");
    expect(locateNativeModel(join(models, "gguf-folder")).runtime).toBe("gguf");
    expect(locateNativeModel("x.gguf").runtime).toBe("gguf");
  });

  test("validate's description names the runtime and the reason; LLAMACPP stays llama.cpp", () => {
    const onnx = chooseEngine(native("tiny-onnx", "NATIVE_TEXT"), {
      modelDirs: [models],
      cwd: "/",
    });
    expect(onnx.adapter).toBe("transformers");
    expect(onnx.description).toBe(
      'transformers.js (ONNX Runtime) model "tiny-onnx" (NATIVE_TEXT runs ONNX model folders on transformers.js: a model folder with config.json)',
    );
    const gguf = chooseEngine(native("model.gguf"));
    expect(gguf.adapter).toBe("llamacpp");
    expect(gguf.description).toBe(
      'llama.cpp (GGUF) model "model.gguf" (NATIVE runs GGUF files on llama.cpp: the name ends in .gguf)',
    );
    expect(chooseEngine(native(onnxDir, "LLAMACPP")).adapter).toBe("llamacpp");
    expect(chooseEngine({ model: { model_name: onnxDir } }).adapter).toBe("transformers");
  });
});
