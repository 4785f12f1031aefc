/**
 * `synth merge` (issue 12): joins the N shard outputs of a run (`--shard K/N`) into the
 * unsharded output, in plan order (shards are contiguous slices, so shard 0, 1, ... N-1
 * concatenated is the plan order), after checking that every shard is there, completed, and
 * from the same run (same fingerprint and `num_samples`). The errors files are joined the
 * same way, and a manifest for the merged output is written. With `quality.deduplicate` in the
 * run's config, the records go through one deduplication state in plan order and those that
 * duplicate an earlier merged record are left out and appended (reason, merged line, shard and
 * similarity) to `<output>.rejected.jsonl` after the shards' own rejections (issue 14 item 6). The output appears atomically
 * (a temporary file renamed at the end) and an existing one is replaced only when asked.
 *
 * @module
 */
import {
  appendFileSync,
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { InputError, UsageError } from "../errors.ts";
import { errorsFilePath } from "../outputs/errorsFile.ts";
import { pyJsonDumps } from "../python/json.ts";
import { dedupRulesOf, MergeDeduplicator } from "../quality/mergeDedup.ts";
import { rejectedFilePath } from "../quality/rejectedFile.ts";
import { changedKeys } from "./fingerprint.ts";
import { readManifest, type RunManifest, writeManifest } from "./manifest.ts";
import { manifestFilePath, outputStem, shardOutputPath } from "./paths.ts";

/** What {@link mergeShards} wrote. */
export interface MergeResult {
  outputPath: string;
  shards: number;
  records: number;
  failed: number;
  /** Records dropped as duplicates across shards (`quality.deduplicate`); 0 without rules. */
  duplicatesRemoved: number;
  /** `<output>.rejected.jsonl` when the shards rejected records or the merge removed some. */
  rejectedPath?: string;
}

/**
 * Merges the shards of `outputPath`.
 *
 * @throws {InputError} when no shard is found, shards of different splits are present, a
 *   shard is missing, incomplete, damaged (its line count differs from its manifest) or from
 *   another run (naming the shard and the keys that differ).
 * @throws {UsageError} when `outputPath` exists and `overwrite` is not set.
 */
export async function mergeShards(
  outputPath: string,
  options: { overwrite?: boolean } = {},
): Promise<MergeResult> {
  const stem = basename(outputStem(outputPath));
  const dir = dirname(outputPath);
  const pattern = new RegExp(`^${escapeRegExp(stem)}\\.shard-(\\d+)-of-(\\d+)\\.jsonl$`);
  const counts = new Set<number>();
  for (const name of existsSync(dir) ? readdirSync(dir) : []) {
    const m = pattern.exec(name);
    if (m) counts.add(Number(m[2]));
  }
  if (counts.size === 0) {
    throw new InputError(
      `Cannot merge "${outputPath}": no shard outputs found (expected ${
        join(dir, `${stem}.shard-0-of-N.jsonl`)
      } ... from runs with --shard K/N)`,
    );
  }
  if (counts.size > 1) {
    throw new InputError(
      `Cannot merge "${outputPath}": shards of different splits are present (of ${
        [...counts].sort((a, b) => a - b).join(", of ")
      }); remove the ones of the other split`,
    );
  }
  const n = [...counts][0];
  if (existsSync(outputPath) && !options.overwrite) {
    throw new UsageError(
      `Cannot write "${outputPath}": the file already exists; merge again with --overwrite`,
    );
  }
  const shards: { path: string; manifest: RunManifest }[] = [];
  for (let k = 0; k < n; k++) {
    const path = shardOutputPath(outputPath, k, n);
    const manifest = readManifest(manifestFilePath(path));
    if (!existsSync(path) || !manifest) {
      throw new InputError(
        `Cannot merge "${outputPath}": shard ${k}/${n} is missing (no ${
          existsSync(path) ? manifestFilePath(path) : path
        }); run it with --shard ${k}/${n}`,
      );
    }
    if (manifest.status !== "complete") {
      throw new InputError(
        `Cannot merge "${outputPath}": shard ${k}/${n} (${path}) is not complete (${manifest.status}); ` +
          `continue it with --shard ${k}/${n} --resume`,
      );
    }
    const first = shards[0]?.manifest;
    if (
      first && (manifest.fingerprint !== first.fingerprint ||
        manifest.num_samples !== first.num_samples)
    ) {
      const keys = changedKeys(identityOf(first), identityOf(manifest));
      if (manifest.num_samples !== first.num_samples) keys.push("num_samples");
      throw new InputError(
        `Cannot merge "${outputPath}": shard ${k}/${n} (${path}) is from another run than shard 0/${n}` +
          (keys.length ? ` (different: ${keys.join(", ")})` : ""),
      );
    }
    const lines = countLines(path);
    if (lines !== manifest.counts.written) {
      throw new InputError(
        `Cannot merge "${outputPath}": shard ${k}/${n} (${path}) has ${lines} records, its manifest says ${manifest.counts.written}`,
      );
    }
    shards.push({ path, manifest });
  }

  const tmp = `${outputPath}.merge-tmp`;
  const rules = dedupRulesOf(shards[0].manifest.config);
  const dedup = rules.length > 0 ? new MergeDeduplicator(rules) : undefined;
  if (dedup) filterShards(shards.map((s) => s.path), tmp, dedup);
  else concatenate(shards.map((s) => s.path), tmp);
  // The shards' own rejections, then the cross-shard duplicates the merge removed.
  const rejectedPath = rejectedFilePath(outputPath);
  const rejectedFiles = shards.map((s) => rejectedFilePath(s.path)).filter((p) => existsSync(p));
  if (rejectedFiles.length > 0 || dedup?.removed.length) {
    concatenate(rejectedFiles, `${rejectedPath}.merge-tmp`);
    if (dedup?.removed.length) {
      appendFileSync(
        `${rejectedPath}.merge-tmp`,
        dedup.removed.map((entry) => pyJsonDumps(entry) + "\n").join(""),
      );
    }
  }
  renameSync(tmp, outputPath);
  if (existsSync(`${rejectedPath}.merge-tmp`)) {
    renameSync(`${rejectedPath}.merge-tmp`, rejectedPath);
  } else rmSync(rejectedPath, { force: true });
  const duplicatesRemoved = dedup?.removed.length ?? 0;
  const errorFiles = shards.map((s) => errorsFilePath(s.path)).filter((p) => existsSync(p));
  const errorsPath = errorsFilePath(outputPath);
  if (errorFiles.length > 0) {
    concatenate(errorFiles, `${errorsPath}.merge-tmp`);
    renameSync(`${errorsPath}.merge-tmp`, errorsPath);
  } else rmSync(errorsPath, { force: true });

  const sum = (key: keyof RunManifest["counts"]) =>
    shards.reduce((total, s) => total + s.manifest.counts[key], 0);
  const first = shards[0].manifest;
  writeManifest(manifestFilePath(outputPath), {
    ...first,
    output_path: outputPath,
    status: "complete",
    shard: null,
    started_at: shards.map((s) => s.manifest.started_at).sort()[0],
    finished_at: shards.map((s) => s.manifest.finished_at ?? "").sort().at(-1) ?? null,
    counts: {
      planned: sum("planned"),
      written: sum("written") - duplicatesRemoved,
      failed: sum("failed"),
      filtered: sum("filtered"),
    },
    journal: shards.map((s) => s.manifest.journal).join(", "),
  });
  return {
    outputPath,
    shards: n,
    records: sum("written") - duplicatesRemoved,
    failed: sum("failed"),
    duplicatesRemoved,
    ...(existsSync(rejectedPath) ? { rejectedPath } : {}),
  };
}

function identityOf(m: RunManifest) {
  return {
    config: m.config as Record<string, unknown>,
    seed: m.seed,
    engine: m.engine,
    model: m.model,
  };
}

function countLines(path: string): number {
  const bytes = readFileSync(path);
  let n = 0;
  for (let at = bytes.indexOf(10); at >= 0; at = bytes.indexOf(10, at + 1)) n++;
  return n;
}

/** Writes the files in `sources`, one after the other, to `target` (synced). */
function concatenate(sources: string[], target: string): void {
  const out = openSync(target, "w");
  try {
    const chunk = Buffer.allocUnsafe(1 << 20);
    for (const source of sources) {
      if (statSync(source).size === 0) continue;
      const fd = openSync(source, "r");
      try {
        for (;;) {
          const read = readSync(fd, chunk, 0, chunk.length, null);
          if (read === 0) break;
          for (let off = 0; off < read;) off += writeSync(out, chunk, off, read - off);
        }
      } finally {
        closeSync(fd);
      }
    }
    fsyncSync(out);
  } finally {
    closeSync(out);
  }
}

/**
 * Writes the lines of `sources`, in order, to `target` (synced), leaving out those `dedup`
 * finds to duplicate an earlier written one.
 */
function filterShards(sources: string[], target: string, dedup: MergeDeduplicator): void {
  const out = openSync(target, "w");
  try {
    sources.forEach((source, shard) => {
      const text = readFileSync(source, "utf8");
      const kept: string[] = [];
      let line = 0;
      for (let at = 0; at < text.length;) {
        const end = text.indexOf("\n", at);
        const stop = end < 0 ? text.length : end;
        line++;
        const record = text.slice(at, stop);
        if (dedup.keep(record, shard, line)) kept.push(record + "\n");
        at = stop + 1;
      }
      const data = Buffer.from(kept.join(""), "utf8");
      for (let off = 0; off < data.length;) off += writeSync(out, data, off, data.length - off);
    });
    fsyncSync(out);
  } finally {
    closeSync(out);
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
