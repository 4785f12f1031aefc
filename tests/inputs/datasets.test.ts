/**
 * Dataset readers on real files made at test time (§5.2, §20.6; issue 3): every format, value
 * types, globs, attribute_map, hf: cache resolution, and bad input.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parquetWriteBuffer } from "hyparquet-writer";
import { readDatasetFile, readDatasetSource, storageOf } from "../../src/inputs/datasets/source.ts";
import { InputError } from "../../src/errors.ts";
import { allRows } from "../../src/plan/rowList.ts";
import { makeXlsx, put } from "./fixtures.ts";

const dir = mkdtempSync(join(tmpdir(), "synth-datasets-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const where = { cwd: dir, env: { HF_HUB_CACHE: join(dir, "hub") } };

async function inputError(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as Error).message;
  }
  throw new Error("expected an InputError");
}

describe("JSONL and JSON", () => {
  test("rows keep JSON types; 64-bit integers stay exact; unicode", async () => {
    const file = put(
      join(dir, "a.jsonl"),
      '{"id": 1, "big": 12345678901234567890, "f": 1.5, "ok": true, "n": null, "t": "日本 😀", "nested": {"k": [1, 2]}}\n\n{"id": 2, "big": 3, "f": 2.0, "ok": false, "n": null, "t": "x", "nested": {}}\n',
    );
    const rows = (await readDatasetFile(file)).toArray();
    expect(rows).toHaveLength(2);
    expect(rows[0]).toEqual({
      id: 1,
      big: 12345678901234567890n,
      f: 1.5,
      ok: true,
      n: null,
      t: "日本 😀",
      nested: { k: [1, 2] },
    });
    expect(rows[1].big).toBe(3);
  });

  test("__proto__ and constructor keys are plain fields, prototypes untouched", async () => {
    const file = put(
      join(dir, "proto.jsonl"),
      '{"__proto__": {"polluted": 1}, "constructor": {"prototype": {"x": 1}}, "a": 1}\n',
    );
    const [row] = (await readDatasetFile(file)).toArray();
    expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
    expect(Object.keys(row)).toEqual(["__proto__", "constructor", "a"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const source = await readDatasetSource(
      { path: "proto.jsonl", attribute_map: JSON.parse('{"__proto__": "p", "a": "constructor"}') },
      where,
    );
    const projected = allRows(source.source.rows)[0];
    expect(Object.getPrototypeOf(projected)).toBe(Object.prototype);
    expect(projected.p).toEqual({ polluted: 1 });
    expect(Object.getOwnPropertyDescriptor(projected, "constructor")?.value).toBe(1);
  });

  test("__proto__ and constructor headers in CSV, XLSX and Parquet stay plain fields", async () => {
    put(join(dir, "proto.csv"), "__proto__,constructor\nx,y\n");
    put(join(dir, "proto.xlsx"), await makeXlsx({ S: [["__proto__", "constructor"], ["x", "y"]] }));
    put(
      join(dir, "proto.parquet"),
      new Uint8Array(parquetWriteBuffer({
        columnData: [
          { name: "__proto__", data: ["x"], type: "STRING" },
          { name: "constructor", data: [{ prototype: "y" }] },
        ],
      })),
    );
    for (const name of ["proto.csv", "proto.xlsx", "proto.parquet"]) {
      const [row] = (await readDatasetFile(join(dir, name))).toArray();
      expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
      expect(Object.keys(row)).toEqual(["__proto__", "constructor"]);
      expect(Object.getOwnPropertyDescriptor(row, "__proto__")?.value).toBe("x");
    }
    expect(({} as Record<string, unknown>).prototype).toBeUndefined();
  });

  test("a JSON array of rows and pandas' column orientation", async () => {
    put(join(dir, "rows.json"), '[{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]');
    put(join(dir, "cols.json"), '{"a": {"0": 1, "1": 2}, "b": {"0": "x", "1": "y"}}');
    expect((await readDatasetFile(join(dir, "rows.json"))).toArray()).toEqual([{ a: 1, b: "x" }, {
      a: 2,
      b: "y",
    }]);
    expect((await readDatasetFile(join(dir, "cols.json"))).toArray()).toEqual([{ a: 1, b: "x" }, {
      a: 2,
      b: "y",
    }]);
  });

  test("a line that is not JSON names the file and the line", async () => {
    put(join(dir, "bad.jsonl"), '{"a": 1}\n{"a": 2}\n{"a": \n');
    const message = await inputError(readDatasetSource({ path: "bad.jsonl" }, where));
    expect(message).toContain('"bad.jsonl"');
    expect(message).toContain("line 3 is not valid JSON");
    put(join(dir, "arr.jsonl"), "[1, 2]\n");
    expect(await inputError(readDatasetSource({ path: "arr.jsonl" }, where))).toContain(
      "line 1 is not a JSON object",
    );
  });
});

describe("CSV and TSV", () => {
  test("quotes, embedded newlines, BOM, unicode; empty cells are empty strings", async () => {
    const file = put(
      join(dir, "q.csv"),
      '\uFEFFid,text,score,zip\n1,"He said ""hi""\nand left",0.5,01234\n2,ünï ✓,,00042\n3,"a,b",2,\n',
    );
    const rows = (await readDatasetFile(file)).toArray();
    expect(rows).toEqual([
      { id: 1, text: 'He said "hi"\nand left', score: 0.5, zip: "01234" },
      { id: 2, text: "ünï ✓", score: "", zip: "00042" },
      { id: 3, text: "a,b", score: 2, zip: "" },
    ]);
    for (const row of rows) for (const v of Object.values(row)) expect(Number.isNaN(v)).toBe(false);
  });

  test("TSV with tabs; 64-bit integers stay exact; duplicate headers renamed like pandas", async () => {
    const file = put(join(dir, "t.tsv"), "a\ta\tbig\nx\ty\t9007199254740993\n");
    expect((await readDatasetFile(file)).toArray()).toEqual([{
      a: "x",
      "a.1": "y",
      big: 9007199254740993n,
    }]);
  });

  test("a row with too many cells names the row", async () => {
    put(join(dir, "wide.csv"), "a,b\n1,2\n3,4,5\n");
    const message = await inputError(readDatasetSource({ path: "wide.csv" }, where));
    expect(message).toBe('Cannot read dataset "wide.csv": row 3 has 3 cells but the header has 2');
  });
});

describe("Parquet", () => {
  test("nested list and struct columns, INT64, unicode", async () => {
    const buffer = parquetWriteBuffer({
      columnData: [
        { name: "id", data: [1n, 9007199254740993n], type: "INT64" },
        { name: "tags", data: [["a", "b"], []] },
        { name: "meta", data: [{ x: 1, y: "ü" }, { x: 2, y: "v" }] },
        { name: "text", data: ["héllo\nworld", "日本"], type: "STRING" },
      ],
    });
    const file = put(join(dir, "n.parquet"), new Uint8Array(buffer));
    expect((await readDatasetFile(file)).toArray()).toEqual([
      { id: 1, tags: ["a", "b"], meta: { x: 1, y: "ü" }, text: "héllo\nworld" },
      { id: 9007199254740993n, tags: [], meta: { x: 2, y: "v" }, text: "日本" },
    ]);
  });

  test("several row groups: rows in order, every column of every group", async () => {
    const n = 7;
    const buffer = parquetWriteBuffer({
      columnData: [
        { name: "i", data: Array.from({ length: n }, (_, i) => i), type: "INT32" },
        { name: "s", data: Array.from({ length: n }, (_, i) => `row ${i}`), type: "STRING" },
        { name: "m", data: Array.from({ length: n }, (_, i) => ({ k: [i, i + 1] })) },
      ],
      rowGroupSize: 3,
    });
    const file = put(join(dir, "groups.parquet"), new Uint8Array(buffer));
    expect((await readDatasetFile(file)).toArray()).toEqual(
      Array.from({ length: n }, (_, i) => ({ i, s: `row ${i}`, m: { k: [i, i + 1] } })),
    );
  });

  test("text columns: BOM, invalid UTF-8 bytes, nulls, unicode read as hyparquet decodes them", async () => {
    const bytes = (...b: number[]) => new Uint8Array(b);
    const buffer = parquetWriteBuffer({
      columnData: [
        { name: "s", data: ["\ufeffbom", "日本 😀", null, "", "plain"], type: "STRING" },
        {
          name: "raw",
          data: [bytes(0xff, 0x41), bytes(0xef, 0xbb, 0xbf, 0x42), null, bytes(), bytes(0x43)],
          type: "BYTE_ARRAY",
        },
      ],
    });
    const file = put(join(dir, "text.parquet"), new Uint8Array(buffer));
    const { parquetReadObjects } = await import("hyparquet");
    const expected = (await parquetReadObjects({ file: buffer })).map((row) => ({
      s: row.s ?? null,
      raw: row.raw ?? null,
    }));
    expect(expected[0]).toEqual({ s: "bom", raw: "\ufffdA" });
    expect((await readDatasetFile(file)).toArray()).toEqual(expected);
  });

  test("a truncated file is refused with the file name", async () => {
    const buffer = new Uint8Array(
      parquetWriteBuffer({ columnData: [{ name: "a", data: [1, 2, 3], type: "INT32" }] }),
    );
    put(join(dir, "cut.parquet"), buffer.subarray(0, buffer.length - 10));
    const message = await inputError(readDatasetSource({ path: "cut.parquet" }, where));
    expect(message).toStartWith('Cannot read dataset "cut.parquet": not a readable Parquet file');
  });
});

describe("XLSX", () => {
  test("every sheet concatenated in workbook order, columns unioned, types kept", async () => {
    put(
      join(dir, "book.xlsx"),
      await makeXlsx({
        First: [["q", "n"], ["¿qué?", 1], ["line\nbreak", 2.5]],
        Second: [["q", "extra"], ["x", true]],
        Empty: [],
      }),
    );
    const { source, report } = await readDatasetSource({ path: "book.xlsx" }, where);
    expect(allRows(source.rows)).toEqual([
      { q: "¿qué?", n: 1, extra: "" },
      { q: "line\nbreak", n: 2.5, extra: "" },
      { q: "x", n: "", extra: true },
    ]);
    expect(report.attributes).toEqual(["q", "n", "extra"]);
  });

  test("a corrupt workbook and a non-zip file are refused", async () => {
    const good = await makeXlsx({ S: [["a"], [1]] });
    put(join(dir, "corrupt.xlsx"), good.subarray(0, good.length / 2));
    put(join(dir, "text.xlsx"), "a,b\n1,2\n");
    expect(await inputError(readDatasetSource({ path: "corrupt.xlsx" }, where))).toStartWith(
      'Cannot read dataset "corrupt.xlsx": not a valid XLSX workbook',
    );
    expect(await inputError(readDatasetSource({ path: "text.xlsx" }, where))).toBe(
      'Cannot read dataset "text.xlsx": not a valid XLSX workbook: not a zip archive',
    );
  });
});

describe("paths, globs and attribute_map", () => {
  test("** globs are recursive and sorted; files are concatenated in that order", async () => {
    mkdirSync(join(dir, "g", "b", "deep"), { recursive: true });
    mkdirSync(join(dir, "g", "a"), { recursive: true });
    put(join(dir, "g", "b", "deep", "3.jsonl"), '{"v": 3}\n');
    put(join(dir, "g", "a", "1.jsonl"), '{"v": 1}\n');
    put(join(dir, "g", "b", "2.jsonl"), '{"v": 2}\n');
    const { source, report } = await readDatasetSource({ path: "g/**/*.jsonl" }, where);
    expect(allRows(source.rows).map((r) => r.v)).toEqual([1, 2, 3]);
    expect(report.files.map((f) => f.slice(dir.length + 1))).toEqual([
      "g/a/1.jsonl",
      "g/b/2.jsonl",
      "g/b/deep/3.jsonl",
    ]);
    const flat = await readDatasetSource({ path: "g/b/*.jsonl" }, where);
    expect(allRows(flat.source.rows)).toEqual([{ v: 2 }]);
  });

  test("attribute_map keeps only mapped columns, renamed, values unchanged", async () => {
    put(join(dir, "m.jsonl"), '{"a": 1, "b": "x", "c": 3}\n');
    const { source } = await readDatasetSource(
      { path: "m.jsonl", attribute_map: { c: "new_c", a: "new_a" } },
      where,
    );
    expect(allRows(source.rows)).toEqual([{ new_c: 3, new_a: 1 }]);
    expect(Object.keys(allRows(source.rows)[0])).toEqual(["new_c", "new_a"]);
    const message = await inputError(
      readDatasetSource({ path: "m.jsonl", attribute_map: { missing: "x" } }, where),
    );
    expect(message).toContain('row 1 has no column "missing"');
  });

  test("relative paths fall back to the config folder", async () => {
    mkdirSync(join(dir, "cfg", "data"), { recursive: true });
    put(join(dir, "cfg", "data", "x.csv"), "a\n1\n");
    const { source } = await readDatasetSource({ path: "data/x.csv" }, {
      ...where,
      configDir: join(dir, "cfg"),
    });
    expect(allRows(source.rows)).toEqual([{ a: 1 }]);
  });

  test("missing file, empty glob, empty dataset, unsupported suffix, oumi:", async () => {
    expect(await inputError(readDatasetSource({ path: "nope.jsonl" }, where))).toStartWith(
      'Cannot read dataset "nope.jsonl": file does not exist',
    );
    expect(await inputError(readDatasetSource({ path: "none/*.csv" }, where))).toStartWith(
      'Cannot read dataset "none/*.csv": the pattern matches no files',
    );
    put(join(dir, "empty.jsonl"), "\n");
    expect(await inputError(readDatasetSource({ path: "empty.jsonl" }, where))).toBe(
      "Dataset source 'empty.jsonl' is empty. Please check the file or apply different filters.",
    );
    expect(await inputError(readDatasetSource({ path: "data/file.txt" }, where))).toBe(
      "Invalid path: data/file.txt",
    );
    expect(await inputError(readDatasetSource({ path: "oumi:123" }, where))).toBe(
      "Oumi storage type is not supported in open source.",
    );
    expect([storageOf("hf:a/b"), storageOf("oumi:1"), storageOf("data/x.csv")]).toEqual([
      "hf",
      "oumi",
      "local",
    ]);
  });
});

describe("hf: datasets from the local Hugging Face cache", () => {
  const repo = join(dir, "hub", "datasets--acme--qa");
  const hash = "a".repeat(40);
  const other = "b".repeat(40);
  mkdirSync(join(repo, "refs"), { recursive: true });
  mkdirSync(join(repo, "snapshots", hash, "data"), { recursive: true });
  mkdirSync(join(repo, "snapshots", other), { recursive: true });
  writeFileSync(join(repo, "refs", "main"), hash);
  writeFileSync(join(repo, "refs", "v1"), other);
  writeFileSync(
    join(repo, "snapshots", hash, "data", "train-00000-of-00001.jsonl"),
    '{"q": "main"}\n',
  );
  writeFileSync(
    join(repo, "snapshots", hash, "data", "test-00000-of-00001.jsonl"),
    '{"q": "test"}\n',
  );
  writeFileSync(join(repo, "snapshots", other, "train.csv"), "q\nv1\n");

  test("split and revision select the files", async () => {
    const main = await readDatasetSource({ path: "hf:acme/qa", hf_split: "train" }, where);
    expect(allRows(main.source.rows)).toEqual([{ q: "main" }]);
    const test2 = await readDatasetSource({ path: "hf:acme/qa", hf_split: "test" }, where);
    expect(allRows(test2.source.rows)).toEqual([{ q: "test" }]);
    const v1 = await readDatasetSource(
      { path: "hf:acme/qa", hf_split: "train", hf_revision: "v1" },
      where,
    );
    expect(allRows(v1.source.rows)).toEqual([{ q: "v1" }]);
  });

  test("HF_HOME is honoured; a dataset not in the cache names the cache and the command", async () => {
    const viaHome = await readDatasetSource(
      { path: "hf:acme/qa", hf_split: "train" },
      { cwd: dir, env: { HF_HOME: dir } },
    );
    expect(allRows(viaHome.source.rows)).toEqual([{ q: "main" }]);
    const message = await inputError(
      readDatasetSource({ path: "hf:acme/missing", hf_split: "train" }, where),
    );
    expect(message).toContain(join(dir, "hub"));
    expect(message).toContain("huggingface-cli download acme/missing --repo-type dataset");
    expect(await inputError(readDatasetSource({ path: "hf:acme/qa" }, where))).toContain(
      "hf_split is required",
    );
    expect(await inputError(readDatasetSource({ path: "hf:acme/qa", hf_split: "dev" }, where)))
      .toContain(
        'split "dev" has no data files',
      );
  });
});
