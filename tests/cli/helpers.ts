/**
 * Runs the CLI in-process with captured stdout/stderr, or as a real `bun main.ts` process.
 */
import { resolve } from "node:path";
import type { CliIO } from "../../src/cli/io.ts";
import { runCli } from "../../src/cli/main.ts";

export const ROOT = resolve(import.meta.dir, "..", "..");

/** A text sink that keeps what was written. */
export function captureSink() {
  let text = "";
  return {
    sink: { write: (s: string) => void (text += s), isTTY: false },
    get text() {
      return text;
    },
  };
}

/** Runs `synth <argv>` in this process; resolves with the exit code and the captured output. */
export async function runInProcess(
  argv: string[],
  options: { cwd: string; env?: Record<string, string> },
) {
  const out = captureSink();
  const err = captureSink();
  const io: CliIO = {
    stdout: out.sink,
    stderr: err.sink,
    env: { NO_COLOR: "1", ...options.env },
    cwd: options.cwd,
  };
  const code = await runCli(argv, io);
  return { code, stdout: out.text, stderr: err.text };
}

/**
 * Runs `bun main.ts <argv>` as a child process; `signal` names the signal that ended it (e.g.
 * `"SIGKILL"` from a crash point), else `null`.
 */
export async function runProcess(
  argv: string[],
  options: { cwd: string; env?: Record<string, string> },
) {
  const proc = Bun.spawn([process.execPath, resolve(ROOT, "main.ts"), ...argv], {
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: "1", ...options.env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, signal: proc.signalCode, stdout, stderr };
}

/**
 * CLI overrides that run a config on a local engine: `engine` with `model`, `max_new_tokens`
 * tokens, one thread, no progress bar, then `extra`.
 */
export function localEngineArgs(
  engine: "LLAMACPP" | "NATIVE",
  model: string,
  maxNewTokens: number,
  extra: string[] = [],
): string[] {
  return [
    "--inference_config.engine",
    engine,
    "--inference_config.model.model_name",
    model,
    "--inference_config.generation.max_new_tokens",
    String(maxNewTokens),
    "--threads",
    "1",
    "--no-progress",
    ...extra,
  ];
}
