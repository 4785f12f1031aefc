/**
 * `dist/synth` with ONNX Runtime embedded (issue 5): built (skipped when fresh for the current
 * sources), copied alone into an empty folder and run with an empty cache and no `node_modules`,
 * on the foundation's end-to-end configs with the tiny ONNX model; then again with the unpacked
 * native library made unloadable, so that the WASM fallback runs.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { checkRun, CORPUS, E2E_CASES, readJsonl } from "../cli/onnxCases.ts";
import { type IsolatedBinary, isolatedBinary } from "../helpers/isolatedBinary.ts";
import { tinyOnnxPath } from "../helpers/tinyOnnx.ts";

let bin: IsolatedBinary;
let cache: string;
let model: string;

function runCase(file: string, name: string) {
  const cwd = join(bin.tmp, "work", name);
  mkdirSync(cwd, { recursive: true });
  const result = bin.run(
    [
      "-c",
      join(CORPUS, file),
      "--inference_config.engine",
      "NATIVE",
      "--inference_config.model.model_name",
      model,
      "--inference_config.generation.max_new_tokens",
      "12",
      "--num_samples",
      "3",
      "--output_path",
      "out.jsonl",
      "--seed",
      "5",
      "--threads",
      "1",
      "--no-progress",
    ],
    {},
    cwd,
  );
  if (result.exitCode !== 0) {
    throw new Error(`exit ${result.exitCode}\n${result.stdout}\n${result.stderr}`);
  }
  return { cwd, ...result };
}

/**
 * Unpacked runtime folders in the cache (no temp folders; files such as the model-hash cache
 * `model-hashes.json` are not runtimes).
 */
const unpacked = () =>
  readdirSync(join(cache, "synth"), { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith("."))
    .map((e) => e.name);

beforeAll(async () => {
  bin = isolatedBinary("synth-onnx-binary");
  model = await tinyOnnxPath();
  cache = bin.env.XDG_CACHE_HOME;
}, 300_000);

afterAll(() => bin?.cleanup());

describe("dist/synth with ONNX Runtime embedded", () => {
  test("both runtimes fit in 180 MB", () => {
    expect(statSync(bin.binary).size).toBeLessThanOrEqual(180_000_000);
  });

  for (const { file, keys } of E2E_CASES) {
    test(`${file} on native ONNX Runtime from an empty folder and cache`, () => {
      const { cwd, stderr } = runCase(file, `native-${file}`);
      expect(stderr).toContain("(ONNX fp32, native)");
      checkRun(cwd, file, keys, 3);
    }, 120_000);
  }

  test("an ONNX run unpacks only ONNX Runtime, never the llama.cpp runtime", () => {
    const dirs = unpacked();
    expect(dirs).toHaveLength(1);
    expect(dirs[0]).toMatch(/^onnx-[0-9a-f]{16}$/);
    expect(readdirSync(join(cache, "synth", dirs[0])).sort()).toEqual([
      ".complete",
      "libonnxruntime.so.1",
      "onnxruntime_binding.node",
      "ort-wasm-simd-threaded.wasm",
    ]);
  });

  test("a folder without config.json exits 2 with a clear message", () => {
    const empty = join(bin.tmp, "no-config-model");
    mkdirSync(join(empty, "onnx"), { recursive: true });
    const r = bin.run([
      "-c",
      join(CORPUS, "question_answer_synth.yaml"),
      "--inference_config.engine",
      "NATIVE",
      "--inference_config.model.model_name",
      empty,
    ]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`Cannot load ONNX model "${empty}": ${empty} has no config.json`);
  });

  describe("with the native library made unloadable", () => {
    beforeAll(() => {
      const [dir] = unpacked();
      writeFileSync(join(cache, "synth", dir, "libonnxruntime.so.1"), "not a shared library\n");
    });

    for (const { file, keys } of E2E_CASES) {
      test(`${file} runs on the WASM fallback`, () => {
        const { cwd, stderr } = runCase(file, `wasm-${file}`);
        expect(stderr).toContain("Cannot load the native ONNX Runtime (");
        expect(stderr).toContain("using the WASM back-end");
        expect(stderr).toContain("(ONNX fp32, wasm)");
        checkRun(cwd, file, keys, 3);
        // Greedy decoding gives the same records on both back-ends (conversation ids aside).
        const strip = (dir: string) =>
          readJsonl(join(dir, "out.jsonl")).map((r) =>
            JSON.stringify(r).replace(/"conversation_id": *"[^"]*"/g, "")
          );
        expect(strip(cwd)).toEqual(strip(join(bin.tmp, "work", `native-${file}`)));
      }, 120_000);
    }
  });
  // The other direction (a LLAMACPP run unpacks only llama.cpp) is tests/build/binary.test.ts.
});
