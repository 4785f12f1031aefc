/**
 * The dataset planner (§7, §5.4): record *i* of `num_samples` is assembled from the input
 * sources and a sampled-attribute draw. Plans are lazy and reproducible: `plan.record(i)`
 * builds record *i* on demand from `(seed, i)` alone, so memory does not grow with
 * `num_samples` and records can be produced in any order.
 *
 * Merge order per record (later writes overwrite values but keep the first key position):
 * example sources, dataset sources, document sources (each in the order given), then the
 * sampled attributes (attribute config order). A round-robin source (`num_shots` absent or
 * <= 1) spreads row `i mod rows` into the record; a dynamic source (`num_shots > 1`) stores
 * `min(num_shots, rows)` distinct rows in random order, as a list under the source id.
 *
 * Records share source row objects of plain-array sources (dynamic lists hold the rows
 * themselves): treat them as read-only. Table sources (datasets) give fresh rows per record. Keys that look like array indices (`"0"`, `"12"`) are ordered first by
 * JavaScript objects, unlike Python dicts.
 *
 * @module
 */

import { ConfigError, InputError } from "../errors.ts";
import { Rng } from "./rng.ts";
import { rowAt, type RowList } from "./rowList.ts";
import { setKey } from "./setKey.ts";
import {
  type AttributeCombinationSpec,
  type AttributeSampler,
  createAttributeSampler,
  type SampledAttributeSpec,
} from "./sampling.ts";

/** An input source already read into rows (examples, datasets, documents). */
export interface PlannerSource {
  kind: "examples" | "dataset" | "documents";
  /** Key for dynamic sampling; required when `num_shots > 1`. */
  id?: string | null;
  num_shots?: number | null;
  /** Plain rows, or a table that builds each row on access (datasets). */
  rows: RowList;
  /** Dataset path or glob, for messages. */
  path?: string;
}

/** What to plan. */
export interface PlanOptions {
  /** `num_samples`: number of records, > 0. */
  numSamples: number;
  sampledAttributes?: readonly SampledAttributeSpec[] | null;
  combinations?: readonly AttributeCombinationSpec[] | null;
  /** Seed for every draw; absent -> a random seed (reported as {@link RecordPlan.seed}). */
  seed?: number | null;
  sources?: readonly PlannerSource[] | null;
}

/** A lazy plan of records. */
export interface RecordPlan extends Iterable<Record<string, unknown>> {
  /** Number of records (`num_samples`). */
  readonly count: number;
  /** The seed used (the configured one, or the random one drawn for an unseeded run). */
  readonly seed: number;
  /** A fresh record `i` (0 <= i < count); the same `i` always gives an equal record. */
  record(i: number): Record<string, unknown>;
}

const KIND_ORDER = { examples: 0, dataset: 1, documents: 2 } as const;
const SOURCE_NAME = {
  examples: "ExampleSource",
  dataset: "DatasetSource",
  documents: "DocumentSource",
};

/**
 * Plans `numSamples` records.
 *
 * @throws {ConfigError} "sample_count must be positive"; "<Kind>Source.id must be set when
 *   num_shots > 1 for dynamic sampling."; "Empty sample created after planning, you must have
 *   at least one defined attribute for synthesis."; sampler errors (see
 *   {@link createAttributeSampler}).
 * @throws {InputError} "Dataset source '<path>' is empty. …" and the document equivalent.
 */
export function planRecords(options: PlanOptions): RecordPlan {
  const count = options.numSamples;
  if (!Number.isInteger(count) || count <= 0) {
    throw new ConfigError("sample_count must be positive");
  }
  const sources = [...(options.sources ?? [])].sort((a, b) =>
    KIND_ORDER[a.kind] - KIND_ORDER[b.kind]
  );
  for (const s of sources) checkSource(s);
  const attributes = options.sampledAttributes ?? [];
  const sampler: AttributeSampler | undefined = attributes.length > 0
    ? createAttributeSampler(attributes, options.combinations ?? [])
    : undefined;
  const seed = options.seed ?? Rng.randomSeed();
  const root = Rng.seeded(seed);

  const record = (i: number): Record<string, unknown> => {
    if (!Number.isInteger(i) || i < 0 || i >= count) {
      throw new RangeError(`Cannot plan record ${i}: the plan has records 0 to ${count - 1}`);
    }
    const rng = root.fork(i);
    const out: Record<string, unknown> = {};
    for (let s = 0; s < sources.length; s++) {
      const source = sources[s];
      const rows = source.rows;
      if ((source.num_shots ?? 0) > 1) {
        const picks = rng.fork(s).sample(rows.length, source.num_shots!);
        setKey(out, source.id!, picks.map((p) => rowAt(rows, p)));
      } else {
        const row = rowAt(rows, i % rows.length);
        for (const key of Object.keys(row)) setKey(out, key, row[key]);
      }
    }
    if (sampler) {
      const drawn = sampler.sample(rng);
      for (const key of sampler.attributeIds) setKey(out, key, drawn[key]);
    }
    return out;
  };

  if (Object.keys(record(count - 1)).length === 0) {
    throw new ConfigError(
      "Empty sample created after planning, you must have at least one defined attribute for synthesis.",
    );
  }
  return {
    count,
    seed,
    record,
    *[Symbol.iterator]() {
      for (let i = 0; i < count; i++) yield record(i);
    },
  };
}

function checkSource(source: PlannerSource): void {
  const dynamic = (source.num_shots ?? 0) > 1;
  if (dynamic && !source.id) {
    throw new ConfigError(
      `${SOURCE_NAME[source.kind]}.id must be set when num_shots > 1 for dynamic sampling.`,
    );
  }
  if (source.rows.length > 0) return;
  if (source.kind === "examples") throw new ConfigError("ExampleSource.examples cannot be empty.");
  if (source.kind === "dataset") {
    throw new InputError(
      `Dataset source '${
        source.path ?? source.id ?? ""
      }' is empty. Please check the file or apply different filters.`,
    );
  }
  throw new InputError(
    "No non-empty documents were found in the document source, please check the document source.",
  );
}
