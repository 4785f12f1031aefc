/**
 * Shared set-up of the quality-gate CLI tests: a config whose records each ask the OPENAI engine
 * for "Write answer {n}", and the arguments that point it at a loopback fake server.
 */

/**
 * A config of `n` records into `out`, whose input examples are n = 0 .. `examples` - 1, with
 * `quality` (a `quality:` section, or "") appended.
 */
export function answerConfig(n: number, out: string, examples: number, quality: string): string {
  const rows = Array.from({ length: examples }, (_, i) => `{n: ${i}}`).join(", ");
  return `num_samples: ${n}
output_path: ${out}
seed: 1
inference_config:
  engine: OPENAI
  model: {model_name: gpt-4o-mini}
strategy_params:
  input_examples:
    - examples: [${rows}]
  generated_attributes:
    - id: answer
      instruction_messages:
        - {role: user, content: "Write answer {n}"}
${quality}`;
}

/** CLI arguments for the fake server at `url` (a test key, no politeness wait, no progress bar). */
export function fakeServerArgs(url: string, extra: string[] = []): string[] {
  return [
    "--inference_config.remote_params.api_url",
    `${url}/v1`,
    "--inference_config.remote_params.api_key",
    "sk-test-0123456789",
    "--inference_config.remote_params.politeness_policy",
    "0",
    "--no-progress",
    ...extra,
  ];
}
