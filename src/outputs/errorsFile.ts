/**
 * The `<output>.errors.jsonl` file (DECISIONS difference 1): one JSON line per failed record, in
 * oumi's failure-data shape (spec §19), written the moment the failure is reported. The file is
 * created only when the first failure arrives, so a clean run leaves none; a file left by an
 * earlier run of the same output is deleted at open so it cannot pass for this run's.
 *
 * @module
 */
import { closeSync, fsyncSync, mkdirSync, openSync, rmSync, writeSync } from "node:fs";
import { rm } from "node:fs/promises";
import { dirname } from "node:path";
import { pyJsonDumps } from "../python/json.ts";

/** oumi's failure categories (§19). */
export type FailureErrorType =
  | "api_status"
  | "connection"
  | "runtime"
  | "config"
  | "parse_error"
  | "engine_failure"
  | "unknown";

/** One failed record; a line of the errors file, keys written in this order. */
export interface ErrorsFileEntry {
  /** 0-based plan index of the record. */
  index: number;
  /** The attribute being produced when it failed, if any. */
  attribute?: string;
  error_type: FailureErrorType;
  message: string;
  /** HTTP status of the failing request, for `api_status`. */
  status_code?: number;
  is_retryable: boolean;
  /** Requests made for the failing call (1 = no retry). */
  attempts?: number;
}

/**
 * The errors file of an output: `out/data.jsonl` → `out/data.errors.jsonl` (the `.jsonl` suffix
 * is replaced; any other name gets `.errors.jsonl` appended).
 */
export function errorsFilePath(outputPath: string): string {
  return (outputPath.endsWith(".jsonl") ? outputPath.slice(0, -".jsonl".length) : outputPath) +
    ".errors.jsonl";
}

/**
 * Appends failures to an errors file, creating it on the first one.
 *
 * @example
 * ```ts
 * const errors = await ErrorsFileWriter.forOutput("out/data.jsonl"); // removes a stale out/data.errors.jsonl
 * errors.write({ index: 3, error_type: "api_status", message: "rate limited", status_code: 429, is_retryable: true });
 * await errors.close();
 * ```
 */
export class ErrorsFileWriter {
  private fd: number | undefined;
  private lines = 0;
  private closed = false;

  private constructor(
    /** The errors file. */
    readonly path: string,
  ) {}

  /**
   * Prepares `path` as this run's errors file: deletes an existing file there; creates nothing.
   *
   * @throws the file-system error when an existing file cannot be removed.
   */
  static async open(path: string): Promise<ErrorsFileWriter> {
    await rm(path, { force: true });
    return new ErrorsFileWriter(path);
  }

  /** {@link open}, synchronously. @throws the file-system error when the file cannot be removed. */
  static openFresh(path: string): ErrorsFileWriter {
    rmSync(path, { force: true });
    return new ErrorsFileWriter(path);
  }

  /** {@link open} on {@link errorsFilePath}`(outputPath)`. */
  static forOutput(outputPath: string): Promise<ErrorsFileWriter> {
    return ErrorsFileWriter.open(errorsFilePath(outputPath));
  }

  /** Failures written so far. */
  get count(): number {
    return this.lines;
  }

  /** Whether the file exists (at least one failure was written). */
  get created(): boolean {
    return this.fd !== undefined;
  }

  /**
   * Writes one failure line now (creating the file and its folders on the first call). Unknown
   * extra properties of `entry` are not written; absent optional ones are omitted.
   *
   * @throws the file-system error when the file cannot be created or written, and after close.
   */
  write(entry: ErrorsFileEntry): void {
    if (this.closed) throw new Error(`Cannot write to "${this.path}": the errors file is closed`);
    const line = pyJsonDumps({
      index: entry.index,
      attribute: entry.attribute,
      error_type: entry.error_type,
      message: entry.message,
      status_code: entry.status_code,
      is_retryable: entry.is_retryable,
      attempts: entry.attempts,
    }) + "\n";
    if (this.fd === undefined) {
      mkdirSync(dirname(this.path), { recursive: true });
      this.fd = openSync(this.path, "w");
    }
    const data = Buffer.from(line, "utf8");
    for (let offset = 0; offset < data.length;) {
      offset += writeSync(this.fd, data, offset, data.length - offset);
    }
    this.lines++;
  }

  /** Writes lines kept from an earlier errors file as they are (each without its newline). */
  writeLines(lines: readonly string[]): void {
    if (this.closed) throw new Error(`Cannot write to "${this.path}": the errors file is closed`);
    if (this.fd === undefined) {
      mkdirSync(dirname(this.path), { recursive: true });
      this.fd = openSync(this.path, "w");
    }
    const data = Buffer.from(lines.map((l) => l + "\n").join(""), "utf8");
    for (let offset = 0; offset < data.length;) {
      offset += writeSync(this.fd, data, offset, data.length - offset);
    }
    this.lines += lines.length;
  }

  /** Syncs and closes the file if one was created. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.fd === undefined) return;
    try {
      fsyncSync(this.fd);
    } finally {
      closeSync(this.fd);
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
