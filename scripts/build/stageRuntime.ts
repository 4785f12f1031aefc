/**
 * Stages the files node-llama-cpp needs at run time (its data files and every installed
 * `@node-llama-cpp/<platform>` package's libraries, ~30 MB) for embedding in the executable,
 * plus `manifest.json` (see `src/runtime/embeddedRuntime.ts`). Recipe: runtime.md, "Single
 * executable with llama.cpp inside", step 1.
 *
 * @module
 */
import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative } from "node:path";
import type { RuntimeManifest } from "../../src/runtime/embeddedRuntime.ts";

/** What {@link stageRuntime} produced. */
export interface StagedRuntime {
  /** The staged folder (`<stageRoot>/synth-runtime`). */
  dir: string;
  buildId: string;
  /** Installed platform packages that were staged, e.g. `@node-llama-cpp/linux-x64`. */
  platformPackages: string[];
  /** Total bytes staged. */
  bytes: number;
}

/** node-llama-cpp paths (relative to its package folder) needed at run time. */
const NODE_LLAMA_CPP_FILES = [
  "package.json",
  "llama/binariesGithubRelease.json",
  "llama/llama.cpp.info.json",
  "llama/package.json",
  "llama/grammars",
];

/** Platform package paths needed at run time. */
const PLATFORM_FILES = ["package.json", "dist/index.js", "bins"];

/**
 * Copies the runtime into `<stageRoot>/synth-runtime/node_modules/...` (replacing what was
 * there) and writes `manifest.json` with a content hash as `buildId`.
 *
 * @throws Error when node-llama-cpp or any platform package is missing from `nodeModules`.
 */
export function stageRuntime(nodeModules: string, stageRoot: string): StagedRuntime {
  const dir = join(stageRoot, "synth-runtime");
  rmSync(dir, { recursive: true, force: true });
  const copy = (pkg: string, paths: string[]) => {
    for (const path of paths) {
      const from = join(nodeModules, pkg, path);
      if (!existsSync(from)) {
        throw new Error(`Cannot stage the llama.cpp runtime: ${from} does not exist`);
      }
      const to = join(dir, "node_modules", pkg, path);
      mkdirSync(dirname(to), { recursive: true });
      cpSync(from, to, { recursive: true, dereference: true });
    }
  };
  copy("node-llama-cpp", NODE_LLAMA_CPP_FILES);
  const platformPackages = installedPlatformPackages(nodeModules);
  if (platformPackages.length === 0) {
    throw new Error(
      "Cannot stage the llama.cpp runtime: no @node-llama-cpp/<platform> package is installed",
    );
  }
  for (const pkg of platformPackages) copy(pkg, PLATFORM_FILES);

  const files = listFiles(dir).map((f) => relative(dir, f)).sort();
  const hash = createHash("sha256");
  let bytes = 0;
  for (const file of files) {
    const content = readFileSync(join(dir, file));
    bytes += content.length;
    hash.update(file).update("\0").update(content).update("\0");
  }
  const buildId = hash.digest("hex").slice(0, 16);
  const manifest: RuntimeManifest = { buildId, files };
  writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest, null, 1));
  return { dir, buildId, platformPackages, bytes };
}

/** `@node-llama-cpp/*` packages present in `nodeModules`. */
export function installedPlatformPackages(nodeModules: string): string[] {
  const scope = join(nodeModules, "@node-llama-cpp");
  if (!existsSync(scope)) return [];
  return readdirSync(scope)
    .filter((name) => existsSync(join(scope, name, "package.json")))
    .map((name) => `@node-llama-cpp/${name}`)
    .sort();
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...listFiles(path));
    else out.push(path);
  }
  return out;
}
