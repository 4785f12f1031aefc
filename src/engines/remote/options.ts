/**
 * Factory options the remote adapters read besides the common {@link EngineFactoryOptions}.
 *
 * @module
 */
import type { EngineFactoryOptions } from "../contract.ts";

/** Options of the remote engine factories. */
export interface RemoteFactoryOptions extends EngineFactoryOptions {
  /** Environment for API keys. Default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Receives progress lines (batch status while polling). */
  onInfo?: (message: string) => void;
  /** Rate-limit window in ms (benchmarks shorten it). Default 60 000. */
  rateWindowMs?: number;
  /** Provider batch mode (§18): requests are collected and submitted as batches. */
  batch?: { statePath: string; pollIntervalMs?: number; flushIdleMs?: number };
}
