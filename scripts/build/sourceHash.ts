/**
 * A hash of everything that goes into `dist/synth`, so a build (or a test) can tell whether an
 * existing binary is fresh: `main.ts`, `src/**`, the build scripts, `package.json`, `bun.lock`
 * and the installed node-llama-cpp, transformers.js and ONNX Runtime versions.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

/** Inputs hashed, relative to the repository root (folders are walked). */
const INPUTS = [
  "main.ts",
  "src",
  "scripts/build.ts",
  "scripts/build",
  "package.json",
  "bun.lock",
  "node_modules/node-llama-cpp/package.json",
  "node_modules/@huggingface/transformers/package.json",
  "node_modules/onnxruntime-node/package.json",
  "node_modules/onnxruntime-web/package.json",
];

/**
 * Hex SHA-256 over the inputs' relative paths and contents, plus `entry` when it is not
 * `main.ts` (scratch builds). Missing inputs are skipped.
 */
export function sourceHash(root: string, entry = "main.ts"): string {
  const hash = createHash("sha256");
  const files: string[] = [];
  for (const input of [...INPUTS, entry]) {
    const path = join(root, input);
    if (existsSync(path)) files.push(...walk(path));
  }
  for (const file of [...new Set(files)].sort()) {
    hash.update(relative(root, file)).update("\0").update(readFileSync(file)).update("\0");
  }
  hash.update(`entry=${entry}`);
  return hash.digest("hex");
}

function walk(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path).flatMap((name) => walk(join(path, name)));
}
