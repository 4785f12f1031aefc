/**
 * What every command receives: the streams and environment the CLI runs with, and the options
 * `synth` and `validate` share. Its own module so commands do not import `main.ts` (which
 * imports them).
 *
 * @module
 */
import type { TextSink } from "./logger.ts";

/** Streams and environment the CLI runs with (injectable for tests). */
export interface CliIO {
  stdout: TextSink & { columns?: number };
  stderr: TextSink & { columns?: number };
  env: Record<string, string | undefined>;
  cwd: string;
  /** Aborted on Ctrl-C. */
  signal?: AbortSignal;
  /** How the user started synth (`synth`, `bun main.ts`), for commands printed to copy. Default `synth`. */
  programName?: string;
}

/** Options shared by `synth` and `validate`. */
export interface CommonOptions {
  config: string;
  seed?: number;
  overrides: string[];
}
