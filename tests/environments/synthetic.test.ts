import { describe, expect, test } from "bun:test";
import {
  call,
  contents,
  load,
  loadError,
  noGenerate,
  scriptedGenerate,
  tempDir,
  tool,
} from "./helpers.ts";

const weatherOutput = {
  type: "object",
  properties: { temp_c: { type: "number" } },
  required: ["temp_c"],
};
const weather = tool("get_weather", {
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  output_schema: weatherOutput,
});

/** oumi's shape. */
const oumiStateless = (kwargs: Record<string, unknown> = {}) => ({
  id: "wx",
  env_type: "synthetic",
  env_kwargs: { tool_persona: "You are a weather service.", ...kwargs },
  tools: [weather],
});
/** The guide's shape (`type`, env-level `system_prompt`, `cache_by_input`); `simulated` alias. */
const guideStateless = {
  id: "wx",
  type: "simulated",
  system_prompt: "You are a weather service.",
  cache_by_input: true,
  tools: [weather],
};

describe("stateless synthetic environments (§11.7, §20.16)", () => {
  for (const [shape, env] of [["oumi", oumiStateless()], ["guide", guideStateless]] as const) {
    test(`${shape} shape: simulated with the output schema; cache shared across records`, async () => {
      const envs = await load([env]);
      const generate = scriptedGenerate((req) => {
        const args = JSON.parse(req.messages[1].content!).arguments;
        return `{"temp_c": ${args.city === "Paris" ? 21.5 : 3}}`;
      });
      const s0 = await envs.openSession(0, generate);
      const s1 = await envs.openSession(1, generate);
      expect(contents(await s0.dispatch([call("get_weather", { city: "Paris" })]))).toEqual([
        '{"temp_c": 21.5}',
      ]);
      // Cache hit from another record; a miss for a new city.
      const out = await s1.dispatch([
        call("get_weather", { city: "Paris" }),
        call("get_weather", { city: "Oslo" }),
      ]);
      expect(contents(out)).toEqual(['{"temp_c": 21.5}', '{"temp_c": 3}']);
      expect(generate.requests.length).toBe(2);
      const [first] = generate.requests;
      expect(first.jsonSchema).toEqual(weatherOutput);
      expect(first.messages[0].role).toBe("system");
      expect(first.messages[0].content).toStartWith(
        "You are a weather service.\n\nYou are simulating the tool 'get_weather'.",
      );
      expect(first.messages[0].content).toContain('"display_name": "get_weather"');
      expect(first.messages[1]).toEqual({
        role: "user",
        content: '{"arguments": {"city": "Paris"}, "tool": "get_weather"}',
      });
      await envs.close();
    });
  }

  test("cache off: every call is simulated; guidance off or unsupported: no jsonSchema", async () => {
    for (
      const [kwargs, supports] of [[{ cache_by_input: false }, true], [{
        use_guided_decoding: false,
      }, true], [{}, false]] as const
    ) {
      const envs = await load([oumiStateless(kwargs)], { engineSupportsJsonSchema: supports });
      const generate = scriptedGenerate(() => '{"temp_c": 1}');
      const s = await envs.openSession(0, generate);
      await s.dispatch([call("get_weather", { city: "A" })]);
      await s.dispatch([call("get_weather", { city: "A" })]);
      const guided = "use_guided_decoding" in kwargs || !supports ? undefined : weatherOutput;
      expect(generate.requests.map((r) => r.jsonSchema)).toEqual(
        "cache_by_input" in kwargs ? [guided, guided] : [guided],
      );
      await envs.close();
    }
  });

  test("issue 11 item 9: a tool without output_schema is simulated without a JSON constraint", async () => {
    const free = tool("answer_faq", {
      parameters: { type: "object", properties: { question: { type: "string" } } },
    });
    const envs = await load([{ ...oumiStateless(), tools: [free] }], {
      engineSupportsJsonSchema: true,
    });
    const generate = scriptedGenerate(() => '{"answer": "Reset it from the login page."}');
    const s = await envs.openSession(0, generate);
    const out = await s.dispatch([call("answer_faq", { question: "password?" })]);
    expect(contents(out)).toEqual(['{"answer": "Reset it from the login page."}']);
    expect(generate.requests).toHaveLength(1);
    expect(generate.requests[0].jsonSchema).toBeUndefined();
    await envs.close();
  });

  test("noisy replies are parsed; bad replies are retried, then become tool errors", async () => {
    const envs = await load([oumiStateless({ cache_by_input: false })], {
      engineSupportsJsonSchema: false,
    });
    const replies: Record<string, string[]> = {
      noisy: ['Sure! {"temp_c": 5} hope that helps'],
      drift: ['{"temp": 5}', '{"temp": 5}', '{"temp": 5}'],
      prose: ["no idea", "still no", "nope"],
      empty: ["  ", "", "\n"],
      list: ["[1]", "[1]", "[1]"],
      late: ["oops", '{"temp_c": 7}'],
    };
    const generate = scriptedGenerate((req) => {
      const city = JSON.parse(req.messages[1].content!).arguments.city as string;
      return replies[city].shift()!;
    });
    const s = await envs.openSession(0, generate);
    const out = await s.dispatch(Object.keys(replies).map((city) => call("get_weather", { city })));
    expect(contents(out)).toEqual([
      '{"temp_c": 5}',
      "{\"error\": \"Simulator output for 'get_weather' failed schema validation: 'temp_c' is a required property\"}",
      '{"error": "Simulator output for \'get_weather\' is not valid JSON: JSON Parse error: Unexpected identifier \\"nope\\""}',
      '{"error": "Simulator returned empty response for \'get_weather\'."}',
      '{"error": "Simulator output for \'get_weather\' must be a JSON object, got list."}',
      '{"temp_c": 7}',
    ]);
    expect(generate.requests.length).toBe(1 + 3 + 3 + 3 + 3 + 2);
    await envs.close();
  });

  test("a stateless executor returning updated_state is rejected; non-ToolResult is rejected", async () => {
    const tmp = tempDir({
      "x.ts": `export const withState = () => ({ output: 1, updated_state: { n: 1 } });
export const bare = () => 42;
export default function (args) { return { output: { got: args } }; }`,
    });
    try {
      const envs = await load([{
        id: "s",
        env_type: "synthetic",
        env_kwargs: { tool_persona: "p" },
        tools: [
          tool("a", { executor: "x.ts#withState" }),
          tool("b", { executor: "x.ts#bare" }),
          tool("c", { executor: "x.ts" }),
        ],
      }], { configDir: tmp.dir });
      const s = await envs.openSession(0, noGenerate);
      expect(contents(await s.dispatch([call("a"), call("b"), call("c", { k: "v" })]))).toEqual([
        "{\"error\": \"Tool 'a' executor returned updated_state, but environment 's' is stateless\"}",
        '{"error": "Tool \'b\' executor must return a ToolResult {output, updated_state?}, got int"}',
        '{"got": {"k": "v"}}',
      ]);
      await envs.close();
    } finally {
      tmp.cleanup();
    }
  });
});

const counterSchema = {
  type: "object",
  properties: { count: { type: "integer", minimum: 0 }, log: { type: "array" } },
  required: ["count"],
};

describe("stateful synthetic environments (§11.7, §20.16)", () => {
  test("executors thread the state 1 -> 2 -> 3 per record; records are isolated", async () => {
    const tmp = tempDir({
      "counter.ts": `export function bump(args, ctx) {
  const count = ctx.state.count + 1;
  return { output: { count }, updated_state: { ...ctx.state, count } };
}
export function peek(args, ctx) { return { output: ctx.state.count }; }
export function sneaky(args, ctx) { return { output: 0, updated_state: { count: 99 } }; }
export function negative(args, ctx) { return { output: -1, updated_state: { count: -1 } }; }`,
    });
    try {
      const envs = await load([{
        id: "ctr",
        env_type: "synthetic",
        env_kwargs: {
          tool_persona: "A counter.",
          cache_by_input: false,
          state_params: { state_schema: counterSchema, initial_state: { count: 0 } },
        },
        tools: [
          tool("bump", { executor: "counter.ts#bump", read_only: false }),
          tool("peek", { executor: "counter.ts#peek" }),
          tool("sneaky", { executor: "counter.ts#sneaky", read_only: true }),
          tool("negative", { executor: "counter.ts#negative", read_only: false }),
        ],
      }], { configDir: tmp.dir });
      const a = await envs.openSession(0, noGenerate);
      const b = await envs.openSession(1, noGenerate);
      expect(contents(await a.dispatch([call("bump"), call("bump"), call("bump")]))).toEqual([
        '{"count": 1}',
        '{"count": 2}',
        '{"count": 3}',
      ]);
      expect(contents(await b.dispatch([call("peek")]))).toEqual(["0"]);
      expect(contents(await a.dispatch([call("sneaky"), call("negative"), call("peek")]))).toEqual([
        '{"error": "Tool \'sneaky\' is read_only but executor returned updated_state. Read-only tools must not change the state"}',
        '{"error": "Tool \'negative\' returned a state that breaks state_schema: at $.count: -1 is less than the minimum of 0"}',
        "3",
      ]);
      await a.close();
      const c = await envs.openSession(2, noGenerate);
      expect(contents(await c.dispatch([call("peek")]))).toEqual(["0"]);
      await envs.close();
    } finally {
      tmp.cleanup();
    }
  });

  test("guide shape: LLM-simulated state; read-only tools cannot change it", async () => {
    const envs = await load([{
      id: "support_backend",
      type: "synthetic",
      system_prompt: "You manage a customer support system with tickets.",
      state_params: {
        state_schema: {
          type: "object",
          properties: { tickets: { type: "array" } },
          required: ["tickets"],
        },
        initial_state: { tickets: [] },
      },
      tools: [
        tool("get_ticket", {
          read_only: true,
          parameters: { type: "object", properties: { ticket_id: { type: "string" } } },
        }),
        tool("create_ticket", {
          read_only: false,
          parameters: { type: "object", properties: { subject: { type: "string" } } },
        }),
      ],
    }], { engineSupportsJsonSchema: false });
    const script = [
      '{"output": {"id": "T1"}, "updated_state": {"tickets": [{"id": "T1", "subject": "Login"}]}}',
      '{"output": {"id": "T1", "subject": "Login"}}',
      '{"output": {"id": "T1"}, "updated_state": {"tickets": []}}',
      '{"output": {"id": "T2"}, "updated_state": {"tickets": "oops"}}',
      '{"output": {"id": "T2"}, "updated_state": {"tickets": "oops"}}',
      '{"output": {"id": "T2"}, "updated_state": {"tickets": "oops"}}',
    ];
    const generate = scriptedGenerate(() => script.shift()!);
    const s = await envs.openSession(0, generate);
    const out = await s.dispatch([
      call("create_ticket", { subject: "Login" }),
      call("get_ticket", { ticket_id: "T1" }),
      call("get_ticket", { ticket_id: "T1" }),
      call("create_ticket", { subject: "Other" }),
    ]);
    expect(contents(out)).toEqual([
      '{"id": "T1"}',
      '{"id": "T1", "subject": "Login"}',
      '{"error": "Tool \'get_ticket\' is read_only but tried to change the state; the change was discarded"}',
      "{\"error\": \"Simulator output for 'create_ticket' failed schema validation: at $.updated_state.tickets: 'oops' is not of type 'array'\"}",
    ]);
    // The second call saw the state written by the first.
    expect(generate.requests[1].messages[0].content).toContain('"subject": "Login"');
    expect(generate.requests[1].messages[0].content).toContain("This tool is read-only");
    // Another record starts from the initial state.
    const otherGenerate = scriptedGenerate(() => '{"output": []}');
    const other = await envs.openSession(1, otherGenerate);
    expect(contents(await other.dispatch([call("get_ticket", {})]))).toEqual(["[]"]);
    expect(otherGenerate.requests[0].messages[0].content).toContain('"tickets": []');
    await envs.close();
  });

  test("load errors: initial_state breaking state_schema, Python executor paths", async () => {
    const err = await loadError([{
      id: "ehr",
      env_type: "synthetic",
      env_kwargs: {
        tool_persona: "EHR",
        cache_by_input: false,
        state_params: { state_schema: counterSchema, initial_state: { count: "zero" } },
      },
      tools: [tool("list_patients", { executor: "ehr.list_patients" })],
    }]);
    expect(err.issues).toEqual([
      {
        path: "environment_config.environments[0].env_kwargs.state_params.initial_state",
        message:
          "initial_state of environment 'ehr' does not match state_schema: at $.count: 'zero' is not of type 'integer'",
      },
      {
        path: "environment_config.environments[0].tools[0].executor",
        message:
          "Python executor 'ehr.list_patients' of tool 'list_patients' is not supported: name a " +
          'JavaScript/TypeScript module export instead (e.g. "./executors.ts#list_patients") or ' +
          "declare the tool with sql:",
      },
    ]);
    const missing = await loadError([{
      id: "m",
      env_type: "synthetic",
      env_kwargs: { tool_persona: "p" },
      tools: [tool("t", { executor: "./nope.ts#t" })],
    }]);
    expect(missing.issues[0].message).toBe(
      "Cannot load executor module \"./nope.ts\" of tool 't': file does not exist",
    );
  });
});
