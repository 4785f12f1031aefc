/**
 * Reads a request body as UTF-8 text with a size limit, so a huge or endless upload is
 * refused with 413 before it is buffered.
 *
 * @module
 */
import { HttpError } from "./httpError.ts";

/** Default limit of a request body: 8 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;

function tooLarge(maxBytes: number): HttpError {
  return new HttpError(
    413,
    `Cannot accept the request: the body is larger than ${maxBytes} bytes`,
    { code: "request_too_large" },
  );
}

/**
 * Returns the body of `request` as text.
 *
 * @param maxBytes Largest body accepted, in bytes.
 * @throws {HttpError} 413 when `Content-Length` or the bytes received exceed `maxBytes`;
 *   400 when the body is not valid UTF-8.
 */
export async function readBody(request: Request, maxBytes: number): Promise<string> {
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  if (!request.body) return "";
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new HttpError(400, "Cannot read the request body: it is not valid UTF-8", {
      code: "invalid_encoding",
    });
  }
}
