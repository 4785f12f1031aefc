/**
 * `synth models pull|list|inspect`, `synth info` and `model_name: hf:...` end to end from
 * source: the tiny GGUF served by the loopback fake Hub is pulled into a temporary Hugging Face
 * cache, listed, inspected and run with `synth -c` (real llama.cpp); a missing `hf:` model fails
 * with the pull command; `--allow-download` fetches it; the tiny ONNX model is listed and
 * inspected from `$SYNTH_MODELS_DIR`.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startFakeHub } from "../helpers/fakeHub.ts";
import { tinyGgufPath } from "../helpers/tinyModel.ts";
import { tinyOnnxPath } from "../helpers/tinyOnnx.ts";
import { localEngineArgs, ROOT, runInProcess } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "synth-models-e2e-"));
let hub: ReturnType<typeof startFakeHub>;
let env: Record<string, string>;
const QUICKSTART = join(ROOT, "configs", "quickstart.yaml");

beforeAll(async () => {
  const gguf = new Uint8Array(readFileSync(await tinyGgufPath()));
  hub = startFakeHub({
    "acme/Tiny-GGUF": {
      files: { "tiny-Q4_K_M.gguf": gguf, "tiny-Q8_0.gguf": gguf.slice(0, 4096), "README.md": "x" },
    },
    "acme/Later-GGUF": { files: { "later-Q4_K_M.gguf": gguf } },
  });
  const models = join(dir, "models");
  mkdirSync(models);
  symlinkSync(await tinyGgufPath(), join(models, "tiny.gguf"));
  symlinkSync(await tinyOnnxPath(), join(models, "tiny-onnx"));
  env = {
    HF_ENDPOINT: hub.url,
    HF_HUB_CACHE: join(dir, "hub"),
    SYNTH_MODELS_DIR: models,
  };
});
afterAll(() => {
  hub.stop();
  rmSync(dir, { recursive: true, force: true });
});

const run = (argv: string[]) => runInProcess(argv, { cwd: dir, env });

describe("synth models", () => {
  test("pull, list, inspect, then synth -c with hf: naming", async () => {
    const pulled = await run(["models", "pull", "acme/Tiny-GGUF:Q4_K_M"]);
    expect(pulled.stderr).toContain("Downloading tiny-Q4_K_M.gguf");
    expect(pulled.code).toBe(0);
    expect(pulled.stdout).toContain("Pulled acme/Tiny-GGUF");
    expect(pulled.stdout).toContain("sha256 checked");
    expect(pulled.stdout).toContain("model_name: hf:acme/Tiny-GGUF:Q4_K_M");

    const listed = await run(["models", "list", "--json"]);
    expect(listed.code).toBe(0);
    const rows = JSON.parse(listed.stdout) as Array<Record<string, unknown>>;
    const names = rows.map((r) => r.name);
    expect(names).toEqual(["tiny-onnx", "tiny", "hf:acme/Tiny-GGUF:Q4_K_M"]);
    const fromHub = rows[2];
    expect(fromHub).toMatchObject({ format: "gguf", source: "HF cache", quantisation: "Q4_K_M" });
    expect(typeof fromHub.architecture).toBe("string");
    expect(fromHub.contextLength).toBeGreaterThan(0);
    expect(fromHub.chatTemplate).toBe(rows[1].chatTemplate);
    expect(rows[0]).toMatchObject({ format: "onnx", architecture: "gpt2", chatTemplate: true });
    expect(rows[0].contextLength).toBeGreaterThan(0);

    const table = await run(["models", "list"]);
    expect(table.stdout).toContain("hf:acme/Tiny-GGUF:Q4_K_M");
    expect(table.stdout).toContain("HF cache");

    const inspected = await run(["models", "inspect", "hf:acme/Tiny-GGUF:Q4_K_M"]);
    expect(inspected.code).toBe(0);
    expect(inspected.stdout).toContain("format:        gguf");
    expect(inspected.stdout).toContain(`general.architecture: ${fromHub.architecture}`);

    const out = join(dir, "hf-run.jsonl");
    const synth = await run([
      "-c",
      QUICKSTART,
      ...localEngineArgs("LLAMACPP", "hf:acme/Tiny-GGUF:Q4_K_M", 8, [
        "--num_samples",
        "2",
        "--output_path",
        out,
      ]),
    ]);
    if (synth.code !== 0) throw new Error(synth.stderr);
    expect(readFileSync(out, "utf8").trim().split("\n")).toHaveLength(2);
  });

  test("inspect an ONNX folder and a GGUF in models/", async () => {
    const onnx = await run(["models", "inspect", "tiny-onnx", "--json"]);
    expect(onnx.code).toBe(0);
    expect(JSON.parse(onnx.stdout)).toMatchObject({ format: "onnx", architecture: "gpt2" });
    const gguf = await run(["models", "inspect", "tiny"]);
    expect(gguf.code).toBe(0);
    expect(gguf.stdout).toContain("GGUF metadata:");
    const missing = await run(["models", "inspect", "nope"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("synth models list");
  });

  test("a missing hf: model fails with the pull command; --allow-download fetches it", async () => {
    const args = (extra: string[]) => [
      "-c",
      QUICKSTART,
      ...localEngineArgs("NATIVE", "hf:acme/Later-GGUF:Q4_K_M", 8, [
        "--num_samples",
        "1",
        "--output_path",
        join(dir, `later-${extra.length}.jsonl`),
        ...extra,
      ]),
    ];
    const refused = await run(args([]));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("synth models pull acme/Later-GGUF:Q4_K_M");
    expect(refused.stderr).toContain("--allow-download");
    const allowed = await run(args(["--allow-download"]));
    if (allowed.code !== 0) throw new Error(allowed.stderr);
    expect(allowed.stderr).toContain("Downloading later-Q4_K_M.gguf");
  });

  test("pull errors: unknown quantisation, unknown repository, offline", async () => {
    const quant = await run(["models", "pull", "acme/Tiny-GGUF:IQ2_XS"]);
    expect(quant.code).toBe(2);
    expect(quant.stderr).toContain("quantisations in it: Q4_K_M, Q8_0");
    const repo = await run(["models", "pull", "acme/Nothing"]);
    expect(repo.code).toBe(2);
    expect(repo.stderr).toContain("Model repository acme/Nothing not found");
    const offline = await runInProcess(["models", "pull", "acme/Tiny-GGUF:Q8_0"], {
      cwd: dir,
      env: { ...env, HF_HUB_OFFLINE: "1" },
    });
    expect(offline.code).toBe(2);
    expect(offline.stderr).toContain("HF_HUB_OFFLINE is set");
  });
});

describe("synth info", () => {
  // deno-lint-ignore no-explicit-any -- the JSON report
  let info: any = {};
  test("reports the build, backends, GPUs, threads and caches", async () => {
    const { code, stdout } = await run(["info", "--json"]);
    expect(code).toBe(0);
    info = JSON.parse(stdout);
    expect(info.variant).toBe("source");
    expect(info.backends).toContain("cpu");
    expect(Array.isArray(info.gpus)).toBe(true);
    expect(info.cpu.threads).toBeGreaterThan(0);
    expect(info.huggingFaceCache).toBe(env.HF_HUB_CACHE);
    expect(["cpu", "cuda", "vulkan", "metal"]).toContain(info.runtime);
    const text = await run(["info"]);
    expect(text.stdout).toContain("a run uses: llama.cpp on");
  });

  test("gpu: cuda without a CUDA backend is an engine error (exit 4)", async () => {
    if (info.runtime === "cuda") return; // A CUDA machine: nothing to refuse.
    const { code, stderr } = await run([
      "-c",
      QUICKSTART,
      ...localEngineArgs("LLAMACPP", await tinyGgufPath(), 4, [
        "--num_samples",
        "1",
        "--output_path",
        join(dir, "cuda.jsonl"),
        "--inference_config.model.model_kwargs.gpu",
        "cuda",
      ]),
    ]);
    expect(code).toBe(4);
    expect(stderr).toContain('Cannot use GPU "cuda"');
    expect(stderr).toContain("gpu: auto");
  });
});
