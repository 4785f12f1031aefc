/**
 * Benchmark (d): the NATIVE transformers.js engine. Output tokens/s through the whole synth
 * pipeline (compile, scheduler, transformers.js engine with its batching, JSONL writer) against
 * transformers.js called directly (`model.generate` on left-padded batches of the same prompts
 * with the model's chat template) on the same model, same batch size, greedy, in the same
 * process, for the native and the WASM ONNX Runtime (one child process per back-end, since a
 * process loads one). Target: synth >= 0.9x direct. Then the executable: size with both
 * runtimes embedded, `--help`, a first ONNX run on an empty cache, and a warm one.
 *
 * Usage: bun scripts/bench/onnx.ts [--requests 48] [--max-new-tokens 64] [--threads 1]
 *   [--skip-binary | --only-binary]   (models: the tiny test model and a larger "small" one, built on demand)
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { makeTinyOnnx } from "../make-tiny-onnx.ts";
import { prompt, questionConfig, SYSTEM } from "./questionWorkload.ts";

const ROOT = resolve(import.meta.dir, "..", "..");
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const REQUESTS = Number(arg("--requests", "48"));
const MAX_NEW = Number(arg("--max-new-tokens", "64"));
const THREADS = Number(arg("--threads", "1"));

/** Benchmark models: the test model and a larger one (4 layers x 256 dims, ~60 MB). */
const MODELS = {
  tiny: {},
  small: { embed: 256, heads: 4, layers: 4, ffn: 1024 },
} as const;

function modelDir(name: keyof typeof MODELS): string {
  const dir = join(ROOT, "tests", ".models", `bench-onnx-${name}-v2`);
  // Replies run to max_new_tokens (small end-token embedding), so every run decodes the same count.
  if (!existsSync(join(dir, "config.json"))) {
    makeTinyOnnx(dir, { seed: 3, sizes: MODELS[name], endScale: 0.1 });
  }
  return dir;
}

/** Runs in a child: direct vs synth for one back-end, every model and batch size. */
async function child(backend: string) {
  const { loadTransformers } = await import("../../src/runtime/loadTransformers.ts");
  const { createEngine } = await import("../../src/engines/registry.ts");
  const { DEFAULT_RETRY_POLICY } = await import("../../src/engines/retry.ts");
  const { compileSynthesis } = await import("../../src/synth/compile.ts");
  const { synthesize } = await import("../../src/synth/run.ts");
  const { createRunStats } = await import("../../src/synth/stats.ts");
  const loaded = await loadTransformers(backend as "native" | "wasm");
  const tf = loaded.transformers;
  const dir = mkdtempSync(join(tmpdir(), "synth-bench-onnx-"));
  const rows = [];
  for (const name of Object.keys(MODELS) as (keyof typeof MODELS)[]) {
    const path = modelDir(name);
    for (const batch of backend === "native" ? [1, 4] : [4]) {
      const tokenizer = await tf.AutoTokenizer.from_pretrained(path);
      const model = await tf.AutoModelForCausalLM.from_pretrained(path, {
        dtype: "fp32",
        device: "auto" as never,
        session_options: backend === "native"
          ? { intraOpNumThreads: THREADS, interOpNumThreads: 1 }
          : {},
      });
      const eos = new Set([50258, 50256]);
      const direct = async () => {
        let tokens = 0;
        const t0 = performance.now();
        for (let start = 0; start < REQUESTS; start += batch) {
          const ids = [];
          for (let i = start; i < Math.min(REQUESTS, start + batch); i++) {
            const text = tokenizer.apply_chat_template([
              { role: "system", content: SYSTEM },
              { role: "user", content: prompt(i) },
            ], { tokenize: false, add_generation_prompt: true }) as string;
            ids.push(tokenizer.encode(text, { add_special_tokens: false }));
          }
          const width = Math.max(...ids.map((x) => x.length));
          const flat = new BigInt64Array(ids.length * width).fill(50256n);
          const mask = new BigInt64Array(ids.length * width);
          ids.forEach((row, r) =>
            row.forEach((id, j) => {
              flat[r * width + width - row.length + j] = BigInt(id);
              mask[r * width + width - row.length + j] = 1n;
            })
          );
          const out = await model.generate({
            input_ids: new tf.Tensor("int64", flat, [ids.length, width]),
            attention_mask: new tf.Tensor("int64", mask, [ids.length, width]),
            max_new_tokens: MAX_NEW,
            do_sample: false,
          } as never) as { tolist(): bigint[][] };
          for (const seq of out.tolist()) {
            const generated = seq.slice(width).map(Number);
            const end = generated.findIndex((t) => eos.has(t));
            tokens += end < 0 ? generated.length : end + 1;
          }
        }
        const seconds = (performance.now() - t0) / 1000;
        return { tokens, seconds };
      };
      const engine = await createEngine(
        { engine: "NATIVE", model: { model_name: path }, generation: { max_new_tokens: MAX_NEW } },
        { threads: THREADS, parallelSequences: batch },
      );
      // Warm the engine's session like the direct model's (first runs of a session are slower).
      await Promise.all(Array.from({ length: batch }, (_, i) =>
        engine.generate({
          messages: [{ role: "system", content: SYSTEM }, { role: "user", content: prompt(i) }],
        })));
      const reused = Object.assign(Object.create(engine), { dispose: async () => {} });
      const throughSynth = async () => {
        const config = questionConfig(REQUESTS);
        const stats = createRunStats(REQUESTS);
        const t0 = performance.now();
        await synthesize(compileSynthesis(config), {
          outputPath: join(dir, `synth-${name}-${batch}.jsonl`),
          stats,
          retry: { ...DEFAULT_RETRY_POLICY, max_retries: 0 },
          createEngine: async () => reused,
        });
        const seconds = (performance.now() - t0) / 1000;
        return { tokens: stats.usage.outputTokens, seconds };
      };
      console.error(`${name} batch ${batch}: warm-up`);
      await direct(); // warm-up
      // Alternate and keep the best of 3 each (the machine is shared).
      let d = { tokens: 0, seconds: Infinity };
      let s = { tokens: 0, seconds: Infinity };
      for (let i = 0; i < 3; i++) {
        const dr = await direct();
        if (dr.seconds < d.seconds) d = dr;
        console.error(
          `${name} batch ${batch}: direct ${dr.tokens} tokens in ${dr.seconds.toFixed(2)} s`,
        );
        const sr = await throughSynth();
        console.error(
          `${name} batch ${batch}: synth ${sr.tokens} tokens in ${sr.seconds.toFixed(2)} s`,
        );
        if (sr.seconds < s.seconds) s = sr;
      }
      await (model as unknown as { dispose(): Promise<unknown> }).dispose();
      await engine.dispose();
      rows.push({
        backend: loaded.backend,
        model: name,
        batch,
        direct_tok_s: Math.round(d.tokens / d.seconds),
        synth_tok_s: Math.round(s.tokens / s.seconds),
        ratio: Number(((s.tokens / s.seconds) / (d.tokens / d.seconds)).toFixed(2)),
        direct_tokens: d.tokens,
        synth_tokens: s.tokens,
      });
    }
  }
  rmSync(dir, { recursive: true, force: true });
  console.log(JSON.stringify(rows));
}

function timed(cmd: string[], env: Record<string, string>, cwd: string) {
  const t0 = performance.now();
  const p = Bun.spawnSync({ cmd, env, cwd, stdout: "pipe", stderr: "pipe" });
  if (p.exitCode !== 0) throw new Error(`${cmd.join(" ")} failed:\n${p.stderr.toString()}`);
  return performance.now() - t0;
}

function binary() {
  const build = Bun.spawnSync({
    cmd: [join(ROOT, "node_modules", ".bin", "bun"), "scripts/build.ts", "--if-stale"],
    cwd: ROOT,
    stdout: "pipe",
    stderr: "pipe",
  });
  if (build.exitCode !== 0) throw new Error(build.stderr.toString());
  const exe = join(ROOT, "dist", "synth");
  const tmp = mkdtempSync(join(tmpdir(), "synth-bench-onnx-bin-"));
  const env = {
    PATH: "/usr/bin:/bin",
    HOME: join(tmp, "home"),
    XDG_CACHE_HOME: join(tmp, "cache"),
    NO_COLOR: "1",
  };
  mkdirSync(env.HOME);
  const args = [
    "-c",
    join(ROOT, "configs", "quickstart.yaml"),
    "--inference_config.engine",
    "NATIVE",
    "--inference_config.model.model_name",
    modelDir("tiny"),
    "--num_samples",
    "1",
    "--inference_config.generation.max_new_tokens",
    "8",
    "--output_path",
    join(tmp, "out.jsonl"),
    "--no-progress",
    "--threads",
    "1",
  ];
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const help = median(Array.from({ length: 9 }, () => timed([exe, "--help"], env, tmp)));
  const colds = [];
  for (let i = 0; i < 3; i++) {
    rmSync(env.XDG_CACHE_HOME, { recursive: true, force: true });
    colds.push(timed([exe, ...args], env, tmp));
  }
  const warm = median(Array.from({ length: 5 }, () => timed([exe, ...args], env, tmp)));
  rmSync(tmp, { recursive: true, force: true });
  return {
    size_mib: Number((statSync(exe).size / 1024 / 1024).toFixed(1)),
    size_mb: Number((statSync(exe).size / 1e6).toFixed(1)),
    help_ms: Math.round(help),
    first_onnx_run_empty_cache_ms: Math.round(median(colds)),
    warm_onnx_run_ms: Math.round(warm),
  };
}

if (process.argv.includes("--only-binary")) {
  console.log(JSON.stringify(binary(), null, 2));
} else if (process.argv.includes("--child")) {
  await child(arg("--child", "native"));
} else {
  const rows = [];
  for (const backend of ["native", "wasm"]) {
    const p = Bun.spawnSync({
      cmd: [process.execPath, import.meta.path, "--child", backend, ...process.argv.slice(2)],
      env: { ...process.env, SYNTH_ONNX_BACKEND: backend },
      stdout: "pipe",
      stderr: "pipe",
    });
    if (p.exitCode !== 0) throw new Error(`${backend} child failed:\n${p.stderr.toString()}`);
    rows.push(...JSON.parse(p.stdout.toString().trim().split("\n").at(-1)!));
  }
  const exe = process.argv.includes("--skip-binary") ? undefined : binary();
  console.log(
    JSON.stringify(
      { requests: REQUESTS, max_new_tokens: MAX_NEW, threads: THREADS, rows, binary: exe },
      null,
      2,
    ),
  );
  const worst = Math.min(...rows.map((r) => r.ratio));
  if (worst < 0.9) {
    console.error(`FAIL: synth reaches ${worst}x of direct transformers.js (target >= 0.9x)`);
    process.exit(1);
  }
}
