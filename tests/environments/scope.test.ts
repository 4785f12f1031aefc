import { describe, expect, test } from "bun:test";
import { parseSynthesisConfig } from "../../src/config/schema.ts";
import { loadEnvironments } from "../../src/environments/index.ts";
import { ConfigError } from "../../src/errors.ts";
import { call, contents, load, loadError, noGenerate, tempDir, tool } from "./helpers.ts";

const envs2 = [
  {
    id: "faq",
    type: "synthetic",
    system_prompt: "FAQ",
    tools: [tool("answer_faq", {
      name: "AnswerFAQ",
      output_schema: { type: "object" },
      read_only: false,
      parameters: { type: "object", properties: { q: { type: "string" } } },
    })],
  },
  {
    id: "policy",
    env_type: "deterministic",
    tools: [tool("get_policy"), tool("list_policies")],
    env_kwargs: {
      lookup_table: {
        get_policy: [{ input: {}, output: "30 days" }],
        list_policies: [{ input: {}, output: ["standard"] }],
      },
    },
  },
];

describe("tool scope and definitions (§11.1, §11.3, §11.4)", () => {
  test("OpenAI definitions: function name = id; name, output_schema, read_only not sent", async () => {
    const envs = await load(envs2);
    expect(envs.toolCount).toBe(3);
    expect(envs.toolsFor({})).toEqual([
      {
        type: "function",
        function: {
          name: "answer_faq",
          description: "Tool answer_faq",
          parameters: { type: "object", properties: { q: { type: "string" } } },
        },
      },
      {
        type: "function",
        function: {
          name: "get_policy",
          description: "Tool get_policy",
          parameters: { type: "object" },
        },
      },
      {
        type: "function",
        function: {
          name: "list_policies",
          description: "Tool list_policies",
          parameters: { type: "object" },
        },
      },
    ]);
    expect(envs.toolsFor({ available_environments: ["policy"] }).map((t) => t.function.name))
      .toEqual(["get_policy", "list_policies"]);
    expect(
      envs.toolsFor({
        available_environments: [],
        available_tools: ["list_policies", "answer_faq"],
      })
        .map((t) => t.function.name),
    ).toEqual(["answer_faq", "list_policies"]);
    await envs.close();
  });

  test("unknown ids: oumi's messages", async () => {
    const envs = await load(envs2);
    expect(() => envs.toolsFor({ available_environments: ["nope"] })).toThrow(
      "Unknown environment id(s): ['nope']. Defined: ['faq', 'policy']",
    );
    expect(() =>
      envs.toolsFor({ available_environments: ["faq"], available_tools: ["get_policy"] })
    )
      .toThrow(
        "Unknown tool id(s): ['get_policy']. Available in selected environments: ['answer_faq']",
      );
    expect(() => envs.groundingFacts(0, { available_environments: ["nope"] })).toThrow(ConfigError);
    await envs.close();
  });

  test("dispatch looks tools up among all tools, not just the attribute's", async () => {
    const envs = await load(envs2);
    const s = await envs.openSession(0, noGenerate);
    expect(contents(await s.dispatch([call("list_policies")]))).toEqual(['["standard"]']);
    await envs.close();
  });

  test("environment_config_path: read relative to the config folder and validated", async () => {
    const tmp = tempDir({
      "envs.yaml": `environments:
  - id: policy
    type: lookup
    tools:
      - id: get_policy
        name: GetPolicy
        description: Policy.
        deterministic_outputs:
          - {input: {}, output: {policy: "30 days"}}
`,
      "bad.yaml": "environments:\n  - id: x\n    type: quantum\n",
    });
    try {
      const config = parseSynthesisConfig({
        environment_config_path: "envs.yaml",
        inference_config: { model: { model_name: "m" } },
      });
      const envs = await loadEnvironments(config, {
        configDir: tmp.dir,
        engineSupportsJsonSchema: false,
      });
      const s = await envs.openSession(0, noGenerate);
      expect(contents(await s.dispatch([call("get_policy")]))).toEqual(['{"policy": "30 days"}']);
      await envs.close();

      const bad = parseSynthesisConfig({
        environment_config_path: "bad.yaml",
        inference_config: { model: { model_name: "m" } },
      });
      const err = await loadEnvironments(bad, {
        configDir: tmp.dir,
        engineSupportsJsonSchema: false,
      })
        .catch((e) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect(err.issues[0].path).toBe("environment_config.environments[0].type");
      expect(err.issues[0].file).toBe("bad.yaml");

      const missing = parseSynthesisConfig({
        environment_config_path: "absent.yaml",
        inference_config: { model: { model_name: "m" } },
      });
      await expect(
        loadEnvironments(missing, { configDir: tmp.dir, engineSupportsJsonSchema: false }),
      )
        .rejects.toThrow("Environment config path does not exist: absent.yaml");
    } finally {
      tmp.cleanup();
    }
  });

  test("schemas that do not compile are config errors with their key paths", async () => {
    const err = await loadError([{
      id: "s",
      type: "synthetic",
      system_prompt: "p",
      state_params: { state_schema: { type: "nope" }, initial_state: {} },
      tools: [tool("t", { parameters: { type: 3 }, output_schema: { required: "x" } })],
    }]);
    expect(err.issues.map((i) => i.path)).toEqual([
      "environment_config.environments[0].tools[0].parameters",
      "environment_config.environments[0].tools[0].output_schema",
      "environment_config.environments[0].env_kwargs.state_params.state_schema",
    ]);
    expect(err.issues[0].message).toStartWith(
      "Invalid JSON Schema in parameters of tool 't': schema is invalid",
    );
  });

  test("no environment config: no tools, no facts", async () => {
    const envs = await loadEnvironments({}, { configDir: ".", engineSupportsJsonSchema: false });
    expect(envs.toolCount).toBe(0);
    expect(envs.toolsFor({})).toEqual([]);
    expect(envs.groundingFacts(0, {})).toEqual([]);
    await envs.close();
    await envs.close();
  });
});
