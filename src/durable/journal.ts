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
 * - an output mark `{"w":41,"b":10240}`: the output file holds every record up to index 41
 *   in its first 10240 bytes (written after the output write it describes).
 *
 * Durability: the first line of a turn of the event loop is written at once; lines that follow
 * in the same turn are written together (group commit) at its end, or every 256 K characters
 * when a run never yields (an instant engine). So a response that arrives on its own (over
 * HTTP, from llama.cpp) is on file before the step that asked for it goes on, and a killed
 * process loses only the requests in flight and what arrived in its last turn. An
 * `fdatasync` runs at most once a second, so a power loss costs at most the last second. A process exit flushes what is buffered. A torn last line (a kill in the middle of a
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
  writeSync,
} from "node:fs";
import type { GenerateResult } from "../engines/contract.ts";
import { InputError } from "../errors.ts";
import type { ErrorsFileEntry } from "../outputs/errorsFile.ts";
import { maybeCrash } from "../outputs/crashPoints.ts";

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
}

/** What a journal holds, as read by {@link readJournal}. */
export interface JournalContents {
  header: JournalHeader;
  /** The last mark that fits the output file as it is now, or undefined (start from scratch). */
  mark: OutputMark | undefined;
  /** Responses of records after the mark, by {@link responseKey}. */
  responses: Map<string, JournaledResponse>;
  /** Every failed record (index → errors-file entry), the latest entry per index. */
  failures: Map<number, ErrorsFileEntry>;
  /** Bytes of complete lines (a torn last line is beyond this). */
  validBytes: number;
  /** Complete lines. */
  lines: number;
}

/** The map key of a response: record index, attribute, n-th request of it in the record. */
export function responseKey(index: number, attribute: string, n: number): string {
  return `${index}\u0000${attribute}\u0000${n}`;
}

/** A 32-bit hash of a request's message contents and roles (to check a replayed response fits). */
export function requestHash(messages: readonly { role: string; content: unknown }[]): number {
  let h = messages.length;
  for (let m = 0; m < messages.length; m++) {
    const { role, content } = messages[m];
    // The role's first two characters tell system, user, assistant and tool apart.
    const salt = (role.charCodeAt(0) << 8) | role.charCodeAt(1);
    h = Bun.hash.xxHash32(
      typeof content === "string" ? content : JSON.stringify(content) ?? "",
      (h ^ salt) >>> 0,
    );
  }
  return h;
}

/** Buffered characters that trigger a write without waiting for the end of the turn. */
const FLUSH_CHARS = 1 << 18;

/** Milliseconds between background `fdatasync`s of the journal. */
const SYNC_INTERVAL_MS = 1000;

/**
 * Appends to a journal file. Create with {@link JournalWriter.create} (new run) or
 * {@link JournalWriter.reopen} (resume).
 */
export class JournalWriter {
  private buffer = "";
  /** Attribute ids as JSON strings. */
  private readonly quoted = new Map<string, string>();
  private scheduled = false;
  private dirty = false;
  private syncing = false;
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
    writer.buffer = JSON.stringify(header) + "\n";
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
    return new JournalWriter(path, openSync(path, "a"));
  }

  /** Records the reply to the `n`-th request of `attribute` in record `index`. */
  response(index: number, attribute: string, n: number, hash: number, result: GenerateResult) {
    const message = result.message;
    let quoted = this.quoted.get(attribute);
    if (quoted === undefined) this.quoted.set(attribute, quoted = JSON.stringify(attribute));
    let line = `{"i":${index},"a":${quoted},"n":${n},"h":${hash},"c":${
      JSON.stringify(message.content)
    },"u":[${result.usage.inputTokens},${result.usage.outputTokens},${
      result.usage.cachedTokens ?? 0
    }],"s":"${result.finishReason}"`;
    if (message.tool_calls) line += `,"tc":${JSON.stringify(message.tool_calls)}`;
    const { role: _r, content: _c, tool_calls: _t, ...rest } = message;
    for (const _ in rest) {
      line += `,"m":${JSON.stringify(rest)}`;
      break;
    }
    this.append(line + "}\n");
  }

  /** Records that a record failed (the errors-file entry). */
  failed(entry: ErrorsFileEntry): void {
    this.append(`{"i":${entry.index},"f":${JSON.stringify(entry)}}\n`);
  }

  /** Records that a failed record is being tried again (`--retry-failed`): its failure is void. */
  retried(index: number): void {
    this.append(`{"i":${index},"x":1}\n`);
  }

  /** Records an output mark (after the output write it describes). */
  mark(through: number, bytes: number): void {
    this.append(`{"w":${through},"b":${bytes}}\n`);
  }

  /** Writes what is buffered now. @throws the error of a failed write. */
  flush(): void {
    this.writeNow();
  }

  /** Writes what is buffered, syncs and closes. Idempotent. @throws a failed write's error. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.syncTimer);
    process.off("exit", this.exitHook);
    try {
      this.writeNow();
      fdatasyncSync(this.fd); // close leaves the journal on disk
    } finally {
      closeSync(this.fd);
    }
  }

  private append(line: string): void {
    if (this.failure) throw this.failure;
    if (this.closed) throw new Error(`Cannot write to "${this.path}": the journal is closed`);
    this.buffer += line;
    if (!this.scheduled) {
      // The first entry of a turn of the event loop is written at once (a response that
      // arrived on its own, e.g. over HTTP, is on file before its record goes on); entries
      // that follow in the same turn are written together at its end.
      this.scheduled = true;
      setImmediate(this.flushSoon);
      this.writeNow();
    } else if (this.buffer.length >= FLUSH_CHARS) {
      // A run that never yields to the event loop (an instant engine) still writes regularly.
      this.writeNow();
    }
  }

  private writeNow(): void {
    if (this.failure) throw this.failure;
    if (this.buffer.length === 0) return;
    const data = Buffer.from(this.buffer, "utf8");
    this.buffer = "";
    try {
      maybeCrash("journal", this.fd, data);
      for (let offset = 0; offset < data.length;) {
        offset += writeSync(this.fd, data, offset, data.length - offset);
      }
      this.dirty = true;
    } catch (error) {
      this.failure = new Error(`Cannot write to "${this.path}": ${(error as Error).message}`, {
        cause: error,
      });
      throw this.failure;
    }
  }

  private syncInBackground(): void {
    if (!this.dirty || this.syncing || this.closed) return;
    this.dirty = false;
    this.syncing = true;
    fdatasync(this.fd, () => {
      this.syncing = false;
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
  const bytes = Buffer.from(await Bun.file(path).bytes());
  const validBytes = bytes.lastIndexOf(NEWLINE) + 1;
  const damaged = (line: number, why: string) =>
    new InputError(
      `Cannot resume from the journal "${path}": line ${line} is damaged (${why}); ` +
        `move it away and start again with --overwrite`,
    );
  const firstEnd = bytes.indexOf(NEWLINE);
  if (firstEnd < 0) throw damaged(1, "the header line is incomplete");
  let header: JournalHeader;
  try {
    header = JSON.parse(bytes.toString("utf8", 0, firstEnd));
  } catch (error) {
    throw damaged(1, (error as Error).message);
  }
  if (header?.journal !== 1 || typeof header.fingerprint !== "string") {
    throw damaged(1, "it is not a synth journal header");
  }

  // The last mark that fits the output, searching backwards from the end.
  let mark: OutputMark | undefined;
  for (let at = validBytes - 1; at > firstEnd;) {
    const found = bytes.lastIndexOf('\n{"w":', at - 1);
    if (found < firstEnd) break;
    const end = bytes.indexOf(NEWLINE, found + 1);
    try {
      const m = JSON.parse(bytes.toString("utf8", found + 1, end)) as { w: number; b: number };
      if (m.b <= outputBytes) {
        mark = { through: m.w, bytes: m.b };
        break;
      }
    } catch {
      // A damaged mark is reported by the forward pass below.
    }
    at = found;
  }
  const through = mark?.through ?? -1;
  const skipBelow = options.loadAll ? -1 : through;

  const responses = new Map<string, JournaledResponse>();
  const failures = new Map<number, ErrorsFileEntry>();
  let lines = 1;
  for (let start = firstEnd + 1; start < validBytes;) {
    const end = bytes.indexOf(NEWLINE, start);
    lines++;
    // Fast path: `{"i":<digits>,"a"` of a record already in the output is skipped unparsed.
    if (bytes[start] === OPEN && bytes[start + 1] === QUOTE && bytes[start + 2] === 105) {
      let p = start + 5;
      let index = 0;
      while (bytes[p] >= 48 && bytes[p] <= 57) index = index * 10 + bytes[p++] - 48;
      // Its shape is still checked: a cut or overwritten line does not end with `}`.
      if (p > start + 5 && bytes[p + 2] === 97 && index <= skipBelow && bytes[end - 1] === CLOSE) {
        start = end + 1;
        continue;
      }
    }
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(bytes.toString("utf8", start, end));
    } catch (error) {
      throw damaged(lines, (error as Error).message);
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
    } else if (typeof entry.w !== "number") {
      throw damaged(lines, "not a journal entry");
    }
    start = end + 1;
  }
  return { header, mark, responses, failures, validBytes, lines };
}
