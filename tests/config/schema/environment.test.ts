import { describe, expect, test } from "bun:test";
import { environmentTools } from "../../../src/config/schema/environment.ts";
import { parseYaml } from "../../../src/config/yaml.ts";
import { expectProblem, problems, valid, withParams } from "../helpers.ts";
import { GUIDE_ENVIRONMENT_EXAMPLE } from "../../helpers/guideExample.ts";

const tool = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  name: id,
  description: `Tool ${id}`,
  ...extra,
});
const faqEnv = {
  id: "faq",
  env_type: "synthetic",
  env_kwargs: { tool_persona: "You answer FAQs." },
  tools: [tool("answer_faq")],
};
const fsEnv = {
  id: "fs",
  env_type: "synthetic",
  env_kwargs: { tool_persona: "A file system." },
  tools: [tool("read_file")],
};
const mt = (extra: Record<string, unknown>) => ({
  id: "chat",
  min_turns: 1,
  max_turns: 2,
  role_instruction_messages: { USER: "u", ASSISTANT: "a" },
  ...extra,
});
const withEnvs = (envs: unknown[], mtExtra?: Record<string, unknown>) =>
  withParams(mtExtra ? { multiturn_attributes: [mt(mtExtra)] } : {}, {
    environment_config: { environments: envs },
  });
const envOf = (data: unknown, i = 0) => valid(data).environment_config!.environments[i];

describe("environment references (§3, §20.2)", () => {
  test("an inline environment config is accepted; tools map to their environment", () => {
    const config = valid(withEnvs([faqEnv], { available_tools: ["answer_faq"] }));
    expect([...environmentTools(config.environment_config)]).toEqual([["faq", ["answer_faq"]]]);
    expect(config.strategy_params.multiturn_attributes![0].available_tools).toEqual(["answer_faq"]);
  });

  test("references need an environment config", () => {
    expectProblem(
      withParams({ multiturn_attributes: [mt({ available_tools: ["answer_faq"] })] }),
      "Environment or tool references require SynthesisConfig.environment_config, or SynthesisConfig.environment_config_path.",
    );
  });

  test("unknown environment and unknown tool for the selected environments", () => {
    expectProblem(
      withEnvs([faqEnv], { available_environments: ["nope"] }),
      "MultiTurnAttribute 'chat' references unknown environment 'nope'. Defined environment ids: ['faq']",
    );
    expectProblem(
      withEnvs([faqEnv, fsEnv], {
        available_environments: ["faq"],
        available_tools: ["read_file"],
      }),
      "MultiTurnAttribute 'chat' references unknown tool 'read_file' for environments ['faq']. Defined tool ids: ['answer_faq']",
    );
    valid(
      withEnvs([faqEnv, fsEnv], {
        available_environments: ["faq", "fs"],
        available_tools: ["answer_faq", "read_file"],
      }),
    );
  });

  test("environment_config and environment_config_path cannot both be set", () => {
    expectProblem(
      withParams({}, {
        environment_config: { environments: [faqEnv] },
        environment_config_path: "envs.yaml",
      }),
      "cannot both be set",
    );
  });
});

describe("EnvironmentConfig and EnvironmentParams (§11.1-11.2, §20.15)", () => {
  test("duplicate environment ids and tool ids across environments", () => {
    expectProblem(
      withEnvs([faqEnv, { ...fsEnv, id: "faq" }]),
      "EnvironmentConfig.environments contains duplicate environment id 'faq'.",
    );
    expectProblem(
      withEnvs([faqEnv, { ...fsEnv, tools: [tool("answer_faq")] }]),
      "EnvironmentConfig.environments contains duplicate tool id 'answer_faq'.",
    );
  });

  test("id and env_type are required; unknown types are errors; names are case-insensitive with aliases", () => {
    expectProblem(withEnvs([{ ...faqEnv, id: "" }]), "EnvironmentParams.id cannot be empty.");
    const { id: _id, ...noId } = faqEnv;
    expectProblem(withEnvs([noId]), "EnvironmentParams.id cannot be empty.");
    const { env_type: _t, ...noType } = faqEnv;
    expectProblem(withEnvs([noType]), "EnvironmentParams.env_type cannot be empty.");
    expectProblem(
      withEnvs([{ ...faqEnv, env_type: "magic" }]),
      "Unknown env_type 'magic'. Known types: ['database', 'deterministic', 'lookup', 'simulated', 'synthetic']",
    );
    expect(envOf(withEnvs([{ ...faqEnv, env_type: "Simulated" }])).env_type).toBe("synthetic");
    expect(envOf(withEnvs([{ ...faqEnv, env_type: "SYNTHETIC" }])).env_type).toBe("synthetic");
    expectProblem(
      withEnvs([{ ...faqEnv, type: "synthetic" }]),
      "Set only one of env_type and type.",
    );
  });

  test("tools: required fields, defaults, executors as plain strings", () => {
    expectProblem(withEnvs([{ ...faqEnv, tools: [tool("")] }]), "ToolParams.id cannot be empty.");
    expectProblem(
      withEnvs([{ ...faqEnv, tools: [tool("t", { name: "" })] }]),
      "ToolParams.name cannot be empty.",
    );
    expectProblem(
      withEnvs([{ ...faqEnv, tools: [tool("t", { description: "" })] }]),
      "ToolParams.description cannot be empty.",
    );
    expect(
      envOf(
        withEnvs([{ ...faqEnv, tools: [tool("t", { executor: "pkg.mod.fn", unknown_key: 1 })] }]),
      ).tools[0],
    ).toEqual({
      id: "t",
      name: "t",
      description: "Tool t",
      parameters: { type: "object" },
      output_schema: null,
      read_only: true,
      executor: "pkg.mod.fn",
      sql: null,
    });
  });
});

describe("synthetic environments (§11.7)", () => {
  test("stateless by default with the output cache on", () => {
    expect(envOf(withEnvs([faqEnv])).env_kwargs).toEqual({
      tool_persona: "You answer FAQs.",
      state_params: null,
      cache_by_input: true,
      use_guided_decoding: true,
    });
  });

  test("state_params: {} with cache_by_input false is valid; the cache defaults off with state", () => {
    const env = envOf(
      withEnvs([{
        ...faqEnv,
        env_kwargs: { tool_persona: "p", state_params: {}, cache_by_input: false },
      }]),
    );
    expect(env.env_kwargs).toMatchObject({
      state_params: { state_schema: null, initial_state: null },
      cache_by_input: false,
    });
    const implicit = envOf(
      withEnvs([{
        ...faqEnv,
        env_kwargs: { tool_persona: "p", state_params: { initial_state: { a: [] } } },
      }]),
    );
    expect(implicit.env_kwargs).toMatchObject({ cache_by_input: false });
  });

  test("rules", () => {
    expectProblem(
      withEnvs([{
        ...faqEnv,
        env_kwargs: { tool_persona: "p", state_params: {}, cache_by_input: true },
      }]),
      "SyntheticEnvironmentKwargs.cache_by_input must be False when state_params is provided.",
    );
    expectProblem(
      withEnvs([{ ...faqEnv, env_kwargs: { tool_persona: "" } }]),
      "SyntheticEnvironmentKwargs.tool_persona cannot be empty.",
    );
    expectProblem(
      withEnvs([{ ...faqEnv, env_kwargs: {} }]),
      "environment_config.environments[0].env_kwargs.tool_persona: SyntheticEnvironmentKwargs.tool_persona cannot be empty.",
    );
    expectProblem(
      withEnvs([{ ...faqEnv, env_kwargs: { tool_persona: "p", personality: "x" } }]),
      "SyntheticEnvironmentKwargs got unknown env_kwargs: ['personality']",
    );
    expectProblem(
      withEnvs([{ ...faqEnv, env_kwargs: { tool_persona: "p", state_params: { schema: {} } } }]),
      "Key 'schema' not in 'SyntheticStateParams'",
    );
  });
});

describe("deterministic environments (§11.8)", () => {
  const lookupEnv = {
    id: "lib",
    env_type: "deterministic",
    tools: [tool("status")],
    env_kwargs: { lookup_table: { status: [{ input: { id: "B1" }, output: { status: "ok" } }] } },
  };

  test("lookup tables are kept; oumi's newer name 'lookup' is accepted", () => {
    const env = envOf(withEnvs([{ ...lookupEnv, env_type: "lookup" }]));
    expect(env.env_type).toBe("deterministic");
    expect(env.env_kwargs).toEqual({
      lookup_table: { status: [{ input: { id: "B1" }, output: { status: "ok" } }] },
    });
  });

  test("rules", () => {
    expectProblem(
      withEnvs([{ ...lookupEnv, env_kwargs: { lookup_table: {}, extra: 1 } }]),
      "DeterministicEnvironment got unknown env_kwargs: ['extra']. Known: ['lookup_table']",
    );
    expectProblem(
      withEnvs([{ ...lookupEnv, env_kwargs: { lookup_table: {} } }]),
      "Tool 'status' has no entries in lookup_table for environment 'lib'.",
    );
    expectProblem(
      withEnvs([{ ...lookupEnv, env_kwargs: { lookup_table: { status: [{ input: {} }] } } }]),
      "env_kwargs.lookup_table.status[0].output: Missing mandatory value",
    );
  });
});

describe("database environments (§11.9)", () => {
  const dbEnv = (kwargs: Record<string, unknown>, tools = [tool("q", { executor: "ehr_db.q" })]) =>
    withEnvs([{ id: "db", env_type: "database", env_kwargs: kwargs, tools }]);

  test("schema_sql + seed_sql, executors or sql", () => {
    const env = envOf(
      dbEnv({ schema_sql: "CREATE TABLE t (a)", seed_sql: "INSERT INTO t VALUES (1)" }, [
        tool("q", { sql: "SELECT * FROM t" }),
      ]),
    );
    expect(env.env_kwargs).toEqual({
      db_path: null,
      schema_sql: "CREATE TABLE t (a)",
      seed_sql: "INSERT INTO t VALUES (1)",
    });
    expect(env.tools[0].sql).toBe("SELECT * FROM t");
  });

  test("rules", () => {
    expectProblem(dbEnv({}), "Provide exactly one of db_path or schema_sql.");
    expectProblem(
      dbEnv({ db_path: "a.db", schema_sql: "x" }),
      "Provide exactly one of db_path or schema_sql.",
    );
    expectProblem(dbEnv({ db_path: "a.db", seed_sql: "x" }), "seed_sql requires schema_sql.");
    expectProblem(
      dbEnv({ schema_sql: "x" }, [tool("q")]),
      "Tool 'q' of database environment 'db' must declare a non-empty executor or sql.",
    );
  });
});

describe("grounding (§11.6, §20.15)", () => {
  const grounded = (grounding: unknown, env: Record<string, unknown> = faqEnv) =>
    withEnvs([{ ...env, grounding }]);
  const stateful = {
    ...faqEnv,
    env_kwargs: {
      tool_persona: "p",
      cache_by_input: false,
      state_params: { initial_state: { patients: [{ id: 1 }], meta: { a: 1 } } },
    },
  };

  test("defaults", () => {
    const g = envOf(grounded({ tools: { answer_faq: { fields: ["q"] } } })).grounding;
    expect(g).toEqual({
      sample_size: 3,
      seed: null,
      tools: { answer_faq: { fields: ["q"] } },
      state: [],
    });
  });

  test("rules", () => {
    expectProblem(
      grounded({ sample_size: 0, tools: { answer_faq: { fields: ["q"] } } }),
      "GroundingConfig.sample_size must be >= 1, got 0.",
    );
    expectProblem(
      grounded({ tools: { answer_faq: { fields: [] } } }),
      "GroundingToolConfig.fields cannot be empty.",
    );
    expectProblem(
      grounded({ tools: { answer_faq: { fields: ["a", "a"] } } }),
      "GroundingToolConfig.fields must be unique.",
    );
    expectProblem(
      grounded({}),
      "GroundingConfig must define at least one entry in tools or state.",
    );
    expectProblem(
      grounded({ state: [{ state_path: "patients", fields: ["id"] }] }),
      "requires state_params.initial_state",
    );
    expectProblem(
      grounded({ state: [{ state_path: "nurses", fields: ["id"] }] }, stateful),
      "grounding state_path 'nurses' is not present in initial_state",
    );
    expectProblem(
      grounded({ state: [{ state_path: "meta", fields: ["a"] }] }, stateful),
      "grounding state_path 'meta' must resolve to a list",
    );
    expectProblem(
      grounded({
        state: [{ state_path: "patients", fields: ["id"] }, {
          state_path: "patients",
          fields: ["id"],
        }],
      }, stateful),
      "duplicate state_path 'patients'",
    );
    valid(grounded({ state: [{ state_path: "patients", fields: ["id"] }] }, stateful));
  });
});

describe("the guide's environment shape (DECISIONS 2)", () => {
  const GUIDE = `${GUIDE_ENVIRONMENT_EXAMPLE}inference_config:
  engine: OPENAI
  model: {model_name: gpt-4o-mini}
`;

  test("validates and normalises to oumi's shape", () => {
    const config = valid(parseYaml(GUIDE, "guide.yaml").data);
    const [backend, faq, policy] = config.environment_config!.environments;
    expect(backend.env_type).toBe("synthetic");
    expect(backend.env_kwargs).toEqual({
      tool_persona: "You manage a customer support system with tickets and users.",
      state_params: {
        state_schema: {
          type: "object",
          properties: { tickets: { type: "array" }, users: { type: "array" } },
        },
        initial_state: { tickets: [], users: [] },
      },
      cache_by_input: false,
      use_guided_decoding: true,
    });
    expect(backend.tools.map((t) => [t.id, t.read_only])).toEqual([["get_ticket", true], [
      "create_ticket",
      false,
    ]]);
    expect(faq.env_kwargs).toMatchObject({
      tool_persona: "Generate concise FAQ answers grounded in the tool contract.",
      cache_by_input: true,
    });
    expect(policy.env_type).toBe("deterministic");
    expect(policy.env_kwargs).toEqual({
      lookup_table: {
        get_refund_policy: [{
          input: { policy_type: "standard" },
          output: { policy: "Standard 30-day refund policy" },
        }],
      },
    });
    expect(Object.keys(policy.tools[0])).not.toContain("deterministic_outputs");
  });

  test("a persona given twice, or lookup entries given twice, are errors", () => {
    expectProblem(withEnvs([{ ...faqEnv, system_prompt: "also" }]), "tool_persona is given twice");
    const found = problems(withEnvs([{
      id: "p",
      type: "deterministic",
      tools: [tool("t", { deterministic_outputs: [{ input: {}, output: 1 }] })],
      env_kwargs: { lookup_table: { t: [{ input: {}, output: 2 }] } },
    }]));
    expect(
      found.some((p) =>
        p.includes(
          "Tool 't' has entries both in deterministic_outputs and env_kwargs.lookup_table.",
        )
      ),
    ).toBe(true);
    expectProblem(
      withEnvs([{ id: "d", type: "deterministic", system_prompt: "x", tools: [] }]),
      "system_prompt is only used by synthetic environments.",
    );
  });
});

describe("edge cases", () => {
  test("an empty env_type is reported as missing", () => {
    expectProblem(
      withEnvs([{ ...faqEnv, env_type: "" }]),
      "EnvironmentParams.env_type cannot be empty.",
    );
  });

  test("a bad deterministic_outputs entry is reported once, at the tool", () => {
    const found = problems(withEnvs([{
      id: "p",
      type: "lookup",
      tools: [tool("t", { deterministic_outputs: [{ input: { a: 1 } }] })],
    }]));
    expect(found).toEqual([
      "environment_config.environments[0].tools[0].deterministic_outputs[0].output: Missing mandatory value",
    ]);
  });
});
