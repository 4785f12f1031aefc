/**
 * Writing the split files from a finished run's JSONL (recipes.md §5): the file is read back
 * line by line, each line goes to the split of its record's group, into
 * `<folder>/data/<split>.jsonl` (Hugging Face's layout). Splitting after the run, from the
 * file, means a resumed run splits like an uninterrupted one. Each split file is written under
 * a temporary name, synced and renamed, so an interrupted split never leaves a partial file.
 *
 * @module
 */
import { createReadStream } from "node:fs";
import { mkdir, open, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { findNodeAtLocation, parseTree } from "jsonc-parser";
import { pyJsonDumps } from "../python/json.ts";
import { assignGroups, SPLIT_NAMES, type SplitName, type SplitShares } from "./assign.ts";
import type { GroupOf } from "./groups.ts";

/** What {@link writeSplits} splits and where. */
export interface SplitInput {
  /** The run's finished JSON Lines file. */
  jsonlPath: string;
  /** Output folder; files go to `<folder>/data/`. */
  folder: string;
  /** Plan index of each line of `jsonlPath`, in file order. */
  indices: readonly number[];
  /** Group (input row) of a plan index. */
  groupOf: GroupOf;
  shares: SplitShares;
  /** The run's seed (shuffles the groups). */
  seed: number;
  /** When set, each line is the value of this key of the record (e.g. a recipe's `conversation`). */
  recordKey?: string | null;
}

/** One split as written. */
export interface SplitFile {
  split: SplitName;
  /** Path relative to the folder, `data/<split>.jsonl`. */
  path: string;
  records: number;
  /** Input rows (or records) in the split. */
  groups: number;
}

/** The split files written, in train, validation, test order. */
export interface SplitResult {
  /** Splits with records (a zero share, or a share that rounds to no group, writes no file). */
  files: SplitFile[];
  /** Splits with a non-zero share that got no group (e.g. 0.05 of 10 rows). */
  empty: SplitName[];
  /** Distinct groups in the run's records. */
  groups: number;
}

const NEWLINE = new Uint8Array([10]);
const FLUSH_BYTES = 1 << 22;

/**
 * Extracts `key`'s value of a JSONL record as Python-compatible JSON bytes. A record written by
 * synth whose only key is `key` is `{"key": VALUE}` (Python's separators), so VALUE is cut out
 * of the line as it is; in any other record the value's span is found by a position-keeping
 * parse and cut out, so its bytes (e.g. `1.0`) are never re-serialised.
 */
function recordValue(key: string, file: string) {
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const prefix = encoder.encode(`{${pyJsonDumps(key)}: `);
  return (line: Uint8Array, n: number): Uint8Array => {
    const record = JSON.parse(decoder.decode(line)) as Record<string, unknown>; // also validates
    if (!(key in record)) {
      throw new Error(`Cannot split ${file}: line ${n + 1} has no "${key}"`);
    }
    const only = Object.keys(record).length === 1 && line.length > prefix.length &&
      line[line.length - 1] === 125 && prefix.every((b, i) => line[i] === b);
    if (only) return line.subarray(prefix.length, line.length - 1);
    const text = decoder.decode(line);
    const node = findNodeAtLocation(parseTree(text)!, [key])!;
    return encoder.encode(text.slice(node.offset, node.offset + node.length));
  };
}

/** The relative path of a split file. */
export const splitFilePath = (split: SplitName) => `data/${split}.jsonl`;

/**
 * Splits `input.jsonlPath` into `<folder>/data/{train,validation,test}.jsonl`.
 *
 * @throws {Error} when the file's line count differs from `indices.length`, a line is not JSON
 *   (with `recordKey`), or a record lacks `recordKey`; file-system errors. Nothing partial is left
 *   under the final names.
 */
export async function writeSplits(input: SplitInput): Promise<SplitResult> {
  const groupIds = [...new Set(input.indices.map(input.groupOf))];
  const assignment = assignGroups(groupIds, input.shares, input.seed);
  const dataDir = join(input.folder, "data");
  await mkdir(dataDir, { recursive: true });
  const active = SPLIT_NAMES.filter((s) => input.shares[s] > 0);
  const handles = new Map<SplitName, Awaited<ReturnType<typeof open>>>();
  const buffers = new Map<SplitName, Uint8Array[]>();
  const counts = new Map<SplitName, { records: number; groups: Set<number> }>();
  const tmp = (s: SplitName) => join(input.folder, `${splitFilePath(s)}.partial`);
  try {
    for (const s of active) {
      handles.set(s, await open(tmp(s), "w"));
      buffers.set(s, []);
      counts.set(s, { records: 0, groups: new Set() });
    }
    const buffered = new Map<SplitName, number>(active.map((s) => [s, 0]));
    const flush = async (s: SplitName) => {
      const buffer = buffers.get(s)! as unknown as Uint8Array[];
      if (buffer.length === 0) return;
      await handles.get(s)!.write(Buffer.concat(buffer));
      buffer.length = 0;
      buffered.set(s, 0);
    };
    const valueOf = input.recordKey ? recordValue(input.recordKey, input.jsonlPath) : undefined;
    let n = 0;
    const take = (line: Uint8Array) => {
      if (line.length === 0) return;
      if (n >= input.indices.length) {
        n++;
        return;
      }
      const group = input.groupOf(input.indices[n]);
      const split = assignment.get(group)!;
      const bytes = valueOf ? valueOf(line, n) : line;
      const buffer = buffers.get(split)! as unknown as Uint8Array[];
      buffer.push(bytes, NEWLINE);
      const c = counts.get(split)!;
      c.records++;
      c.groups.add(group);
      const size = buffered.get(split)! + bytes.length + 1;
      buffered.set(split, size);
      n++;
    };
    // Lines are cut from raw 4 MiB chunks: no text decoding unless a record key is extracted.
    let rest: Uint8Array = new Uint8Array(0);
    for await (const chunk of createReadStream(input.jsonlPath, { highWaterMark: 1 << 22 })) {
      const data: Uint8Array = rest.length > 0 ? Buffer.concat([rest, chunk]) : chunk;
      let start = 0;
      for (let nl = data.indexOf(10, start); nl !== -1; nl = data.indexOf(10, start)) {
        take(data.subarray(start, nl));
        start = nl + 1;
      }
      rest = data.subarray(start);
      for (const s of active) if (buffered.get(s)! >= FLUSH_BYTES) await flush(s);
    }
    take(rest);
    if (n !== input.indices.length) {
      throw new Error(
        `Cannot split ${input.jsonlPath}: it has ${n} records, the run wrote ${input.indices.length}`,
      );
    }
    for (const s of active) {
      await flush(s);
      await handles.get(s)!.sync();
      await handles.get(s)!.close();
      handles.delete(s);
    }
    // An empty split has no file: one left by an earlier split of the same output goes.
    for (const s of SPLIT_NAMES) {
      const path = join(input.folder, splitFilePath(s));
      if ((counts.get(s)?.records ?? 0) > 0) await rename(tmp(s), path);
      else await rm(path, { force: true });
    }
  } finally {
    for (const h of handles.values()) await h.close().catch(() => {});
    for (const s of active) await rm(tmp(s), { force: true });
  }
  const written = active.filter((s) => counts.get(s)!.records > 0);
  return {
    groups: groupIds.length,
    empty: active.filter((s) => counts.get(s)!.records === 0),
    files: written.map((s) => ({
      split: s,
      path: splitFilePath(s),
      records: counts.get(s)!.records,
      groups: counts.get(s)!.groups.size,
    })),
  };
}
