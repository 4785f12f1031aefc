/**
 * The one place requests are retried (spec §17.3). Adapters only classify failures by
 * throwing {@link EngineError} with `retryable`; this module decides whether and when to try
 * again: up to `max_retries` more attempts, waiting the server's `Retry-After` when given
 * (honoured in full), else `min(retry_backoff_base × 10^(k−1), retry_backoff_max)` seconds,
 * times a jitter factor in `[1, 1 + min(0.25 × num_workers, 1)]`.
 *
 * @module
 */
import { abortableSleep } from "../clock.ts";
import { EngineError } from "../errors.ts";

/** Retry settings with oumi's names and defaults (`remote_params`, §16.2). */
export interface RetryPolicy {
  /** Extra attempts after the first. Default 5. */
  max_retries: number;
  /** First backoff in seconds. Default 1. */
  retry_backoff_base: number;
  /** Cap on one backoff in seconds. Default 30. */
  retry_backoff_max: number;
  /** Used only for the jitter span. Default 1. */
  num_workers: number;
}

/** oumi's defaults (§16.2). */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  max_retries: 5,
  retry_backoff_base: 1,
  retry_backoff_max: 30,
  num_workers: 1,
};

/**
 * Builds a policy from a config's `remote_params` (any missing field takes the default).
 * Local engines (llama.cpp) have no transient failures worth waiting for, so callers pass
 * `max_retries: 0` there unless the user set it.
 */
export function retryPolicyFrom(remote: Record<string, unknown> | null | undefined): RetryPolicy {
  const num = (k: keyof RetryPolicy) =>
    typeof remote?.[k] === "number" ? (remote[k] as number) : DEFAULT_RETRY_POLICY[k];
  return {
    max_retries: num("max_retries"),
    retry_backoff_base: num("retry_backoff_base"),
    retry_backoff_max: num("retry_backoff_max"),
    num_workers: num("num_workers"),
  };
}

/**
 * Seconds to wait before attempt `attempt` (1-based count of retries so far, >= 1).
 * `random` is injectable for tests.
 */
export function backoffSeconds(
  policy: RetryPolicy,
  attempt: number,
  retryAfterSeconds: number | undefined,
  random: () => number = Math.random,
): number {
  const base = retryAfterSeconds !== undefined
    ? Math.max(0, retryAfterSeconds)
    : Math.min(policy.retry_backoff_base * 10 ** (attempt - 1), policy.retry_backoff_max);
  const jitterSpan = Math.min(0.25 * policy.num_workers, 1);
  return base * (1 + random() * jitterSpan);
}

/** Outcome of {@link withRetries}: the value and how many attempts it took. */
export interface Attempted<T> {
  value: T;
  attempts: number;
}

/**
 * Runs `fn` until it succeeds, fails with a non-retryable error, or attempts run out.
 * Non-`EngineError` exceptions are not retried (they are bugs or bad input, not transient).
 *
 * @param options.onRetry called before each wait with the error and the delay in seconds.
 * @param options.sleep waits between attempts (ms); default the real clock's (`clock.ts`).
 * @throws the last error; its `attempts` count is attached as `error.attempts`.
 */
export async function withRetries<T>(
  fn: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  options: {
    signal?: AbortSignal;
    onRetry?: (error: EngineError, delaySeconds: number, attempt: number) => void;
    sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  } = {},
): Promise<Attempted<T>> {
  const sleep = options.sleep ?? abortableSleep;
  for (let attempt = 0;; attempt++) {
    try {
      return { value: await fn(attempt), attempts: attempt + 1 };
    } catch (error) {
      const retryable = error instanceof EngineError && error.retryable && !error.fatal;
      if (!retryable || attempt >= policy.max_retries || options.signal?.aborted) {
        if (error && typeof error === "object") {
          (error as { attempts?: number }).attempts = attempt + 1;
        }
        throw error;
      }
      const delay = backoffSeconds(policy, attempt + 1, error.retryAfterSeconds);
      options.onRetry?.(error, delay, attempt + 1);
      await sleep(delay * 1000, options.signal);
    }
  }
}
