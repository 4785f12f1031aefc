/**
 * `dist/synth serve` from an empty folder (no node_modules, empty cache): the server runs
 * inside the single executable, answers one chat completion on the tiny GGUF and stops on
 * SIGTERM. Builds the executable first when it is stale (like `binary.test.ts`).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CORPUS } from "../helpers/corpus.ts";
import { type IsolatedBinary, isolatedBinary } from "../helpers/isolatedBinary.ts";
import { tinyGgufPath } from "../helpers/tinyModel.ts";

/** A response body as loosely typed JSON (test assertions check its shape). */
const json = (response: Response): Promise<any> => response.json();

let bin: IsolatedBinary;

beforeAll(() => {
  bin = isolatedBinary("synth-serve-binary");
}, 300_000);

afterAll(() => bin?.cleanup());

test("dist/synth serve answers a chat completion and stops on SIGTERM", async () => {
  const model = await tinyGgufPath();
  const proc = Bun.spawn(
    [bin.binary, "serve", "--model", model, "--port", "0", "--threads", "1", "--parallel", "1"],
    { cwd: bin.workDir, env: bin.env, stderr: "pipe" },
  );
  const reader = proc.stderr.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const waitFor = async (pattern: RegExp) => {
    for (;;) {
      const match = text.match(pattern);
      if (match) return match;
      const { done, value } = await reader.read();
      if (done) throw new Error(`dist/synth serve ended before ${pattern}:\n${text}`);
      text += decoder.decode(value, { stream: true });
    }
  };
  try {
    const url = (await waitFor(/Serving model ".+?" at (http:\S+)\/v1 /))[1];
    const response = await fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      body: JSON.stringify({
        messages: [{ role: "user", content: "Hello" }],
        max_tokens: 6,
        response_format: { type: "json_object" },
      }),
    });
    expect(response.status).toBe(200);
    const completion = await json(response);
    expect(completion.object).toBe("chat.completion");
    expect(completion.usage.prompt_tokens).toBeGreaterThan(0);
    proc.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
    await waitFor(/info Stopped\n/);
  } finally {
    proc.kill("SIGKILL");
  }
}, 120_000);

test("dist/synth runs oumi's tool-use config (REMOTE) against dist/synth serve", async () => {
  const model = await tinyGgufPath();
  const server = Bun.spawn(
    [bin.binary, "serve", "--model", model, "--port", "0", "--threads", "1", "--parallel", "2"],
    { cwd: bin.workDir, env: bin.env, stderr: "pipe" },
  );
  const reader = server.stderr.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    let match: RegExpMatchArray | null = null;
    while (!(match = text.match(/Serving model "(.+?)" at (http:\S+\/v1) /))) {
      const { done, value } = await reader.read();
      if (done) throw new Error(`dist/synth serve ended early:\n${text}`);
      text += decoder.decode(value, { stream: true });
    }
    const [, served, url] = match;
    const config = join(CORPUS, "library_tool_use_synth.yaml");
    const output = join(bin.workDir, "library.jsonl");
    const result = bin.run([
      "-c",
      config,
      "--num_samples",
      "2",
      "--output_path",
      output,
      "--inference_config.engine",
      "REMOTE",
      "--inference_config.model.model_name",
      served,
      "--inference_config.remote_params.api_url",
      url,
      "--inference_config.remote_params.num_workers",
      "2",
      "--inference_config.remote_params.politeness_policy",
      "0",
      "--inference_config.generation.max_new_tokens",
      "24",
      "--no-progress",
    ]);
    const log = result.stderr;
    expect(result.exitCode, log).toBe(0);
    const summary = JSON.parse(readFileSync(output.replace(/\.jsonl$/, ".summary.json"), "utf8"));
    expect(summary.records_written + (summary.records_filtered ?? 0)).toBe(2);
    expect(Object.keys(summary.usage_by_engine)[0]).toStartWith("REMOTE");
    const records = readFileSync(output, "utf8").split("\n").filter(Boolean).map((l) =>
      JSON.parse(l)
    );
    for (const record of records) {
      const messages = record.library_dialog.messages;
      expect(messages.at(-1).role).toBe("assistant");
      expect(record.library_dialog.tools.length).toBeGreaterThan(0);
      expect(typeof record.library_dialog_plan).toBe("string");
    }
  } finally {
    server.kill("SIGKILL");
  }
}, 300_000);
