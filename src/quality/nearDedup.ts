/**
 * Near-duplicate detection: MinHash signatures over word shingles, LSH banding to find
 * candidates, and the Jaccard similarity of the candidates' shingle sets to decide.
 *
 * - Words: runs of letters and digits (ASCII `0-9a-z` after lower-casing, and every non-ASCII
 *   character that is not a space), hashed to 32 bits without copying substrings.
 * - Shingles: `shingleWords` consecutive words (default 3), hashed to 32 bits; a text with fewer
 *   words is one shingle of all its words; a text without words has no shingles and is never
 *   a near duplicate (exact deduplication still sees it).
 * - Similarity: Jaccard `|A ∩ B| / |A ∪ B|` of the two shingle-hash sets, computed exactly for
 *   every LSH candidate (the MinHash estimate only picks candidates), so a pair is reported iff
 *   its Jaccard is ≥ `threshold` and LSH made it a candidate.
 * - Banding: `bands × rows ≤ 64` permutations, `rows` as large as possible while a pair at the
 *   threshold is missed with probability ≤ 10^-3 (`(1 - t^rows)^bands`); see {@link lshShape}.
 *
 * Memory per indexed text: its sorted shingle hashes (4 bytes each, ~400 bytes for 100 words)
 * plus 12-20 bytes per band in the LSH table; no per-record JavaScript objects.
 *
 * @module
 */
import { fmix32 } from "./hash.ts";

/** A text prepared for lookup: computed out of order, then looked up / added in order. */
export interface NearSketch {
  /** Sorted distinct shingle hashes (uint32). */
  readonly shingles: Uint32Array;
  /** One LSH key per band (int32). Empty when the text has no shingles. */
  readonly bandKeys: Int32Array;
}

/** The most similar indexed text at or above the threshold. */
export interface NearMatch {
  /** The id the matching text was added under (a plan index). */
  id: number;
  /** Jaccard similarity of the shingle sets, 0-1. */
  similarity: number;
}

/** Options of {@link NearDuplicateIndex}. */
export interface NearDedupOptions {
  /** Jaccard similarity at or above which two texts are near duplicates, in (0, 1]. */
  threshold: number;
  /** Words per shingle. Default 3. */
  shingleWords?: number;
  /** Seed of the hash family (the same seed gives the same findings). Default 0. */
  seed?: number;
}

const MAX_PERMUTATIONS = 64;
const MISS_AT_THRESHOLD = 1e-3;

/**
 * LSH banding for `threshold`: the largest `rows` (fewest chance candidates) with
 * `bands × rows ≤ 64` and a miss probability `(1 - t^rows)^bands ≤ 10^-3` at the threshold.
 * Threshold 0.85 → 12 bands of 5 rows.
 */
export function lshShape(threshold: number): { bands: number; rows: number } {
  for (let rows = 16; rows >= 1; rows--) {
    const p = Math.pow(threshold, rows);
    const bands = p >= 1 ? 1 : Math.ceil(Math.log(MISS_AT_THRESHOLD) / Math.log(1 - p));
    if (bands * rows <= MAX_PERMUTATIONS) return { bands, rows };
  }
  return { bands: MAX_PERMUTATIONS, rows: 1 };
}

const CHUNK_BITS = 16;
const CHUNK = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK - 1;

/** An append-only int32 array in fixed chunks (no doubling copies, no slack beyond a chunk). */
class ChunkedInt32 {
  private chunks: Int32Array[] = [];
  get(i: number): number {
    return this.chunks[i >>> CHUNK_BITS][i & CHUNK_MASK];
  }
  set(i: number, value: number): void {
    const c = i >>> CHUNK_BITS;
    while (this.chunks.length <= c) this.chunks.push(new Int32Array(CHUNK));
    this.chunks[c][i & CHUNK_MASK] = value;
  }
}

/**
 * An index of texts for near-duplicate lookups, fed in a deterministic order (plan order).
 *
 * @example
 * ```ts
 * const index = new NearDuplicateIndex({ threshold: 0.85 });
 * const s = index.sketch("the quick brown fox jumps over the lazy dog");
 * index.find(s);   // undefined: nothing indexed yet
 * index.add(0, s);
 * index.find(index.sketch("The quick brown fox jumps over the lazy dog!")); // {id: 0, similarity: 1}
 * ```
 */
export class NearDuplicateIndex {
  readonly threshold: number;
  readonly bands: number;
  readonly rows: number;
  readonly shingleWords: number;
  private readonly mulA: Int32Array;
  private readonly xorB: Int32Array;
  // Per-slot data (slot = order of add): external id, shingle offset and length.
  private ids = new ChunkedInt32();
  private starts = new ChunkedInt32();
  private lengths = new ChunkedInt32();
  private seen = new ChunkedInt32();
  private stamp = 0;
  private count = 0;
  // Shingle arena: fixed chunks; a text never straddles two chunks.
  private arena: Uint32Array[] = [];
  private arenaUsed = 0;
  private arenaChunk = 1 << 20;
  // LSH table: open addressing keyed by band key → head entry (entry = slot × bands + band, +1).
  private keys = new Int32Array(1 << 12);
  private heads = new Int32Array(1 << 12);
  private used = 0;
  private next = new ChunkedInt32();
  private chunkOf = new ChunkedInt32();
  // Scratch buffers.
  private words = new Int32Array(256);
  private shingleBuf = new Uint32Array(256);
  private signature: Int32Array;

  constructor(options: NearDedupOptions) {
    const t = options.threshold;
    if (!(t > 0 && t <= 1)) {
      throw new RangeError(`Near-duplicate threshold must be in (0, 1], got ${t}`);
    }
    this.threshold = t;
    const { bands, rows } = lshShape(t);
    this.bands = bands;
    this.rows = rows;
    this.shingleWords = Math.max(1, options.shingleWords ?? 3);
    const n = bands * rows;
    this.mulA = new Int32Array(n);
    this.xorB = new Int32Array(n);
    let state = fmix32((options.seed ?? 0) ^ 0x2545f491);
    for (let p = 0; p < n; p++) {
      state = fmix32(state + 0x6d2b79f5);
      this.mulA[p] = state | 1; // odd: a bijection mod 2^32
      state = fmix32(state + 0x6d2b79f5);
      this.xorB[p] = state;
    }
    this.signature = new Int32Array(n);
  }

  /** Texts indexed so far. */
  get size(): number {
    return this.count;
  }

  /** Shingles and band keys of `text` (pure; any order, any thread of control). */
  sketch(text: string): NearSketch {
    const words = this.wordHashes(text.toLowerCase());
    const k = this.shingleWords;
    const nShingles = words.count === 0 ? 0 : Math.max(1, words.count - k + 1);
    if (this.shingleBuf.length < nShingles) this.shingleBuf = new Uint32Array(nShingles * 2);
    const buf = this.shingleBuf;
    const w = words.hashes;
    for (let i = 0; i < nShingles; i++) {
      let h = 0x9e3779b9;
      const end = Math.min(i + k, words.count);
      for (let j = i; j < end; j++) h = Math.imul(((h << 5) | (h >>> 27)) ^ w[j], 0x9e3779b1);
      buf[i] = fmix32(h) >>> 0;
    }
    const sorted = buf.subarray(0, nShingles).sort();
    let distinct = 0;
    for (let i = 0; i < nShingles; i++) {
      if (i === 0 || sorted[i] !== sorted[distinct - 1]) sorted[distinct++] = sorted[i];
    }
    const shingles = sorted.slice(0, distinct);
    if (distinct === 0) return { shingles, bandKeys: new Int32Array(0) };
    const sig = this.signature;
    const n = sig.length;
    for (let p = 0; p < n; p++) {
      const a = this.mulA[p];
      const b = this.xorB[p];
      let min = 0x7fffffff;
      for (let i = 0; i < distinct; i++) {
        const v = Math.imul(shingles[i] ^ b, a); // ordered as int32: any fixed order works
        if (v < min) min = v;
      }
      sig[p] = min;
    }
    const bandKeys = new Int32Array(this.bands);
    for (let band = 0, p = 0; band < this.bands; band++) {
      let h = Math.imul(band + 1, 0x85ebca77);
      for (let r = 0; r < this.rows; r++, p++) h = fmix32(h ^ sig[p]) + r;
      bandKeys[band] = fmix32(h);
    }
    return { shingles, bandKeys };
  }

  /**
   * The indexed text most similar to `sketch` with Jaccard ≥ threshold (ties: the one added
   * first), or undefined.
   */
  find(sketch: NearSketch): NearMatch | undefined {
    const keys = sketch.bandKeys;
    if (keys.length === 0 || this.count === 0) return undefined;
    const stamp = ++this.stamp;
    let bestSlot = -1;
    let best = -1;
    const mask = this.keys.length - 1;
    for (let band = 0; band < keys.length; band++) {
      const key = keys[band];
      for (let pos = fmix32(key) & mask; this.heads[pos] !== 0; pos = (pos + 1) & mask) {
        if (this.keys[pos] !== key) continue;
        for (let e = this.heads[pos]; e !== 0; e = this.next.get(e - 1)) {
          const slot = Math.floor((e - 1) / this.bands);
          if (this.seen.get(slot) === stamp) continue;
          this.seen.set(slot, stamp);
          const j = this.jaccard(sketch.shingles, slot);
          if (j >= this.threshold && (j > best || (j === best && slot < bestSlot))) {
            best = j;
            bestSlot = slot;
          }
        }
        break;
      }
    }
    return bestSlot < 0 ? undefined : { id: this.ids.get(bestSlot), similarity: best };
  }

  /** Indexes `sketch` under `id` (a plan index). Texts without shingles are not indexed. */
  add(id: number, sketch: NearSketch): void {
    if (sketch.bandKeys.length === 0) return;
    const slot = this.count++;
    this.ids.set(slot, id);
    this.seen.set(slot, 0);
    const len = sketch.shingles.length;
    if (len > this.arenaChunk) this.arenaChunk = len;
    let chunk = this.arena.at(-1);
    let offset = this.arenaUsed;
    if (!chunk || offset + len > chunk.length) {
      chunk = new Uint32Array(this.arenaChunk);
      this.arena.push(chunk);
      offset = 0;
    }
    chunk.set(sketch.shingles, offset);
    this.arenaUsed = offset + len;
    this.starts.set(slot, offset);
    this.lengths.set(slot, len);
    this.chunkOf.set(slot, this.arena.length - 1);
    if ((this.used + this.bands) * 4 > this.keys.length * 3) this.grow(); // load <= 0.75
    for (let band = 0; band < this.bands; band++) {
      this.insert(sketch.bandKeys[band], slot * this.bands + band + 1);
    }
  }

  private insert(key: number, entry: number): void {
    const mask = this.keys.length - 1;
    let pos = fmix32(key) & mask;
    while (this.heads[pos] !== 0 && this.keys[pos] !== key) pos = (pos + 1) & mask;
    if (this.heads[pos] === 0) {
      this.keys[pos] = key;
      this.used++;
      this.next.set(entry - 1, 0);
    } else {
      this.next.set(entry - 1, this.heads[pos]);
    }
    this.heads[pos] = entry;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldHeads = this.heads;
    this.keys = new Int32Array(oldKeys.length * 2);
    this.heads = new Int32Array(oldHeads.length * 2);
    const mask = this.keys.length - 1;
    for (let i = 0; i < oldKeys.length; i++) {
      if (oldHeads[i] === 0) continue;
      let pos = fmix32(oldKeys[i]) & mask;
      while (this.heads[pos] !== 0) pos = (pos + 1) & mask;
      this.keys[pos] = oldKeys[i];
      this.heads[pos] = oldHeads[i];
    }
  }

  private jaccard(a: Uint32Array, slot: number): number {
    const b = this.arena[this.chunkOf.get(slot)];
    let j = this.starts.get(slot);
    const endB = j + this.lengths.get(slot);
    let i = 0;
    let inter = 0;
    while (i < a.length && j < endB) {
      const x = a[i];
      const y = b[j];
      if (x === y) {
        inter++;
        i++;
        j++;
      } else if (x < y) i++;
      else j++;
    }
    return inter / (a.length + this.lengths.get(slot) - inter);
  }

  private wordHashes(text: string): { hashes: Int32Array; count: number } {
    let count = 0;
    let h = 0;
    let inWord = false;
    let words = this.words;
    const n = text.length;
    for (let i = 0; i <= n; i++) {
      const c = i < n ? text.charCodeAt(i) : 32;
      const wordChar = (c >= 97 && c <= 122) || (c >= 48 && c <= 57) ||
        (c > 127 && c !== 0xa0 && c !== 0x3000 && (c < 0x2000 || c > 0x200b) &&
          c !== 0x2028 && c !== 0x2029 && c !== 0xfeff);
      if (wordChar) {
        if (!inWord) {
          h = 0x811c9dc5 | 0;
          inWord = true;
        }
        h = Math.imul(h ^ c, 0x01000193);
      } else if (inWord) {
        inWord = false;
        if (count === words.length) {
          const bigger = new Int32Array(words.length * 2);
          bigger.set(words);
          words = this.words = bigger;
        }
        words[count++] = fmix32(h);
      }
    }
    return { hashes: words, count };
  }
}
