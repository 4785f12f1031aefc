/**
 * Unpacks the native llama.cpp runtime that `scripts/build.ts` embeds in the single executable
 * (node-llama-cpp's data files and the `@node-llama-cpp/<platform>` libraries), so that
 * node-llama-cpp can `dlopen` them from a real folder. Recipe: `shared/notes/runtime.md`,
 * "Single executable with llama.cpp inside".
 *
 * Layout: the build embeds files named `synth-runtime/<relative path>` plus
 * `synth-runtime/manifest.json` (`{ buildId, files }`). They are written once per `buildId` to
 * `<cache>/<buildId>/` (see {@link synthCacheDirs}); a `.complete` marker makes later starts
 * skip the work. Extraction goes to a temp folder that is renamed into place, so two processes
 * starting at once never see a half-written runtime.
 *
 * From source (`bun main.ts`) nothing is embedded and node-llama-cpp uses `node_modules`.
 *
 * @module
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, join, normalize } from "node:path";
import { pathToFileURL } from "node:url";
import { synthCacheDirs } from "./cacheDir.ts";

/** Name prefix of every embedded runtime file. */
export const EMBEDDED_RUNTIME_PREFIX = "synth-runtime/";
/** Embedded manifest name: JSON {@link RuntimeManifest}. */
export const EMBEDDED_RUNTIME_MANIFEST = `${EMBEDDED_RUNTIME_PREFIX}manifest.json`;
/** Marker written last into an extracted runtime folder. */
const COMPLETE_MARKER = ".complete";

/** Contents of `synth-runtime/manifest.json`. */
export interface RuntimeManifest {
  /** Content hash of the embedded runtime files (hex); names the cache folder. */
  buildId: string;
  /** Relative paths of the runtime files (without the prefix), for checking the embedding. */
  files: string[];
  /** Build variant: `cpu`, `cuda` or `vulkan` (absent in builds before variants). */
  variant?: string;
  /** The `@node-llama-cpp/<platform>` packages embedded (the llama.cpp backends). */
  packages?: string[];
}

/**
 * The manifest of the llama.cpp runtime embedded in this executable, or `null` when running
 * from source.
 */
export async function embeddedRuntimeManifest(
  files: EmbeddedFile[] = embeddedFiles(),
): Promise<RuntimeManifest | null> {
  const manifestFile = files.find((f) => f.name === EMBEDDED_RUNTIME_MANIFEST);
  return manifestFile ? JSON.parse(await manifestFile.text()) as RuntimeManifest : null;
}

/** An embedded file: Bun's `Bun.embeddedFiles` entries are Blobs with a `name`. */
export interface EmbeddedFile {
  readonly name: string;
  arrayBuffer(): Promise<ArrayBuffer>;
  text(): Promise<string>;
}

declare global {
  /**
   * Set when the embedded runtime is unpacked: maps a path relative to `node_modules` (e.g.
   * `node-llama-cpp/dist/config.js`) to a `file:` URL in the unpacked runtime. The build
   * plugin rewrites node-llama-cpp's `import.meta.url` to call it.
   */
  var __synthRuntimeUrl: ((relativePath: string) => string) | undefined;
}

/** The files this executable embeds (empty when running from source or outside Bun). */
export function embeddedFiles(): EmbeddedFile[] {
  const bun = (globalThis as unknown as { Bun?: { embeddedFiles?: readonly EmbeddedFile[] } }).Bun;
  return [...(bun?.embeddedFiles ?? [])];
}

let prepared: Promise<string | null> | undefined;

/**
 * Unpacks the embedded runtime (once per process) and installs `globalThis.__synthRuntimeUrl`.
 * Must run before the first `import("node-llama-cpp")`.
 *
 * @returns the runtime root folder (it holds `node_modules/...`), or `null` when this process
 *   has no embedded runtime (running from source).
 * @throws Error `Cannot unpack the llama.cpp runtime: ...` when no cache folder is writable.
 */
export function prepareEmbeddedRuntime(
  options: { files?: EmbeddedFile[]; cacheDirs?: string[] } = {},
): Promise<string | null> {
  if (options.files === undefined && options.cacheDirs === undefined) {
    prepared ??= doPrepare(embeddedFiles(), synthCacheDirs());
    return prepared;
  }
  return doPrepare(options.files ?? embeddedFiles(), options.cacheDirs ?? synthCacheDirs());
}

async function doPrepare(files: EmbeddedFile[], cacheDirs: string[]): Promise<string | null> {
  const manifestFile = files.find((f) => f.name === EMBEDDED_RUNTIME_MANIFEST);
  if (!manifestFile) return null;
  const manifest = JSON.parse(await manifestFile.text()) as RuntimeManifest;
  const runtimeFiles = files.filter((f) =>
    f.name.startsWith(EMBEDDED_RUNTIME_PREFIX) && f.name !== EMBEDDED_RUNTIME_MANIFEST
  );
  const root = await extractRuntime(runtimeFiles, manifest, cacheDirs);
  globalThis.__synthRuntimeUrl = (relativePath: string) =>
    pathToFileURL(join(root, "node_modules", relativePath)).href;
  return root;
}

/** Options of {@link extractRuntime}. */
export interface ExtractOptions {
  /** Name prefix of the runtime's embedded files. @default EMBEDDED_RUNTIME_PREFIX */
  prefix?: string;
  /** Runtime name in error messages. @default "llama.cpp" */
  label?: string;
}

/**
 * Writes `files` (names starting with `options.prefix`, default
 * {@link EMBEDDED_RUNTIME_PREFIX}) to `<cacheDir>/<buildId>/` in the first writable cache
 * folder, unless a complete copy is there. Files named `*.zst` are zstd-decompressed and written
 * without the suffix (the build compresses large native libraries). Safe when several processes
 * do it at once: each writes a temp folder and renames it; the loser of the race deletes its
 * copy.
 *
 * @returns the absolute runtime folder.
 * @throws Error when no candidate folder can be written (the last error is the `cause`).
 */
export async function extractRuntime(
  files: EmbeddedFile[],
  manifest: RuntimeManifest,
  cacheDirs: string[],
  options: ExtractOptions = {},
): Promise<string> {
  const prefix = options.prefix ?? EMBEDDED_RUNTIME_PREFIX;
  const label = options.label ?? "llama.cpp";
  if (!/^[A-Za-z0-9_-]+$/.test(manifest.buildId)) {
    throw new Error(`Cannot unpack the ${label} runtime: invalid build id "${manifest.buildId}"`);
  }
  for (const file of files) {
    const relative = normalize(file.name.slice(prefix.length));
    if (!file.name.startsWith(prefix) || relative.startsWith("..") || isAbsolute(relative)) {
      throw new Error(`Cannot unpack the ${label} runtime: unsafe file name "${file.name}"`);
    }
  }
  const names = new Set(files.map((f) => f.name.slice(prefix.length)));
  const missing = manifest.files.filter((f) => !names.has(f));
  if (missing.length > 0) {
    throw new Error(
      `Cannot unpack the ${label} runtime: ${missing.length} embedded files are missing (first: ${
        missing[0]
      })`,
    );
  }
  let lastError: unknown;
  for (const cacheDir of cacheDirs) {
    const target = join(cacheDir, manifest.buildId);
    if (existsSync(join(target, COMPLETE_MARKER))) return target;
    try {
      await writeRuntime(files, prefix, cacheDir, target);
      return target;
    } catch (error) {
      lastError = error;
    }
  }
  throw new Error(
    `Cannot unpack the ${label} runtime: no writable cache folder (tried ${cacheDirs.join(", ")})`,
    { cause: lastError },
  );
}

async function writeRuntime(
  files: EmbeddedFile[],
  prefix: string,
  cacheDir: string,
  target: string,
): Promise<void> {
  mkdirSync(cacheDir, { recursive: true });
  const tmp = await mkdtemp(join(cacheDir, ".tmp-"));
  try {
    for (const file of files) {
      let relative = normalize(file.name.slice(prefix.length));
      let content: Uint8Array = new Uint8Array(await file.arrayBuffer());
      if (relative.endsWith(".zst")) {
        relative = relative.slice(0, -".zst".length);
        content = zstdDecompress(content);
      }
      const dest = join(tmp, relative);
      mkdirSync(dirname(dest), { recursive: true });
      const executable = /\.(so|node|dylib|dll)(\.\d+)*$/.test(relative);
      await writeFile(dest, content, { mode: executable ? 0o755 : 0o644 });
    }
    writeFileSync(join(tmp, COMPLETE_MARKER), new Date().toISOString());
    try {
      renameSync(tmp, target);
    } catch (error) {
      // Another process won the race (target exists and is complete): use its copy.
      if (existsSync(join(target, COMPLETE_MARKER))) {
        rmSync(tmp, { recursive: true, force: true });
        return;
      }
      // A broken leftover without the marker: move it aside, then retry once.
      if (existsSync(target)) {
        const aside = `${target}.stale-${process.pid}-${Date.now()}`;
        renameSync(target, aside);
        rmSync(aside, { recursive: true, force: true });
        renameSync(tmp, target);
        return;
      }
      throw error;
    }
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
}

function zstdDecompress(data: Uint8Array): Uint8Array {
  const bun = (globalThis as unknown as {
    Bun?: { zstdDecompressSync?: (d: Uint8Array) => Uint8Array };
  }).Bun;
  if (!bun?.zstdDecompressSync) {
    throw new Error("Cannot decompress a .zst runtime file outside Bun");
  }
  return bun.zstdDecompressSync(data);
}
