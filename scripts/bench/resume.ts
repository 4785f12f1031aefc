/**
 * Benchmark: resuming a run that is 99% done. 100,000 records of the pipeline benchmark's
 * config (2 sampled, 2 generated, 1 CHAT attribute) on the instant in-process engine, with the
 * run journal on: a full run is timed; then a run of the same config is stopped (abort) once
 * 99% of its records are done, and the `--resume` of it is timed (opening the journal, cutting
 * the output back to its last mark, replaying what the journal holds, running the rest). The
 * resumed file must equal the full run's. Target: the resume takes < 10% of the full run.
 *
 * Usage: bun scripts/bench/resume.ts [--records 100000]
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { recordShapingConfig } from "../../src/durable/fingerprint.ts";
import { DEFAULT_RETRY_POLICY } from "../../src/engines/retry.ts";
import { compileSynthesis } from "../../src/synth/compile.ts";
import type { RunMode } from "../../src/synth/durableRun.ts";
import { synthesize } from "../../src/synth/run.ts";
import { createRunStats } from "../../src/synth/stats.ts";
import { benchConfig, instantEngine } from "./pipelineWorkload.ts";

const argIndex = process.argv.indexOf("--records");
const RECORDS = argIndex > 0 ? Number(process.argv[argIndex + 1]) : 100_000;
const dir = mkdtempSync(join(tmpdir(), "synth-bench-resume-"));
const config = benchConfig(RECORDS);

async function run(out: string, mode: RunMode, stopAt?: number) {
  const stats = createRunStats(RECORDS);
  const abort = new AbortController();
  const engine = instantEngine();
  const generate = engine.generate.bind(engine);
  // The instant engine never yields to the event loop: the stop is triggered from inside it.
  engine.generate = (request) => {
    if (stopAt !== undefined && stats.done >= stopAt && !abort.signal.aborted) {
      abort.abort(Object.assign(new Error("stop"), { name: "AbortError" }));
    }
    return generate(request);
  };
  const t0 = performance.now();
  const result = await synthesize(compileSynthesis(config), {
    outputPath: out,
    stats,
    retry: DEFAULT_RETRY_POLICY,
    createEngine: async () => engine,
    signal: abort.signal,
    durable: {
      mode,
      identity: { config: recordShapingConfig(config), seed: 1, engine: "INSTANT", model: null },
      numSamples: RECORDS,
      version: "bench",
    },
  });
  return { seconds: (performance.now() - t0) / 1000, result, stats };
}

await run(join(dir, "warm.jsonl"), "overwrite"); // JIT warm-up
let full = Infinity;
let resume = Infinity;
let kept = 0;
for (let round = 0; round < 3; round++) {
  const f = await run(join(dir, "full.jsonl"), "overwrite");
  full = Math.min(full, f.seconds);
  const cut = join(dir, `cut-${round}.jsonl`);
  const stopped = await run(cut, "overwrite", Math.floor(RECORDS * 0.99));
  kept = stopped.stats.written;
  const r = await run(cut, "resume");
  resume = Math.min(resume, r.seconds);
  if (readFileSync(cut, "utf8") !== readFileSync(join(dir, "full.jsonl"), "utf8")) {
    console.error("FAIL: the resumed file differs from the full run's");
    process.exit(1);
  }
}
const result = {
  records: RECORDS,
  full_run_seconds: Number(full.toFixed(3)),
  records_kept_at_stop: kept,
  resume_seconds: Number(resume.toFixed(3)),
  resume_share_of_full: Number((resume / full).toFixed(3)),
};
console.log(JSON.stringify(result, null, 2));
rmSync(dir, { recursive: true, force: true });
if (resume / full >= 0.1) {
  console.error(
    `FAIL: the resume took ${(100 * resume / full).toFixed(1)}% of the full run (target < 10%)`,
  );
  process.exit(1);
}
