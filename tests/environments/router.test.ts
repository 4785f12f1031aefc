import { describe, expect, test } from "bun:test";
import type { EnvironmentParams } from "../../src/config/schema.ts";
import type { BuiltEnvironment, CallOutcome, EnvCall } from "../../src/environments/environment.ts";
import { RecordRouter, type RoutedTool } from "../../src/environments/router.ts";
import { EngineError } from "../../src/errors.ts";
import { call, contents, load, noGenerate, tempDir, tool } from "./helpers.ts";

/** An environment that records its steps and answers with `answer`. */
function recordingEnv(id: string, answer: (c: EnvCall) => unknown) {
  const steps: string[][] = [];
  const env: BuiltEnvironment = {
    params: { id } as EnvironmentParams,
    open: () =>
      Promise.resolve({
        step(calls: readonly EnvCall[]) {
          steps.push(calls.map((c) => c.tool.id));
          return Promise.resolve(calls.map((c): CallOutcome => ({ ok: true, output: answer(c) })));
        },
        close: () => Promise.resolve(),
      }),
    close: () => Promise.resolve(),
  };
  return { env, steps };
}

const params = (id: string, parameters: Record<string, unknown> = { type: "object" }) => ({
  id,
  name: id,
  description: id,
  parameters,
  output_schema: null,
  read_only: true,
  executor: null,
  sql: null,
});

describe("tool router (§11.5, §20.14)", () => {
  test("groups calls by environment in first-appearance order, keeps call order", async () => {
    const a = recordingEnv("a", (c) => `a:${c.tool.id}:${JSON.stringify(c.args)}`);
    const b = recordingEnv("b", (c) => ({ from: c.tool.id }));
    const tools = new Map<string, RoutedTool>([
      ["a1", { tool: params("a1"), env: 0 }],
      ["a2", { tool: params("a2"), env: 0 }],
      ["b1", { tool: params("b1"), env: 1 }],
    ]);
    const router = new RecordRouter([a.env, b.env], tools, {
      recordIndex: 0,
      generate: noGenerate,
    });
    const out = await router.dispatch([
      call("b1", {}, "1"),
      call("a1", { x: 1 }, "2"),
      call("ghost", {}, "3"),
      call("a2", "", "4"),
    ]);
    expect(b.steps).toEqual([["b1"]]);
    expect(a.steps).toEqual([["a1", "a2"]]);
    expect(out).toEqual([
      { role: "tool", content: '{"from": "b1"}', tool_call_id: "1" },
      { role: "tool", content: 'a:a1:{"x":1}', tool_call_id: "2" },
      {
        role: "tool",
        content: "{\"error\": \"Unknown tool 'ghost'. Known: ['a1', 'a2', 'b1']\"}",
        tool_call_id: "3",
      },
      { role: "tool", content: "a:a2:{}", tool_call_id: "4" },
    ]);
    expect(await router.dispatch([])).toEqual([]);
    await router.close();
  });

  test("bad arguments never reach the environment", async () => {
    const a = recordingEnv("a", () => "ok");
    const strict = params("t", {
      type: "object",
      properties: { n: { type: "integer" }, p: { enum: ["low", "high"] } },
      required: ["n"],
    });
    const router = new RecordRouter([a.env], new Map([["t", { tool: strict, env: 0 }]]), {
      recordIndex: 0,
      generate: noGenerate,
    });
    const out = await router.dispatch([
      call("t", "{oops"),
      call("t", "[1, 2]"),
      call("t", '"text"'),
      call("t", { n: "1" }),
      call("t", { p: "low" }),
      call("t", { n: 1, p: "mid" }),
    ]);
    expect(a.steps).toEqual([]);
    expect(contents(out)).toEqual([
      "{\"error\": \"Tool 't' arguments are not valid JSON: JSON Parse error: Expected '}'\"}",
      '{"error": "Tool \'t\' arguments must be a JSON object, got list."}',
      '{"error": "Tool \'t\' arguments must be a JSON object, got str."}',
      "{\"error\": \"Tool 't' arguments are invalid: at $.n: '1' is not of type 'integer'\"}",
      "{\"error\": \"Tool 't' arguments are invalid: 'n' is a required property\"}",
      "{\"error\": \"Tool 't' arguments are invalid: at $.p: 'mid' is not one of ['low', 'high']\"}",
    ]);
  });

  test("a failing batch is retried call by call; engine errors propagate", async () => {
    const attempts: string[][] = [];
    const flaky: BuiltEnvironment = {
      params: { id: "f" } as EnvironmentParams,
      open: () =>
        Promise.resolve({
          step(calls: readonly EnvCall[]) {
            attempts.push(calls.map((c) => c.tool.id));
            if (calls.some((c) => c.tool.id === "boom")) return Promise.reject(new Error("boom"));
            if (calls.some((c) => c.tool.id === "engine")) {
              return Promise.reject(new EngineError("HTTP 401", { fatal: true }));
            }
            return Promise.resolve(calls.map((): CallOutcome => ({ ok: true, output: 1 })));
          },
          close: () => Promise.resolve(),
        }),
      close: () => Promise.resolve(),
    };
    const tools = new Map<string, RoutedTool>(
      ["ok", "boom", "engine"].map((id) => [id, { tool: params(id), env: 0 }]),
    );
    const router = new RecordRouter([flaky], tools, { recordIndex: 0, generate: noGenerate });
    const out = await router.dispatch([call("ok"), call("boom"), call("ok", {}, "again")]);
    expect(attempts).toEqual([["ok", "boom", "ok"], ["ok"], ["boom"], ["ok"]]);
    expect(contents(out)).toEqual(["1", '{"error": "Tool \'boom\' raised: boom"}', "1"]);
    await expect(router.dispatch([call("engine")])).rejects.toBeInstanceOf(EngineError);
  });

  test("non-map outputs are JSON-encoded the way Python's json.dumps writes them", async () => {
    const values: Record<string, unknown> = {
      none: null,
      num: 191.23,
      list: ["users", "orders"],
      yes: true,
      text: "plain text",
      map: { city: "Paris", "é": "ü" },
    };
    const envs = await load([{
      id: "d",
      env_type: "deterministic",
      tools: Object.keys(values).map((k) => tool(k)),
      env_kwargs: {
        lookup_table: Object.fromEntries(
          Object.entries(values).map(([k, v]) => [k, [{ input: {}, output: v }]]),
        ),
      },
    }]);
    const session = await envs.openSession(0, noGenerate);
    const out = await session.dispatch(Object.keys(values).map((k) => call(k)));
    expect(contents(out)).toEqual([
      "null",
      "191.23",
      '["users", "orders"]',
      "true",
      "plain text",
      '{"city": "Paris", "\\u00e9": "\\u00fc"}',
    ]);
    await session.close();
    await expect(session.dispatch([call("none")])).rejects.toThrow("closed");
    await envs.close();
  });

  test("an executor that throws inside a real environment: per-call fallback message", async () => {
    const tmp = tempDir({
      "exec.ts": `export function boom() { throw new Error("boom"); }
export function ok(args) { return { output: { echo: args.v ?? null } }; }`,
    });
    try {
      const envs = await load([{
        id: "x",
        env_type: "synthetic",
        env_kwargs: { tool_persona: "p" },
        tools: [
          tool("t_boom", { executor: "exec.ts#boom" }),
          tool("t_ok", { executor: "./exec.ts#ok" }),
        ],
      }], { configDir: tmp.dir });
      const session = await envs.openSession(0, noGenerate);
      const out = await session.dispatch([call("t_ok", { v: 1 }), call("t_boom")]);
      expect(contents(out)).toEqual(['{"echo": 1}', '{"error": "Tool \'t_boom\' raised: boom"}']);
      await envs.close();
    } finally {
      tmp.cleanup();
    }
  });
});
