import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { loadConfig } from "../../src/config/load.ts";
import { formatConfigError } from "../../src/errors.ts";
import { CORPUS } from "../helpers/corpus.ts";
import { ConfigError, UsageError } from "../../src/errors.ts";

const dir = mkdtempSync(join(tmpdir(), "synth-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
/** Writes `text` to a fresh file under the temp dir (or `sub/`) and returns its path. */
function write(text: string, name = `c${counter++}.yaml`): string {
  const path = join(dir, name);
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, text);
  return path;
}

/** Loads and returns the ConfigError (fails if loading succeeds). */
async function loadError(file: string, overrides: string[] = [], cwd = dir): Promise<ConfigError> {
  try {
    await loadConfig(file, { overrides, cwd });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

const MINIMAL = `strategy: GENERAL
num_samples: 3
output_path: out.jsonl
strategy_params:
  sampled_attributes:
    - id: topic
      name: Topic
      description: What to write about
      possible_values:
        - {id: cats, name: Cats, description: Domestic cats}
        - {id: dogs, name: Dogs, description: Domestic dogs}
  generated_attributes:
    - id: haiku
      instruction_messages:
        - {role: USER, content: "Write a haiku about {topic}."}
inference_config:
  engine: OPENAI
  model: {model_name: gpt-4o-mini}
`;

const REFERENCE = CORPUS;
function yamlFiles(root: string): string[] {
  return readdirSync(root).flatMap((name) => {
    const path = join(root, name);
    if (statSync(path).isDirectory()) return yamlFiles(path);
    return name.endsWith(".yaml") ? [path] : [];
  });
}

describe("the reference oumi configs", () => {
  const files = yamlFiles(REFERENCE);

  test("there are 11 of them", () => {
    expect(files).toHaveLength(11);
  });

  for (const file of files) {
    test(`${relative(REFERENCE, file)} loads without a schema error`, async () => {
      const loaded = await loadConfig(file, { cwd: dir });
      expect(loaded.config.strategy).toBe("GENERAL");
      expect(loaded.config.num_samples).toBeGreaterThan(0);
      expect(loaded.file).toBe(file);
    });
  }

  test("conversation_synth.yaml warns about its passthrough name 'resolution'", async () => {
    const loaded = await loadConfig(join(REFERENCE, "conversation_synth.yaml"), { cwd: dir });
    expect(loaded.warnings.some((w) => w.includes("'resolution' is not produced"))).toBe(true);
    expect(loaded.warnings.find((w) => w.includes("resolution"))).toMatch(
      /conversation_synth\.yaml:\d+:\d+ {2}strategy_params\.passthrough_attributes\[\d+\]/,
    );
  });
});

describe("loadConfig", () => {
  test("a minimal config loads with defaults", async () => {
    const file = write(MINIMAL);
    const loaded = await loadConfig(file, { cwd: dir });
    expect(loaded.dir).toBe(dir);
    expect(loaded.config.inference_config.generation.temperature).toBe(0);
    expect(loaded.config.strategy_params.sampled_attributes![0].possible_values[1].sample_rate)
      .toBe(0.5);
    expect(loaded.warnings).toEqual([]);
  });

  test("a missing file is a ConfigError saying so", async () => {
    const err = await loadError("nope.yaml");
    expect(err.message).toBe('Cannot read config "nope.yaml": file does not exist');
  });

  test("a YAML syntax error reports line:col", async () => {
    const err = await loadError(write("a: 1\nb: [1, 2\nc: 3\n"));
    expect(err.issues[0].line).toBeGreaterThan(0);
    expect(err.issues[0].column).toBeGreaterThan(0);
    expect(err.message).toContain("invalid YAML");
  });

  test("a duplicate key is an error", async () => {
    const err = await loadError(write("num_samples: 1\nnum_samples: 2\n"));
    expect(err.issues[0]).toMatchObject({
      message: "found duplicate key num_samples",
      line: 2,
      column: 1,
    });
  });

  test("YAML 1.1 meanings reach the config", async () => {
    const text = MINIMAL.replace(
      "    - id: haiku\n",
      "    - id: haiku\n      postprocessing_params: {id: clean, strip_whitespace: no, cut_prefix: 2024-01-01}\n",
    );
    const loaded = await loadConfig(write(text), { cwd: dir });
    const post = loaded.config.strategy_params.generated_attributes![0].postprocessing_params!;
    expect(post.strip_whitespace).toBe(false);
    expect(post.cut_prefix).toBe("2024-01-01");
  });

  test("an unknown key and a wrong type report their line:col; every problem at once", async () => {
    const text = MINIMAL.replace("num_samples: 3", "num_samples: three")
      .replace("      name: Topic\n", "      name: Topic\n      colour: red\n");
    const err = await loadError(write(text));
    expect(err.issues.map(({ path, line, column, message }) => ({ path, line, column, message })))
      .toEqual([
        {
          path: "num_samples",
          line: 2,
          column: 14,
          message: "Value 'three' of type 'str' could not be converted to Integer",
        },
        {
          path: "strategy_params.sampled_attributes[0].colour",
          line: 8,
          column: 7,
          message: "Key 'colour' not in 'SampledAttribute'",
        },
      ]);
    expect(err.issues[0].file).toContain(".yaml");
  });

  test("a missing value points at its parent", async () => {
    const err = await loadError(
      write(MINIMAL.replace("  model: {model_name: gpt-4o-mini}\n", "  model: {}\n")),
    );
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]).toMatchObject({
      path: "inference_config.model.model_name",
      message: "Missing mandatory value",
      line: 18,
    });
  });

  test("formatConfigError renders file:line:col  path: message lines", async () => {
    const file = write(MINIMAL.replace("num_samples: 3", "num_samples: 0"), "fmt.yaml");
    const err = await loadError("fmt.yaml");
    const text = formatConfigError(err);
    expect(text.split("\n")).toEqual([
      'Invalid config "fmt.yaml": 1 problem',
      "  fmt.yaml:2:14  num_samples: num_samples must be positive, got 0.",
    ]);
    expect(file).toEndWith("fmt.yaml");
  });
});

describe("overrides through loadConfig (§2.2)", () => {
  test("overrides apply before validation, and may create keys the file lacks", async () => {
    const loaded = await loadConfig(write(MINIMAL), {
      cwd: dir,
      overrides: [
        "--num_samples",
        "50",
        "--inference_config.generation.temperature=0.5",
        "--strategy_params.sampled_attributes[0].possible_values[0].sample_rate",
        "0.8",
        "--seed",
        "7",
      ],
    });
    expect(loaded.config.num_samples).toBe(50);
    expect(loaded.config.inference_config.generation.temperature).toBe(0.5);
    expect(
      loaded.config.strategy_params.sampled_attributes![0].possible_values.map((v) =>
        v.sample_rate
      ),
    )
      .toEqual([0.8, 1 - 0.8]);
    expect(loaded.config.seed).toBe(7);
  });

  test("problems in overridden values name the override instead of a line", async () => {
    const err = await loadError(write(MINIMAL), [
      "--num_samples",
      "0",
      "--inference_config.max_workers",
      "4",
    ]);
    const byPath = Object.fromEntries(err.issues.map((i) => [i.path, i]));
    expect(byPath.num_samples.message).toBe(
      "num_samples must be positive, got 0. (set by override --num_samples 0)",
    );
    expect(byPath.num_samples.line).toBeUndefined();
    expect(byPath["inference_config.max_workers"].message).toBe(
      "Key 'max_workers' not in 'InferenceConfig' (set by override --inference_config.max_workers 4)",
    );
  });

  test("a list index out of range is an error naming the override", async () => {
    const err = await loadError(write(MINIMAL), [
      "--strategy_params.sampled_attributes[2].id",
      "x",
    ]);
    expect(err.issues[0].message).toContain("list index 2 is out of range");
    expect(err.issues[0].message).toContain("--strategy_params.sampled_attributes[2].id x");
  });

  test("malformed overrides are usage errors", async () => {
    await expect(loadConfig(write(MINIMAL), { cwd: dir, overrides: ["num_samples"] })).rejects
      .toThrow(UsageError);
    await expect(loadConfig(write(MINIMAL), { cwd: dir, overrides: ["--num_samples"] })).rejects
      .toThrow(
        "Trailing argument has no value assigned",
      );
  });
});

describe("environment_config_path (§3)", () => {
  const ENVS = `environments:
  - id: faq
    env_type: synthetic
    env_kwargs: {tool_persona: You answer FAQs.}
    tools:
      - {id: answer_faq, name: AnswerFAQ, description: Answers questions.}
`;
  const withPath = (path: string, tools = "[answer_faq]") =>
    MINIMAL.replace("strategy_params:\n", `environment_config_path: ${path}\nstrategy_params:\n`)
      .replace(
        "  generated_attributes:",
        `  multiturn_attributes:\n    - id: chat\n      min_turns: 1\n      max_turns: 2\n      role_instruction_messages: {USER: u, ASSISTANT: a}\n      available_tools: ${tools}\n  generated_attributes:`,
      );

  test("a path relative to the working directory is loaded into environment_config", async () => {
    const envFile = write(ENVS, "envs/cwd_envs.yaml");
    const loaded = await loadConfig(write(withPath("envs/cwd_envs.yaml")), { cwd: dir });
    expect(loaded.config.environment_config_path).toBe(envFile);
    expect(loaded.config.environment_config!.environments[0].tools[0].id).toBe("answer_faq");
  });

  test("a path relative to the config file's folder is found too", async () => {
    write(ENVS, "nested/near_envs.yaml");
    const file = write(withPath("near_envs.yaml"), "nested/config.yaml");
    const loaded = await loadConfig(file, { cwd: tmpdir() });
    expect(loaded.config.environment_config!.environments[0].id).toBe("faq");
  });

  test("a missing file, and problems inside the file, are reported with their file", async () => {
    const missing = await loadError(write(withPath("none.yaml")));
    expect(missing.issues[0]).toMatchObject({
      path: "environment_config_path",
      message: "Environment config path does not exist: none.yaml",
      line: 4,
    });
    write(ENVS.replace("env_type: synthetic", "env_type: magic"), "bad_envs.yaml");
    const bad = await loadError(write(withPath("bad_envs.yaml", "[answer_faq, nope]")));
    const envIssue = bad.issues.find((i) =>
      i.path === "environment_config.environments[0].env_type"
    )!;
    expect(envIssue).toMatchObject({ file: "bad_envs.yaml", line: 3, column: 15 });
    expect(bad.issues.some((i) => i.message.includes("references unknown tool 'nope'"))).toBe(true);
  });

  test("environment_config and environment_config_path together are an error", async () => {
    write(ENVS, "both_envs.yaml");
    const text = withPath("both_envs.yaml") +
      ENVS.replace("environments:", "environment_config:\n  environments:").replace(
        /\n {2}/g,
        "\n    ",
      );
    const err = await loadError(write(text));
    expect(err.issues.some((i) => i.message.includes("cannot both be set"))).toBe(true);
  });
});

describe("database db_path and warnings", () => {
  const dbConfig = (dbPath: string) =>
    `${MINIMAL}environment_config:
  environments:
    - id: db
      env_type: database
      env_kwargs: {db_path: ${dbPath}}
      tools:
        - {id: q, name: q, description: Query., executor: ehr_db.q, colour: blue}
`;

  test("db_path must exist; when it does the config holds its absolute path", async () => {
    const err = await loadError(write(dbConfig("missing.db")));
    expect(err.issues[0].message).toBe(
      "DatabaseEnvironmentKwargs.db_path must reference an existing file: missing.db",
    );
    const db = write("", "data/app.db");
    const loaded = await loadConfig(write(dbConfig("data/app.db")), { cwd: dir });
    const env = loaded.config.environment_config!.environments[0];
    expect(env.env_type === "database" && env.env_kwargs.db_path).toBe(db);
    expect(loaded.warnings.some((w) => w.includes("Unknown tool key 'colour' is ignored"))).toBe(
      true,
    );
  });
});

describe("warnings", () => {
  test("ignored keys and references that name nothing", async () => {
    const text = `${MINIMAL}environment_config:
  environments:
    - id: lib
      env_type: deterministic
      grounding: {tools: {ghost: {fields: [a]}, status: {fields: [id]}}}
      tools:
        - {id: status, name: Status, description: Status.}
      env_kwargs:
        lookup_table:
          status: [{input: {id: 1}, output: ok}]
          stale: [{input: {}, output: 1}]
    - id: sim
      env_type: simulated
      env_kwargs: {tool_persona: p}
      tools:
        - id: sim_tool
          name: Sim
          description: Simulated.
          deterministic_outputs: [{input: {}, output: 1}]
`;
    const loaded = await loadConfig(write(text), { cwd: dir });
    const messages = loaded.warnings.join("\n");
    expect(messages).toContain("lookup_table entry 'stale' names no tool of environment 'lib'");
    expect(messages).toContain("grounding entry 'ghost' names no tool of environment 'lib'");
    expect(messages).toContain("deterministic_outputs is ignored: environment 'sim' is synthetic");
    expect(loaded.warnings).toHaveLength(3);
    expect(loaded.warnings[0]).toMatch(
      /^.*\.yaml:\d+:\d+ {2}environment_config\.environments\[0\]/,
    );
  });

  test("an override value starting with -- is a warning", async () => {
    const loaded = await loadConfig(write(MINIMAL), {
      cwd: dir,
      overrides: ["--inference_config.model.model_name", "--odd"],
    });
    expect(loaded.config.inference_config.model.model_name).toBe("--odd");
    expect(loaded.warnings).toHaveLength(1);
  });

  test("free-form maps take numeric override keys", async () => {
    const loaded = await loadConfig(write(MINIMAL), {
      cwd: dir,
      overrides: ["--inference_config.generation.logit_bias.50256", "-100"],
    });
    expect(loaded.config.inference_config.generation.logit_bias).toEqual({ "50256": -100 });
  });
});
