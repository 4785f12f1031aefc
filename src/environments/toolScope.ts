/**
 * Which tools a multi-turn attribute gets (spec §11.1, §11.4; DECISIONS 8: tools are scoped to
 * the attribute's `available_environments` / `available_tools`), and their OpenAI-form
 * definitions (§11.3: function name = tool id; `name`, `output_schema`, `read_only`, `executor`
 * are not sent).
 *
 * @module
 */
import type { ToolDefinition } from "../engines/contract.ts";
import type { EnvironmentParams, ToolParams } from "../config/schema.ts";
import { pyList } from "../python/repr.ts";
import { ConfigError } from "../errors.ts";

/** An attribute's tool scope (§11.4). Empty or absent lists mean "all". */
export interface ToolScope {
  available_environments?: readonly string[] | null;
  available_tools?: readonly string[] | null;
}

/** The environments selected by `scope`, in config order. @throws {ConfigError} for unknown ids. */
export function scopedEnvironments(
  envs: readonly EnvironmentParams[],
  scope: ToolScope,
): EnvironmentParams[] {
  const wanted = scope.available_environments ?? [];
  if (wanted.length === 0) return [...envs];
  const known = envs.map((e) => e.id);
  const unknown = wanted.filter((id) => !known.includes(id));
  if (unknown.length > 0) {
    const message = `Unknown environment id(s): ${pyList(unknown)}. Defined: ${pyList(known)}`;
    throw new ConfigError(message, [{ path: "available_environments", message }]);
  }
  return envs.filter((e) => wanted.includes(e.id));
}

/**
 * Tools of the selected environments (env order, then tool order), filtered by
 * `available_tools`. @throws {ConfigError} for unknown environment or tool ids.
 */
export function scopedTools(envs: readonly EnvironmentParams[], scope: ToolScope): ToolParams[] {
  const tools = scopedEnvironments(envs, scope).flatMap((e) => e.tools);
  const wanted = scope.available_tools ?? [];
  if (wanted.length === 0) return tools;
  const available = tools.map((t) => t.id);
  const unknown = wanted.filter((id) => !available.includes(id));
  if (unknown.length > 0) {
    const message = `Unknown tool id(s): ${pyList(unknown)}. Available in selected environments: ${
      pyList(available)
    }`;
    throw new ConfigError(message, [{ path: "available_tools", message }]);
  }
  return tools.filter((t) => wanted.includes(t.id));
}

/** The OpenAI function definition the model sees for `tool` (a copy: callers may change it). */
export function toolDefinition(tool: ToolParams): ToolDefinition {
  return {
    type: "function",
    function: {
      name: tool.id,
      description: tool.description,
      parameters: structuredClone(tool.parameters),
    },
  };
}
