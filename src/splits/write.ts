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
import { createInterface } from "node:readline";
import { pyJsonDumps } from "../outputs/pyJson.ts";
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
  const buffers = new Map<SplitName, string[]>();
  const counts = new Map<SplitName, { records: number; groups: Set<number> }>();
  const tmp = (s: SplitName) => join(input.folder, `${splitFilePath(s)}.partial`);
  try {
    for (const s of active) {
      handles.set(s, await open(tmp(s), "w"));
      buffers.set(s, []);
      counts.set(s, { records: 0, groups: new Set() });
    }
    const flush = async (s: SplitName) => {
      const buffer = buffers.get(s)!;
      if (buffer.length === 0) return;
      await handles.get(s)!.write(buffer.join(""));
      buffer.length = 0;
    };
    const lines = createInterface({
      input: createReadStream(input.jsonlPath, "utf8"),
      crlfDelay: Infinity,
    });
    let n = 0;
    for await (const line of lines) {
      if (line === "") continue;
      if (n >= input.indices.length) break;
      const group = input.groupOf(input.indices[n]);
      const split = assignment.get(group)!;
      let text = line;
      if (input.recordKey) {
        const record = JSON.parse(line) as Record<string, unknown>;
        if (!(input.recordKey in record)) {
          throw new Error(
            `Cannot split ${input.jsonlPath}: line ${n + 1} has no "${input.recordKey}"`,
          );
        }
        text = pyJsonDumps(record[input.recordKey]);
      }
      const buffer = buffers.get(split)!;
      buffer.push(text + "\n");
      const c = counts.get(split)!;
      c.records++;
      c.groups.add(group);
      if (buffer.length >= 1024) await flush(split);
      n++;
    }
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
    for (const s of active) {
      if (counts.get(s)!.records > 0) await rename(tmp(s), join(input.folder, splitFilePath(s)));
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
