/**
 * The user guide's environment example (spec/seeds/synthesis-guide.txt, "Environment-First Tool
 * Synthesis"), loaded from YAML through the real config loader: a stateful LLM-simulated
 * backend, a cached FAQ simulator and a deterministic policy table.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { loadConfig } from "../../src/config/load.ts";
import { loadEnvironments } from "../../src/environments/index.ts";
import { GUIDE_ENVIRONMENT_EXAMPLE } from "../helpers/guideExample.ts";
import { call, contents, scriptedGenerate, tempDir } from "./helpers.ts";

const GUIDE_YAML = `${GUIDE_ENVIRONMENT_EXAMPLE}inference_config:
  model:
    model_name: scripted
`;

describe("the guide's environment example (DECISIONS 2)", () => {
  test("loads from YAML and runs all three environments", async () => {
    const tmp = tempDir({ "guide.yaml": GUIDE_YAML });
    try {
      const { config, dir } = await loadConfig(join(tmp.dir, "guide.yaml"));
      const envs = await loadEnvironments(config, {
        configDir: dir,
        engineSupportsJsonSchema: true,
      });
      const scope = config.strategy_params.multiturn_attributes![0];
      expect(envs.toolsFor(scope).map((t) => t.function.name)).toEqual([
        "get_ticket",
        "create_ticket",
        "answer_faq",
        "get_refund_policy",
      ]);
      const generate = scriptedGenerate((req) => {
        const tool = JSON.parse(req.messages[1].content!).tool;
        if (tool === "create_ticket") {
          return '{"output": {"ticket_id": "T-1"}, "updated_state": {"tickets": [{"ticket_id": "T-1"}], "users": []}}';
        }
        if (tool === "get_ticket") return '{"output": {"ticket_id": "T-1", "status": "open"}}';
        return '{"answer": "Reset it from the login page."}';
      });
      const s = await envs.openSession(0, generate);
      const out = await s.dispatch([
        call("create_ticket", { subject: "Login", priority: "high" }),
        call("answer_faq", { question: "How do I reset my password?" }),
        call("get_refund_policy", { policy_type: "standard" }),
        call("get_ticket", { ticket_id: "T-1" }),
        call("create_ticket", { subject: "Login", priority: "urgent" }),
      ]);
      expect(contents(out)).toEqual([
        '{"ticket_id": "T-1"}',
        '{"answer": "Reset it from the login page."}',
        '{"policy": "Standard 30-day refund policy"}',
        '{"ticket_id": "T-1", "status": "open"}',
        "{\"error\": \"Tool 'create_ticket' arguments are invalid: at $.priority: 'urgent' is not one of ['low', 'medium', 'high']\"}",
      ]);
      // Calls are grouped per environment (support_backend first), in call order inside it.
      const tools = generate.requests.map((r) => JSON.parse(r.messages[1].content!).tool);
      expect(tools).toEqual(["create_ticket", "get_ticket", "answer_faq"]);
      // The read-only call saw the state the write produced; the guided schema forbids changes.
      expect(generate.requests[1].messages[0].content).toContain('"ticket_id": "T-1"');
      expect(generate.requests[1].jsonSchema).toEqual({
        type: "object",
        properties: { output: {} },
        required: ["output"],
        additionalProperties: false,
      });
      await envs.close();
    } finally {
      tmp.cleanup();
    }
  });
});
