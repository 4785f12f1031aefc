/**
 * The preview table of a real `bun main.ts` process whose stdout is a pipe (not a TTY): 100
 * columns, or `COLUMNS` when set (issue 10). Spawns a process, so not part of `test:unit`.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runProcess } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "synth-preview-process-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("a piped stdout gets a table of 100 columns, or of COLUMNS", async () => {
  const file = join(dir, "preview.yaml");
  writeFileSync(
    file,
    `num_samples: 2
output_path: out.jsonl
inference_config:
  model: {model_name: unused.gguf}
strategy_params:
  input_examples:
    - examples:
        - {text: "${"a long line of text ".repeat(30)}", id: "1"}
`,
  );
  const widest = (stdout: string) =>
    Math.max(...stdout.split("\n").filter((l) => /^[┌│├└]/.test(l)).map((l) => Bun.stringWidth(l)));
  const plain = await runProcess(["-c", file, "--no-progress", "--overwrite"], {
    cwd: dir,
    env: { COLUMNS: "" },
  });
  expect(plain.code).toBe(0);
  expect(widest(plain.stdout)).toBe(100);
  const narrow = await runProcess(["-c", file, "--no-progress", "--overwrite"], {
    cwd: dir,
    env: { COLUMNS: "72" },
  });
  expect(widest(narrow.stdout)).toBe(72);
});
