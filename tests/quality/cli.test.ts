import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FakeOpenAI, startFakeOpenAI } from "../helpers/fakeOpenAIServer.ts";
import { runInProcess } from "../cli/helpers.ts";
import { answerConfig, fakeServerArgs } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "synth-quality-cli-"));
let fake: FakeOpenAI;

const lastText = (body: Record<string, unknown>) =>
  String((body.messages as { content: string }[]).at(-1)!.content);

beforeAll(async () => {
  // Answers "answer <n>"; the judge gives 9 to even n and 2 to odd n.
  fake = await startFakeOpenAI({
    reply: ({ body }) => {
      const text = lastText(body);
      const n = Number(/(\d+)/.exec(text)?.[1]);
      if (text.startsWith("Write")) return `answer ${n}`;
      return JSON.stringify({ score: n % 2 === 0 ? 9 : 2, rationale: "scripted" });
    },
  });
});
afterAll(async () => {
  await fake?.close();
  rmSync(dir, { recursive: true, force: true });
});

const config = (quality: string) => answerConfig(4, "out.jsonl", 10, quality);

const JUDGE = `quality:
  judges:
    - id: judge
      instruction_messages: [{role: user, content: "Rate {answer}"}]
      keep_if: ">= 5"
`;

// Each test writes its own run to out.jsonl: start again over the previous test's output.
const remote = (extra: string[] = []) => fakeServerArgs(fake.url, ["--overwrite", ...extra]);

describe("synth with a quality section", () => {
  test("count accepted: the summary shows accepted / rejected by reason", async () => {
    const file = join(dir, "accepted.yaml");
    writeFileSync(file, config(JUDGE + "  count: accepted\n"));
    const { code, stdout } = await runInProcess(["-c", file, ...remote()], { cwd: dir });
    expect(code).toBe(0);
    const lines = readFileSync(join(dir, "out.jsonl"), "utf8").trim().split("\n");
    expect(lines.map((l) => JSON.parse(l).answer)).toEqual([
      "answer 0",
      "answer 2",
      "answer 4",
      "answer 6",
    ]);
    expect(stdout).toContain("Records: 4/4 written");
    expect(stdout).toContain("Quality: 4 accepted, 3 rejected");
    expect(stdout).toContain("3 x judge judge: score not kept");
    expect(stdout).toContain(`rejected records: ${join(dir, "out.rejected.jsonl")}`);
  });

  test("too few pass within max_candidates: a clear line, records kept, exit 0", async () => {
    const file = join(dir, "short.yaml");
    writeFileSync(file, config(JUDGE + "  count: accepted\n  max_candidates: 1.5\n"));
    const { code, stdout } = await runInProcess(["-c", file, ...remote()], { cwd: dir });
    expect(code).toBe(0);
    expect(stdout).toContain(
      "Only 3 of 4 records passed the quality gate after 6 candidates (max_candidates allows 6)",
    );
    const summary = JSON.parse(readFileSync(join(dir, "out.summary.json"), "utf8"));
    expect(summary.quality).toMatchObject({ target: 4, target_met: false, records_rejected: 3 });
  });

  test("a bad quality config fails at load with line:column and exit 2", async () => {
    const file = join(dir, "bad.yaml");
    writeFileSync(
      file,
      config(`quality:
  deduplicate:
    - attributes: [anwser]
      method: near
      threshold: 0
`),
    );
    const { code, stderr } = await runInProcess(["-c", file, ...remote()], { cwd: dir });
    expect(code).toBe(2);
    expect(stderr).toMatch(/bad\.yaml:16:20.*Unknown attribute 'anwser'/);
    expect(stderr).toMatch(/bad\.yaml:18:18.*threshold must be in \(0, 1\]/);
  });
});
