/**
 * `Retry-After` parsing (spec §17.3): delta-seconds or an HTTP date; past dates and negative
 * values clamp to 0; any length is honoured. `retry-after-ms` (sent by OpenAI) wins when set.
 *
 * @module
 */

/** Seconds to wait according to the headers, or `undefined` when they do not say. */
export function retryAfterSeconds(
  headers: { get(name: string): string | null } | undefined,
  now = Date.now(),
): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get("retry-after-ms");
  if (ms !== null && ms.trim() !== "" && Number.isFinite(Number(ms))) {
    return Math.max(0, Number(ms) / 1000);
  }
  const value = headers.get("retry-after")?.trim();
  if (!value) return undefined;
  if (/^-?\d+(\.\d+)?$/.test(value)) return Math.max(0, Number(value));
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - now) / 1000);
}
