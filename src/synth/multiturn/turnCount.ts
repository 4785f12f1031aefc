/**
 * Conversation length of a multi-turn attribute (spec §10.3 with DECISIONS difference 6):
 * `min_turns` / `max_turns` count **messages**, turns alternate USER, ASSISTANT, USER, ... and
 * every conversation ends on an assistant message, so the length is even; a range without an
 * even number is refused at load (DECISIONS 19).
 *
 * @module
 */
import type { Rng } from "../../plan/rng.ts";

/**
 * Draws the number of messages of one conversation: uniform over the even numbers in
 * `[min_turns, max_turns]` (both inclusive), so a conversation never ends on a user message and
 * never exceeds `max_turns` (DECISIONS 19). Always >= 2.
 *
 * @throws {RangeError} when the range holds no even number >= 2 (e.g. `min_turns = max_turns =
 *   3`); the config schema refuses such a range at load, so a run never gets here.
 * @example
 * ```ts
 * drawMessageCount(4, 7, rng); // 4 or 6
 * ```
 */
export function drawMessageCount(minTurns: number, maxTurns: number, rng: Rng): number {
  const low = Math.max(2, minTurns + (minTurns % 2)); // smallest even >= min_turns
  const high = maxTurns - (maxTurns % 2); // largest even <= max_turns
  if (high < low) {
    throw new RangeError(
      `min_turns ${minTurns} and max_turns ${maxTurns} allow no even number of messages`,
    );
  }
  return low + 2 * rng.int(0, (high - low) / 2);
}

/** The role of message `k` (1-based): USER when `k` is odd, ASSISTANT when even (§10.3). */
export function roleOfMessage(k: number): "user" | "assistant" {
  return k % 2 === 1 ? "user" : "assistant";
}
