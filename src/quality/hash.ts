/**
 * 32-bit non-cryptographic hashing for deduplication: MurmurHash3's finaliser and a
 * character-wise FNV-1a over JavaScript strings, both in plain `Math.imul` arithmetic (no
 * substrings, no copies into WebAssembly memory: 1.0-2.7x faster than `xxhash-wasm`'s `h32` per
 * word when measured; docs/benchmarks.md, "Quality gate: near deduplication").
 *
 * @module
 */

/** MurmurHash3 `fmix32`: a bijective avalanche of a 32-bit integer; returns an int32. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * FNV-1a over the UTF-16 code units of `text[start, end)`, finalised with {@link fmix32}.
 * Returns an int32. `seed` selects an independent-looking member of the family.
 */
export function hashChars(text: string, start = 0, end = text.length, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) | 0;
  for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return fmix32(h ^ (end - start));
}

/**
 * A 53-bit hash of a whole string (two independent 32-bit hashes), for exact-match keys: at
 * 10^6 distinct texts the chance of any collision is about 10^-4.
 */
export function hash53(text: string): number {
  const hi = hashChars(text, 0, text.length, 0x5bd1e995) >>> 11; // 21 bits
  const lo = hashChars(text, 0, text.length, 0) >>> 0; // 32 bits
  return hi * 0x100000000 + lo;
}
