/**
 * A counting semaphore whose waiters are served highest priority first (FIFO among equals).
 * The pipeline puts the engine's requests through one when more records are in flight than
 * the engine has slots (conversations, DECISIONS difference 7), so that the requests of the
 * records with the most work left go first — longest-remaining-first keeps every slot busy
 * until the end of the run instead of leaving a tail of long conversations.
 *
 * @module
 */

/** See the module comment. */
export class PriorityGate {
  #free: number;
  #seq = 0;
  readonly #waiting: { priority: number; seq: number; wake: () => void }[] = [];

  /** @param slots requests allowed through at once (>= 1) */
  constructor(slots: number) {
    this.#free = Math.max(1, slots);
  }

  /**
   * Runs `task` once a slot is free; waiters with a higher `priority` are let through first.
   * The slot is released when `task` settles.
   */
  async run<T>(priority: number, task: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else {
      await new Promise<void>((wake) => {
        this.#waiting.push({ priority, seq: this.#seq++, wake });
      });
    }
    try {
      return await task();
    } finally {
      this.#release();
    }
  }

  #release(): void {
    if (this.#waiting.length === 0) {
      this.#free++;
      return;
    }
    let best = 0;
    for (let i = 1; i < this.#waiting.length; i++) {
      const a = this.#waiting[i];
      const b = this.#waiting[best];
      if (a.priority > b.priority || (a.priority === b.priority && a.seq < b.seq)) best = i;
    }
    const [next] = this.#waiting.splice(best, 1);
    next.wake();
  }
}
