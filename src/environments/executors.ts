/**
 * Tool executors (spec §11.7, §11.9; DECISIONS 9): `executor: "<module>#<export>"` names an
 * exported function of a JavaScript/TypeScript module, resolved relative to the config file's
 * folder (`"./tools.ts#lookup"`; without `#` the default export). Python dotted paths
 * (`ehr_db.lookup_patient`) cannot run here and are reported at load with a hint.
 *
 * The contract: `(args, context) => ToolResult | Promise<ToolResult>` where a
 * {@link ToolResult} is `{output, updated_state?}`; `context.state` is a deep copy of a
 * stateful environment's state, `context.db` the record's database connection.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { ToolParams } from "../config/schema.ts";
import { isRecord } from "../config/pyValues.ts";
import { pyTypeName } from "../python/repr.ts";
import type { DatabaseHandle } from "./sqlSession.ts";
import { ToolError } from "./environment.ts";

/** What an executor returns: the tool's output and, for stateful tools, the new state. */
export interface ToolResult {
  output: unknown;
  updated_state?: Record<string, unknown> | null;
}

/** What an executor receives besides the arguments. */
export interface ExecutorContext {
  toolId: string;
  envId: string;
  /** Deep copy of the current state (stateful synthetic environments). */
  state?: Record<string, unknown>;
  /** The record's database (database environments); transaction control is denied. */
  db?: DatabaseHandle;
}

/** An executor function. */
export type ToolExecutor = (
  args: Record<string, unknown>,
  context: ExecutorContext,
) => ToolResult | Promise<ToolResult>;

const MODULE_EXT = /\.(?:[cm]?[jt]s|tsx|jsx)$/;

/** Why an executor cannot be loaded; `unsupported` for a Python path (valid for oumi). */
export interface ExecutorProblem {
  message: string;
  unsupported?: boolean;
}

/**
 * Loads the executor a tool names.
 *
 * @returns the function, or the problem (Python path, missing module, missing export).
 */
export async function resolveExecutor(
  tool: ToolParams,
  configDir: string,
): Promise<ToolExecutor | ExecutorProblem> {
  const ref = tool.executor ?? "";
  const hash = ref.lastIndexOf("#");
  const modulePart = hash >= 0 ? ref.slice(0, hash) : ref;
  const exportName = hash >= 0 ? ref.slice(hash + 1) : "default";
  if (!MODULE_EXT.test(modulePart)) {
    return {
      message: `Python executor '${ref}' of tool '${tool.id}' is not supported: name a ` +
        `JavaScript/TypeScript module export instead (e.g. "./executors.ts#${
          ref.split(".").pop() || tool.id
        }") or declare the tool with sql:`,
      unsupported: true,
    };
  }
  const file = isAbsolute(modulePart) ? modulePart : resolve(configDir, modulePart);
  if (!existsSync(file)) {
    return {
      message:
        `Cannot load executor module "${modulePart}" of tool '${tool.id}': file does not exist`,
    };
  }
  let mod: Record<string, unknown>;
  try {
    mod = await import(pathToFileURL(file).href);
  } catch (error) {
    return {
      message: `Cannot load executor module "${modulePart}" of tool '${tool.id}': ${
        (error as Error).message
      }`,
    };
  }
  const fn = mod[exportName];
  if (typeof fn !== "function") {
    return {
      message: `Cannot use executor '${ref}' of tool '${tool.id}': the module has no exported ` +
        `function '${exportName}'`,
    };
  }
  return fn as ToolExecutor;
}

/**
 * Runs an executor and checks its result is a {@link ToolResult}.
 *
 * @throws {ToolError} when it returns something else; errors it throws propagate.
 */
export async function runExecutor(
  fn: ToolExecutor,
  args: Record<string, unknown>,
  context: ExecutorContext,
): Promise<ToolResult> {
  const result = await fn(structuredClone(args), context);
  if (!isRecord(result) || !("output" in result)) {
    throw new ToolError(
      `Tool '${context.toolId}' executor must return a ToolResult {output, updated_state?}, ` +
        `got ${pyTypeName(result)}`,
    );
  }
  return result as ToolResult;
}
