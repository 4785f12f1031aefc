/**
 * `environment_config` (spec §11.1-11.2): environments with their tools, grounding and
 * type-specific `env_kwargs` (see `envKwargs.ts`, `tools.ts`), validated at load (DECISIONS
 * difference 8; oumi runs most of these checks only when an environment is built).
 *
 * Two shapes are accepted and normalised to oumi's (DECISIONS compat promise 2):
 * - oumi: `env_type`, `env_kwargs` (`tool_persona`, `state_params`, `cache_by_input`,
 *   `use_guided_decoding` / `lookup_table` / `db_path`, `schema_sql`, `seed_sql`), `grounding`;
 * - the guide: `type`, env-level `system_prompt` (= `tool_persona`), `state_params`,
 *   `cache_by_input`, and per-tool `deterministic_outputs: [{input, output}]` (moved into
 *   `env_kwargs.lookup_table`).
 * Type names are case-insensitive; `simulated` means `synthetic` and `lookup` means
 * `deterministic` (oumi's newer names). Guide-friendly relaxations: `cache_by_input` defaults to
 * false when `state_params` is given (oumi requires writing it), and stateful synthetic tools
 * may lack executors (the guide's LLM-simulated state); the environment layer decides how to
 * run them. Not checked here (the environment layer does it when building): JSON Schema
 * validation of `initial_state` and lookup entries, schema defaults; `db_path` existence is
 * checked by the loader, which reads the file system.
 *
 * @module
 */
import { z } from "zod";
import { pyList } from "../../python/repr.ts";
import { isRecord } from "../pyValues.ts";
import {
  type DatabaseEnvKwargs,
  type DeterministicEnvKwargs,
  envKwargs,
  type EnvType,
  type Reporter,
  type SyntheticEnvKwargs,
} from "./envKwargs.ts";
import {
  asList,
  asStr,
  bool,
  EVEN_IF_INVALID,
  list,
  map,
  nonEmptyStr,
  obj,
  opt,
  report,
  rule,
  str,
} from "./leaves.ts";
import {
  type GroundingConfig,
  GroundingConfigSchema,
  ToolInputSchema,
  type ToolParams,
  toolParams,
} from "./tools.ts";

export type { DatabaseEnvKwargs, DeterministicEnvKwargs, EnvType, SyntheticEnvKwargs };
export type { GroundingConfig, LookupEntry, ToolParams } from "./tools.ts";
export { TOOL_KEYS } from "./tools.ts";

const ENV_TYPE_SPELLINGS: Record<string, EnvType> = {
  synthetic: "synthetic",
  simulated: "synthetic",
  deterministic: "deterministic",
  lookup: "deterministic",
  database: "database",
};

/** Parses an env type name case-insensitively (aliases included), or undefined. */
export function parseEnvType(text: string): EnvType | undefined {
  return ENV_TYPE_SPELLINGS[text.toLowerCase()];
}

const envTypeLeaf = () =>
  rule(
    str(),
    (t) => t === "" || parseEnvType(t) !== undefined,
    (t) =>
      `Unknown env_type '${t}'. Known types: ${pyList(Object.keys(ENV_TYPE_SPELLINGS).sort())}`,
  ).meta({ enum: Object.keys(ENV_TYPE_SPELLINGS) });

const EnvironmentInputSchema = obj("EnvironmentParams", {
  id: nonEmptyStr("EnvironmentParams.id cannot be empty.").prefault("").describe(
    "Referenced by available_environments",
  ),
  name: opt(str()),
  description: opt(str()),
  env_type: opt(envTypeLeaf()).describe(
    "synthetic (simulated), deterministic (lookup) or database",
  ),
  type: opt(envTypeLeaf()).describe("The guide's name for env_type"),
  tools: list(ToolInputSchema).nullish().transform((t) => t ?? []),
  env_kwargs: opt(map()).describe("Type-specific settings"),
  grounding: opt(GroundingConfigSchema),
  system_prompt: opt(str()).describe("The guide's name for env_kwargs.tool_persona"),
  tool_persona: opt(str()),
  state_params: opt(map()),
  cache_by_input: opt(bool()),
});

interface EnvironmentBase {
  id: string;
  name: string | null;
  description: string | null;
  tools: ToolParams[];
  grounding: GroundingConfig | null;
}
/** A validated environment in oumi's shape, whichever shape the config used. */
export type EnvironmentParams =
  | (EnvironmentBase & { env_type: "synthetic"; env_kwargs: SyntheticEnvKwargs })
  | (EnvironmentBase & { env_type: "deterministic"; env_kwargs: DeterministicEnvKwargs })
  | (EnvironmentBase & { env_type: "database"; env_kwargs: DatabaseEnvKwargs });

/** The environment's type from `env_type` / `type`, reporting a missing or doubled one. */
function envTypeOf(env: Record<string, unknown>, say: Reporter): EnvType | undefined {
  const given = [env.env_type, env.type].filter((t) => t !== null && t !== undefined);
  if (given.length > 1) say(["type"], "Set only one of env_type and type.");
  if (given.length === 0 || given.every((t) => t === "")) {
    say(["env_type"], "EnvironmentParams.env_type cannot be empty.");
    return undefined;
  }
  const text = asStr(env.env_type) ?? asStr(env.type);
  return text ? parseEnvType(text) : undefined;
}

/** Normalises one environment (unvalidated data); undefined when it is invalid. */
function normalizeEnvironment(env: Record<string, unknown>, say: Reporter) {
  const type = envTypeOf(env, say);
  const kwargs = type ? envKwargs(env, type, say) : undefined;
  if (!type || !kwargs) return undefined;
  const tools = asList(env.tools) as z.output<typeof ToolInputSchema>[];
  return {
    id: env.id as string,
    name: (env.name as string | null) ?? null,
    description: (env.description as string | null) ?? null,
    env_type: type,
    env_kwargs: kwargs,
    tools: tools.map(toolParams),
    grounding: (env.grounding as GroundingConfig | null) ?? null,
  } as EnvironmentParams;
}

/** One `environments[]` entry in either shape, normalised to {@link EnvironmentParams}. */
export const EnvironmentParamsSchema = EnvironmentInputSchema.superRefine((value, ctx) => {
  normalizeEnvironment(value as Record<string, unknown>, (path, msg) => report(ctx, path, msg));
}, EVEN_IF_INVALID).transform((value, ctx): EnvironmentParams => {
  const env = normalizeEnvironment(value as Record<string, unknown>, () => {});
  if (env) return env;
  ctx.addIssue({ code: "custom", message: "Cannot normalise the environment" });
  return z.NEVER;
});

/** `environment_config` (§11.1): environment and tool ids are unique across the config. */
export const EnvironmentConfigSchema = obj("EnvironmentConfig", {
  environments: list(EnvironmentParamsSchema).nullish().transform((e) => e ?? []),
}).superRefine((value, ctx) => {
  const envIds = new Set<string>();
  const toolIds = new Set<string>();
  asList((value as Record<string, unknown>).environments).forEach((env, i) => {
    if (!isRecord(env)) return;
    const id = asStr(env.id);
    if (id && envIds.has(id)) {
      report(
        ctx,
        ["environments", i, "id"],
        `EnvironmentConfig.environments contains duplicate environment id '${id}'.`,
      );
    }
    if (id) envIds.add(id);
    asList(env.tools).forEach((tool, j) => {
      const toolId = isRecord(tool) ? asStr(tool.id) : undefined;
      if (toolId && toolIds.has(toolId)) {
        report(
          ctx,
          ["environments", i, "tools", j, "id"],
          `EnvironmentConfig.environments contains duplicate tool id '${toolId}'.`,
        );
      }
      if (toolId) toolIds.add(toolId);
    });
  });
}, EVEN_IF_INVALID);

/** A validated `environment_config`. */
export type EnvironmentConfig = { environments: EnvironmentParams[] };

/**
 * Tool ids per environment id, in config order, read defensively from possibly unvalidated
 * data (used by cross-field checks).
 */
export function environmentTools(envConfig: unknown): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const envs = isRecord(envConfig) ? asList(envConfig.environments) : [];
  for (const env of envs) {
    if (!isRecord(env) || !asStr(env.id)) continue;
    const tools = asList(env.tools).map((t) => (isRecord(t) ? asStr(t.id) : undefined));
    out.set(env.id as string, tools.filter((t): t is string => !!t));
  }
  return out;
}
