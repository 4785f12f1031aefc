/**
 * The tiny GGUF test model (see `scripts/make-tiny-gguf.ts`), built on demand into the
 * git-ignored `tests/.models/` and reused across runs. The file name carries a hash of the maker
 * script and the seed, so a changed maker builds a new file. Safe when several test files or
 * processes ask at once: the maker writes a temp file and renames it.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { makeTinyGguf } from "../../scripts/make-tiny-gguf.ts";

const ROOT = resolve(import.meta.dir, "..", "..");
const MAKER = join(ROOT, "scripts", "make-tiny-gguf.ts");
/** Folder of built test models (git-ignored). */
export const TEST_MODELS_DIR = join(ROOT, "tests", ".models");

const built = new Map<number, Promise<string>>();

/**
 * Returns the absolute path of the tiny GGUF model for `seed`, building it first if needed.
 *
 * @param seed Weight seed. @default 1
 * @example
 * ```ts
 * const modelPath = await tinyGgufPath();
 * ```
 */
export function tinyGgufPath(seed = 1): Promise<string> {
  let path = built.get(seed);
  if (!path) {
    path = (async () => {
      const hash = createHash("sha256").update(readFileSync(MAKER)).digest("hex").slice(0, 12);
      const file = join(TEST_MODELS_DIR, `tiny-${hash}-seed${seed}.gguf`);
      if (!existsSync(file)) makeTinyGguf(file, { seed });
      return file;
    })();
    built.set(seed, path);
  }
  return path;
}
