/**
 * Facts about one local model for `synth models list` / `inspect`: a GGUF file (its header,
 * read with node-llama-cpp's `readGgufFileInfo`, tensors not read) or an ONNX model folder
 * (`config.json`, `tokenizer_config.json`, the `onnx/` weights present).
 *
 * @module
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { quantOf } from "../engines/hfModelRef.ts";
import { DTYPE_SUFFIXES } from "../engines/transformers/modelFolder.ts";
import { loadNodeLlamaCpp } from "../runtime/loadNodeLlamaCpp.ts";

/** What `list` shows for a model. */
export interface ModelFacts {
  format: "gguf" | "onnx";
  /** Bytes on disk (all split parts; a folder's files). */
  size: number;
  /** GGUF quantisation (`Q4_K_M`) or ONNX dtypes present (`fp32, q4`). */
  quantisation?: string;
  /** `general.architecture` / `config.json` `model_type`. */
  architecture?: string;
  /** Trained context length in tokens. */
  contextLength?: number;
  /** Whether the model carries a chat template. */
  chatTemplate: boolean;
  /** `general.name` of a GGUF. */
  modelName?: string;
  /** Everything else `inspect` prints: GGUF metadata (long arrays summarised), ONNX config. */
  metadata: Record<string, unknown>;
}

/**
 * Reads the facts of a GGUF file.
 *
 * @throws Error when the file is not a readable GGUF (node-llama-cpp's message).
 */
export async function describeGguf(path: string): Promise<ModelFacts> {
  const nlc = await loadNodeLlamaCpp();
  const info = await nlc.readGgufFileInfo(path, {
    readTensorInfo: false,
    sourceType: "filesystem",
    logWarnings: false,
  });
  const flat = flatten(info.metadata as unknown as Record<string, unknown>);
  const arch = typeof flat["general.architecture"] === "string"
    ? flat["general.architecture"] as string
    : undefined;
  const ctx = arch ? flat[`${arch}.context_length`] : undefined;
  const fileType = flat["general.file_type"];
  const typeName = typeof fileType === "number"
    ? (nlc.GgufFileType as unknown as Record<number, string>)[fileType]
    : undefined;
  const quant = quantOf(path) ??
    typeName?.replace(/^(MOSTLY|ALL)_/, "");
  const size = splitParts(path).reduce((sum, p) => sum + statSync(p).size, 0);
  return {
    format: "gguf",
    size,
    ...(quant ? { quantisation: quant } : {}),
    ...(arch ? { architecture: arch } : {}),
    ...(typeof ctx === "number" ? { contextLength: ctx } : {}),
    chatTemplate: typeof flat["tokenizer.chat_template"] === "string",
    ...(typeof flat["general.name"] === "string" ? { modelName: flat["general.name"] } : {}),
    metadata: flat,
  };
}

/**
 * Reads the facts of an ONNX model folder (transformers.js layout).
 *
 * @throws Error when `config.json` is missing or not JSON.
 */
export function describeOnnx(dir: string): ModelFacts {
  const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as Record<
    string,
    unknown
  >;
  let tokenizerConfig: Record<string, unknown> = {};
  try {
    tokenizerConfig = JSON.parse(readFileSync(join(dir, "tokenizer_config.json"), "utf8"));
  } catch {
    // No tokenizer config: no template from it.
  }
  const onnxDir = join(dir, "onnx");
  const weights = existsSync(onnxDir)
    ? readdirSync(onnxDir).filter((f) => f.endsWith(".onnx"))
    : readdirSync(dir).filter((f) => f.endsWith(".onnx"));
  const dtypes = new Set<string>();
  for (const file of weights) {
    const stem = file.replace(/\.onnx$/, "").replace(/^(model|decoder_model_merged)/, "");
    const hit = Object.entries(DTYPE_SUFFIXES).find(([, s]) => s === stem);
    if (hit) dtypes.add(hit[0]);
  }
  const ctx = [config.max_position_embeddings, config.n_positions, config.n_ctx].find((v) =>
    typeof v === "number"
  ) as number | undefined;
  return {
    format: "onnx",
    size: folderSize(dir),
    ...(dtypes.size ? { quantisation: [...dtypes].sort().join(", ") } : {}),
    ...(typeof config.model_type === "string" ? { architecture: config.model_type } : {}),
    ...(ctx !== undefined ? { contextLength: ctx } : {}),
    chatTemplate: typeof tokenizerConfig.chat_template === "string" ||
      Array.isArray(tokenizerConfig.chat_template) ||
      existsSync(join(dir, "chat_template.jinja")),
    metadata: { config, weights: weights.sort() },
  };
}

/** The parts of a split GGUF (`-00001-of-00003.gguf`) that exist, or just `path`. */
function splitParts(path: string): string[] {
  const m = path.match(/^(.*)-00001-of-(\d{5})\.gguf$/i);
  if (!m) return [path];
  const count = Number(m[2]);
  const parts: string[] = [];
  for (let i = 1; i <= count; i++) {
    const part = `${m[1]}-${String(i).padStart(5, "0")}-of-${m[2]}.gguf`;
    if (existsSync(part)) parts.push(part);
  }
  return parts;
}

/** Total bytes of the files under `dir` (symlinks followed). */
export function folderSize(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir)) {
    const full = join(dir, entry);
    const st = statSync(full);
    total += st.isDirectory() ? folderSize(full) : st.size;
  }
  return total;
}

/** Nested GGUF metadata as dotted keys; arrays longer than 16 items become `[n items]`. */
function flatten(value: Record<string, unknown>, prefix = ""): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (Array.isArray(v) || ArrayBuffer.isView(v)) {
      const items = v as ArrayLike<unknown>;
      out[name] = items.length > 16 ? `[${items.length} items]` : Array.from(items);
    } else if (v !== null && typeof v === "object") {
      Object.assign(out, flatten(v as Record<string, unknown>, name));
    } else out[name] = typeof v === "bigint" ? Number(v) : v;
  }
  return out;
}
