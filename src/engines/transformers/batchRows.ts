/**
 * The rows of one generation batch: left padding, the per-row hooks transformers.js calls at
 * every decoding step, and each row's reply afterwards.
 *
 * transformers.js applies one generation config to a batch and stops only when every row is
 * done. The hooks make rows independent: the logits processor prepares each row's next token
 * with the row's own {@link RowSampler} (so transformers.js runs greedy), and the stopping
 * criterion marks a row done at its end token, stop token id, stop string, own token limit or
 * abort, remembering how many tokens it had. Rows that are done keep decoding until the batch
 * ends; their extra tokens are dropped by {@link rowReply}.
 *
 * @module
 */
import type { FinishReason, GenerateResult } from "../contract.ts";
import type { Transformers } from "../../runtime/loadTransformers.ts";
import type { RowSettings } from "./generationParams.ts";
import type { ChatTokenizer } from "./prompt.ts";
import { RowSampler } from "./sampling.ts";

/** Where one row stands. */
export interface RowState {
  done: boolean;
  /** Tokens generated up to and including the stopping one. */
  generated: number;
  finish: FinishReason | "abort";
  /** The last generated token ended the reply and is not part of it. */
  dropLast: boolean;
}

/**
 * Left-pads prompts into one `[rows, width]` batch.
 *
 * @returns int64 `ids` (padding = `padTokenId`), `mask` (1 on prompt tokens), and `width`.
 */
export function leftPad(
  prompts: number[][],
  padTokenId: number,
): { ids: BigInt64Array; mask: BigInt64Array; width: number } {
  const width = Math.max(...prompts.map((p) => p.length));
  const ids = new BigInt64Array(prompts.length * width).fill(BigInt(padTokenId));
  const mask = new BigInt64Array(prompts.length * width);
  prompts.forEach((prompt, r) => {
    const offset = r * width + width - prompt.length;
    for (let i = 0; i < prompt.length; i++) {
      ids[offset + i] = BigInt(prompt[i]);
      mask[offset + i] = 1n;
    }
  });
  return { ids, mask, width };
}

/**
 * Creates the logits processor and stopping criterion of one batch.
 *
 * @param rows each row's settings and abort signal, in batch order.
 * @param batch `width` (padded prompt length), per-row token `limits`, end token ids, tokenizer.
 */
export function rowHooks(
  tf: Transformers,
  rows: { settings: RowSettings; signal?: AbortSignal }[],
  batch: { width: number; limits: number[]; eos: Set<number>; tokenizer: ChatTokenizer },
) {
  const { width, limits, tokenizer } = batch;
  const samplers = rows.map((r) => new RowSampler(r.settings));
  const states: RowState[] = rows.map(() => ({
    done: false,
    generated: 0,
    finish: "length",
    dropLast: false,
  }));
  const stopIds = rows.map((r) => new Set([...batch.eos, ...r.settings.stopTokenIds]));
  // Decoding the last (longest stop string + 4) tokens is enough to see a stop string appear.
  const stopWindow = rows.map((r) =>
    r.settings.stopStrings.length === 0
      ? 0
      : Math.max(...r.settings.stopStrings.map((s) => s.length)) + 4
  );

  class RowLogits extends tf.LogitsProcessor {
    // transformers.js's typings say `void`; the list uses the returned tensor.
    override _call(_inputIds: bigint[][], logits: InstanceType<Transformers["Tensor"]>): void {
      const vocab = logits.dims.at(-1)!;
      const data = logits.data as Float32Array;
      for (let r = 0; r < samplers.length; r++) {
        if (states[r].done || !samplers[r].active) continue;
        samplers[r].prepare(data.subarray(r * vocab, (r + 1) * vocab));
      }
      return logits as never;
    }
  }

  class RowStops extends tf.StoppingCriteria {
    // Called with bigint ids (the typings say number).
    override _call(idsIn: number[][]): boolean[] {
      const inputIds = idsIn as unknown as bigint[][];
      return inputIds.map((seq, r) => {
        const state = states[r];
        if (state.done) return true;
        const generated = seq.length - width;
        state.generated = generated;
        const last = Number(seq[seq.length - 1]);
        samplers[r].observe(last);
        if (rows[r].signal?.aborted) return finish(state, "abort", false);
        if (stopIds[r].has(last)) return finish(state, "stop", true);
        if (stopWindow[r] > 0 && generated > 0) {
          const tail = tokenizer.decode(
            seq.slice(Math.max(width, seq.length - stopWindow[r])).map(Number),
            { skip_special_tokens: true },
          );
          if (rows[r].settings.stopStrings.some((s) => tail.includes(s))) {
            return finish(state, "stop", false);
          }
        }
        if (generated >= limits[r]) return finish(state, "length", false);
        return false;
      });
    }
  }

  return { processor: new RowLogits(), criteria: new RowStops(), states };
}

/**
 * The reply of one row: its tokens up to its own stop, decoded without special tokens and cut
 * at the first stop string.
 *
 * @throws an `AbortError` when the row was aborted.
 */
export function rowReply(
  tokenizer: ChatTokenizer,
  row: {
    settings: RowSettings;
    promptTokens: number;
    state: RowState;
    /** The row's whole output sequence (padded prompt + generated tokens). */
    sequence: bigint[];
    width: number;
    limit: number;
    signal?: AbortSignal;
  },
): GenerateResult {
  const { state, sequence, width } = row;
  if (state.finish === "abort" || row.signal?.aborted) throw abortError(row.signal);
  const count = state.done ? state.generated : Math.min(row.limit, sequence.length - width);
  const tokens = sequence.slice(width, width + count - (state.dropLast ? 1 : 0)).map(Number);
  // transformers.js refuses to decode an empty list.
  let text = tokens.length === 0 ? "" : tokenizer.decode(tokens, { skip_special_tokens: true });
  let finishReason: FinishReason = state.done ? state.finish as FinishReason : "length";
  const cut = firstStop(text, row.settings.stopStrings);
  if (cut >= 0) {
    text = text.slice(0, cut);
    finishReason = "stop";
  }
  return {
    message: { role: "assistant", content: text },
    usage: { inputTokens: row.promptTokens, outputTokens: count },
    finishReason,
  };
}

/** The `AbortError` a request rejects with (the signal's reason when it is one). */
export function abortError(signal?: AbortSignal): Error {
  const reason = signal?.reason;
  if (reason instanceof Error && reason.name === "AbortError") return reason;
  return Object.assign(new Error("The request was aborted"), { name: "AbortError" });
}

function finish(state: RowState, reason: RowState["finish"], dropLast: boolean): true {
  state.done = true;
  state.finish = reason;
  state.dropLast = dropLast;
  return true;
}

/** Index of the earliest stop string in `text`, or -1. */
function firstStop(text: string, stops: string[]): number {
  let best = -1;
  for (const stop of stops) {
    const i = text.indexOf(stop);
    if (i >= 0 && (best < 0 || i < best)) best = i;
  }
  return best;
}
