/**
 * A fixed set of reusable slots (context sequences) handed out first come, first served.
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
 * order. `release` gives an item back (to the longest waiter first).
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
   * Takes a free item or waits for one.
   *
   * @throws the `AbortError` of `signal` when aborted while waiting; the close error after
   *   {@link SlotPool.close}.
   */
  acquire(signal?: AbortSignal): Promise<T> {
    if (this.closedError) return Promise.reject(this.closedError);
    if (signal?.aborted) return Promise.reject(abortError(signal));
    const item = this.free.pop();
    if (item !== undefined) return Promise.resolve(item);
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
