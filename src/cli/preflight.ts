/**
 * The checks `synth` and `synth validate` both make before any model loads (issue 11): every
 * template renders on the first planned records (`synth/preflight.ts`), and the engine is
 * usable as configured (`engines/preflight.ts`: the model file exists and is a GGUF file or an
 * ONNX folder, a remote engine has an endpoint). Problems found after loading get the file and
 * line:column of the key (and of the placeholder inside a template) like schema errors do.
 *
 * @module
 */
import { statSync } from "node:fs";
import { dirname } from "node:path";
import type { LoadedConfig } from "../config/load.ts";
import { checkEngineConfig } from "../engines/preflight.ts";
import type { ModelLookup } from "../engines/transformers/locateModel.ts";
import { ConfigError, type ConfigIssue } from "../errors.ts";
import type { CompiledSynthesis } from "../synth/compile.ts";
import { checkFirstRecords } from "../synth/preflight.ts";
import type { Logger } from "./logger.ts";

/**
 * `error` with the file and line:column of every issue that has a key path but no position;
 * a `{placeholder}` named in the message is located inside the template.
 */
export function located(error: ConfigError, loaded: Pick<LoadedConfig, "locate">): ConfigError {
  const issues = error.issues.map((issue): ConfigIssue => {
    if (
      issue.line !== undefined || !issue.path.startsWith("strategy_params") &&
        !issue.path.startsWith("inference_config") && !issue.path.startsWith("environment")
    ) {
      return issue;
    }
    const field = /\{([^{}\s]+)\}/.exec(issue.message)?.[1];
    return { ...issue, ...loaded.locate(issue.path, field ? `{${field}` : undefined) };
  });
  const copy = new ConfigError(error.message, issues);
  copy.stack = error.stack;
  return copy;
}

/**
 * Runs the pre-inference checks on a prepared config.
 *
 * @param engine where local models are searched; omit to skip the engine check (no engine
 *   needed, or an engine this build cannot run, reported elsewhere).
 * @param options.missingKey a missing API key: an error (a run) or a warning (`validate`).
 * @param options.outputPath the absolute output path: a folder on the way that is a regular
 *   file is a config error at `output_path` (instead of a raw `EEXIST ... mkdir` later).
 * @throws {ConfigError} a template that cannot render for any of the first planned records
 *   (exit 2), or an engine that cannot start (missing model, not GGUF, no `api_url`), with
 *   positions.
 */
export function preflight(
  prepared: { loaded: LoadedConfig; compiled: CompiledSynthesis },
  logger: Logger,
  engine?: ModelLookup,
  options: { missingKey?: "error" | "warn"; outputPath?: string } = {},
): void {
  const { loaded, compiled } = prepared;
  if (options.outputPath) checkOutputFolder(options.outputPath, loaded);
  const problems = checkFirstRecords(compiled);
  const fatal: ConfigIssue[] = [];
  for (const p of problems) {
    const where = loaded.locate(p.path, p.placeholder ? `{${p.placeholder}` : undefined);
    if (p.failed.length === p.checked) {
      const scope = p.checked === 1
        ? "on the first planned record"
        : `on each of the first ${p.checked} planned records`;
      fatal.push({ message: `${p.message} (${scope})`, ...where });
    } else {
      const which = p.failed.map((i) => i + 1).join(", ");
      const at = where.line !== undefined ? `${where.file}:${where.line}:${where.column}  ` : "";
      logger.warn(
        `${at}${where.path}: ${p.message} for record ${which} of the first ${p.checked}; ` +
          "records like these will fail",
      );
    }
  }
  if (fatal.length > 0) {
    throw new ConfigError(
      `Cannot run ${loaded.file}: ${fatal.length === 1 ? "a template" : "templates"} cannot ` +
        "render for any record checked",
      fatal,
    );
  }
  if (!engine) return;
  try {
    checkEngineConfig(loaded.config.inference_config, engine);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const keyOnly = error.issues.length > 0 &&
      error.issues.every((i) => /\.api_key(_env_varname)?$/.test(i.path));
    // An API key belongs to the machine that runs, not to the config: validate only warns.
    if (keyOnly && options.missingKey === "warn") {
      logger.warn(`The config is valid, but a run here would stop: ${error.message}`);
      return;
    }
    throw located(error, loaded);
  }
}

/** @throws {ConfigError} when a folder of `outputPath` exists as something other than a folder. */
function checkOutputFolder(outputPath: string, loaded: Pick<LoadedConfig, "locate">): void {
  for (let dir = dirname(outputPath); dir !== dirname(dir); dir = dirname(dir)) {
    let stats;
    try {
      stats = statSync(dir);
    } catch {
      continue; // not there yet: the run creates it
    }
    if (stats.isDirectory()) return;
    const message = `Cannot write ${outputPath}: ${dir} is a file, not a folder`;
    throw new ConfigError(message, [{ message, ...loaded.locate("output_path") }]);
  }
}
