/**
 * The `Engine` both remote adapters return (OpenAI-compatible and Anthropic): each request's
 * body is built, posted to `path` on one endpoint through the shared {@link RemoteRuntime}
 * (slots, rate limits, endpoint back-off; retries stay in `engines/retry.ts`), and the JSON
 * reply parsed into a {@link GenerateResult}.
 *
 * @module
 */
import type { Engine, GenerateRequest, GenerateResult } from "../contract.ts";
import { readJson } from "./readJson.ts";
import type { RemoteRuntime } from "./runtime.ts";

/** A client of either SDK: both expose `post(path, {body, signal}).asResponse()`. */
export interface PostingClient {
  post(
    path: string,
    options: { body: Record<string, unknown>; signal?: AbortSignal },
  ): { asResponse(): Promise<Response> };
}

/** What differs between the remote adapters. */
export interface HttpEngineSpec<C extends PostingClient> {
  name: string;
  model: string;
  maxConcurrency: number;
  runtime: RemoteRuntime<C>;
  /** Path posted to, relative to the client's base URL (`/chat/completions`, `/v1/messages`). */
  path: string;
  /** The provider's request body. @throws {ConfigError} for a request the provider cannot take. */
  buildBody(request: GenerateRequest): Record<string, unknown>;
  /** The reply's JSON as a result. @throws {EngineError} for a malformed reply (retryable). */
  parse(json: unknown): GenerateResult;
}

/** An engine that posts each request through `spec.runtime`; `generate` after `dispose` rejects. */
export function httpEngine<C extends PostingClient>(spec: HttpEngineSpec<C>): Engine {
  let disposed = false;
  const engine: Engine = {
    name: spec.name,
    model: spec.model,
    maxConcurrency: spec.maxConcurrency,
    capabilities: { jsonSchema: true, tools: true },
    generate(request: GenerateRequest): Promise<GenerateResult> {
      if (disposed) return Promise.reject(new Error("Cannot generate: the engine is disposed"));
      let body: Record<string, unknown>;
      try {
        body = spec.buildBody(request);
      } catch (error) {
        return Promise.reject(error);
      }
      return spec.runtime.call(request.signal, async (endpoint) => {
        const response = await endpoint.client
          .post(spec.path, { body, signal: request.signal })
          .asResponse();
        const result = spec.parse(await readJson(response, endpoint.url));
        return { value: result, usage: result.usage };
      });
    },
    dispose() {
      disposed = true;
      return Promise.resolve();
    },
    [Symbol.asyncDispose]() {
      return engine.dispose();
    },
  };
  return engine;
}
