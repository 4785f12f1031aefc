/**
 * Maps oumi engine names (spec §2.1, §16) to adapters. Adapters are loaded with literal
 * dynamic imports only when a run needs them, so `synth --help`, `synth validate` and a run
 * on a remote engine never load native code (style: heavy engines load lazily).
 *
 * @module
 */
import { ConfigError } from "../errors.ts";
import type { Engine, EngineConfig, EngineFactoryOptions } from "./contract.ts";

/** Which adapter serves a config, decided without loading it. */
export interface EngineChoice {
  /** The oumi engine name as configured (`NATIVE` when unset, §16.1). */
  engine: string;
  /** Adapter id (`llamacpp`, ...) or `null` when this build cannot run the engine yet. */
  adapter: "llamacpp" | null;
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
 * name in `models/` (ONNX folders arrive with the transformers.js engine). Engines of later
 * milestones report `adapter: null` with a "not supported yet" description.
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
  return {
    engine,
    adapter: null,
    description:
      `${engine}: not supported yet in this build (remote engines are planned); use LLAMACPP with a GGUF file`,
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
  options: EngineFactoryOptions = {},
): Promise<Engine> {
  const choice = chooseEngine(config);
  switch (choice.adapter) {
    case "llamacpp": {
      const { createLlamaCppEngine } = await import("./llamacpp/index.ts");
      return await createLlamaCppEngine(config, options);
    }
    default:
      throw new ConfigError(`Cannot create engine ${choice.engine}: ${choice.description}`, [
        { path: "inference_config.engine", message: choice.description },
      ]);
  }
}
