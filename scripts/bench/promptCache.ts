/**
 * Benchmark (g): the LLAMACPP prompt cache. Whole synth runs (compile, scheduler, LLAMACPP
 * engine, JSONL writer) on a ~135M-parameter llama-shaped model (`make-tiny-gguf.ts --size
 * 135m`, F16, 30 layers x 576, built into tests/.models/ on first use), 1 thread, temperature
 * 0, with the prompt cache on (the default) and off (`model_kwargs.cache_prompt: false`, every
 * sequence cleared after each request), for two workloads:
 *
 * 1. multi-turn: conversations of 8 messages with a ~300-token persona;
 * 2. documents: one ~1,000-token segment per record shared by three generated attributes.
 *
 * Per workload: prompt tokens evaluated (input - cached) against the distinct prompt tokens
 * (each request's prompt tokens minus its longest common prefix with any earlier request's
 * prompt: what an ideal prefix cache evaluates), wall time of both runs, and whether the two
 * outputs are byte-identical.
 *
 * Usage: bun scripts/bench/promptCache.ts [--records 2] [--max-tokens 12]
 *   [--only multiturn|documents] [--model other.gguf]
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { makeTinyGguf } from "../make-tiny-gguf.ts";
import type { ChatMessage, Engine } from "../../src/engines/contract.ts";
import { toChatHistory } from "../../src/engines/llamacpp/messages.ts";
import { createEngine } from "../../src/engines/registry.ts";
import { DEFAULT_RETRY_POLICY } from "../../src/engines/retry.ts";
import { compileSynthesis } from "../../src/synth/compile.ts";
import { synthesize } from "../../src/synth/run.ts";
import { createRunStats } from "../../src/synth/stats.ts";
import { loadConfig } from "../../src/config/load.ts";
import { readInputSources } from "../../src/inputs/sources.ts";

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const RECORDS = Number(arg("--records", "2"));
const MAX_TOKENS = Number(arg("--max-tokens", "12"));
const ONLY = arg("--only", "");
const MODEL = arg("--model", "") ||
  resolve(import.meta.dir, "../../tests/.models/bench-135m.gguf");
if (!existsSync(MODEL)) {
  console.error("Building the 135M benchmark model (once) ...");
  makeTinyGguf(MODEL, { size: "135m" });
}
const dir = mkdtempSync(join(tmpdir(), "synth-bench-cache-"));

const words = (n: number, seed: number) => {
  const vocab = [
    "river",
    "stone",
    "light",
    "market",
    "garden",
    "winter",
    "letter",
    "engine",
    "harbor",
    "forest",
    "signal",
    "window",
    "silver",
    "paper",
    "bridge",
    "music",
  ];
  let s = seed;
  return Array.from({ length: n }, () => vocab[((s = (s * 1103515245 + 12345) >>> 0) >>> 16) % 16])
    .join(" ");
};

const PERSONA = (who: string, seed: number) => `${who}. ${words(290, seed)}.`;

const inference = (cache: boolean) =>
  `inference_config:
  engine: LLAMACPP
  model:
    model_name: ${MODEL}
    model_max_length: 2048
    model_kwargs: {cache_prompt: ${cache}}
  generation: {max_new_tokens: ${MAX_TOKENS}, temperature: 0, seed: 1}
`;

function multiturnConfig(cache: boolean): string {
  const yaml = `num_samples: ${RECORDS}
seed: 3
strategy_params:
  input_examples:
    - examples:
${
    Array.from({ length: RECORDS }, (_, i) =>
      `      - {persona: "${
        PERSONA(["A retired sailor", "A young chemist", "A farmer"][i % 3], i + 1)
      }"}`)
      .join("\n")
  }
  multiturn_attributes:
    - id: dialog
      min_turns: 8
      max_turns: 8
      role_instruction_messages:
        USER: "You are {persona}"
        ASSISTANT: "You are a helpful assistant. Answer briefly."
`;
  return yaml + inference(cache);
}

function documentsConfig(cache: boolean, docPath: string): string {
  const yaml = `num_samples: ${RECORDS}
seed: 3
strategy_params:
  input_documents:
    - path: ${docPath}
      id: doc
      segmentation_params: {id: segment, segment_length: 1000}
  generated_attributes:
    - id: title
      instruction_messages:
        - {role: system, content: You read passages.}
        - {role: user, content: "{segment}\\n\\nGive the passage a title."}
    - id: summary
      instruction_messages:
        - {role: system, content: You read passages.}
        - {role: user, content: "{segment}\\n\\nSummarise the passage."}
    - id: question
      instruction_messages:
        - {role: system, content: You read passages.}
        - {role: user, content: "{segment}\\n\\nAsk a question about the passage."}
`;
  return yaml + inference(cache);
}

interface Engineish extends Engine {
  parts?: {
    slots: {
      chat: {
        chatWrapper: {
          generateContextState(o: unknown): { contextText: { tokenize(t: unknown): number[] } };
        };
      };
    }[];
    model: { tokenizer: unknown };
  };
}

async function run(yaml: string, name: string, sequences: number) {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, yaml);
  const loaded = await loadConfig(file);
  const inputs = await readInputSources(loaded.config.strategy_params, {
    cwd: process.cwd(),
    configDir: loaded.dir,
    env: process.env,
    warn: () => undefined,
  });
  const compiled = compileSynthesis(loaded.config, {
    configDir: loaded.dir,
    extraSources: inputs.sources,
  });
  const stats = createRunStats(RECORDS);
  const prompts: ChatMessage[][] = [];
  let tokens: number[][] = [];
  let engine: Engineish | undefined;
  const out = join(dir, `${name}.jsonl`);
  const t0 = performance.now();
  await synthesize(compiled, {
    outputPath: out,
    stats,
    retry: { ...DEFAULT_RETRY_POLICY, max_retries: 0 },
    createEngine: async () => {
      engine = await createEngine(loaded.config.inference_config, {
        threads: 1,
        parallelSequences: sequences,
      }) as Engineish;
      const generate = engine.generate.bind(engine);
      engine.generate = (request) => {
        prompts.push(request.messages);
        return generate(request).then((r) => {
          if (process.env.DEBUG) {
            console.error(
              name,
              request.messages.map((m) => `${m.role[0]}${(m.content ?? "").length}`).join(" "),
              JSON.stringify(r.usage),
            );
          }
          return r;
        });
      };
      // Tokenize with the engine's own template before it is disposed at the end of the run.
      const dispose = engine.dispose.bind(engine);
      engine.dispose = async () => {
        tokens = prompts.map((m) =>
          engine!.parts!.slots[0].chat.chatWrapper
            .generateContextState({ chatHistory: toChatHistory(m, { functions: false }) })
            .contextText.tokenize(engine!.parts!.model.tokenizer)
        );
        await dispose();
      };
      return engine;
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  if (stats.done !== RECORDS) throw new Error(`${name}: ${stats.done} of ${RECORDS} records done`);
  // Distinct prompt tokens: each prompt minus its longest common prefix with an earlier one.
  let distinct = 0;
  for (let i = 0; i < tokens.length; i++) {
    let best = 0;
    for (let j = 0; j < i; j++) {
      let k = 0;
      while (k < tokens[i].length && k < tokens[j].length && tokens[i][k] === tokens[j][k]) k++;
      best = Math.max(best, k);
    }
    distinct += tokens[i].length - best;
  }
  const u = stats.usage;
  return {
    seconds,
    requests: u.requests,
    input: u.inputTokens,
    cached: u.cachedTokens,
    written: stats.written,
    evaluated: u.inputTokens - u.cachedTokens,
    distinct,
    output: readFileSync(out, "utf8"),
  };
}

const f = (x: number, d = 2) => x.toFixed(d);
const docPath = join(dir, "doc.txt");
writeFileSync(docPath, words(1500, 9).replace(/(\S+ ){14}\S+/g, (m) => `${m}.\n`));
const results: string[] = [];
for (
  const [name, sequences, make] of [
    // Each conversation has two prompt families (the USER and the ASSISTANT persona): one
    // sequence each; each document record one sequence.
    ["multiturn", 2 * RECORDS, () => [multiturnConfig(true), multiturnConfig(false)]],
    ["documents", RECORDS, () => [documentsConfig(true, docPath), documentsConfig(false, docPath)]],
  ] as const
) {
  if (ONLY && ONLY !== name) continue;
  const [withCache, without] = make();
  const cleared = await run(without, `${name}-cleared`, sequences);
  const cached = await run(withCache, `${name}-cached`, sequences);
  results.push(
    `| ${name} | ${cached.requests} | ${cached.distinct} | ${cleared.evaluated} | ${cached.evaluated} (${cached.cached} reused) | **${
      f(cached.evaluated / cached.distinct)
    }x** | ${f(cleared.seconds, 1)} s | ${f(cached.seconds, 1)} s | **${
      f(cleared.seconds / cached.seconds)
    }x** | ${
      cached.output === cleared.output ? "yes" : "NO"
    } (${cached.written} of ${RECORDS} written) |`,
  );
  console.error(`${name} done`);
}
console.log(
  `\n## prompt cache, 135M model, 1 thread, ${RECORDS} records, max_new_tokens ${MAX_TOKENS}, temperature 0`,
);
console.log(
  "| workload | requests | distinct prompt tokens | evaluated, cleared | evaluated, cached | cached / distinct | wall, cleared | wall, cached | speed-up | identical records |",
);
console.log("|---|---|---|---|---|---|---|---|---|---|");
for (const line of results) console.log(line);
if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true });
