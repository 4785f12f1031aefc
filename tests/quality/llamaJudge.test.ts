import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseSynthesisConfig } from "../../src/config/schema.ts";
import { createLlamaCppEngine } from "../../src/engines/llamacpp/index.ts";
import { DEFAULT_RETRY_POLICY } from "../../src/engines/retry.ts";
import { compileSynthesis } from "../../src/synth/compile.ts";
import { synthesize } from "../../src/synth/run.ts";
import { createRunStats } from "../../src/synth/stats.ts";
import { tinyGgufPath } from "../helpers/tinyModel.ts";

const dir = mkdtempSync(join(tmpdir(), "synth-quality-llama-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a judge on llama.cpp", () => {
  test("replies are constrained to the score schema, so every verdict parses", async () => {
    const modelPath = await tinyGgufPath();
    const inference = {
      engine: "LLAMACPP",
      model: { model_name: modelPath, model_max_length: 512 },
      generation: { max_new_tokens: 96, seed: 3 },
    };
    const config = parseSynthesisConfig({
      num_samples: 3,
      seed: 2,
      inference_config: inference,
      strategy_params: {
        sampled_attributes: [{ id: "topic", possible_values: [{ id: "tea" }, { id: "rain" }] }],
        generated_attributes: [{
          id: "line",
          instruction_messages: [{ role: "user", content: "One line about {topic}." }],
        }],
      },
      quality: {
        judges: [{
          id: "judge",
          instruction_messages: [{ role: "user", content: "Rate this line: {line}" }],
          score: { min: 1, max: 5 },
          keep_if: ">= 3",
        }],
      },
    });
    const compiled = compileSynthesis(config);
    const stats = createRunStats(compiled.program.count);
    const outputPath = join(dir, "out.jsonl");
    const result = await synthesize(compiled, {
      outputPath,
      stats,
      retry: DEFAULT_RETRY_POLICY,
      createEngine: () =>
        createLlamaCppEngine(config.inference_config, { threads: 1, parallelSequences: 2 }),
    });
    const read = (p: string | undefined) =>
      p ? readFileSync(p, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l)) : [];
    const written = read(outputPath);
    const rejected = read(result.rejectedPath);
    expect(written.length + rejected.length).toBe(3);
    for (const r of written) {
      expect([3, 4, 5]).toContain(r.judge.score);
      expect(typeof r.judge.rationale).toBe("string");
    }
    for (const r of rejected) {
      expect(r).toMatchObject({ reason: "judge", judge: "judge", keep_if: ">= 3" });
      expect([1, 2]).toContain(r.score);
    }
  }, 120_000);
});
