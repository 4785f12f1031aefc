/**
 * Bad recipes (recipes.md §1): each gets one clear message naming the file, the JSON pointer and
 * line:column, and exit 2; a dataset that cannot be found exits 3 listing where synth looked.
 * Through the real CLI (`synth validate -c` and `synth -c`), in process; no model is needed.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runInProcess } from "../cli/helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "synth-bad-recipes-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// `validate` checks that the recipe's model exists (issue 11 item 6): a file with the GGUF magic
// under models/ stands in for it (nothing is loaded).
mkdirSync(join(dir, "models"));
writeFileSync(join(dir, "models", "Llama-3.1-8B-Instruct"), "GGUF");
writeFileSync(
  join(dir, "seed.jsonl"),
  '{"instruction": "Add the numbers.", "input": "2 and 3", "output": "5"}\n',
);

/** A valid recipe (the seed page's general pattern) as text, with `edit` applied to its data. */
function recipe(edit: (r: Record<string, any>) => void = () => {}): string {
  const r: Record<string, any> = {
    modelIdentifier: {
      modelType: "llm",
      modelName: "Llama-3.1-8B-Instruct",
      modelId: "model_llama_8b",
      modelVersionId: "v1",
    },
    inferenceConfig: {
      inferenceTemperature: 0.8,
      inferenceMaxNewTokens: 512,
      inferenceSeed: 42,
      requestsPerMinute: 60,
    },
    synthesisConfig: {
      synthesisType: "general",
      synthesisConfig: {
        datasetId: "seed.jsonl",
        datasetDistribution: { train: 0.8, validation: 0.1, test: 0.1 },
      },
    },
  };
  edit(r);
  return JSON.stringify(r, null, 2);
}

async function validate(name: string, text: string) {
  const file = join(dir, name);
  writeFileSync(file, text);
  return { file, ...(await runInProcess(["validate", "-c", file], { cwd: dir })) };
}

/** The error lines (`error ...`) of a run's stderr. */
const errorLines = (stderr: string) => stderr.split("\n").filter((l) => l.startsWith("error"));

describe("bad recipes: one clear message each, exit 2", () => {
  const cases: { name: string; edit: (r: Record<string, any>) => void; expected: RegExp }[] = [
    {
      name: "sum.json",
      edit: (r) => (r.synthesisConfig.synthesisConfig.datasetDistribution.validation = 0.3),
      expected:
        /sum\.json:18:30 {2}\/synthesisConfig\/synthesisConfig\/datasetDistribution: the shares must sum to 1, but train \+ validation \+ test = 1\.2/,
    },
    {
      name: "range.json",
      edit: (r) => (r.synthesisConfig.synthesisConfig.datasetDistribution.test = 1.5),
      expected:
        /range\.json:21:17 {2}\/synthesisConfig\/synthesisConfig\/datasetDistribution\/test: datasetDistribution\.test must be in \[0, 1\], got 1\.5/,
    },
    {
      name: "type.json",
      edit: (r) => (r.synthesisConfig.synthesisType = "diverse"),
      expected:
        /type\.json:15:22 {2}\/synthesisConfig\/synthesisType: synthesisType "diverse" is not supported: the only synthesis type is "general"/,
    },
    {
      name: "temperature.json",
      edit: (r) => (r.inferenceConfig.inferenceTemperature = 1.5),
      expected:
        /temperature\.json:9:29 {2}\/inferenceConfig\/inferenceTemperature: inferenceTemperature must be in \[0, 1\], got 1\.5/,
    },
    {
      name: "dataset.json",
      edit: (r) => delete r.synthesisConfig.synthesisConfig.datasetId,
      expected:
        /dataset\.json:16:24 {2}\/synthesisConfig\/synthesisConfig\/datasetId: datasetId is required/,
    },
    {
      name: "unknown.json",
      edit: (r) => (r.inferenceConfig.topP = 0.9),
      expected:
        /unknown\.json:13:5 {2}\/inferenceConfig\/topP: unknown key "topP" \(known keys: inferenceTemperature, inferenceMaxNewTokens, inferenceSeed, requestsPerMinute\)/,
    },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const { code, stderr } = await validate(c.name, recipe(c.edit));
      expect(code).toBe(2);
      const lines = errorLines(stderr);
      expect(lines[0]).toContain(`Invalid recipe "${join(dir, c.name)}": 1 problem`);
      expect(lines).toHaveLength(2);
      expect(lines[1]).toMatch(c.expected);
    });
  }

  test("a JSON syntax error is reported with line:column", async () => {
    const text = recipe().replace('"modelId": "model_llama_8b",', '"modelId": "model_llama_8b",,');
    const { code, stderr } = await validate("syntax.json", text);
    expect(code).toBe(2);
    const lines = errorLines(stderr);
    expect(lines[0]).toContain("Cannot parse recipe");
    expect(lines[0]).toContain("invalid JSON");
    expect(lines[1]).toMatch(
      /syntax\.json:5:33 {2}invalid JSON: a property name in double quotes is expected/,
    );
  });

  test("several problems are reported at once, in file order", async () => {
    const { code, stderr } = await validate(
      "many.json",
      recipe((r) => {
        r.inferenceConfig.inferenceTemperature = 1.5;
        r.synthesisConfig.synthesisType = "diverse";
        r.modelIdentifier.modelType = "embedding";
      }),
    );
    expect(code).toBe(2);
    const lines = errorLines(stderr);
    expect(lines[0]).toContain("3 problems");
    expect(lines.slice(1).map((l) => l.match(/\d {2}(\/\S+):/)?.[1])).toEqual([
      "/modelIdentifier/modelType",
      "/inferenceConfig/inferenceTemperature",
      "/synthesisConfig/synthesisType",
    ]);
  });

  test("a run refuses a bad recipe the same way (exit 2, no output written)", async () => {
    const file = join(dir, "run-bad.json");
    writeFileSync(file, recipe((r) => (r.inferenceConfig.inferenceTemperature = 1.5)));
    const { code, stderr } = await runInProcess(["-c", file], { cwd: dir });
    expect(code).toBe(2);
    expect(stderr).toContain("inferenceTemperature must be in [0, 1], got 1.5");
  });
});

describe("the seed dataset", () => {
  test("a dataset file that does not exist: exit 3, listing where synth looked", async () => {
    const { code, stderr } = await validate(
      "missing.json",
      recipe((r) => (r.synthesisConfig.synthesisConfig.datasetId = "no_such_seed")),
    );
    expect(code).toBe(3);
    const lines = errorLines(stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('Cannot find dataset "no_such_seed": looked for');
    expect(lines[0]).toContain(join(dir, "datasets", "no_such_seed"));
  });

  test("a name in datasets/ is found with or without its extension", async () => {
    const { mkdirSync } = await import("node:fs");
    mkdirSync(join(dir, "datasets"), { recursive: true });
    writeFileSync(
      join(dir, "datasets", "named_seed.csv"),
      "question,answer\nWhat is 2+2?,4\n",
    );
    const { code, stdout, stderr } = await validate(
      "named.json",
      recipe((r) => (r.synthesisConfig.synthesisConfig.datasetId = "named_seed")),
    );
    expect(stderr).toBe(
      `warning ${
        join(dir, "named.json")
      }: inferenceConfig.requestsPerMinute (60) applies to remote engines only; the local engine NATIVE ignores it\n`,
    );
    expect(code).toBe(0);
    expect(stdout).toContain("User: What is 2+2?");
  });

  test("hf:owner/name is read from the local Hugging Face cache (its train split)", async () => {
    const { mkdirSync } = await import("node:fs");
    const repo = join(dir, "hub", "datasets--acme--seeds");
    const hash = "c".repeat(40);
    mkdirSync(join(repo, "refs"), { recursive: true });
    mkdirSync(join(repo, "snapshots", hash, "data"), { recursive: true });
    writeFileSync(join(repo, "refs", "main"), hash);
    writeFileSync(
      join(repo, "snapshots", hash, "data", "train-00000-of-00001.jsonl"),
      '{"prompt": "Name a river.", "response": "The Loire."}\n',
    );
    const file = join(dir, "hf.json");
    writeFileSync(
      file,
      recipe((r) => (r.synthesisConfig.synthesisConfig.datasetId = "hf:acme/seeds")),
    );
    const env = { HF_HUB_CACHE: join(dir, "hub") };
    const found = await runInProcess(["validate", "-c", file], { cwd: dir, env });
    expect(found.code).toBe(0);
    expect(found.stdout).toContain("User: Name a river.");
    writeFileSync(
      file,
      recipe((r) => (r.synthesisConfig.synthesisConfig.datasetId = "hf:acme/absent")),
    );
    const missing = await runInProcess(["validate", "-c", file], { cwd: dir, env });
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain("it is not in the local Hugging Face cache");
  });

  test("a seed row without usable text: exit 3 naming the file and row", async () => {
    writeFileSync(
      join(dir, "empty_rows.jsonl"),
      '{"messages": [{"role": "user", "content": "Hi"}]}\n{"messages": [{"role": "assistant", "content": "no user"}]}\n',
    );
    const { code, stderr } = await validate(
      "rows.json",
      recipe((r) => (r.synthesisConfig.synthesisConfig.datasetId = "empty_rows.jsonl")),
    );
    expect(code).toBe(3);
    expect(errorLines(stderr)[0]).toContain(
      'Cannot use seed dataset "empty_rows.jsonl": row 2 has no usable text',
    );
  });
});
