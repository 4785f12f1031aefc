/**
 * Issue 14 item 6: a run with a quality gate that is interrupted (SIGKILL mid-write via
 * SYNTH_TEST_CRASH) or extended, then resumed, writes the same records and rejected decisions
 * as the uninterrupted run; `count: accepted` across a resume writes exactly num_samples; a
 * dedup attribute dropped by passthrough_attributes refuses the resume (exit 2). Three shards
 * whose records duplicate across shards merge (`synth merge`) into the unsharded run's output,
 * the cross-shard duplicates removed and reported.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FakeOpenAI, startFakeOpenAI } from "../helpers/fakeOpenAIServer.ts";
import { runInProcess, runProcess } from "../cli/helpers.ts";
import { answerConfig, fakeServerArgs } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "synth-quality-resume-"));
let fake: FakeOpenAI;
let slow: FakeOpenAI;

beforeAll(async () => {
  // "Write answer <n>" → a text that repeats every 3 values of n (exact duplicates) and, for
  // n ≥ 12, a near duplicate of n - 12 (one word changed in twenty).
  const reply = ({ body }: { body: Record<string, unknown> }) => {
    const text = String((body.messages as { content: string }[]).at(-1)!.content);
    const n = Number(/(\d+)/.exec(text)?.[1]);
    const words = Array.from({ length: 20 }, (_, i) => `w${(n % 12) * 31 + i}`);
    if (n >= 12) words[19] = "changed";
    return n % 5 === 4 ? `Repeat ${n % 3}` : words.join(" ");
  };
  fake = await startFakeOpenAI({ reply });
  // Slow enough that the output is flushed (every 200 ms) before the kill.
  slow = await startFakeOpenAI({ reply, latencyMs: 40 });
});
afterAll(async () => {
  await fake?.close();
  await slow?.close();
  rmSync(dir, { recursive: true, force: true });
});

const config = (n: number, out: string, quality: string) => answerConfig(n, out, 40, quality);

const DEDUP = `quality:
  deduplicate:
    - {attributes: [answer], method: exact}
    - {attributes: [answer], method: near, threshold: 0.8, shingle_words: 2}
`;

const remote = (extra: string[] = [], server = fake) =>
  fakeServerArgs(server.url, ["--inference_config.remote_params.num_workers", "1", ...extra]);

const read = (path: string) => existsSync(path) ? readFileSync(path, "utf8") : "";
/** Rejected decisions, with the duplicate's line and plan index (from the journal on a resume). */
const decisions = (path: string) =>
  read(path).trim().split("\n").filter(Boolean).map((line) => JSON.parse(line));

async function straight(name: string, n: number, quality: string) {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, config(n, `${name}.jsonl`, quality));
  const { code } = await runInProcess(["-c", file, ...remote()], { cwd: dir });
  expect(code).toBe(0);
  return {
    out: read(join(dir, `${name}.jsonl`)),
    rejected: decisions(join(dir, `${name}.rejected.jsonl`)),
  };
}

describe("quality gate across --resume", () => {
  test("a run killed mid-write then resumed decides as the uninterrupted run", async () => {
    const want = await straight("whole", 30, DEDUP);
    expect(want.rejected.length).toBeGreaterThan(5);
    expect(want.rejected.some((r) => r.reason === "near_duplicate")).toBe(true);
    const file = join(dir, "killed.yaml");
    writeFileSync(file, config(30, "killed.jsonl", DEDUP));
    const killed = await runProcess(["-c", file, ...remote([], slow)], {
      cwd: dir,
      env: { SYNTH_TEST_CRASH: "journal:20" },
    });
    expect(killed.signal).toBe("SIGKILL");
    // Part of the output and of the rejected decisions were written before the kill.
    const part = read(join(dir, "killed.jsonl"));
    expect(part.length).toBeGreaterThan(0);
    expect(part.length).toBeLessThan(want.out.length);
    const resumed = await runInProcess(["-c", file, ...remote(["--resume"])], { cwd: dir });
    expect(resumed.code).toBe(0);
    expect(read(join(dir, "killed.jsonl"))).toBe(want.out);
    expect(decisions(join(dir, "killed.rejected.jsonl"))).toEqual(want.rejected);
  });

  test("an extended run (resume with a larger num_samples) decides as one run", async () => {
    const want = await straight("long", 36, DEDUP);
    const file = join(dir, "ext.yaml");
    writeFileSync(file, config(14, "ext.jsonl", DEDUP));
    expect((await runInProcess(["-c", file, ...remote()], { cwd: dir })).code).toBe(0);
    writeFileSync(file, config(36, "ext.jsonl", DEDUP));
    expect((await runInProcess(["-c", file, ...remote(["--resume"])], { cwd: dir })).code).toBe(0);
    expect(read(join(dir, "ext.jsonl"))).toBe(want.out);
    expect(decisions(join(dir, "ext.rejected.jsonl"))).toEqual(want.rejected);
  });

  test("count: accepted across a resume writes exactly num_samples, as one run does", async () => {
    const accepted = DEDUP + "  count: accepted\n  max_candidates: 4\n";
    const want = await straight("acc", 9, accepted);
    expect(want.out.trim().split("\n")).toHaveLength(9);
    const file = join(dir, "acc2.yaml");
    writeFileSync(file, config(4, "acc2.jsonl", accepted));
    expect((await runInProcess(["-c", file, ...remote()], { cwd: dir })).code).toBe(0);
    writeFileSync(file, config(9, "acc2.jsonl", accepted));
    expect((await runInProcess(["-c", file, ...remote(["--resume"])], { cwd: dir })).code).toBe(0);
    const out = read(join(dir, "acc2.jsonl"));
    expect(out.trim().split("\n")).toHaveLength(9);
    expect(out).toBe(want.out);
    expect(decisions(join(dir, "acc2.rejected.jsonl"))).toEqual(want.rejected);
  });

  test("a dedup attribute dropped by passthrough_attributes refuses the resume (exit 2)", async () => {
    const file = join(dir, "drop.yaml");
    const drop = (n: number) =>
      config(n, "drop.jsonl", DEDUP).replace(
        "strategy_params:\n",
        "strategy_params:\n  passthrough_attributes: [n]\n",
      );
    writeFileSync(file, drop(6));
    expect((await runInProcess(["-c", file, ...remote()], { cwd: dir })).code).toBe(0);
    const before = read(join(dir, "drop.jsonl"));
    writeFileSync(file, drop(12));
    const { code, stderr } = await runInProcess(["-c", file, ...remote(["--resume"])], {
      cwd: dir,
    });
    expect(code).toBe(2);
    expect(stderr).toContain("passthrough_attributes");
    expect(read(join(dir, "drop.jsonl"))).toBe(before);
  });
});

describe("synth merge with quality.deduplicate", () => {
  test("cross-shard duplicates are removed, reported, and the result is the unsharded run's", async () => {
    const want = await straight("unsharded", 30, DEDUP);
    const file = join(dir, "sharded.yaml");
    writeFileSync(file, config(30, "m/data.jsonl", DEDUP));
    for (const k of [0, 1, 2]) {
      const r = await runInProcess(["-c", file, ...remote(["--shard", `${k}/3`])], { cwd: dir });
      expect(r.code).toBe(0);
    }
    const shardLines = [0, 1, 2].map((k) =>
      read(join(dir, "m", `data.shard-${k}-of-3.jsonl`)).trim().split("\n").length
    );
    const wantLines = want.out.trim().split("\n").length;
    const removed = shardLines.reduce((a, b) => a + b) - wantLines;
    expect(removed).toBeGreaterThan(3);
    const merged = await runInProcess(["merge", "m/data.jsonl"], { cwd: dir });
    expect(merged.code).toBe(0);
    expect(merged.stdout).toContain(`Removed ${removed} duplicates across shards`);
    expect(read(join(dir, "m", "data.jsonl"))).toBe(want.out);
    const rejected = decisions(join(dir, "m", "data.rejected.jsonl"));
    expect(rejected).toHaveLength(want.rejected.length);
    const cross = rejected.filter((r) => r.shard !== undefined);
    expect(cross).toHaveLength(removed);
    const out = want.out.trim().split("\n").map((l) => JSON.parse(l));
    for (const r of cross) {
      expect(r.shard).toBeGreaterThan(0);
      expect(["exact_duplicate", "near_duplicate"]).toContain(r.reason);
      expect(r.similarity).toBeGreaterThanOrEqual(0.8);
      // The merged line it duplicates is an earlier record of the merged file.
      expect(out[r.duplicate_of_line - 1]).toBeDefined();
    }
    const manifest = JSON.parse(read(join(dir, "m", "data.manifest.json")));
    expect(manifest.counts.written).toBe(wantLines);
  });
});
