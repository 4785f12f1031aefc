/**
 * Per-request token choice inside a shared batch. transformers.js applies one generation config
 * to a whole batch, and its multinomial sampler ignores `top_p` and draws from one global RNG;
 * this engine instead prepares each row's logits itself, so that requests with different
 * settings share a batch and each keeps its own seeded sampler: penalties and `logit_bias` are
 * added, and a sampling row draws its token (temperature, top-k, top-p, min-p, in that order,
 * as Hugging Face's warpers) and leaves only that token finite. transformers.js then runs its
 * greedy (argmax) sampler, which picks exactly the prepared token.
 *
 * @module
 */
import type { RowSettings } from "./generationParams.ts";

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
export function seededUniform(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The state of one row across decoding steps. */
export class RowSampler {
  private readonly random: () => number;
  /** Generated token id -> count (for the penalties). */
  private readonly counts = new Map<number, number>();

  constructor(readonly settings: RowSettings) {
    this.random = seededUniform(settings.seed);
  }

  /** Whether {@link prepare} changes anything (false: plain greedy on raw logits). */
  get active(): boolean {
    const s = this.settings;
    return s.sample || s.logitBias.size > 0 || s.frequencyPenalty !== 0 || s.presencePenalty !== 0;
  }

  /** Records a generated token (for the penalties). */
  observe(token: number): void {
    this.counts.set(token, (this.counts.get(token) ?? 0) + 1);
  }

  /**
   * Rewrites `logits` (one row, length = vocabulary) in place: biases and penalties, then, when
   * sampling, every entry but the drawn token becomes `-Infinity`.
   *
   * @returns the token the row will take (the argmax of the rewritten row).
   */
  prepare(logits: Float32Array): number {
    const s = this.settings;
    for (const [id, bias] of s.logitBias) {
      if (id < logits.length) logits[id] = bias <= -100 ? -Infinity : logits[id] + bias;
    }
    if (s.frequencyPenalty !== 0 || s.presencePenalty !== 0) {
      for (const [id, count] of this.counts) {
        if (id < logits.length) {
          logits[id] -= s.frequencyPenalty * count + s.presencePenalty;
        }
      }
    }
    if (!s.sample) return argmax(logits);
    const token = this.draw(logits);
    logits.fill(-Infinity);
    logits[token] = 0;
    return token;
  }

  private draw(logits: Float32Array): number {
    const { temperature, topK, topP, minP } = this.settings;
    // Candidates: all finite tokens, or the top-k.
    let ids: number[];
    if (topK > 0 && topK < logits.length) {
      const threshold = kthLargest(logits, topK);
      ids = [];
      for (let i = 0; i < logits.length; i++) if (logits[i] >= threshold) ids.push(i);
    } else if (topP < 1 || minP > 0) {
      ids = [];
      for (let i = 0; i < logits.length; i++) if (logits[i] > -Infinity) ids.push(i);
    } else {
      return this.drawAll(logits, temperature);
    }
    ids.sort((a, b) => logits[b] - logits[a]);
    const max = logits[ids[0]];
    const probs = ids.map((id) => Math.exp((logits[id] - max) / temperature));
    let total = probs.reduce((a, b) => a + b, 0);
    let keep = probs.length;
    if (topP < 1) {
      let cumulative = 0;
      for (let i = 0; i < probs.length; i++) {
        cumulative += probs[i] / total;
        if (cumulative >= topP) {
          keep = i + 1;
          break;
        }
      }
    }
    if (minP > 0) {
      const floor = minP * probs[0];
      let i = 1;
      while (i < keep && probs[i] >= floor) i++;
      keep = i;
    }
    total = 0;
    for (let i = 0; i < keep; i++) total += probs[i];
    let x = this.random() * total;
    for (let i = 0; i < keep; i++) {
      x -= probs[i];
      if (x < 0) return ids[i];
    }
    return ids[keep - 1];
  }

  /** Softmax sampling over the whole row without sorting. */
  private drawAll(logits: Float32Array, temperature: number): number {
    const max = logits[argmax(logits)];
    let total = 0;
    for (let i = 0; i < logits.length; i++) total += Math.exp((logits[i] - max) / temperature);
    let x = this.random() * total;
    for (let i = 0; i < logits.length; i++) {
      x -= Math.exp((logits[i] - max) / temperature);
      if (x < 0) return i;
    }
    return argmax(logits);
  }
}

/** Index of the largest value (first on ties). */
export function argmax(values: Float32Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** The k-th largest value (quickselect on a copy). */
function kthLargest(values: Float32Array, k: number): number {
  const a = Float32Array.from(values);
  let lo = 0;
  let hi = a.length - 1;
  const target = k - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] > pivot) i++;
      while (a[j] < pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else break;
  }
  return a[target];
}
