/**
 * Test helpers for environments: configs validated by the real config schema, then built by
 * the real `loadEnvironments`; a `Generate` whose *text* comes from a script (the model is
 * the only thing scripted), recording every request.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseSynthesisConfig } from "../../src/config/schema.ts";
import type { GenerateRequest, ToolCall } from "../../src/engines/contract.ts";
import {
  type Environments,
  loadEnvironments,
  type LoadEnvironmentsOptions,
} from "../../src/environments/index.ts";
import { ConfigError } from "../../src/errors.ts";
import type { Generate } from "../../src/engines/contract.ts";

/** A tool map with the required keys. */
export const tool = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  name: id,
  description: `Tool ${id}`,
  ...extra,
});

/** One tool call as the model makes it. */
export function call(name: string, args: unknown = {}, id = `call_${name}`): ToolCall {
  return {
    id,
    type: "function",
    function: { name, arguments: typeof args === "string" ? args : JSON.stringify(args) },
  };
}

/** Validates `environments` with the config schema, then loads them. */
export async function load(
  environments: unknown[],
  options: Partial<LoadEnvironmentsOptions> = {},
): Promise<Environments & { warnings: string[] }> {
  const warnings: string[] = [];
  const config = parseSynthesisConfig({
    environment_config: { environments },
    inference_config: { model: { model_name: "scripted" } },
  });
  const envs = await loadEnvironments(config, {
    configDir: options.configDir ?? process.cwd(),
    engineSupportsJsonSchema: options.engineSupportsJsonSchema ?? true,
    seed: options.seed,
    onWarning: (m) => warnings.push(m),
  });
  return Object.assign(envs, { warnings });
}

/** The ConfigError `loadEnvironments` throws for `environments` (fails the test otherwise). */
export async function loadError(
  environments: unknown[],
  options: Partial<LoadEnvironmentsOptions> = {},
): Promise<ConfigError> {
  try {
    await load(environments, options);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

/** A scripted Generate: replies from `reply(request, n)`; requests are recorded. */
export function scriptedGenerate(
  reply: (request: GenerateRequest, n: number) => string,
): Generate & { requests: GenerateRequest[] } {
  const requests: GenerateRequest[] = [];
  const fn = (request: GenerateRequest) => {
    const n = requests.length;
    requests.push(request);
    return Promise.resolve({
      message: { role: "assistant" as const, content: reply(request, n) },
      usage: { inputTokens: 1, outputTokens: 1 },
      finishReason: "stop" as const,
    });
  };
  return Object.assign(fn, { requests });
}

/** A Generate that must not be called. */
export const noGenerate: Generate = () => Promise.reject(new Error("the model must not be called"));

/** A temporary folder with `files` written into it; `cleanup()` removes it. */
export function tempDir(files: Record<string, string | Uint8Array> = {}) {
  const dir = mkdtempSync(join(tmpdir(), "synth-env-"));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The contents of the tool messages `dispatch` returned. */
export const contents = (messages: { content: string | null }[]) => messages.map((m) => m.content);
