/**
 * Stages the ONNX Runtime files the executable embeds (runtime.md, "Single executable with ONNX
 * Runtime inside") into `<stageRoot>/synth-onnx/`:
 * - `libonnxruntime.so.1.zst`: `onnxruntime-node`'s 45 MB native library, zstd-compressed
 *   (~15 MB; unpacked at first use, see `src/runtime/embeddedRuntime.ts`);
 * - `onnxruntime_binding.node`: its Node-API binding (RUNPATH `$ORIGIN`, so it finds the
 *   library beside it);
 * - `ort-wasm-simd-threaded.wasm.zst`: `onnxruntime-web`'s WASM back-end, the fallback;
 * - `manifest.json` with `buildId` `onnx-<content hash>` (the cache folder name).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RuntimeManifest } from "../../src/runtime/embeddedRuntime.ts";

/** What {@link stageOnnxRuntime} produced. */
export interface StagedOnnxRuntime {
  dir: string;
  buildId: string;
  /** Bytes before and after compression. */
  rawBytes: number;
  bytes: number;
}

/**
 * Copies (and compresses) the files for this platform.
 *
 * @param level zstd level (higher = smaller, slower build). @default 12
 * @throws Error when `onnxruntime-node` has no binary for this platform or a file is missing.
 */
export function stageOnnxRuntime(
  nodeModules: string,
  stageRoot: string,
  level = 12,
): StagedOnnxRuntime {
  const dir = join(stageRoot, "synth-onnx");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const native = join(
    nodeModules,
    "onnxruntime-node",
    "bin",
    "napi-v6",
    process.platform,
    process.arch,
  );
  const sources: { from: string; name: string; compress: boolean }[] = [
    { from: join(native, "libonnxruntime.so.1"), name: "libonnxruntime.so.1", compress: true },
    {
      from: join(native, "onnxruntime_binding.node"),
      name: "onnxruntime_binding.node",
      compress: false,
    },
    {
      from: join(nodeModules, "onnxruntime-web", "dist", "ort-wasm-simd-threaded.wasm"),
      name: "ort-wasm-simd-threaded.wasm",
      compress: true,
    },
  ];
  const hash = createHash("sha256");
  const files: string[] = [];
  let rawBytes = 0;
  let bytes = 0;
  for (const source of sources) {
    if (!existsSync(source.from)) {
      throw new Error(`Cannot stage the ONNX runtime: ${source.from} does not exist`);
    }
    const content = readFileSync(source.from);
    rawBytes += content.length;
    hash.update(source.name).update("\0").update(content).update("\0");
    const name = source.compress ? `${source.name}.zst` : source.name;
    const out = source.compress ? Bun.zstdCompressSync(content, { level }) : content;
    bytes += out.length;
    writeFileSync(join(dir, name), out);
    files.push(name);
  }
  const buildId = `onnx-${hash.digest("hex").slice(0, 16)}`;
  const manifest: RuntimeManifest = { buildId, files };
  writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest, null, 1));
  return { dir, buildId, rawBytes, bytes };
}
