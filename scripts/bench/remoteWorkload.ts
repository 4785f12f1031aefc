/**
 * The REMOTE workload of the remote-engine benchmarks (`remote.ts`, `servePushback.ts`): one
 * sampled topic and one generated answer per record, sent to an OpenAI-compatible server.
 */
import type { CompilableConfig } from "../../src/synth/compile.ts";

/**
 * A config of `n` records against the server at `url` (its `/v1/chat/completions`), with
 * `remote` merged into `remote_params` and, when given, the model name and generation params.
 */
export function remoteBenchConfig(
  n: number,
  url: string,
  remote: Record<string, unknown>,
  options: { model?: string; generation?: Record<string, unknown> } = {},
): CompilableConfig {
  return {
    num_samples: n,
    seed: 1,
    strategy_params: {
      sampled_attributes: [{
        id: "topic",
        name: "Topic",
        description: "Subject",
        possible_values: ["math", "art"].map((id) => ({ id, name: id, description: id })),
      }],
      generated_attributes: [{
        id: "answer",
        instruction_messages: [{ role: "user", content: "Write about {topic}." }],
      }],
    },
    inference_config: {
      engine: "REMOTE",
      model: { model_name: options.model ?? "bench" },
      ...(options.generation ? { generation: options.generation } : {}),
      remote_params: { api_url: `${url}/v1/chat/completions`, ...remote },
    },
  } as CompilableConfig;
}
