import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { OrderedJsonlWriter } from "../../src/outputs/jsonlWriter.ts";
import { pyJsonDumps } from "../../src/python/json.ts";

const dir = mkdtempSync(join(tmpdir(), "synth-jsonl-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const freshPath = () => join(dir, `run-${++counter}`, "out.jsonl");
const lines = (path: string) =>
  readFileSync(path, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A deterministic shuffle (LCG) so the test is reproducible. */
function shuffled(n: number, seed: number): number[] {
  const a = Array.from({ length: n }, (_, i) => i);
  let s = seed;
  for (let i = n - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const j = s % (i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

describe("OrderedJsonlWriter", () => {
  test("writes in index order whatever the put order; null indices leave no line", async () => {
    const path = freshPath();
    const w = await OrderedJsonlWriter.open(path);
    const order = shuffled(500, 7);
    for (const i of order) w.put(i, i % 10 === 3 ? null : { i, text: `record ${i}` });
    const summary = await w.close();
    const expected = Array.from({ length: 500 }, (_, i) => i).filter((i) => i % 10 !== 3);
    expect(lines(path).map((r) => r.i)).toEqual(expected);
    expect(summary).toEqual({ written: 450, skipped: 50, missing: [] });
  });

  test("lines use Python's JSON formatting and end with a newline", async () => {
    const path = freshPath();
    const w = await OrderedJsonlWriter.open(path);
    w.put(0, { a: 1, b: ["é"] });
    await w.close();
    expect(readFileSync(path, "utf8")).toBe('{"a": 1, "b": ["é"]}\n');
  });

  test("creates parent folders and overwrites an existing file", async () => {
    const path = freshPath();
    const first = await OrderedJsonlWriter.open(path);
    first.put(0, { old: true });
    first.put(1, { old: true });
    await first.close();
    const second = await OrderedJsonlWriter.open(path);
    second.put(0, { fresh: true });
    await second.close();
    expect(lines(path)).toEqual([{ fresh: true }]);
  });

  test("honours firstIndex", async () => {
    const path = freshPath();
    const w = await OrderedJsonlWriter.open(path, { firstIndex: 10 });
    w.put(11, { i: 11 });
    w.put(10, { i: 10 });
    expect(() => w.put(9, { i: 9 })).toThrow(RangeError);
    await w.close();
    expect(lines(path)).toEqual([{ i: 10 }, { i: 11 }]);
  });

  test("rejects an index put twice and puts after close", async () => {
    const w = await OrderedJsonlWriter.open(freshPath());
    w.put(0, { a: 1 });
    w.put(2, { a: 3 });
    expect(() => w.put(0, { a: 1 })).toThrow(RangeError);
    expect(() => w.put(2, { a: 1 })).toThrow(RangeError);
    expect(() => w.put(1.5, { a: 1 })).toThrow(RangeError);
    await w.close();
    expect(() => w.put(1, { a: 2 })).toThrow(/closed/);
  });

  test("a record that cannot be serialised stops the writer with a clear error", async () => {
    const path = freshPath();
    const w = await OrderedJsonlWriter.open(path, { flushIntervalMs: 60_000 });
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    w.put(0, { ok: true });
    w.put(1, circular); // kept as it is; serialised with its chunk
    let message = "";
    await w.close().catch((e: Error) => (message = e.message));
    expect(message).toContain(`Cannot write to "${path}"`);
    expect(message).toContain("Cannot serialise record 1 of the chunk");
  });

  test("records are serialised with their chunk: BigInts, Python floats and final lines mix", async () => {
    const path = freshPath();
    const w = await OrderedJsonlWriter.open(path, { flushIntervalMs: 60_000 });
    const records = [{ a: "x, y: z" }, { big: 2n ** 70n }, { tiny: 1e-7 }, {
      nested: [{ k: null }],
    }];
    records.forEach((r, i) => w.put(i, r));
    await w.close();
    expect(readFileSync(path, "utf8")).toBe(records.map((r) => pyJsonDumps(r) + "\n").join(""));
  });

  test("holds out-of-order records in memory only; the contiguous prefix reaches disk", async () => {
    const path = freshPath();
    const w = await OrderedJsonlWriter.open(path, { flushIntervalMs: 20 });
    w.put(0, { i: 0 });
    w.put(2, { i: 2 });
    w.put(3, { i: 3 });
    expect(w.waitingCount).toBe(2);
    await sleep(80);
    expect(lines(path)).toEqual([{ i: 0 }]);
    expect(w.written).toBe(1);
    w.put(1, { i: 1 });
    expect(w.waitingCount).toBe(0);
    await w.flush();
    expect(lines(path).map((r) => r.i)).toEqual([0, 1, 2, 3]);
    await w.close();
  });

  test("records are on disk after one flush interval without close", async () => {
    const path = freshPath();
    const w = await OrderedJsonlWriter.open(path, { flushIntervalMs: 30 });
    w.put(0, { i: 0 });
    w.put(1, { i: 1 });
    expect(readFileSync(path, "utf8")).toBe("");
    await sleep(120);
    expect(lines(path)).toEqual([{ i: 0 }, { i: 1 }]);
    await w.close();
  });

  test("flushRecords writes without waiting for the timer", async () => {
    const path = freshPath();
    const w = await OrderedJsonlWriter.open(path, { flushIntervalMs: 60_000, flushRecords: 3 });
    for (let i = 0; i < 7; i++) w.put(i, { i });
    expect(lines(path).length).toBe(6);
    expect(w.buffered).toBe(1);
    await w.close();
    expect(lines(path).length).toBe(7);
  });

  test("close writes records waiting behind a gap and reports the gap", async () => {
    const path = freshPath();
    const w = await OrderedJsonlWriter.open(path);
    w.put(0, { i: 0 });
    w.put(3, { i: 3 });
    w.put(5, { i: 5 });
    const summary = await w.close();
    expect(lines(path).map((r) => r.i)).toEqual([0, 3, 5]);
    expect(summary).toEqual({ written: 3, skipped: 0, missing: [1, 2, 4] });
    expect(await w.close()).toEqual({ written: 3, skipped: 0, missing: [] });
  });

  test("a killed process keeps every record flushed before the kill", async () => {
    const path = freshPath();
    const script = join(dir, `crash-${counter}.ts`);
    const writerModule = resolve(import.meta.dir, "../../src/outputs/jsonlWriter.ts");
    writeFileSync(
      script,
      `import { OrderedJsonlWriter } from ${JSON.stringify(writerModule)};
const w = await OrderedJsonlWriter.open(${JSON.stringify(path)}, { flushIntervalMs: 20 });
for (const i of [1, 0, 2, 4]) w.put(i, { i });
setTimeout(() => console.log("flushed"), 150);
setInterval(() => {}, 1000);
`,
    );
    const child = Bun.spawn([process.execPath, script], { stdout: "pipe", stderr: "inherit" });
    const reader = child.stdout.getReader();
    let out = "";
    while (!out.includes("flushed")) {
      const { value, done } = await reader.read();
      if (done) break;
      out += new TextDecoder().decode(value);
    }
    child.kill("SIGKILL");
    await child.exited;
    expect(out).toContain("flushed");
    expect(existsSync(path)).toBe(true);
    // 0-2 are contiguous and were flushed; 4 waited for 3 and died with the process.
    expect(readFileSync(path, "utf8")).toBe('{"i": 0}\n{"i": 1}\n{"i": 2}\n');
  });

  test("an uncaught exception still writes the buffered records", async () => {
    const path = freshPath();
    const script = join(dir, `throw-${counter}.ts`);
    const writerModule = resolve(import.meta.dir, "../../src/outputs/jsonlWriter.ts");
    writeFileSync(
      script,
      `import { OrderedJsonlWriter } from ${JSON.stringify(writerModule)};
const w = await OrderedJsonlWriter.open(${JSON.stringify(path)}, { flushIntervalMs: 60000 });
w.put(0, { i: 0 });
w.put(1, { i: 1 });
throw new Error("boom");
`,
    );
    const child = Bun.spawn([process.execPath, script], { stdout: "ignore", stderr: "ignore" });
    expect(await child.exited).not.toBe(0);
    expect(readFileSync(path, "utf8")).toBe('{"i": 0}\n{"i": 1}\n');
  });
});

describe("OrderedJsonlWriter crash safety", () => {
  test("a process that exits right after a put still has every handed-over line", () => {
    const path = freshPath();
    const script = `
      import { OrderedJsonlWriter } from ${
      JSON.stringify(import.meta.dir + "/../../src/outputs/jsonlWriter.ts")
    };
      const w = await OrderedJsonlWriter.open(${JSON.stringify(path)}, { flushRecords: 2 });
      for (let i = 0; i < 9; i++) w.put(i, { i, text: "x".repeat(1000) });
      process.exit(3); // no close: the exit hook writes what is buffered
    `;
    const proc = Bun.spawnSync({ cmd: [process.execPath, "-e", script], stderr: "pipe" });
    expect(proc.exitCode).toBe(3);
    expect(lines(path).map((r) => (r as { i: number }).i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });
});
