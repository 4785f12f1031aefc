/**
 * Factory of the NATIVE engine on transformers.js (spec §16.6 NATIVE; DECISIONS compatibility
 * promise 4): loads an ONNX model folder with `@huggingface/transformers` on ONNX Runtime
 * (native, or WASM when the native library cannot load) and returns an {@link Engine} that
 * batches concurrent requests.
 *
 * Settings:
 * - model: `model.model_name` is a model folder (path, a name in `models/`, or `owner/name` in
 *   the local Hugging Face cache; see `locateModel.ts`); `model_kwargs.dtype` picks the weights
 *   (default: chosen from the files present, see `modelFolder.ts`);
 * - batch size (= `maxConcurrency`): `options.parallelSequences` (`--parallel`), else
 *   `generation.batch_size` when above 1, else `model_kwargs.batch_size`, else 4;
 * - threads: `options.threads`, else `model_kwargs.n_threads`, else cores - 1 (at least 1),
 *   never above the cores present (native back-end; WASM runs on one thread);
 * - back-end: `model_kwargs.onnx_backend` (`auto` default, `native`, `wasm`) or
 *   `SYNTH_ONNX_BACKEND`;
 * - offline: transformers.js never downloads (`allowRemoteModels` off); only
 *   `model_kwargs.allow_download: true` lets it fetch a Hugging Face model id that is not local.
 *
 * @module
 */
import { availableParallelism } from "node:os";
import { basename } from "node:path";
import type { Engine, EngineConfig, EngineFactory, EngineFactoryOptions } from "../contract.ts";
import { ConfigError, EngineError } from "../../errors.ts";
import { loadTransformers, type OnnxBackendChoice } from "../../runtime/loadTransformers.ts";
import { type CausalLm, TransformersEngine } from "./engine.ts";
import { locateNativeModel, type ModelLookup } from "./locateModel.ts";
import { notOnnx, readModelFolder } from "./modelFolder.ts";
import type { ChatTokenizer } from "./prompt.ts";
import { WarningLog } from "../../warnings.ts";

/** Requests per batch when nothing else says. */
export const DEFAULT_BATCH_SIZE = 4;

const KEY = "inference_config.model.model_name";

/**
 * Creates the NATIVE transformers.js engine.
 *
 * @throws ConfigError for a folder without `config.json`, a weights file that is not ONNX, a
 *   `model_type` transformers.js cannot generate text with, or a missing model; EngineError
 *   (`fatal`) when ONNX Runtime or the model fails to load for another reason.
 *
 * @example
 * ```ts
 * await using engine = await createTransformersEngine(
 *   { engine: "NATIVE", model: { model_name: "models/tiny-onnx" }, generation: { max_new_tokens: 16 } },
 *   { threads: 1, parallelSequences: 4 },
 * );
 * ```
 */
export const createTransformersEngine: EngineFactory = (config, options) =>
  createTransformersEngineWith(config, options, {
    configDir: options.configDir,
    modelDirs: options.modelDirs,
  });

/**
 * {@link createTransformersEngine} with an explicit model lookup (CWD, environment for the
 * Hugging Face cache), as the registry passes it.
 */
export async function createTransformersEngineWith(
  config: EngineConfig,
  options: EngineFactoryOptions,
  lookup: ModelLookup,
): Promise<Engine> {
  const warnings = new WarningLog(options.onWarning);
  const warnOnce = (key: string, message: string) => {
    warnings.add(key, message);
  };
  const modelName = config.model.model_name;
  const kwargs = (config.model.model_kwargs ?? {}) as Record<string, unknown>;
  const located = locateNativeModel(modelName, lookup);
  const allowDownload = kwargs.allow_download === true;
  if (located.runtime !== "onnx" && !allowDownload) {
    throw new ConfigError(
      `Cannot load ONNX model "${modelName}": no model folder found (${located.why})`,
      [{ path: KEY, message: `no ONNX model folder "${modelName}"` }],
    );
  }
  const dtypeKwarg = typeof kwargs.dtype === "string" ? kwargs.dtype : undefined;
  const folder = located.runtime === "onnx"
    ? readModelFolder(modelName, located.dir, dtypeKwarg)
    : undefined;
  if (config.model.adapter_model) {
    warnOnce(
      "adapter_model",
      "inference_config.model.adapter_model is ignored by NATIVE (transformers.js): adapters are not supported",
    );
  }

  const backendKwarg = kwargs.onnx_backend;
  const backend = backendKwarg === "native" || backendKwarg === "wasm" || backendKwarg === "auto"
    ? backendKwarg as OnnxBackendChoice
    : undefined;
  const loaded = await loadTransformers(backend).catch((error: unknown) => {
    throw new EngineError(`Cannot load ONNX Runtime: ${(error as Error)?.message ?? error}`, {
      fatal: true,
      cause: error,
    });
  });
  if (loaded.fallbackReason) {
    warnOnce(
      "onnx-wasm",
      `Cannot load the native ONNX Runtime (${loaded.fallbackReason}); using the WASM back-end (slower, one thread)`,
    );
  }
  const tf = loaded.transformers;
  tf.env.allowRemoteModels = allowDownload;

  const modelType = folder?.modelType;
  if (modelType !== undefined) {
    const mappings = (tf.AutoModelForCausalLM as unknown as {
      MODEL_CLASS_MAPPINGS: Map<string, unknown>[];
    }).MODEL_CLASS_MAPPINGS;
    if (!mappings.some((m) => m.has(modelType))) {
      const some = [...mappings[0].keys()].slice(0, 12).join(", ");
      throw new ConfigError(
        `Cannot load ONNX model "${modelName}": model_type "${modelType}" is not a text-generation model transformers.js supports (supported include ${some}, ...)`,
        [{ path: KEY, message: `unsupported model_type "${modelType}"` }],
      );
    }
  }

  const cores = availableParallelism();
  const threadsKwarg = typeof kwargs.n_threads === "number" ? kwargs.n_threads : undefined;
  const threads = Math.max(
    1,
    Math.min(cores, options.threads ?? threadsKwarg ?? Math.max(1, cores - 1)),
  );
  const generation = { ...(config.generation ?? {}) } as Record<string, unknown>;
  const batchSize = Math.max(
    1,
    Math.floor(
      options.parallelSequences ??
        (typeof generation.batch_size === "number" && generation.batch_size > 1
          ? generation.batch_size
          : typeof kwargs.batch_size === "number"
          ? kwargs.batch_size
          : DEFAULT_BATCH_SIZE),
    ),
  );
  const source = folder?.dir ?? modelName;
  options.onDebug?.(
    `transformers.js: ${loaded.backend} ONNX Runtime, ${threads} threads, batch ${batchSize}, ${
      folder ? `${folder.onnxPath} (dtype ${folder.dtype})` : modelName
    }`,
  );
  let model: CausalLm;
  let tokenizer: ChatTokenizer;
  try {
    tokenizer = await tf.AutoTokenizer.from_pretrained(source) as unknown as ChatTokenizer;
    model = await tf.AutoModelForCausalLM.from_pretrained(source, {
      ...(folder ? { dtype: folder.dtype as never, model_file_name: folder.fileName } : {}),
      ...(folder?.externalData ? { use_external_data_format: true } : {}),
      device: "auto" as never,
      session_options: loaded.backend === "native"
        ? { intraOpNumThreads: threads, interOpNumThreads: 1 }
        : {},
    }) as unknown as CausalLm;
  } catch (error) {
    const text = (error as Error)?.message ?? String(error);
    if (folder && /protobuf|parse|invalid model|load model|ModelProto/i.test(text)) {
      throw notOnnx(modelName, folder.onnxPath, text.split("\n")[0].slice(0, 200));
    }
    throw new EngineError(`Cannot load ONNX model "${modelName}": ${text}`, {
      fatal: true,
      cause: error,
    });
  }
  const raw = folder?.config ?? {};
  const generationConfig = (model as unknown as { generation_config?: Record<string, unknown> })
    .generation_config ?? {};
  const ids = (value: unknown): number[] =>
    (Array.isArray(value) ? value : [value]).filter((v): v is number => Number.isInteger(v));
  const tokenizerIds = tokenizer as unknown as { eos_token_id?: number; pad_token_id?: number };
  const eosTokenIds = [
    ...new Set([
      ...ids(generationConfig.eos_token_id),
      ...ids(raw.eos_token_id),
      ...ids(tokenizerIds.eos_token_id),
    ]),
  ];
  const padTokenId = [
    tokenizerIds.pad_token_id,
    generationConfig.pad_token_id,
    raw.pad_token_id,
    eosTokenIds[0],
    0,
  ].find((v): v is number => Number.isInteger(v))!;
  return new TransformersEngine({
    tf,
    model,
    tokenizer,
    modelName: `${basename(source)} (ONNX ${folder?.dtype ?? "auto"}, ${loaded.backend})`,
    engineName: (config.engine ?? "NATIVE").toUpperCase(),
    batchSize,
    eosTokenIds,
    padTokenId,
    ...(folder?.maxPositions ? { maxPositions: folder.maxPositions } : {}),
    generation: generation as never,
    warnOnce,
    onDebug: options.onDebug,
  });
}
