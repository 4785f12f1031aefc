/**
 * `synthetic` environments (spec §11.7; the guide's `type: synthetic` with `system_prompt`,
 * oumi's `env_kwargs.tool_persona`; newer name `simulated`).
 *
 * - Stateless (no `state_params.initial_state`): tools with an `executor` run it; the others
 *   are simulated by the model from the persona and the tool's schemas. With `cache_by_input`,
 *   results are cached by (tool id, canonical arguments) and shared by all records (concurrent
 *   identical calls share one simulation).
 * - Stateful: each record starts from a deep copy of `initial_state` (validated against
 *   `state_schema` at load). Executor tools receive a copy of the state and may return
 *   `updated_state`; the others are simulated with the current state in the prompt and reply
 *   `{"output": ..., "updated_state": ...}` (the guide's LLM-simulated state). A `read_only`
 *   tool that changes the state gets a tool error; a new state is validated against
 *   `state_schema` before it is committed. Calls run in order.
 *
 * @module
 */
import type { Generate, JsonSchema } from "../engines/contract.ts";
import type { EnvironmentParams, ToolParams } from "../config/schema.ts";
import type { BuildContext } from "./buildContext.ts";
import { canonicalJson } from "./canonicalJson.ts";
import {
  type BuiltEnvironment,
  type CallOutcome,
  type EnvCall,
  outcomeOf,
  ToolError,
} from "./environment.ts";
import { resolveExecutor, runExecutor, type ToolExecutor } from "./executors.ts";
import { validateAgainst } from "./jsonSchema.ts";
import { rebaseRefs, simulate, toolLlmSchema } from "./simulator.ts";

type SyntheticParams = Extract<EnvironmentParams, { env_type: "synthetic" }>;
type State = Record<string, unknown>;

const pretty = (value: unknown) => JSON.stringify(value, null, 2);

function statelessPrompt(persona: string, tool: ToolParams): string {
  return `${persona}\n\nYou are simulating the tool '${tool.id}'. Respond only with a JSON ` +
    "object that matches the tool's output schema: no prose, no markdown, no code fences.\n\n" +
    `Tool schema:\n${pretty(toolLlmSchema(tool))}`;
}

function statefulPrompt(
  persona: string,
  tool: ToolParams,
  stateSchema: JsonSchema | null,
  state: State,
) {
  const reply = tool.read_only
    ? 'Respond only with a JSON object {"output": <the tool\'s result>}. This tool is read-only: ' +
      "it must not change the state."
    : 'Respond only with a JSON object {"output": <the tool\'s result>, "updated_state": ' +
      "<the complete state after the call>}.";
  return `${persona}\n\nYou are simulating the tool '${tool.id}' of a stateful system whose ` +
    `current state is given below. ${reply} The output must match the tool's output schema; ` +
    "no prose, no markdown, no code fences.\n\n" +
    `Tool schema:\n${pretty(toolLlmSchema(tool))}\n\n` +
    (stateSchema ? `State schema:\n${pretty(stateSchema)}\n\n` : "") +
    `Current state:\n${pretty(state)}`;
}

/**
 * The reply schema of a stateful simulated call. With `strict` (the guided-decoding schema), a
 * read-only tool's reply cannot carry `updated_state`; the validation schema allows it so that
 * a change can be reported as a read-only violation.
 */
function envelopeSchema(
  tool: ToolParams,
  stateSchema: JsonSchema | null,
  strict: boolean,
): JsonSchema {
  const output = tool.output_schema ? rebaseRefs(tool.output_schema, "/properties/output") : {};
  if (tool.read_only) {
    return {
      type: "object",
      properties: { output },
      required: ["output"],
      ...(strict ? { additionalProperties: false } : {}),
    };
  }
  const state = stateSchema
    ? rebaseRefs(stateSchema, "/properties/updated_state")
    : { type: "object" };
  return {
    type: "object",
    properties: { output, updated_state: state },
    required: ["output", "updated_state"],
  };
}

function checkOutput(tool: ToolParams, output: unknown): unknown {
  if (tool.output_schema) {
    const bad = validateAgainst(tool.output_schema, output);
    if (bad) throw new ToolError(`Tool '${tool.id}' output failed schema validation: ${bad}`);
  }
  return output;
}

/** Builds a synthetic environment, reporting problems to `ctx`. */
export async function buildSynthetic(
  params: SyntheticParams,
  ctx: BuildContext,
): Promise<BuiltEnvironment> {
  const kwargs = params.env_kwargs;
  const stateSchema = kwargs.state_params?.state_schema ?? null;
  const initial = kwargs.state_params?.initial_state ?? null;
  const statePath = ["env_kwargs", "state_params"];
  if (stateSchema && initial) {
    const bad = validateAgainst(stateSchema, initial);
    if (bad) {
      ctx.problem(
        [...statePath, "initial_state"],
        `initial_state of environment '${params.id}' does not match state_schema: ${bad}`,
      );
    }
  }
  const executors = new Map<string, ToolExecutor>();
  for (const [j, tool] of params.tools.entries()) {
    if (tool.sql) {
      ctx.problem(
        ["tools", j, "sql"],
        `Tool '${tool.id}': sql is only used by database environments`,
      );
    }
    if (!tool.executor) continue;
    const fn = await resolveExecutor(tool, ctx.configDir);
    if (typeof fn !== "function") ctx.problem(["tools", j, "executor"], fn.message, fn.unsupported);
    else executors.set(tool.id, fn);
  }
  const guided = kwargs.use_guided_decoding && ctx.engineSupportsJsonSchema;
  const cache = new Map<string, Promise<unknown>>();

  const statelessCall = async ({ tool, args }: EnvCall, generate: Generate) => {
    const fn = executors.get(tool.id);
    if (fn) {
      const result = await runExecutor(fn, args, { toolId: tool.id, envId: params.id });
      if (result.updated_state !== undefined && result.updated_state !== null) {
        throw new ToolError(
          `Tool '${tool.id}' executor returned updated_state, but environment '${params.id}' is stateless`,
        );
      }
      return checkOutput(tool, result.output);
    }
    const simulateOnce = () =>
      simulate({
        tool,
        args,
        system: statelessPrompt(kwargs.tool_persona, tool),
        replySchema: tool.output_schema ?? { type: "object" },
        guided,
      }, generate);
    if (!kwargs.cache_by_input) return await simulateOnce();
    const key = `${tool.id}\u0000${canonicalJson(args)}`;
    let pending = cache.get(key);
    if (!pending) {
      pending = simulateOnce();
      cache.set(key, pending);
      pending.catch(() => cache.delete(key));
    }
    return structuredClone(await pending);
  };

  const statefulCall = async (
    { tool, args }: EnvCall,
    state: { current: State },
    generate: Generate,
  ) => {
    const fn = executors.get(tool.id);
    let output: unknown;
    let updated: unknown;
    if (fn) {
      const result = await runExecutor(fn, args, {
        toolId: tool.id,
        envId: params.id,
        state: structuredClone(state.current),
      });
      output = checkOutput(tool, result.output);
      updated = result.updated_state ?? undefined;
      if (updated !== undefined && tool.read_only) {
        throw new ToolError(
          `Tool '${tool.id}' is read_only but executor returned updated_state. ` +
            "Read-only tools must not change the state",
        );
      }
    } else {
      const reply = await simulate({
        tool,
        args,
        system: statefulPrompt(kwargs.tool_persona, tool, stateSchema, state.current),
        replySchema: envelopeSchema(tool, stateSchema, false),
        guideSchema: envelopeSchema(tool, stateSchema, true),
        guided,
      }, generate);
      output = reply.output;
      updated = reply.updated_state;
      if (tool.read_only && updated !== undefined) {
        if (canonicalJson(updated) !== canonicalJson(state.current)) {
          throw new ToolError(
            `Tool '${tool.id}' is read_only but tried to change the state; the change was discarded`,
          );
        }
        updated = undefined;
      }
    }
    if (updated !== undefined) {
      if (typeof updated !== "object" || updated === null || Array.isArray(updated)) {
        throw new ToolError(`Tool '${tool.id}' returned a state that is not a JSON object`);
      }
      const bad = stateSchema ? validateAgainst(stateSchema, updated) : undefined;
      if (bad) {
        throw new ToolError(`Tool '${tool.id}' returned a state that breaks state_schema: ${bad}`);
      }
      state.current = structuredClone(updated as State);
    }
    return output;
  };

  return {
    params,
    open({ generate }) {
      if (!initial) {
        return Promise.resolve({
          step: (calls: readonly EnvCall[]) =>
            Promise.all(calls.map((call) => outcomeOf(() => statelessCall(call, generate)))),
          close: () => Promise.resolve(),
        });
      }
      const state = { current: structuredClone(initial) };
      return Promise.resolve({
        async step(calls: readonly EnvCall[]) {
          const outcomes: CallOutcome[] = [];
          for (const call of calls) {
            outcomes.push(await outcomeOf(() => statefulCall(call, state, generate)));
          }
          return outcomes;
        },
        close: () => Promise.resolve(),
      });
    },
    close() {
      cache.clear();
      return Promise.resolve();
    },
  };
}
