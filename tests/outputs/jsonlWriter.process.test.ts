/**
 * The JSONL writer in a child process that dies: SIGKILL after a timed flush, an uncaught
 * exception, `process.exit` without close. Kept apart from jsonlWriter.test.ts because it
 * spawns executables (not part of `bun run test:unit`).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const dir = mkdtempSync(join(tmpdir(), "synth-jsonl-process-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const freshPath = () => join(dir, `run-${++counter}`, "out.jsonl");
const lines = (path: string) =>
  readFileSync(path, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));

describe("OrderedJsonlWriter in a process that dies", () => {
  test("a killed process keeps every record flushed before the kill", async () => {
    const path = freshPath();
    const script = join(dir, `crash-${counter}.ts`);
    const writerModule = resolve(import.meta.dir, "../../src/outputs/jsonlWriter.ts");
    const clockModule = resolve(import.meta.dir, "../helpers/manualClock.ts");
    writeFileSync(
      script,
      `import { OrderedJsonlWriter } from ${JSON.stringify(writerModule)};
import { ManualClock } from ${JSON.stringify(clockModule)};
const clock = new ManualClock();
const w = await OrderedJsonlWriter.open(${JSON.stringify(path)}, { flushIntervalMs: 20, clock });
for (const i of [1, 0, 2, 4]) w.put(i, { i });
await clock.advance(20); // the flush timer fires: 0-2 are written
console.log("flushed");
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
