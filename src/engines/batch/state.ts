/**
 * The batch state file (issue 4): which provider batch holds which set of requests, so an
 * interrupted `--batch` run resumes polling the batches it already paid for instead of
 * submitting them again. Plain JSON, rewritten atomically (temp file + rename). Holds batch
 * ids and request hashes only — never keys or prompts.
 *
 * @module
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

/** One submitted batch. */
export interface BatchRecord {
  /** Provider batch id. */
  id: string;
  engine: string;
  /** Requests in the batch. */
  count: number;
  /** Last status seen (`in_progress`, `completed`, ...). */
  status: string;
  submittedAt: string;
}

/** The file's content: batches by the hash of their request set. */
export interface BatchStateData {
  version: 1;
  batches: Record<string, BatchRecord>;
}

/** Reads and writes one state file. Writes are serialised. */
export class BatchState {
  readonly path: string;
  #data: BatchStateData;
  #writing: Promise<void> = Promise.resolve();

  /** Loads `path` (an unreadable or foreign file starts empty). */
  constructor(path: string) {
    this.path = path;
    let data: BatchStateData = { version: 1, batches: {} };
    if (existsSync(path)) {
      try {
        const parsed = JSON.parse(readFileSync(path, "utf8"));
        if (parsed?.version === 1 && parsed.batches && typeof parsed.batches === "object") {
          data = parsed;
        }
      } catch {
        // a torn or foreign file: start over (batches in it are not reused)
      }
    }
    this.#data = data;
  }

  /** The batch recorded for `key`, if any. */
  get(key: string): BatchRecord | undefined {
    return Object.hasOwn(this.#data.batches, key) ? this.#data.batches[key] : undefined;
  }

  /** Records or updates `key` and persists the file. */
  set(key: string, record: BatchRecord): Promise<void> {
    this.#data.batches[key] = record;
    const text = JSON.stringify(this.#data, null, 2) + "\n";
    this.#writing = this.#writing.then(async () => {
      await mkdir(dirname(this.path), { recursive: true });
      const tmp = `${this.path}.${process.pid}.tmp`;
      await writeFile(tmp, text);
      await rename(tmp, this.path);
    });
    return this.#writing;
  }
}
