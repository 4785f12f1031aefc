/**
 * `--batch` (spec §18, issue 4) through a real run against local servers speaking the OpenAI
 * files/batches and Anthropic message-batches shapes: one batch per generated attribute,
 * progress lines while polling, per-record failures in the errors file, and a resumed run that
 * polls the saved batch instead of submitting (paying) again.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ROOT, runInProcess } from "../../cli/helpers.ts";
import { startFakeAnthropic } from "../../helpers/fakeAnthropicServer.ts";
import { startFakeOpenAI } from "../../helpers/fakeOpenAIServer.ts";

const dir = mkdtempSync(join(tmpdir(), "synth-batch-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const N = 6;

function config(engine: string, url: string, out: string) {
  const examples = Array.from({ length: N }, (_, i) => `        - {item: "${i}"}`).join("\n");
  return `strategy: GENERAL
num_samples: ${N}
output_path: ${out}
seed: 7
max_failed_fraction: 0.9
strategy_params:
  input_examples:
    - examples:
${examples}
  generated_attributes:
    - id: question
      instruction_messages:
        - {role: USER, content: "Ask about item {item}."}
    - id: answer
      instruction_messages:
        - {role: USER, content: "Answer: {question}"}
inference_config:
  engine: ${engine}
  model: {model_name: ${engine === "ANTHROPIC" ? "claude-sonnet-4-5" : "gpt-4o-mini"}}
  remote_params:
    api_url: ${url}
    api_key_env_varname: PROVIDER_KEY
    max_retries: 1
    retry_backoff_base: 0.01
    retry_backoff_max: 0.01
`;
}

const read = (path: string) =>
  readFileSync(path, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));

const KEY = "sk-batch-secret-424242";

for (const engine of ["OPENAI", "ANTHROPIC"] as const) {
  describe(`${engine} --batch`, () => {
    test("each attribute is one batch; failures per record; a rerun resumes without paying", async () => {
      const failing = (id: string) => id === "request-2";
      const fake = engine === "OPENAI"
        ? await startFakeOpenAI({ apiKey: KEY, batchPolls: 2, batchErrors: failing })
        : await startFakeAnthropic({ apiKey: KEY, batchPolls: 2, batchErrors: failing });
      const url = engine === "OPENAI"
        ? `${fake.url}/v1/chat/completions`
        : `${fake.url}/v1/messages`;
      const out = `${engine.toLowerCase()}.jsonl`;
      const file = join(dir, `${engine}.yaml`);
      writeFileSync(file, config(engine, url, out));
      const argv = ["-c", file, "--batch", "--batch-poll", "0.02", "--no-progress"];
      const env = { PROVIDER_KEY: KEY };
      const first = await runInProcess(argv, { cwd: dir, env });
      expect(first.code).toBe(0);
      expect(first.stderr).toMatch(/Submitted \w+ batch \S+ with 6 requests/);
      expect(first.stderr).toMatch(/Batch \S+: (in_progress|ended|completed)/);
      expect(fake.batchesCreated).toBe(2); // question, then answer for the records still alive
      const written = read(join(dir, out));
      const errors = read(join(dir, `${engine.toLowerCase()}.errors.jsonl`));
      // request-2 fails in both batches: one record lost per attribute, reported, not dropped.
      expect(written.length).toBe(N - 2);
      expect(errors.length).toBe(2);
      expect(new Set([...written.map((r) => Number(r.item)), ...errors.map((e) => e.index)]).size)
        .toBe(N);
      expect(errors[0].message).toContain("injected batch error");
      for (const r of written) expect(r.answer).toContain("echo");
      const state = readFileSync(join(dir, `${engine.toLowerCase()}.batch.json`), "utf8");
      expect(Object.keys(JSON.parse(state).batches).length).toBe(2);
      expect(chatCount(fake)).toBeGreaterThan(0);
      const summary = JSON.parse(
        readFileSync(join(dir, `${engine.toLowerCase()}.summary.json`), "utf8"),
      );
      expect(summary.usage.requests).toBe((N - 1) + (N - 2)); // successful batch items only

      // The run journal holds every batch answer: a --resume of the finished run sends nothing.
      const journal = readFileSync(join(dir, `${engine.toLowerCase()}.journal.jsonl`), "utf8");
      expect(journal.split("\n").filter((l) => l.includes('"a":')).length).toBe(
        (N - 1) + (N - 2),
      );
      const polled = fake.requests.length;
      const resumed = await runInProcess([...argv, "--resume"], { cwd: dir, env });
      expect(resumed.code).toBe(0);
      expect(fake.requests.length).toBe(polled);
      expect(read(join(dir, out))).toEqual(written);

      // Rerun: same config and seed → same requests → the saved batches are polled, not resubmitted.
      const second = await runInProcess([...argv, "--overwrite"], { cwd: dir, env });
      expect(second.code).toBe(0);
      expect(second.stderr).toContain("Resuming");
      expect(fake.batchesCreated).toBe(2);
      expect(read(join(dir, out))).toEqual(written);
      await fake.close();
    });
  });
}

function chatCount(fake: { requests: { path: string }[] }): number {
  return fake.requests.filter((r) => r.path.includes("batches")).length;
}

test(
  "a --batch run killed while its second batch runs resumes by polling it: nothing is submitted twice",
  async () => {
    const fake = await startFakeOpenAI({ apiKey: KEY, batchPolls: 25 });
    try {
      const url = `${fake.url}/v1/chat/completions`;
      const env = { PROVIDER_KEY: KEY };
      const poll = ["--batch", "--batch-poll", "0.02", "--no-progress"];
      writeFileSync(join(dir, "kill-ref.yaml"), config("OPENAI", url, "kill-ref.jsonl"));
      writeFileSync(join(dir, "kill.yaml"), config("OPENAI", url, "kill.jsonl"));
      expect((await runInProcess(["-c", "kill-ref.yaml", ...poll], { cwd: dir, env })).code).toBe(
        0,
      );
      const base = fake.batchesCreated;
      const proc = Bun.spawn([
        process.execPath,
        resolve(ROOT, "main.ts"),
        "-c",
        "kill.yaml",
        ...poll,
      ], {
        cwd: dir,
        env: { ...process.env, NO_COLOR: "1", ...env },
        stdout: "ignore",
        stderr: "ignore",
      });
      // The question batch is done (its answers journaled); the answer batch is submitted, its id
      // saved in kill.batch.json (a kill between the two is a request in flight: it is paid
      // again), and it is being polled.
      const saved = () => {
        try {
          const state = JSON.parse(readFileSync(join(dir, "kill.batch.json"), "utf8"));
          return Object.keys(state.batches).length;
        } catch {
          return 0; // not written yet, or being replaced
        }
      };
      while (saved() < 2) await Bun.sleep(10);
      expect(fake.batchesCreated).toBe(base + 2);
      proc.kill("SIGKILL");
      await proc.exited;
      const resumed = await runInProcess(["-c", "kill.yaml", ...poll, "--resume"], {
        cwd: dir,
        env,
      });
      expect(resumed.code).toBe(0);
      expect(fake.batchesCreated).toBe(base + 2);
      expect(readFileSync(join(dir, "kill.jsonl"), "utf8")).toBe(
        readFileSync(join(dir, "kill-ref.jsonl"), "utf8"),
      );
    } finally {
      await fake.close();
    }
  },
  60_000,
);

test("--batch on an engine without a batch API is refused before any request", async () => {
  const file = join(dir, "remote.yaml");
  writeFileSync(file, config("REMOTE", "http://127.0.0.1:9/v1", "remote.jsonl"));
  const { code, stderr } = await runInProcess(["-c", file, "--batch", "--no-progress"], {
    cwd: dir,
    env: { PROVIDER_KEY: KEY },
  });
  expect(code).toBe(2);
  expect(stderr).toContain("--batch");
});
