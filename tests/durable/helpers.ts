/**
 * Shared set-up of the durable-run tests: a small REMOTE config (two generated attributes and
 * a CHAT transform) against the loopback fake OpenAI server, a child-process runner that
 * reports how the process ended, and journal line counting.
 */
import { existsSync, readFileSync } from "node:fs";

/** A config of `n` records on `url` (the fake server), output `out`. */
export function remoteConfig(
  url: string,
  options: { n: number; out: string; workers?: number; question?: string },
) {
  return `strategy: GENERAL
num_samples: ${options.n}
output_path: ${options.out}
seed: 7
strategy_params:
  sampled_attributes:
    - id: topic
      name: Topic
      description: what it is about
      possible_values: [{id: math}, {id: art}, {id: history}, {id: biology}]
  generated_attributes:
    - id: question
      instruction_messages:
        - {role: USER, content: "${options.question ?? "Ask a question about {topic}."}"}
    - id: answer
      instruction_messages:
        - {role: USER, content: "Answer: {question}"}
  transformed_attributes:
    - id: conversation
      transformation_strategy:
        type: CHAT
        chat_transform:
          messages:
            - {role: USER, content: "{question}"}
            - {role: ASSISTANT, content: "{answer}"}
inference_config:
  engine: REMOTE
  model: {model_name: fake-model}
  remote_params:
    api_url: ${url}/v1/chat/completions
    num_workers: ${options.workers ?? 4}
    max_retries: 0
`;
}

/** Complete response lines of a journal (a torn last line is not counted). */
export function journaledResponses(path: string): number {
  if (!existsSync(path)) return 0;
  const text = readFileSync(path, "utf8");
  const complete = text.slice(0, text.lastIndexOf("\n") + 1);
  return complete.split("\n").filter((l) => l.startsWith('{"i":') && l.includes('"a":')).length;
}
