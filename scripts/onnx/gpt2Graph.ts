/**
 * The ONNX graph of a GPT-2-style decoder with a KV cache, in the I/O layout transformers.js
 * expects of a `text-generation` model (runtime.md, "transformers.js"):
 * - inputs `input_ids`, `attention_mask`, `position_ids` (int64, `[batch_size, ...]`) and
 *   `past_key_values.{i}.key|value` (float32 `[batch_size, heads, past_sequence_length, head_dim]`,
 *   heads and head_dim fixed so that transformers.js can build the empty first-step cache);
 * - outputs `logits` (`[batch_size, sequence_length, vocab]`) and `present.{i}.key|value`.
 *
 * Per layer: pre-LayerNorm attention (causal + padding mask, the new keys/values appended to the
 * cache) and a ReLU MLP, residual connections; final LayerNorm; logits from the token embeddings
 * (tied output layer). No biases. Opset 17.
 *
 * @module
 */
import { DType, OnnxGraph } from "./onnxModel.ts";

/** Sizes of the decoder. */
export interface Gpt2Sizes {
  vocab: number;
  embed: number;
  heads: number;
  layers: number;
  ffn: number;
  positions: number;
}

/** Weights, row-major float32, named by role. */
export interface Gpt2Weights {
  /** `[vocab, embed]` token embeddings (also the output layer). */
  wte: Float32Array;
  /** `[positions, embed]`. */
  wpe: Float32Array;
  layers: {
    wq: Float32Array;
    wk: Float32Array;
    wv: Float32Array;
    wo: Float32Array;
    /** `[embed, ffn]`. */
    w1: Float32Array;
    /** `[ffn, embed]`. */
    w2: Float32Array;
  }[];
}

/** Serialises the decoder as an ONNX `ModelProto`. */
export function buildGpt2Onnx(sizes: Gpt2Sizes, weights: Gpt2Weights): Uint8Array {
  const { vocab, embed, heads, layers, ffn, positions } = sizes;
  const headDim = embed / heads;
  const g = new OnnxGraph();
  const ids = g.input("input_ids", DType.INT64, ["batch_size", "sequence_length"]);
  const mask = g.input("attention_mask", DType.INT64, ["batch_size", "total_sequence_length"]);
  const pos = g.input("position_ids", DType.INT64, ["batch_size", "sequence_length"]);
  const past: [string, string][] = [];
  for (let l = 0; l < layers; l++) {
    const dims = ["batch_size", heads, "past_sequence_length", headDim];
    past.push([
      g.input(`past_key_values.${l}.key`, DType.FLOAT, dims),
      g.input(`past_key_values.${l}.value`, DType.FLOAT, dims),
    ]);
  }

  const wte = g.floats("wte", [vocab, embed], weights.wte);
  const wpe = g.floats("wpe", [positions, embed], weights.wpe);
  const ones = g.floats("ln_scale", [embed], new Float32Array(embed).fill(1));
  const zeros = g.floats("ln_bias", [embed], new Float32Array(embed));
  const zero = g.int64s("zero", [], [0]);
  const one = g.int64s("one", [], [1]);
  const ax0 = g.int64s("axes0", [1], [0]);
  const ax1 = g.int64s("axes1", [1], [1]);
  const ax12 = g.int64s("axes12", [2], [1, 2]);
  const splitHeads = g.int64s("split_heads", [4], [0, 0, heads, headDim]);
  const mergeHeads = g.int64s("merge_heads", [3], [0, 0, embed]);
  const scale = g.floats("attn_scale", [], Float32Array.of(1 / Math.sqrt(headDim)));
  const masked = g.floats("masked", [], Float32Array.of(-1e9));
  const layerNorm = (x: string) =>
    g.op("LayerNormalization", [x, ones, zeros], { axis: { int: -1 }, epsilon: { float: 1e-5 } });

  // Positions: query i sits at past_len + i and may see keys 0..past_len + i that are not padding.
  const total = g.op("Squeeze", [
    g.op("Shape", [mask], { start: { int: 1 }, end: { int: 2 } }),
    ax0,
  ]);
  const seq = g.op("Squeeze", [g.op("Shape", [ids], { start: { int: 1 }, end: { int: 2 } }), ax0]);
  const pastLen = g.op("Sub", [total, seq]);
  const keyIdx = g.op("Unsqueeze", [g.op("Range", [zero, total, one]), ax0]);
  const queryIdx = g.op("Unsqueeze", [g.op("Range", [pastLen, total, one]), ax1]);
  const causal = g.op("LessOrEqual", [keyIdx, queryIdx]);
  const padding = g.op("Unsqueeze", [g.op("Cast", [mask], { to: { int: DType.BOOL } }), ax12]);
  const allowed = g.op("And", [causal, padding]);

  let h = g.op("Add", [g.op("Gather", [wte, ids]), g.op("Gather", [wpe, pos])]);
  for (let l = 0; l < layers; l++) {
    const w = weights.layers[l];
    const x = layerNorm(h);
    const project = (name: string, data: Float32Array) =>
      g.op("MatMul", [x, g.floats(`h${l}.${name}`, [embed, embed], data)]);
    const toHeads = (t: string) =>
      g.op("Transpose", [g.op("Reshape", [t, splitHeads])], { perm: { ints: [0, 2, 1, 3] } });
    const q = toHeads(project("wq", w.wq));
    const [k] = g.node("Concat", [past[l][0], toHeads(project("wk", w.wk))], [`present.${l}.key`], {
      axis: { int: 2 },
    });
    const [v] = g.node(
      "Concat",
      [past[l][1], toHeads(project("wv", w.wv))],
      [`present.${l}.value`],
      { axis: { int: 2 } },
    );
    const kT = g.op("Transpose", [k], { perm: { ints: [0, 1, 3, 2] } });
    const scores = g.op("Mul", [g.op("MatMul", [q, kT]), scale]);
    const probs = g.op("Softmax", [g.op("Where", [allowed, scores, masked])], {
      axis: { int: -1 },
    });
    const attn = g.op("Transpose", [g.op("MatMul", [probs, v])], { perm: { ints: [0, 2, 1, 3] } });
    const merged = g.op("Reshape", [attn, mergeHeads]);
    h = g.op("Add", [h, g.op("MatMul", [merged, g.floats(`h${l}.wo`, [embed, embed], w.wo)])]);
    const up = g.op("Relu", [
      g.op("MatMul", [layerNorm(h), g.floats(`h${l}.w1`, [embed, ffn], w.w1)]),
    ]);
    h = g.op("Add", [h, g.op("MatMul", [up, g.floats(`h${l}.w2`, [ffn, embed], w.w2)])]);
  }
  const lmHead = g.op("Transpose", [wte], { perm: { ints: [1, 0] } });
  g.node("MatMul", [layerNorm(h), lmHead], ["logits"]);

  g.output("logits", DType.FLOAT, ["batch_size", "sequence_length", vocab]);
  for (let l = 0; l < layers; l++) {
    const dims = ["batch_size", heads, "total_sequence_length", headDim];
    g.output(`present.${l}.key`, DType.FLOAT, dims);
    g.output(`present.${l}.value`, DType.FLOAT, dims);
  }
  return g.toBytes("synth-tiny-gpt2");
}
