/**
 * Bun build plugin for transformers.js and ONNX Runtime in the single executable (runtime.md,
 * "Single executable with ONNX Runtime inside"):
 * - transformers.js's `requireFromHere("onnxruntime-node")` (which `bun build --compile` cannot
 *   resolve, and which would load the native library even for the WASM back-end) becomes
 *   `globalThis[Symbol.for("onnxruntime")]`, set by `src/runtime/loadTransformers.ts`;
 * - `onnxruntime-node`'s `require(\`../bin/napi-v6/${platform}/${arch}/onnxruntime_binding.node\`)`
 *   becomes `require(globalThis.__synthOrtBinding)`: the binding is loaded from the unpacked
 *   runtime folder, next to `libonnxruntime.so.1`.
 * `sharp` is replaced by a stub through package.json `overrides`. The build fails when a pattern
 * is missing (pin the versions exactly; re-check on upgrades).
 *
 * @module
 */
import type { BunPlugin } from "bun";
import { readFileSync } from "node:fs";

/** A source rewrite: file (by path suffix), text to find, replacement. */
interface Rewrite {
  file: RegExp;
  id: string;
  find: string;
  replace: string;
}

const REWRITES: Rewrite[] = [
  {
    file: /[\\/]@huggingface[\\/]transformers[\\/]dist[\\/]transformers\.node\.mjs$/,
    id: "transformers.js onnxruntime-node require",
    find: 'requireFromHere("onnxruntime-node")',
    replace: 'globalThis[Symbol.for("onnxruntime")]',
  },
  {
    file: /[\\/]onnxruntime-node[\\/]dist[\\/]binding\.js$/,
    id: "onnxruntime-node binding require",
    find: "require(`../bin/napi-v6/${process.platform}/${process.arch}/onnxruntime_binding.node`)",
    replace: "require(globalThis.__synthOrtBinding)",
  },
];

/** Ids of the rewrites that must have applied for a build that imports transformers.js. */
export const REQUIRED_ONNX_REWRITES = REWRITES.map((r) => r.id);

/** Creates the plugin; `applied` collects the ids of rewrites done. */
export function transformersPlugin(applied: Set<string>): BunPlugin {
  return {
    name: "synth-transformers-onnx-runtime",
    setup(build) {
      for (const rewrite of REWRITES) {
        build.onLoad({ filter: rewrite.file }, (args) => {
          const contents = readFileSync(args.path, "utf8");
          if (!contents.includes(rewrite.find)) {
            throw new Error(`Cannot build: "${rewrite.find}" not found in ${args.path}`);
          }
          applied.add(rewrite.id);
          return {
            contents: contents.replaceAll(rewrite.find, rewrite.replace),
            loader: "js",
          };
        });
      }
    },
  };
}
