/**
 * A compiled synthesis run: what {@link import("./pipeline.ts").runPipeline} executes. Built
 * once from a validated config by `compile.ts` (templates parsed, regexes compiled,
 * placeholders checked), then applied to each planned record.
 *
 * @module
 */
import type { GenerateRequest, GenerateResult } from "../engines/contract.ts";

/** Sends one request to the engine (with retries and usage accounting done by the caller). */
export type Generate = (request: GenerateRequest) => Promise<GenerateResult>;

/** One model-backed stage of a record, e.g. a generated attribute (§9) or later a multi-turn attribute (§10). */
export interface RecordStep {
  /** Attribute id, used in failure reports and usage per attribute. */
  readonly id: string;
  /** Adds this stage's keys to `record` (mutating it), calling `generate` as needed. */
  run(record: Record<string, unknown>, generate: Generate): Promise<void>;
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
  /** Transforms (§12) then passthrough projection (§13): the record as written. */
  finish(record: Record<string, unknown>): Record<string, unknown>;
}
