/**
 * The tokenizer contract segmentation needs (§5.3): token ids of a text, and the UTF-8 byte
 * length of every id, so token windows map back to exact character spans of the text
 * (byte-level BPE is lossless: the byte lengths of a text's tokens sum to its UTF-8 length).
 *
 * @module
 */

/** A byte-level BPE tokenizer. */
export interface ByteTokenizer {
  /** Name as configured (`openai-community/gpt2`, a path). */
  readonly name: string;
  /** Token ids of `text`; special-token text (e.g. `<|endoftext|>`) maps to its id, as in HF. */
  encode(text: string): number[];
  /**
   * Same ids as {@link encode}, in whatever array is cheapest (segmentation reads them once);
   * absent: `encode` is used.
   */
  encodeIds?(text: string): ArrayLike<number>;
  /** UTF-8 bytes of token `id`. */
  byteLength(id: number): number;
}

const byteToUnicode = (() => {
  const keep: number[] = [];
  for (let b = 33; b <= 126; b++) keep.push(b);
  for (let b = 161; b <= 172; b++) keep.push(b);
  for (let b = 174; b <= 255; b++) keep.push(b);
  const table = new Map<string, number>();
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    if (keep.includes(b)) table.set(String.fromCharCode(b), b);
    else table.set(String.fromCharCode(256 + extra++), b);
  }
  return table;
})();

/**
 * The bytes of a byte-level BPE vocabulary entry (GPT-2's printable-unicode spelling of bytes,
 * `Ġ` = space), or undefined when `token` is not in that alphabet.
 */
export function byteLevelBytes(token: string): number[] | undefined {
  const out: number[] = [];
  for (const ch of token) {
    const b = byteToUnicode.get(ch);
    if (b === undefined) return undefined;
    out.push(b);
  }
  return out;
}

/**
 * Wraps `encode` so that the text of each special token in `specials` maps to its id (as
 * Hugging Face tokenizers treat added tokens); the text between them goes to `encode`.
 */
export function withSpecialTokens(
  encode: (text: string) => number[],
  specials: ReadonlyMap<string, number>,
): (text: string) => number[] {
  if (specials.size === 0) return encode;
  const names = [...specials.keys()].sort((a, b) => b.length - a.length);
  const pattern = new RegExp(
    names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"),
    "g",
  );
  return (text) => {
    pattern.lastIndex = 0;
    if (!pattern.test(text)) return encode(text);
    pattern.lastIndex = 0; // matchAll starts where the test stopped otherwise
    const out: number[] = [];
    let last = 0;
    for (const match of text.matchAll(pattern)) {
      if (match.index > last) {
        for (const id of encode(text.slice(last, match.index))) out.push(id);
      }
      out.push(specials.get(match[0])!);
      last = match.index + match[0].length;
    }
    if (last < text.length) { for (const id of encode(text.slice(last))) out.push(id); }
    return out;
  };
}
