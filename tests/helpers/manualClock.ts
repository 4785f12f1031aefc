/**
 * A {@link Clock} that only moves when the test says so: `now()` starts at 0, `sleep` and
 * `setTimeout` wait for {@link ManualClock.advance} to pass their due time. Tests of timing
 * behaviour (politeness rests, rate windows, flush timers) assert exact clock times with it,
 * never elapsed wall-clock milliseconds.
 *
 * With `{ auto: true }` the clock moves itself (virtual time): whenever the code under test has
 * nothing left to do but wait on this clock (no promise continuation or `setImmediate` pending
 * for a few event-loop turns), time jumps to the next due wait. Simulated latencies then order
 * events exactly by their virtual times, however loaded the machine, and take no real time.
 * Only for code that waits on nothing else (no real I/O or timers between the waits).
 */
import type { Clock, Timer } from "../../src/clock.ts";

interface Pending {
  at: number;
  seq: number;
  fire: () => void;
  cancelled: boolean;
}

/** Lets every promise continuation that is ready run (one macrotask turn, no real delay). */
export const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Event-loop turns without new work after which an auto clock takes the next step. */
const IDLE_TURNS = 5;

/** A manual clock; see the module comment. */
export class ManualClock implements Clock {
  #now = 0;
  #seq = 0;
  #pending: Pending[] = [];
  readonly #auto: boolean;
  #driving = false;

  constructor(options: { auto?: boolean } = {}) {
    this.#auto = options.auto ?? false;
  }
  /** Every `sleep` asked for, in milliseconds, in call order. */
  readonly sleeps: number[] = [];

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const entry = this.#add(ms, () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      });
      const onAbort = () => {
        entry.cancelled = true;
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  setTimeout(callback: () => void, ms: number): Timer {
    const entry = this.#add(ms, callback);
    return { clear: () => void (entry.cancelled = true) };
  }

  /** Waits and timers not yet due or cancelled. */
  get pendingCount(): number {
    return this.#pending.filter((p) => !p.cancelled).length;
  }

  /**
   * Moves time forward by `ms`, firing what falls due in time order; after each one, lets the
   * code it woke run (which may schedule more waits, fired too when due within `ms`).
   */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await settle();
    for (;;) {
      this.#pending = this.#pending.filter((p) => !p.cancelled);
      this.#pending.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.#pending[0];
      if (!next || next.at > target) break;
      this.#pending.shift();
      this.#now = Math.max(this.#now, next.at);
      next.fire();
      await settle();
    }
    this.#now = target;
    await settle();
  }

  /** Advances until nothing is pending (at most `limitMs`); returns the clock time then. */
  async runAll(limitMs = 86_400_000): Promise<number> {
    const start = this.#now;
    await settle();
    while (this.pendingCount > 0 && this.#now - start < limitMs) {
      const next = Math.min(...this.#pending.filter((p) => !p.cancelled).map((p) => p.at));
      await this.advance(Math.max(0, next - this.#now));
    }
    return this.#now;
  }

  #add(ms: number, fire: () => void): Pending {
    const entry = { at: this.#now + Math.max(0, ms), seq: this.#seq++, fire, cancelled: false };
    this.#pending.push(entry);
    if (this.#auto && !this.#driving) {
      this.#driving = true;
      void this.#drive();
    }
    return entry;
  }

  /** Auto mode: once the code is idle, fire the earliest wait; repeat while any is pending. */
  async #drive(): Promise<void> {
    try {
      while (this.pendingCount > 0) {
        for (let turn = 0; turn < IDLE_TURNS; turn++) await settle();
        const next = Math.min(...this.#pending.filter((p) => !p.cancelled).map((p) => p.at));
        if (Number.isFinite(next)) await this.advance(Math.max(0, next - this.#now));
      }
    } finally {
      this.#driving = false;
    }
  }
}
