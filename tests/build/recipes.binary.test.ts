/**
 * A synthesis recipe run by `dist/synth` copied alone into an empty folder (no node_modules):
 * the recipe loader (jsonc-parser), the compiled config, llama.cpp on the tiny model, and the
 * split files with their dataset card (recipes.md).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type IsolatedBinary, isolatedBinary, ROOT } from "../helpers/isolatedBinary.ts";
import { tinyGgufPath } from "../helpers/tinyModel.ts";

let bin: IsolatedBinary;

beforeAll(() => {
  bin = isolatedBinary("synth-recipes-binary");
  cpSync(join(ROOT, "configs", "recipes"), bin.workDir, { recursive: true });
}, 300_000);

afterAll(() => bin?.cleanup());

const lines = (file: string) =>
  readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));

describe("dist/synth with a recipe", () => {
  test(
    "runs the failure-mode recipe on the tiny model and writes the splits and card",
    async () => {
      const model = await tinyGgufPath();
      const shown = bin.run(["recipe", "show", "failure_modes.json"]);
      expect(shown.exitCode).toBe(0);
      expect(shown.stdout).toContain('record_key: "conversation"');
      const result = bin.run([
        "-c",
        "failure_modes.json",
        "--inference_config.model.model_name",
        model,
        "--inference_config.generation.max_new_tokens",
        "6",
        "--threads",
        "1",
        "--no-progress",
      ]);
      if (result.exitCode !== 0) console.error(result.stdout, result.stderr);
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toContain(
        "Splits (by seed row, seed 99): train 9, validation 1 records in failure_modes/data/",
      );
      const folder = join(bin.workDir, "failure_modes");
      const train = lines(join(folder, "data", "train.jsonl"));
      const validation = lines(join(folder, "data", "validation.jsonl"));
      expect([train.length, validation.length]).toEqual([9, 1]);
      expect(existsSync(join(folder, "data", "test.jsonl"))).toBe(false);
      const seeds = [...train, ...validation].map((l) => l.metadata.seed_index);
      expect(new Set(seeds).size).toBe(10);
      const card = readFileSync(join(folder, "README.md"), "utf8");
      expect(card).toContain("  - split: validation\n        path: data/validation.jsonl");
      expect(card).toContain("- Seed: 99");
    },
    120_000,
  );
});
