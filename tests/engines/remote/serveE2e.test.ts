/**
 * End to end (issue 4, "What must show"): the OPENAI, VLLM and REMOTE adapters drive real
 * `synth` runs against `synth serve`'s server on the tiny GGUF model — real HTTP on loopback,
 * real llama.cpp inference, an API key on the server.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Engine } from "../../../src/engines/contract.ts";
import { createLlamaCppEngine } from "../../../src/engines/llamacpp/index.ts";
import { createEngine } from "../../../src/engines/registry.ts";
import { startServer } from "../../../src/serve/server.ts";
import { runInProcess } from "../../cli/helpers.ts";
import { tinyGgufPath } from "../../helpers/tinyModel.ts";

const KEY = "sk-serve-e2e-31415926";
const dir = mkdtempSync(join(tmpdir(), "synth-serve-e2e-"));
let local: Engine;
let server: Awaited<ReturnType<typeof startServer>>;

beforeAll(async () => {
  const model = await tinyGgufPath();
  local = await createLlamaCppEngine(
    { engine: "LLAMACPP", model: { model_name: model, model_max_length: 512 } },
    { threads: 1, parallelSequences: 2 },
  );
  server = await startServer({ engine: local, apiKey: KEY, modelName: "tiny" });
});
afterAll(async () => {
  await server?.close();
  await local?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

function config(engine: string, apiUrl: string, out: string) {
  return `strategy: GENERAL
num_samples: 3
output_path: ${out}
seed: 3
strategy_params:
  sampled_attributes:
    - id: topic
      name: Topic
      description: What to write about
      possible_values:
        - {id: cats, name: Cats, description: Domestic cats}
        - {id: dogs, name: Dogs, description: Domestic dogs}
  generated_attributes:
    - id: line
      instruction_messages:
        - {role: SYSTEM, content: "You write short lines."}
        - {role: USER, content: "Write a line about {topic}."}
    - id: title
      instruction_messages:
        - {role: USER, content: "Give a title for: {line}"}
inference_config:
  engine: ${engine}
  model: {model_name: tiny}
  generation: {max_new_tokens: 6, temperature: 0}
  remote_params:
    api_url: ${apiUrl}
    api_key_env_varname: SERVE_KEY
    num_workers: 2
    max_retries: 1
`;
}

describe("remote adapters against synth serve on the tiny model", () => {
  for (
    const [engine, path] of [
      ["OPENAI", "/v1/chat/completions"],
      ["VLLM", "/v1"],
      ["REMOTE", "/v1/chat/completions"],
    ] as const
  ) {
    test(`${engine}: a two-attribute run writes every record with usage`, async () => {
      const out = `${engine.toLowerCase()}.jsonl`;
      const file = join(dir, `${engine}.yaml`);
      writeFileSync(file, config(engine, `${server.url}${path}`, out));
      const { code, stdout, stderr } = await runInProcess(["-c", file, "--no-progress"], {
        cwd: dir,
        env: { SERVE_KEY: KEY },
      });
      expect(stderr).not.toContain(KEY);
      expect(code).toBe(0);
      const records = readFileSync(join(dir, out), "utf8").split("\n").filter(Boolean)
        .map((l) => JSON.parse(l));
      expect(records.length).toBe(3);
      for (const r of records) {
        expect(typeof r.line).toBe("string");
        expect(typeof r.title).toBe("string");
      }
      expect(stdout).toContain("Records: 3/3 written, 0 failed");
      const summary = JSON.parse(
        readFileSync(join(dir, `${engine.toLowerCase()}.summary.json`), "utf8"),
      );
      expect(summary.usage.requests).toBe(6);
      expect(summary.usage.input_tokens).toBeGreaterThan(0);
      expect(summary.usage.output_tokens).toBeGreaterThan(0);
      expect(Object.keys(summary.usage_by_attribute)).toEqual(["line", "title"]);
      expect(summary.usage_by_engine[`${engine} tiny`].requests).toBe(6);
    });
  }

  test("REMOTE: a JSON schema request comes back as JSON matching it", async () => {
    const engine = await createEngine({
      engine: "REMOTE",
      model: { model_name: "tiny" },
      generation: { max_new_tokens: 40, temperature: 0 },
      remote_params: { api_url: `${server.url}/v1/chat/completions`, api_key: KEY },
    });
    const result = await engine.generate({
      messages: [{ role: "user", content: "Give a name." }],
      jsonSchema: {
        type: "object",
        properties: { name: { type: "string", maxLength: 8 } },
        required: ["name"],
      },
    });
    const parsed = JSON.parse(result.message.content ?? "");
    expect(typeof parsed.name).toBe("string");
    expect(result.usage.outputTokens).toBeGreaterThan(0);
    await engine.dispose();
  });

  test("a wrong key against synth serve stops the run with exit 4", async () => {
    const file = join(dir, "REMOTE.yaml");
    // --overwrite: the REMOTE test above wrote this config's output.
    const { code, stderr } = await runInProcess(["-c", file, "--no-progress", "--overwrite"], {
      cwd: dir,
      env: { SERVE_KEY: "sk-not-the-key-000" },
    });
    expect(code).toBe(4);
    expect(stderr).toContain("SERVE_KEY");
    expect(stderr).not.toContain("sk-not-the-key");
  });
});
