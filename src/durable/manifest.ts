/**
 * The provenance manifest `<output>.manifest.json` (issue 12): what produced an output file —
 * synth version, the resolved config and its fingerprint, seed, engine, model identity (path,
 * size, sha256), the input files (name, size, sha256), shard, start and end time, record counts and how the run ended. Written when
 * a run starts (`status: "running"`) and again when it ends, each time atomically (a temporary
 * file renamed over the old one). `synth merge` reads the shards' manifests.
 *
 * @module
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { InputError } from "../errors.ts";
import type { InputIdentity } from "./fingerprint.ts";

/** How a run ended (or `running` while it runs or after a crash). */
export type RunStatus = "running" | "complete" | "interrupted" | "stopped";

/** The manifest's content. */
export interface RunManifest {
  synth_version: string;
  output_path: string;
  status: RunStatus;
  fingerprint: string;
  seed: number;
  engine: string;
  model: unknown;
  /** The input files read, by content (size, sha256), when the run reads any. */
  inputs?: InputIdentity[];
  num_samples: number;
  /** Shard `index` (0-based) of `count`, covering plan indices `[start, end)`; null when unsharded. */
  shard: { index: number; count: number; start: number; end: number } | null;
  /** ISO times. */
  started_at: string;
  finished_at: string | null;
  counts: { planned: number; written: number; failed: number; filtered: number };
  journal: string;
  /** The resolved config the fingerprint covers (without secrets). */
  config: unknown;
}

/** Writes `manifest` to `path` atomically. @throws the file-system error. */
export function writeManifest(path: string, manifest: RunManifest): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(manifest, null, 2) + "\n");
  renameSync(tmp, path);
}

/**
 * Reads a manifest.
 *
 * @returns undefined when the file does not exist.
 * @throws {InputError} naming the file when it exists but is not a manifest.
 */
export function readManifest(path: string): RunManifest | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new InputError(`Cannot read the manifest "${path}": ${(error as Error).message}`);
  }
  try {
    const m = JSON.parse(text) as RunManifest;
    if (typeof m?.fingerprint !== "string" || typeof m.status !== "string") throw new Error("");
    return m;
  } catch {
    throw new InputError(`Cannot read the manifest "${path}": it is not a synth run manifest`);
  }
}
