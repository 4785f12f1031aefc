/**
 * Tool environments (spec §11; DECISIONS 2, 8, 9): the public face the multi-turn synthesizer
 * codes against. {@link loadEnvironments} builds every environment of a validated config once
 * and checks everything that can be checked before inference; {@link Environments.openSession}
 * gives each record its own router (fresh state for stateful synthetic environments, a fresh
 * rolled-back database session for database ones; deterministic and stateless synthetic
 * environments, with their caches, are shared).
 *
 * @module
 */
import type { ChatMessage, Generate, ToolCall, ToolDefinition } from "../engines/contract.ts";
import { formatPath } from "../config/issues.ts";
import { ConfigError, type ConfigIssue, UnsupportedConfigError } from "../errors.ts";
import { buildEnvironment } from "./buildEnvironment.ts";
import { type EnvironmentSection, readEnvironmentConfig } from "./configFile.ts";
import type { DeterministicEnvironment } from "./deterministic.ts";
import type { BuiltEnvironment } from "./environment.ts";
import { drawFacts, groundingCollisions, groundingPool } from "./grounding.ts";
import { RecordRouter, type RoutedTool } from "./router.ts";
import { scopedEnvironments, scopedTools, toolDefinition, type ToolScope } from "./toolScope.ts";
import { WarningLog } from "../warnings.ts";

export { renderGroundingFacts } from "./grounding.ts";
export type { ToolScope } from "./toolScope.ts";
export type { EnvironmentSection } from "./configFile.ts";
export type { ExecutorContext, ToolExecutor, ToolResult } from "./executors.ts";

/** All environments of a run. */
export interface Environments {
  /** Number of tools defined across all environments. */
  readonly toolCount: number;
  /**
   * OpenAI-form tool definitions (function name = tool id) for a scope, env order then tool
   * order. @throws {ConfigError} for unknown ids (§11.1 messages).
   */
  toolsFor(scope: ToolScope): ToolDefinition[];
  /** Grounding facts for one record (§11.6), deterministic for (seed, recordIndex). */
  groundingFacts(recordIndex: number, scope: ToolScope): Record<string, unknown>[];
  /**
   * Opens one record's isolated session. `generate` is the engine call (with retries and
   * usage accounting done by the caller) used by synthetic environments.
   */
  openSession(recordIndex: number, generate: Generate): Promise<ToolSession>;
  /** Releases databases and temp files. Idempotent. */
  close(): Promise<void>;
}

/** One record's tools. */
export interface ToolSession {
  /**
   * Dispatches one assistant message's tool calls (§11.5): one `tool` message per call, in
   * call order, with `tool_call_id`; tool errors become `{"error": "..."}` contents. Never
   * throws for tool-level problems; rejects with the engine's error when simulating a tool
   * failed after retries (the record fails).
   */
  dispatch(calls: readonly ToolCall[]): Promise<ChatMessage[]>;
  /** Ends the record's session (rolls back the database transaction, drops state). Idempotent. */
  close(): Promise<void>;
}

/** Options of {@link loadEnvironments}. */
export interface LoadEnvironmentsOptions {
  /** Folder of the config file: `environment_config_path` and executor modules resolve here. */
  configDir: string;
  /** The run's seed; grounding uses `grounding.seed` first, then this. */
  seed?: number;
  /** True when the engine honours `jsonSchema` requests (simulated tools then use it). */
  engineSupportsJsonSchema: boolean;
  /** Receives each warning once. */
  onWarning?: (message: string) => void;
}

/**
 * Reads `environment_config` / `environment_config_path` and builds every environment,
 * validating everything at load (DECISIONS 8): unknown ids, `initial_state` vs `state_schema`,
 * SQL errors in `schema_sql` / `seed_sql` / `sql:` tools, lookup entries vs the tool's
 * `parameters`, executor modules and exports.
 *
 * @throws {ConfigError} listing every problem with its key path
 *   (`environment_config.environments[0].env_kwargs.seed_sql`).
 */
export async function loadEnvironments(
  config: EnvironmentSection,
  options: LoadEnvironmentsOptions,
): Promise<Environments> {
  const envConfig = await readEnvironmentConfig(config, options.configDir);
  const params = envConfig.environments;
  const issues: ConfigIssue[] = [];
  // Issues that are errors for oumi too (the others only name what this build cannot run).
  let supportedProblems = 0;
  const { warn } = new WarningLog(options.onWarning);
  const built: BuiltEnvironment[] = [];
  const settled = await Promise.allSettled(params.map((env, envIndex) =>
    buildEnvironment(env, {
      envIndex,
      configDir: options.configDir,
      engineSupportsJsonSchema: options.engineSupportsJsonSchema,
      warn,
      problem: (path, message, unsupported) => {
        issues.push({
          path: formatPath(["environment_config", "environments", envIndex, ...path]),
          message,
        });
        if (!unsupported) supportedProblems++;
      },
    })
  ));
  for (const result of settled) {
    if (result.status === "fulfilled") built.push(result.value);
  }
  const failed = settled.find((r) => r.status === "rejected");
  if (failed || issues.length > 0) {
    await Promise.allSettled(built.map((b) => b.close()));
    if (failed) throw (failed as PromiseRejectedResult).reason;
    const count = issues.length === 1 ? "1 problem" : `${issues.length} problems`;
    const message = `Invalid environment config: ${count}`;
    throw supportedProblems === 0
      ? new UnsupportedConfigError(message, issues)
      : new ConfigError(message, issues);
  }

  const tools = new Map<string, RoutedTool>();
  params.forEach((env, i) => env.tools.forEach((tool) => tools.set(tool.id, { tool, env: i })));
  params.forEach((env, i) => {
    const entries = (built[i] as Partial<DeterministicEnvironment>).entries;
    if (entries) groundingCollisions(env, entries).forEach(warn);
    if (env.grounding && env.env_type === "database") {
      warn(`Environment '${env.id}': grounding is not used by database environments`);
    }
  });
  const pools = new Map<string, Record<string, unknown>[] | undefined>();
  const sessions = new Set<RecordRouter>();
  let closed = false;

  return {
    toolCount: tools.size,
    toolsFor: (scope) => scopedTools(params, scope).map(toolDefinition),
    groundingFacts(recordIndex, scope) {
      const wantedTools = scope.available_tools ?? [];
      const facts: Record<string, unknown>[] = [];
      for (const env of scopedEnvironments(params, scope)) {
        const i = params.indexOf(env);
        if (!env.grounding || env.env_type === "database") continue;
        const key = `${i}\u0000${wantedTools.join("\u0000")}`;
        if (!pools.has(key)) {
          const entries = (built[i] as Partial<DeterministicEnvironment>).entries;
          pools.set(key, groundingPool(env, entries, wantedTools));
        }
        const pool = pools.get(key) ?? [];
        const size = env.grounding.sample_size;
        if (size > pool.length) {
          warn(
            `Environment '${env.id}': grounding sample_size ${size} is larger than the ` +
              `${pool.length} facts available; using ${pool.length}`,
          );
        }
        facts.push(
          ...drawFacts(pool, size, env.grounding.seed ?? options.seed, env.id, recordIndex),
        );
      }
      return facts;
    },
    openSession(recordIndex, generate) {
      if (closed) {
        return Promise.reject(new Error("Cannot open a tool session: environments are closed"));
      }
      const router = new RecordRouter(built, tools, { recordIndex, generate });
      sessions.add(router);
      return Promise.resolve({
        dispatch: (calls) => router.dispatch(calls),
        close: async () => {
          sessions.delete(router);
          await router.close();
        },
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.allSettled([...sessions].map((s) => s.close()));
      sessions.clear();
      await Promise.allSettled(built.map((b) => b.close()));
    },
  };
}
