/**
 * The generation workload the local-engine benchmarks share (`llama.ts`, `onnx.ts`): `requests`
 * quiz-question prompts, sent once to the engine directly and once through a synth config whose
 * generated attribute renders exactly the same messages.
 */

/** System message of every request. */
export const SYSTEM = "You are a helpful assistant that writes short quiz questions.";

/** User message of request `i`. */
export const prompt = (i: number) => `Write question number ${i} about geography.`;

/** A synth config (without `inference_config`) whose records send request 0..requests-1. */
export function questionConfig(requests: number) {
  return {
    num_samples: requests,
    seed: 1,
    strategy_params: {
      input_examples: [{ examples: Array.from({ length: requests }, (_, i) => ({ n: i })) }],
      generated_attributes: [{
        id: "question",
        instruction_messages: [
          { role: "system", content: SYSTEM },
          { role: "user", content: "Write question number {n} about geography." },
        ],
      }],
    },
  };
}
