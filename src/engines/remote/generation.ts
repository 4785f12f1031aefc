/**
 * Generation parameters of one request: the config's `generation` overlaid with the
 * request's, with oumi's defaults (spec §16.1), plus JSON-schema helpers shared by adapters.
 *
 * @module
 */
import { ConfigError } from "../../errors.ts";
import type { EngineConfig, GenerateRequest, GenerationParams, JsonSchema } from "../contract.ts";

/** Parameters after defaults: `max_new_tokens` and `temperature` always set. */
export type EffectiveParams = GenerationParams & { max_new_tokens: number; temperature: number };

/** Merges config and request parameters (request wins), applying oumi's defaults. */
export function effectiveParams(config: EngineConfig, request: GenerateRequest): EffectiveParams {
  const merged = { ...(config.generation ?? {}), ...(request.generation ?? {}) };
  return {
    ...merged,
    max_new_tokens: merged.max_new_tokens ?? 1024,
    temperature: merged.temperature ?? 0,
  } as EffectiveParams;
}

/** Config-level `generation.guided_decoding` (§16.1), normalised. */
export interface GuidedDecoding {
  json?: JsonSchema;
  regex?: string;
  choice?: string[];
  strict: boolean;
}

/**
 * Reads `generation.guided_decoding` from the config.
 *
 * @param allowNonJson true for engines that can constrain to a regex or choice list (vLLM).
 * @throws {ConfigError} "Only JSON schema guided decoding is supported" for regex/choice on
 *   engines without them.
 */
export function guidedDecodingOf(config: EngineConfig, allowNonJson: boolean): GuidedDecoding {
  const g = (config.generation as Record<string, unknown> | undefined)?.guided_decoding as
    | Record<string, unknown>
    | null
    | undefined;
  if (!g) return { strict: false };
  const json = typeof g.json === "string" ? JSON.parse(g.json) : g.json;
  const out: GuidedDecoding = { strict: g.strict === true };
  if (json && typeof json === "object") out.json = json as JsonSchema;
  if (typeof g.regex === "string") out.regex = g.regex;
  if (Array.isArray(g.choice)) out.choice = g.choice.map(String);
  if (!allowNonJson && (out.regex !== undefined || out.choice !== undefined)) {
    throw new ConfigError("Only JSON schema guided decoding is supported", [
      {
        path: "inference_config.generation.guided_decoding",
        message: "Only JSON schema guided decoding is supported",
      },
    ]);
  }
  return out;
}

/** A copy of `schema` with `additionalProperties: false` on every object schema (§16.3 strict). */
export function closeObjects(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closeObjects);
  if (!schema || typeof schema !== "object") return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) out[k] = closeObjects(v);
  const isObject = out.type === "object" ||
    (Array.isArray(out.type) && out.type.includes("object")) || "properties" in out;
  if (isObject && !("additionalProperties" in out)) out.additionalProperties = false;
  return out;
}
