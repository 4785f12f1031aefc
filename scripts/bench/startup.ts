/**
 * Benchmark (c): start-up of the single executable. Median wall time of `dist/synth --help`
 * and `dist/synth validate -c configs/quickstart.yaml` over repeated runs (after one warm-up
 * run, which also extracts the embedded runtime into the cache), next to `bun --version` as
 * the floor of starting any Bun executable on this machine.
 *
 * Usage: bun scripts/bench/startup.ts [--runs 15]   (build first: bun run build)
 */
import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dir, "..", "..");
const binary = join(root, "dist", "synth");
if (!existsSync(binary)) {
  console.error(`Cannot benchmark start-up: ${binary} does not exist (run: bun run build)`);
  process.exit(2);
}
const runsIndex = process.argv.indexOf("--runs");
const RUNS = runsIndex > 0 ? Number(process.argv[runsIndex + 1]) : 15;

function median(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(cmd: string[]) {
  const samples: number[] = [];
  Bun.spawnSync({ cmd, cwd: root, stdout: "ignore", stderr: "ignore" }); // warm-up
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const r = Bun.spawnSync({ cmd, cwd: root, stdout: "ignore", stderr: "pipe" });
    samples.push(performance.now() - t0);
    if (r.exitCode !== 0) throw new Error(`${cmd.join(" ")} failed: ${r.stderr.toString()}`);
  }
  return Math.round(median(samples));
}

const result = {
  runs: RUNS,
  binary_mb: Number((statSync(binary).size / 2 ** 20).toFixed(1)),
  bun_version_ms: time([process.execPath, "--version"]),
  synth_help_ms: time([binary, "--help"]),
  synth_version_ms: time([binary, "--version"]),
  synth_validate_ms: time([binary, "validate", "-c", join(root, "configs", "quickstart.yaml")]),
};
console.log(JSON.stringify(result, null, 2));
