/**
 * Ctrl-C (issue 11 item 10, issue 12 item 3): the first SIGINT lets the requests in flight
 * finish and keeps their answers, stdout says the run was interrupted, how many records are
 * kept and the exact command that continues it (no "Successfully synthesized"); running that
 * command finishes the file without paying for anything twice. A second SIGINT stops at once.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ROOT, runInProcess, runProcess } from "../cli/helpers.ts";
import { startFakeOpenAI } from "../helpers/fakeOpenAIServer.ts";
import { journaledResponses, remoteConfig } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "synth-interrupt-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Resolves once `condition()` holds, checking every 20 ms. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await Bun.sleep(20);
}

function start(argv: string[]) {
  return Bun.spawn([process.execPath, resolve(ROOT, "main.ts"), ...argv], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: "1" },
    stdout: "pipe",
    stderr: "pipe",
  });
}

test(
  "Ctrl-C drains the requests in flight and prints the command that continues the run",
  async () => {
    const N = 8;
    const fake = await startFakeOpenAI({ latencyMs: 300 });
    try {
      writeFileSync(join(dir, "ref.yaml"), remoteConfig(fake.url, { n: N, out: "ref.jsonl" }));
      writeFileSync(
        join(dir, "cfg.yaml"),
        remoteConfig(fake.url, { n: N, out: "out.jsonl", workers: 2 }),
      );
      expect((await runInProcess(["-c", "ref.yaml", "--no-progress"], { cwd: dir })).code).toBe(0);
      const base = fake.chatRequests.length;

      const proc = start(["-c", "cfg.yaml", "--no-progress"]);
      await until(() => fake.chatRequests.length >= base + 3);
      proc.kill("SIGINT");
      const [stdout, stderr] = await Promise.all([
        new Response(proc.stdout).text(),
        new Response(proc.stderr).text(),
      ]);
      expect(await proc.exited).toBe(130);
      expect(stderr).toContain("finishing the requests in flight");
      expect(stdout).not.toContain("Successfully synthesized");
      const kept = /Interrupted: (\d+) of 8 records are kept in (\S+)/.exec(stdout);
      expect(kept?.[2]).toBe(join(dir, "out.jsonl"));
      const written = readFileSync(join(dir, "out.jsonl"), "utf8").split("\n").length - 1;
      expect(Number(kept?.[1])).toBe(written);
      // Drained: every answer the server gave is in the journal.
      expect(journaledResponses(join(dir, "out.journal.jsonl"))).toBe(
        fake.chatRequests.length - base,
      );

      const command = /To continue this run, run: (.+)/.exec(stdout)?.[1] ?? "";
      expect(command).toBe("bun main.ts -c cfg.yaml --no-progress --resume");
      const resumed = await runProcess(command.split(" ").slice(2), { cwd: dir });
      expect(resumed.code).toBe(0);
      expect(readFileSync(join(dir, "out.jsonl"), "utf8")).toBe(
        readFileSync(join(dir, "ref.jsonl"), "utf8"),
      );
      expect(fake.chatRequests.length - base).toBe(2 * N);
    } finally {
      await fake.close();
    }
  },
  120_000,
);

test("a second Ctrl-C stops at once, without waiting for the requests in flight", async () => {
  const fake = await startFakeOpenAI({ latencyMs: 120_000 });
  try {
    writeFileSync(join(dir, "slow.yaml"), remoteConfig(fake.url, { n: 4, out: "slow.jsonl" }));
    const proc = start(["-c", "slow.yaml", "--no-progress"]);
    await until(() => fake.chatRequests.length >= 1);
    proc.kill("SIGINT");
    await Bun.sleep(100);
    proc.kill("SIGINT");
    expect(await proc.exited).toBe(130);
  } finally {
    await fake.close();
  }
}, 60_000);
