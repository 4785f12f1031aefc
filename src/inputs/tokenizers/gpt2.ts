/**
 * GPT-2's tokenizer (`openai-community/gpt2`, `gpt2`), built into the executable: gpt-tokenizer's
 * `r50k_base` encoding (ids identical to Hugging Face gpt2), with `<|endoftext|>` in the text
 * mapped to 50256 as Hugging Face does. Byte lengths come from the encoding's rank table.
 *
 * @module
 */
import { type ByteTokenizer, withSpecialTokens } from "./tokenizer.ts";

/** Names that select the built-in GPT-2 tokenizer. */
export const GPT2_NAMES = new Set(["openai-community/gpt2", "gpt2"]);

const END_OF_TEXT = "<|endoftext|>";
let cached: ByteTokenizer | undefined;

/** The built-in GPT-2 tokenizer (loaded on first use, then shared). */
export async function gpt2Tokenizer(name = "openai-community/gpt2"): Promise<ByteTokenizer> {
  if (!cached) {
    const [{ encode }, ranks] = await Promise.all([
      import("gpt-tokenizer/encoding/r50k_base"),
      import("gpt-tokenizer/bpeRanks/r50k_base"),
    ]);
    const decoder = ranks.default as readonly (string | readonly number[])[];
    const encoder = new TextEncoder();
    const lengths = new Uint8Array(50257);
    for (let id = 0; id < decoder.length; id++) {
      const entry = decoder[id];
      if (entry === undefined) continue;
      lengths[id] = typeof entry === "string" ? encoder.encode(entry).length : entry.length;
    }
    lengths[50256] = END_OF_TEXT.length;
    const disallowedSpecial = new Set<string>();
    // gpt-tokenizer 4.0.0 does not map `<|endoftext|>` even when allowed: split on it here.
    const encodeText = withSpecialTokens(
      (text: string) => encode(text, { disallowedSpecial }),
      new Map([[END_OF_TEXT, 50256]]),
    );
    cached = {
      name,
      encode: encodeText,
      byteLength: (id) => lengths[id],
    };
  }
  return cached.name === name ? cached : { ...cached, name };
}
