/**
 * API key check for `synth serve`: `Authorization: Bearer <key>` (what the OpenAI SDKs send)
 * or `x-api-key: <key>`, compared in constant time. The key is never logged or echoed.
 *
 * @module
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { HttpError } from "./httpError.ts";

/** A key checker made once per server; {@link ApiKeyCheck.verify} throws on a bad key. */
export interface ApiKeyCheck {
  /** True when a key is required. */
  readonly required: boolean;
  /**
   * Checks the request's key.
   *
   * @throws {HttpError} 401 when a key is required and missing or different.
   */
  verify(headers: Headers): void;
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

/** The key a request presents, or `undefined`. */
export function presentedKey(headers: Headers): string | undefined {
  const auth = headers.get("authorization");
  if (auth) {
    const match = /^\s*Bearer\s+(.+?)\s*$/i.exec(auth);
    return match ? match[1] : undefined;
  }
  return headers.get("x-api-key") ?? undefined;
}

/**
 * Makes the checker for `apiKey` (`undefined` or `""` = no key required). Keys are compared as
 * SHA-256 digests with `timingSafeEqual`, so neither the content nor the length leaks through
 * timing.
 */
export function apiKeyCheck(apiKey: string | undefined): ApiKeyCheck {
  if (!apiKey) return { required: false, verify: () => undefined };
  const expected = digest(apiKey);
  return {
    required: true,
    verify(headers) {
      const key = presentedKey(headers);
      if (key === undefined) {
        throw new HttpError(
          401,
          "You didn't provide an API key. Send it as an Authorization: Bearer header",
          { code: "missing_api_key" },
        );
      }
      if (!timingSafeEqual(digest(key), expected)) {
        throw new HttpError(401, "Incorrect API key provided", { code: "invalid_api_key" });
      }
    },
  };
}
