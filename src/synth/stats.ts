/**
 * Live counters of a run, shared by the pipeline (writer) and the CLI (reader: progress bar,
 * final summary, `<output>.summary.json`). Plain data plus small helpers; no I/O.
 *
 * @module
 */
import type { Usage } from "../engines/contract.ts";

/** Token counts summed over requests. */
export interface UsageTotals {
  requests: number;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
}

/** Counters of one run. Times in milliseconds since the epoch. */
export interface RunStats {
  /** Records planned (`num_samples`). */
  planned: number;
  /** Records finished so far (written + failed + filtered). */
  done: number;
  written: number;
  failed: number;
  /** Records dropped on purpose (e.g. conversations with an empty message, §10.8). */
  filtered: number;
  /** Filtered counts by reason. */
  filterReasons: Map<string, number>;
  /** Failure counts by reason (`error_type: short message`), for the summary line. */
  failureReasons: Map<string, number>;
  /** Token usage over all requests. */
  usage: UsageTotals;
  /** Token usage per attribute id. */
  usageByAttribute: Map<string, UsageTotals>;
  /** Token usage per engine (`"<ENGINE> <model>"`). */
  usageByEngine: Map<string, UsageTotals>;
  /** Quality gate counters; set when the config has `quality:` (see `src/quality/gate.ts`). */
  quality?: QualityCounters;
  /** Engine label {@link addUsage} counts under when the caller names none (set by `run.ts`). */
  engineLabel?: string;
  startedAt: number;
  finishedAt?: number;
}

/** Counters of the quality gate (`quality:` configs). */
export interface QualityCounters {
  /** Records rejected (not written; each is a line of `<output>.rejected.jsonl`). */
  rejected: number;
  /** Rejected counts by reason (`near_duplicate`, `judge <id>: score not kept`, `check <name>`). */
  reasons: Map<string, number>;
  /** Records generated past the target concurrently and discarded (`count: accepted`). */
  surplus: number;
  /** With `count: accepted`: records to accept (`num_samples`); `planned` is then the candidates. */
  target?: number;
}

/** A zeroed {@link UsageTotals}. */
export function emptyUsage(): UsageTotals {
  return { requests: 0, inputTokens: 0, outputTokens: 0, cachedTokens: 0 };
}

/** New counters for a run of `planned` records starting now. */
export function createRunStats(planned: number, now = Date.now()): RunStats {
  return {
    planned,
    done: 0,
    written: 0,
    failed: 0,
    filtered: 0,
    filterReasons: new Map(),
    failureReasons: new Map(),
    usage: emptyUsage(),
    usageByAttribute: new Map(),
    usageByEngine: new Map(),
    startedAt: now,
  };
}

/**
 * Adds one request's usage to the totals, its attribute's and its engine's (spec §19; printed
 * and written to the summary: DECISIONS difference 13).
 *
 * @param engine label of the engine that served it; default `stats.engineLabel`.
 */
export function addUsage(
  stats: RunStats,
  attribute: string,
  usage: Usage,
  engine = stats.engineLabel,
): void {
  add(stats.usage, usage);
  add(totalsIn(stats.usageByAttribute, attribute), usage);
  if (engine !== undefined) add(totalsIn(stats.usageByEngine, engine), usage);
}

function add(totals: UsageTotals, usage: Usage): void {
  totals.requests += 1;
  totals.inputTokens += usage.inputTokens;
  totals.outputTokens += usage.outputTokens;
  totals.cachedTokens += usage.cachedTokens ?? 0;
}

function totalsIn(map: Map<string, UsageTotals>, key: string): UsageTotals {
  let totals = map.get(key);
  if (!totals) {
    totals = emptyUsage();
    map.set(key, totals);
  }
  return totals;
}
