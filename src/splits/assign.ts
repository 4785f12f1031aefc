/**
 * Assigning groups of records to train / validation / test (recipes.md §5). A group is an input
 * (seed) row's records, or one record when the config has no input rows, so the variants of
 * one row never straddle two splits. The distinct groups are sorted, shuffled with the run's
 * seed, and cut in the order train, validation, test: split s takes `round(G * share_s)` groups
 * (round half up), and the last split with a non-zero share takes the remainder (never
 * negative). A zero share gets no group.
 *
 * @module
 */
import { SPLIT_NAMES, type SplitName } from "../config/schema/splits.ts";
import { Rng } from "../plan/rng.ts";

export { SPLIT_NAMES, type SplitName };

/** Shares per split, each in [0, 1], summing to 1. */
export type SplitShares = Readonly<Record<SplitName, number>>;

/**
 * Groups per split for `groups` groups: `round(G * share)` in order, the last non-zero share
 * taking what is left (recipes.md §5).
 *
 * @example splitCounts(10, { train: 0.8, validation: 0.1, test: 0.1 }) // {train: 8, validation: 1, test: 1}
 */
export function splitCounts(groups: number, shares: SplitShares): Record<SplitName, number> {
  const out = { train: 0, validation: 0, test: 0 };
  const last = SPLIT_NAMES.findLast((s) => shares[s] > 0);
  let left = groups;
  for (const name of SPLIT_NAMES) {
    if (shares[name] <= 0) continue;
    // half up; the epsilon absorbs binary error (0.85 * 10 is 8.499999999999998 in doubles).
    const n = name === last ? left : Math.min(left, Math.floor(groups * shares[name] + 0.5 + 1e-9));
    out[name] = n;
    left -= n;
  }
  return out;
}

/**
 * The split of each group.
 *
 * @param groups Distinct group ids (any order; they are sorted first).
 * @param seed The run's seed: the same seed and groups give the same assignment.
 */
export function assignGroups(
  groups: readonly number[],
  shares: SplitShares,
  seed: number,
): Map<number, SplitName> {
  const order = Rng.seeded(seed).fork("splits").shuffle([...groups].sort((a, b) => a - b));
  const counts = splitCounts(order.length, shares);
  const out = new Map<number, SplitName>();
  let at = 0;
  for (const name of SPLIT_NAMES) {
    for (let k = 0; k < counts[name]; k++) out.set(order[at++], name);
  }
  return out;
}
