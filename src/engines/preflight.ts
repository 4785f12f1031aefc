/**
 * The engine checks a run makes before it loads anything, runnable on their own so that
 * `synth validate` tells the truth (issue 11): the model file exists and is a GGUF file (or an
 * ONNX model folder for NATIVE), and a remote engine has an endpoint and, where needed, a key.
 * Only the file system and the environment are read; nothing is imported or loaded.
 *
 * @module
 */
import type { EngineConfig } from "./contract.ts";
import { resolveModelPath } from "./llamacpp/resolveModelPath.ts";
import { chooseEngine } from "./registry.ts";
import { resolveRemoteSettings } from "./remote/settings.ts";
import { locateNativeModel, type ModelLookup } from "./transformers/locateModel.ts";
import { readModelFolder } from "./transformers/modelFolder.ts";

/**
 * Runs the checks `createEngine` makes for `config` before loading a model or sending a request.
 *
 * @throws {ConfigError} as the adapters do: `Cannot load model "x": no file at ...`, `...: not a
 *   GGUF file`, an ONNX folder without `config.json` or ONNX weights, "API URL is required for
 *   remote inference." (VLLM, REMOTE, ... without `remote_params.api_url`), a missing key.
 */
export function checkEngineConfig(config: EngineConfig, lookup: ModelLookup = {}): void {
  const choice = chooseEngine(config, lookup);
  const model = config.model.model_name;
  const kwargs = (config.model.model_kwargs ?? {}) as Record<string, unknown>;
  switch (choice.adapter) {
    case "llamacpp":
      resolveModelPath(model, {
        ...(lookup.configDir ? { configDir: lookup.configDir } : {}),
        ...(lookup.cwd ? { cwd: lookup.cwd } : {}),
        ...(lookup.modelDirs ? { modelDirs: lookup.modelDirs } : {}),
        ...(lookup.env ? { env: lookup.env } : {}),
        ...(typeof kwargs.filename === "string" ? { filename: kwargs.filename } : {}),
      });
      return;
    case "transformers": {
      const located = locateNativeModel(model, lookup);
      if (located.runtime === "onnx") {
        readModelFolder(
          model,
          located.dir,
          typeof kwargs.dtype === "string" ? kwargs.dtype : undefined,
        );
      }
      return;
    }
    case "openai":
    case "anthropic":
      resolveRemoteSettings(config, lookup.env ?? process.env);
      return;
  }
}
