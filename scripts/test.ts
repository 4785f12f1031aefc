/**
 * Runs knip (unused files, exports, types and dependencies; config in `knip.jsonc`), then the
 * whole test suite with `bun test`, and ends with the line CI reads: `N passed, N failed` (a knip
 * finding counts as one failure). Exit code: non-zero when knip found something or any test
 * failed.
 *
 * Usage: `bun scripts/test.ts [bun test arguments...]`
 */
import { join } from "node:path";

const knip = Bun.spawnSync(
  [process.execPath, join(import.meta.dir, "..", "node_modules", "knip", "bin", "knip-bun.js")],
  { stdout: "inherit", stderr: "inherit", env: { ...process.env, FORCE_COLOR: "0" } },
);
const knipFailed = knip.exitCode !== 0;
if (knipFailed) console.error("knip: unused files, exports or dependencies (see above)");

const args = ["test", "--timeout", "300000", ...process.argv.slice(2)];
const proc = Bun.spawn([process.execPath, ...args], {
  stdout: "inherit",
  stderr: "pipe",
  env: { ...process.env, FORCE_COLOR: "0" },
});
let tail = "";
const decoder = new TextDecoder();
for await (const chunk of proc.stderr) {
  process.stderr.write(chunk);
  tail = (tail + decoder.decode(chunk, { stream: true })).slice(-20000);
}
const code = await proc.exited;
const count = (label: string) =>
  Number(tail.match(new RegExp(`^\\s*(\\d+) ${label}$`, "m"))?.[1] ?? 0);
const passed = count("pass");
const failed = count("fail") + (code !== 0 && count("fail") === 0 ? 1 : 0) + (knipFailed ? 1 : 0);
console.log(`${passed} passed, ${failed} failed`);
process.exit(code === 0 && failed === 0 ? 0 : 1);
export {};
