/**
 * GPT-2's tokenizer (`openai-community/gpt2`, `gpt2`), built into the executable: ids come from
 * tiktoken's WASM `gpt2` encoder (`runtime/loadTiktoken.ts`, embedded in the executable; ids
 * identical to Hugging Face gpt2), token byte lengths from gpt-tokenizer's `r50k_base` rank
 * table; `<|endoftext|>` in the text maps to 50256 as Hugging Face does. Where the WASM module
 * cannot be loaded, our cached byte-level BPE (`./bpe.ts`) over the same table gives the same
 * ids, more slowly.
 *
 * @module
 */
import { bytesKey, createBpeEncoder, type RankMap } from "./bpe.ts";
import { type ByteTokenizer, withSpecialTokens } from "./tokenizer.ts";
import { loadTiktokenGpt2, type TiktokenEncoder } from "../../runtime/loadTiktoken.ts";

/** GPT-2's pre-tokenizer pattern (tiktoken `gpt2`, Hugging Face ByteLevel). */
export const GPT2_PATTERN =
  /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/** Names that select the built-in GPT-2 tokenizer. */
export const GPT2_NAMES = new Set(["openai-community/gpt2", "gpt2"]);

const END_OF_TEXT = "<|endoftext|>";
let cached: ByteTokenizer | undefined;

/**
 * The built-in GPT-2 tokenizer (loaded on first use, then shared). `wasm: false` selects our own
 * BPE encoder (benchmarks and tests compare the two).
 */
export async function gpt2Tokenizer(
  name = "openai-community/gpt2",
  options: { wasm?: boolean } = {},
): Promise<ByteTokenizer> {
  if (options.wasm === false) return { ...(await ownBpe()), name };
  if (!cached) {
    const bpe = await ownBpe();
    let wasm: TiktokenEncoder | undefined;
    try {
      wasm = await loadTiktokenGpt2();
    } catch {
      wasm = undefined; // same ids from our own encoder
    }
    cached = wasm
      ? {
        name,
        encode: (text) => Array.from(wasm.encode(text, "all")),
        encodeIds: (text) => wasm.encode(text, "all"),
        byteLength: bpe.byteLength,
      }
      : bpe;
  }
  return cached.name === name ? cached : { ...cached, name };
}

let own: ByteTokenizer | undefined;

/** GPT-2 on our own BPE encoder. */
async function ownBpe(): Promise<ByteTokenizer> {
  if (!own) {
    const ranks = (await import("gpt-tokenizer/bpeRanks/r50k_base")).default as readonly (
      | string
      | readonly number[]
    )[];
    const encoder = new TextEncoder();
    const lengths = new Uint8Array(50257);
    const table: RankMap = new Map();
    for (let id = 0; id < ranks.length; id++) {
      const entry = ranks[id];
      if (entry === undefined) continue;
      const bytes = typeof entry === "string" ? encoder.encode(entry) : entry;
      lengths[id] = bytes.length;
      table.set(bytesKey(bytes), id);
    }
    lengths[50256] = END_OF_TEXT.length;
    const encodeText = withSpecialTokens(
      createBpeEncoder(table, GPT2_PATTERN),
      new Map([[END_OF_TEXT, 50256]]),
    );
    own = {
      name: "openai-community/gpt2",
      encode: encodeText,
      byteLength: (id) => lengths[id],
    };
  }
  return own;
}
