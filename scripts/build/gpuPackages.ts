/**
 * node-llama-cpp's prebuilt GPU packages for the GPU builds (`dist/synth-cuda`,
 * `dist/synth-vulkan`). They are not dependencies: bunfig.toml's `optional = false` keeps their
 * 140 MB (CUDA) and 24 MB (Vulkan) downloads out of every `bun install` (and CI). A package is
 * taken from `node_modules` when it is installed there, else fetched once with `npm pack` (the
 * registry tarball, integrity checked by npm) at the version of node-llama-cpp, and unpacked into
 * `dist/.build/gpu-packages/<version>/node_modules/@node-llama-cpp/<name>/`.
 *
 * @module
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { ExtraPackage } from "./stageRuntime.ts";

/** The GPU package of each GPU variant on Linux x64. */
export const GPU_PACKAGES: Record<"cuda" | "vulkan", string> = {
  cuda: "@node-llama-cpp/linux-x64-cuda",
  vulkan: "@node-llama-cpp/linux-x64-vulkan",
};

/**
 * Finds or fetches `name` at node-llama-cpp's version.
 *
 * @param cacheRoot folder for fetched packages (e.g. `dist/.build/gpu-packages`).
 * @throws Error when the package is not installed and `npm pack` fails (no network, no npm).
 */
export function gpuPackage(
  nodeModules: string,
  cacheRoot: string,
  name: string,
  log: (line: string) => void,
): ExtraPackage {
  const version = (JSON.parse(
    readFileSync(join(nodeModules, "node-llama-cpp", "package.json"), "utf8"),
  ) as { version: string }).version;
  const installed = join(nodeModules, name);
  if (existsSync(join(installed, "package.json"))) {
    const v = (JSON.parse(readFileSync(join(installed, "package.json"), "utf8")) as {
      version: string;
    }).version;
    if (v === version) return { name, dir: installed };
  }
  const dir = join(cacheRoot, version, "node_modules", name);
  if (existsSync(join(dir, "package.json"))) return { name, dir };
  const tmp = join(cacheRoot, `.fetch-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  log(`Fetching ${name}@${version} from the npm registry (once; kept in ${cacheRoot})`);
  const pack = Bun.spawnSync({
    cmd: ["npm", "pack", `${name}@${version}`, "--pack-destination", tmp, "--silent"],
    stdout: "pipe",
    stderr: "pipe",
  });
  const tarball = pack.stdout.toString().trim().split("\n").pop();
  if (pack.exitCode !== 0 || !tarball) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(
      `Cannot fetch ${name}@${version} with npm pack: ${pack.stderr.toString().slice(0, 500)}`,
    );
  }
  const untar = Bun.spawnSync({
    cmd: ["tar", "xzf", join(tmp, tarball), "-C", tmp],
    stdout: "pipe",
    stderr: "pipe",
  });
  if (untar.exitCode !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(`Cannot unpack ${tarball}: ${untar.stderr.toString().slice(0, 500)}`);
  }
  mkdirSync(join(dir, ".."), { recursive: true });
  renameSync(join(tmp, "package"), dir);
  rmSync(tmp, { recursive: true, force: true });
  return { name, dir };
}
