/**
 * One synthesis run end to end: opens the output and errors files, runs the compiled program
 * through the scheduler, writes each record as soon as it and every earlier one are finished
 * (DECISIONS difference 2), writes `<output>.summary.json`, and releases the engine.
 * No console, no argv: progress is observable through the returned {@link RunStats} object
 * that the caller passes in.
 *
 * @module
 */
import { writeFile } from "node:fs/promises";
import type { Engine } from "../engines/contract.ts";
import type { RetryPolicy } from "../engines/retry.ts";
import { ErrorsFileWriter } from "../outputs/errorsFile.ts";
import { OrderedJsonlWriter } from "../outputs/jsonlWriter.ts";
import { pyJsonDumps } from "../python/json.ts";
import type { RunStatus } from "../durable/manifest.ts";
import { RejectedFileWriter } from "../quality/rejectedFile.ts";
import { type ResumedQuality, resumeQuality } from "../quality/resumeQuality.ts";
import type { CompiledSynthesis } from "./compile.ts";
import { DurableRun, type DurableSettings } from "./durableRun.ts";
import { type RecordSink, runPipeline } from "./pipeline.ts";
import type { ResponseHook, RetryInfo } from "./requests.ts";
import type { RunStats } from "./stats.ts";

/** Options of {@link synthesize}. */
export interface SynthesizeOptions {
  /** JSONL output file (created or truncated, parent folders created). */
  outputPath: string;
  /** Creates the engine on first need; it is disposed when the run ends. */
  createEngine: () => Promise<Engine>;
  /** Live counters (create with `createRunStats(count)`). */
  stats: RunStats;
  retry: RetryPolicy;
  /** Share of failed records (0-1) above which the run stops. Default 0.5. */
  maxFailedFraction?: number;
  /** Records to keep for the preview table. Default 3. */
  previewCount?: number;
  /** Records in flight; default the engine's concurrency. */
  concurrency?: number;
  signal?: AbortSignal;
  onRetry?: (info: RetryInfo) => void;
  /** Sees every engine response with its key and may replay recorded ones (`requests.ts`). */
  responses?: ResponseHook;
  /** Extra fields for the summary file (engine, model, seed, config path). */
  summaryExtra?: Record<string, unknown>;
  /** Called with the plan index of each record handed to the writer (any order; splits use it). */
  onWritten?: (index: number) => void;
  /**
   * Run journal, resume, shards and manifest (`durableRun.ts`). Without it the output is
   * created or truncated and nothing is journaled.
   */
  durable?: DurableSettings;
  /**
   * After `signal` aborts, milliseconds the requests already sent may take to finish (their
   * responses are kept) before they are aborted too. Default 0.
   */
  drainMs?: number;
  /** Receives the durable run once it is open (e.g. to report where it starts). */
  onDurableRun?: (run: DurableRun) => void;
}

/** What a finished (or stopped) run produced. */
export interface SynthesisResult {
  outputPath: string;
  /** Set when at least one record failed. */
  errorsPath?: string;
  /** Set when the quality gate rejected at least one record (`<output>.rejected.jsonl`). */
  rejectedPath?: string;
  summaryPath: string;
  /** The first records written, in plan order. */
  preview: Record<string, unknown>[];
  /** The error that stopped the run early, if any (records written before it are kept). */
  stoppedBy?: unknown;
  /** Responses taken from the journal instead of the engine (resume). */
  replayed?: number;
}

/** `out/x.jsonl` → `out/x.summary.json`. */
export function summaryFilePath(outputPath: string): string {
  return (outputPath.endsWith(".jsonl") ? outputPath.slice(0, -6) : outputPath) + ".summary.json";
}

/**
 * Runs `compiled` and writes its records to `options.outputPath`.
 *
 * Never throws for per-record failures; a fatal engine error, too many failures or an abort
 * end the run early and are returned as `stoppedBy` after the files are closed.
 *
 * @throws what `createEngine` throws (before any file is opened), and file-system errors
 *   opening the output.
 */
export async function synthesize(
  compiled: CompiledSynthesis,
  options: SynthesizeOptions,
): Promise<SynthesisResult> {
  const { stats } = options;
  const previewCount = options.previewCount ?? 3;
  const previewSlots: (Record<string, unknown> | null)[] = [];
  let stoppedBy: unknown;
  let errors: ErrorsFileWriter | undefined;
  let durable: DurableRun | undefined;
  let rejected: RejectedFileWriter | undefined;
  {
    // Everything opened below is closed when this block ends, in reverse order, whatever
    // happens: the files, then the program's tools, then the engine.
    await using opened = new AsyncDisposableStack();
    // The engine loads before any file is touched: a bad model path must not truncate the
    // output of an earlier run.
    const engine = compiled.program.needsEngine ? await options.createEngine() : undefined;
    if (engine) opened.defer(() => engine.dispose());
    if (compiled.program.close) opened.defer(() => compiled.program.close!());
    if (engine && stats.engineLabel === undefined) {
      stats.engineLabel = `${engine.name} ${engine.model}`;
    }
    if (engine && compiled.program.prepare) await compiled.program.prepare(engine);
    stats.startedAt = Date.now(); // rates and wall time exclude the model load
    // Kept for the preview (the first records of this process) and reported to `onWritten`.
    const shown = (first: number, index: number, record: Record<string, unknown> | null) => {
      if (!record) return;
      if (index - first < previewCount * 4) previewSlots[index - first] = record;
      options.onWritten?.(index);
    };
    let sink: RecordSink;
    if (options.durable) {
      const run = durable = await DurableRun.open(options.outputPath, options.durable);
      options.onDurableRun?.(run);
      const { written, failed, filtered } = run.prior;
      stats.planned = run.end - run.start + written + failed + filtered;
      stats.written += written;
      stats.failed += failed;
      stats.filtered += filtered;
      stats.done += written + failed + filtered;
      const out = await OrderedJsonlWriter.open(run.writePath, run.writerOptions);
      opened.defer(async () => {
        try {
          // A run that stopped before writing a record leaves an earlier output as it was.
          await out.close({ keepGaps: true, commit: stoppedBy === undefined });
        } finally {
          await run.finish(runStatus(stoppedBy), stats);
        }
      });
      const first = run.start;
      sink = {
        put(index, record) {
          shown(first, index, record);
          run.put(index, record);
          out.put(index, record);
        },
        fail: (failure) => run.fail(failure),
      };
    } else {
      const out = await OrderedJsonlWriter.open(options.outputPath);
      opened.defer(async () => {
        await out.close();
      });
      const errorsFile = errors = await ErrorsFileWriter.forOutput(options.outputPath);
      opened.defer(() => errorsFile.close());
      sink = {
        put(index, record) {
          shown(0, index, record);
          out.put(index, record);
        },
        fail: (failure) => errorsFile.write(failure),
      };
    }
    let resumed: ResumedQuality | undefined;
    if (compiled.quality && durable && options.durable?.mode === "resume") {
      // Issue 14 item 6: the gate continues from what the interrupted part decided.
      resumed = resumeQuality(
        compiled.quality.config,
        options.outputPath,
        durable.prior.written,
        durable.start - 1,
        () => durable!.keptIndices(),
      );
      stats.quality = resumed.counters;
      stats.filtered -= resumed.counters.rejected; // the prior counts took them as filtered
    }
    if (compiled.quality) {
      const file = await RejectedFileWriter.forOutput(options.outputPath);
      rejected = file;
      opened.defer(() => file.close());
      if (resumed) file.keep(resumed.keptRejected);
    }
    // The quality gate decides in plan order between the pipeline and the writer.
    const gate = rejected && compiled.quality?.gate({
      inner: sink,
      stats,
      rejected,
      ...(durable ? { firstIndex: durable.start } : {}),
      ...(resumed?.dedup ? { dedup: resumed.dedup } : {}),
      ...(resumed ? { alreadyAccepted: durable!.prior.written } : {}),
    });
    try {
      await runPipeline(compiled.program, {
        getEngine: async () => engine!,
        stats,
        retry: options.retry,
        maxFailedFraction: options.maxFailedFraction,
        concurrency: options.concurrency,
        signal: options.signal,
        onRetry: options.onRetry,
        ...(durable
          ? { responses: durable, range: { start: durable.start, end: durable.end } }
          : options.responses
          ? { responses: options.responses }
          : {}),
        ...(options.drainMs ? { drainMs: options.drainMs } : {}),
        sink: gate ?? sink,
        ...(gate ? { enough: () => gate.enough() } : {}),
      });
    } catch (error) {
      stoppedBy = error;
    } finally {
      stats.finishedAt = Date.now();
      await gate?.drain(); // records held behind indices a stopped run never finished
    }
  }
  const summaryPath = summaryFilePath(options.outputPath);
  await writeFile(summaryPath, pyJsonDumps(summaryObject(stats, options, stoppedBy), {}) + "\n");
  const errorsPath = durable ? durable.errorsPath : errors?.created ? errors.path : undefined;
  return {
    outputPath: options.outputPath,
    ...(errorsPath ? { errorsPath } : {}),
    ...(rejected?.created ? { rejectedPath: rejected.path } : {}),
    ...(durable ? { replayed: durable.replayed } : {}),
    summaryPath,
    preview: previewSlots.filter((r): r is Record<string, unknown> => !!r).slice(0, previewCount),
    ...(stoppedBy !== undefined ? { stoppedBy } : {}),
  };
}

/** How a run ended, for the manifest. */
function runStatus(stoppedBy: unknown): RunStatus {
  if (stoppedBy === undefined) return "complete";
  return stoppedBy instanceof Error && stoppedBy.name === "AbortError" ? "interrupted" : "stopped";
}

function summaryObject(stats: RunStats, options: SynthesizeOptions, stoppedBy: unknown) {
  const usage = (u: RunStats["usage"]) => ({
    requests: u.requests,
    input_tokens: u.inputTokens,
    output_tokens: u.outputTokens,
    cached_tokens: u.cachedTokens,
  });
  return {
    output_path: options.outputPath,
    ...options.summaryExtra,
    records_planned: stats.planned,
    records_written: stats.written,
    records_failed: stats.failed,
    records_filtered: stats.filtered,
    ...(stats.quality ? { quality: qualitySummary(stats) } : {}),
    failures: Object.fromEntries(stats.failureReasons),
    usage: usage(stats.usage),
    usage_by_attribute: Object.fromEntries(
      [...stats.usageByAttribute].map(([id, u]) => [id, usage(u)]),
    ),
    usage_by_engine: Object.fromEntries(
      [...stats.usageByEngine].map(([id, u]) => [id, usage(u)]),
    ),
    wall_time_seconds: ((stats.finishedAt ?? Date.now()) - stats.startedAt) / 1000,
    stopped_by: stoppedBy === undefined ? null : String((stoppedBy as Error)?.message ?? stoppedBy),
  };
}

function qualitySummary(stats: RunStats) {
  const q = stats.quality!;
  return {
    records_rejected: q.rejected,
    rejected: Object.fromEntries(q.reasons),
    ...(q.target !== undefined
      ? {
        target: q.target,
        target_met: stats.written >= q.target,
        candidates_generated: stats.done,
        candidates_allowed: stats.planned,
        surplus_discarded: q.surplus,
      }
      : {}),
  };
}
