/**
 * oumi's adaptive concurrency controller (spec §17.2): starts at half of `num_workers`, grows
 * by `step` while the error rate stays under 1%, shrinks by 0.8x when it reaches 1%, and needs
 * two good windows (≤ 0.5% errors) to leave back-off. Pure state machine; the caller applies
 * the capacity it returns (see `slots.ts`).
 *
 * @module
 */

/** Outcomes kept (the most recent ones). */
const WINDOW = 1000;
/** Outcomes needed before any adjustment. */
const MIN_OUTCOMES = 10;
const ERROR_THRESHOLD = 0.01;
const RECOVERY_THRESHOLD = 0.005;
const BACKOFF_FACTOR = 0.8;

/** The §17.2 controller. Times in milliseconds. */
export class AdaptiveController {
  readonly max: number;
  readonly step: number;
  /** Milliseconds between adjustments: `max(1, politeness − 1)` seconds. */
  readonly minUpdateMs: number;
  #capacity: number;
  #outcomes: boolean[] = [];
  #errors = 0;
  #lastUpdate: number;
  #inBackoff = false;
  #goodWindows = 0;
  #badWindows = 0;

  /**
   * @param maxWorkers `num_workers` (≥ 1).
   * @param politenessSeconds `politeness_policy`.
   */
  constructor(maxWorkers: number, politenessSeconds: number, now = performance.now()) {
    this.max = Math.max(1, Math.floor(maxWorkers));
    this.step = Math.max(1, Math.floor((this.max - 1) / 8));
    this.minUpdateMs = Math.max(1, politenessSeconds - 1) * 1000;
    this.#capacity = Math.floor((this.max - 1) * 0.5 + 1);
    this.#lastUpdate = now;
  }

  /** Current concurrency. */
  get capacity(): number {
    return this.#capacity;
  }

  /** Records one outcome (`true` = success). Non-retryable 4xx are not recorded (§17.2). */
  record(ok: boolean): void {
    this.#outcomes.push(ok);
    if (!ok) this.#errors++;
    if (this.#outcomes.length > WINDOW && !this.#outcomes.shift()) this.#errors--;
  }

  /** Called on every acquire; returns the (possibly changed) capacity. */
  update(now = performance.now()): number {
    const n = this.#outcomes.length;
    if (n < MIN_OUTCOMES || now - this.#lastUpdate < this.minUpdateMs) return this.#capacity;
    const rate = this.#errors / n;
    if (!this.#inBackoff && rate >= ERROR_THRESHOLD) return this.#backoff(now);
    if (this.#inBackoff) {
      this.#clear(now);
      if (rate <= RECOVERY_THRESHOLD) {
        this.#badWindows = 0;
        if (++this.#goodWindows < 2) return this.#capacity;
        this.#inBackoff = false;
        this.#goodWindows = 0;
      } else {
        this.#goodWindows = 0;
        if (++this.#badWindows >= 2) {
          this.#badWindows = 0;
          return this.#backoff(now);
        }
        return this.#capacity;
      }
    }
    const grown = Math.min(this.max, this.#capacity + this.step);
    if (grown !== this.#capacity) {
      this.#capacity = grown;
      this.#clear(now);
    }
    return this.#capacity;
  }

  #backoff(now: number): number {
    this.#inBackoff = true;
    const shrunk = Math.max(1, Math.floor(this.#capacity * BACKOFF_FACTOR));
    if (shrunk !== this.#capacity) this.#capacity = shrunk;
    this.#clear(now);
    return this.#capacity;
  }

  #clear(now: number): void {
    this.#outcomes = [];
    this.#errors = 0;
    this.#lastUpdate = now;
  }
}
