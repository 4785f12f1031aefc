/**
 * The workload of the pipeline benchmarks (`pipeline.ts`, `resume.ts`): a config with 2 sampled,
 * 2 generated and 1 CHAT attribute, and the instant in-process engine.
 */
import type { Engine } from "../../src/engines/contract.ts";
import type { CompilableConfig } from "../../src/synth/compile.ts";

/** The benchmark config with `n` records (seed 1). */
export const benchConfig = (n: number): CompilableConfig => ({
  num_samples: n,
  seed: 1,
  strategy_params: {
    sampled_attributes: [
      {
        id: "topic",
        name: "Topic",
        description: "Subject",
        possible_values: ["math", "history", "art", "biology"].map((id) => ({
          id,
          name: id[0].toUpperCase() + id.slice(1),
          description: `questions about ${id}`,
          sample_rate: 0.25,
        })),
      },
      {
        id: "level",
        name: "Level",
        description: "Difficulty",
        possible_values: [
          { id: "easy", name: "Easy", description: "basic", sample_rate: 0.5 },
          { id: "hard", name: "Hard", description: "expert", sample_rate: 0.5 },
        ],
      },
    ],
    generated_attributes: [
      {
        id: "question",
        instruction_messages: [
          { role: "system", content: "You write {level} quiz questions ({level.description})." },
          { role: "user", content: "Write a question about {topic} ({topic.description})." },
        ],
      },
      {
        id: "answer",
        instruction_messages: [{ role: "user", content: "Answer this: {question}" }],
      },
    ],
    transformed_attributes: [{
      id: "conversation",
      transformation_strategy: {
        type: "CHAT",
        chat_transform: {
          messages: [{ role: "user", content: "{question}" }, {
            role: "assistant",
            content: "{answer}",
          }],
        },
      },
    }],
  },
});

/**
 * The instant in-process engine both sides call: answers in a microtask with a short text
 * derived from the prompt, and reports token counts.
 */
export function instantEngine(): Engine {
  return {
    name: "INSTANT",
    model: "instant",
    maxConcurrency: 8,
    capabilities: { jsonSchema: false, tools: false },
    async generate(request) {
      const last = request.messages[request.messages.length - 1].content ?? "";
      return {
        message: { role: "assistant", content: `reply ${last.length}` },
        usage: { inputTokens: last.length >> 2, outputTokens: 2 },
        finishReason: "stop",
      };
    },
    async dispose() {},
    async [Symbol.asyncDispose]() {},
  };
}
