/**
 * The NATIVE engine on transformers.js (ONNX Runtime): an ONNX decoder with a KV cache runs
 * batches of concurrent requests (spec §16.6 NATIVE; DECISIONS compatibility promise 4).
 *
 * `generate` tokenizes the conversation with the model's chat template and queues it; requests
 * that arrive while a batch runs form the next batch (up to `maxConcurrency`, left-padded).
 * Each row keeps its own settings, seeded sampler and stop conditions (`batchRows.ts`,
 * `sampling.ts`); a row that stops early idles until the batch ends, and its reply is cut at its
 * own stop.
 *
 * @module
 */
import type {
  Engine,
  EngineCapabilities,
  GenerateRequest,
  GenerateResult,
  GenerationParams,
} from "../contract.ts";
import { EngineError } from "../../errors.ts";
import type { Transformers } from "../../runtime/loadTransformers.ts";
import { BatchQueue } from "./batchQueue.ts";
import { resolveRowSettings, type RowSettings } from "./generationParams.ts";
import { type ChatTokenizer, promptIds } from "./prompt.ts";
import { abortError, leftPad, rowHooks, rowReply } from "./batchRows.ts";

/** The model surface this engine uses (a transformers.js causal LM). */
export interface CausalLm {
  generate(options: Record<string, unknown>): Promise<unknown>;
  dispose(): Promise<unknown>;
}

/** What {@link TransformersEngine} is built from (see `index.ts`). */
export interface TransformersParts {
  tf: Transformers;
  model: CausalLm;
  tokenizer: ChatTokenizer;
  /** Display name (folder name and dtype). */
  modelName: string;
  /** Engine name as configured (`NATIVE` or `NATIVE_TEXT`). */
  engineName: string;
  /** Requests per batch, >= 1. */
  batchSize: number;
  /** Token ids that end a reply (model and generation config). */
  eosTokenIds: number[];
  padTokenId: number;
  /** Longest sequence (prompt + reply) the model takes, when known. */
  maxPositions?: number;
  /** Generation parameters from the config; requests override them key by key. */
  generation: GenerationParams & Record<string, unknown>;
  warnOnce: (key: string, message: string) => void;
  onDebug?: (message: string) => void;
}

interface Row {
  request: GenerateRequest;
  settings: RowSettings;
  prompt: number[];
  resolve: (result: GenerateResult) => void;
  reject: (error: Error) => void;
}

/** An {@link Engine} over a loaded transformers.js model. Create it with `createTransformersEngine`. */
export class TransformersEngine implements Engine {
  readonly name: string;
  readonly model: string;
  readonly maxConcurrency: number;
  readonly capabilities: EngineCapabilities = { jsonSchema: false, tools: false };

  private readonly parts: TransformersParts;
  private readonly queue: BatchQueue<Row>;
  private readonly eos: Set<number>;
  private disposing: Promise<void> | undefined;
  /** Batches run so far and rows in them (debug statistics). */
  readonly stats = { batches: 0, rows: 0 };

  constructor(parts: TransformersParts) {
    this.parts = parts;
    this.name = parts.engineName;
    this.model = parts.modelName;
    this.maxConcurrency = Math.max(1, parts.batchSize);
    this.eos = new Set(parts.eosTokenIds);
    this.queue = new BatchQueue<Row>(
      this.maxConcurrency,
      // A batch that fails unexpectedly still settles every row (settled ones ignore it).
      (rows) =>
        this.runBatch(rows).catch((error: unknown) => {
          const failure = new EngineError(`Cannot generate with ${this.name}: ${message(error)}`, {
            cause: error,
          });
          for (const row of rows) row.reject(failure);
        }),
      (row, error) => row.reject(error),
    );
  }

  /**
   * Writes one assistant message for `request.messages`.
   *
   * @throws EngineError (`fatal`) after {@link dispose} or for requests with tools;
   *   EngineError (not retryable) for a prompt longer than the model takes; an `AbortError`
   *   when `request.signal` aborts.
   */
  generate(request: GenerateRequest): Promise<GenerateResult> {
    if (this.disposing) return Promise.reject(this.disposedError());
    if (request.tools && request.tools.length > 0) {
      return Promise.reject(
        new EngineError(
          `Cannot generate with tools on ${this.name}: tool calling is not supported`,
          {
            fatal: true,
          },
        ),
      );
    }
    if (request.signal?.aborted) return Promise.reject(abortError(request.signal));
    if (request.jsonSchema) {
      this.parts.warnOnce(
        "jsonSchema",
        `${this.name} (transformers.js) cannot constrain replies to a JSON schema; replies are validated instead`,
      );
    }
    const merged = { ...this.parts.generation, ...(request.generation ?? {}) };
    const { settings, unsupported } = resolveRowSettings(merged);
    for (const item of unsupported) this.parts.warnOnce(`generation:${item.key}`, item.message);
    let prompt: number[];
    try {
      prompt = promptIds(this.parts.tokenizer, request.messages, () =>
        this.parts.warnOnce(
          "chat_template",
          `The model ${this.model} has no chat template; using a plain "role: content" transcript`,
        ));
    } catch (error) {
      return Promise.reject(
        new EngineError(`Cannot apply the chat template of ${this.model}: ${message(error)}`, {
          cause: error,
        }),
      );
    }
    const limit = this.parts.maxPositions;
    if (limit !== undefined && prompt.length >= limit) {
      return Promise.reject(
        new EngineError(
          `Cannot generate with ${this.name}: the prompt has ${prompt.length} tokens, the model takes ${limit}`,
        ),
      );
    }
    return new Promise<GenerateResult>((resolve, reject) => {
      const row: Row = { request, settings, prompt, resolve, reject };
      request.signal?.addEventListener("abort", () => {
        if (this.queue.remove(row)) reject(abortError(request.signal!));
      }, { once: true });
      this.queue.push(row);
    });
  }

  private async runBatch(rows: Row[]): Promise<void> {
    const { tf, model, tokenizer } = this.parts;
    this.stats.batches++;
    this.stats.rows += rows.length;
    const { ids, mask, width } = leftPad(rows.map((r) => r.prompt), this.parts.padTokenId);
    const room = this.parts.maxPositions === undefined ? Infinity : this.parts.maxPositions - width;
    const limits = rows.map((r) => Math.max(1, Math.min(r.settings.maxNewTokens, room)));
    const maxNew = Math.max(...limits);
    const hooks = rowHooks(
      tf,
      rows.map((r) => ({ settings: r.settings, signal: r.request.signal })),
      { width, limits, eos: this.eos, tokenizer },
    );
    let sequences: { tolist(): bigint[][] };
    try {
      sequences = await model.generate({
        input_ids: new tf.Tensor("int64", ids, [rows.length, width]),
        attention_mask: new tf.Tensor("int64", mask, [rows.length, width]),
        max_new_tokens: maxNew,
        // Every row's token is prepared by `hooks.processor`; transformers.js takes the argmax.
        do_sample: false,
        num_beams: 1,
        temperature: 1,
        top_k: 0,
        top_p: 1,
        repetition_penalty: 1,
        no_repeat_ngram_size: 0,
        min_length: 0,
        min_new_tokens: null,
        pad_token_id: this.parts.padTokenId,
        logits_processor: [hooks.processor],
        stopping_criteria: [hooks.criteria],
      }) as { tolist(): bigint[][] };
    } catch (error) {
      const failure = this.disposing
        ? this.disposedError()
        : new EngineError(`Cannot generate with ${this.name}: ${message(error)}`, { cause: error });
      for (const row of rows) row.reject(failure);
      return;
    }
    const all = sequences.tolist();
    rows.forEach((row, r) => {
      try {
        row.resolve(
          rowReply(tokenizer, {
            settings: row.settings,
            promptTokens: row.prompt.length,
            state: hooks.states[r],
            sequence: all[r],
            width,
            limit: limits[r],
            signal: row.request.signal,
          }),
        );
      } catch (error) {
        row.reject(
          error instanceof Error && error.name === "AbortError"
            ? error
            : new EngineError(`Cannot decode the reply of ${this.name}: ${message(error)}`, {
              cause: error,
            }),
        );
      }
    });
    this.parts.onDebug?.(
      `${this.name}: batch of ${rows.length} (prompt width ${width}, up to ${maxNew} new tokens)`,
    );
  }

  private disposedError(): EngineError {
    return new EngineError(`Cannot generate with ${this.name}: the engine is disposed`, {
      fatal: true,
    });
  }

  /** Fails queued requests, waits for the running batch, then frees the ONNX sessions. Idempotent. */
  dispose(): Promise<void> {
    this.disposing ??= (async () => {
      await this.queue.close(this.disposedError());
      await this.parts.model.dispose().catch(() => undefined);
    })();
    return this.disposing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}

function message(error: unknown): string {
  return (error as Error)?.message ?? String(error);
}
