/**
 * Builds `dist/synth` (skipped when it is fresh for the current sources) and runs it the way a
 * user would: copied alone into an empty folder, with an empty cache and no `node_modules`.
 * Needs the CLI entry point `main.ts` (`synth -c <cfg>`).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { tinyGgufPath } from "../helpers/tinyModel.ts";

const ROOT = resolve(import.meta.dir, "..", "..");
const BUN = join(ROOT, "node_modules", ".bin", "bun");
let tmp: string;
let binary: string;
let workDir: string;
let env: Record<string, string>;

function run(args: string[]) {
  const started = performance.now();
  const proc = Bun.spawnSync({
    cmd: [binary, ...args],
    cwd: workDir,
    env,
    stdout: "pipe",
    stderr: "pipe",
  });
  return {
    exitCode: proc.exitCode,
    stdout: proc.stdout.toString(),
    stderr: proc.stderr.toString(),
    ms: performance.now() - started,
  };
}

beforeAll(() => {
  const build = Bun.spawnSync({
    cmd: [BUN, "scripts/build.ts", "--if-stale"],
    cwd: ROOT,
    stdout: "pipe",
    stderr: "pipe",
  });
  if (build.exitCode !== 0) {
    throw new Error(`build failed:\n${build.stdout.toString()}${build.stderr.toString()}`);
  }
  tmp = mkdtempSync(join(tmpdir(), "synth-binary-"));
  const binDir = join(tmp, "bin");
  workDir = join(tmp, "work");
  for (const dir of [binDir, workDir, join(tmp, "home"), join(tmp, "cache")]) mkdirSync(dir);
  binary = join(binDir, "synth");
  copyFileSync(join(ROOT, "dist", "synth"), binary);
  Bun.spawnSync({ cmd: ["chmod", "+x", binary] });
  env = {
    PATH: "/usr/bin:/bin",
    HOME: join(tmp, "home"),
    XDG_CACHE_HOME: join(tmp, "cache"),
    NO_COLOR: "1",
  };
}, 300_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("dist/synth", () => {
  test("no node_modules is reachable from the run folder", () => {
    let dir = workDir;
    for (;;) {
      expect(existsSync(join(dir, "node_modules"))).toBe(false);
      const parent = resolve(dir, "..");
      if (parent === dir) break;
      dir = parent;
    }
  });

  test("--help answers without unpacking the native runtime", () => {
    const result = run(["--help"]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.toLowerCase()).toContain("usage");
    expect(readdirSync(join(tmp, "cache"))).toEqual([]);
  });

  test("runs a LLAMACPP config on the tiny model", async () => {
    const modelPath = await tinyGgufPath();
    writeFileSync(
      join(workDir, "cfg.yaml"),
      [
        "strategy: GENERAL",
        "num_samples: 3",
        "output_path: out.jsonl",
        "strategy_params:",
        "  sampled_attributes:",
        "    - id: topic",
        "      name: Topic",
        "      description: What to write about",
        "      possible_values:",
        "        - {id: cats, name: Cats, description: Domestic cats}",
        "        - {id: dogs, name: Dogs, description: Domestic dogs}",
        "  generated_attributes:",
        "    - id: haiku",
        "      instruction_messages:",
        '        - {role: SYSTEM, content: "You write short poems."}',
        '        - {role: USER, content: "Write a haiku about {topic}."}',
        "inference_config:",
        "  engine: LLAMACPP",
        `  model: {model_name: ${JSON.stringify(modelPath)}}`,
        "  generation: {max_new_tokens: 16}",
        "",
      ].join("\n"),
    );
    const result = run(["-c", "cfg.yaml"]);
    if (result.exitCode !== 0) console.error(result.stdout, result.stderr);
    expect(result.exitCode).toBe(0);
    const lines = readFileSync(join(workDir, "out.jsonl"), "utf8").split("\n").filter((l) =>
      l.length > 0
    );
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      const record = JSON.parse(line);
      expect(Object.keys(record)).toEqual(["topic", "haiku"]);
      expect(["cats", "dogs"]).toContain(record.topic);
      expect(typeof record.haiku).toBe("string");
    }
    // The runtime was unpacked into the (empty) cache given by XDG_CACHE_HOME.
    const builds = readdirSync(join(tmp, "cache", "synth")).filter((n) => !n.startsWith("."));
    expect(builds).toHaveLength(1);
    expect(existsSync(join(tmp, "cache", "synth", builds[0], ".complete"))).toBe(true);
  }, 120_000);
});
