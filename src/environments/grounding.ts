/**
 * Grounding (spec §11.6): facts sampled per record from environments with a `grounding`
 * section, for the conversation planner only (DECISIONS 8: they never reach the output).
 *
 * - deterministic environment: one fact per lookup entry of each grounded tool (tool order,
 *   within `available_tools` when given): the entry's filled-in input merged with its output
 *   when that is a map (output wins), projected onto the tool's `fields`;
 * - stateful synthetic environment: one fact per row of `initial_state[state_path]`, projected
 *   onto the entry's `fields` (`available_tools` does not apply).
 *
 * Per record and environment, `min(sample_size, pool)` facts are drawn without replacement
 * with a stream that depends only on (seed, environment id, record index); the seed is
 * `grounding.seed`, else the run's seed, else fresh entropy. Facts of all environments in
 * scope are concatenated in config order.
 *
 * @module
 */
import type { EnvironmentParams } from "../config/schema.ts";
import { isRecord } from "../config/pyValues.ts";
import { pyStr } from "../python/repr.ts";
import { Rng } from "../plan/rng.ts";
import { toolJson } from "./canonicalJson.ts";
import type { FilledEntry } from "./deterministic.ts";

type Fact = Record<string, unknown>;

function project(row: Record<string, unknown>, fields: readonly string[]): Fact {
  const out: Fact = {};
  for (const [key, value] of Object.entries(row)) if (fields.includes(key)) out[key] = value;
  return out;
}

/**
 * The fact pool of one environment (all candidate facts, in order), or `undefined` when the
 * environment has no grounding.
 *
 * @param entries filled-in lookup entries per tool id (deterministic environments)
 * @param tools the attribute's `available_tools` filter (empty = all)
 */
export function groundingPool(
  env: EnvironmentParams,
  entries: ReadonlyMap<string, readonly FilledEntry[]> | undefined,
  tools: readonly string[],
): Fact[] | undefined {
  const grounding = env.grounding;
  if (!grounding) return undefined;
  const pool: Fact[] = [];
  if (env.env_type === "deterministic") {
    for (const tool of env.tools) {
      const spec = grounding.tools[tool.id];
      if (!spec || (tools.length > 0 && !tools.includes(tool.id))) continue;
      for (const entry of entries?.get(tool.id) ?? []) {
        const row = isRecord(entry.output) ? { ...entry.input, ...entry.output } : entry.input;
        pool.push(project(row, spec.fields));
      }
    }
  } else if (env.env_type === "synthetic") {
    const initial = env.env_kwargs.state_params?.initial_state;
    for (const spec of grounding.state) {
      const rows = initial?.[spec.state_path];
      if (!Array.isArray(rows)) continue;
      for (const row of rows) if (isRecord(row)) pool.push(project(row, spec.fields));
    }
  }
  return pool;
}

/** Warnings at build: whitelisted fields that a lookup entry's output overrides (§11.6). */
export function groundingCollisions(
  env: EnvironmentParams,
  entries: ReadonlyMap<string, readonly FilledEntry[]>,
): string[] {
  const out: string[] = [];
  if (env.env_type !== "deterministic" || !env.grounding) return out;
  for (const [toolId, spec] of Object.entries(env.grounding.tools)) {
    const clashing = new Set<string>();
    for (const entry of entries.get(toolId) ?? []) {
      if (!isRecord(entry.output)) continue;
      for (const key of Object.keys(entry.output)) {
        if (key in entry.input && spec.fields.includes(key)) clashing.add(key);
      }
    }
    for (const key of clashing) {
      out.push(
        `Environment '${env.id}': grounding field '${key}' of tool '${toolId}' is both an input ` +
          "and an output key; the output value is used",
      );
    }
  }
  return out;
}

/**
 * Draws one record's facts from `pool`: `min(sampleSize, pool.length)` distinct facts in
 * random order, from a stream fixed by (`seed`, `envId`, `recordIndex`).
 */
export function drawFacts(
  pool: readonly Fact[],
  sampleSize: number,
  seed: number | undefined,
  envId: string,
  recordIndex: number,
): Fact[] {
  const rng = Rng.seeded(seed ?? Rng.randomSeed()).fork(`grounding:${envId}`).fork(recordIndex);
  return rng.sample(pool.length, sampleSize).map((i) => structuredClone(pool[i]));
}

/**
 * The planner's rendering of facts (§11.6): one `- key=value, ...` line per non-empty fact;
 * strings as Python `json.dumps` (quotes escaped, non-ASCII as `\uXXXX`), other values as Python
 * `str()` (`True`, `None`, `1.5`). Returns `""` when there is nothing to show.
 *
 * @example
 * ```ts
 * renderGroundingFacts([{ id: "42", title: "Dune" }]); // '- id="42", title="Dune"'
 * ```
 */
export function renderGroundingFacts(facts: readonly Record<string, unknown>[]): string {
  const lines: string[] = [];
  for (const fact of facts) {
    const entries = Object.entries(fact ?? {});
    if (entries.length === 0) continue;
    const parts = entries.map(([k, v]) => `${k}=${typeof v === "string" ? toolJson(v) : pyStr(v)}`);
    lines.push(`- ${parts.join(", ")}`);
  }
  return lines.join("\n");
}
