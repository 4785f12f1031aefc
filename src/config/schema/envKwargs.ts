/**
 * Type-specific `env_kwargs` of environments (spec §11.7-11.9), gathered from both config
 * shapes (oumi's `env_kwargs`; the guide's env-level `system_prompt`, `state_params`,
 * `cache_by_input` and per-tool `deterministic_outputs`) and checked at load (DECISIONS
 * difference 8).
 *
 * @module
 */
import type { JsonSchema } from "../../engines/contract.ts";
import { toConfigIssues } from "../issues.ts";
import { pyList } from "../../python/repr.ts";
import { isRecord } from "../pyValues.ts";
import { asList, asStr, bool, list, map, nonEmptyStr, obj, opt, str } from "./leaves.ts";
import { type LookupEntry, LookupEntrySchema } from "./tools.ts";

/** Canonical environment types. */
export type EnvType = "synthetic" | "deterministic" | "database";

/** `env_kwargs` of a synthetic environment; stateful iff `state_params.initial_state` is set. */
export interface SyntheticEnvKwargs {
  tool_persona: string;
  state_params:
    | { state_schema: JsonSchema | null; initial_state: Record<string, unknown> | null }
    | null;
  /** Defaults to true, or false when `state_params` is given. */
  cache_by_input: boolean;
  use_guided_decoding: boolean;
}
/** `env_kwargs` of a deterministic environment: entries per tool id. */
export interface DeterministicEnvKwargs {
  lookup_table: Record<string, LookupEntry[]>;
}
/** `env_kwargs` of a database environment: exactly one of `db_path` / `schema_sql`. */
export interface DatabaseEnvKwargs {
  db_path: string | null;
  schema_sql: string | null;
  seed_sql: string | null;
}

const StateParamsSchema = obj("SyntheticStateParams", {
  state_schema: opt(map()).describe("JSON Schema of the state"),
  initial_state: opt(map()).describe("Starting state; makes the environment stateful"),
});

const KWARG_SCHEMAS = {
  synthetic: obj("SyntheticEnvironmentKwargs", {
    tool_persona: nonEmptyStr("SyntheticEnvironmentKwargs.tool_persona cannot be empty.")
      .prefault(""),
    state_params: opt(StateParamsSchema),
    cache_by_input: opt(bool()),
    use_guided_decoding: bool().default(true),
  }),
  deterministic: obj("DeterministicEnvironmentKwargs", {
    lookup_table: map(list(LookupEntrySchema)).default(() => ({})),
  }),
  database: obj("DatabaseEnvironmentKwargs", {
    db_path: opt(str()),
    schema_sql: opt(str()),
    seed_sql: opt(str()),
  }),
};

const KWARG_OWNER: Record<EnvType, string> = {
  synthetic: "SyntheticEnvironmentKwargs",
  deterministic: "DeterministicEnvironment",
  database: "DatabaseEnvironmentKwargs",
};

/** Env-level keys of the guide's shape that belong in `env_kwargs` of synthetic environments. */
export const GUIDE_KWARGS: Record<string, string> = {
  system_prompt: "tool_persona",
  tool_persona: "tool_persona",
  state_params: "state_params",
  cache_by_input: "cache_by_input",
};

type Path = (string | number)[];
/** Receives one problem: key path relative to the environment, and oumi's message. */
export type Reporter = (path: Path, message: string) => void;

/** Where each kwarg came from (for error paths) and the merged values. */
interface Gathered {
  kwargs: Record<string, unknown>;
  origin: Record<string, Path>;
  /** Tool ids whose lookup entries came from their `deterministic_outputs`. */
  moved: Set<string>;
}

function gather(
  env: Record<string, unknown>,
  type: EnvType,
  tools: Record<string, unknown>[],
  say: Reporter,
): Gathered {
  const kwargs: Record<string, unknown> = isRecord(env.env_kwargs) ? { ...env.env_kwargs } : {};
  const origin: Record<string, Path> = {};
  for (const key of Object.keys(kwargs)) origin[key] = ["env_kwargs", key];
  for (const [envKey, kwKey] of Object.entries(GUIDE_KWARGS)) {
    if (env[envKey] === null || env[envKey] === undefined) continue;
    if (type !== "synthetic") {
      say([envKey], `${envKey} is only used by synthetic environments.`);
    } else if (kwKey in kwargs) {
      say([envKey], `${kwKey} is given twice: at ${origin[kwKey].join(".")} and ${envKey}.`);
    } else {
      kwargs[kwKey] = env[envKey];
      origin[kwKey] = [envKey];
    }
  }
  const moved = new Set<string>();
  const given = kwargs.lookup_table;
  if (type === "deterministic" && (given === null || given === undefined || isRecord(given))) {
    const table: Record<string, unknown> = isRecord(given) ? { ...given } : {};
    tools.forEach((tool, j) => {
      const id = asStr(tool.id);
      if (tool.deterministic_outputs === null || tool.deterministic_outputs === undefined || !id) {
        return;
      }
      if (id in table) {
        say(
          ["tools", j, "deterministic_outputs"],
          `Tool '${id}' has entries both in deterministic_outputs and env_kwargs.lookup_table.`,
        );
      } else {
        table[id] = tool.deterministic_outputs;
        moved.add(id);
      }
    });
    if (moved.size > 0) {
      kwargs.lookup_table = table;
      origin.lookup_table ??= ["env_kwargs", "lookup_table"];
    }
  }
  return { kwargs, origin, moved };
}

/** Parses the merged kwargs with the type's schema, reporting problems at their config paths. */
function parseKwargs(type: EnvType, { kwargs, origin, moved }: Gathered, say: Reporter) {
  const schema = KWARG_SCHEMAS[type];
  const known = Object.keys(schema.shape);
  const unknown = Object.keys(kwargs).filter((k) => !known.includes(k));
  for (const key of unknown) {
    say(
      origin[key] ?? ["env_kwargs", key],
      `${KWARG_OWNER[type]} got unknown env_kwargs: ${pyList(unknown)}. Known: ${pyList(known)}`,
    );
  }
  const input = Object.fromEntries(Object.entries(kwargs).filter(([k]) => known.includes(k)));
  const parsed = schema.safeParse(input, { reportInput: true });
  if (parsed.success) return parsed.data;
  for (const problem of toConfigIssues(parsed.error.issues)) {
    const [first, ...rest] = problem.path;
    // Entries moved from deterministic_outputs were already checked with their tool.
    if (first === "lookup_table" && moved.has(String(rest[0]))) continue;
    const at = first === undefined
      ? ["env_kwargs"]
      : [...(origin[String(first)] ?? ["env_kwargs", first]), ...rest];
    say(at, problem.message);
  }
  return undefined;
}

function checkSynthetic(env: Record<string, unknown>, g: Gathered, parsed: unknown, say: Reporter) {
  const envId = asStr(env.id) ?? "";
  const stateGiven = g.kwargs.state_params !== null && g.kwargs.state_params !== undefined;
  const cache = isRecord(parsed) ? parsed.cache_by_input : g.kwargs.cache_by_input;
  if (stateGiven && cache === true) {
    say(
      g.origin.cache_by_input,
      "SyntheticEnvironmentKwargs.cache_by_input must be False when state_params is provided.",
    );
  }
  const state = isRecord(g.kwargs.state_params) ? g.kwargs.state_params : {};
  const initial = state.initial_state;
  const grounding = isRecord(env.grounding) ? env.grounding : {};
  asList(grounding.state).forEach((entry, i) => {
    const p = isRecord(entry) ? asStr(entry.state_path) : undefined;
    const at = ["grounding", "state", i, "state_path"];
    if (!p) return;
    if (!isRecord(initial)) {
      say(at, `Grounding state of environment '${envId}' requires state_params.initial_state.`);
    } else if (!(p in initial)) {
      say(
        at,
        `grounding state_path '${p}' is not present in initial_state of environment '${envId}'.`,
      );
    } else if (!Array.isArray(initial[p])) {
      say(
        at,
        `grounding state_path '${p}' must resolve to a list in initial_state of environment '${envId}'.`,
      );
    }
  });
  if (!isRecord(parsed)) return undefined;
  return { ...parsed, cache_by_input: parsed.cache_by_input ?? !stateGiven } as SyntheticEnvKwargs;
}

function checkDeterministic(
  env: Record<string, unknown>,
  tools: Record<string, unknown>[],
  g: Gathered,
  say: Reporter,
) {
  const table = isRecord(g.kwargs.lookup_table) ? g.kwargs.lookup_table : {};
  tools.forEach((tool, j) => {
    const id = asStr(tool.id);
    if (id && asList(table[id]).length === 0) {
      say(
        ["tools", j],
        `Tool '${id}' has no entries in lookup_table for environment '${asStr(env.id) ?? ""}'.`,
      );
    }
  });
}

function checkDatabase(
  env: Record<string, unknown>,
  tools: Record<string, unknown>[],
  g: Gathered,
  say: Reporter,
) {
  const has = (x: unknown) => x !== null && x !== undefined && x !== "";
  const { db_path, schema_sql, seed_sql } = g.kwargs;
  if (has(db_path) === has(schema_sql)) {
    say(["env_kwargs"], "Provide exactly one of db_path or schema_sql.");
  } else if (has(seed_sql) && !has(schema_sql)) {
    say(g.origin.seed_sql ?? ["env_kwargs"], "seed_sql requires schema_sql.");
  }
  tools.forEach((tool, j) => {
    if (!asStr(tool.executor) && !asStr(tool.sql)) {
      const id = asStr(tool.id) ?? "";
      say(
        ["tools", j],
        `Tool '${id}' of database environment '${
          asStr(env.id) ?? ""
        }' must declare a non-empty executor or sql.`,
      );
    }
  });
}

/**
 * Gathers and checks the `env_kwargs` of one environment of type `type`. Works on unvalidated
 * data; returns the parsed kwargs, or undefined when they are invalid (problems go to `say`).
 */
export function envKwargs(
  env: Record<string, unknown>,
  type: EnvType,
  say: Reporter,
): SyntheticEnvKwargs | DeterministicEnvKwargs | DatabaseEnvKwargs | undefined {
  const tools = asList(env.tools).filter(isRecord);
  const gathered = gather(env, type, tools, say);
  const parsed = parseKwargs(type, gathered, say);
  if (type === "synthetic") return checkSynthetic(env, gathered, parsed, say);
  if (type === "deterministic") checkDeterministic(env, tools, gathered, say);
  else checkDatabase(env, tools, gathered, say);
  return parsed as DeterministicEnvKwargs | DatabaseEnvKwargs | undefined;
}
