/**
 * Benchmark (q): near deduplication inside a run. 100,000 records of ~100 words (80% fresh
 * texts, 20% copies or near copies of earlier ones, Jaccard ~0.65-1) from an instant
 * in-process engine, through the real compiler, scheduler, quality gate (`method: near`,
 * threshold 0.85) and JSONL writer; against the same run without `quality:` in the same
 * process (the reference).
 *
 * Reports: records per CPU-second of each run (one core: the run is single-threaded JavaScript;
 * CPU time, unlike wall time, is not inflated by other processes on a shared machine), the
 * retained memory of the deduplication state per record (heap after a full GC, state alive)
 * and the run's peak RSS growth per record; and, on a 5,000-record run, whether the gate's
 * findings equal an exact all-pairs Jaccard computed independently (string shingle sets,
 * every pair sharing a shingle compared, records taken in plan order).
 *
 * Targets: >= 10,000 records/s on one core; < 1 KB per record; the same findings.
 *
 * Usage: bun scripts/bench/dedup.ts [--records 100000] [--sample 5000]
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseSynthesisConfig } from "../../src/config/schema.ts";
import { DEFAULT_RETRY_POLICY } from "../../src/engines/retry.ts";
import { DedupState } from "../../src/quality/dedupState.ts";
import { compileSynthesis } from "../../src/synth/compile.ts";
import { synthesize } from "../../src/synth/run.ts";
import { createRunStats } from "../../src/synth/stats.ts";
import { jaccard, shingleSet, textMaker } from "../../tests/helpers/plantedText.ts";
import { scriptedEngine } from "../../tests/helpers/scriptedEngine.ts";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const RECORDS = arg("--records", 100_000);
const SAMPLE = arg("--sample", 5_000);
const THRESHOLD = 0.85;
const dir = mkdtempSync(join(tmpdir(), "synth-bench-dedup-"));

/** `n` texts: fresh ones, and 20% copies (edits 0-6 words, some case changes) of earlier ones. */
function makeTexts(n: number, seed: number): string[] {
  const maker = textMaker(seed);
  const texts: string[] = [];
  for (let i = 0; i < n; i++) {
    if (i > 10 && maker.rand() < 0.2) {
      const source = texts[Math.floor(maker.rand() * i)];
      const edits = Math.floor(maker.rand() * 7);
      const copy = maker.variant(source, edits);
      texts.push(edits === 0 && maker.rand() < 0.5 ? copy.toUpperCase() : copy);
    } else texts.push(maker.text(90 + Math.floor(maker.rand() * 20)));
  }
  return texts;
}

const config = (n: number, quality: boolean) =>
  parseSynthesisConfig({
    num_samples: n,
    seed: 1,
    inference_config: { model: { model_name: "instant" } },
    strategy_params: {
      sampled_attributes: [{
        id: "topic",
        possible_values: [{ id: "a" }, { id: "b" }],
      }],
      generated_attributes: [{
        id: "text",
        instruction_messages: [{ role: "user", content: "Write about {topic}." }],
      }],
    },
    ...(quality
      ? {
        quality: { deduplicate: [{ attributes: ["text"], method: "near", threshold: THRESHOLD }] },
      }
      : {}),
  });

const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** One run; the engine answers call `c` with `texts[c]` (calls are made in plan order). */
async function run(texts: string[], quality: boolean, name: string) {
  const compiled = compileSynthesis(config(texts.length, quality));
  const stats = createRunStats(compiled.program.count);
  const engine = scriptedEngine({ reply: (_r, calls) => texts[calls], maxConcurrency: 1 });
  const outputPath = join(dir, `${name}.jsonl`);
  Bun.gc(true);
  const rssBefore = process.memoryUsage().rss;
  let peak = rssBefore;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const cpu0 = cpuSeconds();
  const wall0 = performance.now();
  await synthesize(compiled, {
    outputPath,
    createEngine: async () => engine,
    stats,
    retry: DEFAULT_RETRY_POLICY,
  });
  const cpu = cpuSeconds() - cpu0;
  const wall = (performance.now() - wall0) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  return {
    outputPath,
    stats,
    recordsPerCpuSecond: Math.round(texts.length / cpu),
    recordsPerWallSecond: Math.round(texts.length / wall),
    rssGrowthBytesPerRecord: Math.round((peak - rssBefore) / texts.length),
  };
}

/** Retained heap of a deduplication state holding `texts`, per text. */
function stateBytesPerRecord(texts: string[]): number {
  const rule = {
    attributes: ["text"],
    method: "near" as const,
    threshold: THRESHOLD,
    shingle_words: 3,
  };
  Bun.gc(true);
  const before = process.memoryUsage();
  const state = new DedupState([rule]);
  for (let i = 0; i < texts.length; i++) {
    const keys = state.keysOf({ text: texts[i] });
    if (!state.find(keys)) state.add(keys, i);
  }
  Bun.gc(true);
  const after = process.memoryUsage();
  const bytes = (after.heapUsed - before.heapUsed) + (after.arrayBuffers - before.arrayBuffers);
  if (state.written === 0) throw new Error("unreachable");
  return Math.round(bytes / texts.length);
}

/** Plan-order texts of a finished run: written lines fill the indices not rejected. */
function planOrder(
  outputPath: string,
  n: number,
): { texts: string[]; rejected: Map<number, number> } {
  const read = (p: string) =>
    readFileSync(p, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
  const rejectedLines = read(outputPath.replace(/\.jsonl$/, ".rejected.jsonl"));
  const written = read(outputPath);
  const texts: string[] = new Array(n);
  const rejected = new Map<number, number>(); // index -> plan index of the duplicate
  for (const r of rejectedLines) {
    texts[r.index] = r.record.text;
    rejected.set(r.index, r.duplicate_of_index);
  }
  let w = 0;
  for (let i = 0; i < n; i++) if (!rejected.has(i)) texts[i] = written[w++].text;
  return { texts, rejected };
}

/** Exact reference: in plan order, reject a text whose best Jaccard with a kept one is >= t. */
function exactFindings(texts: string[]): Map<number, number> {
  const sets = texts.map((t) => shingleSet(t));
  const postings = new Map<string, number[]>();
  const found = new Map<number, number>();
  for (let i = 0; i < texts.length; i++) {
    const seen = new Set<number>();
    let best = -1;
    let bestJ = -1;
    for (const s of sets[i]) {
      for (const j of postings.get(s) ?? []) {
        if (seen.has(j)) continue;
        seen.add(j);
        const sim = jaccard(sets[i], sets[j]);
        if (sim >= THRESHOLD && (sim > bestJ || (sim === bestJ && j < best))) {
          bestJ = sim;
          best = j;
        }
      }
    }
    if (best >= 0) {
      found.set(i, best);
      continue;
    }
    for (const s of sets[i]) {
      const list = postings.get(s);
      if (list) list.push(i);
      else postings.set(s, [i]);
    }
  }
  return found;
}

const texts = makeTexts(RECORDS, 11);
const reference = await run(texts, false, "reference");
const near = await run(texts, true, "near");
const stateBytes = stateBytesPerRecord(texts);

const sampleTexts = makeTexts(SAMPLE, 12);
const sampleRun = await run(sampleTexts, true, "sample");
const { texts: ordered, rejected } = planOrder(sampleRun.outputPath, SAMPLE);
const exact = exactFindings(ordered);
let agree = 0;
for (const [i, j] of exact) if (rejected.get(i) === j) agree++;
const sameFindings = agree === exact.size && rejected.size === exact.size;

console.log(JSON.stringify(
  {
    records: RECORDS,
    reference: {
      recordsPerCpuSecond: reference.recordsPerCpuSecond,
      recordsPerWallSecond: reference.recordsPerWallSecond,
      rssGrowthBytesPerRecord: reference.rssGrowthBytesPerRecord,
    },
    nearDedup: {
      recordsPerCpuSecond: near.recordsPerCpuSecond,
      recordsPerWallSecond: near.recordsPerWallSecond,
      written: near.stats.written,
      rejected: near.stats.quality?.rejected,
      rssGrowthBytesPerRecord: near.rssGrowthBytesPerRecord,
      stateBytesPerRecord: stateBytes,
    },
    sample: {
      records: SAMPLE,
      exactDuplicates: exact.size,
      gateDuplicates: rejected.size,
      sameDuplicateOf: agree,
      sameFindings,
    },
  },
  null,
  2,
));
rmSync(dir, { recursive: true, force: true });
