/**
 * A compiled synthesis run: what {@link import("./pipeline.ts").runPipeline} executes. Built
 * once from a validated config by `compile.ts` (templates parsed, regexes compiled,
 * placeholders checked), then applied to each planned record.
 *
 * @module
 */
import type { Engine, Generate } from "../engines/contract.ts";

/** What a step knows about the record it is producing besides its fields. */
export interface StepContext {
  /** 0-based plan index of the record (seeds per-record draws, e.g. turn counts, grounding). */
  readonly index: number;
}

/** One model-backed stage of a record: a generated attribute (§9) or a multi-turn attribute (§10). */
export interface RecordStep {
  /** Attribute id, used in failure reports and usage per attribute. */
  readonly id: string;
  /**
   * Adds this stage's keys to `record` (mutating it), calling `generate` (the run's request
   * path, `requests.ts`: retries and usage are behind it) for every model request.
   *
   * @throws {RecordFiltered} when the record is to be dropped without being a failure (§10.8).
   */
  run(record: Record<string, unknown>, generate: Generate, context: StepContext): Promise<void>;
}

/**
 * Thrown by a step to drop its record on purpose (e.g. a conversation with an empty message,
 * §10.8): the pipeline counts it as filtered (`RunStats.filtered`), writes no line and no
 * error entry, and the run summary reports the count (never silent).
 */
export class RecordFiltered extends Error {
  override name = "RecordFiltered";
}

/** A compiled run. */
export interface Program {
  /** Number of records (`num_samples`). */
  readonly count: number;
  /** True when some step calls the model (otherwise no engine is created). */
  readonly needsEngine: boolean;
  /** The planned record `index` (fresh object; depends only on the seed and `index`). */
  record(index: number): Record<string, unknown>;
  /** Model-backed stages in config order. */
  readonly steps: readonly RecordStep[];
  /**
   * Records kept in flight per engine slot (default 1). Conversations hold one request at a
   * time and wait on tools between requests, so keeping more of them in flight than the engine
   * has slots keeps every slot busy until the very end of the run (the engine queues the
   * excess, DECISIONS difference 7).
   */
  readonly recordsPerSlot?: number;
  /**
   * Transforms (§12) then passthrough projection (§13): the record as written. `index` (the
   * plan index) seeds per-record values such as a CHAT `conversation_id` (DECISIONS 15).
   */
  finish(record: Record<string, unknown>, index?: number): Record<string, unknown>;
  /**
   * Optional checks that need I/O but no engine (e.g. building tool environments to find
   * SQL and schema errors), run by the CLI before the model loads.
   *
   * @throws {ConfigError} listing the problems found.
   */
  check?(): Promise<void>;
  /**
   * Optional set-up once the engine is loaded and before any output file is opened (e.g.
   * loading tool environments and checking the engine can call tools, §11.4).
   *
   * @throws {ConfigError} when the program cannot run on `engine`.
   */
  prepare?(engine: Engine): Promise<void>;
  /** Optional tear-down after the last record (idempotent); called also after a failed run. */
  close?(): Promise<void>;
}
