/**
 * `synth -c cfg.yaml [overrides]`: load, plan, generate with progress on stderr, write JSONL,
 * print the preview and totals on stdout (spec §15 flow; DECISIONS differences 1, 2, 13).
 *
 * @module
 */
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { chooseEngine, createEngine } from "../engines/registry.ts";
import { retryPolicyFrom } from "../engines/retry.ts";
import { ConfigError } from "../errors.ts";
import { synthesize } from "../synth/run.ts";
import { createRunStats } from "../synth/stats.ts";
import { EXIT, exitCodeFor } from "./exitCodes.ts";
import type { Logger } from "./logger.ts";
import { useColors } from "./logger.ts";
import { ensureHfModel } from "./hfDownload.ts";
import type { CliIO, CommonOptions } from "./io.ts";
import { located, preflight } from "./preflight.ts";
import { prepare } from "./prepare.ts";
import { startProgress } from "./progress.ts";
import { renderSummary } from "./summary.ts";
import { terminalWidth } from "./terminalWidth.ts";

/** Options of {@link runSynth}. */
export interface SynthOptions extends CommonOptions {
  threads?: number;
  parallel?: number;
  progress?: boolean;
  /** Provider batch mode (§18). */
  batch?: boolean;
  /** Batch state file; default `<output>.batch.json`. */
  batchState?: string;
  /** Seconds between batch status polls; default 30. */
  batchPoll?: number;
  /** Download an `hf:` model_name that is not cached (`--allow-download`). */
  allowDownload?: boolean;
}

/** `out/x.jsonl` → `out/x.batch.json`. */
export function batchStatePath(outputPath: string): string {
  return (outputPath.endsWith(".jsonl") ? outputPath.slice(0, -6) : outputPath) + ".batch.json";
}

/**
 * oumi's default output name (§15 step 3): `oumi_synth_results_<YYYYMMDD_HHMMSS>.jsonl` in the
 * CWD, with `_1`, `_2`, ... appended when the name is taken.
 */
export function defaultOutputPath(cwd: string, now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, "0");
  const stamp = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}_${
    p(now.getHours())
  }${p(now.getMinutes())}${p(now.getSeconds())}`;
  let candidate = join(cwd, `oumi_synth_results_${stamp}.jsonl`);
  for (let i = 1; existsSync(candidate); i++) {
    candidate = join(cwd, `oumi_synth_results_${stamp}_${i}.jsonl`);
  }
  return candidate;
}

/** Folders searched for a bare model name: `$SYNTH_MODELS_DIR`, `./models`, `<config dir>/models`. */
export function modelDirs(io: CliIO, configDir: string): string[] {
  const dirs = [io.env.SYNTH_MODELS_DIR, join(io.cwd, "models"), join(configDir, "models")];
  return [...new Set(dirs.filter((d): d is string => !!d))];
}

/** Runs the `synth` command; resolves with the exit code. */
export async function runSynth(
  options: SynthOptions,
  ctx: { io: CliIO; logger: Logger },
): Promise<number> {
  const { io, logger } = ctx;
  const { loaded, compiled } = await prepare(options, io, logger);
  const config = loaded.config;
  const inference = config.inference_config;
  if (compiled.program.needsEngine) {
    await ensureHfModel(inference, options.allowDownload, { io, logger });
  }
  const choice = chooseEngine(inference, {
    configDir: loaded.dir,
    modelDirs: modelDirs(io, loaded.dir),
    cwd: io.cwd,
    env: io.env,
  });
  if (compiled.unsupported.length > 0) {
    throw new ConfigError(
      `Cannot run ${loaded.file}: it uses features this build does not support yet`,
      compiled.unsupported.map((issue) => ({ ...issue, file: loaded.file })),
    );
  }
  if (options.batch && choice.adapter !== "openai" && choice.adapter !== "anthropic") {
    throw new ConfigError(`Cannot use --batch with engine ${choice.engine}`, [
      {
        path: "inference_config.engine",
        message: "batch inference needs OPENAI, ANTHROPIC or a provider with a batch API",
        file: loaded.file,
      },
    ]);
  }
  if (compiled.program.needsEngine && choice.adapter === null) {
    throw new ConfigError(
      `Cannot run ${loaded.file}: engine ${choice.engine} is not supported yet`,
      [
        { path: "inference_config.engine", message: choice.description, file: loaded.file },
      ],
    );
  }
  // Tool environments are built and checked before the model loads (DECISIONS difference 8).
  await compiled.program.check?.().catch((error: unknown) => {
    throw error instanceof ConfigError ? located(error, loaded) : error;
  });
  // Templates render on the first planned records; the model file or endpoint is there.
  preflight(
    { loaded, compiled },
    logger,
    compiled.program.needsEngine
      ? { configDir: loaded.dir, modelDirs: modelDirs(io, loaded.dir), cwd: io.cwd, env: io.env }
      : undefined,
    config.output_path ? { outputPath: resolve(io.cwd, config.output_path) } : {},
  );
  const outputPath = config.output_path
    ? resolve(io.cwd, config.output_path)
    : defaultOutputPath(io.cwd);
  // Splits (recipes.md §5): the output folder is checked before anything runs.
  const splitsStep = config.splits ? await import("./splits.ts") : undefined;
  const splitTarget = splitsStep?.prepareSplits(config.splits!, outputPath);
  const cores = availableParallelism();
  if (options.threads !== undefined && options.threads > cores) {
    logger.warn(
      `--threads ${options.threads} is more than the ${cores} cores here; using ${cores}`,
    );
  }
  const stats = createRunStats(compiled.program.count);
  logger.info(
    `Synthesizing ${compiled.program.count} records from ${loaded.file}` +
      (compiled.program.needsEngine ? ` with ${choice.description}` : " (no model needed)") +
      ` (seed ${compiled.plan.seed})`,
  );
  const colors = useColors(io.stderr, io.env);
  const isLocal = choice.adapter === "llamacpp" || choice.adapter === "transformers";
  const remote = inference.remote_params as Record<string, unknown> | null | undefined;
  const retry = retryPolicyFrom(
    isLocal && remote?.max_retries === undefined ? { ...remote, max_retries: 0 } : remote,
  );

  let progress: ReturnType<typeof startProgress> | undefined;
  let ticker: ReturnType<typeof setInterval> | undefined;
  const result = await synthesize(compiled, {
    outputPath,
    stats,
    retry,
    maxFailedFraction: config.max_failed_fraction ?? 0.5,
    signal: io.signal,
    createEngine: async () => {
      const started = performance.now();
      const engine = await createEngine(inference, {
        configDir: loaded.dir,
        modelDirs: modelDirs(io, loaded.dir),
        lookup: { cwd: io.cwd, env: io.env },
        ...(options.threads !== undefined ? { threads: Math.min(options.threads, cores) } : {}),
        ...(options.parallel !== undefined ? { parallelSequences: options.parallel } : {}),
        onWarning: (m) => logger.warnOnce(m),
        onDebug: (m) => logger.debug(m),
        env: io.env,
        onInfo: (m) => logger.info(m),
        ...(options.batch
          ? {
            batch: {
              statePath: options.batchState
                ? resolve(io.cwd, options.batchState)
                : batchStatePath(outputPath),
              ...(options.batchPoll !== undefined
                ? { pollIntervalMs: options.batchPoll * 1000 }
                : {}),
            },
          }
          : {}),
      });
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      if (isLocal) {
        logger.info(
          `Loaded ${engine.model} in ${seconds} s (${engine.maxConcurrency} parallel sequence${
            engine.maxConcurrency === 1 ? "" : "s"
          })`,
        );
      } else {
        logger.info(
          options.batch
            ? `Using ${engine.name} ${engine.model} in batch mode`
            : `Using ${engine.name} ${engine.model} with up to ${engine.maxConcurrency} request${
              engine.maxConcurrency === 1 ? "" : "s"
            } at once`,
        );
      }
      if (options.progress !== false) {
        progress = startProgress(stats, io.stderr, { colors });
        ticker = setInterval(() => progress?.update(), 250);
      }
      return engine;
    },
    onRetry: ({ index, attribute, delaySeconds, error }) =>
      logger.warn(
        `Record ${index} (${attribute}): ${error.message}; retrying in ${
          delaySeconds.toFixed(1)
        } s`,
      ),
    ...(splitTarget ? { onWritten: (index: number) => void splitTarget.written.push(index) } : {}),
    summaryExtra: {
      config: loaded.file,
      engine: choice.engine,
      model: inference.model.model_name,
      seed: compiled.plan.seed,
      ...(loaded.recipe
        ? {
          recipe: {
            file: loaded.recipe.file,
            model_id: loaded.recipe.recipe.modelIdentifier.modelId,
            model_version_id: loaded.recipe.recipe.modelIdentifier.modelVersionId,
            dataset_id: loaded.recipe.recipe.synthesisConfig.synthesisConfig.datasetId,
            dataset_path: loaded.recipe.datasetPath,
          },
        }
        : {}),
    },
  });
  if (ticker) clearInterval(ticker);
  progress?.stop();

  io.stdout.write(
    renderSummary({
      stats,
      outputPath: result.outputPath,
      errorsPath: result.errorsPath,
      ...(result.rejectedPath ? { rejectedPath: result.rejectedPath } : {}),
      preview: result.preview,
      colors: useColors(io.stdout, io.env),
      width: terminalWidth(io.stdout, io.env),
    }),
  );
  if (splitTarget && result.stoppedBy === undefined) {
    io.stdout.write(
      await splitsStep!.finishSplits(splitTarget, {
        loaded,
        compiled,
        outputPath: result.outputPath,
        engine: choice.engine,
        cwd: io.cwd,
      }),
    );
  }
  if (splitTarget && result.stoppedBy !== undefined) {
    logger.warn(`The splits were not written to ${splitTarget.folder}: the run did not complete`);
  }
  if (result.stoppedBy !== undefined) {
    const error = result.stoppedBy;
    logger.error(`Run stopped: ${error instanceof Error ? error.message : String(error)}`);
    logger.error(`${stats.written} records were written to ${result.outputPath} before it stopped`);
    return exitCodeFor(error);
  }
  return EXIT.OK;
}
