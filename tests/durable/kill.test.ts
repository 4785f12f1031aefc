/**
 * The kill test (issue 12 "What must show"): a run against a loopback server is killed with
 * SIGKILL at 22 points — in the middle of journal appends and of output flushes, in the first
 * run and in the resumed ones — and resumed with `--resume` each time. The finished file equals
 * the uninterrupted run's byte for byte (nothing lost, nothing duplicated), and the requests the
 * server counted over all runs are the uninterrupted run's plus those in flight at each kill
 * (answers that reached no journal), never more than the workers at a kill.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startFakeOpenAI } from "../helpers/fakeOpenAIServer.ts";
import { runProcess } from "../cli/helpers.ts";
import { journaledResponses, remoteConfig } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "synth-kill-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const N = 80;
const WORKERS = 4;
/** Kill points, one process each; the first run starts fresh, every later one resumes. */
const POINTS = [
  "journal:3",
  "journal:1",
  "output:1",
  "journal:2",
  "journal:4",
  "journal:1",
  "journal:2",
  "journal:3",
  "journal:1",
  "journal:2",
  "journal:1",
  "journal:2",
  "output:1",
  "journal:1",
  "journal:3",
  "journal:1",
  "journal:2",
  "journal:1",
  "journal:2",
  "journal:1",
  "journal:3",
  "journal:1",
  "journal:2",
  "journal:1",
  "journal:2",
];

test(
  `SIGKILL at ${POINTS.length} points, then --resume: the file equals the uninterrupted run's and no answer is paid twice`,
  async () => {
    const fake = await startFakeOpenAI({ latencyMs: 20 });
    try {
      writeFileSync(join(dir, "ref.yaml"), remoteConfig(fake.url, { n: N, out: "ref.jsonl" }));
      writeFileSync(join(dir, "cut.yaml"), remoteConfig(fake.url, { n: N, out: "cut.jsonl" }));
      const reference = await runProcess(["-c", "ref.yaml", "--no-progress"], { cwd: dir });
      expect(reference.code).toBe(0);
      const uninterrupted = fake.chatRequests.length;
      expect(uninterrupted).toBe(2 * N);

      const journal = join(dir, "cut.journal.jsonl");
      let lostInFlight = 0;
      let kills = 0;
      for (const [k, point] of POINTS.entries()) {
        const before = fake.chatRequests.length;
        const journaledBefore = journaledResponses(journal);
        const run = await runProcess(
          ["-c", "cut.yaml", "--no-progress", ...(k > 0 ? ["--resume"] : [])],
          { cwd: dir, env: { SYNTH_TEST_CRASH: point } },
        );
        if (run.signal === "SIGKILL") kills++;
        else expect({ point, code: run.code, stderr: run.stderr }).toMatchObject({ code: 0 });
        // Answers the server gave that no journal line holds: the requests in flight at the kill.
        const lost = (fake.chatRequests.length - before) -
          (journaledResponses(journal) - journaledBefore);
        expect(lost).toBeGreaterThanOrEqual(0);
        expect(lost).toBeLessThanOrEqual(WORKERS);
        lostInFlight += lost;
      }
      expect(kills).toBeGreaterThanOrEqual(20);
      const last = await runProcess(["-c", "cut.yaml", "--no-progress", "--resume"], { cwd: dir });
      expect(last.code).toBe(0);
      expect(last.stdout).toContain(`Records: ${N}/${N} written, 0 failed`);

      const expected = readFileSync(join(dir, "ref.jsonl"), "utf8");
      const actual = readFileSync(join(dir, "cut.jsonl"), "utf8");
      expect(actual.split("\n").length).toBe(N + 1);
      expect(actual).toBe(expected);
      const total = fake.chatRequests.length - uninterrupted;
      expect(total).toBe(uninterrupted + lostInFlight);
      const manifest = JSON.parse(readFileSync(join(dir, "cut.manifest.json"), "utf8"));
      expect(manifest.status).toBe("complete");
      expect(manifest.counts.written).toBe(N);
    } finally {
      await fake.close();
    }
  },
  240_000,
);
