import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runProcess } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "synth-bad-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const GOOD = `strategy: GENERAL
num_samples: 2
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
  engine: LLAMACPP
  model: {model_name: does-not-exist.gguf}
`;

function write(name: string, text: string) {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Every bad input: exit code 2, one clear message on stderr, no stack trace. */
async function expectConfigError(argv: string[], fragments: (string | RegExp)[]) {
  const { code, stdout, stderr } = await runProcess(argv, { cwd: dir });
  expect(code).toBe(2);
  for (const f of fragments) expect(stderr).toMatch(f);
  expect(stderr).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/); // no stack frames
  expect(stdout).toBe("");
  return stderr;
}

describe("bad input gets one clear message, exit code 2 and no stack trace", () => {
  test("malformed YAML names the file and the line", async () => {
    const file = write(
      "malformed.yaml",
      "strategy: GENERAL\nnum_samples: [1, 2\noutput_path: x.jsonl\n",
    );
    await expectConfigError(["validate", "-c", file], [/malformed\.yaml/, /:\d+:\d+/]);
  });

  test("an unknown key names its path and line:column", async () => {
    const file = write(
      "unknown.yaml",
      GOOD.replace("num_samples: 2", "num_samples: 2\nnum_sampels: 3"),
    );
    await expectConfigError(["validate", "-c", file], [/unknown\.yaml:3:1/, /num_sampels/]);
  });

  test("a wrong type names its path and line:column", async () => {
    const file = write("type.yaml", GOOD.replace("num_samples: 2", "num_samples: many"));
    await expectConfigError(["validate", "-c", file], [/type\.yaml:2:\d+/, /num_samples/]);
  });

  test("every problem is reported at once", async () => {
    const file = write(
      "many.yaml",
      GOOD.replace("num_samples: 2", "num_samples: many\nbogus: 1").replace(
        "name: Topic",
        "name: Topic\n      colour: red",
      ),
    );
    const stderr = await expectConfigError(["validate", "-c", file], [
      /num_samples/,
      /bogus/,
      /colour/,
    ]);
    expect(stderr.match(/many\.yaml:\d+:\d+/g)!.length).toBeGreaterThanOrEqual(3);
  });

  test("an override to a key that does not exist", async () => {
    const file = write("ok.yaml", GOOD);
    await expectConfigError([
      "validate",
      "-c",
      file,
      "--inference_config.generation.temprature",
      "0.5",
    ], [/temprature/]);
  });

  test("an override with a list index out of range", async () => {
    const file = write("ok2.yaml", GOOD);
    await expectConfigError(
      [
        "validate",
        "-c",
        file,
        "--strategy_params.sampled_attributes[3].possible_values[0].sample_rate",
        "0.8",
      ],
      [/sampled_attributes\[3\]|index/i],
    );
  });

  test("a template naming an unknown attribute", async () => {
    const file = write("template.yaml", GOOD.replace("about {topic}", "about {topik}"));
    await expectConfigError(["validate", "-c", file], [
      /\{topik\}/,
      /generated_attributes\[0\]\.instruction_messages\[0\]\.content/,
    ]);
  });

  test("a missing config file", async () => {
    await expectConfigError(["validate", "-c", join(dir, "nope.yaml")], [/nope\.yaml/]);
  });

  test("no --config at all is a usage error", async () => {
    const { code, stderr } = await runProcess([], { cwd: dir });
    expect(code).toBe(2);
    expect(stderr).toMatch(/--config/);
  });

  test("a missing model file: clear message, exit 2, and an existing output is not touched", async () => {
    const file = write("model.yaml", GOOD);
    writeFileSync(join(dir, "out.jsonl"), '{"kept": true}\n');
    // --overwrite: even a run allowed to replace the output leaves it alone until it has a record.
    await expectConfigError(["-c", file, "--overwrite"], [/does-not-exist\.gguf/, /models/]);
    expect(readFileSync(join(dir, "out.jsonl"), "utf8")).toBe('{"kept": true}\n');
  });

  test("the stack trace appears at DEBUG level", async () => {
    const file = write("debug.yaml", GOOD.replace("about {topic}", "about {topik}"));
    const { code, stderr } = await runProcess(["validate", "-c", file, "--log-level", "DEBUG"], {
      cwd: dir,
    });
    expect(code).toBe(2);
    expect(stderr).toMatch(/at .*:\d+:\d+/);
  });

  test("a config for an engine this build lacks says 'not supported' when run", async () => {
    const file = write("remote.yaml", GOOD.replace("engine: LLAMACPP", "engine: BEDROCK"));
    const stderr = await expectConfigError(["-c", file], [/BEDROCK/, /not supported/]);
    expect(stderr).not.toMatch(/schema/i);
    expect(existsSync(join(dir, "remote.jsonl"))).toBe(false);
  });
});
