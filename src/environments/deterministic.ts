/**
 * `deterministic` environments (spec §11.8; the guide's `deterministic_outputs`, oumi's
 * `lookup_table`, newer name `lookup`): each tool answers from a table of `{input, output}`
 * entries matched on the canonical JSON of the arguments with schema defaults filled in. No
 * model is involved and one instance is shared by all records.
 *
 * Load-time checks (ConfigError with key paths): unreachable schema defaults, entry inputs that
 * break the tool's `parameters`, outputs that break its `output_schema`, duplicate inputs.
 *
 * @module
 */
import type { EnvironmentParams, ToolParams } from "../config/schema.ts";
import { pyList } from "../python/repr.ts";
import type { BuildContext } from "./buildContext.ts";
import { canonicalJson } from "./canonicalJson.ts";
import { type BuiltEnvironment, type EnvCall, outcomeOf, ToolError } from "./environment.ts";
import { validateAgainst } from "./jsonSchema.ts";
import { unreachableDefaults, withDefaults } from "./schemaDefaults.ts";

type DeterministicParams = Extract<EnvironmentParams, { env_type: "deterministic" }>;

/** One tool's table: canonical input -> output, plus the filled-in inputs for messages. */
interface Table {
  outputs: Map<string, unknown>;
  inputs: Record<string, unknown>[];
}

/** A lookup entry with its tool's defaults filled in (also used by grounding). */
export interface FilledEntry {
  input: Record<string, unknown>;
  output: unknown;
}

/** A built deterministic environment. */
export interface DeterministicEnvironment extends BuiltEnvironment {
  /** Filled-in entries per tool id, in table order (grounding pools, §11.6). */
  readonly entries: ReadonlyMap<string, readonly FilledEntry[]>;
}

function buildTable(tool: ToolParams, j: number, raw: readonly unknown[], ctx: BuildContext) {
  const at = ["env_kwargs", "lookup_table", tool.id];
  const table: Table = { outputs: new Map(), inputs: [] };
  const filled: FilledEntry[] = [];
  const unreachable = unreachableDefaults(tool.parameters);
  if (unreachable.length > 0) {
    ctx.problem(
      ["tools", j, "parameters"],
      `Tool '${tool.id}' declares schema defaults that are never applied, at ${
        pyList(unreachable)
      }`,
    );
  }
  raw.forEach((e, k) => {
    const entry = e as { input: Record<string, unknown>; output: unknown };
    const input = withDefaults(tool.parameters, entry.input ?? {});
    const bad = validateAgainst(tool.parameters, input);
    if (bad) {
      ctx.problem(
        [...at, k, "input"],
        `Lookup entry ${k} of tool '${tool.id}' does not match the tool's parameters: ${bad}`,
      );
      return;
    }
    if (tool.output_schema) {
      const badOut = validateAgainst(tool.output_schema, entry.output);
      if (badOut) {
        ctx.problem(
          [...at, k, "output"],
          `Lookup entry ${k} of tool '${tool.id}' does not match the tool's output_schema: ${badOut}`,
        );
        return;
      }
    }
    const key = canonicalJson(input);
    if (table.outputs.has(key)) {
      ctx.problem(
        [...at, k, "input"],
        `Tool '${tool.id}' has duplicate input entry ${key} in its lookup table`,
      );
      return;
    }
    table.outputs.set(key, entry.output);
    table.inputs.push(input);
    filled.push({ input, output: entry.output });
  });
  return { table, filled };
}

/** Builds a deterministic environment, reporting problems to `ctx`. */
export function buildDeterministic(
  params: DeterministicParams,
  ctx: BuildContext,
): DeterministicEnvironment {
  const lookup = params.env_kwargs.lookup_table;
  const toolIds = new Set(params.tools.map((t) => t.id));
  for (const key of Object.keys(lookup)) {
    if (!toolIds.has(key)) {
      ctx.warn(
        `Environment '${params.id}': lookup_table entries for unknown tool '${key}' are ignored`,
      );
    }
  }
  const tables = new Map<string, Table>();
  const entries = new Map<string, FilledEntry[]>();
  params.tools.forEach((tool, j) => {
    if (tool.executor || tool.sql) {
      ctx.warn(
        `Environment '${params.id}': tool '${tool.id}' answers from its lookup table; ` +
          `its ${tool.executor ? "executor" : "sql"} is ignored`,
      );
    }
    const { table, filled } = buildTable(tool, j, lookup[tool.id] ?? [], ctx);
    tables.set(tool.id, table);
    entries.set(tool.id, filled);
  });

  const lookupOne = ({ tool, args }: EnvCall): unknown => {
    const table = tables.get(tool.id);
    if (!table) {
      throw new ToolError(
        `Tool '${tool.id}' not found in environment '${params.id}'. Available tools: ${
          pyList([...tables.keys()])
        }`,
      );
    }
    const key = canonicalJson(withDefaults(tool.parameters, args));
    if (table.outputs.has(key)) return structuredClone(table.outputs.get(key));
    throw new ToolError(
      `No deterministic output matches arguments ${key} for tool '${tool.id}'. ` +
        `Configured inputs: ${canonicalJson(table.inputs)}`,
    );
  };
  const instance = {
    step: (calls: readonly EnvCall[]) =>
      Promise.all(calls.map((call) => outcomeOf(() => lookupOne(call)))),
    close: () => Promise.resolve(),
  };
  return {
    params,
    entries,
    open: () => Promise.resolve(instance),
    close: () => Promise.resolve(),
  };
}
