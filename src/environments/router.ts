/**
 * The tool router (spec §11.5): dispatches one assistant message's tool calls for one record.
 * Calls are looked up among all configured tools, their arguments parsed and validated, grouped
 * by owning environment (first-appearance order) and run as one batched step per environment;
 * a failing batch is retried call by call. Every call gets exactly one `tool` message, in call
 * order, carrying `tool_call_id`; tool problems become `{"error": "..."}` contents.
 *
 * Engine errors raised while simulating a tool (after the caller's retries) and aborts are not
 * tool problems: they propagate and fail the record.
 *
 * @module
 */
import type { ChatMessage, ToolCall } from "../engines/contract.ts";
import type { ToolParams } from "../config/schema.ts";
import { pyList } from "../python/repr.ts";
import { EngineError } from "../errors.ts";
import { toolJson } from "./canonicalJson.ts";
import {
  type BuiltEnvironment,
  type CallOutcome,
  type EnvCall,
  type EnvInstance,
  type SessionContext,
  ToolError,
} from "./environment.ts";
import { parseToolArguments } from "./toolArguments.ts";

/** A tool with the index of its environment. */
export interface RoutedTool {
  tool: ToolParams;
  env: number;
}

/** The content of a tool message for an outcome (§11.5 steps 4-5). */
export function toolMessageContent(outcome: CallOutcome): string {
  if (!outcome.ok) return toolJson({ error: outcome.error });
  return typeof outcome.output === "string" ? outcome.output : toolJson(outcome.output);
}

function mustPropagate(error: unknown): boolean {
  return error instanceof EngineError || (error as Error)?.name === "AbortError";
}

/** One record's router: lazily opens each environment's instance on first use. */
export class RecordRouter {
  readonly #envs: readonly BuiltEnvironment[];
  readonly #tools: ReadonlyMap<string, RoutedTool>;
  readonly #context: SessionContext;
  readonly #open = new Map<number, Promise<EnvInstance>>();
  #closed = false;

  constructor(
    envs: readonly BuiltEnvironment[],
    tools: ReadonlyMap<string, RoutedTool>,
    context: SessionContext,
  ) {
    this.#envs = envs;
    this.#tools = tools;
    this.#context = context;
  }

  #instance(env: number): Promise<EnvInstance> {
    let instance = this.#open.get(env);
    if (!instance) {
      instance = this.#envs[env].open(this.#context);
      this.#open.set(env, instance);
    }
    return instance;
  }

  async #runGroup(env: number, calls: EnvCall[]): Promise<CallOutcome[]> {
    const instance = await this.#instance(env);
    try {
      const outcomes = await instance.step(calls);
      if (outcomes.length === calls.length) return outcomes;
      throw new Error(`step returned ${outcomes.length} results for ${calls.length} calls`);
    } catch (error) {
      if (mustPropagate(error)) throw error;
      if (calls.length === 1) {
        return [{ ok: false, error: `Tool '${calls[0].tool.id}' raised: ${message(error)}` }];
      }
    }
    const outcomes: CallOutcome[] = [];
    for (const call of calls) {
      try {
        const [one] = await instance.step([call]);
        outcomes.push(one ?? { ok: false, error: `Tool '${call.tool.id}' raised: no result` });
      } catch (error) {
        if (mustPropagate(error)) throw error;
        outcomes.push({ ok: false, error: `Tool '${call.tool.id}' raised: ${message(error)}` });
      }
    }
    return outcomes;
  }

  /** Dispatches `calls` (§11.5); never throws for tool-level problems. */
  async dispatch(calls: readonly ToolCall[]): Promise<ChatMessage[]> {
    if (this.#closed) throw new Error("Cannot dispatch tool calls: the session is closed");
    const outcomes: (CallOutcome | undefined)[] = new Array(calls.length);
    const groups = new Map<number, { calls: EnvCall[]; at: number[] }>();
    calls.forEach((call, i) => {
      const name = call.function?.name ?? "";
      const routed = this.#tools.get(name);
      if (!routed) {
        outcomes[i] = {
          ok: false,
          error: `Unknown tool '${name}'. Known: ${pyList([...this.#tools.keys()])}`,
        };
        return;
      }
      try {
        const args = parseToolArguments(routed.tool, call.function.arguments ?? "");
        let group = groups.get(routed.env);
        if (!group) groups.set(routed.env, group = { calls: [], at: [] });
        group.calls.push({ tool: routed.tool, args });
        group.at.push(i);
      } catch (error) {
        if (!(error instanceof ToolError)) throw error;
        outcomes[i] = { ok: false, error: error.message };
      }
    });
    for (const [env, group] of groups) {
      const results = await this.#runGroup(env, group.calls);
      group.at.forEach((i, k) => (outcomes[i] = results[k]));
    }
    return calls.map((call, i) => ({
      role: "tool",
      content: toolMessageContent(outcomes[i]!),
      tool_call_id: call.id,
    }));
  }

  /** Closes every opened instance. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const opened = await Promise.allSettled(this.#open.values());
    await Promise.allSettled(
      opened.flatMap((r) => (r.status === "fulfilled" ? [r.value.close()] : [])),
    );
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
