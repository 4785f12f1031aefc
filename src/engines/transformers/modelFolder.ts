/**
 * Checks a transformers.js model folder and picks the weights file (dtype) from the files
 * present, before anything heavy loads. Layout (runtime.md, "transformers.js"): `config.json`
 * (`model_type`, sizes), optional `generation_config.json`, `tokenizer.json` +
 * `tokenizer_config.json`, and `onnx/<base><suffix>.onnx` where `<base>` is `model` (or
 * `decoder_model_merged` in older exports) and the suffix names the dtype.
 *
 * @module
 */
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "../../errors.ts";

/** transformers.js dtype -> weights file suffix (its `DEFAULT_DTYPE_SUFFIX_MAPPING`). */
export const DTYPE_SUFFIXES: Record<string, string> = {
  fp32: "",
  fp16: "_fp16",
  int8: "_int8",
  uint8: "_uint8",
  q8: "_quantized",
  q4: "_q4",
  q4f16: "_q4f16",
  bnb4: "_bnb4",
  q2: "_q2",
  q2f16: "_q2f16",
  q1: "_q1",
  q1f16: "_q1f16",
};

/**
 * Preference when the config does not name a dtype: full precision first (fastest and exact
 * on CPU for small models), then 8-bit, then 4-bit; fp16 variants last because ONNX Runtime's
 * CPU kernels mostly upcast them.
 */
export const DTYPE_PREFERENCE = [
  "fp32",
  "q8",
  "int8",
  "uint8",
  "q4",
  "bnb4",
  "fp16",
  "q4f16",
  "q2",
  "q2f16",
  "q1",
  "q1f16",
];

/** What the factory needs to load the folder. */
export interface ModelFolder {
  dir: string;
  /** Parsed `config.json`. */
  config: Record<string, unknown>;
  modelType: string;
  dtype: string;
  /** Weights base name: `model` or `decoder_model_merged`. */
  fileName: string;
  /** Absolute path of the chosen `.onnx` file. */
  onnxPath: string;
  /** Whether `<file>.onnx_data` sits beside it (external weights). */
  externalData: boolean;
  /** Other dtypes present, for messages. */
  available: string[];
  /** Longest sequence the model handles (config), or `undefined` when it does not say. */
  maxPositions?: number;
}

const KEY = "inference_config.model.model_name";

/**
 * Reads and checks `dir`.
 *
 * @param requestedDtype `model_kwargs.dtype` when set (a transformers.js dtype name).
 * @throws ConfigError `Cannot load ONNX model "x": <dir> has no config.json ...`, for an
 *   unreadable `config.json`, a missing `model_type`, no tokenizer, no `onnx/*.onnx` file, a
 *   requested dtype whose file is absent, or a file that is not an ONNX model.
 */
export function readModelFolder(
  modelName: string,
  dir: string,
  requestedDtype?: string,
): ModelFolder {
  const fail = (state: string, short = state): never => {
    throw new ConfigError(`Cannot load ONNX model "${modelName}": ${state}`, [
      { path: KEY, message: short },
    ]);
  };
  const configPath = join(dir, "config.json");
  if (!existsSync(configPath)) {
    fail(
      `${dir} has no config.json (a transformers.js model folder needs config.json, tokenizer.json, tokenizer_config.json and onnx/model*.onnx)`,
      `no config.json in ${dir}`,
    );
  }
  let config: Record<string, unknown> = {};
  try {
    config = JSON.parse(readFileSync(configPath, "utf8"));
  } catch (error) {
    fail(
      `${configPath} is not valid JSON (${(error as Error).message})`,
      "config.json is not JSON",
    );
  }
  const modelType = config.model_type;
  if (typeof modelType !== "string" || modelType.length === 0) {
    fail(`${configPath} has no model_type`, "config.json has no model_type");
  }
  if (!existsSync(join(dir, "tokenizer.json"))) {
    fail(`${dir} has no tokenizer.json`, `no tokenizer.json in ${dir}`);
  }
  const onnxDir = join(dir, "onnx");
  const files = existsSync(onnxDir) ? readdirSync(onnxDir) : [];
  let fileName = "model";
  let available = dtypesPresent(files, fileName);
  if (available.length === 0) {
    const merged = dtypesPresent(files, "decoder_model_merged");
    if (merged.length > 0) {
      fileName = "decoder_model_merged";
      available = merged;
    }
  }
  if (available.length === 0) {
    fail(
      `${onnxDir} holds no model*.onnx file (expected e.g. onnx/model.onnx or onnx/model_quantized.onnx)`,
      "no onnx/model*.onnx file",
    );
  }
  let dtype = DTYPE_PREFERENCE.find((d) => available.includes(d))!;
  if (requestedDtype !== undefined) {
    if (!(requestedDtype in DTYPE_SUFFIXES)) {
      fail(
        `model_kwargs.dtype "${requestedDtype}" is not a transformers.js dtype (one of ${
          Object.keys(DTYPE_SUFFIXES).join(", ")
        })`,
        `unknown dtype "${requestedDtype}"`,
      );
    }
    if (!available.includes(requestedDtype)) {
      fail(
        `model_kwargs.dtype "${requestedDtype}" needs onnx/${fileName}${
          DTYPE_SUFFIXES[requestedDtype]
        }.onnx, which is not in ${onnxDir} (present: ${available.join(", ")})`,
        `no ${requestedDtype} weights`,
      );
    }
    dtype = requestedDtype;
  }
  const onnxPath = join(onnxDir, `${fileName}${DTYPE_SUFFIXES[dtype]}.onnx`);
  checkOnnxFile(modelName, onnxPath);
  const positions = [config.max_position_embeddings, config.n_positions, config.n_ctx].find(
    (v): v is number => typeof v === "number" && v > 0,
  );
  return {
    dir,
    config,
    modelType: modelType as string,
    dtype,
    fileName,
    onnxPath,
    externalData: existsSync(`${onnxPath}_data`) || existsSync(`${onnxPath}.data`),
    available,
    ...(positions ? { maxPositions: positions } : {}),
  };
}

/** dtypes whose `<base><suffix>.onnx` is among `files`. */
export function dtypesPresent(files: string[], base: string): string[] {
  const set = new Set(files);
  return Object.entries(DTYPE_SUFFIXES)
    .filter(([, suffix]) => set.has(`${base}${suffix}.onnx`))
    .map(([dtype]) => dtype);
}

/**
 * Cheap check that a file starts like a serialised ONNX `ModelProto`: its first byte is a
 * protobuf tag of a `ModelProto` field (1-20) with a valid wire type. Text, GGUF, zip and other
 * files fail it; ONNX Runtime's own parse errors are mapped to the same message later.
 */
export function checkOnnxFile(modelName: string, path: string): void {
  const head = new Uint8Array(2);
  let read = 0;
  try {
    const fd = openSync(path, "r");
    try {
      read = readSync(fd, head, 0, 2, 0);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    throw new ConfigError(
      `Cannot load ONNX model "${modelName}": cannot read ${path}: ${(error as Error).message}`,
      [{ path: KEY, message: `cannot read ${path}` }],
    );
  }
  const field = head[0] >> 3;
  const wireType = head[0] & 7;
  const plausible = read === 2 && (head[0] & 0x80) === 0 && field >= 1 && field <= 20 &&
    [0, 1, 2, 5].includes(wireType);
  if (!plausible) throw notOnnx(modelName, path);
}

/** The ConfigError for a weights file that is not an ONNX model. */
export function notOnnx(modelName: string, path: string, detail?: string): ConfigError {
  return new ConfigError(
    `Cannot load ONNX model "${modelName}": ${path} is not an ONNX model${
      detail ? ` (${detail})` : ""
    }`,
    [{ path: KEY, message: `${path} is not an ONNX model` }],
  );
}
