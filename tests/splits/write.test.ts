/**
 * Splitting a finished JSONL file (recipes.md §5): every line lands in its group's split, in file
 * order, bytes unchanged; with a record key the value is written (cut from the line, or
 * re-serialised for records with other keys); a count mismatch is an error and leaves no file.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeSplits } from "../../src/splits/write.ts";

const dir = mkdtempSync(join(tmpdir(), "synth-split-write-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const read = (file: string) => readFileSync(file, "utf8");

describe("writeSplits", () => {
  test("lines keep their bytes and order; groups stay together", async () => {
    // 12 records over 4 input rows (record i uses row i mod 4); the last line lacks its newline
    const lines = Array.from(
      { length: 12 },
      (_, i) => `{"row": ${i % 4}, "i": ${i}, "text": "caf\u00e9 \\u00e9 ${"x".repeat(i * 50)}"}`,
    );
    writeFileSync(join(dir, "a.jsonl"), lines.join("\n"));
    const result = await writeSplits({
      jsonlPath: join(dir, "a.jsonl"),
      folder: join(dir, "a"),
      indices: lines.map((_, i) => i),
      groupOf: (i) => i % 4,
      shares: { train: 0.5, validation: 0.25, test: 0.25 },
      seed: 11,
    });
    expect(result.groups).toBe(4);
    expect(result.files.map((f) => [f.split, f.records, f.groups])).toEqual([
      ["train", 6, 2],
      ["validation", 3, 1],
      ["test", 3, 1],
    ]);
    const got = result.files.map((f) => read(join(dir, "a", f.path)).split("\n").slice(0, -1));
    for (const file of got) {
      // file order kept, rows never shared between files
      const is = file.map((l) => JSON.parse(l).i);
      expect(is).toEqual([...is].sort((x, y) => x - y));
    }
    const rows = got.map((file) => new Set(file.map((l) => JSON.parse(l).row)));
    expect(rows.flatMap((r) => [...r]).sort()).toEqual([0, 1, 2, 3]);
    expect(got.flat().sort()).toEqual([...lines].sort());
  });

  test("a record key: the value is cut out of single-key records, cut by position otherwise", async () => {
    const lines = [
      '{"conversation": {"messages": [{"content": "\u00e9", "role": "user"}], "metadata": {}}}',
      '{"other": 1, "conversation": {"messages": [], "metadata": {"a": 1.0}}}',
    ];
    writeFileSync(join(dir, "b.jsonl"), lines.join("\n") + "\n");
    const result = await writeSplits({
      jsonlPath: join(dir, "b.jsonl"),
      folder: join(dir, "b"),
      indices: [0, 1],
      groupOf: (i) => i,
      shares: { train: 1, validation: 0, test: 0 },
      seed: 1,
      recordKey: "conversation",
    });
    expect(result.files.map((f) => f.split)).toEqual(["train"]);
    expect(existsSync(join(dir, "b", "data", "validation.jsonl"))).toBe(false);
    expect(read(join(dir, "b", "data", "train.jsonl"))).toBe(
      '{"messages": [{"content": "\u00e9", "role": "user"}], "metadata": {}}\n' +
        '{"messages": [], "metadata": {"a": 1.0}}\n',
    );
  });

  test("a file with fewer records than the run wrote is an error and leaves no split file", async () => {
    writeFileSync(join(dir, "c.jsonl"), '{"a": 1}\n');
    await expect(writeSplits({
      jsonlPath: join(dir, "c.jsonl"),
      folder: join(dir, "c"),
      indices: [0, 1],
      groupOf: (i) => i,
      shares: { train: 0.5, validation: 0.5, test: 0 },
      seed: 1,
    })).rejects.toThrow("it has 1 records, the run wrote 2");
    expect(existsSync(join(dir, "c", "data", "train.jsonl"))).toBe(false);
    expect(existsSync(join(dir, "c", "data", "train.jsonl.partial"))).toBe(false);
  });
});
