/**
 * Shards (issue 12 item 5): three `--shard K/3` processes run at the same time (as a job
 * array would) and `synth merge` joins them into a file equal to the unsharded run's, record
 * for record (per-record randomness, DECISIONS 15: the CHAT conversation_id included). Merge
 * refuses a missing shard and a shard of another config, naming it.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runInProcess, runProcess } from "../cli/helpers.ts";
import { type FakeOpenAI, startFakeOpenAI } from "../helpers/fakeOpenAIServer.ts";
import { remoteConfig } from "./helpers.ts";

const N = 10;
const dir = mkdtempSync(join(tmpdir(), "synth-shards-"));
let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI({ latencyMs: 2 });
  writeFileSync(join(dir, "cfg.yaml"), remoteConfig(fake.url, { n: N, out: "out/data.jsonl" }));
  writeFileSync(join(dir, "whole.yaml"), remoteConfig(fake.url, { n: N, out: "whole.jsonl" }));
});
afterAll(async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

const shardFile = (k: number) => join(dir, "out", `data.shard-${k}-of-3.jsonl`);

describe("--shard K/N and synth merge", () => {
  test("three shard processes at once merge into the unsharded output", async () => {
    const runs = await Promise.all(
      [0, 1, 2].map((k) =>
        runProcess(["-c", "cfg.yaml", "--no-progress", "--shard", `${k}/3`], { cwd: dir })
      ),
    );
    for (const r of runs) expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: 0 });
    const sizes = [0, 1, 2].map((k) => readFileSync(shardFile(k), "utf8").split("\n").length - 1);
    expect(sizes).toEqual([3, 3, 4]);
    const manifest = JSON.parse(
      readFileSync(join(dir, "out", "data.shard-1-of-3.manifest.json"), "utf8"),
    );
    expect(manifest.shard).toEqual({ index: 1, count: 3, start: 3, end: 6 });
    expect(manifest.status).toBe("complete");

    const merged = await runInProcess(["merge", "out/data.jsonl"], { cwd: dir });
    expect(merged.code).toBe(0);
    expect(merged.stdout).toContain(`Merged 3 shards`);
    expect((await runInProcess(["-c", "whole.yaml", "--no-progress"], { cwd: dir })).code).toBe(0);
    const whole = readFileSync(join(dir, "whole.jsonl"), "utf8");
    expect(readFileSync(join(dir, "out", "data.jsonl"), "utf8")).toBe(whole);
    const ids = whole.trim().split("\n").map((l) => JSON.parse(l).conversation.conversation_id);
    expect(new Set(ids).size).toBe(N);
    const mergedManifest = JSON.parse(readFileSync(join(dir, "out", "data.manifest.json"), "utf8"));
    expect(mergedManifest.counts.written).toBe(N);
    expect(mergedManifest.shard).toBeNull();

    // Merging again over the merged file needs --overwrite.
    const again = await runInProcess(["merge", "out/data.jsonl"], { cwd: dir });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("--overwrite");
  }, 120_000);

  test("merge refuses a missing shard, naming it", async () => {
    const other = join(dir, "missing");
    mkdirSync(other, { recursive: true });
    for (const k of [0, 2]) copyFileSync(shardFile(k), join(other, `data.shard-${k}-of-3.jsonl`));
    for (const k of [0, 2]) {
      copyFileSync(
        join(dir, "out", `data.shard-${k}-of-3.manifest.json`),
        join(other, `data.shard-${k}-of-3.manifest.json`),
      );
    }
    const { code, stderr } = await runInProcess(["merge", "missing/data.jsonl"], { cwd: dir });
    expect(code).toBe(3);
    expect(stderr).toContain("shard 1/3 is missing");
    expect(stderr).toContain("--shard 1/3");
  });

  test("merge refuses a shard of another config, naming it and the key", async () => {
    const other = join(dir, "foreign");
    mkdirSync(other, { recursive: true });
    writeFileSync(
      join(other, "cfg.yaml"),
      remoteConfig(fake.url, { n: N, out: "data.jsonl", question: "Quiz me on {topic}." }),
    );
    expect(
      (await runInProcess(["-c", "cfg.yaml", "--no-progress", "--shard", "1/3"], { cwd: other }))
        .code,
    ).toBe(0);
    for (const k of [0, 2]) {
      copyFileSync(shardFile(k), join(other, `data.shard-${k}-of-3.jsonl`));
      copyFileSync(
        join(dir, "out", `data.shard-${k}-of-3.manifest.json`),
        join(other, `data.shard-${k}-of-3.manifest.json`),
      );
    }
    const { code, stderr } = await runInProcess(["merge", "data.jsonl"], { cwd: other });
    expect(code).toBe(3);
    expect(stderr).toContain("shard 1/3");
    expect(stderr).toContain("from another run");
    expect(stderr).toContain("instruction_messages[0].content");
  });

  test("--shard rejects K outside 0..N-1", async () => {
    const { code, stderr } = await runInProcess(
      ["-c", "cfg.yaml", "--no-progress", "--shard", "3/3"],
      { cwd: dir },
    );
    expect(code).toBe(2);
    expect(stderr).toContain("K counted from 0");
  });
});
