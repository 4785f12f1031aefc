/**
 * The tiny ONNX test model (see `scripts/make-tiny-onnx.ts`), built on demand into the
 * git-ignored `tests/.models/` and reused across runs. The folder name carries a hash of the
 * maker scripts, the seed and the dtype suffix, so a changed maker builds a new folder. Safe when
 * several test files or processes ask at once: the maker writes a temp folder and renames it.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { makeTinyOnnx } from "../../scripts/make-tiny-onnx.ts";

const ROOT = resolve(import.meta.dir, "..", "..");
const MAKERS = [
  "scripts/make-tiny-onnx.ts",
  "scripts/make-tiny-gguf.ts",
  "scripts/onnx/gpt2Graph.ts",
  "scripts/onnx/onnxModel.ts",
  "scripts/onnx/protobuf.ts",
  "scripts/onnx/tokenizerFiles.ts",
];
/** Folder of built test models (git-ignored). */
export const TEST_MODELS_DIR = join(ROOT, "tests", ".models");

const built = new Map<string, Promise<string>>();

/**
 * Returns the absolute folder of the tiny ONNX model, building it first if needed.
 *
 * @param options.seed weight seed. @default 1
 * @param options.suffix weights file suffix (`""` = `model.onnx`, `"_quantized"` = q8 name). @default ""
 * @example
 * ```ts
 * const modelDir = await tinyOnnxPath();
 * ```
 */
export function tinyOnnxPath(options: { seed?: number; suffix?: string } = {}): Promise<string> {
  const seed = options.seed ?? 1;
  const suffix = options.suffix ?? "";
  const key = `${seed}${suffix}`;
  let path = built.get(key);
  if (!path) {
    path = (async () => {
      const hash = createHash("sha256");
      for (const file of MAKERS) hash.update(readFileSync(join(ROOT, file)));
      const dir = join(
        TEST_MODELS_DIR,
        `tiny-onnx-${hash.digest("hex").slice(0, 12)}-seed${seed}${suffix}`,
      );
      if (!existsSync(join(dir, "config.json"))) makeTinyOnnx(dir, { seed, suffix });
      return dir;
    })();
    built.set(key, path);
  }
  return path;
}
