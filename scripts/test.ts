/**
 * Runs knip (unused files, exports, types and dependencies; config in `knip.jsonc`), then the
 * test suite with `bun test`, and ends with the line CI reads: `N passed, N failed` (a knip
 * finding counts as one failure). `--unit` runs only the unit tests (no knip). Exit code: 0 when
 * knip found nothing and every test passed, else 1.
 *
 * Usage:
 * - `bun scripts/test.ts [bun test arguments...]`: the whole suite (`bun run test`).
 * - `bun scripts/test.ts --unit [bun test arguments...]`: the unit tests only
 *   (`bun run test:unit`), see {@link unitTestFiles}.
 * - `bun scripts/test.ts --unit --list`: prints which test files are unit tests and why the
 *   others are not, runs nothing.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "..");

/** Why a test file is not a unit test; `undefined` when it is one. */
type Reason = string | undefined;

/**
 * What makes a test file more than a unit test, found in the file or in any test file it
 * imports (relative imports, followed transitively): a model made at test time
 * (`tests/helpers/tinyModel.ts`, `tinyOnnx.ts`), a build (`tests/helpers/isolatedBinary.ts`,
 * `scripts/build/`), or a spawned executable (`Bun.spawn`, `spawnSync`, `child_process`,
 * `runProcess(` used in the test file itself).
 */
const IMPORT_MARKERS: [RegExp, string][] = [
  [/helpers\/tiny(Model|Onnx)\.ts/, "makes a model"],
  [/helpers\/isolatedBinary\.ts|scripts\/build\//, "runs a build step"],
];
const SPAWN_MARKER = /\bBun\.spawn|\bspawnSync\b|node:child_process|\brunProcess\(/;

/** Relative import specifiers of a TypeScript file. */
function importsOf(text: string): string[] {
  return [
    ...text.matchAll(/\bfrom\s+["'](\.{1,2}\/[^"']+)["']|import\(\s*["'](\.{1,2}\/[^"']+)["']/g),
  ]
    .map((m) => m[1] ?? m[2]);
}

/** Why `file` needs more than the unit-test budget, following its relative imports. */
function reasonOf(file: string, seen = new Set<string>()): Reason {
  if (seen.has(file)) return undefined;
  seen.add(file);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  const specifiers = importsOf(text);
  for (const specifier of specifiers) {
    for (const [marker, reason] of IMPORT_MARKERS) if (marker.test(specifier)) return reason;
  }
  if (seen.size === 1 && SPAWN_MARKER.test(text)) return "spawns a process";
  for (const specifier of specifiers) {
    const target = resolve(dirname(file), specifier);
    // Only the test tree is followed: src/ is what the tests exercise, not what they need.
    if (!target.startsWith(join(ROOT, "tests") + "/")) continue;
    const reason = reasonOf(target, seen);
    if (reason) return reason;
  }
  return undefined;
}

/** Every `*.test.ts` under tests/, sorted, as paths relative to the repository root. */
function testFiles(dir = join(ROOT, "tests")): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "fixtures" && entry.name !== "node_modules") out.push(...testFiles(path));
    } else if (entry.name.endsWith(".test.ts")) out.push(relative(ROOT, path));
  }
  return out.sort();
}

/**
 * The unit tests: test files that need no model, no build and no spawned executable (see
 * {@link IMPORT_MARKERS}), with the reason each other file is left out.
 */
function unitTestFiles(): { unit: string[]; skipped: [string, string][] } {
  const unit: string[] = [];
  const skipped: [string, string][] = [];
  for (const file of testFiles()) {
    const reason = reasonOf(join(ROOT, file));
    if (reason) skipped.push([file, reason]);
    else unit.push(file);
  }
  return { unit, skipped };
}

if (import.meta.main) {
  let rest = process.argv.slice(2);
  const unitOnly = rest.includes("--unit");
  const listOnly = rest.includes("--list");
  rest = rest.filter((a) => a !== "--unit" && a !== "--list");
  let files: string[] = [];
  if (unitOnly) {
    const { unit, skipped } = unitTestFiles();
    if (listOnly) {
      for (const file of unit) console.log(`unit     ${file}`);
      for (const [file, reason] of skipped) console.log(`skipped  ${file} (${reason})`);
      process.exit(0);
    }
    files = unit.map((f) => `./${f}`);
  }
  let knipFailed = false;
  if (!unitOnly) {
    const knip = Bun.spawnSync(
      [process.execPath, join(ROOT, "node_modules", "knip", "bin", "knip-bun.js")],
      {
        cwd: ROOT,
        stdout: "inherit",
        stderr: "inherit",
        env: { ...process.env, FORCE_COLOR: "0" },
      },
    );
    knipFailed = knip.exitCode !== 0;
    if (knipFailed) console.error("knip: unused files, exports or dependencies (see above)");
  }
  const args = ["test", "--timeout", unitOnly ? "30000" : "300000", ...files, ...rest];
  const proc = Bun.spawn([process.execPath, ...args], {
    cwd: ROOT,
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
  const failed = count("fail") + (code !== 0 && count("fail") === 0 ? 1 : 0) +
    (knipFailed ? 1 : 0);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(code === 0 && failed === 0 ? 0 : 1);
}
