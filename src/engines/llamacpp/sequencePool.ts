/**
 * A fixed set of reusable slots (context sequences) handed out first come, first served; among
 * free slots the caller may prefer one by a score (what reusing its cache saves), else the least
 * recently used slot is taken and its cache overwritten (LRU eviction).
 *
 * @module
 */

/** An abort while waiting for a slot; named `AbortError` as the engine contract asks. */
export function abortError(signal?: AbortSignal): Error {
  const reason = signal?.reason;
  if (reason instanceof Error && reason.name === "AbortError") return reason;
  const error = new Error("The generation request was aborted", { cause: reason });
  error.name = "AbortError";
  return error;
}

/**
 * Hands out `items` one caller at a time; callers beyond the number of items wait in FIFO
 * order. `release` gives an item back (to the longest waiter first). Free items are kept least
 * recently released first.
 */
export class SlotPool<T> {
  private readonly free: T[];
  private readonly waiters: { resolve: (item: T) => void; reject: (error: Error) => void }[] = [];
  private closedError: Error | undefined;

  constructor(items: readonly T[]) {
    this.free = [...items];
  }

  /** Number of callers waiting for a slot. */
  get waiting(): number {
    return this.waiters.length;
  }

  /**
   * Takes a free item or waits for one. With `score`, the free item with the highest positive
   * score is taken (ties: the least recently released), else the least recently released one; a
   * waiter takes whichever item is released next.
   *
   * @throws the `AbortError` of `signal` when aborted while waiting; the close error after
   *   {@link SlotPool.close}.
   */
  acquire(signal?: AbortSignal, score?: (item: T) => number): Promise<T> {
    if (this.closedError) return Promise.reject(this.closedError);
    if (signal?.aborted) return Promise.reject(abortError(signal));
    if (this.free.length > 0) {
      let best = 0;
      if (score) {
        let bestScore = 0;
        for (let i = 0; i < this.free.length; i++) {
          const s = score(this.free[i]);
          if (s > bestScore) [best, bestScore] = [i, s];
        }
      }
      return Promise.resolve(this.free.splice(best, 1)[0]);
    }
    return new Promise<T>((resolve, reject) => {
      const waiter = {
        resolve: (value: T) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(value);
        },
        reject: (error: Error) => {
          signal?.removeEventListener("abort", onAbort);
          reject(error);
        },
      };
      const onAbort = () => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(abortError(signal));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Returns an item: the oldest waiter gets it, else it becomes free. */
  release(item: T): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter.resolve(item);
    else this.free.push(item);
  }

  /** Rejects all current and future waiters with `error`. */
  close(error: Error): void {
    this.closedError = error;
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
  }
}
