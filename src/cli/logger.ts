/**
 * A small leveled logger that writes to a stream (stderr by default: stdout is for data).
 * Levels follow oumi's `--log-level` names (§15). Colors come from picocolors and are off
 * when the stream is not a TTY or `NO_COLOR` is set.
 *
 * @module
 */
import pc from "picocolors";
import { WarningLog } from "../warnings.ts";

/** Log levels, lowest first. */
export const LOG_LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] as const;
/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Where log lines go: anything with a `write(text)` method, e.g. `process.stderr`. */
export interface TextSink {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** A leveled logger; `warnOnce` dedupes by message text for the life of the logger. */
export interface Logger {
  readonly level: LogLevel;
  readonly colors: boolean;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  warnOnce(message: string): void;
  error(message: string): void;
  isEnabled(level: LogLevel): boolean;
}

/**
 * Parses a level name case-insensitively (`warn` and `fatal` accepted as aliases).
 *
 * @throws {RangeError} for an unknown name, listing the valid ones.
 */
export function parseLogLevel(name: string): LogLevel {
  const upper = name.trim().toUpperCase();
  const alias: Record<string, LogLevel> = { WARN: "WARNING", FATAL: "CRITICAL" };
  const level = alias[upper] ?? upper;
  if ((LOG_LEVELS as readonly string[]).includes(level)) return level as LogLevel;
  throw new RangeError(
    `Invalid log level "${name}": expected one of ${LOG_LEVELS.join(", ")}`,
  );
}

/** Whether colors should be used on `sink` given the environment (`NO_COLOR`, `FORCE_COLOR`). */
export function useColors(sink: TextSink, env: Record<string, string | undefined>): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0") return true;
  return sink.isTTY === true;
}

/** Creates a logger writing `LEVEL message` lines to `sink`. */
export function createLogger(
  sink: TextSink,
  options: { level?: LogLevel; colors?: boolean } = {},
): Logger {
  const level = options.level ?? "INFO";
  const colors = options.colors ?? false;
  const threshold = LOG_LEVELS.indexOf(level);
  const c = pc.createColors(colors);
  const tags: Record<LogLevel, string> = {
    DEBUG: c.dim("debug"),
    INFO: c.cyan("info"),
    WARNING: c.yellow("warning"),
    ERROR: c.red("error"),
    CRITICAL: c.red(c.bold("critical")),
  };
  const isEnabled = (l: LogLevel) => LOG_LEVELS.indexOf(l) >= threshold;
  const emit = (l: LogLevel, message: string) => {
    if (isEnabled(l)) sink.write(`${tags[l]} ${message}\n`);
  };
  const once = new WarningLog((m) => emit("WARNING", m));
  return {
    level,
    colors,
    isEnabled,
    debug: (m) => emit("DEBUG", m),
    info: (m) => emit("INFO", m),
    warn: (m) => emit("WARNING", m),
    warnOnce: (m) => {
      once.warn(m);
    },
    error: (m) => emit("ERROR", m),
  };
}
