import { describe, expect, test } from "bun:test";
import type { ChatMessage, ToolCall } from "../../../src/engines/contract.ts";
import { runAssistantTurn } from "../../../src/synth/multiturn/assistantLoop.ts";
import { STOP_CALLING_TOOLS } from "../../../src/synth/multiturn/turnPrompt.ts";
import { scriptedEngine } from "../../helpers/scriptedEngine.ts";
import { call, fakeEnvironments } from "./fakeEnvironments.ts";

const BASE: ChatMessage[] = [
  { role: "system", content: "You are a weather bot." },
  { role: "user", content: "Weather in Paris?" },
];

async function openFake() {
  const env = fakeEnvironments();
  return { env, session: await env.openSession(0, () => Promise.reject(new Error("unused"))) };
}

describe("assistant agentic loop (§10.7, §20.13)", () => {
  test("tool call -> dispatch -> re-infer -> final text after the tool message", async () => {
    const { env, session } = await openFake();
    const engine = scriptedEngine({
      capabilities: { jsonSchema: false, tools: true },
      reply: (_r, n) => n === 0 ? { content: null, tool_calls: [call("c1")] } : "Sunny.  ",
    });
    const turn = await runAssistantTurn({
      base: BASE,
      tools: env.toolsFor({}),
      maxToolRounds: 5,
      generate: (r) => engine.generate(r),
      dispatch: (calls) => session.dispatch(calls),
    });
    expect(turn.toolRounds).toBe(1);
    expect(turn.messages).toEqual([
      { role: "assistant", content: null, tool_calls: [call("c1")] },
      { role: "tool", content: '{"city":"Paris"}', tool_call_id: "c1" },
      { role: "assistant", content: "Sunny.  " }, // final text is not trimmed
    ]);
    // Tools are attached to every call of the loop; the second call sees the tool result.
    expect(engine.requests.map((r) => r.tools?.length)).toEqual([1, 1]);
    expect(engine.requests[1].messages.at(-1)).toEqual(turn.messages[1]);
  });

  test("cap reached: the nudge without tools gives the final answer; rounds equal the cap", async () => {
    const { env, session } = await openFake();
    const engine = scriptedEngine({
      reply: (r, n) => r.tools ? { content: "checking", tool_calls: [call(`c${n}`)] } : "Done.",
    });
    const turn = await runAssistantTurn({
      base: BASE,
      tools: env.toolsFor({}),
      maxToolRounds: 3,
      generate: (r) => engine.generate(r),
      dispatch: (calls) => session.dispatch(calls),
    });
    expect(turn.toolRounds).toBe(3);
    expect(env.dispatches).toHaveLength(3);
    const last = engine.requests.at(-1)!;
    expect(last.tools).toBeUndefined();
    expect(last.messages.at(-1)).toEqual({ role: "user", content: STOP_CALLING_TOOLS });
    expect(turn.messages.at(-1)).toEqual({ role: "assistant", content: "Done." });
    expect(turn.messages).toHaveLength(3 * 2 + 1);
  });

  test("a straggler that still calls tools keeps the calls, unexecuted", async () => {
    const { env, session } = await openFake();
    const engine = scriptedEngine({
      reply: (_r, n) => ({ content: null, tool_calls: [call(`c${n}`)] }),
    });
    const turn = await runAssistantTurn({
      base: BASE,
      tools: env.toolsFor({}),
      maxToolRounds: 1,
      generate: (r) => engine.generate(r),
      dispatch: (calls) => session.dispatch(calls),
    });
    expect(env.dispatches).toHaveLength(1);
    expect(turn.messages.at(-1)).toEqual({
      role: "assistant",
      content: null,
      tool_calls: [call("c1")],
    });
  });

  test("5 parallel calls are one dispatch with 5 calls and 5 results in order", async () => {
    const { env, session } = await openFake();
    const calls: ToolCall[] = [1, 2, 3, 4, 5].map((i) => call(`c${i}`));
    const engine = scriptedEngine({
      reply: (_r, n) => n === 0 ? { content: null, tool_calls: calls } : "ok",
    });
    const turn = await runAssistantTurn({
      base: BASE,
      tools: env.toolsFor({}),
      maxToolRounds: 50,
      generate: (r) => engine.generate(r),
      dispatch: (c) => session.dispatch(c),
    });
    expect(env.dispatches).toHaveLength(1);
    expect(env.dispatches[0].calls).toHaveLength(5);
    expect(turn.messages.slice(1, 6).map((m) => m.tool_call_id)).toEqual([
      "c1",
      "c2",
      "c3",
      "c4",
      "c5",
    ]);
  });

  test("no tools: one plain call; null content becomes an empty string", async () => {
    const engine = scriptedEngine({ reply: () => ({ content: null }) });
    const turn = await runAssistantTurn({
      base: BASE,
      tools: [],
      maxToolRounds: 5,
      generate: (r) => engine.generate(r),
    });
    expect(engine.requests).toHaveLength(1);
    expect(engine.requests[0].tools).toBeUndefined();
    expect(turn.messages).toEqual([{ role: "assistant", content: "" }]);
  });
});
