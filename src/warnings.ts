/**
 * The one place where "warn once" lives. A non-fatal remark (a parameter an engine cannot
 * honour, a fallback taken, a key oumi ignores) is raised with a key, the unit of
 * deduplication; a {@link WarningLog} passes each key's first warning on to whoever shows them
 * (the CLI's logger) and drops repeats. Engines, environments and the CLI logger each hold one,
 * so a warning raised per request (e.g. a dropped system message) reaches the user once.
 *
 * @module
 */

/** Passes each new warning to `onWarning`, once per key. */
export class WarningLog {
  readonly #seen = new Set<string>();
  readonly #onWarning: ((message: string) => void) | undefined;

  /** @param onWarning receives the message of each new warning (not called for repeats). */
  constructor(onWarning?: (message: string) => void) {
    this.#onWarning = onWarning;
  }

  /**
   * Raises `message` under `key`: only the first warning of a key is passed on.
   *
   * @returns true when the warning was new.
   */
  add(key: string, message: string): boolean {
    if (this.#seen.has(key)) return false;
    this.#seen.add(key);
    this.#onWarning?.(message);
    return true;
  }

  /**
   * Raises `message` keyed by its own text. A bound function taking only the message, so it can
   * be handed out as an `onWarning` callback.
   */
  readonly warn = (message: string): void => {
    this.add(message, message);
  };
}
