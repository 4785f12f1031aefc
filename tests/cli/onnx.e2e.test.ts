/**
 * End to end from source on the NATIVE transformers.js engine and the tiny ONNX model: oumi's own
 * example configs with only the engine and model overridden (issue 5), the same through a child
 * process on the WASM back-end, how NATIVE finds an ONNX folder, and bad ONNX input (exit 2).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tinyOnnxPath } from "../helpers/tinyOnnx.ts";
import { localEngineArgs, ROOT, runInProcess, runProcess } from "./helpers.ts";
import { checkRun, CORPUS, E2E_CASES, readJsonl } from "./onnxCases.ts";

const dir = mkdtempSync(join(tmpdir(), "synth-onnx-e2e-"));
let model = "";
beforeAll(async () => {
  model = await tinyOnnxPath();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const onnx = (modelName: string, extra: string[] = []) =>
  localEngineArgs("NATIVE", modelName, 12, extra);

describe("oumi example configs run end to end on transformers.js (native ONNX Runtime)", () => {
  for (const { file, keys } of E2E_CASES) {
    test(file, async () => {
      const cwd = join(dir, file.replace(".yaml", ""));
      mkdirSync(cwd, { recursive: true });
      const { code, stdout, stderr } = await runInProcess(
        [
          "-c",
          join(CORPUS, file),
          ...onnx(model, [
            "--num_samples",
            "4",
            "--output_path",
            join(cwd, "out.jsonl"),
            "--seed",
            "5",
          ]),
        ],
        { cwd },
      );
      if (code !== 0) throw new Error(`exit ${code}\n${stderr}`);
      expect(stderr).toContain("(ONNX fp32, native)");
      expect(stdout).toContain("Successfully synthesized 4 samples");
      checkRun(cwd, file, keys, 4);
    });
  }

  test("the WASM back-end (SYNTH_ONNX_BACKEND=wasm) gives the same greedy records", async () => {
    const run = async (name: string, env: Record<string, string>) => {
      const cwd = join(dir, name);
      mkdirSync(cwd, { recursive: true });
      const result = await runProcess(
        [
          "-c",
          join(CORPUS, "question_answer_synth.yaml"),
          ...onnx(model, ["--num_samples", "3", "--output_path", "out.jsonl", "--seed", "2"]),
        ],
        { cwd, env },
      );
      if (result.code !== 0) throw new Error(`exit ${result.code}\n${result.stderr}`);
      return { cwd, stderr: result.stderr };
    };
    const wasm = await run("wasm", { SYNTH_ONNX_BACKEND: "wasm" });
    expect(wasm.stderr).toContain("(ONNX fp32, wasm)");
    checkRun(wasm.cwd, "question_answer_synth.yaml", ["conversation"], 3);
    const native = await run("native", { SYNTH_ONNX_BACKEND: "native" });
    expect(native.stderr).toContain("(ONNX fp32, native)");
    const strip = (cwd: string) =>
      readJsonl(join(cwd, "out.jsonl")).map((r) => ({
        ...r,
        conversation: { ...r.conversation, conversation_id: "" },
      }));
    expect(strip(wasm.cwd)).toEqual(strip(native.cwd));
  }, 120_000);
});

describe("how NATIVE finds an ONNX model", () => {
  const config = (modelName: string) => {
    const cwd = join(dir, `find-${Math.random().toString(36).slice(2)}`);
    mkdirSync(cwd, { recursive: true });
    const path = join(cwd, "cfg.yaml");
    writeFileSync(
      path,
      readFileSync(join(ROOT, "configs", "quickstart.yaml"), "utf8").replace(
        /^inference_config:[\s\S]*$/m,
        "",
      ) +
        `inference_config:\n  engine: NATIVE_TEXT\n  model: {model_name: ${
          JSON.stringify(modelName)
        }}\n  generation: {max_new_tokens: 6}\n`,
    );
    return { cwd, path };
  };

  // NATIVE_TEXT is an alias the config layer turns into NATIVE.
  test("a name in models/ next to the config; validate says which runtime and why", async () => {
    const { cwd, path } = config("tiny");
    cpSync(model, join(cwd, "models", "tiny"), { recursive: true });
    const v = await runInProcess(["validate", "-c", path], { cwd });
    expect(v.code).toBe(0);
    expect(v.stdout).toContain(
      'transformers.js (ONNX Runtime) model "tiny" (NATIVE runs ONNX model folders on transformers.js: a model folder with config.json)',
    );
    const r = await runInProcess([
      "-c",
      path,
      "--num_samples",
      "2",
      "--no-progress",
      "--threads",
      "1",
    ], {
      cwd,
    });
    if (r.code !== 0) throw new Error(r.stderr);
    expect(readJsonl(join(cwd, "geography_qa.jsonl"))).toHaveLength(2);
  });

  test("owner/name in the local Hugging Face cache (HF_HUB_CACHE)", async () => {
    const { cwd, path } = config("acme/tiny-onnx");
    const hub = join(cwd, "hub");
    cpSync(model, join(hub, "models--acme--tiny-onnx", "snapshots", "0123abc"), {
      recursive: true,
    });
    mkdirSync(join(hub, "models--acme--tiny-onnx", "refs"));
    writeFileSync(join(hub, "models--acme--tiny-onnx", "refs", "main"), "0123abc\n");
    const r = await runInProcess([
      "-c",
      path,
      "--num_samples",
      "1",
      "--no-progress",
      "--threads",
      "1",
    ], {
      cwd,
      env: { HF_HUB_CACHE: hub },
    });
    if (r.code !== 0) throw new Error(r.stderr);
    expect(r.stderr).toContain("in the Hugging Face cache");
    expect(readJsonl(join(cwd, "geography_qa.jsonl"))).toHaveLength(1);
  });

  test("a GGUF name still goes to llama.cpp, and validate checks the file is there", async () => {
    const { cwd, path } = config("nothing-here.gguf");
    const v = await runInProcess(["validate", "-c", path], { cwd });
    expect(v.code).toBe(2);
    expect(v.stderr).toContain('Cannot load model "nothing-here.gguf": no file at');
    expect(v.stderr).toContain('no GGUF model "nothing-here.gguf" found');
  });
});

describe("bad ONNX input: exit 2 with a clear message", () => {
  const runBad = async (prepare: (d: string) => void) => {
    const bad = join(dir, `bad-${Math.random().toString(36).slice(2)}`);
    cpSync(model, bad, { recursive: true });
    prepare(bad);
    const result = await runProcess(
      ["-c", join(CORPUS, "question_answer_synth.yaml"), ...onnx(bad, ["--num_samples", "1"])],
      { cwd: dir },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    return { bad, stderr: result.stderr };
  };

  test("a folder without config.json", async () => {
    const { bad, stderr } = await runBad((d) => rmSync(join(d, "config.json")));
    expect(stderr).toContain(`Cannot load ONNX model "${bad}": ${bad} has no config.json`);
  });

  test("an ONNX file that is not ONNX", async () => {
    const { bad, stderr } = await runBad((d) =>
      writeFileSync(join(d, "onnx", "model.onnx"), "PK\x03\x04 a zip, not a model")
    );
    expect(stderr).toContain(
      `Cannot load ONNX model "${bad}": ${join(bad, "onnx", "model.onnx")} is not an ONNX model`,
    );
  });

  test("a model_type transformers.js does not support", async () => {
    const { stderr } = await runBad((d) =>
      writeFileSync(join(d, "config.json"), JSON.stringify({ model_type: "wav2vec2" }))
    );
    expect(stderr).toContain(
      'model_type "wav2vec2" is not a text-generation model transformers.js supports',
    );
  });
});
