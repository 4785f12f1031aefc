/**
 * The kill test on llama.cpp with the tiny GGUF model (issue 12 "What must show"): a sampled
 * run (temperature 0.8; every request gets its own seed from (seed, attribute, record,
 * request), DECISIONS 15) killed with SIGKILL at a few points — in a journal append and in an
 * output flush — and resumed each time ends with the same file as an uninterrupted run.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { localEngineArgs, runInProcess, runProcess } from "../cli/helpers.ts";
import { tinyGgufPath } from "../helpers/tinyModel.ts";
import { remoteConfig } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "synth-kill-llama-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let model = "";
beforeAll(async () => {
  model = await tinyGgufPath();
});

const N = 4;
const POINTS = ["journal:3", "output:1"];

test(
  "SIGKILL on llama.cpp at a few points, then --resume: the same file as an uninterrupted run",
  async () => {
    const args = (config: string) => [
      "-c",
      config,
      ...localEngineArgs("LLAMACPP", model, 8, [
        "--parallel",
        "1",
        "--inference_config.generation.temperature",
        "0.8",
      ]),
    ];
    writeFileSync(join(dir, "ref.yaml"), remoteConfig("http://unused", { n: N, out: "ref.jsonl" }));
    writeFileSync(join(dir, "cut.yaml"), remoteConfig("http://unused", { n: N, out: "cut.jsonl" }));
    const reference = await runInProcess(args("ref.yaml"), { cwd: dir });
    expect(reference.code).toBe(0);
    let kills = 0;
    for (const [k, point] of POINTS.entries()) {
      const run = await runProcess([...args("cut.yaml"), ...(k > 0 ? ["--resume"] : [])], {
        cwd: dir,
        env: { SYNTH_TEST_CRASH: point },
      });
      if (run.signal === "SIGKILL") kills++;
      else expect({ point, code: run.code, stderr: run.stderr }).toMatchObject({ code: 0 });
    }
    expect(kills).toBeGreaterThanOrEqual(2);
    const last = await runProcess([...args("cut.yaml"), "--resume"], { cwd: dir });
    expect(last.code).toBe(0);
    const expected = readFileSync(join(dir, "ref.jsonl"), "utf8");
    expect(expected.split("\n").length).toBe(N + 1);
    expect(readFileSync(join(dir, "cut.jsonl"), "utf8")).toBe(expected);
  },
  240_000,
);
