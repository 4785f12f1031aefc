/**
 * Deduplication across shards for `synth merge` (issue 14 item 6): each shard deduplicated
 * its own records; the merged set is fed, in plan order (shard 0, 1, ... N-1, each in its
 * line order), through one {@link DedupState}, and a record that duplicates an earlier
 * merged one is dropped and reported.
 *
 * @module
 */
import { DedupRuleSchema } from "../config/schema/quality.ts";
import { type DedupRule, DedupState, type DuplicateFinding } from "./dedupState.ts";

/** A record removed by the merge: where it was, what it duplicates, and the record. */
export interface MergeDuplicate extends DuplicateFinding {
  /** Shard it came from (`K` of `--shard K/N`). */
  shard: number;
  /** 1-based line in that shard's output. */
  shard_line: number;
  record: Record<string, unknown>;
}

/**
 * The `quality.deduplicate` rules of a run's resolved config (as kept in its manifest), with
 * defaults applied; empty when there are none.
 *
 * @throws {ZodError} when a rule does not validate (a manifest edited by hand).
 */
export function dedupRulesOf(config: unknown): DedupRule[] {
  const quality = (config as { quality?: { deduplicate?: unknown[] } } | null)?.quality;
  return (quality?.deduplicate ?? []).map((rule) => DedupRuleSchema.parse(rule) as DedupRule);
}

/** Filters shard lines through one deduplication state (see the module doc). */
export class MergeDeduplicator {
  private readonly state: DedupState;
  /** Records removed so far. */
  readonly removed: MergeDuplicate[] = [];

  constructor(rules: readonly DedupRule[]) {
    this.state = new DedupState(rules);
  }

  /**
   * Decides one output line (`text`, without its newline) of shard `shard`, line `shardLine`
   * (1-based): true to keep it (it becomes the next merged line), false when it duplicates an
   * earlier merged record (recorded in {@link removed}).
   *
   * @throws {SyntaxError} when the line is not JSON.
   */
  keep(text: string, shard: number, shardLine: number): boolean {
    const record = JSON.parse(text) as Record<string, unknown>;
    const keys = this.state.keysOf(record);
    const found = this.state.find(keys);
    if (found) {
      this.removed.push({ ...found, shard, shard_line: shardLine, record });
      return false;
    }
    this.state.add(keys, -1);
    return true;
  }
}
