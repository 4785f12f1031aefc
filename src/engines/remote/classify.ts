/**
 * Turns what an SDK call threw into an {@link EngineError} with oumi's classification
 * (spec §17.3): 408/409/429/5xx, connection errors, timeouts and unparseable replies are
 * retryable; 400 (unless the server could not parse the JSON body), 404, 422 and other 4xx fail
 * the record; 401/403 stop the run (`fatal`) with a message naming the key's source.
 * Both vendor SDKs (openai, @anthropic-ai/sdk) throw errors of the same shape (`status`,
 * `headers`, `error`), which is all this module reads.
 *
 * @module
 */
import { EngineError } from "../../errors.ts";
import { retryAfterSeconds } from "./retryAfter.ts";
import type { Redactor } from "./secrets.ts";

/** Context for messages: which engine and endpoint, and where the key came from. */
export interface ClassifyContext {
  engine: string;
  url: string;
  /** `remote_params.api_key` or the env var name; `undefined` when no key is configured. */
  keySource?: string;
  /** Per-attempt timeout in ms, for the timeout message. */
  timeoutMs: number;
  redactor: Redactor;
}

/** An abort from the caller's signal, with the name the engine contract promises. */
export function abortError(reason?: unknown): Error {
  if (reason instanceof Error && reason.name === "AbortError") return reason;
  const error = new Error("The request was aborted", { cause: reason });
  error.name = "AbortError";
  return error;
}

/** The provider's own message from an SDK error body (`error.message`, first list element). */
export function providerMessage(body: unknown): string | undefined {
  const first = Array.isArray(body) ? body[0] : body;
  if (!first || typeof first !== "object") return undefined;
  const o = first as { message?: unknown; error?: unknown };
  if (o.error && typeof o.error === "object") {
    const inner = (o.error as { message?: unknown }).message;
    if (typeof inner === "string") return inner;
  }
  return typeof o.message === "string" ? o.message : undefined;
}

/** True for statuses worth retrying: 408, 409, 429, 5xx (and a 400 about an unparseable body). */
export function isRetryableStatus(status: number, message = ""): boolean {
  if (status === 400) return /could not parse the json body/i.test(message);
  if (status >= 400 && status < 500) return [408, 409, 429].includes(status);
  return true;
}

/**
 * Classifies `error` (thrown by an SDK call or by response conversion).
 * Aborts are returned as `AbortError`s, not `EngineError`s.
 */
export function classifyError(error: unknown, ctx: ClassifyContext): Error {
  if (error instanceof EngineError) return redacted(error, ctx);
  const e = error as {
    name?: string;
    status?: number;
    headers?: { get(name: string): string | null };
    error?: unknown;
    message?: string;
  };
  const name = e?.name ?? "";
  if (name === "AbortError" || name === "APIUserAbortError") return abortError(error);
  const where = `${ctx.engine} request to ${ctx.url}`;
  const safe = (s: string) => ctx.redactor.redact(s);
  if (typeof e?.status === "number") {
    const status = e.status;
    const reason = safe(providerMessage(e.error) ?? `HTTP ${status}`);
    if (status === 401 || status === 403) {
      const key = ctx.keySource
        ? `check the API key in ${ctx.keySource}`
        : "no API key is configured (set remote_params.api_key or api_key_env_varname)";
      return new EngineError(
        `Cannot authenticate ${where}: HTTP ${status} (${reason}); ${key}`,
        { fatal: true, status },
      );
    }
    const retryable = isRetryableStatus(status, reason);
    return new EngineError(`Failed ${where}: HTTP ${status}: ${reason}`, {
      retryable,
      status,
      retryAfterSeconds: retryable ? retryAfterSeconds(e.headers) : undefined,
    });
  }
  if (/timeout/i.test(name) || /timed? ?out/i.test(e?.message ?? "")) {
    return new EngineError(
      `Failed ${where}: no response within ${ctx.timeoutMs / 1000} s (connection_timeout)`,
      { retryable: true },
    );
  }
  if (name === "APIConnectionError" || error instanceof TypeError) {
    const cause = (error as { cause?: { message?: string; code?: string } }).cause;
    const detail = safe(cause?.code ?? cause?.message ?? e?.message ?? "connection failed");
    return new EngineError(`Failed ${where} due to connection error: ${detail}`, {
      retryable: true,
    });
  }
  if (error instanceof SyntaxError) {
    return new EngineError(
      `Failed to parse response as JSON from ${ctx.url}: ${safe(error.message)}`,
      { retryable: true },
    );
  }
  return new EngineError(
    `Failed ${where}: ${safe(e?.message ?? String(error))}`,
    { retryable: true, cause: error },
  );
}

function redacted(error: EngineError, ctx: ClassifyContext): EngineError {
  const message = ctx.redactor.redact(error.message);
  if (message === error.message) return error;
  return new EngineError(message, {
    retryable: error.retryable,
    fatal: error.fatal,
    status: error.status,
    retryAfterSeconds: error.retryAfterSeconds,
  });
}

const REFUSED = new Set(["ECONNREFUSED", "ConnectionRefused"]);
const NOT_FOUND = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_NONAME", "EAI_FAIL"]);

/**
 * Why a request could not reach its server at all, when it could not: `"refused"` (nothing
 * listens on that port) or `"dns"` (the host name does not resolve), read from the error's
 * `code` or that of its causes (SDKs wrap the fetch error). `undefined` for anything else
 * (timeouts, resets, HTTP errors).
 */
export function unreachableReason(error: unknown): "refused" | "dns" | undefined {
  let e = error as { code?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; depth < 4 && e && typeof e === "object"; depth++) {
    const code = typeof e.code === "string" ? e.code : "";
    if (REFUSED.has(code)) return "refused";
    if (NOT_FOUND.has(code)) return "dns";
    e = e.cause as typeof e;
  }
  return undefined;
}

/**
 * The fatal error for an endpoint that could not be reached before it ever answered: a wrong
 * `api_url` or a server that is not running fails the run at once (exit 4) instead of being
 * retried for minutes (issue 11). Later in a run the same errors are retried as usual.
 */
export function unreachableError(
  reason: "refused" | "dns",
  ctx: Pick<ClassifyContext, "engine" | "url">,
): EngineError {
  const why = reason === "refused"
    ? "connection refused (is the server running on that host and port?)"
    : "the host name does not resolve (DNS failure)";
  return new EngineError(
    `Cannot reach ${ctx.engine} at ${ctx.url}: ${why}; check inference_config.remote_params.api_url`,
    { fatal: true },
  );
}
