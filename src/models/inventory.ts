/**
 * The local models synth can run, for `synth models list` and `inspect`: GGUF files and ONNX
 * model folders in the `models/` folders (`$SYNTH_MODELS_DIR`, `./models`), and the models of
 * the Hugging Face cache (the snapshot `refs/main` names, else the newest). Each is listed under
 * the name a config uses: a bare name for `models/`, `hf:owner/repo:QUANT` (or `:file.gguf`
 * when the name carries no quantisation) and `hf:owner/repo` for ONNX in the cache.
 *
 * @module
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import { UsageError } from "../errors.ts";
import { isHfUri, isLaterSplitPart, isProjector, quantOf } from "../engines/hfModelRef.ts";
import { repoSnapshot, resolveHfModel } from "../engines/modelCache.ts";
import { hubCacheDir } from "../inputs/hfCache.ts";

/** A model found on disk (facts not read yet; see `describe.ts`). */
export interface LocalModel {
  /** The name to put in `model_name` (or pass to `inspect`). */
  name: string;
  format: "gguf" | "onnx";
  /** The GGUF file or the ONNX folder. */
  path: string;
  /** Where it was found: a `models/` folder or `HF cache`. */
  source: string;
}

/**
 * Lists models in `modelDirs` (in order, missing folders skipped) and in the Hugging Face cache
 * of `env`. Unreadable entries are skipped.
 */
export function findLocalModels(
  modelDirs: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): LocalModel[] {
  const out: LocalModel[] = [];
  for (const dir of modelDirs) {
    if (!isDir(dir)) continue;
    for (const entry of readdirSync(dir).sort()) {
      const path = join(dir, entry);
      if (entry.toLowerCase().endsWith(".gguf") && !isDir(path)) {
        if (isLaterSplitPart(entry) || isProjector(entry)) continue;
        out.push({ name: entry.replace(/\.gguf$/i, ""), format: "gguf", path, source: dir });
      } else if (isDir(path)) {
        if (existsSync(join(path, "config.json")) && hasOnnx(path)) {
          out.push({ name: entry, format: "onnx", path, source: dir });
        } else {
          const ggufs = safeList(path).filter((f) =>
            f.toLowerCase().endsWith(".gguf") && !isLaterSplitPart(f) && !isProjector(f)
          );
          if (ggufs.length === 1) {
            out.push({ name: entry, format: "gguf", path: join(path, ggufs[0]), source: dir });
          }
        }
      }
    }
  }
  const hub = hubCacheDir(env);
  if (isDir(hub)) {
    for (const entry of readdirSync(hub).sort()) {
      const m = entry.match(/^models--([^-].*?)--(.+)$/);
      if (!m) continue;
      const repo = `${m[1]}/${m[2]}`;
      const snapshot = repoSnapshot(join(hub, entry));
      if (!snapshot) continue;
      const files = walk(snapshot, "");
      const ggufs = files.filter((f) =>
        f.toLowerCase().endsWith(".gguf") && !isLaterSplitPart(f) && !isProjector(f)
      );
      for (const file of ggufs) {
        const quant = quantOf(file);
        const sameQuant = ggufs.filter((g) => quantOf(g) === quant).length;
        const selector = quant && sameQuant === 1 ? quant : file;
        out.push({
          name: `hf:${repo}:${selector}`,
          format: "gguf",
          path: join(snapshot, file),
          source: "HF cache",
        });
      }
      if (ggufs.length === 0 && files.includes("config.json") && hasOnnx(snapshot)) {
        out.push({ name: `hf:${repo}`, format: "onnx", path: snapshot, source: "HF cache" });
      }
    }
  }
  return out;
}

/**
 * Finds the model `name` refers to: an `hf:` reference or `owner/repo[:sel]` (from the cache),
 * a path to a GGUF file or model folder, or a name from {@link findLocalModels}.
 *
 * @throws UsageError when nothing matches (the message names `synth models list`).
 */
export function findLocalModel(
  name: string,
  options: {
    modelDirs: readonly string[];
    env: Readonly<Record<string, string | undefined>>;
    cwd: string;
  },
): LocalModel {
  const path = isAbsolute(name) ? name : resolve(options.cwd, name);
  if (existsSync(path)) {
    if (!isDir(path)) return { name, format: "gguf", path, source: "path" };
    if (existsSync(join(path, "config.json"))) {
      return { name, format: "onnx", path, source: "path" };
    }
    const ggufs = safeList(path).filter((f) => f.toLowerCase().endsWith(".gguf"));
    if (ggufs.length === 1) {
      return { name, format: "gguf", path: join(path, ggufs[0]), source: "path" };
    }
  }
  const all = findLocalModels(options.modelDirs, options.env);
  const exact = all.find((m) => m.name === name || m.name === `hf:${name}`);
  if (exact) return exact;
  if (isHfUri(name) || /^[\w.-]+\/[\w.-]+(:.+)?$/.test(name)) {
    try {
      const cached = resolveHfModel(isHfUri(name) ? name : `hf:${name}`, options.env);
      return { name, format: cached.format, path: cached.path, source: "HF cache" };
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  throw new UsageError(
    `No model "${name}" here: not a path, not in ${
      options.modelDirs.join(", ") || "models/"
    } or the Hugging Face cache (${hubCacheDir(options.env)}); see \`synth models list\``,
  );
}

/** Display path: relative to `cwd` when inside it. */
export function displayPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : path;
}

function hasOnnx(dir: string): boolean {
  return safeList(join(dir, "onnx")).some((f) => f.endsWith(".onnx")) ||
    safeList(dir).some((f) => f.endsWith(".onnx"));
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function walk(dir: string, prefix: string): string[] {
  const out: string[] = [];
  for (const entry of safeList(join(dir, prefix))) {
    const rel = prefix ? `${prefix}/${entry}` : entry;
    if (isDir(join(dir, rel))) out.push(...walk(dir, rel));
    else out.push(rel);
  }
  return out;
}
