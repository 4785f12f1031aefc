/**
 * A test double for the language model's *text* only: an in-process {@link Engine} whose
 * replies come from a script function. Everything around it (planner, templates, scheduler,
 * writers, CLI) is the real code. Also used by the pipeline-overhead benchmark as the
 * "instant engine".
 */
import { type Clock, realClock } from "../../src/clock.ts";
import type {
  ChatMessage,
  Engine,
  EngineCapabilities,
  GenerateRequest,
  GenerateResult,
} from "../../src/engines/contract.ts";

/** A scripted reply: text, or a message with tool calls (content may be `null`). */
export type ScriptedReply = string | Pick<ChatMessage, "content" | "tool_calls">;

/** Options of {@link scriptedEngine}. */
export interface ScriptedEngineOptions {
  /** Reply for a request (`calls` = 0-based call counter). Throw to simulate a failure. */
  reply?: (request: GenerateRequest, calls: number) => ScriptedReply | Promise<ScriptedReply>;
  /** Default: no JSON schema, no tools. */
  capabilities?: EngineCapabilities;
  /** Artificial latency per request in ms (0 = answer synchronously in a microtask). */
  latencyMs?: number | ((request: GenerateRequest) => number);
  /**
   * What the latency waits on. Default the real clock; tests whose assertions depend on the
   * order latencies produce pass `new ManualClock({ auto: true })` (virtual time).
   */
  clock?: Clock;
  maxConcurrency?: number;
}

/** A scripted engine that also records every request it saw and the peak concurrency. */
export interface ScriptedEngine extends Engine {
  readonly requests: GenerateRequest[];
  readonly peakInFlight: number;
  readonly disposed: boolean;
}

/** Creates a scripted engine. Default reply: `"reply to: <last message>"`. */
export function scriptedEngine(options: ScriptedEngineOptions = {}): ScriptedEngine {
  const requests: GenerateRequest[] = [];
  let inFlight = 0;
  let peak = 0;
  let disposed = false;
  const reply = options.reply ?? ((r) => `reply to: ${r.messages.at(-1)?.content ?? ""}`);
  const engine: ScriptedEngine = {
    name: "SCRIPTED",
    model: "scripted",
    maxConcurrency: options.maxConcurrency ?? 4,
    capabilities: options.capabilities ?? { jsonSchema: false, tools: false },
    get requests() {
      return requests;
    },
    get peakInFlight() {
      return peak;
    },
    get disposed() {
      return disposed;
    },
    async generate(request): Promise<GenerateResult> {
      if (disposed) throw new Error("Cannot generate: the engine is disposed");
      const calls = requests.length;
      requests.push(request);
      inFlight++;
      peak = Math.max(peak, inFlight);
      try {
        const latency = typeof options.latencyMs === "function"
          ? options.latencyMs(request)
          : options.latencyMs ?? 0;
        if (latency > 0) await (options.clock ?? realClock).sleep(latency);
        const scripted = await reply(request, calls);
        const message: ChatMessage = typeof scripted === "string"
          ? { role: "assistant", content: scripted }
          : { role: "assistant", ...scripted };
        const text = message.content ?? "";
        const input = request.messages.reduce((n, m) => n + (m.content?.length ?? 0), 0);
        return {
          message,
          usage: { inputTokens: Math.ceil(input / 4), outputTokens: Math.ceil(text.length / 4) },
          finishReason: message.tool_calls?.length ? "tool_calls" : "stop",
        };
      } finally {
        inFlight--;
      }
    },
    async dispose() {
      disposed = true;
    },
    async [Symbol.asyncDispose]() {
      disposed = true;
    },
  };
  return engine;
}
