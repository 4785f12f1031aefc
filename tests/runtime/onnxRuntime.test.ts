/**
 * The ONNX Runtime part of the executable's embedded files: its own prefix and cache folder, and
 * `.zst` files decompressed on extraction (the build compresses the native library and WASM).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type EmbeddedFile, extractRuntime } from "../../src/runtime/embeddedRuntime.ts";
import {
  EMBEDDED_ONNX_PREFIX,
  ONNX_RUNTIME_FILES,
  prepareEmbeddedOnnxRuntime,
} from "../../src/runtime/loadTransformers.ts";
import { stageOnnxRuntime } from "../../scripts/build/stageOnnxRuntime.ts";

const ROOT = join(import.meta.dir, "..", "..");
const tmp = mkdtempSync(join(tmpdir(), "synth-onnx-runtime-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function embedded(name: string, bytes: Uint8Array): EmbeddedFile {
  const blob = new Blob([bytes]) as Blob & { name: string };
  Object.defineProperty(blob, "name", { value: name });
  return blob as unknown as EmbeddedFile;
}

describe("embedded ONNX Runtime", () => {
  test("from source nothing is embedded: no extraction", async () => {
    expect(await prepareEmbeddedOnnxRuntime()).toBeNull();
  });

  test("the staged runtime unpacks into onnx-<id>/ with the libraries decompressed", async () => {
    const staged = stageOnnxRuntime(join(ROOT, "node_modules"), join(tmp, "stage"), 1);
    expect(staged.buildId).toMatch(/^onnx-[0-9a-f]{16}$/);
    expect(staged.bytes).toBeLessThan(staged.rawBytes / 2);
    const manifest = JSON.parse(readFileSync(join(staged.dir, "manifest.json"), "utf8"));
    expect(manifest.files.sort()).toEqual([
      "libonnxruntime.so.1.zst",
      "onnxruntime_binding.node",
      "ort-wasm-simd-threaded.wasm.zst",
    ]);
    const files = manifest.files.map((f: string) =>
      embedded(`${EMBEDDED_ONNX_PREFIX}${f}`, readFileSync(join(staged.dir, f)))
    );
    const cache = join(tmp, "cache");
    const root = await extractRuntime(files, manifest, [cache], {
      prefix: EMBEDDED_ONNX_PREFIX,
      label: "ONNX",
    });
    expect(root).toBe(join(cache, staged.buildId));
    expect(readdirSync(root).sort()).toEqual([
      ".complete",
      ONNX_RUNTIME_FILES.library,
      ONNX_RUNTIME_FILES.binding,
      ONNX_RUNTIME_FILES.wasm,
    ]);
    const original = readFileSync(
      join(
        ROOT,
        "node_modules",
        "onnxruntime-node",
        "bin",
        "napi-v6",
        "linux",
        "x64",
        "libonnxruntime.so.1",
      ),
    );
    expect(readFileSync(join(root, ONNX_RUNTIME_FILES.library)).equals(original)).toBe(true);
    expect(statSync(join(root, ONNX_RUNTIME_FILES.library)).mode & 0o111).not.toBe(0);
    // A second start finds the complete copy and writes nothing.
    const before = statSync(join(root, ".complete")).mtimeMs;
    await extractRuntime(files, manifest, [cache], { prefix: EMBEDDED_ONNX_PREFIX, label: "ONNX" });
    expect(statSync(join(root, ".complete")).mtimeMs).toBe(before);
  });

  test("a missing embedded file is named in the error", async () => {
    await expect(
      extractRuntime([], { buildId: "onnx-x", files: ["libonnxruntime.so.1.zst"] }, [tmp], {
        prefix: EMBEDDED_ONNX_PREFIX,
        label: "ONNX",
      }),
    ).rejects.toThrow(
      "Cannot unpack the ONNX runtime: 1 embedded files are missing (first: libonnxruntime.so.1.zst)",
    );
  });
});
