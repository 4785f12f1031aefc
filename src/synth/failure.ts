/**
 * Per-record failures as data (style: oumi's `{index, error_type, status_code, is_retryable}`,
 * spec §19), so a run reports `97/100 records written; 3 failed (...)` and keeps going
 * (DECISIONS difference 1).
 *
 * @module
 */
import { EngineError, TemplateError } from "../errors.ts";
import type { FailureErrorType } from "../outputs/errorsFile.ts";

/** oumi's failure categories (§19). */
export type ErrorType = FailureErrorType;

/** One failed record, as written to `<output>.errors.jsonl`. */
export interface RecordFailure {
  /** 0-based plan index of the record. */
  index: number;
  /** The attribute being produced when it failed, if any. */
  attribute?: string;
  error_type: ErrorType;
  message: string;
  status_code?: number;
  is_retryable: boolean;
  /** Engine attempts made for the failing request (1 = no retry). */
  attempts?: number;
}

/**
 * A failure recorded earlier for this record (a resumed run reports it again instead of
 * paying for the record once more; `--retry-failed` retries it). `failure` is reported as is.
 */
export class KnownFailure extends Error {
  override name = "KnownFailure";
  constructor(readonly failure: RecordFailure) {
    super(failure.message);
  }
}

/** Classifies an exception thrown while producing record `index`. */
export function toRecordFailure(index: number, error: unknown, attribute?: string): RecordFailure {
  if (error instanceof KnownFailure) return { ...error.failure, index };
  const message = error instanceof Error ? error.message : String(error);
  const attempts = (error as { attempts?: number } | null)?.attempts;
  const base = { index, ...(attribute ? { attribute } : {}), message };
  if (error instanceof EngineError) {
    return {
      ...base,
      error_type: error.fatal
        ? "engine_failure"
        : error.status
        ? "api_status"
        : error.retryable
        ? "connection"
        : "runtime",
      ...(error.status ? { status_code: error.status } : {}),
      is_retryable: error.retryable,
      ...(attempts ? { attempts } : {}),
    };
  }
  if (error instanceof TemplateError) return { ...base, error_type: "config", is_retryable: false };
  if (error instanceof SyntaxError) {
    return { ...base, error_type: "parse_error", is_retryable: true };
  }
  return { ...base, error_type: "unknown", is_retryable: false };
}

/** Short reason used to group failures on screen: `<error_type>: <first line, ≤ 80 chars>`. */
export function failureReason(failure: RecordFailure): string {
  const line = failure.message.split("\n")[0];
  return `${failure.error_type}: ${line.length > 80 ? `${line.slice(0, 77)}...` : line}`;
}
