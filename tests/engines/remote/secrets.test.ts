/**
 * An API key given by config or environment never appears in logs (any level), error
 * messages, output, the errors file, the summary or the batch state file (issue 4). Servers
 * here echo the key back in error bodies, as real providers do.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runInProcess } from "../../cli/helpers.ts";
import { startFakeOpenAI } from "../../helpers/fakeOpenAIServer.ts";

const dir = mkdtempSync(join(tmpdir(), "synth-secrets-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ENV_KEY = "sk-env-SECRET-7f3a9c1e55";
const CONFIG_KEY = "sk-cfg-SECRET-19d04b7a22";

function config(url: string, keyLine: string, out: string) {
  return `strategy: GENERAL
num_samples: 4
output_path: ${out}
max_failed_fraction: 1.0
strategy_params:
  input_examples:
    - examples:
        - {item: "0"}
        - {item: "1"}
        - {item: "2"}
        - {item: "3"}
  generated_attributes:
    - id: answer
      instruction_messages:
        - {role: USER, content: "Answer item {item}."}
inference_config:
  engine: OPENAI
  model: {model_name: gpt-4o-mini}
  remote_params:
    api_url: ${url}/v1/chat/completions
    ${keyLine}
    num_workers: 2
    max_retries: 1
    retry_backoff_base: 0.01
    retry_backoff_max: 0.01
`;
}

/** Every file under `dir` except the configs the user wrote themselves. */
function producedText(): string {
  return readdirSync(dir).filter((f) => !f.endsWith(".yaml"))
    .map((f) => readFileSync(join(dir, f), "utf8")).join("\n");
}

test("keys from the environment and from the config never leak", async () => {
  for (
    const [key, keyLine, env] of [
      [ENV_KEY, "api_key_env_varname: SECRET_VAR", { SECRET_VAR: ENV_KEY }],
      [CONFIG_KEY, `api_key: ${CONFIG_KEY}`, {}],
    ] as const
  ) {
    const fake = await startFakeOpenAI({
      apiKey: key,
      fault: (call) => {
        const item = /item (\d)/.exec(JSON.stringify(call.body.messages))?.[1];
        const echoed = { error: { message: `key ${key} (prefix ${key.slice(0, 10)}) rejected` } };
        if (item === "1") return { kind: "status", status: 400, body: echoed };
        if (item === "2") return { kind: "status", status: 503, body: echoed };
        return undefined;
      },
    });
    const name = key === ENV_KEY ? "env" : "cfg";
    writeFileSync(join(dir, `${name}.yaml`), config(fake.url, keyLine, `${name}.jsonl`));
    for (const extra of [[], ["--batch", "--batch-poll", "0.01"]]) {
      const { code, stdout, stderr } = await runInProcess(
        // --overwrite: each run goes over the previous one's output.
        [
          "-c",
          join(dir, `${name}.yaml`),
          "--log-level",
          "DEBUG",
          "--no-progress",
          "--overwrite",
          ...extra,
        ],
        { cwd: dir, env },
      );
      expect(code).toBe(0);
      // online: the echoed key was in the server's messages and was masked
      if (extra.length === 0) expect(stderr).toContain("***");
      for (const text of [stdout, stderr, producedText()]) {
        expect(text).not.toContain(key);
        expect(text).not.toContain(key.slice(0, 10));
      }
    }
    // And a wrong key: the fatal message names the source, never the key.
    const wrong = await runInProcess([
      "-c",
      join(dir, `${name}.yaml`),
      "--no-progress",
      "--overwrite",
    ], {
      cwd: dir,
      env: { SECRET_VAR: "sk-wrong-SECRET-000000" },
    });
    if (key === ENV_KEY) {
      expect(wrong.code).toBe(4);
      expect(wrong.stderr).toContain("SECRET_VAR");
      expect(wrong.stderr + producedText()).not.toContain("sk-wrong-SECRET");
    }
    await fake.close();
  }
});
