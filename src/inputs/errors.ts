/**
 * Messages of input errors (exit code 3): one grammar, `Cannot read <what> "<file>": <state>`,
 * naming the file as the user wrote it (or as matched by a glob) and, where it applies, the
 * line, row or sheet.
 *
 * @module
 */
import { InputError } from "../errors.ts";

/** `Cannot read dataset "x.csv": <reason>` as an {@link InputError}. */
export function inputError(
  what: string,
  file: string,
  reason: string,
  cause?: unknown,
): InputError {
  const error = new InputError(`Cannot read ${what} "${file}": ${reason}`);
  if (cause !== undefined) (error as { cause?: unknown }).cause = cause;
  return error;
}

/** The message of an unknown thrown value, first line only. */
export function reasonOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split("\n")[0] || "unknown error").replace(/\.$/, "");
}
