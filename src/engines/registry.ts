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

/** Which adapter serves a config, decided without loading it. */
export interface EngineChoice {
  /** The oumi engine name as configured (`NATIVE` when unset, §16.1). */
  engine: string;
  /** Adapter id (`llamacpp`, ...) or `null` when this build cannot run the engine yet. */
  adapter: "llamacpp" | "openai" | "anthropic" | null;
  /** One line for `synth validate`: what will run and why. */
  description: string;
}

/** True when `modelName` names a GGUF file (by extension). */
function looksLikeGguf(modelName: string): boolean {
  return /\.gguf$/i.test(modelName);
}

/**
 * Decides which adapter runs `config` (§16.6, DECISIONS compat 4): `LLAMACPP` always runs on
 * llama.cpp; `NATIVE`/`NATIVE_TEXT` run on llama.cpp when `model_name` is a GGUF file or a
 * name in `models/` (ONNX folders arrive with the transformers.js engine). Remote engines
 * (§16.2-§16.5) map to the OpenAI-compatible or the Anthropic adapter by their provider's
 * protocol; GOOGLE_VERTEX and BEDROCK report `adapter: null`.
 */
export function chooseEngine(config: EngineConfig): EngineChoice {
  const engine = (config.engine ?? "NATIVE").toUpperCase();
  const model = config.model.model_name;
  if (engine === "LLAMACPP") {
    return { engine, adapter: "llamacpp", description: `llama.cpp (GGUF) model "${model}"` };
  }
  if (engine === "NATIVE" || engine === "NATIVE_TEXT") {
    if (looksLikeGguf(model) || !/[\\/]/.test(model)) {
      return {
        engine,
        adapter: "llamacpp",
        description: `llama.cpp (GGUF) model "${model}" (${engine} runs GGUF files on llama.cpp)`,
      };
    }
    return {
      engine,
      adapter: null,
      description:
        `${engine} with "${model}": not supported yet (ONNX model folders need the transformers.js engine; use a GGUF file)`,
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
 * Creates the engine for `config`, importing its adapter on first use.
 *
 * @throws {ConfigError} when the engine is not supported by this build.
 * @throws whatever the adapter throws for a bad model (a `ConfigError` naming the paths tried).
 */
export async function createEngine(
  config: EngineConfig,
  options: RemoteFactoryOptions = {},
): Promise<Engine> {
  const choice = chooseEngine(config);
  switch (choice.adapter) {
    case "llamacpp": {
      const { createLlamaCppEngine } = await import("./llamacpp/index.ts");
      return await createLlamaCppEngine(config, options);
    }
    case "openai": {
      const { createOpenAIEngine } = await import("./openai/index.ts");
      return await createOpenAIEngine(config, options);
    }
    case "anthropic": {
      const { createAnthropicEngine } = await import("./anthropic/index.ts");
      return await createAnthropicEngine(config, options);
    }
    default:
      throw new ConfigError(`Cannot create engine ${choice.engine}: ${choice.description}`, [
        { path: "inference_config.engine", message: choice.description },
      ]);
  }
}
