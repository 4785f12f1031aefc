/**
 * Inputs end to end through the CLI on the tiny GGUF model (issue 3): oumi's
 * data_augmentation_synth.yaml with its alpaca_format.jsonl, a config mixing CSV, XLSX, PDF and
 * DOCX with segmentation and num_shots, `validate`'s per-source report, and bad input (exit 3,
 * the file named, no output file).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tinyGgufPath } from "../helpers/tinyModel.ts";
import { writeExampleData } from "../inputs/exampleData.ts";
import { makeXlsx, put } from "../inputs/fixtures.ts";
import { CORPUS, readJsonl } from "../helpers/corpus.ts";
import { localEngineArgs, ROOT, runInProcess } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "synth-inputs-e2e-"));
let model = "";
beforeAll(async () => {
  model = await tinyGgufPath();
  await writeExampleData(join(dir, "mixed", "data"));
  copyFileSync(
    join(ROOT, "configs", "inputs", "mixed_inputs.yaml"),
    join(dir, "mixed", "mixed_inputs.yaml"),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const local = (extra: string[] = []) => localEngineArgs("LLAMACPP", model, 8, extra);

describe("configs with inputs run end to end", () => {
  test("oumi's data_augmentation_synth.yaml with alpaca_format.jsonl", async () => {
    const cwd = join(dir, "augment");
    mkdirSync(cwd);
    const out = join(cwd, "out.jsonl");
    const { code, stderr } = await runInProcess(
      [
        "-c",
        join(CORPUS, "data_augmentation_synth.yaml"),
        ...local(["--num_samples", "3", "--output_path", out, "--seed", "3"]),
      ],
      { cwd },
    );
    if (code !== 0) throw new Error(`exit ${code}\n${stderr}`);
    const records = readJsonl(out);
    expect(records).toHaveLength(3);
    const alpaca = readJsonl(join(CORPUS, "data", "dataset_examples", "alpaca_format.jsonl"));
    records.forEach((r, i) => {
      expect(Object.keys(r)).toEqual([
        "conversation",
        "cleaned_instruction",
        "cleaned_response",
        "augmentation_type",
        "phrasing_style",
        "specificity_level",
        "original_instruction",
        "original_input",
        "original_response",
      ]);
      expect(r.original_instruction).toBe(alpaca[i % 2].instruction);
      expect(r.original_response).toBe(alpaca[i % 2].output);
    });
  });

  test("a CSV, an XLSX, a PDF and DOCX files with segmentation and num_shots", async () => {
    const cwd = join(dir, "mixed");
    const { code, stderr } = await runInProcess(
      ["-c", "mixed_inputs.yaml", ...local(["--output_path", "out.jsonl"])],
      { cwd },
    );
    if (code !== 0) throw new Error(`exit ${code}\n${stderr}`);
    const records = readJsonl(join(cwd, "out.jsonl"));
    expect(records).toHaveLength(6);
    expect(records.map((r) => r.question)).toEqual([
      'What is a "token"?',
      "Why split documents\ninto segments?",
      "¿Qué es un prompt?",
      'What is a "token"?',
      "Why split documents\ninto segments?",
      "¿Qué es un prompt?",
    ]);
    expect(records.map((r) => r.style)).toEqual([
      "formal",
      "casual",
      "formal",
      "casual",
      "formal",
      "casual",
    ]);
    const pdfText = records.map((r) => r.handbook_part).join(" ");
    expect(pdfText).toContain("Synthetic data handbook");
    expect(pdfText).toContain("without replacement");
    expect(new Set(records.map((r) => r.handbook_part)).size).toBe(2);
    for (const r of records) expect(typeof r.answer).toBe("string");
  });

  test("validate reports files, rows, segments and attributes per source", async () => {
    const { code, stdout } = await runInProcess([
      "validate",
      "-c",
      "mixed_inputs.yaml",
      "--show",
      "1",
      "--inference_config.model.model_name",
      model,
    ], {
      cwd: join(dir, "mixed"),
    });
    expect(code).toBe(0);
    expect(stdout).toContain("input_data data/questions.csv: 1 file, 3 rows, round-robin");
    expect(stdout).toContain("attributes: style, audience");
    expect(stdout).toContain("input_documents data/handbook.pdf: 1 file, 1 document, 2 segments");
    expect(stdout).toContain("input_documents data/notes/**/*.docx: 2 files, 2 documents, 2 shots");
    expect(stdout).toContain(join(dir, "mixed", "data", "notes", "2026", "later.docx"));
    expect(stdout).not.toContain("table text");
  });

  test("a placeholder naming no column of the sources is a config error before inference", async () => {
    const cwd = join(dir, "mixed");
    const yaml = readFileSync(join(cwd, "mixed_inputs.yaml"), "utf8").replace(
      "Question ({topic})",
      "Question ({topik})",
    );
    writeFileSync(join(cwd, "typo.yaml"), yaml);
    const { code, stderr } = await runInProcess(["validate", "-c", "typo.yaml"], { cwd });
    expect(code).toBe(2);
    expect(stderr).toContain("Unknown placeholder {topik}");
  });
});

describe("bad input: exit 3, the file named, no output written", () => {
  const cases: {
    name: string;
    path: string;
    make?: (file: string) => Promise<void> | void;
    expect: string;
    kind?: "data" | "doc";
  }[] = [
    {
      name: "a missing file",
      path: "missing.csv",
      expect: 'Cannot read dataset "missing.csv": file does not exist',
    },
    {
      name: "a glob that matches nothing",
      path: "nowhere/**/*.jsonl",
      expect: 'Cannot read dataset "nowhere/**/*.jsonl": the pattern matches no files',
    },
    {
      name: "a JSONL line that is not JSON",
      path: "bad.jsonl",
      make: (f) => void put(f, '{"q": "ok"}\n{"q": oops}\n'),
      expect: 'Cannot read dataset "bad.jsonl": line 2 is not valid JSON',
    },
    {
      name: "a truncated Parquet file",
      path: "cut.parquet",
      make: (f) => void put(f, new Uint8Array([0x50, 0x41, 0x52, 0x31, 1, 2, 3])),
      expect: 'Cannot read dataset "cut.parquet": not a readable Parquet file',
    },
    {
      name: "a corrupt XLSX",
      path: "bad.xlsx",
      make: async (f) => {
        const good = await makeXlsx({ S: [["q"], ["x"]] });
        put(f, good.subarray(0, 200));
      },
      expect: 'Cannot read dataset "bad.xlsx": not a valid XLSX workbook',
    },
    {
      name: "a PDF that is not a PDF",
      path: "fake.pdf",
      kind: "doc",
      make: (f) => void put(f, "hello"),
      expect: 'Cannot read document "fake.pdf": not a PDF file',
    },
    {
      name: "a DOCX that is not a zip",
      path: "fake.docx",
      kind: "doc",
      make: (f) => void put(f, "hello"),
      expect:
        "Failed to read DOCX file 'fake.docx'. The file may be corrupted or malformed: not a zip archive",
    },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const cwd = join(dir, "bad", c.path.replace(/[^a-z.]/g, "_"));
      mkdirSync(cwd, { recursive: true });
      await c.make?.(join(cwd, c.path));
      const source = c.kind === "doc"
        ? `  input_documents:\n    - path: "${c.path}"\n      id: q\n`
        : `  input_data:\n    - path: "${c.path}"\n`;
      writeFileSync(
        join(cwd, "cfg.yaml"),
        `num_samples: 2\noutput_path: out.jsonl\nstrategy_params:\n${source}  generated_attributes:\n    - id: a\n      instruction_messages:\n        - role: USER\n          content: "{q}"\n`,
      );
      const { code, stderr } = await runInProcess(["-c", "cfg.yaml", ...local()], { cwd });
      expect(code).toBe(3);
      expect(stderr).toContain(c.expect);
      expect(existsSync(join(cwd, "out.jsonl"))).toBe(false);
    });
  }
});
