/**
 * The politeness-policy semaphore (spec §17.1): `capacity` slots with a FIFO queue of
 * "earliest next start" times. After a request finishes, its slot rests `politeness` seconds
 * before starting another; the first `capacity` requests never wait. Under adaptive
 * concurrency the runtime resizes the capacity after each outcome ({@link Slots.resize}, the
 * sum of the endpoints' AIMD windows, see `adaptive.ts`).
 *
 * @module
 */
import { type Clock, realClock } from "../../clock.ts";

/** A held slot; pass it back to {@link Slots.release} exactly once. */
export interface SlotTicket {
  readonly acquiredAt: number;
}

/** FIFO slots with politeness and a capacity that may change. Times in milliseconds. */
export class Slots {
  #capacity: number;
  #inUse = 0;
  /** Earliest start times of free slots, oldest first (0 = no wait). */
  #readyAt: number[];
  #waiters: { wake: (readyAt: number) => void }[] = [];
  readonly #politenessMs: number;
  readonly #clock: Clock;

  /**
   * @param capacity initial slots (`num_workers`).
   * @param politenessSeconds rest after each request (§17.1).
   * @param clock time source for the rests (tests pass a manual one). Default {@link realClock}.
   */
  constructor(capacity: number, politenessSeconds: number, clock: Clock = realClock) {
    this.#clock = clock;
    this.#capacity = Math.max(1, Math.floor(capacity));
    this.#politenessMs = politenessSeconds * 1000;
    this.#readyAt = Array(this.#capacity).fill(0);
  }

  /** Current capacity (changes under adaptive control). */
  get capacity(): number {
    return this.#capacity;
  }

  /** Requests waiting for a slot now. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /** Requests holding a slot now. */
  get inUse(): number {
    return this.#inUse;
  }

  /**
   * Waits for a free slot (FIFO), then until that slot's politeness rest is over.
   *
   * @throws the abort reason when `signal` aborts while waiting (no slot is held then).
   */
  async acquire(signal?: AbortSignal): Promise<SlotTicket> {
    if (signal?.aborted) throw signal.reason;
    let readyAt: number;
    if (this.#inUse < this.#capacity && this.#waiters.length === 0) readyAt = this.#take();
    else {
      // The waker takes the slot (#take) for us and hands over its ready time.
      readyAt = await new Promise<number>((resolve, reject) => {
        const waiter = {
          wake: (at: number) => {
            signal?.removeEventListener("abort", onAbort);
            resolve(at);
          },
        };
        const onAbort = () => {
          const i = this.#waiters.indexOf(waiter);
          if (i >= 0) this.#waiters.splice(i, 1);
          reject(signal?.reason);
        };
        signal?.addEventListener("abort", onAbort, { once: true });
        this.#waiters.push(waiter);
      });
    }
    const wait = readyAt - this.#clock.now();
    if (wait > 0) {
      try {
        await this.#clock.sleep(wait, signal);
      } catch (error) {
        this.#readyAt.unshift(readyAt);
        this.#inUse--;
        this.#wakeNext();
        throw error;
      }
    }
    return { acquiredAt: this.#clock.now() };
  }

  /** Frees the slot; it may start again `politeness` seconds from now. */
  release(_ticket: SlotTicket): void {
    this.#inUse--;
    this.#readyAt.push(this.#politenessMs > 0 ? this.#clock.now() + this.#politenessMs : 0);
    this.#fit();
    this.#wakeNext();
  }

  /**
   * Sets the capacity (≥ 1). Shrinking never interrupts a held slot: new requests wait until
   * enough have been released; growing wakes waiters at once.
   */
  resize(capacity: number): void {
    capacity = Math.max(1, Math.floor(capacity));
    if (capacity === this.#capacity) return;
    this.#capacity = capacity;
    this.#fit();
    this.#wakeNext();
  }

  /** Keeps one queue entry per free slot: trims the oldest on shrink, pads "no wait" on growth. */
  #fit(): void {
    const free = Math.max(0, this.#capacity - this.#inUse);
    if (this.#readyAt.length > free) this.#readyAt.splice(0, this.#readyAt.length - free);
    while (this.#readyAt.length < free) this.#readyAt.unshift(0);
  }

  #wakeNext(): void {
    while (this.#inUse < this.#capacity && this.#waiters.length > 0) {
      this.#waiters.shift()!.wake(this.#take());
    }
  }

  /** Occupies a slot and returns the earliest time it may start. */
  #take(): number {
    this.#inUse++;
    return this.#readyAt.shift() ?? 0;
  }
}
