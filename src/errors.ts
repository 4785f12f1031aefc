/**
 * Error classes callers catch. The CLI maps them to exit codes (see `src/cli/exitCodes.ts`):
 * {@link UsageError} and {@link ConfigError} -> 2, {@link InputError} -> 3,
 * {@link EngineError} with `fatal` -> 4. Messages follow one grammar: action, subject, state
 * after a colon, no trailing period, e.g. `Cannot read model "x.gguf": file does not exist`.
 *
 * @module
 */

/** One problem found in a config, with where it is. */
export interface ConfigIssue {
  /** Key path, e.g. `strategy_params.sampled_attributes[0].id`; `""` for the whole file. */
  path: string;
  /** What is wrong, in oumi's wording where the spec quotes it. */
  message: string;
  /** 1-based line and column in the YAML file when known. */
  line?: number;
  column?: number;
  /** The file the issue is in (the config, or an environment config file). */
  file?: string;
}

/** One issue as a line: `file:line:col  path: message` (parts that are unknown are left out). */
export function formatIssue(issue: ConfigIssue): string {
  const where = issue.file
    ? issue.line !== undefined ? `${issue.file}:${issue.line}:${issue.column ?? 1}` : issue.file
    : "";
  const what = issue.path ? `${issue.path}: ${issue.message}` : issue.message;
  return where ? `${where}  ${what}` : what;
}

/**
 * The message of what `fn` throws, or `undefined` when it returns: the answer of "why is this
 * invalid?" checks that reuse a compiler (a Python regex, a JSON Schema).
 */
export function thrownMessage(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * Renders a {@link ConfigError} for a user: its message, then one line per issue
 * (`  file:line:col  path: message`).
 */
export function formatConfigError(err: ConfigError): string {
  return [err.message, ...err.issues.map((i) => `  ${formatIssue(i)}`)].join("\n");
}

/** A bad command line (unknown option, malformed override). Exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** A config that cannot be loaded or validated; carries every issue found at once. Exit code 2. */
export class ConfigError extends Error {
  override name = "ConfigError";
  readonly issues: ConfigIssue[];
  constructor(message: string, issues: ConfigIssue[] = []) {
    super(message);
    this.issues = issues;
  }
}

/**
 * A {@link ConfigError} whose every issue is valid for oumi but names something this build
 * cannot run (e.g. a Python executor): `validate` reports the issues as warnings, a run refuses
 * to start (exit code 2).
 */
export class UnsupportedConfigError extends ConfigError {}

/** Input data or documents that cannot be read (missing file, corrupt format). Exit code 3. */
export class InputError extends Error {
  override name = "InputError";
}

/**
 * A failed engine request. `retryable` follows oumi's classification (§17.3): 408/409/429/5xx
 * and connection errors are retryable. `fatal` stops the whole run (authentication, missing
 * model); other errors fail only the record.
 */
export class EngineError extends Error {
  override name = "EngineError";
  readonly retryable: boolean;
  readonly fatal: boolean;
  readonly status?: number;
  /** Seconds the server asked us to wait (`Retry-After`), when given. */
  readonly retryAfterSeconds?: number;
  constructor(
    message: string,
    options: {
      retryable?: boolean;
      fatal?: boolean;
      status?: number;
      retryAfterSeconds?: number;
      cause?: unknown;
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.retryable = options.retryable ?? false;
    this.fatal = options.fatal ?? false;
    this.status = options.status;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** A template that cannot be rendered (§8): unknown placeholder, bad syntax. Fails the record. */
export class TemplateError extends Error {
  override name = "TemplateError";
}
