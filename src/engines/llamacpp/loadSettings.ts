/**
 * Resolves how the LLAMACPP engine loads its model: file, threads, parallel sequences,
 * context size and GPU use, from `inference_config.model` (spec §16.1: `model_max_length`,
 * `model_kwargs` with llama-cpp-python's names) and the factory options.
 *
 * @module
 */
import { availableParallelism } from "node:os";
import type { EngineConfig, EngineFactoryOptions } from "../contract.ts";
import { resolveModelPath } from "./resolveModelPath.ts";

/** Parallel sequences when neither the options nor `model_kwargs.n_parallel` say. */
export const DEFAULT_PARALLEL_SEQUENCES = 4;
/** Context size per sequence when `model_max_length` is unset (oumi's LLAMACPP default). */
export const DEFAULT_CONTEXT_SIZE = 4096;

/** GPU back-ends node-llama-cpp can use; `false` = CPU only. */
export type GpuChoice = "auto" | "cuda" | "vulkan" | "metal" | false;

/** Everything needed to load the model and create its context. */
export interface LoadSettings {
  /** Absolute GGUF path. */
  modelPath: string;
  /** CPU threads, 1..cores. */
  threads: number;
  /** Requested parallel sequences (the engine may get fewer when memory is short). */
  sequences: number;
  /** Requested context size per sequence, in tokens; capped later by the model's train context. */
  contextSize: number;
  gpu: GpuChoice;
  /** Layers to offload: llama-cpp-python's `n_gpu_layers` (-1 = all). */
  gpuLayers: "auto" | "max" | number;
  /** Prompt-processing batch size in tokens (`n_batch`), when set. */
  batchSize?: number;
  flashAttention?: boolean;
  useMmap?: boolean;
  useMlock?: boolean;
  /**
   * Keep each sequence's KV cache between requests and reuse the longest common token prefix
   * (`model_kwargs.cache_prompt`, llama.cpp server's name; default `true`).
   */
  cachePrompt: boolean;
  /** Problems worth one warning each (unknown `model_kwargs`, thread cap, ...). */
  warnings: string[];
}

/** `model_kwargs` keys this engine reads. */
const KNOWN_KWARGS = new Set([
  "filename",
  "n_gpu_layers",
  "n_threads",
  "n_threads_batch",
  "n_ctx",
  "n_batch",
  "n_parallel",
  "parallel",
  "flash_attn",
  "use_mmap",
  "use_mlock",
  "gpu",
  "verbose",
  "allow_download",
  "cache_prompt",
]);

/**
 * Computes {@link LoadSettings}. Precedence: factory options, then `model_kwargs`, then
 * `model_max_length`, then defaults. Threads default to the cores present
 * (`os.availableParallelism()`) minus one (at least 1) and are never above them. Sequences default to
 * {@link DEFAULT_PARALLEL_SEQUENCES}; the context size is per sequence.
 *
 * @throws ConfigError from {@link resolveModelPath} when the model cannot be found.
 */
export function resolveLoadSettings(
  config: EngineConfig,
  options: EngineFactoryOptions,
): LoadSettings {
  const warnings: string[] = [];
  const kwargs = (config.model.model_kwargs ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(kwargs)) {
    if (!KNOWN_KWARGS.has(key)) {
      warnings.push(
        `inference_config.model.model_kwargs.${key} is ignored by LLAMACPP: unknown setting`,
      );
    }
  }

  const modelPath = resolveModelPath(config.model.model_name, {
    configDir: options.configDir,
    modelDirs: options.modelDirs,
    filename: typeof kwargs.filename === "string" ? kwargs.filename : undefined,
    env: (options as { env?: Record<string, string | undefined> }).env,
  });

  const cores = Math.max(1, availableParallelism());
  // Default: one core is left to the JavaScript thread that feeds llama.cpp; measured on 2 cores,
  // 2 threads and 1 sequence collapsed to 125-725 tok/s against ~980 tok/s with 1 thread.
  const defaultThreads = Math.max(1, cores - 1);
  const requestedThreads = positiveInt(options.threads) ?? positiveInt(kwargs.n_threads) ??
    defaultThreads;
  if (requestedThreads > cores) {
    warnings.push(
      `Using ${cores} threads instead of ${requestedThreads}: only ${cores} cores are present`,
    );
  }

  const sequences = positiveInt(options.parallelSequences) ?? positiveInt(kwargs.n_parallel) ??
    positiveInt(kwargs.parallel) ?? DEFAULT_PARALLEL_SEQUENCES;
  const contextSize = positiveInt(kwargs.n_ctx) ?? positiveInt(config.model.model_max_length) ??
    DEFAULT_CONTEXT_SIZE;

  const layers = kwargs.n_gpu_layers;
  const gpuLayers: LoadSettings["gpuLayers"] =
    typeof layers === "number" && Number.isInteger(layers) ? (layers < 0 ? "max" : layers) : "auto";
  let gpu: GpuChoice = "auto";
  const gpuKwarg = kwargs.gpu;
  if (gpuKwarg === false || gpuKwarg === "false" || gpuKwarg === "cpu" || gpuKwarg === "none") {
    gpu = false;
  } else if (
    gpuKwarg === "cuda" || gpuKwarg === "vulkan" || gpuKwarg === "metal" || gpuKwarg === "auto"
  ) gpu = gpuKwarg;
  else if (gpuKwarg != null) {
    warnings.push(
      `inference_config.model.model_kwargs.gpu "${
        String(gpuKwarg)
      }" is not one of auto, cuda, vulkan, metal, false: using auto`,
    );
  }
  if (gpuKwarg == null && gpuLayers === 0) gpu = false;

  return {
    modelPath,
    threads: Math.min(requestedThreads, cores),
    sequences,
    contextSize,
    gpu,
    gpuLayers,
    batchSize: positiveInt(kwargs.n_batch),
    flashAttention: typeof kwargs.flash_attn === "boolean" ? kwargs.flash_attn : undefined,
    useMmap: typeof kwargs.use_mmap === "boolean" ? kwargs.use_mmap : undefined,
    useMlock: typeof kwargs.use_mlock === "boolean" ? kwargs.use_mlock : undefined,
    cachePrompt: kwargs.cache_prompt !== false,
    warnings,
  };
}

function positiveInt(value: unknown): number | undefined {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  return typeof n === "number" && Number.isInteger(n) && n >= 1 ? n : undefined;
}
