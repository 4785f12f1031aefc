/**
 * Maps oumi engine names (spec §2.1, §16) to adapters. Adapters are loaded with literal
 * dynamic imports only when a run needs them, so `synth --help`, `synth validate` and a run
 * on a remote engine never load native code (style: heavy engines load lazily).
 *
 * @module
 */
import { ConfigError } from "../errors.ts";
import type { Engine, EngineConfig } from "./contract.ts";
import type { RemoteFactoryOptions } from "./remote/options.ts";
import { providerOf } from "./remote/providers.ts";
import { locateNativeModel, type ModelLookup } from "./transformers/locateModel.ts";

/** Which adapter serves a config, decided without loading it. */
export interface EngineChoice {
  /** The oumi engine name as configured (`NATIVE` when unset, §16.1). */
  engine: string;
  /** Adapter id (`llamacpp`, `transformers`, ...) or `null` when this build cannot run the engine yet. */
  adapter: "llamacpp" | "transformers" | "openai" | "anthropic" | null;
  /** One line for `synth validate`: what will run and why. */
  description: string;
}

/**
 * Decides which adapter runs `config` (§16.6, DECISIONS compat 4): `LLAMACPP` always runs on
 * llama.cpp; `NATIVE`/`NATIVE_TEXT` run an ONNX model folder (a folder with `config.json` /
 * `onnx/`, found as a path, in `models/` or in the local Hugging Face cache; see
 * `transformers/locateModel.ts`) on transformers.js, and anything else (a `.gguf` file, a folder
 * with a GGUF, a name not found) on llama.cpp. Only the file system is read; nothing is loaded.
 * Remote engines (§16.2-§16.5) map to the OpenAI-compatible or the Anthropic adapter by their
 * provider's protocol; GOOGLE_VERTEX and BEDROCK report `adapter: null`.
 *
 * @param lookup where relative and bare model names are searched (the config's folder,
 *   `models/` folders, CWD, environment for the Hugging Face cache).
 */
export function chooseEngine(config: EngineConfig, lookup: ModelLookup = {}): EngineChoice {
  const engine = (config.engine ?? "NATIVE").toUpperCase();
  const model = config.model.model_name;
  if (engine === "LLAMACPP") {
    return { engine, adapter: "llamacpp", description: `llama.cpp (GGUF) model "${model}"` };
  }
  if (engine === "NATIVE" || engine === "NATIVE_TEXT") {
    const located = locateNativeModel(model, lookup);
    if (located.runtime === "onnx") {
      return {
        engine,
        adapter: "transformers",
        description:
          `transformers.js (ONNX Runtime) model "${model}" (${engine} runs ONNX model folders on transformers.js: ${located.why})`,
      };
    }
    return {
      engine,
      adapter: "llamacpp",
      description:
        `llama.cpp (GGUF) model "${model}" (${engine} runs GGUF files on llama.cpp: ${located.why})`,
    };
  }
  const provider = providerOf(engine);
  if (provider) {
    const rp = config.remote_params as { api_url?: unknown } | null | undefined;
    const urls = [rp?.api_url ?? provider.defaultUrl].flat().filter(Boolean);
    const where = urls.length ? ` at ${urls.join(", ")}` : " (remote_params.api_url is required)";
    return {
      engine,
      adapter: provider.protocol === "anthropic" ? "anthropic" : "openai",
      description: `${engine} model "${model}"${where}`,
    };
  }
  return {
    engine,
    adapter: null,
    description: `${engine}: not supported in this build; use LLAMACPP with a GGUF file, ` +
      "an OpenAI-compatible server (REMOTE) or a provider engine",
  };
}

/**
 * Creates the engine for `config`, importing its adapter on first use. `options.lookup` adds
 * the CWD and environment used to find local models (default: the process's).
 *
 * @throws {ConfigError} when the engine is not supported by this build.
 * @throws whatever the adapter throws for a bad model (a `ConfigError` naming the paths tried).
 */
export async function createEngine(
  config: EngineConfig,
  options: RemoteFactoryOptions & { lookup?: Pick<ModelLookup, "cwd" | "env"> } = {},
): Promise<Engine> {
  const { lookup: where, ...factoryOptions } = options;
  const lookup: ModelLookup = {
    configDir: options.configDir,
    modelDirs: options.modelDirs,
    ...where,
  };
  const choice = chooseEngine(config, lookup);
  switch (choice.adapter) {
    case "llamacpp": {
      const { createLlamaCppEngine } = await import("./llamacpp/index.ts");
      return await createLlamaCppEngine(config, factoryOptions);
    }
    case "transformers": {
      const { createTransformersEngineWith } = await import("./transformers/index.ts");
      return await createTransformersEngineWith(config, factoryOptions, lookup);
    }
    case "openai": {
      const { createOpenAIEngine } = await import("./openai/index.ts");
      return await createOpenAIEngine(config, factoryOptions);
    }
    case "anthropic": {
      const { createAnthropicEngine } = await import("./anthropic/index.ts");
      return await createAnthropicEngine(config, factoryOptions);
    }
    default:
      throw new ConfigError(`Cannot create engine ${choice.engine}: ${choice.description}`, [
        { path: "inference_config.engine", message: choice.description },
      ]);
  }
}
