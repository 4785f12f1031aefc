/**
 * Batch inference as an {@link Engine} (spec §18, issue 4): `generate` calls are collected;
 * when no new call has arrived for `flushIdleMs` (every record of the run is waiting on the
 * same attribute by then), the collected requests are submitted as one provider batch, polled
 * until it ends, and each call resolves with its own result or fails with its own error
 * (per-record failures; partial results are kept). The pipeline runs every record at once in
 * this mode, so each generated attribute becomes one batch.
 *
 * Resume: a batch is keyed by the hash of its sorted request bodies; the key and the batch id
 * are saved in the state file right after submission, and a later run that produces the same
 * requests (same config and seed) polls that batch instead of paying for a new one.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { EngineError } from "../../errors.ts";
import type { Engine, GenerateRequest, GenerateResult } from "../contract.ts";
import { type RetryPolicy, withRetries } from "../retry.ts";
import type { BatchState } from "./state.ts";

/** Status of a provider batch. */
export interface BatchStatus {
  /** Provider status text. */
  status: string;
  /** True when results can be fetched (completed, or Anthropic `ended`). */
  done: boolean;
  /** True when the batch ended without results (failed, expired, cancelled). */
  failed: boolean;
  completed?: number;
  total?: number;
}

/** What a provider implements for batches. `body` is the provider's online request body. */
export interface BatchProvider {
  /** Engine name for messages. */
  engine: string;
  /** Builds the online request body for `request` (§16.3 / §16.5). */
  body(request: GenerateRequest): Record<string, unknown>;
  /** Submits `[custom_id, body]` pairs; resolves with the batch id. */
  submit(items: [string, Record<string, unknown>][]): Promise<string>;
  status(id: string): Promise<BatchStatus>;
  /** Results by custom_id: a result, or an error message for that item. */
  results(id: string): Promise<Map<string, GenerateResult | { error: string }>>;
}

/** Options of {@link batchEngine}. */
export interface BatchEngineOptions {
  state: BatchState;
  /** Between status polls. Default 30 000 ms. */
  pollIntervalMs?: number;
  /** Quiet time after the last `generate` before submitting. Default 500 ms. */
  flushIdleMs?: number;
  /** Retries of a failed submit/poll/download call (transient errors). */
  retry: RetryPolicy;
  onInfo?: (message: string) => void;
  /** Classifies SDK errors of the provider calls (same rules as online requests). */
  classify: (error: unknown) => Error;
}

interface Pending {
  body: Record<string, unknown>;
  json: string;
  resolve: (r: GenerateResult) => void;
  reject: (e: unknown) => void;
  signal?: AbortSignal;
  settled: boolean;
}

/** The request-set key: sha256 of the sorted body JSON texts. */
export function batchKey(engine: string, jsons: readonly string[]): string {
  const hash = createHash("sha256").update(engine);
  for (const j of [...jsons].sort()) hash.update("\n").update(j);
  return hash.digest("hex");
}

/** Wraps `provider` as an engine with `maxConcurrency` high enough to hold every record. */
export function batchEngine(
  provider: BatchProvider,
  model: string,
  options: BatchEngineOptions,
): Engine {
  let pending: Pending[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let disposed = false;
  const pollMs = options.pollIntervalMs ?? 30_000;
  const info = (m: string) => options.onInfo?.(m);
  const call = <T>(fn: () => Promise<T>): Promise<T> =>
    withRetries(async () => {
      try {
        return await fn();
      } catch (error) {
        throw options.classify(error);
      }
    }, options.retry).then((r) => r.value);

  const run = async (items: Pending[]) => {
    const live = items.filter((p) => !p.settled);
    if (live.length === 0) return;
    live.sort((a, b) => (a.json < b.json ? -1 : a.json > b.json ? 1 : 0));
    const key = batchKey(provider.engine, live.map((p) => p.json));
    const ids = live.map((_, i) => `request-${i}`);
    let record = options.state.get(key);
    if (record) {
      info(
        `Resuming ${provider.engine} batch ${record.id} (${record.count} requests) from ${options.state.path}`,
      );
    } else {
      const id = await call(() => provider.submit(live.map((p, i) => [ids[i], p.body])));
      record = {
        id,
        engine: provider.engine,
        count: live.length,
        status: "submitted",
        submittedAt: new Date().toISOString(),
      };
      await options.state.set(key, record);
      info(`Submitted ${provider.engine} batch ${id} with ${live.length} requests`);
    }
    const id = record.id;
    let last = "";
    for (;;) {
      if (live.every((p) => p.settled)) {
        info(`Stopped polling batch ${id}; it resumes from ${options.state.path}`);
        return;
      }
      const s = await call(() => provider.status(id));
      const line = `Batch ${id}: ${s.status}` +
        (s.total ? ` (${s.completed ?? 0}/${s.total} done)` : "");
      if (line !== last) info(line);
      last = line;
      if (s.status !== record.status) await options.state.set(key, { ...record, status: s.status });
      if (s.failed && !s.done) {
        throw new EngineError(`Batch ${id} is unrecoverably ${s.status}`);
      }
      if (s.done) break;
      await new Promise((r) => setTimeout(r, pollMs));
    }
    const results = await call(() => provider.results(id));
    live.forEach((p, i) => {
      const r = results.get(ids[i]);
      if (!r) settle(p, new EngineError(`Batch ${id} has no result for ${ids[i]}`));
      else if ("error" in r) {
        settle(p, new EngineError(`Batch ${id} item ${ids[i]} failed: ${r.error}`));
      } else settle(p, r);
    });
  };

  const settle = (p: Pending, outcome: GenerateResult | Error) => {
    if (p.settled) return;
    p.settled = true;
    if (outcome instanceof Error) p.reject(outcome);
    else p.resolve(outcome);
  };

  const flush = () => {
    timer = undefined;
    const items = pending;
    pending = [];
    run(items).catch((error) => {
      for (const p of items) settle(p, error instanceof Error ? error : new Error(String(error)));
    });
  };

  const engine: Engine = {
    name: provider.engine,
    model,
    maxConcurrency: 1_000_000,
    capabilities: { jsonSchema: true, tools: true },
    generate(request) {
      if (disposed) return Promise.reject(new Error("Cannot generate: the engine is disposed"));
      let body: Record<string, unknown>;
      try {
        body = provider.body(request);
      } catch (error) {
        return Promise.reject(error);
      }
      return new Promise<GenerateResult>((resolve, reject) => {
        const p: Pending = {
          body,
          json: JSON.stringify(body),
          resolve,
          reject,
          signal: request.signal,
          settled: false,
        };
        request.signal?.addEventListener("abort", () => {
          const e = new Error("The request was aborted");
          e.name = "AbortError";
          settle(p, e);
        }, { once: true });
        pending.push(p);
        if (timer) clearTimeout(timer);
        timer = setTimeout(flush, options.flushIdleMs ?? 500);
      });
    },
    dispose() {
      disposed = true;
      if (timer) clearTimeout(timer);
      return Promise.resolve();
    },
    [Symbol.asyncDispose]() {
      return engine.dispose();
    },
  };
  return engine;
}
