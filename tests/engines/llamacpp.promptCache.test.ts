/**
 * The LLAMACPP prompt cache (`cache_prompt`): sequences keep their KV cache between requests,
 * reuse the longest common prefix, and a request goes to the free sequence with the longest
 * matching prefix. At temperature 0 with a fixed seed, replies are byte-identical to those of an
 * engine that clears every sequence (`model_kwargs.cache_prompt: false`); usage counts the reused
 * prompt tokens as `cachedTokens`.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { ChatMessage, Engine, EngineConfig } from "../../src/engines/contract.ts";
import { createLlamaCppEngine } from "../../src/engines/llamacpp/index.ts";
import { tinyGgufPath } from "../helpers/tinyModel.ts";

let cached: Engine;
let cleared: Engine;

const config = (modelPath: string, kwargs: Record<string, unknown>): EngineConfig => ({
  engine: "LLAMACPP",
  model: { model_name: modelPath, model_max_length: 1024, model_kwargs: kwargs },
  generation: { max_new_tokens: 12, temperature: 0, seed: 7 },
});

beforeAll(async () => {
  const modelPath = await tinyGgufPath();
  cached = await createLlamaCppEngine(config(modelPath, {}), { threads: 1, parallelSequences: 2 });
  cleared = await createLlamaCppEngine(config(modelPath, { cache_prompt: false }), {
    threads: 1,
    parallelSequences: 1,
  });
});

afterAll(async () => {
  await cached?.dispose();
  await cleared?.dispose();
});

const persona = (name: string) =>
  `You are ${name}. ` + Array.from({ length: 30 }, (_, i) => `Rule ${i}: stay in role.`).join(" ");

test("reused prefixes give the same replies as cleared sequences, and are counted", async () => {
  const system: ChatMessage = { role: "system", content: persona("a librarian") };
  const questions = ["Name a book.", "Name a city.", "Name a colour."];
  for (const [i, q] of questions.entries()) {
    const messages: ChatMessage[] = [system, { role: "user", content: q }];
    const a = await cached.generate({ messages });
    const b = await cleared.generate({ messages });
    expect(a.message.content).toBe(b.message.content);
    expect(a.usage.inputTokens).toBe(b.usage.inputTokens);
    expect(b.usage.cachedTokens).toBeUndefined();
    // The first request fills the cache; the others reuse the whole system prompt.
    if (i === 0) expect(a.usage.cachedTokens).toBe(0);
    else expect(a.usage.cachedTokens!).toBeGreaterThan(a.usage.inputTokens / 2);
  }
});

test("each conversation returns to its own sequence", async () => {
  const talks = ["a pirate", "a chemist"].map((who): ChatMessage[] => [
    { role: "system", content: persona(who) },
    { role: "user", content: "Hello." },
  ]);
  // Two conversations at once take the two sequences; their second turns come back to them.
  const first = await Promise.all(talks.map((messages) => cached.generate({ messages })));
  for (let round = 0; round < 2; round++) {
    for (const [i, messages] of talks.entries()) {
      const before = messages.length;
      messages.push(
        { role: "assistant", content: first[i].message.content ?? "" },
        { role: "user", content: `Tell me more (${round}).` },
      );
      const again = await cached.generate({ messages });
      const reference = await cleared.generate({ messages });
      expect(again.message.content).toBe(reference.message.content);
      // The previous prompt was already in this conversation's sequence (the other one shares
      // only a few tokens); the reply's re-rendered edge may differ by a token or two.
      const previousPrompt = (await cleared.generate({ messages: messages.slice(0, before) }))
        .usage.inputTokens;
      expect(again.usage.cachedTokens!).toBeGreaterThanOrEqual(previousPrompt - 4);
      first[i] = again;
    }
  }
});

test("a prefix another sequence is evaluating is copied, not evaluated again; replies unchanged", async () => {
  const system: ChatMessage = { role: "system", content: persona("a gardener") };
  const asks = ["Name a tree.", "Name a flower."].map((q): ChatMessage[] => [
    system,
    { role: "user", content: q },
  ]);
  // Sent at once: both sequences are taken, and neither holds the gardener's prompt yet. The
  // second waits until the first has evaluated it and copies its KV cells.
  const [a, b] = await Promise.all(asks.map((messages) => cached.generate({ messages })));
  const [ra, rb] = [
    await cleared.generate({ messages: asks[0] }),
    await cleared.generate({ messages: asks[1] }),
  ];
  expect(a.message.content).toBe(ra.message.content);
  expect(b.message.content).toBe(rb.message.content);
  const reused = [a.usage.cachedTokens!, b.usage.cachedTokens!].sort((x, y) => x - y);
  // The first evaluates the persona (only the chat template's first tokens may be cached from
  // before); the second reuses all of it.
  expect(reused[0]).toBeLessThan(a.usage.inputTokens / 4);
  expect(reused[1]).toBeGreaterThan(b.usage.inputTokens / 2);
});
