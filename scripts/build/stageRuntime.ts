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

/** A platform package from outside `node_modules` (a fetched GPU build, see `gpuPackages.ts`). */
export interface ExtraPackage {
  /** `@node-llama-cpp/linux-x64-cuda`. */
  name: string;
  /** The unpacked package folder (holds `package.json`, `dist/`, `bins/`). */
  dir: string;
}

/** Options of {@link stageRuntime}. */
export interface StageOptions {
  /** Build variant recorded in the manifest (`cpu`, `cuda`, `vulkan`). @default "cpu" */
  variant?: string;
  /** Only these installed platform packages (default: all installed). */
  only?: string[];
  /** GPU packages to add; their shared libraries are stored zstd-compressed (`*.zst`). */
  extra?: ExtraPackage[];
  /** zstd level for {@link extra} libraries. @default 3 */
  level?: number;
}

/**
 * Copies the runtime into `<stageRoot>/synth-runtime/node_modules/...` (replacing what was
 * there) and writes `manifest.json` with a content hash as `buildId`, the variant and the
 * platform packages (what `synth info` reports as the backends of the executable).
 *
 * @throws Error when node-llama-cpp or any platform package is missing from `nodeModules`.
 */
export function stageRuntime(
  nodeModules: string,
  stageRoot: string,
  options: StageOptions = {},
): StagedRuntime {
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
  const installed = installedPlatformPackages(nodeModules).filter((p) =>
    !options.only || options.only.includes(p)
  );
  if (installed.length === 0) {
    throw new Error(
      "Cannot stage the llama.cpp runtime: no @node-llama-cpp/<platform> package is installed",
    );
  }
  for (const pkg of installed) copy(pkg, PLATFORM_FILES);
  for (const extra of options.extra ?? []) {
    for (const path of PLATFORM_FILES) {
      const from = join(extra.dir, path);
      if (!existsSync(from)) {
        throw new Error(`Cannot stage the llama.cpp runtime: ${from} does not exist`);
      }
      for (const file of statSync(from).isDirectory() ? listFiles(from) : [from]) {
        const rel = relative(extra.dir, file);
        let content: Uint8Array = readFileSync(file);
        let name = rel;
        if (/\.so(\.\d+)*$/.test(rel)) {
          content = Bun.zstdCompressSync(content, { level: options.level ?? 3 });
          name = `${rel}.zst`;
        }
        const to = join(dir, "node_modules", extra.name, name);
        mkdirSync(dirname(to), { recursive: true });
        writeFileSync(to, content);
      }
    }
  }
  const platformPackages = [...installed, ...(options.extra ?? []).map((e) => e.name)];

  const files = listFiles(dir).map((f) => relative(dir, f)).sort();
  const hash = createHash("sha256");
  let bytes = 0;
  for (const file of files) {
    const content = readFileSync(join(dir, file));
    bytes += content.length;
    hash.update(file).update("\0").update(content).update("\0");
  }
  const buildId = hash.digest("hex").slice(0, 16);
  const manifest: RuntimeManifest = {
    buildId,
    files,
    variant: options.variant ?? "cpu",
    packages: platformPackages,
  };
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
