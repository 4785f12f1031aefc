/**
 * The foundation's end-to-end configs (see tests/cli/e2e.test.ts) as run on the tiny ONNX model,
 * shared by the from-source test (tests/cli/onnx.e2e.test.ts) and the executable test
 * (tests/build/onnx.binary.test.ts), with the checks every run's output must pass.
 */
import { expect } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CORPUS, readJsonl } from "../helpers/corpus.ts";

export { CORPUS, readJsonl };

/** The foundation's end-to-end configs (tests/cli/e2e.test.ts) and keys each record must have. */
export const E2E_CASES: { file: string; keys: string[] }[] = [
  {
    file: "question_answer_synth.yaml",
    keys: ["conversation", "cleaned_question", "cleaned_answer", "difficulty", "topic"],
  },
  { file: "instruction_following_synth.yaml", keys: ["conversation"] },
  { file: "domain_qa_synth.yaml", keys: ["conversation"] },
  {
    file: "dynamic_few_shot_synth.yaml",
    keys: ["conversation", "few_shot_examples[0].task_type", "few_shot_examples[2].example_input"],
  },
];

/** Checks one run's output like the llama.cpp end-to-end test does. */
export function checkRun(cwd: string, file: string, keys: string[], count: number) {
  const records = readJsonl(join(cwd, "out.jsonl"));
  expect(records).toHaveLength(count);
  const config = readFileSync(join(CORPUS, file), "utf8");
  const passthrough = config.match(/passthrough_attributes:\n((?:\s+- .*\n)+)/)![1]
    .split("\n").map((l) => l.trim().replace(/^- /, "").replace(/\s+#.*$/, "")).filter(Boolean);
  for (const record of records) {
    expect(Object.keys(record)).toEqual(passthrough);
    for (const key of keys) expect(record[key]).toBeDefined();
    expect(record.conversation.messages.length).toBeGreaterThanOrEqual(2);
    for (const m of record.conversation.messages) expect(typeof m.content).toBe("string");
  }
  const summary = JSON.parse(readFileSync(join(cwd, "out.summary.json"), "utf8"));
  expect(summary.records_written).toBe(count);
  expect(summary.usage.output_tokens).toBeGreaterThan(0);
}
