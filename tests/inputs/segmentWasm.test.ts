/**
 * The built-in GPT-2 tokenizer runs on tiktoken's WASM encoder: on random Unicode text (ASCII,
 * accents, CJK, emoji with ZWJ, combining marks, lone surrogates, whitespace runs,
 * `<|endoftext|>`) its ids and its segments equal those of our own BPE encoder, which the tests in
 * `segment.test.ts` hold to tiktoken's ids and exact spans. (They differ on characters assigned in
 * Unicode versions newer than tiktoken's regex tables, where tiktoken's ids are the reference.)
 */
import { describe, expect, test } from "bun:test";
import { get_encoding } from "tiktoken";
import { seededUniform } from "../../src/engines/transformers/sampling.ts";
import { segmentText } from "../../src/inputs/segment.ts";
import { gpt2Tokenizer } from "../../src/inputs/tokenizers/gpt2.ts";

const PIECES = [
  "the",
  " quick",
  "Brown",
  "'s",
  "'ll",
  " 42",
  "3.14",
  "  ",
  "\n\n",
  "\t",
  " \u00a0",
  "é",
  "façade",
  "Ünïcödé",
  "日本語",
  "のテキスト",
  "😀",
  "👩\u200d👩\u200d👧",
  "🏳️\u200d🌈",
  "e\u0301",
  "שלום",
  "\ud800", // lone high surrogate
  "\udc00", // lone low surrogate
  "\ud83d", // half an emoji
  "<|endoftext|>",
  "—",
  "!!?",
  "\u0000",
  "\uffff",
];

function randomText(rand: () => number): string {
  let s = "";
  const n = 1 + Math.floor(rand() * 80);
  for (let i = 0; i < n; i++) {
    // Random code points come from blocks whose letters/digits are the same in every Unicode
    // version the two regex engines know: a character assigned in a newer version (e.g. Tangut
    // U+187FB) is a letter to Bun's regex but not to tiktoken's, and the ids differ there.
    const kind = rand();
    if (kind < 0.1) s += String.fromCharCode(Math.floor(rand() * 0x3000));
    else if (kind < 0.2) s += String.fromCharCode(0xd800 + Math.floor(rand() * 0x800));
    else if (kind < 0.3) s += String.fromCharCode(0x4e00 + Math.floor(rand() * 0x5000));
    else if (kind < 0.4) s += String.fromCodePoint(0x1f300 + Math.floor(rand() * 0x350));
    else s += PIECES[Math.floor(rand() * PIECES.length)];
  }
  return s;
}

describe("GPT-2 on tiktoken's WASM encoder", () => {
  test("ids and segments equal our own BPE's on 500 random texts", async () => {
    const wasm = await gpt2Tokenizer();
    const own = await gpt2Tokenizer("openai-community/gpt2", { wasm: false });
    expect(wasm.encodeIds).toBeDefined(); // the WASM encoder loaded
    const rand = seededUniform(15);
    for (let i = 0; i < 500; i++) {
      const text = randomText(rand);
      const ids = own.encode(text);
      expect({ text, ids: wasm.encode(text) }).toEqual({ text, ids });
      expect(Array.from(wasm.encodeIds!(text))).toEqual(ids);
      if (text.trim() === "") continue;
      const params = { segment_length: 1 + Math.floor(rand() * 6), segment_overlap: 0 };
      params.segment_overlap = Math.floor(rand() * params.segment_length);
      expect(segmentText(text, wasm, params)).toEqual(segmentText(text, own, params));
    }
  });

  test("ids equal tiktoken's on any code units, newer Unicode and lone surrogates included", async () => {
    const wasm = await gpt2Tokenizer();
    const enc = get_encoding("gpt2");
    try {
      const rand = seededUniform(16);
      for (let i = 0; i < 300; i++) {
        let text = "";
        for (let n = Math.floor(rand() * 60); n > 0; n--) {
          text += rand() < 0.5
            ? String.fromCharCode(Math.floor(rand() * 0x10000))
            : String.fromCodePoint(Math.floor(rand() * 0x110000));
          if (rand() < 0.3) text += PIECES[Math.floor(rand() * PIECES.length)];
        }
        expect({ text, ids: wasm.encode(text) }).toEqual({
          text,
          ids: [...enc.encode(text, "all")],
        });
      }
    } finally {
      enc.free();
    }
  });
});
