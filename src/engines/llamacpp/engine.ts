/**
 * The LLAMACPP engine: a GGUF model run in-process by llama.cpp through node-llama-cpp
 * (spec §16.6; DECISIONS.md compatibility promise 4).
 *
 * One context holds N sequences (see {@link resolveLoadSettings}); each `generate` takes a free
 * sequence (callers beyond N wait in FIFO order), and sequences that run at the same time share
 * decode batches. The model's own chat template (from the GGUF) formats the conversation.
 *
 * Prompt cache (llama.cpp server's `cache_prompt`, on unless `model_kwargs.cache_prompt: false`):
 * a sequence keeps its KV cache after a request; the next request on it evaluates only the
 * tokens after the longest common prefix (node-llama-cpp erases the rest), so the shared system
 * prompt, few-shot examples, a document segment used by several attributes and a conversation's
 * history are evaluated once. A request takes the free sequence whose cache shares the longest
 * prefix with its prompt (a conversation returns to its own sequence), as long as the tokens
 * reused outweigh a tenth of the cached tokens it would erase (so a shared chat-template header
 * does not evict another conversation's history), else the least recently used one, whose cache
 * is overwritten (the KV memory is allocated once per sequence, so keeping caches costs none).
 * When another sequence holds (or is evaluating) a longer prefix of the prompt than the one taken
 * (concurrent conversations start with the same planner instructions; records share a system
 * prompt), the request waits until that prompt is evaluated and copies the prefix's KV cells
 * into its own sequence (llama.cpp's `llama_memory_seq_cp`), so a prefix shared across sequences
 * is evaluated once too. Usage reports every prompt token as input and the reused ones as
 * `cachedTokens`. A failed or aborted request clears its sequence. Attention only ever sees the
 * request's own tokens, so a request's result does not depend on what ran before.
 *
 * @module
 */
import type {
  Llama,
  LlamaChat,
  LlamaContext,
  LlamaContextSequence,
  LlamaGrammar,
  LlamaModel,
  Token,
} from "node-llama-cpp";
import type {
  Engine,
  EngineCapabilities,
  FinishReason,
  GenerateRequest,
  GenerateResult,
  GenerationParams,
  JsonSchema,
} from "../contract.ts";
import { EngineError } from "../../errors.ts";
import type { NodeLlamaCpp } from "../../runtime/loadNodeLlamaCpp.ts";
import { resolveSampling } from "./generationParams.ts";
import { toChatHistory } from "./messages.ts";
import { toFunctions, toToolCalls } from "./tools.ts";
import { abortError, SlotPool } from "./sequencePool.ts";

/** One parallel sequence and the chat driver bound to it. */
export interface Slot {
  sequence: LlamaContextSequence;
  chat: LlamaChat;
}

/** What {@link LlamaCppEngine} is built from (see `index.ts` for how it is loaded). */
export interface LlamaCppParts {
  nlc: NodeLlamaCpp;
  llama: Llama;
  model: LlamaModel;
  context: LlamaContext;
  slots: Slot[];
  /** Display name (file name). */
  modelName: string;
  /** Generation parameters from the config; requests override them key by key. */
  generation: GenerationParams & Record<string, unknown>;
  /** Keep sequences' KV caches between requests and reuse common prefixes. Default true. */
  cachePrompt?: boolean;
  warnOnce: (key: string, message: string) => void;
  onDebug?: (message: string) => void;
  /** Called once after everything native is freed. */
  onDisposed?: () => void;
}

/** An {@link Engine} over a loaded node-llama-cpp model. Create it with `createLlamaCppEngine`. */
export class LlamaCppEngine implements Engine {
  readonly name = "LLAMACPP";
  readonly model: string;
  readonly maxConcurrency: number;
  readonly capabilities: EngineCapabilities = { jsonSchema: true, tools: true };
  /** Context size of each sequence, in tokens. */
  readonly contextSize: number;

  private readonly parts: LlamaCppParts;
  private readonly pool: SlotPool<Slot>;
  private readonly grammars = new Map<string, Promise<LlamaGrammar>>();
  private readonly lifetime = new AbortController();
  private readonly inFlight = new Set<Promise<unknown>>();
  /** The prompt each busy sequence runs, and when its evaluation is done (prefix sharing). */
  private readonly running = new Map<Slot, RunningPrompt>();
  private readonly vocabSize: number;
  private disposing: Promise<void> | undefined;

  constructor(parts: LlamaCppParts) {
    this.parts = parts;
    this.model = parts.modelName;
    this.maxConcurrency = parts.slots.length;
    this.contextSize = parts.context.contextSize;
    this.pool = new SlotPool(parts.slots);
    this.vocabSize = vocabularySize(parts.model);
  }

  /**
   * Writes one assistant message for `request.messages`.
   *
   * With `request.tools`, the model may answer with tool calls (node-llama-cpp function calling
   * in the model's chat-template syntax): the result then has `tool_calls` (ids `call_<n>`),
   * content `null` when it wrote no text, and `finishReason: "tool_calls"`. A JSON schema is
   * ignored (with a warning) on requests with tools. Output is bounded by `max_new_tokens`.
   *
   * @throws EngineError (`fatal`) after {@link dispose}; EngineError
   *   (not retryable) for a prompt longer than the context or an unusable JSON schema; an
   *   `AbortError` when `request.signal` aborts.
   */
  generate(request: GenerateRequest): Promise<GenerateResult> {
    if (this.disposing) {
      return Promise.reject(
        new EngineError("Cannot generate with LLAMACPP: the engine is disposed", { fatal: true }),
      );
    }
    const run = this.run(request);
    this.inFlight.add(run);
    run.then(() => this.inFlight.delete(run), () => this.inFlight.delete(run));
    return run;
  }

  private async run(request: GenerateRequest): Promise<GenerateResult> {
    const functions = request.tools && request.tools.length > 0
      ? toFunctions(request.tools)
      : undefined;
    const merged = { ...this.parts.generation, ...(request.generation ?? {}) };
    const { settings, unsupported } = resolveSampling(merged);
    for (const item of unsupported) this.parts.warnOnce(`generation:${item.key}`, item.message);

    const schema = request.jsonSchema ?? settings.guidedSchema;
    if (schema && functions) {
      this.parts.warnOnce(
        "tools+schema",
        "LLAMACPP ignores the JSON schema of requests that offer tools (one grammar per request)",
      );
    }
    const grammar = schema && !functions ? await this.grammarFor(schema) : undefined;
    const history = toChatHistory(request.messages, { functions: !!functions });
    const signal = request.signal
      ? AbortSignal.any([request.signal, this.lifetime.signal])
      : this.lifetime.signal;

    const tokens = this.parts.slots[0].chat.chatWrapper
      .generateContextState({
        chatHistory: history,
        ...(functions ? { availableFunctions: functions, documentFunctionParams: true } : {}),
      })
      .contextText.tokenize(this.parts.model.tokenizer);
    const promptTokens = tokens.length;
    const reuse = this.parts.cachePrompt !== false;
    const slot = await this.pool.acquire(signal, reuse ? (s) => reuseScore(s, tokens) : undefined);
    let clear = !reuse;
    // Tokens this sequence already holds (node-llama-cpp evaluates at least the last one again).
    let reused = reuse ? heldPrefix(slot, tokens) : 0;
    let evaluated: (() => void) | undefined;
    try {
      const room = this.contextSize - promptTokens - 1;
      if (room < 1) {
        throw new EngineError(
          `Cannot generate with LLAMACPP: the prompt has ${promptTokens} tokens, the context holds ${this.contextSize} (raise inference_config.model.model_max_length)`,
        );
      }
      if (reuse) {
        // Choosing a donor and announcing this prompt happen in one step (no await between), so
        // a request only ever waits for one announced before it: no two wait for each other.
        const donor = this.donorFor(slot, tokens, reused);
        this.running.set(slot, {
          tokens,
          evaluated: new Promise<void>((resolve) => (evaluated = resolve)),
        });
        if (donor) reused = await this.borrowPrefix(slot, tokens, reused, donor, signal);
      }
      const maxTokens = Math.min(settings.maxTokens, room);
      const before = slot.sequence.tokenMeter.getState();
      const penalties = settings.frequencyPenalty !== 0 || settings.presencePenalty !== 0;
      const response = await slot.chat.generateResponse(history, {
        maxTokens,
        temperature: settings.temperature,
        topP: settings.topP,
        topK: settings.topK,
        minP: settings.minP,
        seed: settings.seed ?? randomSeed(),
        customStopTriggers: [
          ...settings.stopStrings,
          ...settings.stopTokenIds.filter((id) => id < this.vocabSize).map((id) => [id as Token]),
        ],
        repeatPenalty: penalties
          ? {
            penalty: 1,
            frequencyPenalty: settings.frequencyPenalty,
            presencePenalty: settings.presencePenalty,
          }
          : false,
        tokenBias: this.tokenBias(settings.logitBias),
        ...(functions ? { functions, documentFunctionParams: true } : { grammar }),
        ...(request.onText && !functions ? { onTextChunk: request.onText } : {}),
        // The first sampled token: the prompt is in the KV cache (others may copy its prefix).
        ...(evaluated ? { onToken: () => evaluated?.() } : {}),
        signal,
      });
      const used = slot.sequence.tokenMeter.diff(before);
      // Prompt tokens as the template renders them, of which `reused` came from the cache.
      const usage = {
        inputTokens: promptTokens,
        outputTokens: used.usedOutputTokens,
        ...(reuse ? { cachedTokens: Math.max(0, reused) } : {}),
      };
      const stop = response.metadata.stopReason;
      if (stop === "abort") throw abortError(signal);
      const calls = response.functionCalls ?? [];
      if (calls.length > 0) {
        return {
          message: {
            role: "assistant",
            content: response.response.trim() === "" ? null : response.response,
            tool_calls: toToolCalls(calls, request.messages),
          },
          usage,
          finishReason: "tool_calls",
        };
      }
      const finishReason: FinishReason = stop === "maxTokens" ? "length" : "stop";
      return {
        message: { role: "assistant", content: response.response },
        // Output: tokens sampled (including a final end-of-generation token).
        usage,
        finishReason,
      };
    } catch (error) {
      clear = true;
      throw this.mapError(error, signal);
    } finally {
      if (clear) await slot.sequence.clearHistory().catch(() => undefined);
      this.running.delete(slot);
      evaluated?.();
      this.pool.release(slot);
    }
  }

  /**
   * The sequence other than `slot` that holds, or is evaluating, the longest prefix of `tokens`,
   * when that beats the `reused` tokens `slot` holds by at least {@link MIN_BORROWED_TOKENS}
   * (with the promise of its evaluation when it is running); undefined when none does or this
   * node-llama-cpp cannot copy between sequences.
   */
  private donorFor(
    slot: Slot,
    tokens: readonly Token[],
    reused: number,
  ): { slot: Slot; pending?: Promise<void> } | undefined {
    const sequence = slot.sequence as unknown as Partial<CopyableSequence>;
    if (typeof sequence._copyStateFromOtherSequence !== "function") return undefined;
    // Among equal prefixes: one already held (no wait), else the prompt announced first (it is
    // evaluated first; a later one may itself be waiting for it).
    const announced = [...this.running.keys()];
    const rank = (other: Slot) => (this.running.has(other) ? 1 + announced.indexOf(other) : 0);
    let donor: { slot: Slot; pending?: Promise<void> } | undefined;
    let best = reused + MIN_BORROWED_TOKENS - 1;
    for (const other of this.parts.slots) {
      if (other === slot) continue;
      const running = this.running.get(other);
      const held = Math.min(
        running ? commonPrefix(running.tokens, tokens) : heldPrefix(other, tokens),
        tokens.length - 1,
      );
      if (held > best || (donor && held === best && rank(other) < rank(donor.slot))) {
        best = held;
        donor = running ? { slot: other, pending: running.evaluated } : { slot: other };
      }
    }
    return donor;
  }

  /**
   * Waits until `donor` has evaluated its prompt, then copies into `slot` the prefix of `tokens`
   * that `donor` holds when that still beats `reused` by {@link MIN_BORROWED_TOKENS}. Returns the
   * prompt tokens `slot` now holds (at most `tokens.length - 1`); a failed copy clears `slot`
   * (returns 0).
   *
   * @throws the `AbortError` of `signal` when aborted while waiting.
   */
  private async borrowPrefix(
    slot: Slot,
    tokens: readonly Token[],
    reused: number,
    donor: { slot: Slot; pending?: Promise<void> },
    signal: AbortSignal,
  ): Promise<number> {
    if (donor.pending) await untilAborted(donor.pending, signal);
    const held = heldPrefix(donor.slot, tokens);
    if (held < reused + MIN_BORROWED_TOKENS) return reused;
    const sequence = slot.sequence as unknown as CopyableSequence;
    const copied = await sequence._copyStateFromOtherSequence(donor.slot.sequence, held)
      .catch(() => false);
    if (!copied) {
      await slot.sequence.clearHistory().catch(() => undefined);
      return 0;
    }
    this.parts.onDebug?.(`LLAMACPP: copied ${held} prompt tokens from another sequence`);
    return heldPrefix(slot, tokens);
  }

  private tokenBias(bias: Map<number, number>) {
    if (bias.size === 0) return undefined;
    const tokenBias = new this.parts.nlc.TokenBias(this.parts.model.tokenizer);
    for (const [id, value] of bias) {
      if (id >= this.vocabSize) {
        this.parts.warnOnce(
          `logit_bias.${id}`,
          `generation.logit_bias token ${id} is ignored by LLAMACPP: the vocabulary has ${this.vocabSize} tokens`,
        );
        continue;
      }
      tokenBias.set(id as Token, value <= -100 ? "never" : { logit: value });
    }
    return tokenBias;
  }

  private grammarFor(schema: JsonSchema): Promise<LlamaGrammar> {
    const key = JSON.stringify(schema);
    let grammar = this.grammars.get(key);
    if (!grammar) {
      grammar = this.parts.llama.createGrammarForJsonSchema(schema as never).catch(
        (error: unknown) => {
          this.grammars.delete(key);
          throw new EngineError(
            `Cannot use the JSON schema with LLAMACPP: ${
              (error as Error)?.message ?? String(error)
            }`,
            { cause: error },
          );
        },
      );
      this.grammars.set(key, grammar);
    }
    return grammar;
  }

  private mapError(error: unknown, signal: AbortSignal): Error {
    if (error instanceof EngineError) return error;
    if (signal.aborted) {
      if (this.lifetime.signal.aborted) {
        return new EngineError("Cannot generate with LLAMACPP: the engine is disposed", {
          fatal: true,
          cause: error,
        });
      }
      return abortError(signal);
    }
    return new EngineError(
      `Cannot generate with LLAMACPP: ${(error as Error)?.message ?? String(error)}`,
      {
        cause: error,
      },
    );
  }

  /** Aborts running requests, then frees the context, model and llama.cpp. Idempotent. */
  dispose(): Promise<void> {
    this.disposing ??= (async () => {
      const error = new EngineError("Cannot generate with LLAMACPP: the engine is disposed", {
        fatal: true,
      });
      this.pool.close(error);
      this.lifetime.abort(error);
      await Promise.allSettled([...this.inFlight]);
      for (const slot of this.parts.slots) slot.chat.dispose();
      await this.parts.context.dispose();
      await this.parts.model.dispose();
      await this.parts.llama.dispose();
      this.parts.onDisposed?.();
    })();
    return this.disposing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}

/** A busy sequence's prompt, and a promise settled once it is evaluated (or the request ends). */
interface RunningPrompt {
  tokens: readonly Token[];
  evaluated: Promise<void>;
}

/**
 * node-llama-cpp's sequence-to-sequence KV copy (used by its own `LlamaDecisionContext`, not in
 * its public types): copies `other`'s cells and tokens, then erases from `upToTokenIndex` on;
 * true when this sequence then holds exactly `upToTokenIndex` tokens.
 */
interface CopyableSequence {
  _copyStateFromOtherSequence(
    other: LlamaContextSequence,
    upToTokenIndex: number,
  ): Promise<boolean>;
}

/** Fewest prompt tokens worth copying from another sequence instead of evaluating them. */
const MIN_BORROWED_TOKENS = 32;

/** Tokens of `tokens` that `slot`'s cache holds, less the last (always evaluated again). */
function heldPrefix(slot: Slot, tokens: readonly Token[]): number {
  return Math.min(
    slot.sequence.compareContextTokens(tokens as Token[]).firstDifferentIndex,
    tokens.length - 1,
  );
}

/** Length of the common prefix of two token lists. */
function commonPrefix(a: readonly Token[], b: readonly Token[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

/** `promise`, or the `AbortError` of `signal` when it aborts first. */
function untilAborted(promise: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    });
  });
}

/**
 * What reusing `slot`'s cache is worth for a prompt of `tokens`: the common prefix, less a tenth
 * of the cached tokens after it (erased). Positive means worth taking over the LRU sequence.
 */
function reuseScore(slot: Slot, tokens: readonly Token[]): number {
  const match = slot.sequence.compareContextTokens(tokens as Token[]).firstDifferentIndex;
  return match - 0.1 * (slot.sequence.nextTokenIndex - match);
}

function vocabularySize(model: LlamaModel): number {
  const metadata = model.fileInfo.metadata as unknown as {
    tokenizer?: { ggml?: { tokens?: readonly unknown[] } };
  };
  const tokens = metadata.tokenizer?.ggml?.tokens?.length;
  if (tokens) return tokens;
  const embeddings = model.fileInfo.tensorInfo?.find((t) => t.name === "token_embd.weight");
  return Number(embeddings?.dimensions[1] ?? Number.MAX_SAFE_INTEGER);
}

function randomSeed(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0];
}
