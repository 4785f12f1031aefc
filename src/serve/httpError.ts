/**
 * Errors the server answers with, in OpenAI's error shape:
 * `{"error": {"message", "type", "param", "code"}}` with the matching HTTP status
 * (400 bad request, 401 bad or missing key, 404 unknown route or model, 405 wrong method,
 * 413 body too large, 500 engine failure, 503 loading or shutting down).
 *
 * @module
 */

/** OpenAI's error `type` values used here. */
export type OpenAiErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "not_found_error"
  | "server_error"
  | "rate_limit_error"
  | "unavailable_error";

/** The JSON body of an error response. */
export interface OpenAiErrorBody {
  error: {
    message: string;
    type: OpenAiErrorType;
    /** The request field at fault (`messages[0].role`), or `null`. */
    param: string | null;
    /** A machine-readable code (`invalid_api_key`, `model_not_found`, ...), or `null`. */
    code: string | null;
  };
}

/** An error that becomes an HTTP response with status {@link HttpError.status}. */
export class HttpError extends Error {
  override name = "HttpError";
  readonly status: number;
  readonly type: OpenAiErrorType;
  readonly param: string | null;
  readonly code: string | null;
  /** Extra response headers (e.g. `Retry-After` on 503). */
  readonly headers: Record<string, string>;
  constructor(
    status: number,
    message: string,
    options: {
      type?: OpenAiErrorType;
      param?: string | null;
      code?: string | null;
      headers?: Record<string, string>;
    } = {},
  ) {
    super(message);
    this.status = status;
    this.type = options.type ?? defaultType(status);
    this.param = options.param ?? null;
    this.code = options.code ?? null;
    this.headers = options.headers ?? {};
  }

  /** The OpenAI-shaped JSON body. */
  toBody(): OpenAiErrorBody {
    return {
      error: { message: this.message, type: this.type, param: this.param, code: this.code },
    };
  }

  /** The HTTP response: JSON body, status and headers. */
  toResponse(extraHeaders: Record<string, string> = {}): Response {
    return Response.json(this.toBody(), {
      status: this.status,
      headers: { ...this.headers, ...extraHeaders },
    });
  }
}

function defaultType(status: number): OpenAiErrorType {
  if (status === 401) return "authentication_error";
  if (status === 404) return "not_found_error";
  if (status === 429) return "rate_limit_error";
  if (status === 503) return "unavailable_error";
  if (status >= 500) return "server_error";
  return "invalid_request_error";
}

/** 400 with `param` naming the field at fault. */
export function badRequest(message: string, param: string | null = null, code?: string): HttpError {
  return new HttpError(400, message, { param, code: code ?? null });
}

/**
 * The HTTP error for a failed `Engine.generate` (the engine's own `status` when it has one):
 * a prompt longer than the context or an unusable JSON schema -> 400; a retryable failure
 * -> 503 with `Retry-After: 1`; a disposed engine -> 503; anything else -> 500.
 */
export function httpErrorFromEngine(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const e = error as { status?: unknown; retryable?: unknown; fatal?: unknown };
  if (typeof e.status === "number" && e.status >= 400 && e.status < 600) {
    return new HttpError(e.status, message);
  }
  if (/the context holds \d+/.test(message)) {
    return new HttpError(400, message, { code: "context_length_exceeded", param: "messages" });
  }
  if (message.startsWith("Cannot use the JSON schema")) {
    return new HttpError(400, message, { param: "response_format" });
  }
  if (e.retryable === true) {
    return new HttpError(503, message, { headers: { "Retry-After": "1" } });
  }
  if (/engine is disposed/.test(message)) {
    return new HttpError(503, "Cannot generate: the server is shutting down");
  }
  return new HttpError(500, message);
}
