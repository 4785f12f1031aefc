import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config/load.ts";
import { candidateCount, keepScore, parseKeepIf } from "../../src/config/schema/quality.ts";
import { ConfigError } from "../../src/errors.ts";

const dir = mkdtempSync(join(tmpdir(), "synth-quality-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BASE = `num_samples: 4
output_path: out.jsonl
inference_config:
  engine: OPENAI
  model: {model_name: gpt-4o-mini}
strategy_params:
  sampled_attributes:
    - id: topic
      possible_values: [{id: tea}, {id: rain}]
  generated_attributes:
    - id: question
      instruction_messages:
        - {role: user, content: "Ask about {topic}"}
`;

let n = 0;
function write(quality: string): string {
  const file = join(dir, `q${n++}.yaml`);
  writeFileSync(file, BASE + quality);
  return file;
}

async function issues(quality: string) {
  try {
    await loadConfig(write(quality), { cwd: dir });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues;
  }
  throw new Error("expected a ConfigError");
}

describe("quality section", () => {
  test("a full section loads with defaults and lower-case names", async () => {
    const { config } = await loadConfig(
      write(`quality:
  deduplicate:
    - attributes: [question]
      method: near
    - attributes: [topic, question]
  judges:
    - id: judge
      instruction_messages: [{role: user, content: "Rate {question}"}]
      keep_if: ">= 7"
  checks: [non_empty, ALTERNATING_ROLES]
  count: accepted
`),
      { cwd: dir },
    );
    const q = config.quality!;
    expect(q.deduplicate).toEqual([
      { attributes: ["question"], method: "near", threshold: 0.85, shingle_words: 3 },
      { attributes: ["topic", "question"], method: "exact", threshold: 0.85, shingle_words: 3 },
    ]);
    expect(q.judges![0]).toMatchObject({
      id: "judge",
      score: { min: 1, max: 10 },
      max_attempts: 3,
    });
    expect(q.checks).toEqual(["non_empty", "alternating_roles"]);
    expect(q.count).toBe("accepted");
    expect(candidateCount(config.num_samples, q)).toBe(12);
  });

  test("a config without quality means what it means to oumi", async () => {
    const { config } = await loadConfig(write(""), { cwd: dir });
    expect(config.quality).toBeNull();
    expect(candidateCount(config.num_samples, config.quality)).toBe(4);
  });

  test("bad quality configs fail at load with line:column", async () => {
    const found = await issues(`quality:
  deduplicate:
    - attributes: [question, answr]
      method: near
      threshold: 1.5
  judges:
    - id: question
      instruction_messages: [{role: user, content: "Rate {question}"}]
      keep_if: "at least 7"
    - id: judge
      instruction_messages: [{role: user, content: "Rate {question}"}]
      keep_if: ">= 7 and"
    - id: judge
      instruction_messages: [{role: user, content: "Rate {question}"}]
      keep_if: "> 3 and <= 8"
  checks: [non_empty, spelling]
`);
    const at = (path: string) => found.find((i) => i.path === path);
    expect(at("quality.deduplicate[0].attributes[1]")).toMatchObject({ line: 16, column: 30 });
    expect(at("quality.deduplicate[0].attributes[1]")!.message).toContain(
      "Unknown attribute 'answr'",
    );
    expect(at("quality.deduplicate[0].threshold")).toMatchObject({ line: 18 });
    expect(at("quality.deduplicate[0].threshold")!.message).toContain("(0, 1]");
    expect(at("quality.judges[0].id")!.message).toContain("already used by an attribute");
    expect(at("quality.judges[0].id")).toMatchObject({ line: 20 });
    expect(at("quality.judges[0].keep_if")!.message).toContain('Cannot parse keep_if "at least 7"');
    expect(at("quality.judges[1].keep_if")).toMatchObject({ line: 25 });
    expect(at("quality.judges[2].id")!.message).toContain("another judge");
    expect(at("quality.checks[1]")!.message).toContain("spelling");
    expect(found.every((i) => i.line !== undefined)).toBe(true);
  });

  test("keep_if: comparisons joined by and", () => {
    const keep = parseKeepIf("> 3 and <= 8");
    expect([3, 4, 8, 9].map((s) => keepScore(s, keep))).toEqual([false, true, true, false]);
    expect(keepScore(7, parseKeepIf("= 7"))).toBe(true);
    expect(keepScore(7, parseKeepIf("!= 7"))).toBe(false);
    expect(() => parseKeepIf("")).toThrow(SyntaxError);
  });
});
