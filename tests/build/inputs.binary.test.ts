/**
 * The mixed-inputs config (CSV, XLSX, PDF, DOCX, GPT-2 segmentation, num_shots) run by
 * `dist/synth` copied alone into an empty folder with no `node_modules`: papaparse, SheetJS,
 * unpdf, fflate, fast-xml-parser and gpt-tokenizer must all be inside the executable (issue 3).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { tinyGgufPath } from "../helpers/tinyModel.ts";
import { writeExampleData } from "../inputs/exampleData.ts";

const ROOT = resolve(import.meta.dir, "..", "..");
const BUN = join(ROOT, "node_modules", ".bin", "bun");
let tmp: string;
let binary: string;
let workDir: string;
let env: Record<string, string>;

beforeAll(async () => {
  const build = Bun.spawnSync({
    cmd: [BUN, "scripts/build.ts", "--if-stale"],
    cwd: ROOT,
    stdout: "pipe",
    stderr: "pipe",
  });
  if (build.exitCode !== 0) {
    throw new Error(`build failed:\n${build.stdout.toString()}${build.stderr.toString()}`);
  }
  tmp = mkdtempSync(join(tmpdir(), "synth-inputs-binary-"));
  workDir = join(tmp, "work");
  for (const dir of [join(tmp, "bin"), workDir, join(tmp, "home"), join(tmp, "cache")]) {
    mkdirSync(dir);
  }
  binary = join(tmp, "bin", "synth");
  copyFileSync(join(ROOT, "dist", "synth"), binary);
  Bun.spawnSync({ cmd: ["chmod", "+x", binary] });
  env = {
    PATH: "/usr/bin:/bin",
    HOME: join(tmp, "home"),
    XDG_CACHE_HOME: join(tmp, "cache"),
    NO_COLOR: "1",
  };
  await writeExampleData(join(workDir, "data"));
  copyFileSync(
    join(ROOT, "configs", "inputs", "mixed_inputs.yaml"),
    join(workDir, "mixed_inputs.yaml"),
  );
}, 300_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

function run(args: string[]) {
  const proc = Bun.spawnSync({
    cmd: [binary, ...args],
    cwd: workDir,
    env,
    stdout: "pipe",
    stderr: "pipe",
  });
  return {
    exitCode: proc.exitCode,
    stdout: proc.stdout.toString(),
    stderr: proc.stderr.toString(),
  };
}

describe("dist/synth with every input format", () => {
  test("validate reports the sources", () => {
    const result = run(["validate", "-c", "mixed_inputs.yaml", "--show", "0"]);
    if (result.exitCode !== 0) console.error(result.stdout, result.stderr);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("input_data data/styles.xlsx: 1 file, 2 rows");
    expect(result.stdout).toContain(
      "input_documents data/handbook.pdf: 1 file, 1 document, 2 segments",
    );
  });

  test("runs the mixed config on the tiny model", async () => {
    const model = await tinyGgufPath();
    const result = run([
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
    const records = readFileSync(join(workDir, "mixed_inputs.jsonl"), "utf8").split("\n").filter(
      Boolean,
    )
      .map((l) => JSON.parse(l));
    expect(records).toHaveLength(6);
    expect(records[1].question).toBe("Why split documents\ninto segments?");
    expect(records.map((r) => r.handbook_part).join(" ")).toContain("Synthetic data handbook");
  }, 120_000);

  test("bad input exits 3 and writes nothing", () => {
    Bun.write(join(workDir, "data", "questions.csv"), 'question,topic\n"x",a,extra\n');
    const result = run(["-c", "mixed_inputs.yaml", "--output_path", "bad.jsonl"]);
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain('Cannot read dataset "data/questions.csv": row 2 has 3 cells');
    expect(existsSync(join(workDir, "bad.jsonl"))).toBe(false);
  });
});
