/**
 * End to end on the real llama.cpp engine and the tiny GGUF model: oumi's own example configs,
 * with only the engine and model overridden on the command line (issue: foundation).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tinyGgufPath } from "../helpers/tinyModel.ts";
import { CORPUS, readJsonl } from "../helpers/corpus.ts";
import { localEngineArgs, ROOT, runInProcess } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "synth-e2e-"));
let model = "";
beforeAll(async () => {
  model = await tinyGgufPath();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const local = (extra: string[] = []) => localEngineArgs("LLAMACPP", model, 12, extra);

const CASES: { file: string; keys: string[] }[] = [
  {
    file: "question_answer_synth.yaml",
    keys: ["conversation", "cleaned_question", "cleaned_answer", "difficulty", "topic"],
  },
  {
    file: "instruction_following_synth.yaml",
    keys: ["conversation"],
  },
  { file: "domain_qa_synth.yaml", keys: ["conversation"] },
  {
    file: "dynamic_few_shot_synth.yaml",
    keys: [
      "conversation",
      "few_shot_examples[0].task_type",
      "few_shot_examples[0].example_input",
      "few_shot_examples[1].task_type",
      "few_shot_examples[1].example_input",
      "few_shot_examples[2].task_type",
      "few_shot_examples[2].example_input",
    ],
  },
];

describe("oumi example configs run end to end on llama.cpp", () => {
  for (const { file, keys } of CASES) {
    test(file, async () => {
      const cwd = join(dir, file.replace(".yaml", ""));
      await Bun.write(join(cwd, ".keep"), "");
      const out = join(cwd, "out.jsonl");
      const { code, stdout, stderr } = await runInProcess(
        [
          "-c",
          join(CORPUS, file),
          ...local(["--num_samples", "4", "--output_path", out, "--seed", "5"]),
        ],
        { cwd },
      );
      if (code !== 0) throw new Error(`exit ${code}\n${stderr}`);
      const records = readJsonl(out);
      expect(records).toHaveLength(4);
      const config = readFileSync(join(CORPUS, file), "utf8");
      const passthrough = config.match(/passthrough_attributes:\n((?:\s+- .*\n)+)/)![1]
        .split("\n").map((l) => l.trim().replace(/^- /, "").replace(/\s+#.*$/, "")).filter(Boolean);
      for (const record of records) {
        expect(Object.keys(record)).toEqual(passthrough);
        for (const key of keys) expect(record[key]).toBeDefined();
        expect(record.conversation.messages.length).toBeGreaterThanOrEqual(2);
        for (const m of record.conversation.messages) expect(typeof m.content).toBe("string");
      }
      expect(stdout).toContain("Successfully synthesized 4 samples");
      expect(stdout).toContain("Tokens: ");
      const summary = JSON.parse(readFileSync(join(cwd, "out.summary.json"), "utf8"));
      expect(summary.records_written).toBe(4);
      expect(summary.usage.output_tokens).toBeGreaterThan(0);
    });
  }

  test("a seeded run plans the same records twice; the preview and the hint are printed", async () => {
    const cwd = join(dir, "seeded");
    await Bun.write(join(cwd, ".keep"), "");
    const args = (out: string) => [
      "-c",
      join(CORPUS, "question_answer_synth.yaml"),
      ...local([
        "--num_samples",
        "7",
        "--output_path",
        out,
        "--seed",
        "11",
        "--inference_config.generation.seed",
        "3",
      ]),
    ];
    const a = await runInProcess(args(join(cwd, "a.jsonl")), { cwd });
    const b = await runInProcess(args(join(cwd, "b.jsonl")), { cwd });
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    // The plan (sampled attributes, in plan order) is identical; generated text may differ with
    // how llama.cpp batches concurrent sequences, so it is not compared.
    const planned = (file: string) =>
      readJsonl(join(cwd, file)).map((r) => [r.difficulty, r.topic]);
    expect(planned("a.jsonl")).toEqual(planned("b.jsonl"));
    expect(new Set(planned("a.jsonl").map((p) => p.join())).size).toBeGreaterThan(1);
    expect(a.stdout).toContain("Synthesis Results");
    expect(a.stdout).toContain("... and 4 more samples");
    expect(a.stdout).toContain('dataset_name: "text_sft_jsonl"');
  });

  test("without output_path the file is oumi_synth_results_<timestamp>.jsonl in the CWD, never overwritten", async () => {
    const cwd = join(dir, "default-name");
    const config = join(cwd, "cfg.yaml");
    await Bun.write(
      config,
      readFileSync(join(ROOT, "configs", "quickstart.yaml"), "utf8").replace(
        "output_path: geography_qa.jsonl\n",
        "",
      ),
    );
    const run = () => runInProcess(["-c", config, ...local(["--num_samples", "1"])], { cwd });
    expect((await run()).code).toBe(0);
    expect((await run()).code).toBe(0);
    const outputs = readdirSync(cwd).filter((f) =>
      /^oumi_synth_results_\d{8}_\d{6}(_\d+)?\.jsonl$/.test(f)
    );
    expect(outputs.length).toBe(2);
  });

  test("a config that needs no model writes records without loading one", async () => {
    const cwd = join(dir, "no-model");
    const config = join(cwd, "cfg.yaml");
    await Bun.write(
      config,
      `num_samples: 3
output_path: out.jsonl
strategy_params:
  input_examples:
    - examples: [{name: Ada}, {name: Alan}]
  transformed_attributes:
    - id: greeting
      transformation_strategy: {type: STRING, string_transform: "Hello {name}!"}
inference_config:
  model: {model_name: nowhere.gguf}
`,
    );
    const { code } = await runInProcess(["-c", config, "--no-progress"], { cwd });
    expect(code).toBe(0);
    expect(readJsonl(join(cwd, "out.jsonl")).map((r) => r.greeting)).toEqual([
      "Hello Ada!",
      "Hello Alan!",
      "Hello Ada!",
    ]);
    expect(existsSync(join(cwd, "out.errors.jsonl"))).toBe(false);
  });

  test("validate prints the plan and the first prompts without loading a model", async () => {
    const { code, stdout } = await runInProcess(
      ["validate", "-c", join(CORPUS, "question_answer_synth.yaml"), "--seed", "2", "--show", "1"],
      { cwd: dir },
    );
    expect(code).toBe(0);
    expect(stdout).toContain("records:  10");
    expect(stdout).toContain("difficulty: easy 40%, medium 40%, hard 20%");
    expect(stdout).toContain("Record 1 of 10");
    expect(stdout).toContain("What is the capital of France?");
    expect(stdout).toContain("{cleaned_question}");
    expect(stdout).toContain("Config is valid");
  });
});

describe("the compatibility corpus", () => {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(d, entry.name));
      else if (entry.name.endsWith(".yaml")) files.push(join(d, entry.name));
    }
  };
  walk(CORPUS);
  test("has all 11 configs", () => expect(files).toHaveLength(11));
  for (const file of files) {
    test(`synth validate ${file.slice(CORPUS.length + 1)}`, async () => {
      const { code, stderr } = await runInProcess(["validate", "-c", file, "--show", "1"], {
        cwd: dir,
      });
      expect(stderr).not.toMatch(/^error/m);
      expect(code).toBe(0);
    });
  }
});
