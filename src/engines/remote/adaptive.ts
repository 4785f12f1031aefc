/**
 * Adaptive concurrency for one endpoint: AIMD (additive increase, multiplicative decrease), the
 * controller behind oumi's `use_adaptive_concurrency` key (default `true`). It replaces the
 * controller of spec §17.2, which started at half of `num_workers` and grew one step per
 * second, so a healthy server reached full concurrency only after several seconds:
 *
 * - the window starts at `num_workers` (full speed from the first request);
 * - a request that ends in an overload error (429, 5xx, timeout, connection error: whatever the
 *   runtime counts as server-side) multiplies the window by {@link BACKOFF_FACTOR}, at most once
 *   per round trip: an error from a request that started before the last decrease was sent
 *   under the old window and does not shrink it again. Every overload error also caps the
 *   window at the requests still in flight (the server refused one more than that), so a burst
 *   of 429s at start settles at the server's limit in one round trip, not one step per retry;
 * - a success adds `1 / window` (one slot per window's worth of successes, i.e. per round trip)
 *   while the window is in use (full, or requests are queued for it); an idle window does not
 *   grow. Near the concurrency at which the last error happened it grows ten times slower
 *   ({@link PROBE_RATE}), so a server with a fixed limit is probed about once per ten round
 *   trips; a success above that point forgets it;
 * - never above `num_workers`, never below 1.
 *
 * Against a server that answers 429 above C requests in flight the window saws between
 * `0.9 (C + 1)` and `C + 1`: one 429 per cycle of about a dozen round trips. Pure state
 * machine: no clock.
 *
 * @module
 */

/** Multiplier applied to the window on an overload error (Netflix concurrency-limits' AIMD default). */
export const BACKOFF_FACTOR = 0.9;
/** Growth per round trip, in slots, within one slot of the last error's concurrency. */
export const PROBE_RATE = 0.1;

/** The AIMD window of one endpoint. */
export class AimdController {
  /** Upper bound (`num_workers`, ≥ 1). */
  readonly max: number;
  #window: number;
  #epoch = 0;
  #inFlight = 0;
  /** Requests in flight when the last overload error came back (`Infinity`: none known). */
  #ceiling = Infinity;

  /** @param maxWorkers `num_workers`; the window starts there. */
  constructor(maxWorkers: number) {
    this.max = Math.max(1, Math.floor(maxWorkers));
    this.#window = this.max;
  }

  /** Requests this endpoint may have in flight now (integer, 1..max). */
  get capacity(): number {
    return Math.max(1, Math.floor(this.#window));
  }

  /** Requests started on this endpoint and not yet finished. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** True when another request may start here. */
  get hasRoom(): boolean {
    return this.#inFlight < this.capacity;
  }

  /** Counts a request as started; returns the stamp to pass to {@link finish}. */
  start(): number {
    this.#inFlight++;
    return this.#epoch;
  }

  /**
   * Counts a request as finished.
   *
   * @param stamp what {@link start} returned for it.
   * @param outcome `true` success (may grow), `false` overload error (shrinks), `undefined` not
   *   counted (aborts, non-retryable 4xx: the request says nothing about the server's load).
   * @param queued whether requests are waiting for a slot (the window limits the demand).
   */
  finish(stamp: number, outcome: boolean | undefined, queued = false): void {
    const concurrent = this.#inFlight;
    this.#inFlight = Math.max(0, this.#inFlight - 1);
    if (outcome === true) {
      if (concurrent > this.#ceiling) this.#ceiling = Infinity;
      if (concurrent < this.capacity && !queued) return; // the window is not in use
      const rate = this.#window + 1 >= this.#ceiling ? PROBE_RATE : 1;
      this.#window = Math.min(this.max, this.#window + rate / this.#window);
    } else if (outcome === false) {
      if (stamp === this.#epoch) {
        this.#window *= BACKOFF_FACTOR;
        this.#epoch++;
        this.#ceiling = concurrent;
      } else this.#ceiling = Math.min(this.#ceiling, concurrent);
      this.#window = Math.max(1, Math.min(this.#window, this.#inFlight));
    }
  }
}
