/**
 * Tool set-up of a run with multi-turn attributes (spec §11.4-§11.5; DECISIONS difference 8),
 * done once the engine is loaded and before any output file is opened: load and validate the
 * environments, check the engine can call tools, and resolve each attribute's tools.
 *
 * @module
 */
import type { Engine } from "../../engines/contract.ts";
import { type EnvironmentSection, loadEnvironments } from "../../environments/index.ts";
import { ConfigError } from "../../errors.ts";
import type { MultiTurnStep, ToolRuntime } from "./step.ts";

/** Options of {@link prepareTools}. */
export interface PrepareToolsOptions {
  /** Folder of the config file (relative executor, database and schema paths). */
  configDir: string;
  /** Run seed (grounding draws, simulated tools). */
  seed?: number;
  onWarning?: (message: string) => void;
}

/**
 * Loads `config.environment_config` / `environment_config_path` (no-op without either) into `runtime.environments` and sets
 * each step's `tools` from its `available_environments` / `available_tools`.
 *
 * @throws {ConfigError} "Tool synthesis requires an engine with native tool-calling support. ..."
 *   when tools are defined and `engine.capabilities.tools` is false; what `loadEnvironments`
 *   and `toolsFor` throw for bad environments or unknown ids. Environments loaded before the
 *   error are closed.
 */
export async function prepareTools(
  config: { environment_config?: unknown; environment_config_path?: string | null },
  steps: readonly MultiTurnStep[],
  runtime: ToolRuntime,
  engine: Engine,
  options: PrepareToolsOptions,
): Promise<void> {
  if (config.environment_config == null && !config.environment_config_path) return;
  const environments = await loadEnvironments(config as EnvironmentSection, {
    configDir: options.configDir,
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    engineSupportsJsonSchema: engine.capabilities.jsonSchema,
    ...(options.onWarning ? { onWarning: options.onWarning } : {}),
  });
  try {
    if (environments.toolCount > 0 && !engine.capabilities.tools) {
      throw new ConfigError(
        `Tool synthesis requires an engine with native tool-calling support. Configured engine '${engine.name}' does not support it.`,
        [{
          path: "inference_config.engine",
          message:
            `${engine.name} cannot call tools; use LLAMACPP, OPENAI, ANTHROPIC or an OpenAI-compatible server`,
        }],
      );
    }
    for (const step of steps) {
      try {
        step.tools = environments.toolsFor(step.parts.scope);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        throw new ConfigError(
          error.message,
          error.issues.map((i) => ({ ...i, path: `${step.parts.configPath}.${i.path}` })),
        );
      }
    }
  } catch (error) {
    await environments.close();
    throw error;
  }
  runtime.environments = environments;
}

/**
 * Validates the environments and each attribute's tool scope without an engine (for
 * `synth validate` and before a model is loaded, DECISIONS difference 8): loads them as
 * {@link prepareTools} does, then closes them.
 *
 * @throws {ConfigError} what {@link prepareTools} throws, except the engine capability check.
 */
export async function checkTools(
  config: { environment_config?: unknown; environment_config_path?: string | null },
  steps: readonly MultiTurnStep[],
  options: PrepareToolsOptions,
): Promise<void> {
  if (config.environment_config == null && !config.environment_config_path) return;
  const runtime: ToolRuntime = {};
  const probe = steps.map((step) => ({ ...step, tools: [] }) as MultiTurnStep);
  const capable = { name: "check", capabilities: { jsonSchema: true, tools: true } } as Engine;
  await prepareTools(config, probe, runtime, capable, options);
  await runtime.environments?.close();
}
