#!/usr/bin/env bun
/**
 * Entry point of the `synth` executable: runs the CLI and exits with its code. Nothing else.
 *
 * @module
 */
import { runCli } from "./src/cli/main.ts";

const interrupt = new AbortController();
process.once(
  "SIGINT",
  () => interrupt.abort(Object.assign(new Error("Interrupted by Ctrl-C"), { name: "AbortError" })),
);

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  signal: interrupt.signal,
});
process.exit(code);
