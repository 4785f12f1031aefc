/**
 * What a Claude model accepts, from its name (spec §16.5): sampling parameters are not sent to
 * the reasoning-first families (`claude-fable*`, `claude-mythos*`), Opus ≥ 4.7 and Sonnet ≥ 5.0;
 * structured output (`output_config.format`) needs a model ≥ 4.5 or a reasoning-first family.
 *
 * @module
 */

/** A parsed `claude-<family>-<major>[-<minor>]` name (old `claude-3-5-sonnet` form too). */
export interface ClaudeVersion {
  family: string;
  major: number;
  minor: number;
}

/** Parses a model id; a date suffix (8 digits) is not a minor version. */
export function parseClaudeModel(model: string): ClaudeVersion | undefined {
  const m = /^claude-([a-z]+)-(\d{1,2})(?:-(\d{1,2}))?(?:-|$|@)/.exec(model);
  if (m) return { family: m[1], major: Number(m[2]), minor: Number(m[3] ?? 0) };
  const old = /^claude-(\d{1,2})(?:-(\d{1,2}))?-([a-z]+)/.exec(model);
  if (old) return { family: old[3], major: Number(old[1]), minor: Number(old[2] ?? 0) };
  return undefined;
}

const atLeast = (v: ClaudeVersion, major: number, minor: number) =>
  v.major > major || (v.major === major && v.minor >= minor);

/** True for the reasoning-first families. */
export function isReasoningFirst(model: string): boolean {
  return /^claude-(fable|mythos)/.test(model);
}

/** True when the model takes `temperature` / `top_p`. */
export function acceptsSampling(model: string): boolean {
  if (isReasoningFirst(model)) return false;
  const v = parseClaudeModel(model);
  if (!v) return true;
  if (v.family === "opus" && atLeast(v, 4, 7)) return false;
  if (v.family === "sonnet" && atLeast(v, 5, 0)) return false;
  return true;
}

/** True when the model supports `output_config.format` JSON schemas. */
export function supportsStructuredOutput(model: string): boolean {
  if (isReasoningFirst(model)) return true;
  const v = parseClaudeModel(model);
  return v !== undefined && atLeast(v, 4, 5);
}
