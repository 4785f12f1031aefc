/** Unit tests of the LLAMACPP adapter's pure parts (no native code is loaded). */
import { afterAll, describe, expect, test } from "bun:test";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join, relative } from "node:path";
import { resolveSampling } from "../../src/engines/llamacpp/generationParams.ts";
import {
  DEFAULT_PARALLEL_SEQUENCES,
  resolveLoadSettings,
} from "../../src/engines/llamacpp/loadSettings.ts";
import { toChatHistory } from "../../src/engines/llamacpp/messages.ts";
import { resolveModelPath } from "../../src/engines/llamacpp/resolveModelPath.ts";
import { SlotPool } from "../../src/engines/llamacpp/sequencePool.ts";
import { ConfigError } from "../../src/errors.ts";

const tmp = mkdtempSync(join(tmpdir(), "synth-llamacpp-units-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A file that passes the GGUF magic check (the resolver reads only 4 bytes). */
function fakeGguf(path: string): string {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, "GGUF....");
  return path;
}

describe("resolveModelPath", () => {
  const models = join(tmp, "models");
  const a = fakeGguf(join(models, "alpha.gguf"));
  fakeGguf(join(models, "beta"));
  const inConfigDir = fakeGguf(join(tmp, "cfg", "local.gguf"));

  test("absolute path, config-relative path, bare names with and without .gguf", () => {
    expect(resolveModelPath(a)).toBe(a);
    expect(resolveModelPath("local.gguf", { configDir: join(tmp, "cfg"), cwd: "/" })).toBe(
      inConfigDir,
    );
    expect(resolveModelPath("cfg/local.gguf", { cwd: tmp })).toBe(inConfigDir);
    expect(resolveModelPath("alpha", { modelDirs: [models], cwd: "/" })).toBe(a);
    expect(resolveModelPath("alpha.gguf", { modelDirs: [models], cwd: "/" })).toBe(a);
    expect(resolveModelPath("beta", { modelDirs: [models], cwd: "/" })).toBe(join(models, "beta"));
  });

  test("a folder: the only GGUF, or the one matching model_kwargs.filename", () => {
    const one = join(tmp, "one");
    const path = fakeGguf(join(one, "m.gguf"));
    expect(resolveModelPath(one)).toBe(path);
    const two = join(tmp, "two");
    fakeGguf(join(two, "m-q4_k_m.gguf"));
    const q8 = fakeGguf(join(two, "m-q8_0.gguf"));
    expect(() => resolveModelPath(two)).toThrow("2 GGUF files in");
    expect(resolveModelPath(two, { filename: "*Q8_0.gguf" })).toBe(q8);
  });

  test("Hugging Face cache layout", () => {
    const hub = join(tmp, "hub");
    const snapshot = join(hub, "models--acme--tiny-GGUF", "snapshots", "0123abc");
    const file = fakeGguf(join(snapshot, "tiny.q8_0.gguf"));
    fakeGguf(join(snapshot, "tiny.f16.gguf"));
    mkdirSync(join(hub, "models--acme--tiny-GGUF", "refs"), { recursive: true });
    writeFileSync(join(hub, "models--acme--tiny-GGUF", "refs", "main"), "0123abc\n");
    expect(resolveModelPath("acme/tiny-GGUF", { cwd: tmp, env: { HF_HUB_CACHE: hub } })).toBe(file);
    // The cache `synth models pull` writes to: also the legacy variable and HF_HOME.
    expect(resolveModelPath("acme/tiny-GGUF", { cwd: tmp, env: { HUGGINGFACE_HUB_CACHE: hub } }))
      .toBe(file);
    const home = join(tmp, "hf-home");
    mkdirSync(home, { recursive: true });
    cpSync(hub, join(home, "hub"), { recursive: true });
    expect(resolveModelPath("acme/tiny-GGUF", { cwd: tmp, env: { HF_HOME: home } })).toBe(
      join(home, "hub", relative(hub, file)),
    );
  });

  test("missing model: ConfigError naming the paths tried and the models/ folders", () => {
    let error: unknown;
    try {
      resolveModelPath("nope", { configDir: join(tmp, "cfg"), cwd: tmp, modelDirs: [models] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(
      `Cannot load model "nope": no file at ${join(tmp, "cfg", "nope")}, ${
        join(tmp, "nope")
      } or in models/ (${models})`,
    );
    expect((error as ConfigError).issues[0].path).toBe("inference_config.model.model_name");
  });

  test("a non-GGUF file is rejected", () => {
    const bad = join(tmp, "bad.gguf");
    writeFileSync(bad, "PK\u0003\u0004zip");
    expect(() => resolveModelPath(bad)).toThrow(
      `Cannot load model "${bad}": ${bad} is not a GGUF file`,
    );
  });
});

describe("resolveLoadSettings", () => {
  const model = fakeGguf(join(tmp, "settings", "m.gguf"));
  const cores = availableParallelism();

  test("defaults: all cores, 4 sequences, 4096 tokens per sequence, GPU auto", () => {
    const s = resolveLoadSettings({ model: { model_name: model } }, {});
    expect(s).toMatchObject({
      threads: Math.max(1, cores - 1),
      sequences: DEFAULT_PARALLEL_SEQUENCES,
      contextSize: 4096,
      gpu: "auto",
    });
    expect(s.warnings).toEqual([]);
  });

  test("options win over model_kwargs; threads never exceed the cores", () => {
    const config = {
      model: {
        model_name: model,
        model_max_length: 2048,
        model_kwargs: { n_threads: 1, n_parallel: 2, n_gpu_layers: 0, mystery: true },
      },
    };
    const fromKwargs = resolveLoadSettings(config, {});
    expect(fromKwargs).toMatchObject({
      threads: 1,
      sequences: 2,
      contextSize: 2048,
      gpu: false,
      gpuLayers: 0,
    });
    expect(fromKwargs.warnings).toEqual([
      "inference_config.model.model_kwargs.mystery is ignored by LLAMACPP: unknown setting",
    ]);
    const fromOptions = resolveLoadSettings(config, { threads: cores + 7, parallelSequences: 3 });
    expect(fromOptions.threads).toBe(cores);
    expect(fromOptions.sequences).toBe(3);
    expect(fromOptions.warnings).toContain(
      `Using ${cores} threads instead of ${cores + 7}: only ${cores} cores are present`,
    );
  });

  test("n_gpu_layers -1 means all layers; gpu kwarg selects the back-end", () => {
    const s = resolveLoadSettings({
      model: { model_name: model, model_kwargs: { n_gpu_layers: -1, gpu: "cuda" } },
    }, {});
    expect(s.gpuLayers).toBe("max");
    expect(s.gpu).toBe("cuda");
  });
});

describe("resolveSampling", () => {
  test("oumi defaults for LLAMACPP", () => {
    const { settings, unsupported } = resolveSampling({});
    expect(settings).toMatchObject({
      maxTokens: 1024,
      temperature: 0,
      topP: 1,
      topK: 40,
      minP: 0,
      seed: undefined,
    });
    expect(unsupported).toEqual([]);
  });

  test("maps supported parameters", () => {
    const { settings } = resolveSampling({
      max_new_tokens: 16,
      temperature: 0.7,
      top_p: 0.9,
      top_k: 5,
      min_p: 0.1,
      seed: 42,
      stop_strings: ["END", ""],
      stop_token_ids: [7],
      frequency_penalty: 0.5,
      presence_penalty: 0.25,
      logit_bias: { "11": 5, "12": -300 },
    });
    expect(settings).toMatchObject({
      maxTokens: 16,
      temperature: 0.7,
      topP: 0.9,
      topK: 5,
      minP: 0.1,
      seed: 42,
      stopStrings: ["END"],
      stopTokenIds: [7],
      frequencyPenalty: 0.5,
      presencePenalty: 0.25,
    });
    expect([...settings.logitBias]).toEqual([[11, 5], [12, -100]]);
  });

  test("reports non-default parameters it cannot honour, and nothing for defaults", () => {
    const defaults = resolveSampling({
      batch_size: 1,
      num_beams: 1,
      use_sampling: false,
      use_cache: true,
      skip_special_tokens: true,
      exclude_prompt_from_response: true,
      tool_choice: null,
      parallel_tool_calls: true,
      guided_decoding: null,
    });
    expect(defaults.unsupported).toEqual([]);
    const { unsupported } = resolveSampling({
      num_beams: 4,
      tool_choice: "required",
      something_new: 1,
      logit_bias: { abc: 1 },
      guided_decoding: { regex: "a+" },
    });
    expect(unsupported.map((u) => u.key)).toEqual([
      "num_beams",
      "tool_choice",
      "something_new",
      "logit_bias.abc",
      "guided_decoding.regex",
    ]);
    expect(unsupported[0].message).toBe(
      "generation.num_beams is ignored by LLAMACPP: beam search is not supported",
    );
  });

  test("guided_decoding json and choice become the default schema", () => {
    expect(
      resolveSampling({ guided_decoding: { json: { type: "boolean" } } }).settings.guidedSchema,
    ).toEqual({
      type: "boolean",
    });
    expect(resolveSampling({ guided_decoding: { choice: ["a", "b"] } }).settings.guidedSchema)
      .toEqual({
        type: "string",
        enum: ["a", "b"],
      });
    const broken = resolveSampling({ guided_decoding: { json: "{not json" } });
    expect(broken.settings.guidedSchema).toBeUndefined();
    expect(broken.unsupported[0].key).toBe("guided_decoding.json");
  });
});

describe("toChatHistory", () => {
  test("maps roles (a stray tool result joins the model turn, §16.6) and appends an empty model turn", () => {
    expect(
      toChatHistory([
        { role: "system", content: "S" },
        { role: "user", content: "U" },
        { role: "assistant", content: null },
        { role: "tool", content: "T", tool_call_id: "1" },
      ]),
    ).toEqual([
      { type: "system", text: "S" },
      { type: "user", text: "U" },
      { type: "model", response: ["[tool result] T"] },
      { type: "model", response: [] },
    ]);
  });
});

describe("SlotPool", () => {
  test("hands out items, queues FIFO, honours abort and close", async () => {
    const pool = new SlotPool(["a"]);
    const first = await pool.acquire();
    const order: string[] = [];
    const second = pool.acquire().then((x) => order.push(`second:${x}`));
    const controller = new AbortController();
    const aborted = pool.acquire(controller.signal).catch((e: Error) => order.push(e.name));
    const third = pool.acquire().then((x) => order.push(`third:${x}`));
    expect(pool.waiting).toBe(3);
    controller.abort();
    await aborted;
    expect(pool.waiting).toBe(2);
    pool.release(first);
    await second;
    pool.release("a");
    await third;
    expect(order).toEqual(["AbortError", "second:a", "third:a"]);
    const waiting = pool.acquire();
    pool.close(new Error("closed"));
    await expect(waiting).rejects.toThrow("closed");
    await expect(pool.acquire()).rejects.toThrow("closed");
  });
});
