/**
 * Time as a dependency: the code whose behaviour *is* timing (politeness slots, the rate
 * limiter, retry waits, the JSONL writer's flush timer) reads the time and waits through a
 * {@link Clock}, so tests drive it with a manual clock instead of sleeping and measuring.
 * Production always uses {@link realClock}.
 *
 * @module
 */

/** A pending {@link Clock.setTimeout}; `clear` cancels it (no-op once it has run). */
export interface Timer {
  clear(): void;
}

/** Reads the time and waits. Times in milliseconds. */
export interface Clock {
  /** Monotonic milliseconds (an arbitrary origin; only differences mean anything). */
  now(): number;
  /**
   * Resolves `ms` milliseconds from now (any length; negative means at once).
   *
   * @throws the abort reason (rejects) when `signal` aborts first, or is already aborted.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Calls `callback` once, `ms` milliseconds from now, unless cleared first. */
  setTimeout(callback: () => void, ms: number): Timer;
}

/** Longest single `setTimeout` (larger delays overflow to 1 ms in JavaScript runtimes). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * `setTimeout` as a promise that rejects early when `signal` aborts. Any length works (a
 * `Retry-After` of weeks is honoured in full, spec §17.3): long waits are chained timers.
 *
 * @throws the abort reason (rejects) when `signal` aborts first.
 */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const until = Date.now() + ms;
    let timer: ReturnType<typeof setTimeout>;
    const arm = (left: number) => {
      timer = setTimeout(() => {
        const rest = until - Date.now();
        if (rest > 0 && left > MAX_TIMER_MS) return arm(rest);
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, Math.min(Math.max(0, left), MAX_TIMER_MS));
    };
    arm(ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** The process's clock: `performance.now()`, {@link abortableSleep} and global `setTimeout`. */
export const realClock: Clock = {
  now: () => performance.now(),
  sleep: abortableSleep,
  setTimeout(callback, ms) {
    const id = setTimeout(callback, ms);
    return { clear: () => clearTimeout(id) };
  },
};
