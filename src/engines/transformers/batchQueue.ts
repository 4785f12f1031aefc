/**
 * Collects concurrent requests into batches: items pushed while a batch runs (or within the same
 * turn of the event loop) wait and go into the next batch, up to `maxBatch` items, in arrival
 * order. One batch runs at a time (one model, one ONNX Runtime session).
 *
 * @module
 */

/** A FIFO of items run in batches by `run`. */
export class BatchQueue<T> {
  private readonly pending: T[] = [];
  private running = false;
  private scheduled = false;
  private closedWith: Error | undefined;
  private idle: Promise<void> = Promise.resolve();

  /**
   * @param maxBatch most items per batch, >= 1.
   * @param run runs one batch; must settle every item itself (it never rejects for an item).
   * @param onClosed called for items still waiting when {@link close} runs.
   */
  constructor(
    private readonly maxBatch: number,
    private readonly run: (items: T[]) => Promise<void>,
    private readonly onClosed: (item: T, error: Error) => void,
  ) {}

  /** Queues `item`; it runs in the next batch with room. */
  push(item: T): void {
    if (this.closedWith) {
      this.onClosed(item, this.closedWith);
      return;
    }
    this.pending.push(item);
    this.schedule();
  }

  /** Removes a waiting item (e.g. aborted); false when it already runs or ran. */
  remove(item: T): boolean {
    const i = this.pending.indexOf(item);
    if (i < 0) return false;
    this.pending.splice(i, 1);
    return true;
  }

  /** Fails waiting items with `error`, refuses new ones; resolves when the running batch ends. */
  close(error: Error): Promise<void> {
    this.closedWith ??= error;
    for (const item of this.pending.splice(0)) this.onClosed(item, error);
    return this.idle;
  }

  private schedule(): void {
    if (this.running || this.pending.length === 0) return;
    // A full batch starts at once; otherwise callers of the same turn may still join it.
    if (this.pending.length >= this.maxBatch) {
      this.start();
      return;
    }
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (!this.running && this.pending.length > 0) this.start();
    });
  }

  private start(): void {
    this.running = true;
    const batch = this.pending.splice(0, this.maxBatch);
    this.idle = this.run(batch).catch(() => undefined).finally(() => {
      this.running = false;
      this.schedule();
    });
  }
}
