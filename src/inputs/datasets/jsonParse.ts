/**
 * JSON text -> values for datasets: like `JSON.parse`, but integers beyond 2^53 keep every
 * digit (as `bigint`). `JSON.parse` already makes a key `__proto__` an own property, so data
 * never changes object prototypes. The exact path (a reviver that reads each number's source
 * text) only runs when the text holds a run of 16+ digits.
 *
 * @module
 */

const LONG_DIGITS = /\d{16,}/;

function keepBigIntegers(
  this: unknown,
  _key: string,
  value: unknown,
  context?: { source?: string },
): unknown {
  if (
    typeof value === "number" && !Number.isSafeInteger(value) && context?.source &&
    /^-?\d+$/.test(context.source)
  ) {
    return BigInt(context.source);
  }
  return value;
}

/** Parses JSON text. @throws {SyntaxError} as `JSON.parse`. */
export function parseJsonExact(text: string): unknown {
  return LONG_DIGITS.test(text)
    ? JSON.parse(text, keepBigIntegers as (key: string, value: unknown) => unknown)
    : JSON.parse(text);
}
