/**
 * Finds the GGUF file an oumi `model.model_name` refers to, for the LLAMACPP engine
 * (DECISIONS.md compatibility promise 4: a file path, a folder, a name in `models/`, or a
 * model in the local Hugging Face cache).
 *
 * @module
 */
import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { basename, isAbsolute, join, resolve } from "node:path";
import { ConfigError } from "../../errors.ts";
import { huggingFaceSnapshot, resolveHfModel } from "../modelCache.ts";

/** Options of {@link resolveModelPath}. */
export interface ResolveModelOptions {
  /** Folder of the config file; relative paths resolve here first. */
  configDir?: string;
  /** Current directory for the second try. @default process.cwd() */
  cwd?: string;
  /** `models/` folders searched for bare names (`name` or `name.gguf`), in order. */
  modelDirs?: string[];
  /**
   * oumi's `model_kwargs.filename`: a glob (`*` and `?`) choosing the GGUF inside a folder or
   * a Hugging Face repository (oumi's default is `*q8_0.gguf`). Without it a folder must hold
   * exactly one `.gguf` file.
   */
  filename?: string;
  /** Environment for the Hugging Face cache location. @default process.env */
  env?: Record<string, string | undefined>;
}

const MODEL_KEY = "inference_config.model.model_name";

/**
 * Resolves `modelName` to an absolute GGUF path. Order: absolute path; relative to
 * `configDir`; relative to the CWD; for a bare name each `modelDirs` entry (`name`, then
 * `name.gguf`); for `owner/repo` the Hugging Face cache (the one `synth models pull` writes to,
 * see `engines/modelCache.ts`; snapshot of `refs/main`). A folder is searched for `.gguf` files.
 * `hf:owner/repo[:quant or file]` resolves from the cache only (`resolveHfModel`).
 *
 * @returns the absolute path of an existing file that starts with the GGUF magic.
 * @throws ConfigError `Cannot load model "x": no file at <paths> or in models/ (<dirs>)` when
 *   nothing matches, or `...: not a GGUF file` / `...: <n> GGUF files in <dir>, set
 *   model_kwargs.filename` when the match is unusable; ModelNotCachedError (a ConfigError naming
 *   `synth models pull`) for an `hf:` model that is not cached.
 */
export function resolveModelPath(modelName: string, options: ResolveModelOptions = {}): string {
  if (modelName.startsWith("hf:")) {
    const cached = resolveHfModel(modelName, options.env ?? process.env);
    if (cached.format !== "gguf") {
      throw new ConfigError(
        `Cannot load model "${modelName}": it is an ONNX model folder (${cached.path}); LLAMACPP needs a GGUF model, use engine NATIVE`,
        [{ path: MODEL_KEY, message: "an ONNX model, not GGUF" }],
      );
    }
    return checkGguf(modelName, cached.path);
  }
  const cwd = options.cwd ?? process.cwd();
  const tried: string[] = [];
  const candidates: string[] = [];
  const expanded = modelName.startsWith("~/") ? join(homedir(), modelName.slice(2)) : modelName;
  if (isAbsolute(expanded)) {
    candidates.push(expanded);
  } else {
    if (options.configDir) candidates.push(resolve(options.configDir, expanded));
    candidates.push(resolve(cwd, expanded));
  }
  for (const candidate of unique(candidates)) {
    tried.push(candidate);
    if (existsSync(candidate)) {
      return checkGguf(modelName, pickFile(modelName, candidate, options.filename));
    }
  }

  const isBare = !/[\\/]/.test(modelName) && !isAbsolute(expanded);
  const modelDirs = options.modelDirs ?? [];
  if (isBare) {
    for (const dir of modelDirs) {
      for (
        const name of modelName.endsWith(".gguf") ? [modelName] : [modelName, `${modelName}.gguf`]
      ) {
        const candidate = resolve(dir, name);
        if (existsSync(candidate)) {
          return checkGguf(modelName, pickFile(modelName, candidate, options.filename));
        }
      }
    }
  }

  const hubRepo = /^[\w.-]+\/[\w.-]+$/.test(modelName) ? modelName : undefined;
  if (hubRepo) {
    const snapshot = huggingFaceSnapshot(hubRepo, options.env ?? process.env);
    if (snapshot) {
      return checkGguf(modelName, pickFile(modelName, snapshot, options.filename ?? "*q8_0.gguf"));
    }
  }

  const dirsText = isBare && modelDirs.length > 0 ? ` (${modelDirs.join(", ")})` : "";
  const hubText = hubRepo ? " or in the Hugging Face cache" : "";
  throw new ConfigError(
    `Cannot load model "${modelName}": no file at ${
      tried.join(", ")
    } or in models/${dirsText}${hubText}`,
    [{ path: MODEL_KEY, message: `no GGUF model "${modelName}" found` }],
  );
}

/** A file is returned as is; in a folder, the `.gguf` file matching `filename` (or the only one). */
function pickFile(modelName: string, path: string, filename: string | undefined): string {
  if (!statSync(path).isDirectory()) return path;
  const all = readdirSync(path).filter((name) => name.toLowerCase().endsWith(".gguf")).sort();
  const pattern = filename ? globToRegExp(filename) : undefined;
  const matches = pattern ? all.filter((name) => pattern.test(name)) : all;
  if (matches.length === 1) return join(path, matches[0]);
  const what = pattern ? `matching "${filename}"` : "";
  if (matches.length === 0) {
    throw new ConfigError(
      `Cannot load model "${modelName}": no GGUF file ${what} in ${path}`.replace("  ", " "),
      [
        { path: MODEL_KEY, message: `no GGUF file in ${path}` },
      ],
    );
  }
  // Split models (`-00001-of-00003.gguf`): llama.cpp loads the rest from the first part.
  const firstParts = matches.filter((name) => /-00001-of-\d{5}\.gguf$/i.test(name));
  if (firstParts.length === 1) return join(path, firstParts[0]);
  throw new ConfigError(
    `Cannot load model "${modelName}": ${matches.length} GGUF files ${what} in ${path}, set inference_config.model.model_kwargs.filename`
      .replace("  ", " "),
    [{ path: MODEL_KEY, message: `several GGUF files in ${path}: ${matches.join(", ")}` }],
  );
}

function checkGguf(modelName: string, path: string): string {
  let magic = "";
  try {
    const fd = openSync(path, "r");
    try {
      const buffer = new Uint8Array(4);
      readSync(fd, buffer, 0, 4, 0);
      magic = new TextDecoder().decode(buffer);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    throw new ConfigError(
      `Cannot load model "${modelName}": cannot read ${path}: ${(error as Error).message}`,
      [
        { path: MODEL_KEY, message: `cannot read ${basename(path)}` },
      ],
    );
  }
  if (magic !== "GGUF") {
    throw new ConfigError(`Cannot load model "${modelName}": ${path} is not a GGUF file`, [
      { path: MODEL_KEY, message: `${basename(path)} is not a GGUF file` },
    ]);
  }
  return path;
}

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${body}$`, "i");
}

function unique(items: string[]): string[] {
  return [...new Set(items)];
}
