/**
 * The remote providers synth knows (spec §16.1-§16.2, DECISIONS compat 4): which wire
 * protocol each engine name speaks, its default endpoint, the environment variable holding its
 * key, and the `remote_params` defaults oumi applies when `remote_params` is omitted.
 *
 * @module
 */

/** Wire protocol of a provider. `vllm` is OpenAI chat completions with §16.4's differences. */
export type Protocol = "openai" | "vllm" | "anthropic";

/** One row of {@link PROVIDERS}. */
export interface Provider {
  protocol: Protocol;
  /** Full chat endpoint URL (oumi's `api_url` form); absent when the user must give one. */
  defaultUrl?: string;
  /** Environment variable read for the key when `remote_params` names none. */
  keyEnv?: string;
  /** `num_workers` / `politeness_policy` (s) used only when `remote_params` is omitted (§16.2). */
  defaults: { num_workers: number; politeness_policy: number };
  /** True when the provider offers a batch API synth can use (§18). */
  batch: boolean;
  /** True when the adapter goes through a vendor SDK's own client (OPENAI, ANTHROPIC). */
  vendorSdk?: boolean;
}

const generic = { num_workers: 1, politeness_policy: 0 };

/** Engine name → provider. Names not listed here are not remote engines. */
export const PROVIDERS: Readonly<Record<string, Provider>> = {
  OPENAI: {
    protocol: "openai",
    defaultUrl: "https://api.openai.com/v1/chat/completions",
    keyEnv: "OPENAI_API_KEY",
    defaults: { num_workers: 50, politeness_policy: 60 },
    batch: true,
    vendorSdk: true,
  },
  ANTHROPIC: {
    protocol: "anthropic",
    defaultUrl: "https://api.anthropic.com/v1/messages",
    keyEnv: "ANTHROPIC_API_KEY",
    defaults: { num_workers: 5, politeness_policy: 60 },
    batch: true,
    vendorSdk: true,
  },
  REMOTE: { protocol: "openai", defaults: generic, batch: false },
  VLLM: { protocol: "openai", defaults: generic, batch: false },
  SGLANG: { protocol: "openai", defaults: generic, batch: false },
  REMOTE_VLLM: { protocol: "vllm", defaults: generic, batch: false },
  DEEPSEEK: {
    protocol: "openai",
    defaultUrl: "https://api.deepseek.com/v1/chat/completions",
    keyEnv: "DEEPSEEK_API_KEY",
    defaults: generic,
    batch: false,
  },
  FIREWORKS: {
    protocol: "openai",
    defaultUrl: "https://api.fireworks.ai/inference/v1/chat/completions",
    keyEnv: "FIREWORKS_API_KEY",
    defaults: generic,
    batch: true,
  },
  TOGETHER: {
    protocol: "openai",
    defaultUrl: "https://api.together.xyz/v1/chat/completions",
    keyEnv: "TOGETHER_API_KEY",
    defaults: generic,
    batch: true,
  },
  OPENROUTER: {
    protocol: "openai",
    defaultUrl: "https://openrouter.ai/api/v1/chat/completions",
    keyEnv: "OPENROUTER_API_KEY",
    defaults: generic,
    batch: false,
  },
  PARASAIL: {
    protocol: "openai",
    defaultUrl: "https://api.parasail.io/v1/chat/completions",
    keyEnv: "PARASAIL_API_KEY",
    defaults: generic,
    batch: true,
  },
  SAMBANOVA: {
    protocol: "openai",
    defaultUrl: "https://api.sambanova.ai/v1/chat/completions",
    keyEnv: "SAMBANOVA_API_KEY",
    defaults: generic,
    batch: false,
  },
  CEREBRAS: {
    protocol: "openai",
    defaultUrl: "https://api.cerebras.ai/v1/chat/completions",
    keyEnv: "CEREBRAS_API_KEY",
    defaults: generic,
    batch: false,
  },
  GOOGLE_GEMINI: {
    protocol: "openai",
    defaultUrl: "https://generativelanguage.googleapis.com/v1beta/openai/chat/completions",
    keyEnv: "GEMINI_API_KEY",
    defaults: { num_workers: 2, politeness_policy: 60 },
    batch: false,
  },
  HUGGING_FACE_ROUTER: {
    protocol: "openai",
    defaultUrl: "https://router.huggingface.co/v1/chat/completions",
    keyEnv: "HF_TOKEN",
    defaults: { num_workers: 20, politeness_policy: 0 },
    batch: false,
  },
};

/** The provider of `engine` (upper-case oumi name), or `undefined` for local engines. */
export function providerOf(engine: string): Provider | undefined {
  return Object.hasOwn(PROVIDERS, engine) ? PROVIDERS[engine] : undefined;
}

/**
 * The SDK base URL for an oumi-style `api_url`: a trailing `/chat/completions` or
 * `/v1/messages` is removed (`http://h:8000/v1/chat/completions` → `http://h:8000/v1`); a URL
 * without it is taken as the base already, and a bare OpenAI-style host gets `/v1`.
 */
export function baseUrlOf(apiUrl: string, protocol: Protocol): string {
  const trimmed = apiUrl.replace(/\/+$/, "");
  if (protocol === "anthropic") return trimmed.replace(/\/v1\/messages$/, "");
  const base = trimmed.replace(/\/chat\/completions$/, "");
  return /^[a-z]+:\/\/[^/]+$/i.test(base) ? `${base}/v1` : base;
}
