import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from "../../src/engines/retry.ts";
import { ConfigError, EngineError } from "../../src/errors.ts";
import { type CompilableConfig, compileSynthesis } from "../../src/synth/compile.ts";
import { TooManyFailuresError } from "../../src/synth/pipeline.ts";
import { synthesize } from "../../src/synth/run.ts";
import { createRunStats } from "../../src/synth/stats.ts";
import { ManualClock } from "../helpers/manualClock.ts";
import { scriptedEngine, type ScriptedEngineOptions } from "../helpers/scriptedEngine.ts";

const dir = mkdtempSync(join(tmpdir(), "synth-pipeline-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

const FAST_RETRY: RetryPolicy = {
  ...DEFAULT_RETRY_POLICY,
  max_retries: 2,
  retry_backoff_base: 0.001,
  retry_backoff_max: 0.005,
};

function qaConfig(
  numSamples: number,
  extra: Partial<CompilableConfig["strategy_params"]> = {},
): CompilableConfig {
  return {
    num_samples: numSamples,
    seed: 7,
    strategy_params: {
      input_examples: [{ examples: [{ example: "What is 2+2?" }, { example: "Name a color." }] }],
      sampled_attributes: [{
        id: "topic",
        name: "Topic",
        description: "What to ask about",
        possible_values: [
          { id: "math", name: "Mathematics", description: "numbers", sample_rate: 0.5 },
          { id: "art", name: "Art", description: "painting", sample_rate: 0.5 },
        ],
      }],
      generated_attributes: [
        {
          id: "question",
          instruction_messages: [
            { role: "system", content: "You write quiz questions like: {example}" },
            { role: "user", content: "Write a question about {topic}." },
          ],
          postprocessing_params: { id: "clean_question", cut_prefix: "Q:", strip_whitespace: true },
        },
        {
          id: "answer",
          instruction_messages: [{ role: "user", content: "Answer: {clean_question}" }],
        },
      ],
      transformed_attributes: [{
        id: "conversation",
        transformation_strategy: {
          type: "CHAT",
          chat_transform: {
            messages: [{ role: "user", content: "{clean_question}" }, {
              role: "assistant",
              content: "{answer}",
            }],
          },
        },
      }],
      passthrough_attributes: ["conversation", "topic", "clean_question", "answer"],
      ...extra,
    },
  };
}

async function run(
  config: CompilableConfig,
  engineOptions: ScriptedEngineOptions = {},
  extra: { retry?: RetryPolicy; maxFailedFraction?: number } = {},
) {
  const engine = scriptedEngine(engineOptions);
  const compiled = compileSynthesis(config);
  const stats = createRunStats(compiled.program.count);
  const outputPath = join(dir, `run${n++}`, "out.jsonl");
  let created = 0;
  const result = await synthesize(compiled, {
    outputPath,
    stats,
    retry: extra.retry ?? FAST_RETRY,
    maxFailedFraction: extra.maxFailedFraction,
    createEngine: async () => {
      created++;
      return engine;
    },
  });
  const lines = existsSync(outputPath)
    ? readFileSync(outputPath, "utf8").split("\n").filter(Boolean)
    : [];
  return {
    engine,
    stats,
    result,
    records: lines.map((l) => JSON.parse(l)),
    lines,
    created,
    outputPath,
  };
}

describe("pipeline", () => {
  test("writes every record in plan order with the expected keys, though completions arrive out of order", async () => {
    const { records, stats, engine, result } = await run(qaConfig(40), {
      latencyMs: () => Math.random() * 8,
      clock: new ManualClock({ auto: true }),
      reply: (
        r,
      ) => (r.messages.length === 2
        ? `Q: question about ${r.messages[1].content}`
        : `answer to ${r.messages[0].content}`),
      maxConcurrency: 6,
    });
    expect(records).toHaveLength(40);
    expect(stats.written).toBe(40);
    expect(stats.failed).toBe(0);
    for (const r of records) {
      expect(Object.keys(r)).toEqual(["conversation", "topic", "clean_question", "answer"]);
      expect(r.conversation.messages[0]).toEqual({ content: r.clean_question, role: "user" });
      expect(r.conversation.messages[1]).toEqual({ content: r.answer, role: "assistant" });
      expect(r.conversation.conversation_id).toMatch(/^conversation-[0-9a-f-]{36}$/);
      // chaining: the answer request saw the postprocessed question
      expect(r.answer).toBe(`answer to Answer: ${r.clean_question}`);
      expect(r.clean_question.startsWith("question about Write a question about ")).toBe(true);
    }
    // plan order: the question of record i is about the topic planned for record i
    const topics = records.map((r) => r.topic);
    const names: Record<string, string> = { math: "Mathematics", art: "Art" };
    records.forEach((r) => expect(r.clean_question).toContain(names[r.topic]));
    expect(new Set(topics).size).toBe(2);
    expect(engine.peakInFlight).toBeGreaterThan(1);
    expect(engine.peakInFlight).toBeLessThanOrEqual(6);
    expect(engine.disposed).toBe(true);
    expect(result.errorsPath).toBeUndefined();
    expect(stats.usageByAttribute.get("question")?.requests).toBe(40);
    expect(stats.usageByAttribute.get("answer")?.requests).toBe(40);
  });

  test("records advance independently: no barrier between attributes of different records", async () => {
    // Record 1 (second example, round-robin) has a slow first request; record 0 must finish both
    // attributes meanwhile.
    const order: string[] = [];
    await run(qaConfig(2), {
      maxConcurrency: 2,
      latencyMs: (
        r,
      ) => (r.messages.length === 2 && r.messages[0].content!.includes("Name a color") ? 60 : 1),
      clock: new ManualClock({ auto: true }),
      reply: (r) => {
        order.push(r.messages.length === 2 ? "question" : "answer");
        return "Q: x";
      },
    });
    // with a barrier, both questions would come before any answer
    expect(order.indexOf("answer")).toBeLessThan(order.lastIndexOf("question"));
  });

  test("seeded runs are reproducible", async () => {
    const reply = (r: { messages: { content: string | null }[] }) =>
      `Q: ${r.messages.at(-1)!.content}`;
    const a = await run(
      qaConfig(20, { transformed_attributes: null, passthrough_attributes: null }),
      {
        reply,
        latencyMs: () => Math.random() * 3,
        clock: new ManualClock({ auto: true }),
      },
    );
    const b = await run(
      qaConfig(20, { transformed_attributes: null, passthrough_attributes: null }),
      { reply },
    );
    expect(a.lines).toEqual(b.lines);
  });

  test("a failing record is reported and the run goes on", async () => {
    const { records, stats, result } = await run(qaConfig(10), {
      reply: (r) => {
        if (
          r.messages.at(-1)!.content!.includes("Answer") &&
          /ninja/.test(r.messages.at(-1)!.content!)
        ) {
          throw new EngineError("model refused", { retryable: false, status: 400 });
        }
        return r.messages.length === 2 ? "Q: ninja" : "fine";
      },
    }, { maxFailedFraction: 1 });
    expect(records).toHaveLength(0);
    expect(stats.failed).toBe(10);
    expect(result.errorsPath).toBeDefined();
    const errors = readFileSync(result.errorsPath!, "utf8").trim().split("\n").map((l) =>
      JSON.parse(l)
    );
    expect(errors.map((e) => e.index).sort((x, y) => x - y)).toEqual([
      0,
      1,
      2,
      3,
      4,
      5,
      6,
      7,
      8,
      9,
    ]);
    expect(errors[0]).toMatchObject({
      attribute: "answer",
      error_type: "api_status",
      status_code: 400,
      is_retryable: false,
    });
  });

  test("only the failing records are missing; the summary file counts them", async () => {
    const { records, stats, result } = await run(qaConfig(10), {
      reply: (_r, calls) => {
        if (calls === 3) throw new EngineError("bad request", { status: 422 });
        return "Q: ok";
      },
      maxConcurrency: 1,
    });
    expect(records).toHaveLength(9);
    expect(stats.failed).toBe(1);
    const summary = JSON.parse(readFileSync(result.summaryPath, "utf8"));
    expect(summary).toMatchObject({ records_planned: 10, records_written: 9, records_failed: 1 });
    expect(summary.usage.requests).toBe(19);
  });

  test("retryable errors are retried per the policy, then succeed", async () => {
    let failures = 0;
    const { records, engine } = await run(qaConfig(3), {
      maxConcurrency: 1,
      reply: () => {
        if (failures < 2) {
          failures++;
          throw new EngineError("busy", { retryable: true, status: 503 });
        }
        return "Q: ok";
      },
    });
    expect(records).toHaveLength(3);
    expect(engine.requests).toHaveLength(3 * 2 + 2);
  });

  test("retries stop after max_retries and the attempts are recorded", async () => {
    const { result, stats } = await run(qaConfig(2), {
      maxConcurrency: 1,
      reply: (_r, calls) => {
        if (calls < 3) throw new EngineError("overloaded", { retryable: true, status: 529 });
        return "Q: ok";
      },
    }, { maxFailedFraction: 1 });
    expect(stats.failed).toBe(1);
    const error = JSON.parse(readFileSync(result.errorsPath!, "utf8").trim());
    expect(error).toMatchObject({ index: 0, attempts: 3, is_retryable: true });
  });

  test("a fatal engine error stops the run and keeps what was written", async () => {
    const { records, result } = await run(qaConfig(30), {
      maxConcurrency: 1,
      reply: (_r, calls) => {
        if (calls === 10) throw new EngineError("model file vanished", { fatal: true });
        return "Q: ok";
      },
    });
    expect(result.stoppedBy).toBeInstanceOf(EngineError);
    expect(records).toHaveLength(5);
  });

  test("the run stops once failures pass max_failed_fraction", async () => {
    const { result, stats, engine } = await run(qaConfig(100), {
      maxConcurrency: 1,
      reply: () => {
        throw new EngineError("nope", { status: 400 });
      },
    }, { maxFailedFraction: 0.1 });
    expect(result.stoppedBy).toBeInstanceOf(TooManyFailuresError);
    expect(stats.failed).toBe(11);
    expect(engine.requests.length).toBe(11);
  });

  test("no engine is created when no attribute needs a model", async () => {
    const config = qaConfig(5, {
      generated_attributes: null,
      transformed_attributes: [{
        id: "prompt",
        transformation_strategy: { type: "STRING", string_transform: "{example} ({topic})" },
      }],
      passthrough_attributes: null,
    });
    const { records, created } = await run(config);
    expect(created).toBe(0);
    expect(records).toHaveLength(5);
    expect(records[0].prompt).toMatch(/\((Mathematics|Art)\)$/);
  });

  test("a template naming an unknown attribute is a config error before any inference", () => {
    const config = qaConfig(5);
    config.strategy_params.generated_attributes![1].instruction_messages[0].content =
      "Answer {qestion}";
    try {
      compileSynthesis(config);
      throw new Error("expected a ConfigError");
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const issue = (error as ConfigError).issues[0];
      expect(issue.path).toBe(
        "strategy_params.generated_attributes[1].instruction_messages[0].content",
      );
      expect(issue.message).toContain("{qestion}");
    }
  });

  test("a template cannot use an attribute generated later, nor the raw id dropped by keep_original_text_attribute: false", () => {
    const later = qaConfig(2);
    later.strategy_params.generated_attributes![0].instruction_messages[1].content =
      "About {answer}";
    expect(() => compileSynthesis(later)).toThrow(ConfigError);
    const dropped = qaConfig(2);
    dropped.strategy_params.generated_attributes![0].postprocessing_params!
      .keep_original_text_attribute = false;
    dropped.strategy_params.generated_attributes![1].instruction_messages[0].content = "{question}";
    expect(() => compileSynthesis(dropped)).toThrow(ConfigError);
  });
});
