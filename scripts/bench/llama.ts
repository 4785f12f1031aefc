/**
 * Benchmark (b): local generation. Output tokens/s through the whole synth pipeline (compile,
 * scheduler, LLAMACPP engine, JSONL writer) against node-llama-cpp called directly
 * (`LlamaChat.generateResponse` on N context sequences) on the same model, with the same
 * threads, sequences, prompts and sampling, at 1 and 4 sequences, in the same process.
 * Target: synth >= 0.9x direct.
 *
 * Usage: bun scripts/bench/llama.ts [--model path.gguf] [--requests 48] [--threads 1]
 * (default model: the tiny test model, built on demand)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEngine } from "../../src/engines/registry.ts";
import { DEFAULT_RETRY_POLICY } from "../../src/engines/retry.ts";
import { compileSynthesis } from "../../src/synth/compile.ts";
import { synthesize } from "../../src/synth/run.ts";
import { createRunStats } from "../../src/synth/stats.ts";
import { tinyGgufPath } from "../../tests/helpers/tinyModel.ts";
import { prompt, questionConfig, SYSTEM } from "./questionWorkload.ts";

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const MODEL = arg("--model", "") || await tinyGgufPath();
const REQUESTS = Number(arg("--requests", "48"));
const THREADS = Number(arg("--threads", "1"));
const MAX_TOKENS = 128;
const dir = mkdtempSync(join(tmpdir(), "synth-bench-llama-"));

async function direct(sequences: number) {
  const { getLlama, LlamaChat } = await import("node-llama-cpp");
  const llama = await getLlama({ build: "never", gpu: false, logLevel: "error" as never });
  const model = await llama.loadModel({ modelPath: MODEL });
  const context = await model.createContext({ sequences, contextSize: 4096, threads: THREADS });
  let next = 0;
  let outputTokens = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: sequences }, async () => {
    const sequence = context.getSequence();
    const chat = new LlamaChat({ contextSequence: sequence });
    while (next < REQUESTS) {
      const i = next++;
      const before = sequence.tokenMeter.getState();
      await chat.generateResponse(
        [{ type: "system", text: SYSTEM }, { type: "user", text: prompt(i) }],
        { maxTokens: MAX_TOKENS, temperature: 0.8, topP: 1, topK: 40, seed: i },
      );
      outputTokens += sequence.tokenMeter.diff(before).usedOutputTokens;
      await sequence.clearHistory();
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  await context.dispose();
  await model.dispose();
  await llama.dispose();
  return { outputTokens, seconds, tokensPerSecond: outputTokens / seconds };
}

async function throughSynth(sequences: number) {
  const config = questionConfig(REQUESTS);
  const inference = {
    engine: "LLAMACPP",
    model: { model_name: MODEL, model_max_length: 4096 },
    generation: { max_new_tokens: MAX_TOKENS, temperature: 0.8, seed: 1 },
  };
  const engine = await createEngine(inference, { threads: THREADS, parallelSequences: sequences });
  const compiled = compileSynthesis(config);
  const stats = createRunStats(REQUESTS);
  const t0 = performance.now();
  await synthesize(compiled, {
    outputPath: join(dir, `synth-${sequences}.jsonl`),
    stats,
    retry: { ...DEFAULT_RETRY_POLICY, max_retries: 0 },
    createEngine: async () => engine,
  });
  const seconds = (performance.now() - t0) / 1000;
  return {
    outputTokens: stats.usage.outputTokens,
    seconds,
    tokensPerSecond: stats.usage.outputTokens / seconds,
  };
}

const rows = [];
for (const sequences of [1, 4]) {
  await direct(sequences); // warm-up: page cache, JIT
  const d = await direct(sequences);
  const s = await throughSynth(sequences);
  rows.push({
    sequences,
    threads: THREADS,
    direct_tok_s: Math.round(d.tokensPerSecond),
    synth_tok_s: Math.round(s.tokensPerSecond),
    ratio: Number((s.tokensPerSecond / d.tokensPerSecond).toFixed(2)),
    direct_tokens: d.outputTokens,
    synth_tokens: s.outputTokens,
  });
}
console.log(
  JSON.stringify(
    { model: MODEL.split("/").pop(), requests: REQUESTS, max_new_tokens: MAX_TOKENS, rows },
    null,
    2,
  ),
);
rmSync(dir, { recursive: true, force: true });
const worst = Math.min(...rows.map((r) => r.ratio));
if (worst < 0.9) {
  console.error(`FAIL: synth reaches ${worst}x of direct node-llama-cpp (target >= 0.9x)`);
  process.exit(1);
}
