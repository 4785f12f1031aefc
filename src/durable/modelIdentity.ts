/**
 * The identity of a local model for the run fingerprint and the provenance manifest: path,
 * size and sha256 of the GGUF file, or of each weight and config file of an ONNX folder.
 * Hashing a multi-gigabyte model takes seconds, so each file's hash is cached by absolute
 * path, size and modification time in `<cache>/synth/model-hashes.json` (the cache folders of
 * `runtime/cacheDir.ts`); a model that did not change is never read twice. Input files
 * (`inputIdentity.ts`) are hashed through the same cache.
 *
 * @module
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { synthCacheDirs } from "../runtime/cacheDir.ts";

/** One hashed file. */
export interface FileIdentity {
  path: string;
  /** Bytes. */
  size: number;
  /** Lower-case hex. */
  sha256: string;
}

/** A model's identity: a file, a folder of files, or (remote) just its name. */
export type ModelIdentity =
  | ({ kind: "file" } & FileIdentity)
  | { kind: "folder"; path: string; size: number; files: FileIdentity[] }
  | { kind: "remote"; name: string };

type Cache = Record<string, { size: number; mtimeMs: number; sha256: string }>;

/** Options of {@link fileIdentity}. */
export interface HashCacheOptions {
  /** Folder of the hash cache file; default the first writable synth cache folder. */
  cacheDir?: string;
  env?: Record<string, string | undefined>;
}

/**
 * The identity of the file at `path` (absolute), its hash taken from the cache when the size
 * and modification time match.
 *
 * @throws the file-system error when the file cannot be read.
 */
export async function fileIdentity(
  path: string,
  options: HashCacheOptions = {},
): Promise<FileIdentity> {
  return (await fileIdentities([path], options))[0];
}

/**
 * The identities of `paths` (absolute), in order: the cache is read once and written once
 * (when a file had to be hashed), so a folder of thousands of files costs no more than its
 * bytes.
 *
 * @throws the file-system error when a file cannot be read.
 */
export async function fileIdentities(
  paths: readonly string[],
  options: HashCacheOptions = {},
): Promise<FileIdentity[]> {
  const dirs = options.cacheDir ? [options.cacheDir] : synthCacheDirs(options.env);
  const cache = readCache(dirs);
  let hashed = false;
  const out: FileIdentity[] = [];
  for (const path of paths) {
    const stat = statSync(path);
    const hit = cache.data[path];
    if (hit && hit.size === stat.size && hit.mtimeMs === stat.mtimeMs) {
      out.push({ path, size: stat.size, sha256: hit.sha256 });
      continue;
    }
    const hasher = new Bun.CryptoHasher("sha256");
    const reader = Bun.file(path).stream().getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      hasher.update(value);
    }
    const sha256 = hasher.digest("hex");
    cache.data[path] = { size: stat.size, mtimeMs: stat.mtimeMs, sha256 };
    hashed = true;
    out.push({ path, size: stat.size, sha256 });
  }
  if (hashed) writeCache(dirs, cache.data);
  return out;
}

/** The identity of a model file or folder (every regular file inside, sorted by path). */
export async function localModelIdentity(
  path: string,
  options: HashCacheOptions = {},
): Promise<ModelIdentity> {
  if (!statSync(path).isDirectory()) {
    return { kind: "file", ...(await fileIdentity(path, options)) };
  }
  const full = (readdirSync(path, { recursive: true }) as string[]).sort()
    .map((name) => join(path, name)).filter((file) => statSync(file).isFile());
  const files = (await fileIdentities(full, options))
    .map((id) => ({ ...id, path: relative(path, id.path) }));
  return { kind: "folder", path, size: files.reduce((s, f) => s + f.size, 0), files };
}

const CACHE_FILE = "model-hashes.json";

function readCache(dirs: string[]): { data: Cache } {
  for (const dir of dirs) {
    try {
      return { data: JSON.parse(readFileSync(join(dir, CACHE_FILE), "utf8")) as Cache };
    } catch {
      // Missing or unreadable: try the next folder.
    }
  }
  return { data: {} };
}

function writeCache(dirs: string[], data: Cache): void {
  for (const dir of dirs) {
    try {
      mkdirSync(dir, { recursive: true });
      const tmp = join(dir, `${CACHE_FILE}.${process.pid}.tmp`);
      writeFileSync(tmp, JSON.stringify(data));
      renameSync(tmp, join(dir, CACHE_FILE));
      return;
    } catch {
      // Not writable: try the next folder; without a cache the hash is recomputed next time.
    }
  }
}
