/**
 * The identity of a run (issue 12): a fingerprint of the resolved config (after overrides),
 * the seed, the engine, the model identity and the input files' contents. `--resume` continues a run only when the
 * fingerprint matches; otherwise it names the keys that changed ({@link changedKeys}).
 *
 * Left out because they do not change any record: `num_samples` (a larger one extends the
 * run), `output_path`, `max_failed_fraction`, `seed` (the plan seed is its own part) and
 * `inference_config.remote_params` (endpoints,
 * workers, retries, keys). Secrets never reach the fingerprint or the stored config:
 * `remote_params` is dropped from both.
 *
 * @module
 */
import { createHash } from "node:crypto";

/** The files one input source read, identified by content (see {@link RunIdentity.inputs}). */
export interface InputIdentity {
  /** The key naming the source, as the user wrote it (`strategy_params.input_data[0].path`). */
  key: string;
  /** Each file read, in order: its name, size in bytes and sha256 (hex). */
  files: { name: string; size: number; sha256: string }[];
}

/** What a run is identified by. */
export interface RunIdentity {
  /** The resolved config without the keys that do not change records (see module doc). */
  config: Record<string, unknown>;
  /** The plan seed. */
  seed: number;
  /** Engine name as configured (`LLAMACPP`, `REMOTE`, ...). */
  engine: string;
  /** Model identity (path, size, sha256 for local models; the name for remote ones). */
  model: unknown;
  /**
   * The input files (`input_data`, `input_documents`) by content, absent when the config reads
   * none: a resume over changed data is refused, naming the source and the file.
   */
  inputs?: InputIdentity[];
}

const IGNORED = ["num_samples", "output_path", "max_failed_fraction", "seed"];

/**
 * The part of a validated config that decides what records a run produces: a deep copy
 * without `num_samples`, `output_path`, `max_failed_fraction` and
 * `inference_config.remote_params`.
 */
export function recordShapingConfig(config: object): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(config)) as Record<string, unknown>;
  for (const key of IGNORED) delete copy[key];
  const inference = copy.inference_config as Record<string, unknown> | undefined;
  if (inference && typeof inference === "object") delete inference.remote_params;
  return copy;
}

/** JSON with object keys sorted at every level (a stable text for hashing). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

/** The fingerprint of `identity`: sha256 (hex) of its canonical JSON. */
export function fingerprintOf(identity: RunIdentity): string {
  return createHash("sha256").update(canonicalJson(identity)).digest("hex");
}

/**
 * The key paths (as a user writes them: `strategy_params.generated_attributes[0].
 * instruction_messages[1].content`, `seed`, `model.sha256`) whose values differ between two
 * identities, in a stable order. Empty when they are equal.
 */
export function changedKeys(before: RunIdentity, after: RunIdentity): string[] {
  const out: string[] = [];
  diff(before.config, after.config, "", out);
  if (before.seed !== after.seed) out.push("seed");
  if (before.engine !== after.engine) out.push("inference_config.engine");
  diff(before.model, after.model, "model", out);
  const a = before.inputs ?? [], b = after.inputs ?? [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (canonicalJson(a[i]) === canonicalJson(b[i])) continue;
    const key = b[i]?.key ?? a[i]!.key;
    const was = new Map((a[i]?.files ?? []).map((f) => [f.name, canonicalJson(f)]));
    const changed = (b[i]?.files ?? []).filter((f) => was.get(f.name) !== canonicalJson(f))
      .map((f) => f.name);
    const gone = [...was.keys()].filter((n) => !(b[i]?.files ?? []).some((f) => f.name === n));
    const named = [...changed.map((n) => `${n} changed`), ...gone.map((n) => `${n} gone`)];
    out.push(named.length > 0 ? `${key} (${named.join(", ")})` : key);
  }
  return [...new Set(out)];
}

function diff(a: unknown, b: unknown, path: string, out: string[]): void {
  if (canonicalJson(a) === canonicalJson(b)) return;
  const isObj = (v: unknown) => v !== null && typeof v === "object";
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) {
      out.push(path || "(config)");
      return;
    }
    for (let i = 0; i < a.length; i++) diff(a[i], b[i], `${path}[${i}]`, out);
    return;
  }
  if (isObj(a) && isObj(b) && !Array.isArray(a) && !Array.isArray(b)) {
    const ra = a as Record<string, unknown>;
    const rb = b as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(ra), ...Object.keys(rb)])].sort();
    for (const k of keys) diff(ra[k], rb[k], path ? `${path}.${k}` : k, out);
    return;
  }
  out.push(path || "(config)");
}
