/**
 * Builds `dist/synth` (skipped when it is fresh for the current sources) and runs it the way a
 * user would: copied alone into an empty folder, with an empty cache and no `node_modules`.
 * Needs the CLI entry point `main.ts` (`synth -c <cfg>`).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { type IsolatedBinary, isolatedBinary } from "../helpers/isolatedBinary.ts";
import { tinyGgufPath } from "../helpers/tinyModel.ts";

let bin: IsolatedBinary;

beforeAll(() => {
  bin = isolatedBinary("synth-binary");
}, 300_000);

afterAll(() => bin?.cleanup());

describe("dist/synth", () => {
  test("no node_modules is reachable from the run folder", () => {
    let dir = bin.workDir;
    for (;;) {
      expect(existsSync(join(dir, "node_modules"))).toBe(false);
      const parent = resolve(dir, "..");
      if (parent === dir) break;
      dir = parent;
    }
  });

  test("--help answers without unpacking the native runtime", () => {
    const result = bin.run(["--help"]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.toLowerCase()).toContain("usage");
    expect(readdirSync(join(bin.tmp, "cache"))).toEqual([]);
  });

  test("runs a LLAMACPP config on the tiny model", async () => {
    const modelPath = await tinyGgufPath();
    writeFileSync(
      join(bin.workDir, "cfg.yaml"),
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
    const result = bin.run(["-c", "cfg.yaml"]);
    if (result.exitCode !== 0) console.error(result.stdout, result.stderr);
    expect(result.exitCode).toBe(0);
    const lines = readFileSync(join(bin.workDir, "out.jsonl"), "utf8").split("\n").filter((l) =>
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
    // (Folders only: the model-hash cache `model-hashes.json` is a file beside them.)
    const builds = readdirSync(join(bin.tmp, "cache", "synth"), { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.startsWith("."))
      .map((e) => e.name);
    expect(builds).toHaveLength(1);
    expect(existsSync(join(bin.tmp, "cache", "synth", builds[0], ".complete"))).toBe(true);
  }, 120_000);
});
