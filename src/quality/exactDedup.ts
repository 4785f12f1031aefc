/**
 * Exact deduplication: two texts are duplicates when their normalised forms (lower case,
 * whitespace runs collapsed, trimmed; see {@link normalizeText}) are equal. Keys are 53-bit
 * hashes of the normal form, so memory per text is one map entry whatever its length.
 *
 * @module
 */
import { hash53 } from "./hash.ts";
import { normalizeText } from "./text.ts";

/**
 * An index of normalised texts fed in plan order.
 *
 * @example
 * ```ts
 * const index = new ExactDuplicateIndex();
 * index.add(0, index.key("Hello  World"));
 * index.find(index.key("hello world")); // 0
 * ```
 */
export class ExactDuplicateIndex {
  private readonly seen = new Map<number, number>();

  /** The lookup key of `text` (pure; compute it anywhere). */
  key(text: string): number {
    return hash53(normalizeText(text));
  }

  /** The id of an indexed text with the same key, or undefined. */
  find(key: number): number | undefined {
    return this.seen.get(key);
  }

  /** Indexes `key` under `id` (the first id for a key is kept). */
  add(id: number, key: number): void {
    if (!this.seen.has(key)) this.seen.set(key, id);
  }

  /** Texts indexed so far. */
  get size(): number {
    return this.seen.size;
  }
}
