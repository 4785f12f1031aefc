#!/usr/bin/env bun
/**
 * Entry point of the `synth` executable: runs the CLI and exits with its code. Nothing else.
 *
 * @module
 */
import { runCli } from "./src/cli/main.ts";

const interrupt = new AbortController();
// `on`, not `once`: node-llama-cpp's signal-exit re-raises a signal when it sees only its own
// listeners, which would kill the process before the abort is handled. A second signal exits.
const onSignal = (message: string, code: number) => () => {
  if (interrupt.signal.aborted) process.exit(code);
  interrupt.abort(Object.assign(new Error(message), { name: "AbortError" }));
};
process.on("SIGINT", onSignal("Interrupted by Ctrl-C", 130));
process.on("SIGTERM", onSignal("Terminated", 143));

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  signal: interrupt.signal,
  programName: process.argv[1]?.endsWith("main.ts") ? "bun main.ts" : "synth",
});
process.exit(code);
