/**
 * Reading a 200 response body as JSON (spec §17.3: a body that is not JSON is a retryable
 * failure, "Failed to parse response as JSON").
 *
 * @module
 */
import { EngineError } from "../../errors.ts";

/** Reads and parses `response`. @throws {EngineError} retryable, when the text is not JSON. */
export async function readJson(response: Response, url: string): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new EngineError(
      `Failed to parse response as JSON from ${url}: ${(error as Error).message}`,
      { retryable: true },
    );
  }
}
