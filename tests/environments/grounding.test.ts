import { describe, expect, test } from "bun:test";
import { renderGroundingFacts } from "../../src/environments/index.ts";
import { load, tool } from "./helpers.ts";

const books = [
  { id: "B1", title: "Dune", status: "available" },
  { id: "B2", title: "Emma", status: "out" },
  { id: "B3", title: "Ulysses", status: "available" },
  { id: "B4", title: "Beloved", status: "out" },
];
const library = (grounding: Record<string, unknown>, extraTools: unknown[] = []) => ({
  id: "library",
  env_type: "deterministic",
  grounding,
  tools: [
    tool("status", {
      parameters: {
        type: "object",
        properties: { id: { type: "string" }, lang: { type: "string", default: "en" } },
      },
    }),
    ...extraTools,
  ],
  env_kwargs: {
    lookup_table: {
      status: books.map(({ id, ...rest }) => ({ input: { id }, output: rest })),
      ...(extraTools.length ? { shelf: [{ input: { shelf: 1 }, output: "scalar" }] } : {}),
    },
  },
});
const clinic = {
  id: "clinic",
  env_type: "synthetic",
  grounding: {
    sample_size: 2,
    seed: 7,
    state: [{ state_path: "patients", fields: ["pid", "name"] }],
  },
  env_kwargs: {
    tool_persona: "EHR",
    cache_by_input: false,
    state_params: {
      initial_state: {
        patients: [
          { pid: "P1", name: "Jane", dob: "1985" },
          { pid: "P2", name: "Marcus", dob: "1972" },
          { pid: "P3", name: "Rafael", dob: "1958" },
        ],
      },
    },
  },
  tools: [tool("get_patient")],
};

describe("grounding (§11.6, §20.13, §20.16)", () => {
  test("rendering: quoted strings, Python str() for others, empty facts skipped", () => {
    expect(renderGroundingFacts([{ id: "42", title: "Dune" }])).toBe('- id="42", title="Dune"');
    expect(renderGroundingFacts([
      { title: 'Foo "the" Bar', n: 1.5, ok: true, none: null, name: "Zoë" },
      {},
      { k: 3 },
    ])).toBe('- title="Foo \\"the\\" Bar", n=1.5, ok=True, none=None, name="Zo\\u00eb"\n- k=3');
    expect(renderGroundingFacts([])).toBe("");
  });

  test("deterministic pools: input merged with output, projected, defaults included", async () => {
    const envs = await load([
      library({ sample_size: 4, seed: 1, tools: { status: { fields: ["id", "title", "lang"] } } }),
    ]);
    const facts = envs.groundingFacts(0, {});
    expect(facts.length).toBe(4);
    // Row key order: the input's keys (defaults filled in), then the output's.
    expect(Object.keys(facts[0])).toEqual(["id", "lang", "title"]);
    expect([...facts].sort((a, b) => String(a.id).localeCompare(String(b.id)))).toEqual(
      books.map(({ id, title }) => ({ id, lang: "en", title })),
    );
    await envs.close();
  });

  test("seeded: reproducible per (seed, index), varied across indices, no replacement", async () => {
    const make = () =>
      load([library({ sample_size: 2, seed: 13, tools: { status: { fields: ["id"] } } })]);
    const [a, b] = await Promise.all([make(), make()]);
    const draws = Array.from({ length: 12 }, (_, i) => a.groundingFacts(i, {}));
    expect(draws).toEqual(Array.from({ length: 12 }, (_, i) => b.groundingFacts(i, {})));
    expect(new Set(draws.map((d) => JSON.stringify(d))).size).toBeGreaterThan(1);
    for (const d of draws) expect(new Set(d.map((f) => f.id)).size).toBe(2);
    // Without grounding.seed, the run's seed decides.
    const bySeed = (seed: number) =>
      load([library({ sample_size: 2, tools: { status: { fields: ["id"] } } })], { seed });
    const [s1, s1b] = await Promise.all([bySeed(5), bySeed(5)]);
    expect(s1.groundingFacts(3, {})).toEqual(s1b.groundingFacts(3, {}));
  });

  test("truncation warns once; scalar outputs project the input; collisions warn", async () => {
    const envs = await load([
      {
        ...library(
          {
            sample_size: 9,
            seed: 1,
            tools: { status: { fields: ["id", "status"] }, shelf: { fields: ["shelf"] } },
          },
          [tool("shelf", {
            parameters: { type: "object", properties: { shelf: { type: "integer" } } },
          })],
        ),
        env_kwargs: {
          lookup_table: {
            status: [{ input: { id: "B1", status: "x" }, output: { status: "available" } }],
            shelf: [{ input: { shelf: 1 }, output: "scalar" }],
          },
        },
        tools: [
          tool("status", {
            parameters: { type: "object", properties: { id: {}, status: {} } },
          }),
          tool("shelf", {
            parameters: { type: "object", properties: { shelf: { type: "integer" } } },
          }),
        ],
      },
    ]);
    expect(envs.warnings).toEqual([
      "Environment 'library': grounding field 'status' of tool 'status' is both an input and an output key; the output value is used",
    ]);
    const facts = envs.groundingFacts(0, {});
    envs.groundingFacts(1, {});
    expect(facts).toContainEqual({ id: "B1", status: "available" });
    expect(facts).toContainEqual({ shelf: 1 });
    expect(envs.warnings.slice(1)).toEqual([
      "Environment 'library': grounding sample_size 9 is larger than the 2 facts available; using 2",
    ]);
    // available_tools filters the deterministic pool.
    expect(envs.groundingFacts(0, { available_tools: ["shelf"] })).toEqual([{ shelf: 1 }]);
    await envs.close();
  });

  test("stateful synthetic: rows of initial_state; scoping by available_environments", async () => {
    const envs = await load([
      library({ sample_size: 1, seed: 3, tools: { status: { fields: ["title"] } } }),
      clinic,
    ]);
    const all = envs.groundingFacts(0, {});
    expect(all.length).toBe(3);
    expect(Object.keys(all[0])).toEqual(["title"]);
    for (const f of all.slice(1)) expect(Object.keys(f)).toEqual(["pid", "name"]);
    expect(envs.groundingFacts(0, { available_environments: ["clinic"] })).toEqual(all.slice(1));
    // available_tools does not filter state grounding.
    expect(
      envs.groundingFacts(0, {
        available_environments: ["clinic"],
        available_tools: ["get_patient"],
      }),
    )
      .toEqual(all.slice(1));
    await envs.close();
  });

  test("no grounding: no facts", async () => {
    const envs = await load([{ ...clinic, grounding: null }]);
    expect(envs.groundingFacts(0, {})).toEqual([]);
    await envs.close();
  });
});
