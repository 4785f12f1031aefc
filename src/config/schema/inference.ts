/**
 * `inference_config` (spec §16): engine, model parameters, generation parameters (§16.1),
 * remote parameters (§16.2). Every oumi field is accepted so any oumi config validates;
 * engines warn about fields they cannot honour.
 *
 * `engine` is parsed to its canonical upper-case name; `NATIVE_TEXT` (the guide's name) maps
 * to `NATIVE` (DECISIONS compat promise 2), and an absent engine is `NATIVE` (oumi's
 * default). `remote_params` stays `null` when omitted so engines can apply provider defaults.
 *
 * @module
 */
import { z } from "zod";
import { isRecord } from "../pyValues.ts";
import {
  asNum,
  bool,
  EVEN_IF_INVALID,
  float,
  int,
  list,
  map,
  obj,
  opt,
  pyEnum,
  report,
  rule,
  str,
} from "./leaves.ts";

/** oumi's `InferenceEngineType` member names (§2.1). */
export const ENGINE_NAMES = [
  "NATIVE",
  "VLLM",
  "REMOTE_VLLM",
  "SGLANG",
  "LLAMACPP",
  "REMOTE",
  "ANTHROPIC",
  "GOOGLE_VERTEX",
  "GOOGLE_GEMINI",
  "DEEPSEEK",
  "FIREWORKS",
  "PARASAIL",
  "TOGETHER",
  "OPENAI",
  "OPENROUTER",
  "SAMBANOVA",
  "BEDROCK",
  "CEREBRAS",
  "HUGGING_FACE_ROUTER",
] as const;

/** A canonical engine name. */
export type EngineName = (typeof ENGINE_NAMES)[number];

/** `inference_config.engine`: `ANTHROPIC`, `InferenceEngineType.ANTHROPIC`, `anthropic`, `NATIVE_TEXT`. */
export const EngineSchema = pyEnum<EngineName>("InferenceEngineType", ENGINE_NAMES, {
  aliases: { NATIVE_TEXT: "NATIVE" },
});

/** `inference_config.model` (oumi `ModelParams`). */
export const ModelParamsSchema = obj("ModelParams", {
  model_name: str().describe(
    "Model id for APIs, or a local model: a .gguf file, a folder, or a name in models/",
  ),
  adapter_model: opt(str()),
  tokenizer_name: opt(str()),
  tokenizer_pad_token: opt(str()),
  tokenizer_kwargs: map().default(() => ({})),
  processor_kwargs: map().default(() => ({})),
  model_max_length: opt(
    rule(int(), (n) => n > 0, "model_max_length must be a positive integer or None."),
  ).describe("Context length for local engines"),
  load_pretrained_weights: bool().default(true),
  trust_remote_code: bool().default(false),
  torch_dtype_str: str().default("float32"),
  compile: bool().default(false),
  chat_template: opt(str()),
  attn_implementation: opt(str()),
  device_map: str().nullable().default("auto"),
  model_kwargs: map().default(() => ({})).describe("Extra options for local engines"),
  enable_liger_kernel: bool().default(false),
  shard_for_eval: bool().default(false),
  freeze_layers: list(str()).default(() => []),
  model_revision: opt(str()),
});

/** `generation.guided_decoding`: at most one of `json`, `regex`, `choice`. */
export const GuidedDecodingSchema = obj("GuidedDecodingParams", {
  json: z.unknown().optional().transform((v) => v ?? null).describe(
    "JSON schema (a mapping or its JSON text)",
  ),
  regex: opt(str()),
  choice: opt(list(str())),
  strict: opt(bool()),
}).superRefine((value, ctx) => {
  const v = value as Record<string, unknown>;
  const given = [v.json, v.regex, v.choice].filter((x) => x !== null && x !== undefined);
  if (given.length > 1) {
    report(ctx, [], "Only one of 'json', 'regex', or 'choice' can be specified");
  }
}, EVEN_IF_INVALID);

const TOOL_CHOICE_WORDS = ["auto", "none", "required"];

function isToolChoice(v: unknown): boolean {
  if (typeof v === "string") return TOOL_CHOICE_WORDS.includes(v);
  return isRecord(v) && v.type === "function" && isRecord(v.function) &&
    typeof v.function.name === "string";
}

/** `inference_config.generation` (oumi `GenerationParams`, §16.1). */
export const GenerationParamsSchema = obj("GenerationParams", {
  max_new_tokens: int().default(1024).describe("Most tokens generated per reply"),
  batch_size: rule(int(), (n) => n >= 1, "batch_size must be at least 1.").default(1),
  exclude_prompt_from_response: bool().default(true),
  seed: opt(int()).describe("Sampler seed passed to the engine"),
  temperature: rule(float(), (t) => t >= 0, "Temperature must be non-negative.").default(0)
    .describe("0 = greedy (oumi's default)"),
  top_p: opt(rule(float(), (p) => p >= 0 && p <= 1, "top_p must be between 0 and 1.")),
  frequency_penalty: float().default(0),
  presence_penalty: float().default(0),
  stop_strings: opt(list(str())),
  stop_token_ids: opt(list(int())),
  logit_bias: map(float()).default(() => ({})).describe("{token id: bias in [-100, 100]}"),
  min_p: rule(float(), (p) => p >= 0 && p <= 1, "min_p must be between 0 and 1.").default(0),
  use_cache: bool().default(false),
  num_beams: rule(int(), (n) => n >= 1, "num_beams must be at least 1.").default(1),
  use_sampling: bool().default(false),
  guided_decoding: opt(GuidedDecodingSchema),
  skip_special_tokens: bool().default(true),
  tool_choice: z.unknown().optional().transform((v) => v ?? null).describe(
    '"auto", "none", "required" or {type: function, function: {name}}',
  ),
  parallel_tool_calls: bool().default(true),
}).superRefine((value, ctx) => {
  const v = value as Record<string, unknown>;
  if (isRecord(v.logit_bias)) {
    for (const [token, bias] of Object.entries(v.logit_bias)) {
      const b = asNum(bias);
      if (b !== undefined && !(b >= -100 && b <= 100)) {
        report(
          ctx,
          ["logit_bias", token],
          `Logit bias for token ${token} must be between -100 and 100.`,
        );
      }
    }
  }
  if (v.tool_choice !== null && v.tool_choice !== undefined && !isToolChoice(v.tool_choice)) {
    report(
      ctx,
      ["tool_choice"],
      'tool_choice must be "auto", "none", "required" or {type: function, function: {name: ...}}.',
    );
  }
}, EVEN_IF_INVALID);

const atLeast = (min: number, message: string) => rule(int(), (n) => n >= min, message);

/** `inference_config.remote_params` (oumi `RemoteParams`, §16.2). */
export const RemoteParamsSchema = obj("RemoteParams", {
  api_url: opt(z.union([str(), list(str()).min(1)])).describe(
    "Endpoint, or a list of endpoints serving the same model; defaults to the provider's",
  ),
  api_key: opt(str()),
  api_key_env_varname: opt(str()).describe("Environment variable holding the API key"),
  user_id: opt(str()),
  max_retries: atLeast(0, "Max retries must be greater than or equal to 0.").default(5),
  retry_backoff_base: rule(float(), (x) => x > 0, "Retry backoff base must be greater than 0.")
    .default(1).describe("Seconds"),
  retry_backoff_max: float().default(30).describe("Seconds"),
  connection_timeout: rule(
    float(),
    (x) => x >= 0,
    "Connection timeout must be greater than or equal to 0.",
  ).default(300).describe("Seconds per attempt"),
  num_workers: atLeast(1, "Number of num_workers must be greater than or equal to 1.").default(1)
    .describe("Most requests in flight"),
  requests_per_minute: opt(atLeast(1, "requests_per_minute must be greater than or equal to 1.")),
  input_tokens_per_minute: opt(
    atLeast(1, "input_tokens_per_minute must be greater than or equal to 1."),
  ),
  output_tokens_per_minute: opt(
    atLeast(1, "output_tokens_per_minute must be greater than or equal to 1."),
  ),
  politeness_policy: rule(
    float(),
    (x) => x >= 0 && Number.isFinite(x),
    (x) =>
      Number.isFinite(x)
        ? "Politeness policy must be greater than or equal to 0."
        : "Politeness policy must be finite.",
  ).default(0).describe("Seconds each worker waits after a request"),
  batch_completion_window: str().nullable().default("24h"),
  use_adaptive_concurrency: bool().default(true),
}).superRefine((value, ctx) => {
  const v = value as Record<string, unknown>;
  const base = asNum(v.retry_backoff_base);
  const max = asNum(v.retry_backoff_max);
  if (base !== undefined && max !== undefined && max < base) {
    report(
      ctx,
      ["retry_backoff_max"],
      "Retry backoff max must be greater than or equal to retry backoff base.",
    );
  }
}, EVEN_IF_INVALID);

/** `inference_config` (oumi `InferenceConfig`). */
export const InferenceConfigSchema = obj("InferenceConfig", {
  model: ModelParamsSchema.prefault({} as z.input<typeof ModelParamsSchema>),
  engine: EngineSchema.nullish().transform((e): EngineName => e ?? "NATIVE").describe(
    "Inference engine; absent means NATIVE (local)",
  ),
  generation: GenerationParamsSchema.prefault({}),
  remote_params: opt(RemoteParamsSchema),
  input_path: opt(str()),
  output_path: opt(str()),
  progress_path: opt(str()),
});

/** Validated `inference_config` with defaults applied. */
export type InferenceConfig = z.output<typeof InferenceConfigSchema>;
/** Validated `inference_config.model`. */
export type ModelParams = z.output<typeof ModelParamsSchema>;
/** Validated `inference_config.generation`. */
export type GenerationParamsConfig = z.output<typeof GenerationParamsSchema>;
/** Validated `inference_config.generation.guided_decoding`. */
export type GuidedDecodingParams = z.output<typeof GuidedDecodingSchema>;
/** Validated `inference_config.remote_params`. */
export type RemoteParams = z.output<typeof RemoteParamsSchema>;
