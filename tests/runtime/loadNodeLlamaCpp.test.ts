import { describe, expect, test } from "bun:test";
import {
  isNodeLlamaCppMessage,
  loadNodeLlamaCpp,
  setNodeLlamaCppLogSink,
} from "../../src/runtime/loadNodeLlamaCpp.ts";

describe("loadNodeLlamaCpp", () => {
  test("recognises node-llama-cpp console lines, coloured or not", () => {
    expect(
      isNodeLlamaCppMessage([
        "\u001b[90m[node-llama-cpp]\u001b[39m testBindingBinary.js is not independent",
      ]),
    )
      .toBe(true);
    expect(isNodeLlamaCppMessage(["[node-llama-cpp] something"])).toBe(true);
    expect(isNodeLlamaCppMessage(["[other] something"])).toBe(false);
    expect(isNodeLlamaCppMessage([42])).toBe(false);
  });

  test("loads the module once and diverts its console lines to the sink", async () => {
    const [a, b] = await Promise.all([loadNodeLlamaCpp(), loadNodeLlamaCpp()]);
    expect(a).toBe(b);
    expect(typeof a.getLlama).toBe("function");
    const seen: string[] = [];
    const previous = setNodeLlamaCppLogSink((m) => seen.push(m));
    try {
      console.warn("\u001b[90m[node-llama-cpp]\u001b[39m", "noisy line");
      expect(seen).toEqual(["[node-llama-cpp] noisy line"]);
    } finally {
      setNodeLlamaCppLogSink(previous);
    }
  });
});
