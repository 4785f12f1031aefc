/**
 * The one request path of a run: every engine request a step (or a tool environment acting
 * for it) makes goes through {@link RequestPath.forRecord}'s `Generate`, which sends it,
 * retries it with the run's policy (`engines/retry.ts`, spec §17.3), counts its usage per
 * attribute and engine (`stats.ts`), queues it behind a {@link PriorityGate} when more records
 * are in flight than the engine has slots, and passes every response with its
 * {@link RequestKey} through one optional {@link ResponseHook} (recording and replaying
 * responses, e.g. a run journal).
 *
 * Fast path (no gate, no hook, the common case): one direct `engine.generate` call and one
 * `then` that counts usage; the retry machinery is entered only after a first failure, so no
 * async frame is added per request.
 *
 * @module
 */
import type {
  Engine,
  Generate,
  GenerateHints,
  GenerateRequest,
  GenerateResult,
} from "../engines/contract.ts";
import { type RetryPolicy, withRetries } from "../engines/retry.ts";
import type { EngineError } from "../errors.ts";
import { PriorityGate } from "./priorityGate.ts";
import { addUsage, type RunStats } from "./stats.ts";

/**
 * Identifies one request of a run. Replaying the same responses makes a step take the same
 * path, so the same key names the same request across a run and its resumption.
 */
export interface RequestKey {
  /** 0-based plan index of the record. */
  readonly index: number;
  /** Id of the attribute (step) that sent it. */
  readonly attribute: string;
  /**
   * 0-based ordinal of the request among those of this record and attribute, in the order
   * the step sent them (planner attempts, messages, tool rounds, simulated tool calls).
   */
  readonly call: number;
  /** 1-based conversation message number when the step gave one ({@link GenerateHints.turn}). */
  readonly turn?: number;
}

/** Where every response passes with its key; both members optional. */
export interface ResponseHook {
  /**
   * A response recorded earlier for `key`, or `undefined` to call the engine. A response
   * returned here is used as is: the engine is not called, its usage is not counted again,
   * and `onResponse` is not called for it.
   */
  lookup?(key: RequestKey, request: GenerateRequest): GenerateResult | undefined;
  /**
   * Called with every response the engine gave (after retries and usage accounting), before
   * the step sees it; when it returns a promise, the step waits for it (e.g. a durable write).
   * A throw or rejection fails the record.
   */
  onResponse?(
    key: RequestKey,
    request: GenerateRequest,
    result: GenerateResult,
  ): void | Promise<void>;
}

/** What {@link RequestPathOptions.onRetry} receives before each wait. */
export interface RetryInfo {
  index: number;
  attribute: string;
  /** Wait before the next attempt, in seconds. */
  delaySeconds: number;
  error: EngineError;
}

/** Options of {@link createRequestPath}. */
export interface RequestPathOptions {
  engine: Engine;
  /** Usage is added here (`addUsage`, per attribute and per engine). */
  stats: RunStats;
  retry: RetryPolicy;
  /** Set on every request; aborts in-flight requests and retry waits. */
  signal: AbortSignal;
  /**
   * Records in flight at once. Above `engine.maxConcurrency`, requests queue in a
   * {@link PriorityGate} of the engine's size, most work left ({@link GenerateHints.remaining})
   * first.
   */
  concurrency: number;
  onRetry?: (info: RetryInfo) => void;
  hook?: ResponseHook;
}

/** The run's request path (see the module comment). */
export interface RequestPath {
  /**
   * The `Generate` a step uses for record `index` and attribute `attribute` (a fresh one per
   * record and step: it numbers the step's requests for {@link RequestKey.call}).
   */
  forRecord(index: number, attribute: string): Generate;
}

/** Builds the request path of one run over a loaded `engine`. */
export function createRequestPath(options: RequestPathOptions): RequestPath {
  const { engine, stats, signal, hook } = options;
  const retryAfterFirstFailure = async (
    first: unknown,
    index: number,
    attribute: string,
    request: GenerateRequest,
  ): Promise<GenerateResult> => {
    const { value } = await withRetries<GenerateResult>(
      (attempt) => (attempt === 0 ? Promise.reject(first) : engine.generate(request)),
      options.retry,
      {
        signal,
        onRetry: (error, delaySeconds) =>
          options.onRetry?.({ index, attribute, delaySeconds, error }),
      },
    );
    return value;
  };
  const onResponse = hook?.onResponse?.bind(hook);
  const sendNow = (
    index: number,
    attribute: string,
    request: GenerateRequest,
    key?: RequestKey,
  ): Promise<GenerateResult> => {
    request.signal = signal;
    let pending: Promise<GenerateResult>;
    try {
      pending = engine.generate(request);
    } catch (error) {
      pending = Promise.reject(error);
    }
    // Usage and the hook's `onResponse` in one callback: no extra promise per response.
    const count = (value: GenerateResult): GenerateResult | Promise<GenerateResult> => {
      addUsage(stats, attribute, value.usage);
      if (key === undefined || onResponse === undefined) return value;
      const stored = onResponse(key, request, value);
      return stored ? stored.then(() => value) : value;
    };
    return pending.then(
      count,
      (first) => retryAfterFirstFailure(first, index, attribute, request).then(count),
    );
  };
  const gate = options.concurrency > engine.maxConcurrency
    ? new PriorityGate(engine.maxConcurrency)
    : undefined;
  const send = gate
    ? (
      index: number,
      attribute: string,
      request: GenerateRequest,
      hints?: GenerateHints,
      key?: RequestKey,
    ) => gate.run(hints?.remaining ?? 0, () => sendNow(index, attribute, request, key))
    : (
      index: number,
      attribute: string,
      request: GenerateRequest,
      _hints?: GenerateHints,
      key?: RequestKey,
    ) => sendNow(index, attribute, request, key);

  if (!hook) {
    return {
      forRecord: (index, attribute) => (request, hints) => send(index, attribute, request, hints),
    };
  }
  return {
    forRecord(index, attribute) {
      let call = 0;
      return (request, hints) => {
        const key: RequestKey = hints?.turn === undefined
          ? { index, attribute, call: call++ }
          : { index, attribute, call: call++, turn: hints.turn };
        let recorded: GenerateResult | undefined;
        try {
          recorded = hook.lookup?.(key, request);
        } catch (error) {
          return Promise.reject(error);
        }
        if (recorded) return Promise.resolve(recorded);
        return send(index, attribute, request, hints, key);
      };
    },
  };
}
