/**
 * Multi-turn and tool-use configs end to end through the CLI on the real llama.cpp engine and
 * the tiny GGUF model (issue 6 "What must show"): oumi's configs with only the engine and model
 * overridden, the EHR configs as ported under `configs/`, and the bad-input paths.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkConversation } from "../helpers/conversationShape.ts";
import { tinyGgufPath } from "../helpers/tinyModel.ts";
import { readJsonl } from "../helpers/corpus.ts";
import { localEngineArgs, runInProcess } from "./helpers.ts";
import { CORPUS, MULTITURN_CASES as CASES } from "./multiturnCases.ts";

const dir = mkdtempSync(join(tmpdir(), "synth-mt-e2e-"));
let model = "";
beforeAll(async () => {
  model = await tinyGgufPath();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const local = (extra: string[] = []) => localEngineArgs("LLAMACPP", model, 16, extra);

describe("multi-turn and tool-use configs run end to end on llama.cpp", () => {
  for (const c of CASES) {
    test(c.name, async () => {
      const cwd = join(dir, c.name.replace(/\W+/g, "_"));
      await Bun.write(join(cwd, ".keep"), "");
      const out = join(cwd, "out.jsonl");
      const { code, stdout, stderr } = await runInProcess(
        ["-c", c.file, ...local(["--num_samples", "3", "--output_path", out, "--seed", "7"])],
        { cwd },
      );
      if (code !== 0) throw new Error(`exit ${code}\n${stderr}`);
      const summary = JSON.parse(readFileSync(join(cwd, "out.summary.json"), "utf8"));
      expect(summary.records_failed).toBe(0);
      expect(summary.records_written + summary.records_filtered).toBe(3);
      const records = readJsonl(out);
      expect(records).toHaveLength(summary.records_written);
      if (summary.records_filtered > 0) expect(stdout).toContain("filtered");
      for (const record of records) {
        for (const key of c.keys) expect(record[key]).toBeDefined();
        expect(JSON.stringify(record)).not.toContain("grounding_facts");
        if (!c.id) continue;
        expect(typeof record[`${c.id}_plan`]).toBe("string");
        checkConversation(record[c.id], { system: c.system ?? false, tools: c.tools ?? [] });
      }
      expect(summary.usage.requests).toBeGreaterThan(0);
    });
  }
});

describe("bad input", () => {
  test("an unknown tool id is a config error before any output", async () => {
    const cwd = join(dir, "unknown-tool");
    await Bun.write(join(cwd, ".keep"), "");
    const out = join(cwd, "out.jsonl");
    const { code, stderr } = await runInProcess(
      [
        "-c",
        join(CORPUS, "library_tool_use_synth.yaml"),
        ...local([
          "--output_path",
          out,
          "--strategy_params.multiturn_attributes[0].available_tools",
          "[ghost_tool]",
        ]),
      ],
      { cwd },
    );
    expect(code).toBe(2);
    expect(stderr).toContain("ghost_tool");
    expect(existsSync(out)).toBe(false);
  });

  test("a broken environment (seed SQL error) stops the run before the output is opened", async () => {
    const cwd = join(dir, "bad-sql");
    const config = join(cwd, "cfg.yaml");
    const out = join(cwd, "out.jsonl");
    await Bun.write(
      config,
      `num_samples: 1
output_path: ${out}
environment_config:
  environments:
    - id: db
      env_type: database
      env_kwargs:
        schema_sql: "CREATE TABLE t (id INTEGER PRIMARY KEY);"
        seed_sql: "INSERT INTO missing_table VALUES (1);"
      tools:
        - id: count_rows
          name: count_rows
          description: Count rows.
          read_only: true
          sql: "SELECT COUNT(*) AS n FROM t"
strategy_params:
  sampled_attributes:
    - id: topic
      name: Topic
      description: What to talk about
      possible_values: [{ id: rows, name: Rows, description: Row counts }]
  multiturn_attributes:
    - id: chat
      min_turns: 2
      max_turns: 2
      role_instruction_messages:
        USER: You are a user.
        ASSISTANT: You are an assistant.
inference_config:
  engine: LLAMACPP
  model:
    model_name: ${model}
`,
    );
    const { code, stderr } = await runInProcess(["-c", config, "--threads", "1", "--no-progress"], {
      cwd,
    });
    expect(code).toBe(2);
    expect(stderr).toContain("environment_config.environments[0].env_kwargs.seed_sql");
    expect(stderr).not.toContain("Loaded "); // found before the model loads
    expect(existsSync(out)).toBe(false);
    // `synth validate` finds it too.
    const validate = await runInProcess(["validate", "-c", config], { cwd });
    expect(validate.code).toBe(2);
    expect(validate.stderr).toContain("seed_sql");
  });

  const broken = (envs: string, mt = "") =>
    `num_samples: 1
output_path: out.jsonl
environment_config:
  environments:
${envs}
strategy_params:
  sampled_attributes:
    - id: topic
      name: Topic
      description: What to talk about
      possible_values: [{ id: a, name: A, description: a }]
  multiturn_attributes:
    - id: chat
      min_turns: 2
      max_turns: 2
      role_instruction_messages:
        USER: You are a user.
        ASSISTANT: You are an assistant.
${mt}
inference_config:
  engine: LLAMACPP
  model:
    model_name: MODEL
`;
  const BROKEN: { name: string; yaml: string; expect: string }[] = [
    {
      name: "a stateful environment whose initial state breaks its schema",
      yaml: broken(`    - id: crm
      type: synthetic
      system_prompt: You run a CRM.
      state_params:
        state_schema: { type: object, properties: { users: { type: array } }, required: [users] }
        initial_state: { users: 3 }
      tools:
        - { id: get_user, name: GetUser, description: Read a user., read_only: true }`),
      expect: "environment_config.environments[0]",
    },
    {
      name: "a lookup-table entry that breaks the tool's parameters schema",
      yaml: broken(`    - id: lib
      env_type: deterministic
      tools:
        - id: lookup
          name: lookup
          description: Look a book up.
          parameters: { type: object, properties: { book_id: { type: string } }, required: [book_id] }
      env_kwargs:
        lookup_table:
          lookup:
            - { input: { book_id: 5 }, output: { title: Dune } }`),
      expect: "environment_config.environments[0]",
    },
    {
      name: "an unknown environment id",
      yaml: broken(
        `    - id: lib
      env_type: deterministic
      tools: []`,
        "      available_environments: [ghost_env]",
      ),
      expect: "ghost_env",
    },
  ];
  for (const c of BROKEN) {
    test(`${c.name}: exit 2 before any output`, async () => {
      const cwd = join(dir, c.name.replace(/\W+/g, "_"));
      await Bun.write(join(cwd, "cfg.yaml"), c.yaml.replace("MODEL", model));
      const { code, stderr } = await runInProcess(
        ["-c", "cfg.yaml", "--threads", "1", "--no-progress"],
        { cwd },
      );
      expect(code).toBe(2);
      expect(stderr).toContain(c.expect);
      expect(existsSync(join(cwd, "out.jsonl"))).toBe(false);
    });
  }
});
