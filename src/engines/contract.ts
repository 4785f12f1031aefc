/**
 * The engine contract: the only thing the pipeline knows about a language model back-end.
 *
 * Types only. Every adapter (llama.cpp, transformers.js, OpenAI-compatible servers,
 * Anthropic, ...) implements {@link Engine}; the registry (`registry.ts`) maps oumi engine
 * names (spec §16.1) to adapter factories through lazy imports. Adapters never import each
 * other. Errors an adapter throws should be {@link import("../errors.ts").EngineError} so the
 * runner can tell retryable failures from fatal ones.
 *
 * @module
 */

/** A chat role, lower-case as on the wire (oumi's `Role` enum names are upper-case in YAML). */
export type Role = "system" | "user" | "assistant" | "tool";

/** A JSON Schema object (draft-7 or later), passed through verbatim. */
export type JsonSchema = { [key: string]: unknown };

/** One tool call made by the model, in the OpenAI shape oumi writes to its output (§10.8). */
export interface ToolCall {
  /** Call id, unique within the conversation. */
  id: string;
  type: "function";
  function: {
    /** The tool id (oumi sends the tool's `id` as the function name). */
    name: string;
    /** JSON text of the arguments object. */
    arguments: string;
  };
}

/** A tool offered to the model, in the OpenAI function form (§11.3). */
export interface ToolDefinition {
  type: "function";
  function: { name: string; description?: string; parameters?: JsonSchema };
}

/** One chat message. `content` is `null` only on tool-call-only assistant messages. */
export interface ChatMessage {
  role: Role;
  content: string | null;
  /** Tool calls made by an assistant message. */
  tool_calls?: ToolCall[];
  /** On `tool` messages: the id of the call this message answers. */
  tool_call_id?: string;
}

/**
 * Generation parameters with oumi's names (`inference_config.generation`, spec §16.1).
 * Every field is optional; an adapter applies its own defaults and warns once per run about
 * parameters it cannot honour (it never throws for them).
 */
export interface GenerationParams {
  /** Maximum number of tokens to generate. Default 1024 in oumi. */
  max_new_tokens?: number;
  /** Sampling temperature, >= 0; 0 means greedy. oumi's default is 0. */
  temperature?: number;
  /** Nucleus sampling mass in [0, 1]. */
  top_p?: number | null;
  /** Min-p sampling threshold in [0, 1]; 0 disables it. */
  min_p?: number;
  /** Top-k (llama.cpp name); not an oumi field but accepted by local engines. */
  top_k?: number | null;
  /** Seed for the sampler; `null`/absent means unseeded. */
  seed?: number | null;
  /** Strings that end generation (not included in the output). */
  stop_strings?: string[] | null;
  /** Token ids that end generation. */
  stop_token_ids?: number[] | null;
  frequency_penalty?: number;
  presence_penalty?: number;
  /** Token id (as a string or number key) to bias in [-100, 100]. */
  logit_bias?: Record<string, number>;
  /** OpenAI value space: "auto" | "none" | "required" | {type: "function", function: {name}}. */
  tool_choice?: unknown;
  parallel_tool_calls?: boolean;
}

/** One generation request: a conversation to continue with one assistant message. */
export interface GenerateRequest {
  messages: ChatMessage[];
  /**
   * Per-request overrides merged over the engine's configured generation parameters
   * (e.g. a planner call that needs a different `max_new_tokens`).
   */
  generation?: GenerationParams;
  /**
   * When set, the reply must be JSON text matching this schema (oumi's
   * `guided_decoding.json`). Engines whose `capabilities.jsonSchema` is false ignore it and
   * the caller validates and retries.
   */
  jsonSchema?: JsonSchema;
  /** Tools the model may call. Engines whose `capabilities.tools` is false reject requests with tools. */
  tools?: ToolDefinition[];
  /** Aborts the request; the engine rejects with an `AbortError`-named error. */
  signal?: AbortSignal;
  /**
   * Receives the reply's text as it is decoded, in order (for streaming). Engines that cannot
   * stream never call it; the result's message always holds the whole reply.
   */
  onText?: (delta: string) => void;
  /**
   * `textHash` (`template/textHash.ts`) of each message's content, when the step that built the
   * request had them for free (template rendering composes them from precomputed pieces); the
   * run journal uses them instead of reading the texts again. Engines ignore it.
   */
  contentHashes?: readonly number[];
}

/** Token counts of one request. */
export interface Usage {
  /** Prompt tokens (including cached ones). */
  inputTokens: number;
  /** Generated tokens. */
  outputTokens: number;
  /** Prompt tokens served from a cache, when the engine reports it. */
  cachedTokens?: number;
}

/** Why generation stopped, with oumi's mapping (§16.3). */
export type FinishReason = "stop" | "length" | "tool_calls" | "content_filter" | "unknown";

/** The result of one {@link GenerateRequest}. */
export interface GenerateResult {
  /** The assistant message produced (content `""` when the model said nothing). */
  message: ChatMessage;
  usage: Usage;
  finishReason: FinishReason;
}

/** Hints a caller gives with a request (scheduling and bookkeeping only; never sent). */
export interface GenerateHints {
  /**
   * Work left in the record, in requests (e.g. messages still to write in a conversation):
   * when requests queue for the engine, those of records with more work left go first.
   */
  remaining?: number;
  /**
   * 1-based message number of a conversation the request writes (multi-turn attributes,
   * §10.6); absent for the planner and for one-request attributes. Part of the request's key
   * (`synth/requests.ts`).
   */
  turn?: number;
}

/**
 * Sends one request for the current record and attribute, with retries and usage accounting
 * done behind it (`synth/requests.ts`). What steps and tool environments call instead of
 * {@link Engine.generate}.
 */
export type Generate = (request: GenerateRequest, hints?: GenerateHints) => Promise<GenerateResult>;

/** What an engine can do; the pipeline checks these before relying on a feature. */
export interface EngineCapabilities {
  /** Supports {@link GenerateRequest.jsonSchema} (constrained decoding or a provider feature). */
  jsonSchema: boolean;
  /** Supports {@link GenerateRequest.tools} (native tool calling). */
  tools: boolean;
}

/**
 * A loaded engine. Concurrency: callers may have up to {@link Engine.maxConcurrency}
 * `generate` calls in flight; an engine queues any excess internally rather than failing.
 * Holds native memory or sockets: call {@link Engine.dispose} (or `await using`) when done;
 * `generate` after `dispose` rejects.
 */
export interface Engine extends AsyncDisposable {
  /** oumi engine name this instance was created for, e.g. `"LLAMACPP"`. */
  readonly name: string;
  /** Model identifier for display (file name, model id). */
  readonly model: string;
  /** Number of requests worth running at once (parallel sequences, workers). >= 1. */
  readonly maxConcurrency: number;
  readonly capabilities: EngineCapabilities;
  /** Continue a conversation with one assistant message. */
  generate(request: GenerateRequest): Promise<GenerateResult>;
  /** Releases models, contexts and connections. Idempotent. */
  dispose(): Promise<void>;
}

/**
 * The subset of oumi's `inference_config` (§16) an engine factory reads. Structurally
 * compatible with the validated config type from `src/config/schema.ts`.
 */
export interface EngineConfig {
  engine?: string | null;
  model: {
    model_name: string;
    adapter_model?: string | null;
    model_max_length?: number | null;
    model_kwargs?: Record<string, unknown> | null;
    [key: string]: unknown;
  };
  generation?: GenerationParams & Record<string, unknown>;
  remote_params?: Record<string, unknown> | null;
  [key: string]: unknown;
}

/** Options every factory receives besides the config. */
export interface EngineFactoryOptions {
  /** Directory of the config file; relative model paths resolve against it, then the CWD. */
  configDir?: string;
  /** Project `models/` folders searched for bare model names, in order. */
  modelDirs?: string[];
  /** CPU threads a local engine may use. Default: physical cores. Never above the cores present. */
  threads?: number;
  /** Parallel sequences for local engines. Default chosen by the adapter (see its docs). */
  parallelSequences?: number;
  /** Receives each warning once (unsupported parameter, fallback taken, ...). */
  onWarning?: (message: string) => void;
  /** Receives debug-level diagnostics. */
  onDebug?: (message: string) => void;
}

/** Creates an engine; rejects with a `ConfigError`-style error for bad model paths etc. */
export type EngineFactory = (
  config: EngineConfig,
  options: EngineFactoryOptions,
) => Promise<Engine>;
