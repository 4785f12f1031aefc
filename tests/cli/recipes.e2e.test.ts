/**
 * Synthesis recipes end to end (recipes.md): the seed page's three recipes in configs/recipes/
 * run on llama.cpp with the tiny model through the README's overrides and write split files
 * whose counts follow the rounding rule, with no seed row in two splits, identical on a rerun;
 * `recipe show` output saved and run as a YAML config gives the recipe's records on a
 * deterministic engine (a loopback OpenAI-compatible server, which also shows the same recipe
 * running remotely); `--splits` on YAML configs with and without input data.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { splitCounts } from "../../src/splits/assign.ts";
import { readJsonl } from "../helpers/corpus.ts";
import { startFakeOpenAI } from "../helpers/fakeOpenAIServer.ts";
import { tinyGgufPath } from "../helpers/tinyModel.ts";
import { localEngineArgs, ROOT, runInProcess } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "synth-recipes-e2e-"));
let model = "";
beforeAll(async () => {
  model = await tinyGgufPath();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const RECIPES = join(ROOT, "configs", "recipes");
const SPLITS = ["train", "validation", "test"] as const;

type Line = { conversation_id: string; messages: unknown[]; metadata: Record<string, string> };

/** The split files of `folder`: split -> lines (absent file -> undefined). */
function readSplits(folder: string): Record<string, Line[] | undefined> {
  const out: Record<string, Line[] | undefined> = {};
  for (const s of SPLITS) {
    const file = join(folder, "data", `${s}.jsonl`);
    out[s] = existsSync(file) ? readJsonl(file) : undefined;
  }
  return out;
}

/** Lines without their random conversation ids (DECISIONS 15 makes them per-record later). */
const withoutIds = (lines: Line[] | undefined) =>
  lines?.map(({ conversation_id: _, ...rest }) => rest);

async function runRecipe(name: string, cwd: string, extra: string[] = []) {
  mkdirSync(cwd, { recursive: true });
  const result = await runInProcess(
    // one sequence: llama.cpp's sampler is seeded per engine, so parallel sequences would make
    // the text depend on timing
    [
      "-c",
      join(RECIPES, `${name}.json`),
      ...localEngineArgs("LLAMACPP", model, 6, ["--parallel", "1", ...extra]),
    ],
    { cwd },
  );
  if (result.code !== 0) throw new Error(`exit ${result.code}\n${result.stderr}`);
  return result;
}

describe("the seed page's recipes on llama.cpp", () => {
  const cases = [
    { name: "general", rows: 10, shares: { train: 0.8, validation: 0.1, test: 0.1 }, extra: [] },
    {
      name: "high_diversity",
      rows: 12,
      shares: { train: 0.85, validation: 0.1, test: 0.05 },
      // no inferenceSeed in this recipe: fix the plan and the sampler for the rerun
      extra: ["--seed", "5", "--inference_config.generation.seed", "5"],
    },
    {
      name: "failure_modes",
      rows: 10,
      shares: { train: 0.9, validation: 0.1, test: 0 },
      extra: [],
    },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const first = await runRecipe(c.name, join(dir, c.name, "a"), c.extra);
      const folder = join(dir, c.name, "a", c.name);
      expect(first.stdout).toContain(`dataset card ${join(c.name, "README.md")}`);
      const splits = readSplits(folder);
      const expected = splitCounts(c.rows, c.shares);
      for (const s of SPLITS) {
        if (expected[s] === 0) expect(splits[s]).toBeUndefined();
        else expect(splits[s]!.length).toBe(expected[s]);
      }
      // one record per seed row; no seed row in two splits
      const seen = SPLITS.flatMap((s) => (splits[s] ?? []).map((l) => l.metadata.seed_index));
      expect(new Set(seen).size).toBe(c.rows);
      expect(seen.length).toBe(c.rows);
      for (const s of SPLITS) {
        for (const line of splits[s] ?? []) {
          expect(Object.keys(line)).toEqual(["conversation_id", "messages", "metadata"]);
          expect(line.metadata.model_id).toMatch(/^model_/);
        }
      }
      // the full file holds every record, the card lists the files that exist
      expect(readJsonl(join(dir, c.name, "a", `${c.name}.jsonl`))).toHaveLength(c.rows);
      const card = readFileSync(join(folder, "README.md"), "utf8");
      const header = parse(card.split("---\n")[1]);
      expect(header.configs[0].data_files).toEqual(
        SPLITS.filter((s) => expected[s] > 0).map((s) => ({ split: s, path: `data/${s}.jsonl` })),
      );
      expect(card).toContain(`- Recipe: \`${join(RECIPES, `${c.name}.json`)}\``);
      expect(card).toMatch(/synth version: \d+\.\d+\.\d+/);

      // a rerun with the same seed writes the same splits
      await runRecipe(c.name, join(dir, c.name, "b"), c.extra);
      const again = readSplits(join(dir, c.name, "b", c.name));
      for (const s of SPLITS) expect(withoutIds(again[s])).toEqual(withoutIds(splits[s]));
    }, 120_000);
  }
});

describe("recipe show", () => {
  test(
    "saved and run as a YAML config, it writes the recipe's records (deterministic engine, remote)",
    async () => {
      const server = await startFakeOpenAI({
        reply: (call) => `reply ${Bun.hash(JSON.stringify(call.body.messages)).toString(36)}`,
      });
      try {
        const cwd = join(dir, "show");
        mkdirSync(cwd, { recursive: true });
        const remote = [
          "--inference_config.engine",
          "VLLM",
          "--inference_config.remote_params.api_url",
          `${server.url}/v1/chat/completions`,
          "--no-progress",
        ];
        const recipe = join(RECIPES, "general.json");
        const shown = await runInProcess(["recipe", "show", recipe], { cwd });
        expect(shown.code).toBe(0);
        writeFileSync(join(cwd, "general.yaml"), shown.stdout);

        const a = await runInProcess(["-c", recipe, ...remote, "--output_path", "from-recipe"], {
          cwd,
        });
        expect(a.code).toBe(0);
        // the recipe's inference settings reach the remote engine
        const body = server.chatRequests[0].body;
        const maxTokens = body.max_tokens ?? body.max_completion_tokens;
        expect([body.temperature, maxTokens, body.seed]).toEqual([0.8, 512, 42]);
        const b = await runInProcess(
          ["-c", join(cwd, "general.yaml"), ...remote, "--output_path", "from-yaml.jsonl"],
          { cwd },
        );
        expect(b.code).toBe(0);
        const recordsA = readJsonl(join(cwd, "from-recipe.jsonl"));
        const recordsB = readJsonl(join(cwd, "from-yaml.jsonl"));
        expect(recordsA).toHaveLength(10);
        const strip = (r: { conversation: Line }) => withoutIds([r.conversation]);
        expect(recordsB.map(strip)).toEqual(recordsA.map(strip));
        expect(withoutIds(readSplits(join(cwd, "from-yaml")).train)).toEqual(
          withoutIds(readSplits(join(cwd, "from-recipe")).train),
        );
        expect(server.chatRequests).toHaveLength(40);
      } finally {
        await server.close();
      }
    },
    120_000,
  );
});

describe("an incomplete run", () => {
  test("writes no splits and says so (the engine refuses the key: exit 4)", async () => {
    const server = await startFakeOpenAI({ apiKey: "right" });
    try {
      const cwd = join(dir, "stopped");
      mkdirSync(cwd, { recursive: true });
      const { code, stderr } = await runInProcess([
        "-c",
        join(RECIPES, "general.json"),
        "--inference_config.engine",
        "VLLM",
        "--inference_config.remote_params.api_url",
        `${server.url}/v1/chat/completions`,
        "--inference_config.remote_params.api_key",
        "wrong",
        "--no-progress",
      ], { cwd });
      expect(code).toBe(4);
      expect(stderr).toContain("The splits were not written to");
      expect(existsSync(join(cwd, "general", "data"))).toBe(false);
      expect(existsSync(join(cwd, "general", "README.md"))).toBe(false);
    } finally {
      await server.close();
    }
  }, 60_000);
});

describe("--splits on YAML configs", () => {
  const config = (inputData: boolean) =>
    [
      inputData
        ? "strategy_params:\n  input_data:\n    - path: rows.jsonl\n"
        : "strategy_params:\n  sampled_attributes:\n    - id: color\n      possible_values: [{id: red}, {id: blue}]\n",
      "  transformed_attributes:\n",
      "    - id: text\n",
      "      transformation_strategy:\n",
      "        type: STRING\n",
      `        string_transform: "${inputData ? "row {row_id}" : "a {color} thing"}"\n`,
      "inference_config:\n  model:\n    model_name: none\n",
    ].join("");

  test("with input data: each input row's records stay in one split", async () => {
    const cwd = join(dir, "yaml-input");
    mkdirSync(cwd, { recursive: true });
    writeFileSync(
      join(cwd, "rows.jsonl"),
      Array.from({ length: 5 }, (_, i) => JSON.stringify({ row_id: `r${i}` })).join("\n") + "\n",
    );
    writeFileSync(join(cwd, "cfg.yaml"), config(true));
    const args = [
      "-c",
      "cfg.yaml",
      "--num_samples",
      "15",
      "--seed",
      "3",
      "--output_path",
      "out.jsonl",
      "--splits",
      "train=0.6,validation=0.2,test=0.2",
      "--no-progress",
    ];
    const { code, stdout, stderr } = await runInProcess(args, { cwd });
    expect(code).toBe(0);
    expect(stderr).not.toContain("warning");
    expect(stdout).toContain("Splits (by input_data row, seed 3): train 9, validation 3, test 3");
    const splits = SPLITS.map((s) => readJsonl(join(cwd, "out", "data", `${s}.jsonl`)));
    expect(splits.map((l) => l.length)).toEqual([9, 3, 3]);
    const rowsOf = splits.map((lines) => new Set(lines.map((l: { row_id: string }) => l.row_id)));
    expect(rowsOf.map((s) => s.size)).toEqual([3, 1, 1]);
    expect(new Set(rowsOf.flatMap((s) => [...s])).size).toBe(5);
    const card = readFileSync(join(cwd, "out", "README.md"), "utf8");
    expect(card).toContain("| train | data/train.jsonl | 9 | 3 | 0.6 |");
    expect(card).toContain("- Config: `cfg.yaml`");

    // a second run never overwrites the dataset: exit 2 before anything runs
    const again = await runInProcess(args, { cwd });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("already exist");
    expect(readJsonl(join(cwd, "out", "data", "train.jsonl"))).toEqual(splits[0]);
  }, 60_000);

  test("without input data: split by record", async () => {
    const cwd = join(dir, "yaml-plain");
    mkdirSync(cwd, { recursive: true });
    writeFileSync(join(cwd, "cfg.yaml"), config(false) + "splits:\n  train: 0.8\n  test: 0.2\n");
    const { code, stdout } = await runInProcess(
      ["-c", "cfg.yaml", "--num_samples", "10", "--output_path", "plain.jsonl", "--no-progress"],
      { cwd },
    );
    expect(code).toBe(0);
    expect(stdout).toMatch(/Splits \(by record, seed -?\d+\): train 8, test 2 records/);
    expect(existsSync(join(cwd, "plain", "data", "validation.jsonl"))).toBe(false);
    expect(readJsonl(join(cwd, "plain", "data", "train.jsonl"))).toHaveLength(8);
    expect(readJsonl(join(cwd, "plain", "data", "test.jsonl"))).toHaveLength(2);
  }, 60_000);

  test("bad --splits text: exit 2 naming the option", async () => {
    const cwd = join(dir, "yaml-plain");
    const { code, stderr } = await runInProcess(
      ["validate", "-c", "cfg.yaml", "--splits", "train=0.7,validation=0.2"],
      { cwd },
    );
    expect(code).toBe(2);
    expect(stderr).toContain(
      "splits: the split shares must sum to 1, but train + validation + test = 0.9 (set by override --splits",
    );
  });
});
