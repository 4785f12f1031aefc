/**
 * Shared first steps of `synth` and `validate`: load and validate the config with its
 * overrides (§2), then compile it (plan, templates). Warnings go to the logger.
 *
 * @module
 */
import { resolve } from "node:path";
import { loadConfig, type LoadedConfig } from "../config/load.ts";
import { type CompiledSynthesis, compileSynthesis } from "../synth/compile.ts";
import type { Logger } from "./logger.ts";
import type { CliIO, CommonOptions } from "./main.ts";

/** A loaded and compiled config. */
export interface Prepared {
  loaded: LoadedConfig;
  compiled: CompiledSynthesis;
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
  const compiled = compileSynthesis(loaded.config, {
    configDir: loaded.dir,
    onWarning: (m) => logger.warnOnce(m),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
  });
  for (const w of compiled.warnings) logger.warn(w);
  logger.debug(
    `Loaded and compiled ${loaded.file} in ${(performance.now() - started).toFixed(0)} ms`,
  );
  return { loaded, compiled };
}
