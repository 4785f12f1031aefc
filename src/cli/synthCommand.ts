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
import { loadConfig } from "../config/load.ts";
import { recordShapingConfig, type RunIdentity } from "../durable/fingerprint.ts";
import { inputIdentities } from "../durable/inputIdentity.ts";
import { localModelIdentity, type ModelIdentity } from "../durable/modelIdentity.ts";
import { shardOutputPath } from "../durable/paths.ts";
import { parseShard, shardRange } from "../durable/shard.ts";
import { resolveModelPath } from "../engines/llamacpp/resolveModelPath.ts";
import { locateNativeModel } from "../engines/transformers/locateModel.ts";
import { ConfigError, InputError, UsageError } from "../errors.ts";
import { checkOutputSlot, readJournalHeader, type RunMode } from "../synth/durableRun.ts";
import { VERSION } from "./version.ts";
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
  /** Continue the interrupted run of the output from its journal (issue 12). */
  resume?: boolean;
  /** Start again over an existing output (DECISIONS 14). */
  overwrite?: boolean;
  /** Run again only the failed records. */
  retryFailed?: boolean;
  /** `K/N`: run only that slice of the plan into the shard's own files. */
  shard?: string;
  /** The command line as given (without the program), for the "to continue" command. */
  argv?: string[];
}

/** Seconds in-flight requests may take to finish after Ctrl-C before they are aborted. */
export const DRAIN_SECONDS = 30;

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

/**
 * The command that continues a run started with `argv`: the same arguments with `--resume`
 * instead of `--overwrite`/`--retry-failed`, shell-quoted.
 */
export function continueCommand(program: string, argv: readonly string[] | undefined): string {
  const args = (argv ?? []).filter((a) =>
    a !== "--overwrite" && a !== "--retry-failed" && a !== "--resume"
  );
  const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`);
  return [program, ...args.map(quote), "--resume"].join(" ");
}

/** The identity of the model a run uses (local files hashed once, see `durable/modelIdentity.ts`). */
async function modelIdentity(
  adapter: string | null,
  inference: { model: { model_name: string; model_kwargs?: Record<string, unknown> | null } },
  io: CliIO,
  configDir: string,
): Promise<ModelIdentity> {
  const name = inference.model.model_name;
  const lookup = { configDir, cwd: io.cwd, modelDirs: modelDirs(io, configDir), env: io.env };
  try {
    if (adapter === "llamacpp") {
      const filename = inference.model.model_kwargs?.filename;
      return await localModelIdentity(
        resolveModelPath(name, {
          ...lookup,
          ...(typeof filename === "string" ? { filename } : {}),
        }),
        { env: io.env },
      );
    }
    if (adapter === "transformers") {
      const located = locateNativeModel(name, lookup);
      if (located.runtime === "onnx") return await localModelIdentity(located.dir, { env: io.env });
    }
  } catch {
    // The engine reports a model it cannot find, with the paths it tried.
  }
  return { kind: "remote", name };
}

/** Runs the `synth` command; resolves with the exit code. */
export async function runSynth(
  options: SynthOptions,
  ctx: { io: CliIO; logger: Logger },
): Promise<number> {
  const { io, logger } = ctx;
  const modes = (["resume", "overwrite", "retryFailed"] as const).filter((m) => options[m]);
  if (modes.length > 1) {
    throw new UsageError(
      `Cannot combine ${
        modes.map((m) => `--${m === "retryFailed" ? "retry-failed" : m}`).join(" and ")
      }`,
    );
  }
  const mode: RunMode = options.resume
    ? "resume"
    : options.overwrite
    ? "overwrite"
    : options.retryFailed
    ? "retry-failed"
    : "new";
  const shard = options.shard !== undefined ? parseShard(options.shard) : undefined;
  // A resumed unseeded run continues with the seed it started with (from its journal).
  let seedFromJournal: number | undefined;
  if ((mode === "resume" || mode === "retry-failed") && options.seed === undefined) {
    const early = await loadConfig(resolve(io.cwd, options.config), {
      overrides: options.overrides,
      cwd: io.cwd,
    });
    if (early.config.seed == null && early.config.output_path) {
      const base = resolve(io.cwd, early.config.output_path);
      const header = readJournalHeader(
        shard ? shardOutputPath(base, shard.index, shard.count) : base,
      );
      if (header) seedFromJournal = header.seed;
    }
  }
  const { loaded, compiled, inputs } = await prepare(
    seedFromJournal !== undefined ? { ...options, seed: seedFromJournal } : options,
    io,
    logger,
  );
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
  const baseOutput = config.output_path
    ? resolve(io.cwd, config.output_path)
    : defaultOutputPath(io.cwd);
  const outputPath = shard ? shardOutputPath(baseOutput, shard.index, shard.count) : baseOutput;
  // An existing output is never damaged by a new run (DECISIONS 14): checked before the model loads.
  checkOutputSlot(outputPath, mode);
  // Splits (recipes.md §5): the output folder is checked before anything runs. A shard writes
  // none (its records are a slice of the plan; split the merged file).
  const splitsStep = config.splits && !shard ? await import("./splits.ts") : undefined;
  const splitTarget = splitsStep?.prepareSplits(config.splits!, outputPath, mode !== "new");
  const isLocalEngine = choice.adapter === "llamacpp" || choice.adapter === "transformers";
  const identity: RunIdentity = {
    config: recordShapingConfig(config),
    seed: compiled.plan.seed,
    engine: choice.engine,
    model: compiled.program.needsEngine
      ? await modelIdentity(choice.adapter, inference, io, loaded.dir)
      : null,
  };
  if (inputs.length > 0) identity.inputs = await inputIdentities(inputs, { env: io.env });
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
  const isLocal = isLocalEngine;
  const remote = inference.remote_params as Record<string, unknown> | null | undefined;
  const retry = retryPolicyFrom(
    isLocal && remote?.max_retries === undefined ? { ...remote, max_retries: 0 } : remote,
  );

  let progress: ReturnType<typeof startProgress> | undefined;
  let ticker: ReturnType<typeof setInterval> | undefined;
  const onInterrupt = () =>
    logger.warn(
      `Interrupted: finishing the requests in flight (up to ${DRAIN_SECONDS} s) and keeping ` +
        "their responses; press Ctrl-C again to stop at once",
    );
  io.signal?.addEventListener("abort", onInterrupt, { once: true });
  const engineSeed = isLocal
    ? (inference.generation as { seed?: number | null } | undefined)?.seed ?? compiled.plan.seed
    : undefined;
  const result = await synthesize(compiled, {
    outputPath,
    stats,
    retry,
    maxFailedFraction: config.max_failed_fraction ?? 0.5,
    signal: io.signal,
    drainMs: DRAIN_SECONDS * 1000,
    durable: {
      mode,
      identity,
      numSamples: compiled.program.count,
      ...(shard ? { shard } : {}),
      version: VERSION,
      ...(engineSeed !== undefined ? { engineSeed } : {}),
    },
    onDurableRun: (run) => {
      // The lines a resumed run keeps are split with its own (their indices from the journal).
      if (splitTarget) {
        const kept = run.keptIndices();
        if (!kept) {
          throw new InputError(
            `Cannot split "${outputPath}" after resuming it: its journal (${run.journalPath}) ` +
              `does not say which records the ${run.prior.written} lines kept are (written by ` +
              "an older synth); start again with --overwrite",
          );
        }
        splitTarget.written.push(...kept);
      }
      if (
        mode === "resume" &&
        run.start > (shard ? shardRange(compiled.program.count, shard).start : 0)
      ) {
        logger.info(
          `Resuming ${outputPath} at record ${run.start} (${run.prior.written} records kept)`,
        );
      }
      if (mode === "retry-failed") logger.info(`Retrying the failed records of ${outputPath}`);
    },
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
  io.signal?.removeEventListener("abort", onInterrupt);

  const stopped = result.stoppedBy;
  const interrupted = stopped instanceof Error && stopped.name === "AbortError";
  if (result.replayed) {
    logger.info(`${result.replayed} responses were taken from the journal (not paid again)`);
  }
  io.stdout.write(
    renderSummary({
      stats,
      outputPath: result.outputPath,
      errorsPath: result.errorsPath,
      ...(result.rejectedPath ? { rejectedPath: result.rejectedPath } : {}),
      preview: result.preview,
      colors: useColors(io.stdout, io.env),
      width: terminalWidth(io.stdout, io.env),
      ...(stopped !== undefined
        ? {
          ended: {
            how: interrupted ? "interrupted" : "stopped",
            continueWith: continueCommand(io.programName ?? "synth", options.argv),
          },
        }
        : {}),
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
