/**
 * `--resume`, `--overwrite`, `--retry-failed` and the journal's damage handling through the
 * CLI against the loopback fake OpenAI server (issue 12 "What must show"; issue 11 item 1 and
 * DECISIONS 14: an existing output is never damaged).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CliIO } from "../../src/cli/io.ts";
import { runCli } from "../../src/cli/main.ts";
import { captureSink, runInProcess } from "../cli/helpers.ts";
import { type FakeOpenAI, startFakeOpenAI } from "../helpers/fakeOpenAIServer.ts";
import { remoteConfig } from "./helpers.ts";

const root = join(tmpdir(), `synth-resume-${process.pid}`);
let fake: FakeOpenAI;
/** While true, answers to questions about art fail with HTTP 500. */
let failArt = false;
beforeAll(async () => {
  mkdirSync(root, { recursive: true });
  fake = await startFakeOpenAI({
    fault: (call) => {
      const last = JSON.stringify((call.body.messages as unknown[]).at(-1));
      return failArt && last.includes("Answer:") && last.includes("about art")
        ? { kind: "status", status: 500 }
        : undefined;
    },
  });
});
afterAll(async () => {
  await fake.close();
  rmSync(root, { recursive: true, force: true });
});

/** A fresh folder with `cfg.yaml` (n records into out.jsonl). */
function setup(name: string, n: number, extra: { question?: string } = {}) {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "cfg.yaml"), remoteConfig(fake.url, { n, out: "out.jsonl", ...extra }));
  return dir;
}

const run = (dir: string, args: string[] = []) =>
  runInProcess(["-c", "cfg.yaml", "--no-progress", ...args], { cwd: dir });
const read = (dir: string, file = "out.jsonl") => readFileSync(join(dir, file), "utf8");

/** The output of an uninterrupted run of `n` records (in its own folder). */
async function reference(n: number): Promise<string> {
  const dir = setup(`reference-${n}`, n);
  if (!existsSync(join(dir, "out.jsonl"))) expect((await run(dir)).code).toBe(0);
  return read(dir);
}

describe("no silent overwrite (DECISIONS 14)", () => {
  test("a new run onto an existing output is refused with exit 2, naming --resume and --overwrite", async () => {
    const dir = setup("exists", 3);
    writeFileSync(join(dir, "out.jsonl"), '{"kept": true}\n');
    const before = fake.chatRequests.length;
    const { code, stderr } = await run(dir);
    expect(code).toBe(2);
    expect(stderr).toContain("out.jsonl");
    expect(stderr).toContain("--resume");
    expect(stderr).toContain("--overwrite");
    expect(read(dir)).toBe('{"kept": true}\n');
    expect(fake.chatRequests.length).toBe(before);
  });

  test("--overwrite interrupted before its first record leaves the old output, journal and manifest as they were", async () => {
    const dir = setup("overwrite-interrupted", 3);
    expect((await run(dir)).code).toBe(0);
    const files = ["out.jsonl", "out.journal.jsonl", "out.manifest.json"];
    const old = files.map((f) => read(dir, f));
    const out = captureSink();
    const err = captureSink();
    const io: CliIO = {
      stdout: out.sink,
      stderr: err.sink,
      env: { NO_COLOR: "1" },
      cwd: dir,
      signal: AbortSignal.abort(
        Object.assign(new Error("Interrupted by Ctrl-C"), { name: "AbortError" }),
      ),
    };
    const code = await runCli(["-c", "cfg.yaml", "--no-progress", "--overwrite"], io);
    expect(code).toBe(130);
    expect(files.map((f) => read(dir, f))).toEqual(old);
    expect(out.text).not.toContain("Successfully synthesized");
    expect(out.text).toContain("Interrupted: 0 of 3 records are kept");
  });

  test("--overwrite replaces the old output once the new run writes", async () => {
    const dir = setup("overwrite", 3);
    writeFileSync(join(dir, "out.jsonl"), '{"old": true}\n');
    expect((await run(dir, ["--overwrite"])).code).toBe(0);
    expect(read(dir)).toBe(await reference(3));
  });
});

describe("--resume", () => {
  test("a finished run resumed sends nothing and keeps the file byte for byte", async () => {
    const dir = setup("finished", 4);
    expect((await run(dir)).code).toBe(0);
    const before = fake.chatRequests.length;
    const first = read(dir);
    const again = await run(dir, ["--resume"]);
    expect(again.code).toBe(0);
    expect(fake.chatRequests.length).toBe(before);
    expect(read(dir)).toBe(first);
  });

  test("--resume with nothing to resume starts the run; a deleted output is rebuilt from the journal", async () => {
    const dir = setup("fresh-resume", 3);
    const before = fake.chatRequests.length;
    expect((await run(dir, ["--resume"])).code).toBe(0);
    expect(read(dir)).toBe(await reference(3));
    rmSync(join(dir, "out.jsonl"));
    expect((await run(dir, ["--resume"])).code).toBe(0);
    expect(read(dir)).toBe(await reference(3));
    expect(fake.chatRequests.length - before).toBe(2 * 3);
  });

  test("a changed prompt is refused, naming the key that changed", async () => {
    const dir = setup("changed", 3);
    expect((await run(dir)).code).toBe(0);
    writeFileSync(
      join(dir, "cfg.yaml"),
      remoteConfig(fake.url, { n: 3, out: "out.jsonl", question: "Ask something about {topic}." }),
    );
    const { code, stderr } = await run(dir, ["--resume"]);
    expect(code).toBe(2);
    expect(stderr).toContain(
      "strategy_params.generated_attributes[0].instruction_messages[0].content",
    );
    expect(stderr).toContain("--overwrite");
  });

  test("a larger --num_samples extends the run: only the new records are paid for", async () => {
    const dir = setup("extend", 5);
    expect((await run(dir)).code).toBe(0);
    const before = fake.chatRequests.length;
    const more = await run(dir, ["--resume", "--num_samples", "9"]);
    expect(more.code).toBe(0);
    expect(more.stderr).toContain("Resuming");
    expect(fake.chatRequests.length - before).toBe(2 * 4);
    expect(read(dir)).toBe(await reference(9));
    const manifest = JSON.parse(read(dir, "out.manifest.json"));
    expect(manifest.num_samples).toBe(9);
    expect(manifest.counts.written).toBe(9);
  });

  test("a smaller --num_samples than what is done is refused", async () => {
    const dir = setup("shrink", 4);
    expect((await run(dir)).code).toBe(0);
    const { code, stderr } = await run(dir, ["--resume", "--num_samples", "2"]);
    expect(code).toBe(2);
    expect(stderr).toContain("4 records are already done");
  });

  test("--retry-failed pays again only for what the failed records lack", async () => {
    const dir = setup("retry", 12);
    failArt = true;
    try {
      const first = await run(dir, ["--max_failed_fraction", "0.9"]);
      expect(first.code).toBe(0);
    } finally {
      failArt = false;
    }
    const errors = read(dir, "out.errors.jsonl").trim().split("\n").map((l) => JSON.parse(l));
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => e.attribute === "answer")).toBe(true);
    const before = fake.chatRequests.length;
    const retry = await run(dir, ["--max_failed_fraction", "0.9", "--retry-failed"]);
    expect(retry.code).toBe(0);
    // One answer per failed record; their questions come from the journal.
    expect(fake.chatRequests.length - before).toBe(errors.length);
    expect(existsSync(join(dir, "out.errors.jsonl"))).toBe(false);
    expect(read(dir)).toBe(await reference(12));
    // The retried run is a normal finished run: a resume has nothing left to do.
    const after = fake.chatRequests.length;
    expect((await run(dir, ["--max_failed_fraction", "0.9", "--resume"])).code).toBe(0);
    expect(fake.chatRequests.length).toBe(after);
    expect(read(dir)).toBe(await reference(12));
  });
});

describe("input files in the fingerprint", () => {
  test("a resume over a changed dataset is refused, naming the source and the file; the manifest lists the inputs", async () => {
    const dir = join(root, "inputs");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "people.csv"), "name\nAda\nGrace\nAlan\n");
    const config = remoteConfig(fake.url, { n: 3, out: "out.jsonl", question: "Ask {name}." })
      .replace(
        "strategy_params:\n",
        "strategy_params:\n  input_data:\n    - path: people.csv\n",
      );
    writeFileSync(join(dir, "cfg.yaml"), config);
    expect((await run(dir)).code).toBe(0);
    const manifest = JSON.parse(read(dir, "out.manifest.json"));
    expect(manifest.inputs).toEqual([{
      key: "strategy_params.input_data[0].path",
      files: [{
        name: "people.csv",
        size: 20,
        sha256: new Bun.CryptoHasher("sha256").update("name\nAda\nGrace\nAlan\n").digest("hex"),
      }],
    }]);
    // Unchanged data: the resume goes on (here: extends the run).
    expect((await run(dir, ["--resume", "--num_samples", "4"])).code).toBe(0);
    writeFileSync(join(dir, "people.csv"), "name\nAda\nGrace\nAlan\nEdsger\n");
    const before = fake.chatRequests.length;
    const { code, stderr } = await run(dir, ["--resume", "--num_samples", "5"]);
    expect(code).toBe(2);
    expect(stderr).toContain("strategy_params.input_data[0].path (people.csv changed)");
    expect(stderr).toContain("--overwrite");
    expect(fake.chatRequests.length).toBe(before);
  });
});

describe("splits after --resume", () => {
  const splitArgs = ["--splits", "train=0.5,test=0.5", "--max_failed_fraction", "0.9"];
  const splitFiles = (dir: string) =>
    ["train", "test"].map((s) => read(dir, join("out", "data", `${s}.jsonl`)));

  test("a resumed run splits the lines it kept with its own, as an uninterrupted run does", async () => {
    failArt = true; // failed records leave gaps between the plan indices of the lines
    try {
      const whole = setup("splits-reference", 12);
      expect((await run(whole, splitArgs)).code).toBe(0);
      const dir = setup("splits-resumed", 7);
      expect((await run(dir, splitArgs)).code).toBe(0);
      expect(read(dir, "out.errors.jsonl")).not.toBe("");
      // The resume replaces the splits of the 7-record run (the same output's).
      const resumed = await run(dir, [...splitArgs, "--resume", "--num_samples", "12"]);
      expect(resumed.code).toBe(0);
      expect(resumed.stdout).toContain("Splits (");
      expect(read(dir)).toBe(read(whole));
      expect(splitFiles(dir)).toEqual(splitFiles(whole));
    } finally {
      failArt = false;
    }
  });

  test("a journal that does not record which records were left out is refused before anything is sent", async () => {
    failArt = true;
    try {
      const dir = setup("splits-old-journal", 6);
      expect((await run(dir, splitArgs)).code).toBe(0);
      // As an older synth wrote it: no `{"i":N,"s":1}` lines, and no failure lines either.
      const journal = join(dir, "out.journal.jsonl");
      writeFileSync(
        journal,
        read(dir, "out.journal.jsonl").split("\n").filter((l) => !/^\{"i":\d+,"[fs]"/.test(l))
          .join("\n"),
      );
      const before = fake.chatRequests.length;
      const { code, stderr } = await run(dir, [...splitArgs, "--resume", "--num_samples", "9"]);
      expect(code).toBe(3);
      expect(stderr).toContain("--overwrite");
      expect(stderr).toContain("out.journal.jsonl");
      expect(fake.chatRequests.length).toBe(before);
    } finally {
      failArt = false;
    }
  });
});

describe("journal damage", () => {
  test("a torn last line is tolerated", async () => {
    const dir = setup("torn", 4);
    expect((await run(dir)).code).toBe(0);
    writeFileSync(
      join(dir, "out.journal.jsonl"),
      read(dir, "out.journal.jsonl") + '{"i":9,"a":"qu',
    );
    const again = await run(dir, ["--resume"]);
    expect(again.code).toBe(0);
    expect(read(dir)).toBe(await reference(4));
    expect(read(dir, "out.journal.jsonl").endsWith("\n")).toBe(true);
  });

  test("any other damage is a clear error naming the file and the line", async () => {
    const dir = setup("corrupt", 4);
    expect((await run(dir)).code).toBe(0);
    const journal = read(dir, "out.journal.jsonl");
    const lines = journal.split("\n");
    lines[2] = lines[2].slice(0, 20) + "#garbage";
    const kept = read(dir);
    // --retry-failed reads the whole journal: damage anywhere is found.
    writeFileSync(join(dir, "out.journal.jsonl"), lines.join("\n"));
    const retry = await run(dir, ["--retry-failed"]);
    expect(retry.code).toBe(3);
    expect(retry.stderr).toContain(join(dir, "out.journal.jsonl"));
    expect(retry.stderr).toContain("line 3");
    // --resume reads what comes after the last output mark (here none: killed before it).
    writeFileSync(
      join(dir, "out.journal.jsonl"),
      lines.filter((l) => !l.startsWith('{"w":')).join("\n"),
    );
    const { code, stderr } = await run(dir, ["--resume"]);
    expect(code).toBe(3);
    expect(stderr).toContain(join(dir, "out.journal.jsonl"));
    expect(stderr).toContain("line 3");
    expect(read(dir)).toBe(kept);
  });
});
