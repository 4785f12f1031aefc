/**
 * The run journal (`<output>.journal.jsonl`, issue 12): an append-only JSON Lines log of
 * everything a run paid for, written as it happens, so `--resume` continues an interrupted run
 * without paying again.
 *
 * Lines (one JSON object each; the first is the header):
 * - header `{"journal":1, "synth", "fingerprint", "seed", "num_samples", "shard", "engine",
 *   "model", "config", "created"}` (see {@link JournalHeader});
 * - a response `{"i":12,"a":"answer","n":0,"h":123,"c":"text","u":[in,out,cached],"s":"stop"}`
 *   (record index, attribute, n-th request of that attribute in the record, a hash of the
 *   request's messages; the reply as content, usage and finish reason, `tc` tool calls and `m`
 *   other message fields when present);
 * - a failed record `{"i":12,"f":{errors-file entry}}`;
 * - a record left out on purpose (filtered, or rejected by the quality gate) `{"i":12,"s":1}`;
 * - an output mark `{"w":41,"b":10240,"l":40,"f":1,"j":5120}`: the output file holds every
 *   record up to index 41 in its first 10240 bytes, as 40 lines; 1 record up to 41 failed; every
 *   entry of a record after 41 is at journal byte 5120 or later (written after the output write
 *   it describes). A resume reads only from `j` on, so its cost does not grow with the run.
 *
 * Durability: the first 32 lines of a turn of the event loop are written one by one, at once;
 * lines that follow in the same turn (only an engine that answers without I/O produces so many)
 * are written together (group commit) at its end, or every 256 KB when a run never
 * yields. So a response that arrives on its own (over
 * HTTP, from llama.cpp) is on file before the step that asked for it goes on, and a killed
 * process loses only the requests in flight and what arrived in its last turn. A background
 * `fdatasync` runs every second (and every 4 MB written, so the one at close is short), so a
 * power loss costs at most the last second. A process exit flushes what is buffered. A torn last line (a kill in the middle of a
 * write) is ignored and cut off when the journal is reopened; any other damage is an
 * {@link InputError} naming the file and line.
 *
 * @module
 */
import {
  closeSync,
  fdatasync,
  fdatasyncSync,
  fstatSync,
  ftruncateSync,
  openSync,
  readSync,
  writeSync,
} from "node:fs";
import type { GenerateResult } from "../engines/contract.ts";
import { InputError } from "../errors.ts";
import type { InputIdentity } from "./fingerprint.ts";
import type { ErrorsFileEntry } from "../outputs/errorsFile.ts";
import { maybeCrash } from "../outputs/crashPoints.ts";
import { textHash } from "../template/textHash.ts";

/** The journal's first line: what run it belongs to. */
export interface JournalHeader {
  /** Format version (1). */
  journal: 1;
  /** synth version that started the run. */
  synth: string;
  /** Fingerprint of the resolved config, seed, engine and model (see `fingerprint.ts`). */
  fingerprint: string;
  seed: number;
  /** `num_samples` when the run started (a resume may extend it). */
  num_samples: number;
  /** Shard `[k, n]` (0-based k), or null for the whole plan. */
  shard: [number, number] | null;
  engine: string;
  /** Model identity (see `modelIdentity.ts`), or null. */
  model: unknown;
  /** The resolved config the fingerprint was computed from (for naming changed keys). */
  config: unknown;
  /** The input files by content (`fingerprint.ts` `InputIdentity`), when the run reads any. */
  inputs?: InputIdentity[];
  /** ISO time the run started. */
  created: string;
}

/** One journaled response. */
export interface JournaledResponse {
  /** Hash of the request's messages ({@link requestHash}). */
  hash: number;
  result: GenerateResult;
}

/** An output mark: records up to `through` are in the first `bytes` bytes of the output. */
export interface OutputMark {
  through: number;
  bytes: number;
  /** Lines in those bytes. */
  lines?: number;
  /** Records up to `through` that failed. */
  failed?: number;
  /** Journal byte offset from which every entry of a record after `through` lies. */
  tail?: number;
}

/** What a journal holds, as read by {@link readJournal}. */
export interface JournalContents {
  header: JournalHeader;
  /** The last mark that fits the output file as it is now, or undefined (start from scratch). */
  mark: OutputMark | undefined;
  /** Responses of records after the mark, by {@link responseKey}. */
  responses: Map<string, JournaledResponse>;
  /**
   * Failed records (index → errors-file entry, the latest per index) in the part read: those
   * after the mark, every one with `loadAll`.
   */
  failures: Map<number, ErrorsFileEntry>;
  /** Bytes of complete lines (a torn last line is beyond this). */
  validBytes: number;
}

/** The map key of a response: record index, attribute, n-th request of it in the record. */
export function responseKey(index: number, attribute: string, n: number): string {
  return `${index}\u0000${attribute}\u0000${n}`;
}

/**
 * A 32-bit hash of a request's message contents and roles (to check that a replayed response
 * fits its request): each content's `textHash` (taken from `contentHashes` when the request
 * carries them; a non-string content as its JSON text) combined with its role.
 */
export function requestHash(
  messages: readonly { role: string; content: unknown }[],
  contentHashes?: readonly number[],
): number {
  let h = messages.length;
  const given = contentHashes?.length === messages.length ? contentHashes : undefined;
  for (let m = 0; m < messages.length; m++) {
    const { role, content } = messages[m];
    // The role's first two characters tell system, user, assistant and tool apart.
    const salt = (role.charCodeAt(0) << 8) | role.charCodeAt(1);
    const c = given?.[m] ??
      textHash(typeof content === "string" ? content : JSON.stringify(content) ?? "");
    h = Math.imul(h ^ salt, 0x9e3779b1) ^ c;
    h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  }
  return (h ^ (h >>> 13)) >>> 0;
}

/**
 * Entries written one by one in a turn of the event loop before the rest of the turn is grouped
 * (more arrive in one turn only from an engine that answers without I/O).
 */
const SYNC_WRITES_PER_TURN = 32;

/** Buffered bytes that trigger a write without waiting for the end of the turn. */
const FLUSH_BYTES = 1 << 18;

/** Initial size of the write buffer (it grows for a longer line). */
const INITIAL_BUFFER_BYTES = 1 << 19;

/** Bytes written that start a background `fdatasync` without waiting for the timer. */
const BACKGROUND_SYNC_BYTES = 4 * 1024 * 1024;

/** Milliseconds between background `fdatasync`s of the journal. */
const SYNC_INTERVAL_MS = 1000;

const LINE_START = '{"i":';

/**
 * Longest reply text copied byte by byte when it is plain ASCII; longer text goes through
 * `JSON.stringify` and the UTF-8 encoder, which are faster per character but cost a call each.
 */
const PLAIN_TEXT_MAX = 256;

/** Whether `text` is printable ASCII without `"` or `\\` (its JSON string is itself in quotes). */
function isPlainAscii(text: string): boolean {
  for (let k = 0; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return false;
  }
  return true;
}
const COMMA = 44;

/** Writes ASCII-only `text` at `at` in `b`; returns the offset after it. */
function putAscii(b: Buffer, at: number, text: string): number {
  for (let k = 0; k < text.length; k++) b[at++] = text.charCodeAt(k);
  return at;
}

/**
 * Writes the decimal digits of `value` (a finite number, as `String(value)` writes it) at `at`
 * in `b`; returns the offset after them.
 */
function putInteger(b: Buffer, at: number, value: number): number {
  if (value >>> 0 === value) {
    // 0 <= value < 2^32 (indices, hashes, token counts): integer division, no floats.
    let digits = 1;
    for (let v = value; v >= 10; v = (v / 10) >>> 0) digits++;
    let v = value;
    for (let p = at + digits - 1; p > at; p--) {
      const q = (v / 10) >>> 0;
      b[p] = 48 + v - q * 10;
      v = q;
    }
    b[at] = 48 + v;
    return at + digits;
  }
  if (!Number.isSafeInteger(value) || value < 0) return putAscii(b, at, String(value));
  let digits = 1;
  for (let v = value; v >= 10; v = Math.floor(v / 10)) digits++;
  for (let p = at + digits - 1, v = value; p >= at; p--, v = Math.floor(v / 10)) {
    b[p] = 48 + (v % 10);
  }
  return at + digits;
}

/**
 * Appends to a journal file. Create with {@link JournalWriter.create} (new run) or
 * {@link JournalWriter.reopen} (resume).
 */
export class JournalWriter {
  /** Lines not yet written, UTF-8 encoded in `bytes[0, used)` (encoded as appended: no strings to concatenate and convert). */
  private bytes = Buffer.allocUnsafe(INITIAL_BUFFER_BYTES);
  private used = 0;
  /** Entries appended in this turn of the event loop. */
  private turnWrites = 0;
  private fileBytes = 0;
  /** `,"a":<attribute as JSON>,"n":` in UTF-8, by attribute. */
  private readonly attributeParts = new Map<string, Buffer>();
  private scheduled = false;
  private dirty = false;
  /** Bytes written since the last background sync started. */
  private unsyncedBytes = 0;
  /** The background `fdatasync` in flight, if any. */
  private syncing: Promise<void> | undefined;
  private closed = false;
  private failure: Error | undefined;
  private readonly syncTimer: ReturnType<typeof setInterval>;
  private readonly exitHook = () => {
    try {
      this.writeNow();
    } catch {
      // The process is exiting.
    }
  };
  private readonly flushSoon = () => {
    this.scheduled = false;
    try {
      this.writeNow();
    } catch {
      // Kept in `failure`; reported by the next append or close.
    }
  };

  private constructor(
    /** The journal file. */
    readonly path: string,
    private readonly fd: number,
  ) {
    process.on("exit", this.exitHook);
    this.syncTimer = setInterval(() => this.syncInBackground(), SYNC_INTERVAL_MS);
    this.syncTimer.unref?.();
  }

  /**
   * Creates (or truncates) `path` and writes `header` as its first line, synced.
   *
   * @throws the file-system error when the file cannot be created.
   */
  static create(path: string, header: JournalHeader): JournalWriter {
    const writer = new JournalWriter(path, openSync(path, "w"));
    writer.put(JSON.stringify(header) + "\n");
    writer.writeNow();
    return writer;
  }

  /**
   * Opens an existing journal for appending after cutting it to `validBytes` (drops a torn
   * last line).
   */
  static reopen(path: string, validBytes: number): JournalWriter {
    const fd = openSync(path, "r+");
    if (fstatSync(fd).size !== validBytes) ftruncateSync(fd, validBytes);
    closeSync(fd);
    const writer = new JournalWriter(path, openSync(path, "a"));
    writer.fileBytes = validBytes;
    return writer;
  }

  /**
   * Records the reply to the `n`-th request of `attribute` in record `index`. The line is
   * encoded straight into the write buffer (numbers as digits, the attribute's bytes cached):
   * no intermediate string per response.
   */
  response(index: number, attribute: string, n: number, hash: number, result: GenerateResult) {
    this.checkOpen();
    const message = result.message;
    let rest = "";
    if (message.tool_calls) rest += `,"tc":${JSON.stringify(message.tool_calls)}`;
    for (const key in message) {
      if (key !== "role" && key !== "content" && key !== "tool_calls") {
        // Other message fields (rare): kept as they are.
        const { role: _r, content: _c, tool_calls: _t, ...others } = message;
        rest += `,"m":${JSON.stringify(others)}`;
        break;
      }
    }
    let attributePart = this.attributeParts.get(attribute);
    if (attributePart === undefined) {
      attributePart = Buffer.from(`,"a":${JSON.stringify(attribute)},"n":`, "utf8");
      this.attributeParts.set(attribute, attributePart);
    }
    const text = message.content;
    // Short printable-ASCII text needs no escaping: copied as it is (no JSON string, no encoder).
    const plain = typeof text === "string" && text.length <= PLAIN_TEXT_MAX && isPlainAscii(text);
    const content = plain ? "" : JSON.stringify(text) ?? "null";
    const finish = String(result.finishReason);
    const usage = result.usage;
    // Room for the fixed parts and six numbers (each at most 24 bytes) plus the strings in UTF-8.
    this.reserve(
      attributePart.length + PLAIN_TEXT_MAX +
        3 * (content.length + finish.length + rest.length) + 256,
    );
    const b = this.bytes;
    let u = this.used;
    u = putAscii(b, u, LINE_START);
    u = putInteger(b, u, index);
    // A byte loop: `set` costs more than the copy for so few bytes.
    for (let k = 0; k < attributePart.length; k++) b[u++] = attributePart[k];
    u = putInteger(b, u, n);
    u = putAscii(b, u, ',"h":');
    u = putInteger(b, u, hash);
    u = putAscii(b, u, ',"c":');
    if (plain) {
      b[u++] = QUOTE;
      u = putAscii(b, u, text);
      b[u++] = QUOTE;
    } else {
      u += b.write(content, u);
    }
    u = putAscii(b, u, ',"u":[');
    u = putInteger(b, u, usage.inputTokens);
    b[u++] = COMMA;
    u = putInteger(b, u, usage.outputTokens);
    b[u++] = COMMA;
    u = putInteger(b, u, usage.cachedTokens ?? 0);
    u = putAscii(b, u, '],"s":');
    if (isPlainAscii(finish)) {
      b[u++] = QUOTE;
      u = putAscii(b, u, finish);
      b[u++] = QUOTE;
    } else {
      u += b.write(JSON.stringify(finish), u);
    }
    if (rest.length > 0) u += b.write(rest, u);
    b[u++] = CLOSE;
    b[u++] = NEWLINE;
    this.used = u;
    this.appended();
  }

  /** Records that a record failed (the errors-file entry). */
  failed(entry: ErrorsFileEntry): void {
    this.append(`{"i":${entry.index},"f":${JSON.stringify(entry)}}\n`);
  }

  /** Records that a record was left out on purpose (filtered or rejected): it has no line. */
  skipped(index: number): void {
    this.append(`{"i":${index},"s":1}\n`);
  }

  /** Records that a failed record is being tried again (`--retry-failed`): its failure is void. */
  retried(index: number): void {
    this.append(`{"i":${index},"x":1}\n`);
  }

  /** Records an output mark (after the output write it describes); see {@link OutputMark}. */
  mark(mark: Required<OutputMark>): void {
    this.append(
      `{"w":${mark.through},"b":${mark.bytes},"l":${mark.lines},"f":${mark.failed},"j":${mark.tail}}\n`,
    );
  }

  /**
   * Bytes of the journal on file so far: every line appended from now on lies at this offset
   * or later.
   */
  get writtenBytes(): number {
    return this.fileBytes;
  }

  /** Writes what is buffered now. @throws the error of a failed write. */
  flush(): void {
    this.writeNow();
  }

  /**
   * Writes what is buffered, waits for a background sync in flight, syncs what it did not cover
   * and closes. Idempotent. @throws a failed write's error.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.syncTimer);
    process.off("exit", this.exitHook);
    try {
      this.writeNow();
      await this.syncing; // never close the file under a background sync
      fdatasyncSync(this.fd); // close leaves the journal on disk
    } finally {
      closeSync(this.fd);
    }
  }

  private checkOpen(): void {
    if (this.failure) throw this.failure;
    if (this.closed) throw new Error(`Cannot write to "${this.path}": the journal is closed`);
  }

  private append(line: string): void {
    this.checkOpen();
    this.put(line);
    this.appended();
  }

  /** After an entry was added to the buffer: writes now, or at the end of the turn. */
  private appended(): void {
    if (!this.scheduled) {
      this.scheduled = true;
      this.turnWrites = 0;
      setImmediate(this.flushSoon);
    }
    if (++this.turnWrites <= SYNC_WRITES_PER_TURN) {
      // The first entries of a turn of the event loop are written at once: a response that
      // arrived on its own (over HTTP, from llama.cpp) is on file before its step goes on.
      this.writeNow();
    } else if (this.used >= FLUSH_BYTES) {
      // A run that never yields to the event loop (an instant engine) still writes regularly.
      this.writeNow();
    }
  }

  /** Encodes `line` into the buffer. */
  private put(line: string): void {
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    if (this.bytes.length - this.used < line.length * 3) {
      this.reserve(Buffer.byteLength(line, "utf8"));
    }
    this.used += this.bytes.write(line, this.used);
  }

  /** Makes room for `bytes` more bytes in the buffer (grows it). */
  private reserve(bytes: number): void {
    const needed = this.used + bytes;
    if (needed <= this.bytes.length) return;
    const grown = Buffer.allocUnsafe(Math.max(needed, this.bytes.length * 2));
    this.bytes.copy(grown, 0, 0, this.used);
    this.bytes = grown;
  }

  private writeNow(): void {
    if (this.failure) throw this.failure;
    if (this.used === 0) return;
    const data = this.bytes.subarray(0, this.used);
    this.used = 0;
    try {
      maybeCrash("journal", this.fd, data);
      for (let offset = 0; offset < data.length;) {
        offset += writeSync(this.fd, data, offset, data.length - offset);
      }
      this.fileBytes += data.length;
      this.dirty = true;
      this.unsyncedBytes += data.length;
      if (this.unsyncedBytes >= BACKGROUND_SYNC_BYTES) this.syncInBackground();
    } catch (error) {
      this.failure = new Error(`Cannot write to "${this.path}": ${(error as Error).message}`, {
        cause: error,
      });
      throw this.failure;
    }
  }

  /**
   * Starts an `fdatasync` on the thread pool (every second, and every
   * {@link BACKGROUND_SYNC_BYTES} written), so the sync at close has little left to do. A failed
   * background sync is ignored here; the sync at close reports the problem.
   */
  private syncInBackground(): void {
    if (!this.dirty || this.syncing || this.closed) return;
    this.dirty = false;
    this.unsyncedBytes = 0;
    this.syncing = new Promise<void>((resolve) => fdatasync(this.fd, () => resolve())).then(() => {
      this.syncing = undefined;
    });
  }
}

const OPEN = 123; // {
const CLOSE = 125; // }
const QUOTE = 34;
const NEWLINE = 10;

/**
 * Reads a journal for a resume. `outputBytes` is the output file's size now: the mark used is
 * the last one whose byte count fits in it (after a power loss the output can be shorter than
 * the journal says). Responses of records at or before that mark are skipped without parsing
 * (they are in the output already; only their shape is checked: the `{"i":N,"a"` start and the
 * closing `}`), so reading stays fast for long runs; `loadAll` keeps them
 * (`--retry-failed` reuses the responses a failed record already got).
 *
 * @throws {InputError} naming the file and line when the header is missing or a line other
 *   than a torn last one cannot be read.
 */
export async function readJournal(
  path: string,
  outputBytes: number,
  options: { loadAll?: boolean } = {},
): Promise<JournalContents> {
  const fd = openSync(path, "r");
  try {
    return readOpenJournal(fd, path, outputBytes, options);
  } finally {
    closeSync(fd);
  }
}

/** Bytes `[start, end)` of `fd`. */
function readRange(fd: number, start: number, end: number): Buffer {
  const out = Buffer.allocUnsafe(end - start);
  for (let at = 0; at < out.length;) {
    const n = readSync(fd, out, at, out.length - at, start + at);
    if (n === 0) return out.subarray(0, at);
    at += n;
  }
  return out;
}

function readOpenJournal(
  fd: number,
  path: string,
  outputBytes: number,
  options: { loadAll?: boolean },
): JournalContents {
  const size = fstatSync(fd).size;
  const damaged = (line: number, why: string, at?: number) =>
    new InputError(
      `Cannot resume from the journal "${path}": line ${
        line > 0 ? line : lineNumberAt(readRange(fd, 0, at ?? 0), at ?? 0)
      } is damaged (${why}); move it away and start again with --overwrite`,
    );
  // The header: the first line.
  let head = readRange(fd, 0, Math.min(size, 1 << 16));
  while (head.indexOf(NEWLINE) < 0 && head.length < size) {
    head = readRange(fd, 0, Math.min(size, head.length * 4));
  }
  const firstEnd = head.indexOf(NEWLINE);
  if (firstEnd < 0) throw damaged(1, "the header line is incomplete");
  let header: JournalHeader;
  try {
    header = JSON.parse(head.toString("utf8", 0, firstEnd));
  } catch (error) {
    throw damaged(1, (error as Error).message);
  }
  if (header?.journal !== 1 || typeof header.fingerprint !== "string") {
    throw damaged(1, "it is not a synth journal header");
  }
  const body = firstEnd + 1;

  // The last mark that fits the output, searching backwards from the end; only the end of
  // the file is read (more when no mark is found there).
  let base = Math.max(body, size - (1 << 20));
  let bytes = readRange(fd, base, size);
  let mark: OutputMark | undefined;
  for (;;) {
    for (let at = bytes.length; at > 0;) {
      const found = bytes.lastIndexOf('\n{"w":', at - 1);
      if (found < 0) break;
      const end = bytes.indexOf(NEWLINE, found + 1);
      if (end < 0) { // a torn mark
        at = found;
        continue;
      }
      try {
        const m = JSON.parse(bytes.toString("utf8", found + 1, end)) as Record<string, number>;
        if (m.b <= outputBytes) {
          mark = {
            through: m.w,
            bytes: m.b,
            ...(m.l !== undefined ? { lines: m.l, failed: m.f, tail: m.j } : {}),
          };
          break;
        }
      } catch {
        // A damaged mark is reported by the forward pass below when it is read.
      }
      at = found;
    }
    if (mark || base <= body) break;
    base = Math.max(body, size - 4 * (size - base));
    bytes = readRange(fd, base, size);
  }
  const validBytes = Math.max(body, base + bytes.lastIndexOf(NEWLINE) + 1);
  const through = mark?.through ?? -1;
  const skipBelow = options.loadAll ? -1 : through;
  // Entries of records after the mark lie from its `tail` offset on: only that part is read.
  const from = !options.loadAll && mark?.tail !== undefined && mark.tail > body ? mark.tail : body;
  if (from < base) {
    base = from;
    bytes = readRange(fd, base, size);
  }

  const responses = new Map<string, JournaledResponse>();
  const failures = new Map<number, ErrorsFileEntry>();
  for (let start = from - base; start < validBytes - base;) {
    const end = bytes.indexOf(NEWLINE, start);
    // Fast path: `{"i":<digits>,"a"` of a record already in the output is skipped unparsed.
    // Its shape is still checked: a cut or overwritten line does not end with `}`.
    if (
      readEntryPrefix(bytes, start) && ENTRY.key === 97 && ENTRY.index <= skipBelow &&
      bytes[end - 1] === CLOSE
    ) {
      start = end + 1;
      continue;
    }
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(bytes.toString("utf8", start, end));
    } catch (error) {
      throw damaged(0, (error as Error).message, base + start);
    }
    if (typeof entry.i === "number" && typeof entry.a === "string") {
      const content = entry.c as string | null;
      const usage = entry.u as number[];
      const message: GenerateResult["message"] = {
        role: "assistant",
        content,
        ...(entry.tc ? { tool_calls: entry.tc as never } : {}),
        ...(entry.m as object ?? {}),
      };
      responses.set(responseKey(entry.i, entry.a, entry.n as number), {
        hash: entry.h as number,
        result: {
          message,
          usage: {
            inputTokens: usage[0],
            outputTokens: usage[1],
            ...(usage[2] ? { cachedTokens: usage[2] } : {}),
          },
          finishReason: entry.s as GenerateResult["finishReason"],
        },
      });
    } else if (typeof entry.i === "number" && entry.f && typeof entry.f === "object") {
      failures.set(entry.i, entry.f as ErrorsFileEntry);
    } else if (typeof entry.i === "number" && entry.x === 1) {
      failures.delete(entry.i);
    } else if (typeof entry.i === "number" && entry.s === 1) {
      // A record left out on purpose: nothing to replay (see readJournalGaps).
    } else if (typeof entry.w !== "number") {
      throw damaged(0, "not a journal entry", base + start);
    }
    start = end + 1;
  }
  return { header, mark, responses, failures, validBytes };
}

/** What {@link readEntryPrefix} read last: the record index and the first byte of the key. */
const ENTRY = { index: 0, key: 0 };

/**
 * Reads `{"i":<digits>,"<key>` at `at` into {@link ENTRY} without parsing the line; false when
 * the line does not start so (a header, a mark, damage).
 */
function readEntryPrefix(bytes: Buffer, at: number): boolean {
  if (bytes[at] !== OPEN || bytes[at + 1] !== QUOTE || bytes[at + 2] !== 105) return false;
  let p = at + 5;
  let index = 0;
  while (bytes[p] >= 48 && bytes[p] <= 57) index = index * 10 + bytes[p++] - 48;
  if (p === at + 5) return false;
  ENTRY.index = index;
  ENTRY.key = bytes[p + 2];
  return true;
}

/** The 1-based line number of byte offset `at` (counted only when a damaged line is reported). */
function lineNumberAt(bytes: Buffer, at: number): number {
  let line = 1;
  for (let p = bytes.indexOf(NEWLINE); p >= 0 && p < at; p = bytes.indexOf(NEWLINE, p + 1)) line++;
  return line;
}

/**
 * The plan indices in `[start, through]` that have no line in the output, from the whole journal
 * at `path`: records whose failure was not voided by a later retry, and records left out on
 * purpose (`{"i":N,"s":1}`). Response lines are passed over unparsed. Used to know the plan index
 * of every line a resumed run kept (splits group lines by input row); the caller checks the count
 * against the mark's, since older journals did not record skipped records.
 *
 * @throws {InputError} for a damaged line (file and line).
 */
export function readJournalGaps(path: string, start: number, through: number): Set<number> {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    const gaps = new Set<number>();
    const chunkBytes = 1 << 22;
    let line = 0;
    let carry: Buffer = Buffer.alloc(0);
    for (let position = 0; position < size;) {
      const chunk = readRange(fd, position, Math.min(size, position + chunkBytes));
      position += chunk.length;
      const bytes = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
      let at = 0;
      for (let end = bytes.indexOf(NEWLINE); end >= 0; end = bytes.indexOf(NEWLINE, at)) {
        line++;
        // Only failure (`f`), retry (`x`) and skip (`s`) lines are parsed.
        if (line > 1 && readEntryPrefix(bytes, at)) {
          const { index, key } = ENTRY;
          if (index >= start && index <= through && (key === 102 || key === 120 || key === 115)) {
            let entry: Record<string, unknown>;
            try {
              entry = JSON.parse(bytes.toString("utf8", at, end));
            } catch (error) {
              throw new InputError(
                `Cannot read the journal "${path}": line ${line} is damaged (${
                  (error as Error).message
                })`,
              );
            }
            if (entry.x === 1) gaps.delete(index);
            else gaps.add(index);
          }
        }
        at = end + 1;
      }
      carry = bytes.subarray(at);
    }
    return gaps;
  } finally {
    closeSync(fd);
  }
}
