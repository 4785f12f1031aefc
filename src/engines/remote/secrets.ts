/**
 * API keys never appear in logs, errors, output, summaries or state files (issue 4). Every
 * message an adapter builds from a provider's reply passes through {@link Redactor.redact}.
 *
 * @module
 */

/** Replaces known secrets in text with `***`. */
export class Redactor {
  readonly #secrets: string[] = [];

  /** Adds a secret (ignored when shorter than 4 characters, which would redact ordinary text). */
  add(secret: string | undefined): void {
    if (secret && secret.length >= 4 && !this.#secrets.includes(secret)) {
      this.#secrets.push(secret);
    }
  }

  /** `text` with every known secret (and its first 8+ characters, as echoed by OpenAI) masked. */
  redact(text: string): string {
    let out = text;
    for (const secret of this.#secrets) {
      out = out.split(secret).join("***");
      // Providers echo a prefix of a wrong key ("Incorrect API key provided: sk-abc12***").
      if (secret.length >= 12) out = out.split(secret.slice(0, 8)).join("***");
    }
    return out;
  }
}
