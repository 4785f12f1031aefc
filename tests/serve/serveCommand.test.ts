/**
 * `synth serve` as a user runs it: a real `bun main.ts serve` process on the tiny GGUF, its
 * startup line, access log, API key from `SYNTH_API_KEY`, and graceful stop on SIGTERM.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { runInProcess } from "../cli/helpers.ts";
import { tinyGgufPath } from "../helpers/tinyModel.ts";

/** A response body as loosely typed JSON (test assertions check its shape). */
const json = (response: Response): Promise<any> => response.json();

const ROOT = resolve(import.meta.dir, "..", "..");

/** Reads `stream` line by line until `pattern` matches; returns the match and all text read. */
async function waitForLine(
  reader: { read(): Promise<{ done: boolean; value?: Uint8Array }> },
  pattern: RegExp,
  seen: { text: string },
): Promise<RegExpMatchArray> {
  const decoder = new TextDecoder();
  for (;;) {
    const match = seen.text.match(pattern);
    if (match) return match;
    const { done, value } = await reader.read();
    if (done) throw new Error(`process ended before ${pattern}:\n${seen.text}`);
    seen.text += decoder.decode(value, { stream: true });
  }
}

describe("synth serve", () => {
  test("serves, requires SYNTH_API_KEY, logs each request, stops cleanly on SIGTERM", async () => {
    const KEY = "sk-env-key-7d3a91";
    const model = await tinyGgufPath();
    const proc = Bun.spawn(
      [
        process.execPath,
        join(ROOT, "main.ts"),
        "serve",
        "--model",
        model,
        "--port",
        "0",
        "--threads",
        "1",
        "--parallel",
        "2",
        "--ctx-size",
        "256",
      ],
      { env: { ...process.env, NO_COLOR: "1", SYNTH_API_KEY: KEY }, stderr: "pipe" },
    );
    const reader = proc.stderr.getReader();
    const seen = { text: "" };
    try {
      const ready = await waitForLine(reader, /Serving model "(.+?)" at (http:\S+)\/v1 /, seen);
      expect(ready[1]).toBe(model.split("/").at(-1) as string);
      const url = ready[2];
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(seen.text).toContain("API key required");

      const body = JSON.stringify({
        messages: [{ role: "user", content: "Hi" }],
        max_tokens: 4,
      });
      const denied = await fetch(`${url}/v1/chat/completions`, { method: "POST", body });
      expect(denied.status).toBe(401);
      const inFlight = fetch(`${url}/v1/chat/completions`, {
        method: "POST",
        body,
        headers: { Authorization: `Bearer ${KEY}` },
      });
      await waitForLine(reader, /POST \/v1\/chat\/completions 401 /, seen);
      const response = await inFlight;
      expect(response.status).toBe(200);
      expect((await json(response)).usage.completion_tokens).toBeGreaterThan(0);
      await waitForLine(reader, /POST \/v1\/chat\/completions 200 \d+ ms \d+\+\d+ tokens/, seen);

      proc.kill("SIGTERM");
      await waitForLine(reader, /info Stopped\n/, seen);
      expect(await proc.exited).toBe(0);
      expect(seen.text).toContain("Shutting down");
      expect(seen.text).not.toContain(KEY);
    } finally {
      proc.kill("SIGKILL");
    }
  }, 120_000);

  test("binding beyond loopback without a key warns; a model that cannot load exits 2", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "synth-serve-"));
    try {
      const result = await runInProcess(
        ["serve", "--model", "missing.gguf", "--host", "0.0.0.0", "--port", "0"],
        { cwd, env: { SYNTH_MODELS_DIR: cwd } },
      );
      expect(result.stderr).toContain("without an API key");
      expect(result.stderr).toContain("missing.gguf");
      expect(result.code).toBe(2);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  test("a port in use is reported as such", async () => {
    const other = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("") });
    try {
      const result = await runInProcess(
        ["serve", "--model", "missing.gguf", "--port", String(other.port)],
        { cwd: tmpdir() },
      );
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain(
        `Cannot listen on 127.0.0.1:${other.port}: the port is in use`,
      );
    } finally {
      await other.stop(true);
    }
  });

  test("a bad port is a usage error", async () => {
    const result = await runInProcess(["serve", "--model", "x.gguf", "--port", "70000"], {
      cwd: tmpdir(),
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--port");
  });
});
