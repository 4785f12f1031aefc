/**
 * Exit codes of the `synth` command.
 *
 * | code | meaning |
 * |---|---|
 * | 0 | success (some records may have failed; see the summary and `<output>.errors.jsonl`) |
 * | 1 | the run failed: more records failed than `max_failed_fraction` allows, or an unexpected error |
 * | 2 | bad command line or config (usage, YAML, schema, templates, unknown engine or model) |
 * | 3 | bad input data or documents |
 * | 4 | the engine failed fatally (model could not load, authentication) |
 * | 130 | interrupted (Ctrl-C); records already written are kept |
 *
 * @module
 */
import { ConfigError, EngineError, InputError, UsageError } from "../errors.ts";

/** Named exit codes. */
export const EXIT = {
  OK: 0,
  FAILED: 1,
  USAGE: 2,
  INPUT: 3,
  ENGINE: 4,
  INTERRUPTED: 130,
} as const;

/** The exit code for an error that ended a command. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError || error instanceof ConfigError || error instanceof RangeError) {
    return EXIT.USAGE;
  }
  if (error instanceof InputError) return EXIT.INPUT;
  if (error instanceof EngineError && error.fatal) return EXIT.ENGINE;
  if (error instanceof Error && error.name === "AbortError") return EXIT.INTERRUPTED;
  return EXIT.FAILED;
}
