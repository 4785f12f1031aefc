/**
 * `synth serve`'s bounded queue: at most `capacity` (the engine's parallel sequences) requests
 * generate at once and at most `maxQueue` more wait for a sequence; a request beyond that is
 * refused at once (429 with `Retry-After`, see `server.ts`) instead of queueing without limit.
 * The wait suggested is how long the queue ahead takes to drain at the recent pace.
 *
 * @module
 */

/** Default `--max-queue`: 8 waiting requests per parallel sequence, at least 16. */
export function defaultMaxQueue(capacity: number): number {
  return Math.max(16, 8 * capacity);
}

/** Counts admitted requests; pure bookkeeping (the engine does the actual queueing). */
export class Admission {
  readonly capacity: number;
  readonly maxQueue: number;
  #admitted = 0;
  /** Smoothed seconds one request holds a sequence (exponential moving average). */
  #seconds = 1;

  /**
   * @param capacity requests generated at once (`engine.maxConcurrency`, ≥ 1).
   * @param maxQueue requests allowed to wait beyond that (≥ 0).
   */
  constructor(capacity: number, maxQueue: number) {
    this.capacity = Math.max(1, capacity);
    this.maxQueue = Math.max(0, maxQueue);
  }

  /** Requests admitted and not finished (generating or waiting). */
  get admitted(): number {
    return this.#admitted;
  }

  /** Requests waiting for a sequence. */
  get queued(): number {
    return Math.max(0, this.#admitted - this.capacity);
  }

  /** Admits a request, or returns `false` when the queue is full. */
  tryAdmit(): boolean {
    if (this.#admitted >= this.capacity + this.maxQueue) return false;
    this.#admitted++;
    return true;
  }

  /**
   * Ends an admitted request.
   *
   * @param seconds how long it took (feeds the `Retry-After` estimate); omit when unknown.
   */
  finish(seconds?: number): void {
    this.#admitted = Math.max(0, this.#admitted - 1);
    if (seconds !== undefined && seconds >= 0) this.#seconds = 0.8 * this.#seconds + 0.2 * seconds;
  }

  /** Whole seconds a refused client should wait: the queue's drain time, 1..60. */
  retryAfterSeconds(): number {
    const drain = (this.queued + 1) * this.#seconds / this.capacity;
    return Math.min(60, Math.max(1, Math.ceil(drain)));
  }
}
