/**
 * Shards (issue 12): `--shard K/N` runs only the K-th of N contiguous slices of the plan
 * (K from 0, so `$SLURM_ARRAY_TASK_ID` of `--array=0-(N-1)` and a Kubernetes Indexed Job's
 * `$JOB_COMPLETION_INDEX` can be passed as they are). Because every record depends only on
 * (seed, index), the N shard files in order are the unsharded output, byte for byte.
 *
 * @module
 */
import { UsageError } from "../errors.ts";

/** Shard `index` (0-based) of `count`. */
export interface ShardSpec {
  index: number;
  count: number;
}

/**
 * Parses `K/N`.
 *
 * @throws {UsageError} `Invalid value for --shard: "x" ...` unless `0 <= K < N`, both integers.
 */
export function parseShard(text: string): ShardSpec {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index >= count) {
    throw new UsageError(
      `Invalid value for --shard: "${text}" (expected K/N with 0 <= K < N, K counted from 0, ` +
        `e.g. --shard 0/4 ... --shard 3/4)`,
    );
  }
  return { index, count };
}

/** The plan indices `[start, end)` of `shard` in a plan of `total` records (sizes differ by at most 1). */
export function shardRange(total: number, shard: ShardSpec): { start: number; end: number } {
  return {
    start: Math.floor((shard.index * total) / shard.count),
    end: Math.floor(((shard.index + 1) * total) / shard.count),
  };
}
