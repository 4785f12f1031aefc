/**
 * `synth validate -c cfg.yaml`: load and validate the config, plan the records and print the
 * plan and the first prompts — no model is loaded and nothing is written. A user's first
 * command on a new config.
 *
 * @module
 */
import pc from "picocolors";
import { chooseEngine } from "../engines/registry.ts";
import { formatIssue, UnsupportedConfigError } from "../errors.ts";
import { modelDirs } from "./synthCommand.ts";
import { EXIT } from "./exitCodes.ts";
import type { Logger } from "./logger.ts";
import { useColors } from "./logger.ts";
import type { CliIO, CommonOptions } from "./io.ts";
import { prepare } from "./prepare.ts";
import { renderPlan } from "./planReport.ts";

/** Runs `validate`; resolves with the exit code (0 when the config is valid). */
export async function runValidate(
  options: CommonOptions & { show: number },
  ctx: { io: CliIO; logger: Logger },
): Promise<number> {
  const { io, logger } = ctx;
  const { loaded, compiled, inputs } = await prepare(options, io, logger);
  const choice = chooseEngine(loaded.config.inference_config, {
    configDir: loaded.dir,
    modelDirs: modelDirs(io, loaded.dir),
    cwd: io.cwd,
    env: io.env,
  });
  const c = pc.createColors(useColors(io.stdout, io.env));
  io.stdout.write(
    renderPlan(loaded, compiled, choice, {
      show: options.show,
      colors: c,
      seedGiven: options.seed !== undefined,
      inputs,
    }),
  );
  for (const issue of compiled.unsupported) {
    logger.warn(`The config is valid, but this build cannot run it yet: ${formatIssue(issue)}`);
  }
  if (compiled.program.needsEngine && choice.adapter === null) {
    logger.warn(
      `The config is valid, but this build cannot run it yet: ${choice.description}`,
    );
  }
  // Build the tool environments (SQL, schemas, executors). Parts this build cannot run (Python
  // executors) leave an oumi config valid, as other unsupported features do.
  try {
    await compiled.program.check?.();
  } catch (error) {
    if (!(error instanceof UnsupportedConfigError)) throw error;
    for (const issue of error.issues) {
      logger.warn(
        `The config is valid, but this build cannot run it yet: ${issue.path}: ${issue.message}`,
      );
    }
  }
  io.stdout.write(c.green(`Config is valid: ${loaded.file}\n`));
  return EXIT.OK;
}
