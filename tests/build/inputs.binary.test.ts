/**
 * The mixed-inputs config (CSV, XLSX, PDF, DOCX, GPT-2 segmentation, num_shots) run by
 * `dist/synth` copied alone into an empty folder with no `node_modules`: papaparse, SheetJS,
 * unpdf, fflate, fast-xml-parser and gpt-tokenizer must all be inside the executable (issue 3).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type IsolatedBinary, isolatedBinary, ROOT } from "../helpers/isolatedBinary.ts";
import { tinyGgufPath } from "../helpers/tinyModel.ts";
import { writeExampleData } from "../inputs/exampleData.ts";

let bin: IsolatedBinary;

beforeAll(async () => {
  bin = isolatedBinary("synth-inputs-binary");
  await writeExampleData(join(bin.workDir, "data"));
  copyFileSync(
    join(ROOT, "configs", "inputs", "mixed_inputs.yaml"),
    join(bin.workDir, "mixed_inputs.yaml"),
  );
}, 300_000);

afterAll(() => bin?.cleanup());

describe("dist/synth with every input format", () => {
  test("validate reports the sources", async () => {
    const model = await tinyGgufPath();
    const result = bin.run([
      "validate",
      "-c",
      "mixed_inputs.yaml",
      "--show",
      "0",
      "--inference_config.model.model_name",
      model,
    ]);
    if (result.exitCode !== 0) console.error(result.stdout, result.stderr);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("input_data data/styles.xlsx: 1 file, 2 rows");
    expect(result.stdout).toContain(
      "input_documents data/handbook.pdf: 1 file, 1 document, 2 segments",
    );
  });

  test("runs the mixed config on the tiny model", async () => {
    const model = await tinyGgufPath();
    const result = bin.run([
      "-c",
      "mixed_inputs.yaml",
      "--inference_config.model.model_name",
      model,
      "--inference_config.generation.max_new_tokens",
      "8",
      "--threads",
      "1",
      "--no-progress",
    ]);
    if (result.exitCode !== 0) console.error(result.stdout, result.stderr);
    expect(result.exitCode).toBe(0);
    const records = readFileSync(join(bin.workDir, "mixed_inputs.jsonl"), "utf8").split("\n")
      .filter(
        Boolean,
      )
      .map((l) => JSON.parse(l));
    expect(records).toHaveLength(6);
    expect(records[1].question).toBe("Why split documents\ninto segments?");
    expect(records.map((r) => r.handbook_part).join(" ")).toContain("Synthetic data handbook");
  }, 120_000);

  test("bad input exits 3 and writes nothing", () => {
    Bun.write(join(bin.workDir, "data", "questions.csv"), 'question,topic\n"x",a,extra\n');
    const result = bin.run(["-c", "mixed_inputs.yaml", "--output_path", "bad.jsonl"]);
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain('Cannot read dataset "data/questions.csv": row 2 has 3 cells');
    expect(existsSync(join(bin.workDir, "bad.jsonl"))).toBe(false);
  });
});
