import { describe, expect, test } from "bun:test";
import { call, contents, load, loadError, noGenerate, tool } from "./helpers.ts";

const lookupTool = tool("get_policy", {
  parameters: {
    type: "object",
    properties: { policy_type: { type: "string" }, region: { type: "string", default: "us" } },
    required: ["policy_type"],
  },
});

/** The guide's shape: `type: deterministic` with per-tool `deterministic_outputs`. */
const guideEnv = {
  id: "policy_table",
  type: "deterministic",
  tools: [{
    ...lookupTool,
    deterministic_outputs: [
      { input: { policy_type: "standard" }, output: { policy: "Standard 30-day refund policy" } },
      { input: { policy_type: "standard", region: "eu" }, output: "EU: 14 days" },
    ],
  }],
};

/** oumi's shape: `env_type` + `env_kwargs.lookup_table`; `lookup` is the newer name. */
const oumiEnv = (envType = "deterministic") => ({
  id: "policy_table",
  env_type: envType,
  tools: [lookupTool],
  env_kwargs: {
    lookup_table: {
      get_policy: [
        { input: { policy_type: "standard" }, output: { policy: "Standard 30-day refund policy" } },
        { input: { policy_type: "standard", region: "eu" }, output: "EU: 14 days" },
      ],
    },
  },
});

describe("deterministic environments (§11.8, §20.16)", () => {
  for (
    const [shape, env] of [
      ["guide", guideEnv],
      ["oumi", oumiEnv()],
      ["oumi lookup alias", oumiEnv("LOOKUP")],
    ] as const
  ) {
    test(`${shape} shape: matching output, defaults filled, miss is a tool error`, async () => {
      const envs = await load([env]);
      const session = await envs.openSession(0, noGenerate);
      const out = await session.dispatch([
        call("get_policy", { policy_type: "standard" }, "a"),
        call("get_policy", { region: "us", policy_type: "standard" }, "b"),
        call("get_policy", { policy_type: "standard", region: "eu" }, "c"),
        call("get_policy", { policy_type: "gold" }, "d"),
      ]);
      expect(out.map((m) => m.tool_call_id)).toEqual(["a", "b", "c", "d"]);
      expect(contents(out)).toEqual([
        '{"policy": "Standard 30-day refund policy"}',
        '{"policy": "Standard 30-day refund policy"}',
        "EU: 14 days",
        '{"error": "No deterministic output matches arguments {\\"policy_type\\": \\"gold\\", ' +
        '\\"region\\": \\"us\\"} for tool \'get_policy\'. Configured inputs: ' +
        '[{\\"policy_type\\": \\"standard\\", \\"region\\": \\"us\\"}, ' +
        '{\\"policy_type\\": \\"standard\\", \\"region\\": \\"eu\\"}]"}',
      ]);
      await session.close();
      await envs.close();
    });
  }

  test("canonical matching: key order is irrelevant, 1 and '1' differ; zero-argument tools", async () => {
    const envs = await load([{
      id: "t",
      env_type: "deterministic",
      tools: [
        tool("n", { parameters: { type: "object", properties: { x: {}, y: {} } } }),
        tool("none"),
      ],
      env_kwargs: {
        lookup_table: {
          n: [{ input: { x: 1, y: { b: 2, a: 1 } }, output: [1, 2] }],
          none: [{ input: {}, output: null }],
        },
      },
    }]);
    const session = await envs.openSession(0, noGenerate);
    const out = await session.dispatch([
      call("n", '{"y": {"a": 1, "b": 2}, "x": 1}'),
      call("n", { x: "1", y: { a: 1, b: 2 } }),
      call("none", ""),
    ]);
    expect(out[0].content).toBe("[1, 2]");
    expect(out[1].content).toStartWith('{"error": "No deterministic output matches');
    expect(out[2].content).toBe("null");
    await envs.close();
  });

  test("one instance is shared by all records", async () => {
    const envs = await load([oumiEnv()]);
    const [a, b] = await Promise.all([
      envs.openSession(0, noGenerate),
      envs.openSession(1, noGenerate),
    ]);
    const [x] = await a.dispatch([call("get_policy", { policy_type: "standard" })]);
    const [y] = await b.dispatch([call("get_policy", { policy_type: "standard" })]);
    expect(x.content).toBe(y.content);
    await envs.close();
  });

  test("load-time errors: entry breaking parameters, output breaking output_schema, duplicates", async () => {
    const err = await loadError([{
      id: "bad",
      env_type: "deterministic",
      tools: [
        { ...lookupTool, output_schema: { type: "object", required: ["policy"] } },
      ],
      env_kwargs: {
        lookup_table: {
          get_policy: [
            { input: { policy_type: 5 }, output: { policy: "x" } },
            { input: { policy_type: "a" }, output: { nope: 1 } },
            { input: { policy_type: "b" }, output: { policy: "b" } },
            { input: { policy_type: "b", region: "us" }, output: { policy: "c" } },
          ],
          ghost_tool: [{ input: {}, output: 1 }],
        },
      },
    }]);
    expect(err.issues).toEqual([
      {
        path: "environment_config.environments[0].env_kwargs.lookup_table.get_policy[0].input",
        message:
          "Lookup entry 0 of tool 'get_policy' does not match the tool's parameters: at $.policy_type: 5 is not of type 'string'",
      },
      {
        path: "environment_config.environments[0].env_kwargs.lookup_table.get_policy[1].output",
        message:
          "Lookup entry 1 of tool 'get_policy' does not match the tool's output_schema: 'policy' is a required property",
      },
      {
        path: "environment_config.environments[0].env_kwargs.lookup_table.get_policy[3].input",
        message:
          'Tool \'get_policy\' has duplicate input entry {"policy_type": "b", "region": "us"} in its lookup table',
      },
    ]);
  });

  test("guide shape: a deterministic_outputs entry breaking the parameters is a load error", async () => {
    const err = await loadError([{
      ...guideEnv,
      tools: [{ ...lookupTool, deterministic_outputs: [{ input: { region: "eu" }, output: 1 }] }],
    }]);
    expect(err.issues[0].message).toBe(
      "Lookup entry 0 of tool 'get_policy' does not match the tool's parameters: 'policy_type' is a required property",
    );
  });

  test("stale lookup keys warn; unreachable defaults are errors, defaults through $ref work", async () => {
    const envs = await load([{
      id: "r",
      env_type: "deterministic",
      tools: [tool("q", {
        parameters: {
          type: "object",
          $defs: { Page: { type: "integer", default: 1 } },
          properties: { page: { $ref: "#/$defs/Page" }, opts: { anyOf: [{ type: "object" }] } },
        },
      })],
      env_kwargs: {
        lookup_table: { q: [{ input: {}, output: "p1" }], gone: [{ input: {}, output: 0 }] },
      },
    }]);
    expect(envs.warnings).toEqual([
      "Environment 'r': lookup_table entries for unknown tool 'gone' are ignored",
    ]);
    const session = await envs.openSession(0, noGenerate);
    expect(contents(await session.dispatch([call("q", { page: 1 }), call("q", {})]))).toEqual([
      "p1",
      "p1",
    ]);
    await envs.close();

    const err = await loadError([{
      id: "u",
      env_type: "deterministic",
      tools: [tool("q", {
        parameters: {
          type: "object",
          properties: {
            tags: { type: "array", items: { type: "string", default: "x" } },
            mode: { anyOf: [{ type: "string", default: "a" }] },
          },
        },
      })],
      env_kwargs: { lookup_table: { q: [{ input: {}, output: 1 }] } },
    }]);
    expect(err.issues.map((i) => i.message)).toEqual([
      "Tool 'q' declares schema defaults that are never applied, at " +
      "['properties.tags.items.default', 'properties.mode.anyOf.0.default']",
    ]);
  });

  test("an executor or sql on a lookup tool is ignored with a warning", async () => {
    const envs = await load([{
      id: "w",
      env_type: "deterministic",
      tools: [tool("q", { executor: "./x.ts#q" })],
      env_kwargs: { lookup_table: { q: [{ input: {}, output: 1 }] } },
    }]);
    expect(envs.warnings).toEqual([
      "Environment 'w': tool 'q' answers from its lookup table; its executor is ignored",
    ]);
    await envs.close();
  });

  test("a tool without entries is a config error (§11.8)", async () => {
    const err = await loadError([{ id: "e", env_type: "deterministic", tools: [tool("q")] }]);
    expect(err.issues.map((i) => i.message)).toContain(
      "Tool 'q' has no entries in lookup_table for environment 'e'.",
    );
  });
});
