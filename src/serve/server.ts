/**
 * `synth serve`'s HTTP server: an OpenAI-compatible API over one {@link Engine} (the
 * llama.cpp engine in the CLI), so other machines and synth's own `VLLM` / `REMOTE` engines
 * can use a local model (issue 4, item 5).
 *
 * Routes: `POST /v1/chat/completions`, `GET /v1/models`, `GET /v1/models/{id}`, `GET /health`
 * and `GET /metrics` (Prometheus, `metrics.ts`; no key needed for these two). Requests beyond
 * the engine's `maxConcurrency` wait in the engine's own queue, at most `maxQueue` of them
 * (`admission.ts`); one more is answered 429 with `Retry-After`. Errors use OpenAI's error
 * JSON (see `httpError.ts`). Built on `Bun.serve`, so it runs inside the single executable.
 *
 * @module
 */
import type { Engine, GenerateResult } from "../engines/contract.ts";
import { accessLine, CLIENT_CLOSED, type LogNote } from "./accessLog.ts";
import { Admission, defaultMaxQueue } from "./admission.ts";
import { ServeMetrics } from "./metrics.ts";
import { apiKeyCheck } from "./auth.ts";
import { parseChatCompletionRequest } from "./chatRequest.ts";
import { chatCompletion, completionMeta } from "./chatResponse.ts";
import { HttpError, httpErrorFromEngine } from "./httpError.ts";
import { DEFAULT_MAX_BODY_BYTES, readBody } from "./readBody.ts";
import { streamReply } from "./streamReply.ts";
import { toGenerateRequest } from "./toGenerateRequest.ts";

/** Options of {@link startServer}. */
export interface ServerOptions {
  /**
   * The engine that answers; a promise while it loads (requests get 503 until it resolves;
   * if it rejects the server keeps answering 503). The caller owns it: {@link
   * RunningServer.close} does not dispose it.
   */
  engine: Engine | Promise<Engine>;
  /** Interface to bind. @default "127.0.0.1" */
  host?: string;
  /** TCP port; 0 picks a free one. @default 0 */
  port?: number;
  /** Key clients must send (`Authorization: Bearer <key>`); none when absent or empty. */
  apiKey?: string;
  /** Model id shown by `/v1/models` and in responses. @default the engine's `model` */
  modelName?: string;
  /** Receives one access-log line per request (never the key). */
  onLog?: (line: string) => void;
  /** Largest request body accepted, in bytes. @default 8 MiB */
  maxBodyBytes?: number;
  /**
   * Requests that may wait for a sequence beyond the engine's `maxConcurrency`; one more gets
   * 429 with `Retry-After`. @default {@link defaultMaxQueue} of the engine's concurrency
   */
  maxQueue?: number;
}

/** A running server. */
export interface RunningServer {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:8080` (add `/v1` for SDKs). */
  url: string;
  /** The port bound (the one picked when 0 was asked). */
  port: number;
  /**
   * Graceful stop: new requests get 503, the listener closes, in-flight requests finish.
   * Resolves when every connection is closed. Idempotent. Does not dispose the engine.
   */
  close(): Promise<void>;
}

type State = "loading" | "ready" | "failed" | "closing";

function hostForUrl(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

/** `Bun.serve` with bind failures reworded as `Cannot listen on host:port: reason`. */
function listen(options: Bun.Serve.Options<unknown>): Bun.Server<unknown> {
  try {
    return Bun.serve(options);
  } catch (error) {
    const code = (error as { code?: string }).code;
    const where = `${options.hostname}:${options.port}`;
    const reason = code === "EADDRINUSE"
      ? "the port is in use"
      : code === "EADDRNOTAVAIL"
      ? "the address is not on this machine"
      : code === "EACCES"
      ? "permission denied (ports below 1024 need privileges)"
      : (error as Error).message;
    throw new Error(`Cannot listen on ${where}: ${reason}`, { cause: error });
  }
}

/**
 * Starts the server and resolves once it listens.
 *
 * @example
 * ```ts
 * const server = await startServer({ engine, port: 0 });
 * const reply = await fetch(`${server.url}/v1/chat/completions`, { method: "POST", body });
 * await server.close();
 * ```
 * @throws Error `Cannot listen on <host>:<port>: ...` when the address cannot be bound (port
 *   in use, address not on this machine).
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? "127.0.0.1";
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const auth = apiKeyCheck(options.apiKey);
  const log = options.onLog ?? (() => undefined);
  const inFlight = new Set<Promise<unknown>>();
  let state: State = "loading";
  let engine: Engine | undefined;
  let modelName = options.modelName ?? "";
  let admission = new Admission(1, options.maxQueue ?? defaultMaxQueue(1));
  const metrics = new ServeMetrics(() => ({
    queued: admission.queued,
    active: admission.admitted,
  }));

  const loaded = (e: Engine) => {
    engine = e;
    admission = new Admission(
      e.maxConcurrency,
      options.maxQueue ?? defaultMaxQueue(e.maxConcurrency),
    );
    if (!modelName) modelName = e.model;
    if (state === "loading") state = "ready";
  };
  if (options.engine instanceof Promise) {
    options.engine.then(loaded, () => {
      if (state === "loading") state = "failed";
    });
  } else {
    loaded(options.engine);
  }

  const unavailable = () =>
    new HttpError(
      503,
      state === "loading"
        ? "Cannot answer yet: the model is loading"
        : state === "failed"
        ? "Cannot answer: the model failed to load"
        : "Cannot answer: the server is shutting down",
      { headers: { "Retry-After": "1" } },
    );

  const ready = (): Engine => {
    if (state !== "ready" || !engine) throw unavailable();
    return engine;
  };

  const modelObject = () => ({
    id: modelName,
    object: "model",
    created: 0,
    owned_by: "synth",
  });

  async function chat(request: Request, server: Bun.Server<unknown>, note: LogNote) {
    auth.verify(request.headers);
    const e = ready();
    server.timeout(request, 0);
    const body = parseChatCompletionRequest(await readBody(request, maxBodyBytes));
    const generate = toGenerateRequest(body, e.capabilities, {
      modelName,
      signal: request.signal,
    });
    const meta = completionMeta(modelName);
    const queue = admission;
    if (!queue.tryAdmit()) {
      throw new HttpError(
        429,
        `Cannot take the request now: ${queue.maxQueue} requests are already waiting for the model`,
        {
          code: "queue_full",
          type: "rate_limit_error",
          headers: { "Retry-After": String(queue.retryAfterSeconds()) },
        },
      );
    }
    const started = performance.now();
    const admitted = (ok: boolean) =>
      queue.finish(ok ? (performance.now() - started) / 1000 : undefined);
    if (body.stream) {
      const includeUsage = body.stream_options?.include_usage === true;
      const response = streamReply(e, generate, {
        meta,
        includeUsage,
        signal: request.signal,
        note,
      });
      note.done!.then(() => admitted(note.usage !== undefined));
      return response;
    }
    let result: GenerateResult;
    try {
      result = await e.generate(generate);
    } catch (error) {
      admitted(false);
      if (request.signal.aborted) {
        note.status = CLIENT_CLOSED;
        return new Response(null, { status: CLIENT_CLOSED });
      }
      throw httpErrorFromEngine(error);
    }
    admitted(true);
    note.usage = result.usage;
    note.tokens = `${result.usage.inputTokens}+${result.usage.outputTokens}`;
    return Response.json(chatCompletion(meta, result));
  }

  function route(request: Request, server: Bun.Server<unknown>, note: LogNote) {
    const raw = new URL(request.url).pathname.replace(/\/+$/, "") || "/";
    // Clients configured without `/v1` in the base URL reach the same routes.
    const path = /^\/(chat\/completions|models)(\/|$)/.test(raw) ? `/v1${raw}` : raw;
    const method = request.method;
    const only = (allowed: string) => {
      if (method !== allowed && !(allowed === "GET" && method === "HEAD")) {
        throw new HttpError(405, `Cannot ${method} ${path}: use ${allowed}`, {
          headers: { Allow: allowed },
        });
      }
    };
    if (path === "/metrics") {
      only("GET");
      return metrics.render();
    }
    if (path === "/health") {
      only("GET");
      if (state !== "ready") throw unavailable();
      return Response.json({ status: "ok" });
    }
    if (path === "/v1/chat/completions") {
      only("POST");
      return chat(request, server, note);
    }
    if (path === "/v1/models") {
      only("GET");
      auth.verify(request.headers);
      ready();
      return Response.json({ object: "list", data: [modelObject()] });
    }
    if (path.startsWith("/v1/models/")) {
      only("GET");
      auth.verify(request.headers);
      ready();
      let id: string;
      try {
        id = decodeURIComponent(path.slice("/v1/models/".length));
      } catch {
        throw new HttpError(400, `Cannot read the model id in ${path}: bad percent-encoding`);
      }
      if (id !== modelName) {
        throw new HttpError(404, `The model "${id}" does not exist`, {
          code: "model_not_found",
          param: "model",
        });
      }
      return Response.json(modelObject());
    }
    throw new HttpError(404, `Cannot ${method} ${path}: no such route`, { code: "not_found" });
  }

  const server = listen({
    hostname: host,
    port: options.port ?? 0,
    // Bun's own limit is only a backstop; readBody answers 413 in OpenAI's shape first.
    maxRequestBodySize: maxBodyBytes + 1024 * 1024,
    idleTimeout: 60,
    development: false,
    fetch(request, server) {
      const started = performance.now();
      const note: LogNote = {};
      const handled = (async () => {
        let response: Response;
        try {
          response = await route(request, server, note);
        } catch (error) {
          response = (error instanceof HttpError ? error : httpErrorFromEngine(error))
            .toResponse();
        }
        if (state === "closing") response.headers.set("Connection", "close");
        const writeLog = () => {
          log(accessLine(request, response.status, note, started));
          if (/\/chat\/completions$/.test(new URL(request.url).pathname.replace(/\/+$/, ""))) {
            metrics.answered(note.status ?? response.status, note.usage);
          }
        };
        if (note.done) note.done.then(writeLog);
        else writeLog();
        return response;
      })();
      // In flight until a streamed body is finished too.
      const tracked = handled.then(() => note.done, () => undefined);
      inFlight.add(tracked);
      tracked.finally(() => inFlight.delete(tracked));
      return handled;
    },
    error(error) {
      return new HttpError(500, `Cannot answer: ${error.message}`).toResponse();
    },
  });

  const port = server.port ?? options.port ?? 0;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${hostForUrl(host)}:${port}`,
    port,
    close() {
      closing ??= (async () => {
        state = "closing";
        const stopped = server.stop(false);
        await Promise.allSettled([...inFlight]);
        await stopped;
      })();
      return closing;
    },
  };
}
