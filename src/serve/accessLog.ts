/**
 * The access log of `synth serve`: one line per request, written when the reply is finished
 * (after the last event of a stream): `METHOD /path STATUS N ms [IN+OUT tokens]`. Only the
 * path is written (no query string, no headers), so a key can never reach the log.
 *
 * @module
 */

import type { Usage } from "../engines/contract.ts";

/** Status logged when the client went away before the reply (nginx's convention). */
export const CLIENT_CLOSED = 499;

/** What a handler tells the access log besides the response status. */
export interface LogNote {
  /** Status to log instead of the response's (499 when the client left; an error in a stream). */
  status?: number;
  /** `input+output` token counts. */
  tokens?: string;
  /** The answered request's usage (for `/metrics`). */
  usage?: Usage;
  /** Settles when a streamed body is finished (the log line waits for it). */
  done?: Promise<void>;
}

/**
 * The log line of one request.
 *
 * @param startedMs `performance.now()` when the request arrived.
 * @example
 * ```ts
 * accessLine(request, 200, { tokens: "12+7" }, t0); // "POST /v1/chat/completions 200 85 ms 12+7 tokens"
 * ```
 */
export function accessLine(
  request: Request,
  status: number,
  note: LogNote,
  startedMs: number,
): string {
  const path = new URL(request.url).pathname;
  const ms = (performance.now() - startedMs).toFixed(0);
  const tokens = note.tokens ? ` ${note.tokens} tokens` : "";
  return `${request.method} ${path} ${note.status ?? status} ${ms} ms${tokens}`;
}
