/**
 * `synth models pull`: downloads a model from the Hugging Face Hub (or the mirror `HF_ENDPOINT`
 * names) into the standard Hugging Face cache, shared with other tools:
 * `models--owner--name/blobs/<sha256 or git oid>`, `snapshots/<commit>/<path>` (relative
 * symlinks to the blobs) and `refs/main` (the commit). `@huggingface/hub` makes the requests
 * (`modelInfo` for the commit, `listFiles` for sizes and LFS ids, `downloadFile` for the bytes,
 * at that commit); on top of it, this module:
 * - resumes: bytes go to `blobs/<id>.incomplete` (huggingface_hub's name, so either tool resumes
 *   the other's download), an interrupted transfer continues with a `Range` request (a sliced
 *   blob) up to `retries` times, and a rerun continues from the file on disk;
 * - verifies: the sha256 of an LFS file against its LFS oid, the git blob id of a small file
 *   against its oid; a mismatch deletes the download and fails;
 * - publishes atomically: only a verified file is renamed to its blob name and linked into the
 *   snapshot, so a crash, a full disk or a bad byte never leaves a file that looks complete.
 *
 * Environment: `HF_TOKEN` (or `HUGGING_FACE_HUB_TOKEN`) is sent as a Bearer token to the Hub's
 * origin only; `HF_ENDPOINT` replaces `https://huggingface.co`; `HF_HUB_OFFLINE=1` refuses to
 * download (a model already cached is reported as such). The token never appears in messages.
 *
 * @module
 */
import { downloadFile, HubApiError, listFiles, modelInfo } from "@huggingface/hub";
import { createHash, type Hash } from "node:crypto";
import { createReadStream, existsSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { open, readlink, symlink, unlink, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { EngineError, UsageError } from "../errors.ts";
import { type ModelSelection, selectModelFiles } from "../engines/hfModelFiles.ts";
import { type HfModelRef, parseHfModelRef } from "../engines/hfModelRef.ts";
import { resolveHfModel } from "../engines/modelCache.ts";
import { hubCacheDir } from "../inputs/hfCache.ts";

/** Environment read by the pull (a subset of `process.env`). */
export type PullEnv = Readonly<Record<string, string | undefined>>;

/** Progress of one file, reported after each received chunk. */
export interface PullProgress {
  /** Repository path of the file. */
  file: string;
  /** 1-based position among the files to fetch, and their count. */
  index: number;
  count: number;
  /** Bytes of this file on disk so far, and its size. */
  bytes: number;
  total: number;
  /** Bytes that were already on disk when this transfer started (resumed downloads). */
  startedAt: number;
}

/** Options of {@link pullModel}. */
export interface PullOptions {
  env: PullEnv;
  onProgress?: (progress: PullProgress) => void;
  /** One line per notable event (resume, file already cached, default quant chosen). */
  onInfo?: (message: string) => void;
  /** Stops the transfer; the partial file stays for the next run to resume. */
  signal?: AbortSignal;
  /** Resumed attempts per file after a dropped connection. @default 3 */
  retries?: number;
}

/** What was pulled. */
export interface PullResult {
  repo: string;
  /** The repository commit the snapshot is named after (`refs/main`). */
  commit: string;
  selection: ModelSelection;
  snapshot: string;
  /** The GGUF file to load, or the ONNX folder. */
  path: string;
  /** Files fetched now and files that were already in the cache. */
  downloaded: string[];
  cached: string[];
  /** Bytes transferred by this run. */
  bytes: number;
  /** True when `HF_HUB_OFFLINE` was set and the cache already had everything. */
  offline?: boolean;
}

/** The Hub's base URL: `HF_ENDPOINT` without a trailing slash, else `https://huggingface.co`. */
export function hubEndpoint(env: PullEnv): string {
  return (env.HF_ENDPOINT?.trim() || "https://huggingface.co").replace(/\/+$/, "");
}

/** Whether `HF_HUB_OFFLINE` is set to a true value (`1`, `true`, `yes`, `on`). */
export function isOffline(env: PullEnv): boolean {
  return /^(1|true|yes|on)$/i.test(env.HF_HUB_OFFLINE?.trim() ?? "");
}

/**
 * Downloads `spec` (`owner/repo[:quant or file]`, `hf:` prefix allowed) into the cache.
 *
 * @returns the snapshot and the path to load (see {@link PullResult}).
 * @throws UsageError a malformed reference, an unknown repository, a quantisation or file the
 *   repository does not have (the message lists those it has), `HF_HUB_OFFLINE` set while the
 *   model is not cached.
 * @throws EngineError (fatal) the Hub refused access (401/403; the message names `HF_TOKEN`).
 * @throws Error the Hub cannot be reached, the transfer failed after its retries (the partial
 *   file is kept for a rerun), the content does not match its id (the file is deleted), or the
 *   cache cannot be written (full disk, read-only or not a folder).
 */
export async function pullModel(spec: string, options: PullOptions): Promise<PullResult> {
  const { env } = options;
  const ref = parseHfModelRef(spec);
  const hubUrl = hubEndpoint(env);
  if (isOffline(env)) return offlineResult(ref, env);

  const fetcher = hubFetch(hubUrl, env, options.signal);
  let commit: string;
  try {
    const info = await modelInfo({
      name: ref.repo,
      hubUrl,
      additionalFields: ["sha"],
      fetch: fetcher,
    });
    commit = info.sha;
  } catch (error) {
    throw hubError(error, ref, hubUrl, env);
  }
  if (!commit || !/^[\w.-]+$/.test(commit)) {
    throw new Error(`The Hub at ${hubUrl} gave no commit for ${ref.repo}`);
  }

  const entries = new Map<string, { size: number; oid: string; lfs?: { oid: string } }>();
  try {
    for await (
      const entry of listFiles({
        repo: ref.repo,
        revision: commit,
        recursive: true,
        hubUrl,
        fetch: fetcher,
      })
    ) {
      if (entry.type === "file") entries.set(entry.path, entry as typeof entry & { oid: string });
    }
  } catch (error) {
    throw hubError(error, ref, hubUrl, env);
  }
  const selection = selectModelFiles(ref, [...entries.keys()]);
  if (selection.format === "gguf" && !ref.selector && selection.quant && selection.files.length) {
    const ggufCount = [...entries.keys()].filter((p) => p.endsWith(".gguf")).length;
    if (ggufCount > selection.files.length) {
      options.onInfo?.(`${ref.repo} has several quantisations; taking ${selection.quant}`);
    }
  }

  const cache = hubCacheDir(env);
  const repoDir = join(cache, `models--${ref.repo.split("/").join("--")}`);
  const snapshot = join(repoDir, "snapshots", commit);
  writable(() => {
    mkdirSync(join(repoDir, "blobs"), { recursive: true });
    mkdirSync(snapshot, { recursive: true });
  }, cache);

  const result: PullResult = {
    repo: ref.repo,
    commit,
    selection,
    snapshot,
    path: selection.format === "gguf" ? join(snapshot, selection.main) : snapshot,
    downloaded: [],
    cached: [],
    bytes: 0,
  };
  for (const [i, file] of selection.files.entries()) {
    const entry = entries.get(file)!;
    const blobId = entry.lfs?.oid ?? entry.oid;
    if (!/^[0-9a-f]{40,64}$/i.test(blobId ?? "")) {
      throw new Error(`The Hub at ${hubUrl} gave no valid id for ${ref.repo}/${file}`);
    }
    const blob = join(repoDir, "blobs", blobId);
    if (existsSync(blob) && statSync(blob).size === entry.size) {
      result.cached.push(file);
    } else {
      const got = await fetchFile({
        ref,
        file,
        commit,
        hubUrl,
        fetcher,
        blob,
        size: entry.size,
        check: entry.lfs ? { kind: "sha256", id: entry.lfs.oid } : { kind: "git", id: entry.oid },
        index: i + 1,
        count: selection.files.length,
        options,
        env,
      });
      result.bytes += got;
      result.downloaded.push(file);
    }
    await link(join(snapshot, file), blob, cache);
  }
  const refs = join(repoDir, "refs");
  writable(() => mkdirSync(refs, { recursive: true }), cache);
  const tmp = join(refs, `.main.${process.pid}.tmp`);
  await writableAsync(() => writeFile(tmp, commit), cache);
  renameSync(tmp, join(refs, "main"));
  return result;
}

function offlineResult(ref: HfModelRef, env: PullEnv): PullResult {
  try {
    const cached = resolveHfModel(`hf:${ref.repo}${ref.selector ? `:${ref.selector}` : ""}`, env);
    return {
      repo: ref.repo,
      commit: cached.snapshot.split(/[\\/]/).pop()!,
      selection: cached.format === "gguf"
        ? {
          format: "gguf",
          files: [relative(cached.snapshot, cached.path)],
          main: relative(cached.snapshot, cached.path),
        }
        : { format: "onnx", files: [], dtype: "" },
      snapshot: cached.snapshot,
      path: cached.path,
      downloaded: [],
      cached: [relative(cached.snapshot, cached.path) || "."],
      bytes: 0,
      offline: true,
    };
  } catch {
    throw new UsageError(
      `Cannot download ${ref.repo}: HF_HUB_OFFLINE is set, so nothing is downloaded, and the model is not in the cache (${
        hubCacheDir(env)
      }). Unset HF_HUB_OFFLINE, or copy the model into the cache from a connected machine`,
    );
  }
}

/** fetch with the token (to the Hub's origin only) and the abort signal. */
function hubFetch(hubUrl: string, env: PullEnv, signal: AbortSignal | undefined): typeof fetch {
  const token = env.HF_TOKEN?.trim() || env.HUGGING_FACE_HUB_TOKEN?.trim();
  const origin = new URL(hubUrl).origin;
  const wrapped = (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const headers = new Headers(init?.headers);
    if (token && url.origin === origin && !headers.has("authorization")) {
      headers.set("authorization", `Bearer ${token}`);
    }
    return fetch(input, { ...init, headers, ...(signal ? { signal } : {}) });
  };
  return wrapped as typeof fetch;
}

/** Turns a failed Hub request into a message for users. */
function hubError(error: unknown, ref: HfModelRef, hubUrl: string, env: PullEnv): Error {
  if ((error as Error)?.name === "AbortError") return error as Error;
  const hasToken = !!(env.HF_TOKEN?.trim() || env.HUGGING_FACE_HUB_TOKEN?.trim());
  if (error instanceof HubApiError) {
    const text = `${error.message} ${JSON.stringify(error.data ?? {})}`;
    const notFound = error.statusCode === 404 ||
      /repo(sitory)? ?not ?found|RepoNotFound/i.test(text);
    if (notFound) {
      return new UsageError(
        `Model repository ${ref.repo} not found on ${hubUrl}${
          hasToken ? "" : " (if it is private, set HF_TOKEN to a token that can read it)"
        }`,
      );
    }
    if (error.statusCode === 401 || error.statusCode === 403) {
      return new EngineError(
        hasToken
          ? `Access to ${ref.repo} was refused (${error.statusCode}) with the token in HF_TOKEN: it is gated or private; accept its terms at ${hubUrl}/${ref.repo} with that account, or use a token that has access`
          : `Access to ${ref.repo} was refused (${error.statusCode}): it is gated or private. Set HF_TOKEN to a Hugging Face access token of an account that has accepted its terms at ${hubUrl}/${ref.repo}`,
        { fatal: true, cause: error },
      );
    }
    return new Error(
      `The Hub at ${hubUrl} answered ${error.statusCode} for ${ref.repo}: ${
        error.message.split(". URL:")[0]
      }`,
      { cause: error },
    );
  }
  return new Error(
    `Cannot reach the Hub at ${hubUrl}: ${
      (error as Error)?.message ?? String(error)
    } (check the network or HF_ENDPOINT; HF_HUB_OFFLINE=1 uses only the cache)`,
    { cause: error },
  );
}

interface FetchFileArgs {
  ref: HfModelRef;
  file: string;
  commit: string;
  hubUrl: string;
  fetcher: typeof fetch;
  blob: string;
  size: number;
  check: { kind: "sha256" | "git"; id: string };
  index: number;
  count: number;
  options: PullOptions;
  env: PullEnv;
}

/** Downloads one file to `<blob>.incomplete` (resuming), verifies it, renames it to `blob`. */
async function fetchFile(a: FetchFileArgs): Promise<number> {
  const partial = `${a.blob}.incomplete`;
  let offset = existsSync(partial) ? statSync(partial).size : 0;
  if (offset > a.size) {
    rmSync(partial, { force: true });
    offset = 0;
  }
  const hash = a.check.kind === "sha256" ? createHash("sha256") : createHash("sha1");
  if (a.check.kind === "git") hash.update(`blob ${a.size}\0`);
  if (offset > 0) {
    await hashFile(partial, hash);
    a.options.onInfo?.(
      `Resuming ${a.file} at ${(offset / 1e6).toFixed(1)} of ${(a.size / 1e6).toFixed(1)} MB`,
    );
  }
  let source: Blob | null;
  try {
    source = await downloadFile({
      repo: a.ref.repo,
      path: a.file,
      revision: a.commit,
      hubUrl: a.hubUrl,
      fetch: a.fetcher,
      // Plain HTTP ranges from the Hub or a mirror (the Hub bridges Xet storage to them).
      xet: false,
    });
  } catch (error) {
    throw hubError(error, a.ref, a.hubUrl, a.env);
  }
  if (!source) throw new Error(`${a.ref.repo} has no file ${a.file} at ${a.commit}`);

  const startedAt = offset;
  const retries = a.options.retries ?? 3;
  let received = 0;
  const handle = await writableAsync(() => open(partial, "a"), dirname(partial));
  try {
    for (let attempt = 0;; attempt++) {
      if (offset >= a.size) break;
      try {
        const reader = source.slice(offset).stream().getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          const chunk = value.byteLength + offset > a.size
            ? value.subarray(0, a.size - offset)
            : value;
          await writableAsync(() => handle.write(chunk), partial, offset, a.size);
          hash.update(chunk);
          offset += chunk.byteLength;
          received += chunk.byteLength;
          a.options.onProgress?.({
            file: a.file,
            index: a.index,
            count: a.count,
            bytes: offset,
            total: a.size,
            startedAt,
          });
        }
        if (offset < a.size) throw new Error("the connection closed early");
      } catch (error) {
        if ((error as Error)?.name === "AbortError" || a.options.signal?.aborted) throw error;
        if (error instanceof CacheWriteError) throw error;
        if (error instanceof HubApiError) throw hubError(error, a.ref, a.hubUrl, a.env);
        if (attempt >= retries) {
          throw new Error(
            `Download of ${a.ref.repo}/${a.file} interrupted at ${(offset / 1e6).toFixed(1)} of ${
              (a.size / 1e6).toFixed(1)
            } MB (${shortMessage(error)}); run the same command again to resume`,
            { cause: error },
          );
        }
        a.options.onInfo?.(
          `Connection lost at ${(offset / 1e6).toFixed(1)} MB of ${a.file} (${
            shortMessage(error)
          }); resuming`,
        );
      }
    }
    await handle.sync().catch(() => undefined);
  } finally {
    await handle.close().catch(() => undefined);
  }
  const digest = hash.digest("hex");
  if (digest.toLowerCase() !== a.check.id.toLowerCase()) {
    rmSync(partial, { force: true });
    throw new Error(
      `Download of ${a.ref.repo}/${a.file} is corrupt: its ${
        a.check.kind === "sha256" ? "sha256" : "git blob id"
      } is ${digest}, the Hub says ${a.check.id}. The file was deleted; run the command again`,
    );
  }
  renameSync(partial, a.blob);
  return received;
}

/** An error's message without Bun's "For more information, pass `verbose: true`..." tail. */
function shortMessage(error: unknown): string {
  return String((error as Error)?.message ?? error).split(". For more information")[0];
}

async function hashFile(path: string, hash: Hash): Promise<void> {
  for await (const chunk of createReadStream(path)) hash.update(chunk as Uint8Array);
}

/** A failed write into the cache (full disk, read-only, not a folder). */
export class CacheWriteError extends Error {
  override name = "CacheWriteError";
}

/** Maps a file system error while writing `where` to a message for users (full disk, read-only). */
export function describeWrite(
  error: unknown,
  where: string,
  offset?: number,
  size?: number,
): Error {
  const code = (error as NodeJS.ErrnoException)?.code;
  if (code === "ENOSPC" || code === "EDQUOT") {
    return new CacheWriteError(
      `No space left on the device while writing ${where}${
        offset !== undefined && size
          ? ` (${(offset / 1e6).toFixed(1)} of ${(size / 1e6).toFixed(1)} MB)`
          : ""
      }: free some space (or set HF_HUB_CACHE to another disk) and run the same command again to resume`,
      { cause: error },
    );
  }
  if (
    code === "EACCES" || code === "EPERM" || code === "EROFS" || code === "ENOTDIR" ||
    code === "EEXIST"
  ) {
    return new CacheWriteError(
      `Cannot write to the Hugging Face cache at ${where} (${code}): set HF_HUB_CACHE (or HF_HOME) to a writable folder`,
      { cause: error },
    );
  }
  return error instanceof Error ? error : new Error(String(error));
}

/** Runs a write; maps file system errors to {@link CacheWriteError}. */
export function writable<T>(action: () => T, where: string): T {
  try {
    return action();
  } catch (error) {
    throw describeWrite(error, where);
  }
}

async function writableAsync<T>(
  action: () => Promise<T>,
  where: string,
  offset?: number,
  size?: number,
): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw describeWrite(error, where, offset, size);
  }
}

/** Links `path` in the snapshot to `blob` (relative symlink), replacing an older link. */
async function link(path: string, blob: string, cache: string): Promise<void> {
  writable(() => mkdirSync(dirname(path), { recursive: true }), cache);
  const target = relative(dirname(path), blob);
  try {
    if ((await readlink(path)) === target) return;
    await unlink(path);
  } catch {
    // No link yet.
  }
  await writableAsync(() => symlink(target, path), cache);
}
