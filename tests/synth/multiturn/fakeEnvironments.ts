/**
 * A small in-test {@link Environments}: tools whose results are computed by a function, with
 * every session, dispatch and close recorded. The real environments are exercised by the
 * end-to-end tests; this fake isolates the conversation loop.
 */
import type { ChatMessage, ToolCall, ToolDefinition } from "../../../src/engines/contract.ts";
import type { Environments, ToolScope } from "../../../src/environments/index.ts";

export interface FakeEnvironments extends Environments {
  opened: number[];
  closedSessions: number[];
  dispatches: { record: number; calls: readonly ToolCall[] }[];
  closed: boolean;
}

export function fakeEnvironments(options: {
  tools?: ToolDefinition[];
  facts?: (index: number) => Record<string, unknown>[];
  result?: (call: ToolCall) => string;
} = {}): FakeEnvironments {
  const tools = options.tools ?? [{
    type: "function",
    function: {
      name: "get_weather",
      description: "Weather of a city",
      parameters: { type: "object", properties: { city: { type: "string" } } },
    },
  }];
  const env: FakeEnvironments = {
    opened: [],
    closedSessions: [],
    dispatches: [],
    closed: false,
    toolCount: tools.length,
    toolsFor: (_scope: ToolScope) => tools,
    groundingFacts: (index) => options.facts?.(index) ?? [],
    openSession(record) {
      env.opened.push(record);
      return Promise.resolve({
        dispatch(calls): Promise<ChatMessage[]> {
          env.dispatches.push({ record, calls });
          return Promise.resolve(calls.map((call) => ({
            role: "tool" as const,
            content: options.result?.(call) ?? JSON.stringify({ city: "Paris" }),
            tool_call_id: call.id,
          })));
        },
        close() {
          env.closedSessions.push(record);
          return Promise.resolve();
        },
      });
    },
    close() {
      env.closed = true;
      return Promise.resolve();
    },
  };
  return env;
}

/** A tool call in the OpenAI shape. */
export function call(id: string, name = "get_weather", args = '{"city": "Paris"}'): ToolCall {
  return { id, type: "function", function: { name, arguments: args } };
}
