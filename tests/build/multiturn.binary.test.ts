/**
 * The multi-turn and tool-use configs from `dist/synth` (issue 6 "What must show"): the
 * executable (built when stale) copied alone into an empty folder with the configs, run on the
 * tiny model with real llama.cpp inference — including a TypeScript executor module loaded by
 * the executable and SQLite built into it.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, cpSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CORPUS } from "../helpers/corpus.ts";
import { type IsolatedBinary, isolatedBinary, ROOT } from "../helpers/isolatedBinary.ts";
import { tinyGgufPath } from "../helpers/tinyModel.ts";

let bin: IsolatedBinary;
let model: string;

beforeAll(async () => {
  bin = isolatedBinary("synth-mt-binary");
  for (
    const file of [
      "conversation_synth.yaml",
      "multiturn_conversation_synth.yaml",
      "library_tool_use_synth.yaml",
      "mcp_docs_lookup_synth.yaml",
    ]
  ) {
    copyFileSync(join(CORPUS, file), join(bin.workDir, file));
  }
  for (const folder of ["ehr_database_agent", "ehr_stateful_agent"]) {
    cpSync(join(ROOT, "configs", folder), join(bin.workDir, folder), { recursive: true });
  }
  model = join(bin.workDir, "tiny.gguf");
  copyFileSync(await tinyGgufPath(), model);
}, 300_000);

afterAll(() => bin?.cleanup());

const CASES = [
  { config: "conversation_synth.yaml", id: "", tools: false },
  { config: "multiturn_conversation_synth.yaml", id: "support_conversation", tools: false },
  { config: "library_tool_use_synth.yaml", id: "library_dialog", tools: true },
  { config: "mcp_docs_lookup_synth.yaml", id: "docs_lookup_conversation", tools: true },
  { config: "ehr_database_agent/ehr_database_synth.yaml", id: "ehr_dialog", tools: true },
  { config: "ehr_stateful_agent/ehr_stateful_synth.yaml", id: "ehr_conversation", tools: true },
];

describe("dist/synth runs multi-turn configs", () => {
  for (const c of CASES) {
    test(c.config, () => {
      const out = join(bin.workDir, `${c.id || "conversation"}.jsonl`);
      const result = bin.run([
        "-c",
        c.config,
        "--inference_config.engine",
        "LLAMACPP",
        "--inference_config.model.model_name",
        model,
        "--inference_config.generation.max_new_tokens",
        "12",
        "--num_samples",
        "2",
        "--output_path",
        out,
        "--threads",
        "1",
        "--no-progress",
      ]);
      if (result.exitCode !== 0) {
        throw new Error(`exit ${result.exitCode}\n${result.stderr}`);
      }
      const summary = JSON.parse(
        readFileSync(out.replace(/\.jsonl$/, ".summary.json"), "utf8"),
      );
      expect(summary.records_failed).toBe(0);
      expect(summary.records_written + summary.records_filtered).toBe(2);
      const records = readFileSync(out, "utf8").split("\n").filter(Boolean).map((l) =>
        JSON.parse(l)
      );
      expect(records).toHaveLength(summary.records_written);
      for (const record of records) {
        if (!c.id) {
          expect(record.conversation.messages.length).toBeGreaterThanOrEqual(2);
          continue;
        }
        const conversation = record[c.id];
        expect(conversation.messages[0].role).toBe("system");
        expect(conversation.messages.at(-1).role).toBe("assistant");
        expect(typeof record[`${c.id}_plan`]).toBe("string");
        expect(conversation.tools !== undefined).toBe(c.tools);
      }
    }, 120_000);
  }
});
