/**
 * Where local engines find a model named `owner/name` (DECISIONS compat 4): the local Hugging
 * Face hub cache (`hubCacheDir` of `inputs/hfCache.ts`: `$HF_HUB_CACHE`, else the legacy
 * `$HUGGINGFACE_HUB_CACHE`, else `$HF_HOME/hub`, else `$XDG_CACHE_HOME/huggingface/hub`, else
 * `~/.cache/huggingface/hub`), layout `models--owner--name/{refs,snapshots}`, and `hf:` model
 * URIs resolved in it. Read only; nothing is downloaded (`synth models pull` does, src/models/).
 *
 * @module
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "../errors.ts";
import { hubCacheDir } from "../inputs/hfCache.ts";
import { type ModelSelection, selectModelFiles } from "./hfModelFiles.ts";
import { type HfModelRef, parseHfModelRef, pullCommand } from "./hfModelRef.ts";

/**
 * The snapshot folder of model `repo` (`owner/name`): the one `refs/main` names, else the newest
 * snapshot; `undefined` when the model is not in the cache.
 */
export function huggingFaceSnapshot(
  repo: string,
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  // The same cache folder `synth models pull` writes to and `hf:` datasets are read from.
  return repoSnapshot(join(hubCacheDir(env), `models--${repo.replace("/", "--")}`));
}

/**
 * The snapshot folder of one cached repository folder (`<hub>/models--owner--name`): the one
 * `refs/main` names, else the newest snapshot folder; `undefined` when it has none (or cannot be
 * read).
 */
export function repoSnapshot(repoDir: string): string | undefined {
  const snapshots = join(repoDir, "snapshots");
  if (!isDir(snapshots)) return undefined;
  try {
    const ref = readFileSync(join(repoDir, "refs", "main"), "utf8").trim();
    if (ref && isDir(join(snapshots, ref))) return join(snapshots, ref);
  } catch {
    // No refs/main: take the newest snapshot.
  }
  let entries: string[];
  try {
    entries = readdirSync(snapshots).map((name) => join(snapshots, name)).filter(isDir);
  } catch {
    return undefined;
  }
  entries.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  return entries[0];
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Where an `hf:` model is in the cache. */
export interface CachedHfModel {
  format: "gguf" | "onnx";
  /** The GGUF file to open, or the ONNX model folder (the snapshot). */
  path: string;
  snapshot: string;
}

/**
 * An `hf:` model (or one of its files) that is not in the local Hugging Face cache. The
 * message names the `synth models pull` command and the download switches.
 */
export class ModelNotCachedError extends ConfigError {
  /** The reference that is missing. */
  readonly ref: HfModelRef;
  constructor(ref: HfModelRef, detail: string) {
    super(
      `Cannot load model "hf:${ref.repo}${ref.selector ? `:${ref.selector}` : ""}": ${detail}. ` +
        `Download it with \`${pullCommand(ref)}\`, or let the run download it ` +
        "(--allow-download, or inference_config.model.model_kwargs.allow_download: true)",
      [{
        path: "inference_config.model.model_name",
        message: `not in the cache; ${pullCommand(ref)}`,
      }],
    );
    this.name = "ModelNotCachedError";
    this.ref = ref;
  }
}

/**
 * Resolves `model_name: hf:owner/repo[:quant or file]` from the local Hugging Face cache only
 * (the snapshot `refs/main` names, see {@link huggingFaceSnapshot}), with the file rule of
 * `hfModelFiles.ts`. Never downloads.
 *
 * @throws ModelNotCachedError when the repository or the selected files are not cached;
 *   ConfigError for a malformed reference or a selector that matches nothing in the snapshot.
 */
export function resolveHfModel(
  name: string,
  env: Readonly<Record<string, string | undefined>>,
): CachedHfModel {
  let ref: HfModelRef;
  try {
    ref = parseHfModelRef(name);
  } catch (error) {
    throw new ConfigError((error as Error).message, [
      { path: "inference_config.model.model_name", message: (error as Error).message },
    ]);
  }
  const snapshot = huggingFaceSnapshot(ref.repo, env);
  if (!snapshot) throw new ModelNotCachedError(ref, "it is not in the Hugging Face cache");
  const files = walk(snapshot, "");
  let selection: ModelSelection;
  try {
    selection = selectModelFiles(ref, files);
  } catch (error) {
    throw new ModelNotCachedError(
      ref,
      `the cached copy (${snapshot}) does not have it: ${(error as Error).message}`,
    );
  }
  const missing = selection.files.filter((f) => !existsSync(join(snapshot, f)));
  if (missing.length > 0) {
    throw new ModelNotCachedError(ref, `${missing.join(", ")} missing from ${snapshot}`);
  }
  return selection.format === "gguf"
    ? { format: "gguf", path: join(snapshot, selection.main), snapshot }
    : { format: "onnx", path: snapshot, snapshot };
}

function walk(dir: string, prefix: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...walk(dir, rel));
    else out.push(rel);
  }
  return out;
}
