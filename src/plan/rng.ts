/**
 * Seeded random numbers for planning (DECISIONS 3): xoroshiro128+ from `pure-rand`, with states
 * derived by hashing a 128-bit key, so a stream can be forked into independent child streams
 * by label (`rng.fork(i)`) at any time: a child depends only on the parent's key and the label,
 * never on how many numbers the parent has drawn. Record *i* of a plan uses `root.fork(i)`, so
 * its draws are the same whatever order records are produced in.
 *
 * @module
 */

import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { uniformInt } from "pure-rand/distribution/uniformInt";
import { xoroshiro128plusFromState } from "pure-rand/generator/xoroshiro128plus";
import type { RandomGenerator } from "pure-rand/types/RandomGenerator";

type Key = readonly [number, number, number, number];

/** Murmur3's 32-bit finaliser: a bijection with full avalanche. */
function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Absorbs `words` into a 128-bit key (four mixed lanes, each depending on all inputs). */
function derive(key: Key, words: readonly number[]): Key {
  let a = key[0], b = key[1], c = key[2], d = key[3];
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    a = mix32(a ^ w ^ 0x9e3779b9);
    b = mix32((b + a) ^ w ^ 0x7f4a7c15);
    c = mix32((c ^ b) + w + 0x6a09e667);
    d = mix32((d + c) ^ Math.imul(w, 0x27d4eb2f));
  }
  a = mix32(a ^ d);
  b = mix32(b ^ a);
  c = mix32(c ^ b);
  d = mix32(d ^ c);
  return [a, b, c, d];
}

/** `derive(key, numberWords(i))` for an integer 0 <= i < 2^32, without the word array. */
function deriveIndex(key: Key, i: number): Key {
  let a = key[0], b = key[1], c = key[2], d = key[3];
  // words: [1, i (low word), 0 (high word)]
  a = mix32(a ^ 1 ^ 0x9e3779b9);
  b = mix32((b + a) ^ 1 ^ 0x7f4a7c15);
  c = mix32((c ^ b) + 1 + 0x6a09e667);
  d = mix32((d + c) ^ Math.imul(1, 0x27d4eb2f));
  a = mix32(a ^ i ^ 0x9e3779b9);
  b = mix32((b + a) ^ i ^ 0x7f4a7c15);
  c = mix32((c ^ b) + i + 0x6a09e667);
  d = mix32((d + c) ^ Math.imul(i, 0x27d4eb2f));
  a = mix32(a ^ 0x9e3779b9);
  b = mix32((b + a) ^ 0x7f4a7c15);
  c = mix32((c ^ b) + 0x6a09e667);
  d = mix32(d + c);
  a = mix32(a ^ d);
  b = mix32(b ^ a);
  c = mix32(c ^ b);
  d = mix32(d ^ c);
  return [a, b, c, d];
}

const ROOT: Key = [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344];
const view = new DataView(new ArrayBuffer(8));

/** A number label or seed as words: safe integers exactly (two's complement), others by bits. */
function numberWords(n: number): number[] {
  if (Number.isSafeInteger(n)) {
    const lo = n >>> 0; // two's complement low word, also for negatives
    const hi = Math.floor(n / 0x100000000) >>> 0;
    return [1, lo, hi];
  }
  view.setFloat64(0, n);
  return [2, view.getUint32(0), view.getUint32(4)];
}

/** A string label as words: two UTF-16 units per word, plus the length (injective). */
function stringWords(s: string): number[] {
  const words = [3, s.length];
  for (let i = 0; i < s.length; i += 2) {
    words.push((s.charCodeAt(i) << 16) | (i + 1 < s.length ? s.charCodeAt(i + 1) : 0));
  }
  return words;
}

/** A random stream. Not safe to share between independent consumers: fork instead. */
export class Rng {
  readonly #key: Key;
  readonly #gen: RandomGenerator;

  private constructor(key: Key) {
    this.#key = key;
    const state = [key[0] | 0, key[1] | 0, key[2] | 0, key[3] | 0];
    if ((state[0] | state[1] | state[2] | state[3]) === 0) state[0] = 1; // all-zero is a fixed point
    this.#gen = xoroshiro128plusFromState(state);
  }

  /** A stream fully determined by `seed` (any finite number; integers are typical). */
  static seeded(seed: number): Rng {
    if (!Number.isFinite(seed)) {
      throw new RangeError(`Cannot seed the random generator: ${seed} is not finite`);
    }
    return new Rng(derive(ROOT, numberWords(seed)));
  }

  /** A fresh 32-bit seed from the operating system's CSPRNG (for unseeded runs). */
  static randomSeed(): number {
    return crypto.getRandomValues(new Uint32Array(1))[0];
  }

  /** An independent child stream named by `label`; the same label always gives the same stream. */
  fork(label: number | string): Rng {
    if (typeof label === "number" && label >= 0 && label <= 0xffffffff && Number.isInteger(label)) {
      return new Rng(deriveIndex(this.#key, label)); // the per-record hot path
    }
    return new Rng(
      derive(this.#key, typeof label === "number" ? numberWords(label) : stringWords(label)),
    );
  }

  /** A float in [0, 1) with 53 random bits. */
  random(): number {
    return uniformFloat64(this.#gen);
  }

  /** An integer in [min, max], both inclusive (safe integers). @throws {RangeError} if min > max. */
  int(min: number, max: number): number {
    if (min > max) {
      throw new RangeError(`Cannot draw an integer: min ${min} is greater than max ${max}`);
    }
    return uniformInt(this.#gen, min, max);
  }

  /**
   * An index drawn with probability proportional to `weights[i]` (relative weights;
   * `[0.2, 0.3]` gives 40%/60%). Zero weights are never drawn.
   *
   * @throws {RangeError} if the weights are empty, negative, or sum to 0.
   */
  weightedIndex(weights: readonly number[]): number {
    let total = 0;
    for (const w of weights) {
      if (!(w >= 0)) throw new RangeError(`Cannot draw by weight: weight ${w} is negative`);
      total += w;
    }
    if (!(total > 0)) {
      throw new RangeError("Cannot draw by weight: total weight must be greater than 0");
    }
    return pickCumulative(weights, this.random() * total);
  }

  /**
   * `k` distinct indices from `0..n-1` in random order (sampling without replacement, like
   * Python's `random.sample(range(n), k)`); `k` is clamped to `n`. O(k) for k much smaller than n.
   */
  sample(n: number, k: number): number[] {
    const count = Math.max(0, Math.min(k, n));
    if (count * 4 < n) {
      const seen = new Set<number>();
      const out: number[] = [];
      while (out.length < count) {
        const i = this.int(0, n - 1);
        if (!seen.has(i)) (seen.add(i), out.push(i));
      }
      return out;
    }
    const pool = Array.from({ length: n }, (_, i) => i);
    for (let i = 0; i < count; i++) {
      const j = this.int(i, n - 1);
      [pool[i], pool[j]] = [pool[j], pool[i]];
    }
    pool.length = count;
    return pool;
  }

  /** Shuffles `items` in place (Fisher-Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }

  /**
   * A random UUID version 4 string drawn from this stream (reproducible when seeded): four
   * 32-bit words, each `int(0, 0xffffffff)` (one generator step), with the version and variant
   * bits set (the per-record CHAT `conversation_id`).
   */
  uuid4(): string {
    // `int(0, 0xffffffff)` is exactly one `next()` shifted to unsigned (pure-rand's uniformInt
    // for a 2^32 range never rejects); drawn directly, the same words come out.
    const g = this.#gen;
    const w0 = g.next() + 0x80000000;
    const w1 = ((g.next() + 0x80000000) & 0xffff0fff) | 0x4000;
    const w2 = ((g.next() + 0x80000000) & 0x3fffffff) | 0x80000000;
    const w3 = g.next() + 0x80000000;
    // Hex digits into a reused ASCII buffer, read back as one string (no rope of 20 pieces).
    putHex(w0, 0, 8);
    putHex(w1 >>> 16, 9, 4);
    putHex(w1, 14, 4);
    putHex(w2 >>> 16, 19, 4);
    putHex(w2, 24, 4);
    putHex(w3, 28, 8);
    return UUID.toString("ascii");
  }
}

/** The text of the last {@link Rng.uuid4}, hyphens in place (8-4-4-4-12). */
const UUID = Buffer.from("00000000-0000-4000-8000-000000000000", "ascii");
const HEX_DIGITS = Buffer.from("0123456789abcdef", "ascii");

/** Writes the low `digits` hex digits of `value` into {@link UUID} at `at`. */
function putHex(value: number, at: number, digits: number): void {
  for (let k = at + digits - 1; k >= at; k--) {
    UUID[k] = HEX_DIGITS[value & 15];
    value >>>= 4;
  }
}

/**
 * The index `i` with `sum(weights[0..i-1]) <= target < sum(weights[0..i])`; past the end (float
 * rounding) the last index with a positive weight.
 */
export function pickCumulative(weights: readonly number[], target: number): number {
  let acc = 0;
  let last = -1;
  for (let i = 0; i < weights.length; i++) {
    if (weights[i] <= 0) continue;
    acc += weights[i];
    last = i;
    if (target < acc) return i;
  }
  return last;
}
