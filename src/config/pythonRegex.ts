/**
 * Load-time check that a postprocessing `regex` compiles as a Python regex (spec §9.1), using
 * the same translator the pipeline runs (`src/synth/pyRegex.ts`), so load time and run time
 * agree on what is valid.
 *
 * @module
 */
import { compilePythonRegex } from "../synth/pyRegex.ts";

/**
 * Returns why `pattern` does not compile as a Python regex (Python's `re.error` wording), or
 * `undefined` when it does.
 *
 * @example pythonRegexError("(?P<n>\\d+)") === undefined; pythonRegexError("(") !== undefined
 */
export function pythonRegexError(pattern: string): string | undefined {
  try {
    compilePythonRegex(pattern);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
