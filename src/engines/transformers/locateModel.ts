/**
 * Decides, without loading anything, whether a `NATIVE`/`NATIVE_TEXT` `model_name` is an ONNX
 * model folder (transformers.js) or a GGUF model (llama.cpp), and checks an ONNX folder's files
 * (DECISIONS.md compatibility promise 4; README "Models and engines").
 *
 * Lookup order for `model_name`: an absolute path; relative to the config's folder; relative to
 * the CWD; a bare name in each `models/` folder; `owner/name` in the local Hugging Face cache
 * (the one `synth models pull` writes to, see `engines/modelCache.ts`:
 * `models--owner--name/snapshots/<rev>`, the revision of `refs/main` first).
 * A folder is ONNX when it holds no `.gguf` file and has `config.json`, an `onnx/` folder or
 * `.onnx` files; a folder holding only other files is ONNX too, so that the factory can say
 * that `config.json` is missing.
 *
 * @module
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { huggingFaceSnapshot, ModelNotCachedError, resolveHfModel } from "../modelCache.ts";

/** Where to look for a model. */
export interface ModelLookup {
  configDir?: string;
  /** @default process.cwd() */
  cwd?: string;
  modelDirs?: string[];
  /** For the Hugging Face cache location. @default process.env */
  env?: Record<string, string | undefined>;
}

/** What a `model_name` refers to. */
export type LocatedModel =
  | { runtime: "onnx"; dir: string; why: string }
  | { runtime: "gguf"; why: string };

/**
 * Classifies `modelName` for `NATIVE`/`NATIVE_TEXT`.
 *
 * @returns `onnx` with the absolute folder, or `gguf` (also when nothing is found: the llama.cpp
 *   adapter then reports the paths it tried, as before ONNX support).
 */
export function locateNativeModel(modelName: string, lookup: ModelLookup = {}): LocatedModel {
  if (modelName.startsWith("hf:")) {
    try {
      const cached = resolveHfModel(modelName, lookup.env ?? process.env);
      return cached.format === "onnx"
        ? { runtime: "onnx", dir: cached.path, why: `an ONNX model in the Hugging Face cache` }
        : { runtime: "gguf", why: `a GGUF model in the Hugging Face cache (${cached.path})` };
    } catch (error) {
      // Not cached: llama.cpp's resolver reports it with the pull command.
      if (error instanceof ModelNotCachedError) {
        return { runtime: "gguf", why: "an hf: model that is not in the cache" };
      }
      throw error;
    }
  }
  if (/\.gguf$/i.test(modelName)) return { runtime: "gguf", why: "the name ends in .gguf" };
  for (const path of candidatePaths(modelName, lookup)) {
    if (!existsSync(path)) continue;
    if (!statSync(path).isDirectory()) {
      return { runtime: "gguf", why: "a file (ONNX models are folders)" };
    }
    return classifyFolder(path);
  }
  if (/^[\w.-]+\/[\w.-]+$/.test(modelName)) {
    const snapshot = huggingFaceSnapshot(modelName, lookup.env ?? process.env);
    if (snapshot) return classifyFolder(snapshot, "in the Hugging Face cache");
  }
  return { runtime: "gguf", why: "no ONNX model folder of that name was found" };
}

function classifyFolder(dir: string, where = ""): LocatedModel {
  const names = readdirSync(dir);
  const suffix = where ? ` ${where} (${dir})` : "";
  if (names.some((n) => n.toLowerCase().endsWith(".gguf"))) {
    return { runtime: "gguf", why: `a folder${suffix} holding a GGUF file` };
  }
  const has = names.includes("config.json")
    ? "config.json"
    : names.includes("onnx")
    ? "an onnx/ folder"
    : "no GGUF file";
  return { runtime: "onnx", dir, why: `a model folder${suffix} with ${has}` };
}

function candidatePaths(modelName: string, lookup: ModelLookup): string[] {
  const expanded = modelName.startsWith("~/") ? join(homedir(), modelName.slice(2)) : modelName;
  const out: string[] = [];
  if (isAbsolute(expanded)) return [expanded];
  if (lookup.configDir) out.push(resolve(lookup.configDir, expanded));
  out.push(resolve(lookup.cwd ?? process.cwd(), expanded));
  if (!/[\\/]/.test(modelName)) {
    for (const dir of lookup.modelDirs ?? []) out.push(resolve(dir, modelName));
  }
  return [...new Set(out)];
}
