/**
 * The internal contract every environment type implements (spec §11.5, §11.7-§11.9): built
 * once at load, then opened per record. Shared (stateless) environments return the same
 * instance for every record; isolating ones (stateful synthetic, database) return a fresh one.
 *
 * @module
 */
import type { Generate } from "../engines/contract.ts";
import type { EnvironmentParams, ToolParams } from "../config/schema.ts";

/** A tool-level failure: becomes a `{"error": "..."}` tool message, never fails the record. */
export class ToolError extends Error {
  override name = "ToolError";
}

/** One validated call handed to an environment: the tool and its parsed arguments. */
export interface EnvCall {
  tool: ToolParams;
  args: Record<string, unknown>;
}

/** The outcome of one call: an output (any JSON value) or a tool error message. */
export type CallOutcome = { ok: true; output: unknown } | { ok: false; error: string };

/** What an environment step needs from the record it runs for. */
export interface SessionContext {
  recordIndex: number;
  /** The engine call (retries and usage accounting done by the caller). */
  generate: Generate;
}

/** One record's view of an environment. */
export interface EnvInstance {
  /**
   * Runs one batch of calls (one assistant message's calls for this environment, in order).
   * Tool-level problems are `{ok: false}` outcomes; a throw means the whole batch failed and
   * the router retries each call alone.
   */
  step(calls: readonly EnvCall[]): Promise<CallOutcome[]>;
  /** Releases per-record resources (rolls back, drops state). Idempotent; no-op when shared. */
  close(): Promise<void>;
}

/** A built environment. */
export interface BuiltEnvironment {
  readonly params: EnvironmentParams;
  /** Opens the record's instance (fresh for isolating environments). */
  open(context: SessionContext): Promise<EnvInstance>;
  /** Releases everything (databases, caches). Idempotent. */
  close(): Promise<void>;
}

/** Runs `fn` and turns a {@link ToolError} into an error outcome; other errors propagate. */
export async function outcomeOf(fn: () => Promise<unknown> | unknown): Promise<CallOutcome> {
  try {
    return { ok: true, output: await fn() };
  } catch (error) {
    if (error instanceof ToolError) return { ok: false, error: error.message };
    throw error;
  }
}
