/**
 * The local Hugging Face hub cache (read only, never downloads): `hf:` dataset paths (§5.2) and
 * tokenizer names (§5.3) resolve to files of a snapshot already on disk.
 *
 * Layout: `<cache>/<datasets|models>--<owner>--<name>/refs/<revision>` holds a commit hash,
 * `snapshots/<hash>/` the files. The cache is `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else
 * `$XDG_CACHE_HOME/huggingface/hub`, else `~/.cache/huggingface/hub`.
 *
 * @module
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join, relative, sep } from "node:path";
import { InputError } from "../errors.ts";

/** Environment variables read (a subset of `process.env`). */
export type Env = Readonly<Record<string, string | undefined>>;

/** The hub cache folder for `env`. */
export function hubCacheDir(env: Env): string {
  if (env.HF_HUB_CACHE) return env.HF_HUB_CACHE;
  if (env.HUGGINGFACE_HUB_CACHE) return env.HUGGINGFACE_HUB_CACHE;
  if (env.HF_HOME) return join(env.HF_HOME, "hub");
  const cache = env.XDG_CACHE_HOME || join(env.HOME || homedir(), ".cache");
  return join(cache, "huggingface", "hub");
}

/**
 * The snapshot folder of `repoId` (`owner/name`) at `revision` (a branch or tag under `refs/`,
 * or a commit hash; default `main`), or undefined when it is not cached.
 */
export function findSnapshot(
  kind: "datasets" | "models",
  repoId: string,
  revision: string | null | undefined,
  env: Env,
): string | undefined {
  const repoDir = join(hubCacheDir(env), `${kind}--${repoId.split("/").join("--")}`);
  const rev = revision || "main";
  const ref = join(repoDir, "refs", rev);
  let hash = rev;
  if (existsSync(ref) && statSync(ref).isFile()) hash = readFileSync(ref, "utf8").trim();
  const snapshot = join(repoDir, "snapshots", hash);
  return existsSync(snapshot) && statSync(snapshot).isDirectory() ? snapshot : undefined;
}

/** The command that puts `repoId` into the cache (shown in messages). */
export function downloadCommand(
  kind: "datasets" | "models",
  repoId: string,
  revision?: string | null,
): string {
  return `huggingface-cli download ${repoId}${kind === "datasets" ? " --repo-type dataset" : ""}${
    revision ? ` --revision ${revision}` : ""
  }`;
}

/** Files under `dir` (recursive, sorted, relative with `/`). */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() || entry.isSymbolicLink()) {
        out.push(relative(dir, full).split(sep).join("/"));
      }
    }
  };
  walk(dir);
  return out.sort();
}

/**
 * The data files of `split` in a dataset snapshot: files (with one of `extensions`) named after
 * the split (`train.jsonl`, `train-00000-of-00002.parquet`, `data/train_0.csv`) or inside a folder
 * named after it (`train/0000.parquet`). Parquet files win when several formats exist (the
 * hub's converted copies).
 *
 * @throws {InputError} no split given, or no file for the split (listing the splits found).
 */
export function datasetSplitFiles(
  snapshot: string,
  path: string,
  split: string | null | undefined,
  extensions: readonly string[],
): string[] {
  const files = listFiles(snapshot).filter((f) =>
    extensions.some((e) => f.toLowerCase().endsWith(e))
  );
  const splitOf = (f: string) => {
    const parts = f.split("/");
    const base = parts[parts.length - 1];
    const m = base.match(/^([A-Za-z0-9]+)(?=[-_.])/);
    const dirs = parts.slice(0, -1);
    const named = dirs.find((d) => !["data", "default"].includes(d) && /^[A-Za-z0-9_]+$/.test(d));
    return named && !m?.[1] ? named : m?.[1] ?? named;
  };
  const available = [...new Set(files.map(splitOf).filter(Boolean))].sort();
  if (!split) {
    throw new InputError(
      `Cannot read dataset "${path}": hf_split is required for Hugging Face datasets (splits in the cache: ${
        available.join(", ") || "none"
      })`,
    );
  }
  const matching = files.filter((f) => {
    const parts = f.split("/");
    return splitOf(f) === split || parts.slice(0, -1).includes(split);
  });
  if (matching.length === 0) {
    throw new InputError(
      `Cannot read dataset "${path}": split "${split}" has no data files in ${snapshot} (splits found: ${
        available.join(", ") || "none"
      })`,
    );
  }
  const parquet = matching.filter((f) => f.toLowerCase().endsWith(".parquet"));
  return (parquet.length > 0 ? parquet : matching).map((f) => join(snapshot, f));
}
