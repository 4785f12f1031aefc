/**
 * A planted near-duplicate set for the deduplication tests and benchmark: random texts of
 * ~100 words over a synthetic vocabulary, and variants of some of them with a few words
 * replaced, so that their Jaccard similarity to the original spans 0.7-0.95. Also an exact
 * reference Jaccard over word 3-shingles as strings (no hashing), for checking findings.
 */
import { seededUniform } from "../../src/engines/transformers/sampling.ts";

/** A word of 3-9 random letters. */
function randomWord(rand: () => number): string {
  const n = 3 + Math.floor(rand() * 7);
  let w = "";
  for (let i = 0; i < n; i++) w += String.fromCharCode(97 + Math.floor(rand() * 26));
  return w;
}

/** A text of `words` words drawn from a vocabulary of `vocabulary` words. */
export function textMaker(seed: number, vocabulary = 20_000) {
  const rand = seededUniform(seed);
  const vocab = Array.from({ length: vocabulary }, () => randomWord(rand));
  const word = () => vocab[Math.floor(rand() * vocab.length)];
  return {
    rand,
    /** A fresh text of `n` words, with some capitals and punctuation. */
    text(n = 100): string {
      const out: string[] = [];
      for (let i = 0; i < n; i++) {
        const w = word();
        out.push(i % 17 === 0 ? w[0].toUpperCase() + w.slice(1) : w);
        if (i % 13 === 12) out[out.length - 1] += ",";
      }
      return out.join(" ") + ".";
    },
    /** `text` with `edits` words replaced by random ones (at distinct positions). */
    variant(text: string, edits: number): string {
      const words = text.split(" ");
      const positions = new Set<number>();
      while (positions.size < Math.min(edits, words.length)) {
        positions.add(Math.floor(rand() * words.length));
      }
      for (const p of positions) words[p] = word();
      return words.join(" ");
    },
  };
}

/** Word 3-shingles of `text` as strings (lower case, letters and digits only). */
export function shingleSet(text: string, k = 3): Set<string> {
  const words = text.toLowerCase().split(/[^0-9a-z\u0080-\uffff]+/).filter((w) => w !== "");
  const out = new Set<string>();
  if (words.length === 0) return out;
  if (words.length < k) out.add(words.join(" "));
  for (let i = 0; i + k <= words.length; i++) out.add(words.slice(i, i + k).join(" "));
  return out;
}

/** Exact Jaccard similarity of two shingle sets. */
export function jaccard(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 && b.size === 0) return 0;
  let inter = 0;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const s of small) if (large.has(s)) inter++;
  return inter / (a.size + b.size - inter);
}
