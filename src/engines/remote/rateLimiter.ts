/**
 * Requests- and tokens-per-minute limits (spec §17.4): a sliding 60-second window; before
 * every attempt, callers queue on one lock and sleep until every limit has room.
 *
 * One deliberate difference: oumi counts only *completed* responses toward the request limit,
 * so with many workers in flight it overshoots by up to `num_workers`; synth counts each
 * request when it starts (tokens are added when its response reports usage), which keeps the
 * achieved rate at or under the limit.
 *
 * @module
 */
import type { Usage } from "../contract.ts";
import { type Clock, realClock } from "../../clock.ts";

/** Limits per window; unset ones are not enforced. */
export interface RateLimits {
  requestsPerMinute?: number;
  inputTokensPerMinute?: number;
  outputTokensPerMinute?: number;
  /** Window length in milliseconds. Default 60 000. */
  windowMs?: number;
}

/** One request in the window. Fill its tokens with {@link RateLimiter.complete}. */
export interface RateEntry {
  at: number;
  input: number;
  output: number;
}

/** The sliding-window limiter. Times from the clock (`performance.now()`), milliseconds. */
export class RateLimiter {
  readonly #limits: RateLimits;
  readonly #windowMs: number;
  #entries: RateEntry[] = [];
  #lock: Promise<void> = Promise.resolve();
  readonly #clock: Clock;

  /** @param clock time source (tests pass a manual one). Default {@link realClock}. */
  constructor(limits: RateLimits, clock: Clock = realClock) {
    this.#limits = limits;
    this.#clock = clock;
    this.#windowMs = limits.windowMs ?? 60_000;
  }

  /** True when some limit is set (otherwise callers may skip the limiter). */
  static needed(limits: RateLimits): boolean {
    return !!(limits.requestsPerMinute || limits.inputTokensPerMinute ||
      limits.outputTokensPerMinute);
  }

  /**
   * Waits (in FIFO order with other callers) until all limits have room, then counts one
   * request starting now.
   *
   * @throws the abort reason when `signal` aborts while waiting.
   */
  async reserve(signal?: AbortSignal): Promise<RateEntry> {
    const previous = this.#lock;
    let unlock!: () => void;
    this.#lock = new Promise((resolve) => (unlock = resolve));
    try {
      await previous;
      for (let wait = this.#waitMs(); wait > 0; wait = this.#waitMs()) {
        await this.#clock.sleep(wait, signal);
      }
      const entry = { at: this.#clock.now(), input: 0, output: 0 };
      this.#entries.push(entry);
      return entry;
    } finally {
      unlock();
    }
  }

  /** Adds a finished request's tokens to its window entry. */
  complete(entry: RateEntry, usage: Usage | undefined): void {
    if (!usage) return;
    entry.input = usage.inputTokens;
    entry.output = usage.outputTokens;
  }

  /** Milliseconds until every limit has room (0 when it has now). */
  #waitMs(): number {
    const now = this.#clock.now();
    const cutoff = now - this.#windowMs;
    let drop = 0;
    while (drop < this.#entries.length && this.#entries[drop].at <= cutoff) drop++;
    if (drop > 0) this.#entries.splice(0, drop);
    const entries = this.#entries;
    const leaves = (e: RateEntry) => e.at + this.#windowMs - now;
    let wait = 0;
    const rpm = this.#limits.requestsPerMinute;
    if (rpm && entries.length >= rpm) wait = Math.max(wait, leaves(entries[entries.length - rpm]));
    for (
      const [limit, key] of [
        [this.#limits.inputTokensPerMinute, "input"],
        [this.#limits.outputTokensPerMinute, "output"],
      ] as const
    ) {
      if (!limit) continue;
      let total = 0;
      for (const e of entries) total += e[key];
      if (total < limit) continue;
      for (const e of entries) {
        total -= e[key];
        if (total < limit) {
          wait = Math.max(wait, leaves(e));
          break;
        }
      }
    }
    return Math.max(0, wait);
  }
}
