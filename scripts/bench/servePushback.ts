/**
 * Benchmark: `synth serve` pushing back. The server (LLAMACPP on the tiny test model, 1 thread,
 * 2 parallel sequences, `--max-queue 6`: capacity 2 + 6 = 8 requests) faces 4x its capacity
 * (32 concurrent clients, each sending requests in a loop), then synth's own REMOTE engine
 * (`num_workers: 64`, adaptive concurrency on) is pointed at it.
 *
 * Reports: every status seen (each request must be answered 200 or 429, 429s carry
 * `Retry-After`), the server process's RSS at the start, middle and end of the overload
 * (memory flat: the queue is bounded), and the REMOTE run's records written of those planned.
 *
 * Usage: bun scripts/bench/servePushback.ts [--rounds 12] [--records 64]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEngine } from "../../src/engines/registry.ts";
import { retryPolicyFrom } from "../../src/engines/retry.ts";
import { startServer } from "../../src/serve/server.ts";
import { compileSynthesis } from "../../src/synth/compile.ts";
import { synthesize } from "../../src/synth/run.ts";
import { createRunStats } from "../../src/synth/stats.ts";
import { tinyGgufPath } from "../../tests/helpers/tinyModel.ts";
import { remoteBenchConfig } from "./remoteWorkload.ts";

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const ROUNDS = Number(arg("--rounds", "12"));
const RECORDS = Number(arg("--records", "64"));
const PARALLEL = 2, MAX_QUEUE = 6, CLIENTS = 4 * (PARALLEL + MAX_QUEUE);
const dir = mkdtempSync(join(tmpdir(), "synth-bench-pushback-"));

const engine = await createEngine(
  { engine: "LLAMACPP", model: { model_name: await tinyGgufPath(), model_max_length: 512 } },
  { threads: 1, parallelSequences: PARALLEL },
);
const server = await startServer({ engine, port: 0, maxQueue: MAX_QUEUE });
const mb = () => Math.round(process.memoryUsage().rss / 2 ** 20);

// 1. Overload: CLIENTS clients, ROUNDS requests each, no waiting between requests.
const statuses = new Map<string, number>();
let missingRetryAfter = 0;
const rss: number[] = [mb()];
let sent = 0;
const total = CLIENTS * ROUNDS;
await Promise.all(Array.from({ length: CLIENTS }, async (_, c) => {
  for (let r = 0; r < ROUNDS; r++) {
    let status: string;
    try {
      const response = await fetch(`${server.url}/v1/chat/completions`, {
        method: "POST",
        body: JSON.stringify({
          messages: [{ role: "user", content: `Question ${c}-${r}: name a city.` }],
          max_tokens: 24,
          seed: c * 1000 + r,
        }),
      });
      await response.arrayBuffer();
      status = String(response.status);
      if (response.status === 429 && !response.headers.get("retry-after")) missingRetryAfter++;
    } catch (error) {
      status = `error: ${(error as Error).message}`;
    }
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    if (++sent === Math.floor(total / 2)) rss.push(mb());
  }
}));
rss.push(mb());

// 2. synth's REMOTE engine against the server: every record must be written.
const config = remoteBenchConfig(RECORDS, server.url, { num_workers: 64 }, {
  model: "served",
  generation: { max_new_tokens: 16 },
});
const stats = createRunStats(RECORDS);
const retries: number[] = [];
const t0 = performance.now();
await synthesize(compileSynthesis(config), {
  outputPath: join(dir, "out.jsonl"),
  stats,
  retry: retryPolicyFrom({ num_workers: 64, max_retries: 20 }),
  onRetry: ({ delaySeconds }) => retries.push(delaySeconds),
  createEngine: () =>
    createEngine((config as unknown as { inference_config: never }).inference_config, {}),
});
const seconds = (performance.now() - t0) / 1000;
await server.close();
await engine.dispose();
rmSync(dir, { recursive: true, force: true });

const answered = (statuses.get("200") ?? 0) + (statuses.get("429") ?? 0);
console.log(
  `\n## synth serve, ${PARALLEL} sequences, --max-queue ${MAX_QUEUE}, ${CLIENTS} clients x ${ROUNDS} requests`,
);
console.log(
  `statuses: ${
    JSON.stringify(Object.fromEntries(statuses))
  }; answered 200 or 429: ${answered} of ${total}; ` +
    `429 without Retry-After: ${missingRetryAfter}`,
);
console.log(`server process RSS (MB) at start / middle / end of the overload: ${rss.join(" / ")}`);
console.log(
  `REMOTE engine, num_workers 64, ${RECORDS} records: ${stats.written} written, ${stats.failed} failed, ` +
    `${retries.length} retries (429 Retry-After honoured), ${seconds.toFixed(1)} s`,
);
