/**
 * The preview table after a run fits the terminal (issue 10): the width of a TTY, else
 * `COLUMNS`, else 100 columns; one line per cell, long cells cut with `…`.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CliIO } from "../../src/cli/io.ts";
import { runCli } from "../../src/cli/main.ts";
import { fitColumns, fitText, previewCell, renderPreview } from "../../src/cli/previewTable.ts";
import { DEFAULT_WIDTH, terminalWidth } from "../../src/cli/terminalWidth.ts";
import { captureSink, runInProcess } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "synth-preview-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const LONG = "The quick brown fox jumps over the lazy dog. ".repeat(8);
const RECORDS = [
  { question: LONG, answer: "short", wide: "漢字の説明".repeat(12), emoji: "🙂 ok ".repeat(20) },
  { question: "tiny", answer: { nested: [1, 2, { k: "v\nw" }] }, wide: "é", emoji: null },
  { question: "multi\nline\ttext", answer: LONG, wide: "x", emoji: 3.5 },
];

/** Lines of a rendered table, checked for width and for one line per row. */
function checkTable(text: string, width: number, rows: number): string[] {
  const lines = text.split("\n");
  for (const line of lines) expect(Bun.stringWidth(line)).toBeLessThanOrEqual(width);
  expect(text).not.toMatch(/[\uD800-\uDFFF]/u); // no emoji cut in half (a lone surrogate)
  // top border, header, separator, each row with a separator between rows, bottom border:
  // any cell wrapped onto a second line would add lines.
  expect(lines).toHaveLength(2 * rows + 3);
  return lines;
}

describe("renderPreview", () => {
  for (const width of [40, 60, 80, 100, 160, 240]) {
    test(`fits ${width} columns, one line per cell`, () => {
      const lines = checkTable(renderPreview(RECORDS, { width }), width, RECORDS.length);
      expect(lines[3]).toContain("…"); // the long question is cut, not wrapped
    });
  }

  test("narrow columns keep their content; wide ones share the rest and end with …", () => {
    const lines = checkTable(renderPreview(RECORDS, { width: 80 }), 80, 3);
    expect(lines[1]).toContain("question");
    expect(lines[1]).toContain("answer");
    expect(lines[3]).toContain("short"); // fits whole
    expect(lines[5]).toContain("tiny");
    expect(lines[3]).toMatch(/The quick brown[^│]*…/);
  });

  test("content that fits is not padded out to the width", () => {
    const text = renderPreview([{ alpha: "x", beta: "y" }], { width: 160 });
    expect(text.split("\n")[1]).toBe("│ alpha │ beta │");
    expect(text).not.toContain("…");
  });

  test("more than 6 keys: 5 columns and '... and N more columns...', still within the width", () => {
    const record = Object.fromEntries(
      Array.from({ length: 9 }, (_, i) => [`key_${i}`, `value ${i} `.repeat(30)]),
    );
    const lines = checkTable(renderPreview([record], { width: 100 }), 100, 1);
    expect(lines[1]).toContain("key_0");
    expect(lines[1]).not.toContain("key_5");
    expect(lines[1]).toMatch(/\.\.\. and 4 more/);
  });

  test("colours do not count towards the width", () => {
    const text = renderPreview(RECORDS, { width: 70, colors: true });
    expect(text).toContain("\u001b[");
    const plain = text.replace(new RegExp("\u001b\\[[0-9;]*m", "g"), "");
    checkTable(plain, 70, RECORDS.length);
  });

  test("the default width is 100", () => {
    checkTable(renderPreview(RECORDS), 100, RECORDS.length);
  });
});

describe("cells", () => {
  test("fitText cuts between graphemes by display width, ending with …", () => {
    expect(fitText("hello", 5)).toBe("hello");
    expect(fitText("hello world", 6)).toBe("hello…");
    expect(fitText("漢字漢字", 5)).toBe("漢字…");
    expect(fitText("🙂🙂🙂", 4)).toBe("🙂…");
    expect(fitText("e\u0301e\u0301e\u0301", 3)).toBe("e\u0301e\u0301e\u0301"); // 3 wide
    expect(fitText("e\u0301e\u0301e\u0301", 2)).toBe("e\u0301…");
  });
  test("previewCell: one line, oumi's 200-character cut in code points", () => {
    expect(previewCell("a\n b\tc", 200)).toBe("a b c");
    expect(previewCell({ k: [1, null] }, 200)).toBe('{"k":[1,null]}');
    expect(previewCell("red \u001b[31mtext\u0007", 200)).toBe("red \\u001b[31mtext\\u0007");
    expect(previewCell("🙂".repeat(300), 200)).toBe("🙂".repeat(197) + "...");
  });
});

describe("fitColumns", () => {
  test("natural widths when they fit; else narrow columns keep theirs, wide ones share", () => {
    expect(fitColumns([5, 10, 20], 100)).toEqual([5, 10, 20]);
    expect(fitColumns([6, 50, 80], 66)).toEqual([6, 30, 30]);
    expect(fitColumns([6, 50, 80], 67)).toEqual([6, 31, 30]);
    expect(fitColumns([1, 2], 100)).toEqual([5, 5]); // never below the minimum
    expect(fitColumns([20, 50, 80], 60, [20, 8, 8])).toEqual([20, 20, 20]); // headers kept whole
    expect(fitColumns([20, 50, 80], 30, [20, 8, 8])).toEqual([10, 10, 10]); // unless they can't be
    const fitted = fitColumns([40, 40, 40, 3], 60);
    expect(fitted.reduce((a, b) => a + b, 0)).toBe(60);
  });
});

describe("terminalWidth", () => {
  test("a TTY's columns, else COLUMNS, else 100", () => {
    expect(terminalWidth({ write() {}, isTTY: true, columns: 160 }, { COLUMNS: "50" })).toBe(160);
    expect(terminalWidth({ write() {}, isTTY: false, columns: 160 }, { COLUMNS: "50" })).toBe(50);
    expect(terminalWidth({ write() {} }, { COLUMNS: "wide" })).toBe(DEFAULT_WIDTH);
    expect(terminalWidth({ write() {} }, {})).toBe(100);
  });
});

describe("through the CLI (no model: input examples only)", () => {
  const file = join(dir, "preview.yaml");
  writeFileSync(
    file,
    `strategy: GENERAL
num_samples: 3
output_path: out.jsonl
inference_config:
  model: {model_name: unused.gguf}
strategy_params:
  input_examples:
    - examples:
        - {question: "${LONG}", answer: "${"漢字".repeat(40)}", source: "a"}
        - {question: "short", answer: "also short", source: "b"}
`,
  );
  const tableLines = (stdout: string) => stdout.split("\n").filter((l) => /^[┌│├└]/.test(l));

  test("not a TTY: 100 columns", async () => {
    const { code, stdout } = await runInProcess(["-c", file, "--no-progress", "--overwrite"], {
      cwd: dir,
    });
    expect(code).toBe(0);
    const lines = tableLines(stdout);
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) expect(Bun.stringWidth(line)).toBeLessThanOrEqual(100);
    expect(Math.max(...lines.map((l) => Bun.stringWidth(l)))).toBe(100); // long cells fill it
  });

  test("not a TTY with COLUMNS=60: 60 columns", async () => {
    const { stdout } = await runInProcess(["-c", file, "--no-progress", "--overwrite"], {
      cwd: dir,
      env: { COLUMNS: "60" },
    });
    const lines = tableLines(stdout);
    for (const line of lines) expect(Bun.stringWidth(line)).toBeLessThanOrEqual(60);
    expect(Math.max(...lines.map((l) => Bun.stringWidth(l)))).toBe(60);
  });

  test("a 160-column TTY: 160 columns, rows on one line each", async () => {
    const out = captureSink();
    const err = captureSink();
    const io: CliIO = {
      stdout: { ...out.sink, write: out.sink.write, isTTY: true, columns: 160 },
      stderr: err.sink,
      env: { NO_COLOR: "1" },
      cwd: dir,
    };
    expect(await runCli(["-c", file, "--no-progress", "--overwrite"], io)).toBe(0);
    const lines = tableLines(out.text);
    for (const line of lines) expect(Bun.stringWidth(line)).toBeLessThanOrEqual(160);
    expect(Math.max(...lines.map((l) => Bun.stringWidth(l)))).toBe(160);
    expect(lines.filter((l) => l.startsWith("│"))).toHaveLength(1 + 3); // header + 3 records
  });
});
