import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseSynthesisConfig } from "../../src/config/schema.ts";
import type { GenerateRequest } from "../../src/engines/contract.ts";
import { DEFAULT_RETRY_POLICY } from "../../src/engines/retry.ts";
import { compileSynthesis } from "../../src/synth/compile.ts";
import { QualityGate } from "../../src/quality/gate.ts";
import { synthesize } from "../../src/synth/run.ts";
import { createRunStats } from "../../src/synth/stats.ts";
import { scriptedEngine, type ScriptedReply } from "../helpers/scriptedEngine.ts";

const dir = mkdtempSync(join(tmpdir(), "synth-quality-gate-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

const ROWS = 60;

/** Records 0..59 ask for "answer <n>"; `quality` is the section under test. */
function config(numSamples: number, quality: Record<string, unknown>, extra = {}) {
  return parseSynthesisConfig({
    num_samples: numSamples,
    seed: 3,
    inference_config: { model: { model_name: "scripted" } },
    strategy_params: {
      input_examples: [{ examples: Array.from({ length: ROWS }, (_, i) => ({ n: i })) }],
      generated_attributes: [{
        id: "answer",
        instruction_messages: [{ role: "user", content: "Write answer {n}" }],
      }],
      ...extra,
    },
    quality,
  });
}

const JUDGE = {
  id: "judge",
  instruction_messages: [{ role: "user", content: "Rate this: {answer}" }],
  score: { min: 0, max: 10 },
  keep_if: ">= 5",
};

const numberIn = (text: string) => Number(/(\d+)/.exec(text)?.[1] ?? -1);
const lastText = (r: GenerateRequest) => String(r.messages.at(-1)?.content ?? "");

/** Answers "answer <n>" (or `answers(n)`), and judges with `score(n)`. */
function engine(
  score: (n: number) => number | string,
  answers: (n: number) => string = (k) => `answer ${k}`,
  options: { latency?: boolean; concurrency?: number } = {},
) {
  return scriptedEngine({
    maxConcurrency: options.concurrency ?? 4,
    capabilities: { jsonSchema: true, tools: false },
    latencyMs: options.latency ? (r) => (numberIn(lastText(r)) * 7) % 5 : 0,
    reply: (request): ScriptedReply => {
      const text = lastText(request);
      if (text.startsWith("Write answer")) return answers(numberIn(text));
      const s = score(numberIn(text));
      return typeof s === "string" ? s : JSON.stringify({ score: s, rationale: `r${s}` });
    },
  });
}

async function run(cfg: ReturnType<typeof config>, eng: ReturnType<typeof engine>) {
  const outputPath = join(dir, `out${n++}.jsonl`);
  const compiled = compileSynthesis(cfg);
  const stats = createRunStats(compiled.program.count);
  const result = await synthesize(compiled, {
    outputPath,
    createEngine: async () => eng,
    stats,
    retry: DEFAULT_RETRY_POLICY,
  });
  const lines = (path: string | undefined) =>
    path && existsSync(path)
      ? readFileSync(path, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l))
      : [];
  const summary = JSON.parse(readFileSync(result.summaryPath, "utf8"));
  return {
    result,
    stats,
    written: lines(outputPath),
    rejected: lines(outputPath.replace(/\.jsonl$/, ".rejected.jsonl")),
    summary,
  };
}

describe("quality gate in a run", () => {
  test("a judge keeps exactly the records its scores allow; score and rationale are kept", async () => {
    const score = (k: number) => (k * 3) % 11; // 0-10
    const { written, rejected, stats, summary, result } = await run(
      config(20, { judges: [JUDGE] }),
      engine(score),
    );
    const kept = Array.from({ length: 20 }, (_, k) => k).filter((k) => score(k) >= 5);
    expect(written.map((r) => numberIn(r.answer))).toEqual(kept);
    expect(written[0].judge).toEqual({ score: score(kept[0]), rationale: `r${score(kept[0])}` });
    expect(rejected.map((r) => r.index)).toEqual(
      Array.from({ length: 20 }, (_, k) => k).filter((k) => score(k) < 5),
    );
    expect(rejected[0]).toMatchObject({
      reason: "judge",
      judge: "judge",
      score: score(rejected[0].index),
      keep_if: ">= 5",
      record: { answer: `answer ${rejected[0].index}` },
    });
    expect(stats.written).toBe(kept.length);
    expect(stats.quality!.rejected).toBe(20 - kept.length);
    expect(summary.quality.rejected).toEqual({ "judge judge: score not kept": 20 - kept.length });
    expect(result.rejectedPath).toBeDefined();
  });

  test("an unparseable judge reply is asked again, then rejects the record with the reason", async () => {
    const eng = engine((k) => (k === 2 ? "I like it a lot." : 9));
    const { written, rejected } = await run(config(4, { judges: [JUDGE] }), eng);
    expect(written.map((r) => r.answer)).toEqual(["answer 0", "answer 1", "answer 3"]);
    expect(rejected).toEqual([{
      index: 2,
      reason: "judge_unparseable",
      judge: "judge",
      message: "no score found in the reply (after 3 attempts)",
      reply: "I like it a lot.",
      record: { n: 2, answer: "answer 2", judge: { score: null, rationale: null } },
    }]);
    const judgeRequests = eng.requests.filter((r) => lastText(r).startsWith("Rate this"));
    expect(judgeRequests.length).toBe(3 + 3);
    expect(judgeRequests[0].jsonSchema).toMatchObject({ required: ["score", "rationale"] });
    expect(lastText(judgeRequests[0])).toContain('Reply with only a JSON object: {"score"');
  });

  test("count accepted writes exactly num_samples in plan order, the same whatever the timing", async () => {
    const quality = { judges: [JUDGE], count: "accepted", max_candidates: 3 };
    const passes = (k: number) => (k % 3 === 0 ? 2 : 8); // one in three rejected
    const a = await run(config(10, quality), engine(passes));
    const b = await run(
      config(10, quality),
      engine(passes, undefined, { latency: true, concurrency: 7 }),
    );
    expect(a.written.length).toBe(10);
    const expected = Array.from({ length: 15 }, (_, k) => k).filter((k) => k % 3 !== 0);
    expect(a.written.map((r) => numberIn(r.answer))).toEqual(expected);
    expect(b.written).toEqual(a.written);
    expect(b.rejected).toEqual(a.rejected);
    expect(a.summary.quality).toMatchObject({ target: 10, target_met: true });
    expect(a.stats.quality!.target).toBe(10);
  });

  test("count accepted stops at max_candidates when too few pass", async () => {
    const eng = engine((k) => (k % 4 === 0 ? 9 : 1)); // one in four passes
    const { written, stats, summary } = await run(
      config(10, { judges: [JUDGE], count: "accepted", max_candidates: 2 }),
      eng,
    );
    expect(written.map((r) => numberIn(r.answer))).toEqual([0, 4, 8, 12, 16]);
    expect(eng.requests.filter((r) => lastText(r).startsWith("Write")).length).toBe(20);
    expect(stats.written).toBe(5);
    expect(summary.quality).toMatchObject({
      target: 10,
      target_met: false,
      candidates_allowed: 20,
      records_rejected: 15,
    });
  });

  test("exact and near dedup reject duplicates of written records, naming them", async () => {
    const base = "the quick brown fox jumps over the lazy dog near the river bank today";
    const answers = (k: number) =>
      k === 3
        ? "ANSWER   1"
        : k === 5
        ? base.replace("today", "tonight")
        : k === 4
        ? base
        : `answer ${k}`;
    const { written, rejected, summary } = await run(
      config(6, {
        deduplicate: [
          { attributes: ["answer"], method: "exact" },
          { attributes: ["answer"], method: "near", threshold: 0.8 },
        ],
      }),
      engine(() => 9, answers),
    );
    expect(written.map((r) => r.answer)).toEqual(["answer 0", "answer 1", "answer 2", base]);
    expect(rejected).toEqual([
      {
        index: 3,
        reason: "exact_duplicate",
        attributes: ["answer"],
        duplicate_of_line: 2,
        duplicate_of_index: 1,
        similarity: 1,
        record: { n: 3, answer: "ANSWER   1" },
      },
      {
        index: 5,
        reason: "near_duplicate",
        attributes: ["answer"],
        duplicate_of_line: 4,
        duplicate_of_index: 4,
        similarity: expect.any(Number),
        record: { n: 5, answer: base.replace("today", "tonight") },
      },
    ]);
    expect(rejected[1].similarity).toBeGreaterThanOrEqual(0.8);
    expect(summary.quality.rejected).toEqual({ exact_duplicate: 1, near_duplicate: 1 });
  });

  test("checks reject on the written record; passthrough may drop the judge's key", async () => {
    const { written, rejected } = await run(
      config(4, { checks: ["non_empty", "no_placeholder_values"], judges: [JUDGE] }, {
        passthrough_attributes: ["answer"],
      }),
      engine(() => 7, (k) => (k === 1 ? "  " : k === 2 ? "None" : `answer ${k}`)),
    );
    expect(written).toEqual([{ answer: "answer 0" }, { answer: "answer 3" }]);
    expect(rejected.map((r) => [r.index, r.reason, r.check, r.message])).toEqual([
      [1, "check", "non_empty", "'answer' is empty"],
      [2, "check", "no_placeholder_values", `'answer' is the literal "None"`],
    ]);
  });
});

describe("QualityGate", () => {
  test("records held behind a missing index are taken in order by drain (a stopped run)", async () => {
    const put: [number, unknown][] = [];
    const stats = createRunStats(5);
    stats.written = 3;
    const gate = new QualityGate({
      inner: { put: (i, r) => void put.push([i, r]), fail: () => {} },
      stats,
      rejected: { write: () => {} },
      inspection: () => undefined,
    });
    gate.put(3, { a: 3 });
    gate.put(0, { a: 0 });
    gate.put(4, { a: 4 });
    expect(put).toEqual([[0, { a: 0 }]]);
    await gate.drain();
    expect(put).toEqual([[0, { a: 0 }], [3, { a: 3 }], [4, { a: 4 }]]);
    expect(gate.acceptedCount).toBe(3);
  });
});
