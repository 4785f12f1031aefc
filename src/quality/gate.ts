/**
 * The quality gate: a {@link RecordSink} between the pipeline and the output writer. Records
 * arrive in any order; the gate takes them in plan order (so deduplication and the accepted
 * count are deterministic by seed whatever the engine's timing), and for each one:
 *
 * 1. a judge rejection or a failed check found when the record finished → rejected;
 * 2. a duplicate of a record already written (any `deduplicate` rule) → rejected;
 * 3. otherwise written (handed to the inner sink), and added to the deduplication state.
 *
 * Rejected records go to `<output>.rejected.jsonl` with the reason and are counted in
 * `RunStats.rejected` / `rejectReasons`. With a target (`count: accepted`), records after the
 * target-th accepted one are surplus: neither written nor rejected, and {@link QualityGate.enough}
 * tells the pipeline to stop taking new plan indices.
 *
 * @module
 */
import type { RecordFailure } from "../synth/failure.ts";
import type { RecordSink } from "../synth/pipeline.ts";
import type { QualityCounters, RunStats } from "../synth/stats.ts";
import type { DedupKeys, DedupState } from "./dedupState.ts";
import type { RejectedEntry } from "./rejectedFile.ts";

/** Why a record was rejected: `reason` plus details for the rejected file. */
export type Rejection = { reason: string; [detail: string]: unknown };

/** What was found about a record when it finished (before its turn in plan order). */
export interface Inspection {
  /** A judge or check rejection: `reason` plus details for the rejected file. */
  rejection?: Rejection;
  /** Deduplication keys (absent when rejected already or without rules). */
  keys?: DedupKeys;
}

/** Options of {@link QualityGate}. */
export interface QualityGateOptions {
  /** Where accepted records go (the output writer), with their plan index. */
  inner: RecordSink;
  stats: RunStats;
  /** Receives rejected records in plan order. */
  rejected: { write(entry: RejectedEntry): void };
  /** The finish-time findings of an output record (see `CompiledQuality.inspection`). */
  inspection: (record: Record<string, unknown>) => Inspection | undefined;
  /** Deduplication state, possibly rebuilt from records already written (resume). */
  dedup?: DedupState;
  /** Records to accept (`count: accepted`); undefined: no limit. */
  target?: number;
  /** Records already accepted before this run part (resume). Default 0. */
  alreadyAccepted?: number;
  /** First plan index this run part takes (resume, shard). Default 0. */
  firstIndex?: number;
}

/** Counting key of a rejection for the summary: `near_duplicate`, `judge score`, `check non_empty`, ... */
export function rejectionKey(rejection: Rejection): string {
  if (rejection.reason === "judge") return `judge ${rejection.judge}: score not kept`;
  if (rejection.reason === "judge_unparseable") return `judge ${rejection.judge}: unparseable`;
  if (rejection.reason === "check") return `check ${rejection.check}`;
  return rejection.reason;
}

/** The ordered quality gate (see the module doc). */
export class QualityGate implements RecordSink {
  private readonly waiting = new Map<number, Record<string, unknown> | null>();
  private nextIndex = 0;
  private accepted: number;

  private readonly counters: QualityCounters;

  /** Sets `options.stats.quality` (zeroed counters, `target`) unless already there. */
  constructor(private readonly options: QualityGateOptions) {
    this.accepted = options.alreadyAccepted ?? 0;
    this.nextIndex = options.firstIndex ?? 0;
    options.stats.quality ??= { rejected: 0, reasons: new Map(), surplus: 0 };
    if (options.target !== undefined) options.stats.quality.target = options.target;
    this.counters = options.stats.quality;
  }

  /** Records accepted so far (in plan order). */
  get acceptedCount(): number {
    return this.accepted;
  }

  /** True once `target` records are accepted: no further plan index is needed. */
  enough(): boolean {
    return this.options.target !== undefined && this.accepted >= this.options.target;
  }

  put(index: number, record: Record<string, unknown> | null): void | Promise<void> {
    if (index !== this.nextIndex) {
      this.waiting.set(index, record);
      return;
    }
    let pending: Promise<void> | undefined;
    const chain = (result: void | Promise<void>) => {
      if (result) pending = pending ? pending.then(() => result) : result;
    };
    chain(this.take(index, record));
    while (this.waiting.has(this.nextIndex)) {
      const next = this.waiting.get(this.nextIndex)!;
      this.waiting.delete(this.nextIndex);
      chain(this.take(this.nextIndex, next));
    }
    return pending;
  }

  /**
   * Takes the records still waiting behind indices that never arrived (a run stopped by an
   * error or an interrupt), in plan order, so what passes is written and nothing is lost.
   * Call once the pipeline has settled, before closing the inner sink.
   */
  async drain(): Promise<void> {
    const rest = [...this.waiting.keys()].sort((a, b) => a - b);
    for (const index of rest) {
      const record = this.waiting.get(index)!;
      this.waiting.delete(index);
      await this.take(index, record);
    }
  }

  fail(failure: RecordFailure): void | Promise<void> {
    return this.options.inner.fail(failure);
  }

  private take(index: number, record: Record<string, unknown> | null): void | Promise<void> {
    this.nextIndex = index + 1;
    const { stats, inner } = this.options;
    if (this.enough()) {
      // Surplus past the target: generated concurrently, not needed.
      if (record) {
        stats.written--;
        this.counters.surplus++;
      }
      return;
    }
    if (!record) return inner.put(index, null);
    const found = this.options.inspection(record);
    let rejection: Rejection | undefined = found?.rejection;
    if (!rejection && found?.keys && this.options.dedup) {
      const duplicate = this.options.dedup.find(found.keys);
      if (duplicate) rejection = { ...duplicate };
    }
    if (rejection) {
      stats.written--;
      this.counters.rejected++;
      const key = rejectionKey(rejection);
      this.counters.reasons.set(key, (this.counters.reasons.get(key) ?? 0) + 1);
      this.options.rejected.write({ index, ...rejection, reason: rejection.reason, record });
      return inner.put(index, null);
    }
    if (found?.keys && this.options.dedup) this.options.dedup.add(found.keys, index);
    this.accepted++;
    return inner.put(index, record);
  }
}
