/**
 * Tool-use conversations end to end with a predictable tool-calling path: the model's text
 * (and its tool calls) is scripted, while config loading, environments (lookup tables, SQLite
 * databases), the router, the scheduler and the writers are the real ones (issue 6).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { loadConfig } from "../../../src/config/load.ts";
import type { GenerateRequest, ToolCall } from "../../../src/engines/contract.ts";
import { DEFAULT_RETRY_POLICY } from "../../../src/engines/retry.ts";
import { ConfigError } from "../../../src/errors.ts";
import { compileSynthesis } from "../../../src/synth/compile.ts";
import { synthesize } from "../../../src/synth/run.ts";
import { createRunStats } from "../../../src/synth/stats.ts";
import { CORPUS } from "../../helpers/corpus.ts";
import { scriptedEngine, type ScriptedReply } from "../../helpers/scriptedEngine.ts";

const ROOT = resolve(import.meta.dir, "..", "..", "..");
const dir = mkdtempSync(join(tmpdir(), "synth-tools-e2e-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let runs = 0;

const isPlanner = (r: GenerateRequest) => r.jsonSchema !== undefined;
const isUserTurn = (r: GenerateRequest) => r.messages.at(-1)!.content!.includes("as the USER");
/** Tool calls made so far in the current assistant turn (after the closing instruction). */
const callsThisTurn = (r: GenerateRequest) => {
  const closing = r.messages.findLastIndex((m) => m.role === "user");
  return r.messages.slice(closing + 1).filter((m) => m.role === "assistant").length;
};
const toolCall = (id: string, name: string, args: unknown): ToolCall => ({
  id,
  type: "function",
  function: { name, arguments: JSON.stringify(args) },
});

async function run(
  file: string,
  script: (r: GenerateRequest) => ScriptedReply,
  overrides: string[] = [],
  tools = true,
) {
  const loaded = await loadConfig(file, { overrides, cwd: dir });
  const compiled = compileSynthesis(loaded.config, { configDir: loaded.dir });
  const engine = scriptedEngine({
    reply: (r) =>
      isPlanner(r)
        ? '{"turns": [{"turn": 1, "instruction": "Ask for a book"}]}'
        : isUserTurn(r)
        ? "Do you have Dune?"
        : script(r),
    capabilities: { jsonSchema: false, tools },
    maxConcurrency: 4,
  });
  const outputPath = join(dir, `run${runs++}`, "out.jsonl");
  const stats = createRunStats(compiled.program.count);
  const result = await synthesize(compiled, {
    outputPath,
    stats,
    retry: { ...DEFAULT_RETRY_POLICY, max_retries: 0 },
    createEngine: () => Promise.resolve(engine),
  });
  const lines = existsSync(outputPath)
    ? readFileSync(outputPath, "utf8").split("\n").filter(Boolean)
    : [];
  return { engine, stats, result, lines, records: lines.map((l) => JSON.parse(l)), outputPath };
}

describe("deterministic lookup tables (library_tool_use_synth.yaml)", () => {
  const file = join(CORPUS, "library_tool_use_synth.yaml");

  test("catalog, then status, then a final answer; results in oumi's JSON form", async () => {
    const { records, engine, lines, stats } = await run(file, (r) => {
      const n = callsThisTurn(r);
      if (n === 0) {
        return { content: null, tool_calls: [toolCall("call_a", "list_book_catalog", {})] };
      }
      if (n === 1) {
        return {
          content: "Checking.",
          tool_calls: [
            toolCall("call_b", "lookup_book_status", { book_id: "B005" }),
            toolCall("call_c", "lookup_book_status", { book_id: "B999" }),
          ],
        };
      }
      return "Dune (B005) is checked out until 2026-05-20.";
    }, [
      "--num_samples",
      "3",
      "--strategy_params.multiturn_attributes[0].min_turns",
      "2",
      "--strategy_params.multiturn_attributes[0].max_turns",
      "2",
    ]);
    expect(stats.written).toBe(3);
    const messages = records[0].library_dialog.messages;
    expect(messages.map((m: { role: string }) => m.role)).toEqual([
      "system",
      "user",
      "assistant",
      "tool",
      "assistant",
      "tool",
      "tool",
      "assistant",
    ]);
    expect(
      messages[3].content.startsWith(
        '{"books": [{"book_id": "B001", "title": "The Name of the Wind"}',
      ),
    ).toBe(true);
    expect(messages[5]).toEqual({
      content: '{"title": "Dune", "status": "checked_out", "due_date": "2026-05-20"}',
      role: "tool",
      tool_call_id: "call_b",
    });
    // A lookup miss is the tool error returned to the model, not a crash.
    expect(JSON.parse(messages[6].content).error).toBeDefined();
    expect(messages[6].tool_call_id).toBe("call_c");
    expect(lines[0]).toContain('{"content": "Checking.", "role": "assistant", "tool_calls": [');
    // Grounding facts reach the planner prompt only.
    const planner = engine.requests.find(isPlanner)!.messages[3].content!;
    expect(planner).toMatch(/- book_id="B00\d", title="[^"]+", status="\w+"/);
    expect(lines.join("\n")).not.toContain("grounding_facts");
    // Tools are offered to the assistant only.
    for (const r of engine.requests) {
      expect(r.tools?.length ?? 0).toBe(!isPlanner(r) && !isUserTurn(r) ? 2 : 0);
    }
  });

  test("an engine without tool calling is a config error before any output", async () => {
    const error = await run(file, () => "x", ["--num_samples", "1"], false).catch((e) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(
      "Tool synthesis requires an engine with native tool-calling support",
    );
    expect(existsSync(join(dir, `run${runs - 1}`, "out.jsonl"))).toBe(false);
  });
});

describe("database environments (SQLite, sql: tools)", () => {
  const file = join(dir, "db.yaml");
  writeFileSync(
    file,
    `num_samples: 2
seed: 3
environment_config:
  environments:
    - id: ehr
      env_type: database
      env_kwargs:
        schema_sql: "CREATE TABLE patients (id INTEGER PRIMARY KEY, name TEXT NOT NULL, meds TEXT);"
        seed_sql: "INSERT INTO patients VALUES (1, 'Bob Martin', 'aspirin'), (2, 'Alice Chen', NULL);"
      tools:
        - id: lookup_patient
          name: lookup_patient
          description: Look up a patient.
          read_only: true
          parameters: {type: object, properties: {pat_id: {type: integer}}, required: [pat_id]}
          sql: "SELECT name, meds FROM patients WHERE id = :pat_id"
        - id: update_meds
          name: update_meds
          description: Set a patient's medication.
          read_only: false
          parameters:
            type: object
            properties: {pat_id: {type: integer}, medication: {type: string}}
            required: [pat_id, medication]
          sql: "UPDATE patients SET meds = :medication WHERE id = :pat_id"
strategy_params:
  sampled_attributes:
    - id: role
      name: Role
      description: Clinician
      possible_values: [{id: nurse, name: Nurse, description: A nurse}]
  multiturn_attributes:
    - id: chat
      min_turns: 2
      max_turns: 2
      role_instruction_messages:
        USER: You are a {role}.
        ASSISTANT: You are ChartBot.
inference_config:
  engine: OPENAI
  model: {model_name: scripted}
`,
  );

  test("writes are seen later in the same record and never by another record", async () => {
    let updates = 0;
    const { records } = await run(file, (r) => {
      const n = callsThisTurn(r);
      // Only the first record to reach its assistant turn updates the medication.
      if (n === 0 && updates++ === 0) {
        return {
          content: null,
          tool_calls: [toolCall("call_1", "update_meds", { pat_id: 1, medication: "heparin" })],
        };
      }
      if (
        n <= 1 && !r.messages.some((m) => m.tool_calls?.[0]?.function.name === "lookup_patient")
      ) {
        return { content: null, tool_calls: [toolCall("call_2", "lookup_patient", { pat_id: 1 })] };
      }
      return "Done.";
    });
    expect(records).toHaveLength(2);
    const toolResults = records.map((
      rec: { chat: { messages: { role: string; content: string }[] } },
    ) => rec.chat.messages.filter((m) => m.role === "tool").map((m) => m.content).join("\n"));
    const updated = toolResults.findIndex((t: string) => t.includes("heparin"));
    expect(updated).toBeGreaterThanOrEqual(0);
    expect(toolResults[1 - updated]).toContain("aspirin");
    expect(toolResults[1 - updated]).not.toContain("heparin");
  });
});

describe("stateful environment with TypeScript executors (configs/ehr_stateful_agent)", () => {
  const file = join(ROOT, "configs", "ehr_stateful_agent", "ehr_stateful_synth.yaml");

  test("a write is visible to later calls of the same record only", async () => {
    let writes = 0;
    const vitals = {
      patient_id: "P001",
      timestamp: "2026-01-01T08:00",
      bp: "120/80",
      hr: 71,
      temp_f: 98.6,
    };
    const { records, stats } = await run(file, (r) => {
      const n = callsThisTurn(r);
      const closing = r.messages.findLast((m) => m.role === "user")!.content!;
      if (!closing.includes("as the ASSISTANT")) return "text for a generated attribute";
      if (n === 0 && writes++ === 0) {
        return { content: null, tool_calls: [toolCall("call_w", "record_vitals", vitals)] };
      }
      if (n <= 1 && !r.messages.some((m) => m.tool_calls?.[0]?.function.name === "get_patient")) {
        return {
          content: null,
          tool_calls: [toolCall("call_r", "get_patient", { patient_id: "P001" })],
        };
      }
      return "Recorded.";
    }, [
      "--num_samples",
      "2",
      "--strategy_params.multiturn_attributes[0].min_turns",
      "2",
      "--strategy_params.multiturn_attributes[0].max_turns",
      "2",
    ]);
    expect(stats.written).toBe(2);
    const results = records.map((
      rec: Record<string, { messages: { role: string; content: string }[] }>,
    ) =>
      rec.ehr_conversation.messages.filter((m) => m.role === "tool").map((m) =>
        JSON.parse(m.content)
      )
    );
    const writer = results.findIndex((t: unknown[]) => t.length === 2);
    expect(writer).toBeGreaterThanOrEqual(0);
    expect(results[writer][0].status).toBe("ok");
    expect(results[writer][1].patient.vitals_history).toContainEqual({
      timestamp: "2026-01-01T08:00",
      bp: "120/80",
      hr: 71,
      temp_f: 98.6,
    });
    expect(results[1 - writer][0].patient.vitals_history).not.toContainEqual(
      expect.objectContaining({ timestamp: "2026-01-01T08:00" }),
    );
  });
});

describe("the guide's environment shape (synthesis guide example)", () => {
  const file = join(dir, "guide.yaml");
  writeFileSync(
    file,
    `num_samples: 2
environment_config:
  environments:
    - id: support_backend
      name: Support Backend
      description: Simulated support system with tickets and users
      type: synthetic
      system_prompt: You manage a customer support system with tickets and users.
      state_params:
        state_schema:
          type: object
          properties:
            tickets: { type: array }
            users: { type: array }
        initial_state:
          tickets: []
          users: []
      tools:
        - id: get_ticket
          name: GetTicket
          description: Read a ticket from the support backend.
          read_only: true
          parameters:
            type: object
            properties:
              ticket_id: { type: string }
    - id: faq_lookup
      name: FAQ Lookup
      description: Cached LLM-backed FAQ answers
      type: synthetic
      system_prompt: Generate concise FAQ answers grounded in the tool contract.
      cache_by_input: true
      tools:
        - id: answer_faq
          name: AnswerFAQ
          description: Answer common support questions.
          parameters:
            type: object
            properties:
              question: { type: string }
    - id: policy_table
      name: Policy Table
      description: Predefined policy responses
      type: deterministic
      tools:
        - id: get_refund_policy
          name: GetRefundPolicy
          description: Return the matching refund policy.
          parameters:
            type: object
            properties:
              policy_type: { type: string }
          deterministic_outputs:
            - input:
                policy_type: standard
              output:
                policy: Standard 30-day refund policy
strategy_params:
  sampled_attributes:
    - id: tone
      name: Tone
      description: How the customer sounds
      possible_values: [{id: calm, name: Calm, description: calm}]
  multiturn_attributes:
    - id: support_chat
      min_turns: 2
      max_turns: 4
      role_instruction_messages:
        USER: You are a {tone} customer contacting support.
        ASSISTANT: You are a helpful support agent.
      available_environments: [support_backend, faq_lookup, policy_table]
inference_config:
  engine: OPENAI
  model: {model_name: scripted}
`,
  );

  test("lookup and LLM-simulated tools answer one parallel round; simulated answers are cached", async () => {
    const { records, engine } = await run(file, (r) => {
      const last = r.messages.at(-1)!.content ?? "";
      if (last.startsWith('{"arguments"')) return '{"answer": "Refunds take 5 days."}';
      if (callsThisTurn(r) === 0) {
        return {
          content: null,
          tool_calls: [
            toolCall("call_p", "get_refund_policy", { policy_type: "standard" }),
            toolCall("call_f", "answer_faq", { question: "How long do refunds take?" }),
          ],
        };
      }
      return "Refunds follow the standard 30-day policy and take 5 days.";
    });
    expect(records).toHaveLength(2);
    for (const record of records) {
      const conversation = record.support_chat;
      expect(conversation.tools.map((t: { function: { name: string } }) => t.function.name))
        .toEqual(["get_ticket", "answer_faq", "get_refund_policy"]);
      const tools = conversation.messages.filter((m: { role: string }) => m.role === "tool");
      expect(tools[0]).toEqual({
        content: '{"policy": "Standard 30-day refund policy"}',
        role: "tool",
        tool_call_id: "call_p",
      });
      expect(JSON.parse(tools[1].content)).toEqual({ answer: "Refunds take 5 days." });
    }
    // cache_by_input: the same question is simulated once across records.
    const simulated = engine.requests.filter((r) =>
      (r.messages.at(-1)!.content ?? "").startsWith('{"arguments"')
    );
    expect(simulated).toHaveLength(1);
  });
});
