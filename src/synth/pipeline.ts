/**
 * The record scheduler: every record flows through its stages on its own (plan → generated
 * attributes in config order → transforms → passthrough → sink), bounded only by the engine's
 * concurrency — no stage-wide barrier (spec §1 order per record; DECISIONS difference 7).
 * Failures are isolated per record (DECISIONS difference 1); a fatal engine error or too many
 * failed records stop the run, keeping what was already written.
 *
 * @module
 */
import type { Engine } from "../engines/contract.ts";
import type { RetryPolicy } from "../engines/retry.ts";
import { EngineError } from "../errors.ts";
import { failureReason, type RecordFailure, toRecordFailure } from "./failure.ts";
import { type Program, RecordFiltered, type StepContext } from "./program.ts";
import { createRequestPath, type ResponseHook, type RetryInfo } from "./requests.ts";
import type { RunStats } from "./stats.ts";

/** Where finished records go. `put` is called once per plan index, in any order. */
export interface RecordSink {
  /** `record` is `null` when the record failed (it is then also passed to `fail`). */
  put(index: number, record: Record<string, unknown> | null): void | Promise<void>;
  fail(failure: RecordFailure): void | Promise<void>;
}

/** Options of {@link runPipeline}. */
export interface PipelineOptions {
  /** Creates the engine on first use (never called when no attribute needs a model). */
  getEngine: () => Promise<Engine>;
  sink: RecordSink;
  stats: RunStats;
  retry: RetryPolicy;
  /** Share of failed records (0-1) above which the run stops. Default 0.5. */
  maxFailedFraction?: number;
  /**
   * Records in flight at once. Default: the engine's `maxConcurrency` times the program's
   * `recordsPerSlot` (1 without an engine).
   */
  concurrency?: number;
  /**
   * How far (in plan indices) workers may run ahead of the oldest unfinished record, which
   * bounds the memory of out-of-order results. Default `max(256, 8 × concurrency)`.
   */
  windowSize?: number;
  signal?: AbortSignal;
  /**
   * Checked before each new plan index: once true, no further index is started (records in
   * flight finish). The quality gate's accepted count (`quality.count: accepted`) uses it.
   */
  enough?: () => boolean;
  onRetry?: (info: RetryInfo) => void;
  /** Sees every engine response with its key and may replay recorded ones (`requests.ts`). */
  responses?: ResponseHook;
  /**
   * Plan indices to run, `[start, end)` (a shard, or what a resumed run has left). Default
   * the whole plan.
   */
  range?: { start: number; end: number };
  /**
   * When `signal` aborts: milliseconds the requests already sent may take to finish (their
   * records are completed and written when nothing else is missing; no new request is sent
   * and no new record started) before they are aborted too. Default 0: abort at once.
   */
  drainMs?: number;
}

/** Thrown when the share of failed records passes `max_failed_fraction`. */
export class TooManyFailuresError extends Error {
  override name = "TooManyFailuresError";
}

/**
 * Runs every record of `program` and resolves when all are finished or the run stopped.
 *
 * @throws {EngineError} a fatal engine error (e.g. the model cannot load), after in-flight
 *   records settle.
 * @throws {TooManyFailuresError} when failures exceed `maxFailedFraction` of the planned records.
 * @throws the abort reason when `signal` aborts.
 */
export async function runPipeline(program: Program, options: PipelineOptions): Promise<void> {
  const { stats, sink } = options;
  const first = options.range?.start ?? 0;
  const end = options.range?.end ?? program.count;
  const total = end - first;
  const maxFailed = (options.maxFailedFraction ?? 0.5) * total;
  const needsEngine = program.needsEngine;
  let engine: Engine | undefined;
  if (needsEngine) engine = await options.getEngine();
  const concurrency = Math.max(
    1,
    options.concurrency ??
      (engine ? engine.maxConcurrency * Math.max(1, program.recordsPerSlot ?? 1) : 1),
  );
  const windowSize = options.windowSize ?? Math.max(256, 8 * concurrency);

  const stop = new AbortController();
  const stopSignal = stop.signal;
  let stopError: unknown;
  const halt = (error: unknown) => {
    if (stopError === undefined) stopError = error;
    stop.abort(error);
  };
  // Draining (after an interrupt): no new record, no new request; sent ones may finish.
  let draining = false;
  let drainTimer: ReturnType<typeof setTimeout> | undefined;
  const onOuterAbort = () => {
    const reason = options.signal?.reason ?? new Error("Run interrupted");
    if (!options.drainMs || stopError !== undefined) return halt(reason);
    stopError = reason;
    draining = true;
    drainTimer = setTimeout(() => stop.abort(reason), options.drainMs);
  };
  if (options.signal?.aborted) onOuterAbort();
  options.signal?.addEventListener("abort", onOuterAbort, { once: true });

  // Window bookkeeping: indices finished above the oldest unfinished one.
  let next = first;
  let oldestUnfinished = first;
  const finishedAhead = new Set<number>();
  let wakeWaiters: (() => void)[] = [];
  const markFinished = (index: number) => {
    if (index === oldestUnfinished && finishedAhead.size === 0) oldestUnfinished++;
    else {
      finishedAhead.add(index);
      while (finishedAhead.delete(oldestUnfinished)) oldestUnfinished++;
    }
    if (wakeWaiters.length === 0) return;
    const waiters = wakeWaiters;
    wakeWaiters = [];
    for (const wake of waiters) wake();
  };

  // Every request of the run goes through one path: send, retry, count usage, key and hook.
  const requests = engine
    ? createRequestPath({
      engine: options.drainMs ? refusingWhileDraining(engine, () => draining) : engine,
      stats,
      retry: options.retry,
      signal: stopSignal,
      concurrency,
      ...(options.onRetry ? { onRetry: options.onRetry } : {}),
      ...(options.responses ? { hook: options.responses } : {}),
    })
    : undefined;

  const steps = program.steps;
  const processRecord = async (index: number) => {
    let stage: string | undefined;
    let context: StepContext | undefined;
    try {
      const record = program.record(index);
      if (steps.length > 0) {
        for (let s = 0; s < steps.length; s++) {
          const step = steps[s];
          stage = step.id;
          await step.run(record, requests!.forRecord(index, stage), context ??= { index });
          if (stopSignal.aborted) return;
        }
        stage = undefined;
      }
      const out = program.finish(record, index);
      stats.written++;
      stats.done++;
      const pending = sink.put(index, out);
      if (pending) await pending;
    } catch (error) {
      if (stopError !== undefined) return;
      if (error instanceof EngineError && error.fatal) return halt(error);
      if (error instanceof RecordFiltered) {
        stats.filtered++;
        stats.done++;
        stats.filterReasons.set(error.message, (stats.filterReasons.get(error.message) ?? 0) + 1);
        await sink.put(index, null);
        return;
      }
      const failure = toRecordFailure(index, error, stage);
      stats.failed++;
      stats.done++;
      const reason = failureReason(failure);
      stats.failureReasons.set(reason, (stats.failureReasons.get(reason) ?? 0) + 1);
      await sink.fail(failure);
      await sink.put(index, null);
      if (stats.failed > maxFailed) {
        halt(
          new TooManyFailuresError(
            `Stopped after ${stats.failed} of ${total} records failed (max_failed_fraction ${
              options.maxFailedFraction ?? 0.5
            }); last error: ${reason}`,
          ),
        );
      }
    } finally {
      markFinished(index);
    }
  };

  const worker = async () => {
    while (stopError === undefined) {
      if (next >= end || options.enough?.()) return;
      if (next >= oldestUnfinished + windowSize) {
        await new Promise<void>((resolve) => wakeWaiters.push(resolve));
        continue;
      }
      await processRecord(next++);
    }
  };

  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(total, 1)) }, worker));
  } finally {
    clearTimeout(drainTimer);
    options.signal?.removeEventListener("abort", onOuterAbort);
  }
  if (stopError !== undefined) throw stopError;
}

/** `engine` whose `generate` rejects with an `AbortError` once `draining()` is true. */
function refusingWhileDraining(engine: Engine, draining: () => boolean): Engine {
  return {
    name: engine.name,
    model: engine.model,
    maxConcurrency: engine.maxConcurrency,
    capabilities: engine.capabilities,
    generate: (request) =>
      draining()
        ? Promise.reject(
          Object.assign(new Error("The run was interrupted: no new request is sent"), {
            name: "AbortError",
          }),
        )
        : engine.generate(request),
    dispose: () => engine.dispose(),
    [Symbol.asyncDispose]: () => engine.dispose(),
  };
}
