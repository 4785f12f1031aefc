/**
 * The `<output>.rejected.jsonl` file: one JSON line per record the quality gate rejected, in
 * plan order, `{index, reason, <details>, record}` (details: the duplicate's line, plan index
 * and similarity; the judge's id, score, rationale and `keep_if`; the failed check and why).
 * Created with the first rejection; a file left by an earlier run of the same output is deleted
 * at open so it cannot pass for this run's. Each line is written at once (no buffer: a killed
 * run keeps every decision made before its output's last mark, which a resume relies on) and
 * the file is synced at close.
 *
 * @module
 */
import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from "node:fs";
import { rm } from "node:fs/promises";
import { dirname } from "node:path";
import { pyJsonDumps } from "../python/json.ts";

/** `out/data.jsonl` → `out/data.rejected.jsonl`. */
export function rejectedFilePath(outputPath: string): string {
  return (outputPath.endsWith(".jsonl") ? outputPath.slice(0, -".jsonl".length) : outputPath) +
    ".rejected.jsonl";
}

/** One rejected record: plan index, reason, the reason's details, and the record itself. */
export interface RejectedEntry {
  index: number;
  reason: string;
  [detail: string]: unknown;
}

/** Appends rejected records to `<output>.rejected.jsonl`, creating it on the first one. */
export class RejectedFileWriter {
  private fd: number | undefined;
  private pending: string[] = [];
  private lines = 0;
  private closed = false;

  private constructor(readonly path: string) {}

  /**
   * Prepares the rejected file of `outputPath`: deletes an existing one; creates nothing.
   *
   * @throws the file-system error when an existing file cannot be removed.
   */
  static async forOutput(outputPath: string): Promise<RejectedFileWriter> {
    const path = rejectedFilePath(outputPath);
    await rm(path, { force: true });
    return new RejectedFileWriter(path);
  }

  /**
   * Writes `lines` (each ending in a newline) first, now: the rejections a resumed run keeps
   * from before its resume point (`resumeQuality.ts`).
   *
   * @throws the file-system error when the write fails.
   */
  keep(lines: readonly string[]): void {
    if (lines.length === 0) return;
    for (const line of lines) this.pending.push(line);
    this.lines += lines.length;
    this.flush();
  }

  /** Rejections written so far. */
  get count(): number {
    return this.lines;
  }

  /** Whether at least one rejection was written. */
  get created(): boolean {
    return this.lines > 0;
  }

  /**
   * Adds one line (written now).
   *
   * @throws after close, and the file-system error when a flush fails.
   */
  write(entry: RejectedEntry): void {
    if (this.closed) throw new Error(`Cannot write to "${this.path}": the rejected file is closed`);
    const line = pyJsonDumps(entry) + "\n";
    this.pending.push(line);
    this.lines++;
    this.flush();
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    if (this.fd === undefined) {
      mkdirSync(dirname(this.path), { recursive: true });
      this.fd = openSync(this.path, "w");
    }
    const data = Buffer.from(this.pending.join(""), "utf8");
    this.pending = [];
    for (let offset = 0; offset < data.length;) {
      offset += writeSync(this.fd, data, offset, data.length - offset);
    }
  }

  /** Writes what is buffered, syncs and closes. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.flush();
    if (this.fd === undefined) return;
    try {
      fsyncSync(this.fd);
    } finally {
      closeSync(this.fd);
    }
  }
}
