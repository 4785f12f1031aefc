/**
 * Factory of the LLAMACPP engine (spec §16.6): loads a GGUF model with node-llama-cpp and
 * returns an {@link Engine} with `maxConcurrency` parallel sequences.
 *
 * Settings (see {@link resolveLoadSettings}):
 * - model: `model.model_name` is a GGUF path (absolute, relative to the config's folder or the
 *   CWD), a folder holding one GGUF (or `model_kwargs.filename`), a bare name found in
 *   `options.modelDirs` (`name` or `name.gguf`), or `owner/repo` in the local Hugging Face cache;
 * - threads: `options.threads`, else `model_kwargs.n_threads`, else all cores; never above the
 *   cores present (node-llama-cpp's own default of 4 collapses speed on 2 cores);
 * - parallel sequences: `options.parallelSequences`, else `model_kwargs.n_parallel` (or
 *   `parallel`), else 4. If the context cannot be created (memory), the count is halved until it
 *   fits, with a warning;
 * - context: `model_kwargs.n_ctx`, else `model.model_max_length`, else 4096 tokens **per
 *   sequence**, capped by the model's train context;
 * - GPU: `model_kwargs.gpu` (`auto` default, `cuda`, `vulkan`, `metal`, `false`) and
 *   `n_gpu_layers` (-1 = all). llama.cpp is never built from source at run time.
 *
 * @module
 */
import type { Llama, LlamaContext, LlamaModel } from "node-llama-cpp";
import { basename } from "node:path";
import type { EngineFactory } from "../contract.ts";
import { EngineError } from "../../errors.ts";
import { loadNodeLlamaCpp, setNodeLlamaCppLogSink } from "../../runtime/loadNodeLlamaCpp.ts";
import { LlamaCppEngine, type Slot } from "./engine.ts";
import { type LoadSettings, resolveLoadSettings } from "./loadSettings.ts";
import { WarningLog } from "../../warnings.ts";

/**
 * Creates the LLAMACPP engine.
 *
 * @throws ConfigError `Cannot load model "x": no file at ... or in models/` when the model is
 *   not found or not a GGUF file; EngineError (`fatal`) when llama.cpp or the model fails to load.
 *
 * @example
 * ```ts
 * await using engine = await createLlamaCppEngine(
 *   { engine: "LLAMACPP", model: { model_name: "tiny.gguf" }, generation: { max_new_tokens: 16 } },
 *   { threads: 1, parallelSequences: 2, onWarning: console.warn },
 * );
 * const { message } = await engine.generate({ messages: [{ role: "user", content: "Hi" }] });
 * ```
 */
export const createLlamaCppEngine: EngineFactory = async (config, options) => {
  const warnings = new WarningLog(options.onWarning);
  const warnOnce = (key: string, message: string) => {
    warnings.add(key, message);
  };
  const debug = options.onDebug;

  const settings = resolveLoadSettings(config, options);
  for (const warning of settings.warnings) warnOnce(warning, warning);
  if (config.model.adapter_model) {
    warnOnce(
      "adapter_model",
      "inference_config.model.adapter_model is ignored by LLAMACPP: LoRA adapters are not supported yet",
    );
  }

  const nlc = await loadNodeLlamaCpp().catch((error: unknown) => {
    throw new EngineError(`Cannot load llama.cpp: ${(error as Error)?.message ?? String(error)}`, {
      fatal: true,
      cause: error,
    });
  });
  const previousSink = setNodeLlamaCppLogSink((message) => debug?.(message));

  let llama: Llama | undefined;
  let model: LlamaModel | undefined;
  let context: LlamaContext | undefined;
  try {
    llama = await startLlama(nlc, settings, warnOnce, debug);
    debug?.(
      `llama.cpp: gpu=${String(llama.gpu)}, threads=${settings.threads}, build=${llama.buildType}`,
    );
    model = await llama.loadModel({
      modelPath: settings.modelPath,
      gpuLayers: settings.gpuLayers,
      useMmap: settings.useMmap,
      useMlock: settings.useMlock,
    }).catch((error: unknown) => {
      throw new EngineError(
        `Cannot load model "${config.model.model_name}": ${
          (error as Error)?.message ?? String(error)
        }`,
        { fatal: true, cause: error },
      );
    });
    const contextSize = Math.min(
      settings.contextSize,
      model.trainContextSize || settings.contextSize,
    );
    if (contextSize < settings.contextSize) {
      debug?.(
        `Context size ${settings.contextSize} capped to the model's train context ${contextSize}`,
      );
    }
    context = await createContext(model, settings, contextSize, warnOnce);
    // Resolving the chat template takes ~0.2 s: do it once and share the wrapper.
    const chatWrapper = nlc.resolveChatWrapper(model);
    const slots: Slot[] = [];
    for (let i = 0; i < context.totalSequences; i++) {
      const sequence = context.getSequence();
      slots.push({ sequence, chat: new nlc.LlamaChat({ contextSequence: sequence, chatWrapper }) });
    }
    debug?.(
      `Loaded ${
        basename(settings.modelPath)
      }: ${slots.length} sequences x ${context.contextSize} tokens, chat template ${
        slots[0].chat.chatWrapper.wrapperName
      }`,
    );
    return new LlamaCppEngine({
      nlc,
      llama,
      model,
      context,
      slots,
      modelName: basename(settings.modelPath),
      generation: { ...(config.generation ?? {}) },
      warnOnce,
      onDebug: debug,
      onDisposed: () => setNodeLlamaCppLogSink(previousSink),
    });
  } catch (error) {
    await context?.dispose().catch(() => undefined);
    await model?.dispose().catch(() => undefined);
    await llama?.dispose().catch(() => undefined);
    setNodeLlamaCppLogSink(previousSink);
    if (error instanceof EngineError) throw error;
    throw new EngineError(`Cannot start LLAMACPP: ${(error as Error)?.message ?? String(error)}`, {
      fatal: true,
      cause: error,
    });
  }
};

/** getLlama with a prebuilt binary only; an unavailable explicit GPU falls back to the CPU. */
async function startLlama(
  nlc: Awaited<ReturnType<typeof loadNodeLlamaCpp>>,
  settings: LoadSettings,
  warnOnce: (key: string, message: string) => void,
  debug: ((message: string) => void) | undefined,
): Promise<Llama> {
  const open = (gpu: LoadSettings["gpu"]) =>
    nlc.getLlama({
      build: "never",
      gpu,
      maxThreads: settings.threads,
      skipDownload: true,
      progressLogs: false,
      logLevel: debug ? nlc.LlamaLogLevel.info : nlc.LlamaLogLevel.warn,
      logger: (level, message) => {
        const text = message.trimEnd();
        if (text) debug?.(`llama.cpp ${level}: ${text}`);
      },
    });
  try {
    return await open(settings.gpu);
  } catch (error) {
    if (settings.gpu === false) {
      throw new EngineError(
        `Cannot load llama.cpp: ${(error as Error)?.message ?? String(error)}`,
        {
          fatal: true,
          cause: error,
        },
      );
    }
    warnOnce(
      "gpu",
      `Cannot use GPU "${String(settings.gpu)}" with LLAMACPP: ${
        (error as Error)?.message ?? String(error)
      }; using the CPU`,
    );
    return await open(false);
  }
}

/** Creates the context, halving the sequence count while memory is short. */
async function createContext(
  model: LlamaModel,
  settings: LoadSettings,
  contextSize: number,
  warnOnce: (key: string, message: string) => void,
): Promise<LlamaContext> {
  let sequences = settings.sequences;
  for (;;) {
    try {
      return await model.createContext({
        contextSize,
        sequences,
        threads: settings.threads,
        batchSize: settings.batchSize,
        flashAttention: settings.flashAttention,
      });
    } catch (error) {
      if (sequences <= 1) {
        throw new EngineError(
          `Cannot create a llama.cpp context of ${contextSize} tokens: ${
            (error as Error)?.message ?? String(error)
          }`,
          { fatal: true, cause: error },
        );
      }
      const next = Math.max(1, Math.floor(sequences / 2));
      warnOnce(
        "sequences",
        `Cannot create ${sequences} parallel sequences of ${contextSize} tokens: ${
          (error as Error)?.message ?? String(error)
        }; trying ${next}`,
      );
      sequences = next;
    }
  }
}
