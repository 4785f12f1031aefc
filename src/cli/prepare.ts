/**
 * Shared first steps of `synth` and `validate`: load and validate the config with its
 * overrides (§2), read the dataset and document sources (§5.2, §5.3), then compile it (plan,
 * templates). Warnings go to the logger.
 *
 * @module
 */
import { resolve } from "node:path";
import { loadConfig, type LoadedConfig } from "../config/load.ts";
import { readInputSources, type SourceReport } from "../inputs/sources.ts";
import { type CompiledSynthesis, compileSynthesis } from "../synth/compile.ts";
import type { Logger } from "./logger.ts";
import type { CliIO, CommonOptions } from "./io.ts";

/** A loaded and compiled config. */
export interface Prepared {
  loaded: LoadedConfig;
  compiled: CompiledSynthesis;
  /** What each dataset and document source read (files, rows, attributes), in config order. */
  inputs: SourceReport[];
}

/**
 * Loads `options.config` with `options.overrides` and compiles it.
 *
 * @throws {ConfigError} / {UsageError} / {InputError} with every problem found.
 */
export async function prepare(
  options: CommonOptions,
  io: CliIO,
  logger: Logger,
): Promise<Prepared> {
  const started = performance.now();
  const loaded = await loadConfig(resolve(io.cwd, options.config), {
    overrides: options.overrides,
    cwd: io.cwd,
  });
  for (const w of loaded.warnings) logger.warn(w);
  // Datasets and documents are read (and every file checked) before anything is written.
  const inputs = await readInputSources(loaded.config.strategy_params, {
    cwd: io.cwd,
    configDir: loaded.dir,
    env: io.env,
    warn: (m) => logger.warn(m),
  });
  const compiled = compileSynthesis(loaded.config, {
    configDir: loaded.dir,
    onWarning: (m) => logger.warnOnce(m),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    extraSources: inputs.sources,
  });
  for (const w of compiled.warnings) logger.warn(w);
  logger.debug(
    `Loaded and compiled ${loaded.file} in ${(performance.now() - started).toFixed(0)} ms`,
  );
  return { loaded, compiled, inputs: inputs.reports };
}
