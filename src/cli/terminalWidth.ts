/**
 * How wide the text the CLI prints may be.
 *
 * @module
 */
import type { TextSink } from "./logger.ts";

/** Width assumed when the output is not a terminal and `COLUMNS` is not set. */
export const DEFAULT_WIDTH = 100;

/**
 * Columns available on `sink`: the terminal's width when `sink` is a TTY that reports it, else
 * the `COLUMNS` environment variable when it is a positive integer, else {@link DEFAULT_WIDTH}.
 */
export function terminalWidth(
  sink: TextSink & { columns?: number },
  env: Record<string, string | undefined>,
): number {
  if (sink.isTTY && sink.columns && sink.columns > 0) return sink.columns;
  const fromEnv = Number(env.COLUMNS);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  return DEFAULT_WIDTH;
}
