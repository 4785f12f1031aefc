/**
 * Ordered, crash-safe JSON Lines output (spec §14.1; DECISIONS difference 2): records finish out
 * of order under concurrent generation, but the file lists them in plan order, and each
 * contiguous run of finished records is written as soon as it exists (buffered for at most
 * `flushIntervalMs`), so a crash never loses what was already written.
 *
 * What is on disk after a crash: the file was truncated at open; it holds one complete line per
 * record of the contiguous finished prefix (in plan order, failed/filtered indices simply absent)
 * up to the last flush. Lost are: records finished out of order that were waiting for an earlier
 * one, and — only if the process is killed outright (SIGKILL, power loss; for power loss also
 * what the OS had not yet synced, unless `fsync` is set) — the records of the last
 * `flushIntervalMs`. On a normal exit or an uncaught exception, a process `exit` hook writes the
 * buffer first. Lines are written with whole-buffer `write` calls, so at worst the last line of a
 * killed process is cut short (it then lacks its `\n`).
 *
 * @module
 */
import { closeSync, fdatasync, fsyncSync, ftruncateSync, openSync, writeSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { type Clock, realClock, type Timer } from "../clock.ts";
import { maybeCrash } from "./crashPoints.ts";
import { FinalLine, PyJsonLineEncoder } from "./pyJsonLine.ts";

/** Options of {@link OrderedJsonlWriter.open}. */
export interface OrderedJsonlWriterOptions {
  /** Plan index of the first record. Default 0. */
  firstIndex?: number;
  /** Longest time a finished, in-order record waits in memory before it is written. Default 200 ms. */
  flushIntervalMs?: number;
  /** Write as soon as this many in-order records are buffered. Default 256. */
  flushRecords?: number;
  /** `fsync` after every write, not only at close (slower; guards against power loss). Default false. */
  fsync?: boolean;
  /** One record to one line (no newline). Default: Python-compatible JSON (`pyJsonDumps`, encoded by {@link PyJsonLineEncoder}). */
  serialize?: (record: Record<string, unknown>) => string;
  /** Runs the `flushIntervalMs` timer (tests pass a manual clock). Default the real clock. */
  clock?: Clock;
  /**
   * Keep the first `keepBytes` bytes of an existing file and write after them (a resumed run:
   * the file is cut to that length at open). Default: the file is created or truncated.
   */
  keepBytes?: number;
  /** Lines in the kept bytes (for the line counts passed to `onWrite`). Default 0. */
  keepLines?: number;
  /**
   * Leave an existing file untouched until the first record is written (or {@link
   * OrderedJsonlWriter.close} commits): a run that fails before producing anything does not
   * damage the output of an earlier run (DECISIONS 14).
   */
  deferOpen?: boolean;
  /**
   * Called after each write with the last plan index the file now covers (failed and filtered
   * indices included), the file's size in bytes and its lines: the run journal's output marks.
   */
  onWrite?: (through: number, bytes: number, lines: number) => void;
}

/** Totals reported by {@link OrderedJsonlWriter.close}. */
export interface OrderedJsonlWriterSummary {
  /** Lines in the file. */
  written: number;
  /** Indices put as `null` (failed or filtered records). */
  skipped: number;
  /** Indices never put, below the highest index put: gaps the writer had to step over at close. */
  missing: number[];
}

/**
 * Writes records to a JSONL file in index order while they arrive in any order.
 *
 * @example
 * ```ts
 * const w = await OrderedJsonlWriter.open("out/data.jsonl");
 * w.put(1, { a: 2 }); // held: index 0 is not finished yet
 * w.put(0, { a: 1 }); // 0 and 1 are now buffered, written within 200 ms
 * w.put(2, null);     // index 2 failed: nothing written for it
 * await w.close();    // { written: 2, skipped: 1, missing: [] }
 * ```
 */
export class OrderedJsonlWriter {
  /** Index of the next record to write. */
  private nextIndex: number;
  /** Finished records behind a gap (see {@link Item}), `null` when failed. */
  private readonly waiting = new Map<number, Item | null>();
  /** In-order items not yet written. */
  private pending: Item[] = [];
  /** Bytes written since the last background sync was started. */
  private unsyncedBytes = 0;
  /** The background `fdatasync` in flight, if any (see {@link syncInBackground}). */
  private syncing: Promise<void> | undefined;
  private readonly lines = new PyJsonLineEncoder();
  private timer: Timer | undefined;
  private writtenCount = 0;
  /** The file's size in bytes. */
  private bytes = 0;
  /** The file descriptor; -1 until a deferred file is opened. */
  private fd: number;
  private skippedCount = 0;
  private failure: unknown;
  private closed = false;
  /** What is kept of a record until its chunk is written. */
  private readonly serialize: (record: Record<string, unknown>) => Item;
  private readonly exitHook = () => {
    try {
      this.writeBuffer();
    } catch {
      // The process is exiting; nothing more can be done.
    }
  };

  private constructor(
    /** The output file. */
    readonly path: string,
    fd: number,
    private readonly options: OrderedJsonlWriterOptions,
  ) {
    this.fd = fd;
    this.bytes = options.keepBytes ?? 0;
    this.nextIndex = options.firstIndex ?? 0;
    if (options.serialize) {
      const custom = options.serialize;
      this.serialize = (record) => new FinalLine(custom(record));
    } else {
      // The record itself: a whole chunk is serialised with one native call when written.
      this.serialize = (record) => record;
    }
    process.on("exit", this.exitHook);
  }

  /**
   * Creates the parent folders, then creates or truncates `path`.
   *
   * @throws the file-system error (`EACCES`, `EISDIR`, ...) when the file cannot be opened.
   */
  static async open(
    path: string,
    options: OrderedJsonlWriterOptions = {},
  ): Promise<OrderedJsonlWriter> {
    await mkdir(dirname(path), { recursive: true });
    if (options.deferOpen) return new OrderedJsonlWriter(path, -1, options);
    return new OrderedJsonlWriter(path, openFile(path, options.keepBytes), options);
  }

  /** Lines handed to the file so far (they survive a crash of this process). */
  get written(): number {
    return this.writtenCount;
  }
  /** Indices put as `null`. */
  get skipped(): number {
    return this.skippedCount;
  }
  /** In-order records buffered for the next write. */
  get buffered(): number {
    return this.pending.length;
  }
  /** Finished records held because an earlier index is not finished (the out-of-order window). */
  get waitingCount(): number {
    return this.waiting.size;
  }

  /**
   * Hands over record `index` (`null`: it failed or was filtered out and gets no line). It is
   * written once every earlier index has been put, serialised together with the other records
   * of its chunk then: the record must not be changed after `put` (with a custom `serialize`
   * option, it is serialised now).
   *
   * @throws {RangeError} when `index` was already put, is below `firstIndex` or is not an integer.
   * @throws the error of an earlier failed write (including a record that could not be
   *   serialised, a circular structure: the writer then stops), and after {@link close}.
   */
  put(index: number, record: Record<string, unknown> | null): void {
    if (this.closed) {
      throw new Error(`Cannot write record ${index} to "${this.path}": the writer is closed`);
    }
    if (this.failure !== undefined) throw this.failure;
    if (!Number.isSafeInteger(index) || index < this.nextIndex || this.waiting.has(index)) {
      throw new RangeError(
        `Cannot write record ${index} to "${this.path}": index was already written or is invalid`,
      );
    }
    const line = record === null ? null : this.serialize(record);
    if (index !== this.nextIndex) {
      this.waiting.set(index, line);
      return;
    }
    this.append(line);
    while (this.waiting.has(this.nextIndex)) {
      const next = this.waiting.get(this.nextIndex)!;
      this.waiting.delete(this.nextIndex);
      this.append(next);
    }
    if (this.pending.length) {
      this.timer ??= (this.options.clock ?? realClock).setTimeout(
        () => this.timedFlush(),
        this.options.flushIntervalMs ?? 200,
      );
    }
  }

  /** Writes the buffered in-order records now. */
  async flush(): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    this.writeBuffer();
  }

  /**
   * Writes what is buffered, then the records still waiting behind a gap (in index order,
   * stepping over the indices never put, which are reported as `missing`), syncs and closes the
   * file. Calling it again returns the same totals.
   *
   * `keepGaps: true` (a journaled run that stopped early) writes only the contiguous prefix:
   * records behind a gap are dropped (a resume produces them again from the journal) and the
   * indices after the prefix are not reported as missing. `commit: false` leaves a deferred
   * file (see {@link OrderedJsonlWriterOptions.deferOpen}) untouched when nothing was written.
   *
   * @throws the error of a failed write.
   */
  async close(
    options: { keepGaps?: boolean; commit?: boolean } = {},
  ): Promise<OrderedJsonlWriterSummary> {
    const missing: number[] = [];
    if (!this.closed) {
      this.closed = true;
      process.off("exit", this.exitHook);
      try {
        if (this.failure !== undefined) throw this.failure;
        if (!options.keepGaps) {
          for (const index of [...this.waiting.keys()].sort((a, b) => a - b)) {
            while (this.nextIndex < index) missing.push(this.nextIndex++);
            this.append(this.waiting.get(index)!);
          }
        }
        this.waiting.clear();
        this.writeBuffer();
        if (this.fd < 0 && options.commit !== false) this.openDeferred();
        if (this.fd >= 0) {
          await this.syncing; // never close the file under a background sync
          fsyncSync(this.fd); // only what the background syncs have not covered yet
        }
      } finally {
        this.timer?.clear();
        if (this.fd >= 0) closeSync(this.fd);
      }
    }
    return { written: this.writtenCount, skipped: this.skippedCount, missing };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private append(item: Item | null): void {
    this.nextIndex++;
    if (item === null) {
      this.skippedCount++;
      return;
    }
    this.pending.push(item);
    if (this.pending.length >= (this.options.flushRecords ?? 256)) this.writeBuffer();
  }

  private timedFlush(): void {
    this.timer = undefined;
    try {
      this.writeBuffer();
    } catch {
      // Kept in `failure`; reported by the next put, flush or close.
    }
  }

  /**
   * Every {@link BACKGROUND_SYNC_BYTES} written, starts an `fdatasync` on the thread pool, so the
   * OS writes the file back while records keep coming and the `fsync` at close has little left
   * to do. Durability is unchanged: `close` still returns only after a full `fsync`. A failed
   * background sync is ignored here; the `fsync` at close reports the problem.
   */
  private syncInBackground(bytes: number): void {
    this.unsyncedBytes += bytes;
    if (this.syncing || this.unsyncedBytes < BACKGROUND_SYNC_BYTES || this.closed) return;
    this.unsyncedBytes = 0;
    this.syncing = new Promise<void>((resolve) => fdatasync(this.fd, () => resolve())).then(() => {
      this.syncing = undefined;
    });
  }

  private openDeferred(): void {
    this.fd = openFile(this.path, this.options.keepBytes);
  }

  private writeBuffer(): void {
    if (this.pending.length === 0) return;
    const items = this.pending;
    this.pending = [];
    let data: Uint8Array;
    try {
      data = this.lines.encodeRecords(items);
      if (this.fd < 0) this.openDeferred();
      maybeCrash("output", this.fd, data);
      for (let offset = 0; offset < data.length;) {
        offset += writeSync(this.fd, data, offset, data.length - offset);
      }
      if (this.options.fsync) fsyncSync(this.fd);
      else this.syncInBackground(data.length);
    } catch (error) {
      this.failure = new Error(`Cannot write to "${this.path}": ${(error as Error).message}`, {
        cause: error,
      });
      throw this.failure;
    }
    this.writtenCount += items.length;
    this.bytes += data.length;
    this.options.onWrite?.(
      this.nextIndex - 1,
      this.bytes,
      (this.options.keepLines ?? 0) + this.writtenCount,
    );
  }
}

/** Opens `path` for writing: truncated, or cut to `keepBytes` and positioned at its end. */
function openFile(path: string, keepBytes: number | undefined): number {
  if (!keepBytes) return openSync(path, "w");
  const fd = openSync(path, "r+");
  ftruncateSync(fd, keepBytes);
  closeSync(fd);
  return openSync(path, "a");
}

/** Bytes written between background syncs. */
const BACKGROUND_SYNC_BYTES = 8 * 1024 * 1024;

/** A record kept until its chunk is written, or a custom serialiser's final line. */
type Item = Record<string, unknown> | FinalLine;
