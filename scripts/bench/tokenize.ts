/**
 * GPT-2 segmentation throughput (issue 3): our segmenter (`segmentText` with the built-in GPT-2
 * tokenizer, 2048-token windows with 200 overlap, exact character spans) against tiktoken's
 * WASM `gpt2` encoding (`encode` only, no windows) on the same generated text, alternating runs,
 * best of N. Target: synth >= 0.8x tiktoken's MB/s.
 *
 * Usage: `bun scripts/bench/tokenize.ts [--mb 50] [--runs 3]`. Prints JSON.
 *
 * @module
 */
import { get_encoding } from "tiktoken";
import { segmentText } from "../../src/inputs/segment.ts";
import { gpt2Tokenizer } from "../../src/inputs/tokenizers/gpt2.ts";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const MB = arg("mb", 50);
const RUNS = arg("runs", 3);

/**
 * Seeded prose-like text of about `bytes` UTF-8 bytes: Zipf-distributed words from a 40k-word
 * made-up vocabulary, punctuation, numbers, paragraphs, and ~3% non-ASCII words (accents, CJK,
 * emoji) so characters split across tokens.
 */
function makeText(bytes: number): string {
  let seed = 42;
  const rand = () => { // mulberry32
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const letters = "etaoinshrdlucmfwypvbgkjqxz";
  const vocab: string[] = [];
  for (let i = 0; i < 40000; i++) {
    const len = 2 + Math.floor(rand() * rand() * 10);
    let w = "";
    for (let j = 0; j < len; j++) w += letters[Math.floor(rand() * rand() * letters.length)];
    vocab.push(w);
  }
  const exotic = [
    "café",
    "naïve",
    "Zürich",
    "日本語",
    "テキスト",
    "😀",
    "👩‍👩‍👧",
    "señor",
    "Ελληνικά",
    "שלום",
  ];
  const parts: string[] = [];
  let size = 0;
  let sentence = 0;
  while (size < bytes) {
    const r = rand();
    let word: string;
    if (r < 0.03) word = exotic[Math.floor(rand() * exotic.length)];
    else if (r < 0.05) word = String(Math.floor(rand() * 100000));
    else word = vocab[Math.floor(40000 * rand() ** 3)];
    if (sentence === 0) word = word[0].toUpperCase() + word.slice(1);
    sentence++;
    let piece = word;
    if (sentence > 6 + rand() * 14) {
      piece += rand() < 0.8 ? "." : "?";
      piece += rand() < 0.15 ? "\n\n" : " ";
      sentence = 0;
    } else piece += rand() < 0.08 ? ", " : " ";
    parts.push(piece);
    size += Buffer.byteLength(piece);
  }
  return parts.join("");
}

const text = makeText(MB * 1e6);
const bytes = Buffer.byteLength(text);
const tokenizer = await gpt2Tokenizer();
const enc = get_encoding("gpt2");

const best = { tiktoken: Infinity, synth: Infinity };
let tokens = 0;
let segments = 0;
for (let run = 0; run < RUNS; run++) {
  let t = performance.now();
  tokens = enc.encode(text, "all").length;
  best.tiktoken = Math.min(best.tiktoken, performance.now() - t);
  t = performance.now();
  segments = segmentText(text, tokenizer, { segment_length: 2048, segment_overlap: 200 }).length;
  best.synth = Math.min(best.synth, performance.now() - t);
}
enc.free();
const mbps = (ms: number) => bytes / 1e6 / (ms / 1000);
console.log(JSON.stringify(
  {
    text_mb: +(bytes / 1e6).toFixed(1),
    tokens,
    segments,
    runs: RUNS,
    tiktoken_mb_per_s: +mbps(best.tiktoken).toFixed(2),
    synth_mb_per_s: +mbps(best.synth).toFixed(2),
    ratio: +(best.tiktoken / best.synth).toFixed(2),
  },
  null,
  2,
));
