/**
 * Issue 11, items 2-9, through the CLI as a user meets them: numeric columns, few-shot rules,
 * documents without id, turn limits, an honest `validate`, fast failure when the server is not
 * there, errors that point at what the user wrote, the simulated-tool request. Runs use the
 * scripted OpenAI-compatible server (the model's text does not matter here) or need no model.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readJsonl } from "../helpers/corpus.ts";
import { type FakeOpenAI, startFakeOpenAI } from "../helpers/fakeOpenAIServer.ts";
import { GUIDE_ENVIRONMENT_EXAMPLE } from "../helpers/guideExample.ts";
import { refusingPort } from "../helpers/refusingPort.ts";
import { runInProcess, runProcess } from "./helpers.ts";
import { caseFolders } from "../helpers/caseFolders.ts";

// Each test spawns a CLI run; a shared, loaded machine can take seconds per run.
setDefaultTimeout(30_000);

const dir = mkdtempSync(join(tmpdir(), "synth-issue11-"));
let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI({ reply: () => "fine" });
});
afterAll(async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A fresh folder with `files` written into it; returns its path. */
const folder = caseFolders(dir, "case");

/** An `inference_config` for the scripted server. */
const remote = () =>
  `inference_config:
  engine: REMOTE
  model: {model_name: scripted}
  generation: {max_new_tokens: 8}
  remote_params: {api_url: "${fake.url}/v1/chat/completions", api_key: k, max_retries: 0}
`;

/** The `inference_config` of a config that needs no model (oumi still requires a name). */
const NO_MODEL = "inference_config:\n  model: {model_name: unused}\n";

const run = (cwd: string, argv: string[]) => runInProcess([...argv, "--no-progress"], { cwd });

describe("item 2: numeric dataset columns render as Python's str.format renders them", () => {
  const config = (data: string) =>
    `num_samples: 3
output_path: out.jsonl
strategy_params:
  input_data: [{path: ${data}}]
  transformed_attributes:
    - id: line
      transformation_strategy: {type: STRING, string_transform: "#{rank}: {fact} ({score}, {ok})"}
${NO_MODEL}`;

  test("JSONL ints, floats and booleans; validate and the run agree", async () => {
    const cwd = folder({
      "facts.jsonl": '{"rank": 1, "fact": "a", "score": 2.5, "ok": true}\n' +
        '{"rank": 2, "fact": "b", "score": 0.1, "ok": false}\n',
      "c.yaml": config("facts.jsonl"),
    });
    expect((await runInProcess(["validate", "-c", "c.yaml"], { cwd })).code).toBe(0);
    const r = await run(cwd, ["-c", "c.yaml"]);
    expect(r.code).toBe(0);
    expect(readJsonl(join(cwd, "out.jsonl")).map((x) => x.line)).toEqual([
      "#1: a (2.5, True)",
      "#2: b (0.1, False)",
      "#1: a (2.5, True)",
    ]);
  });

  test("a CSV column of numbers renders in every row, the empty cell too", async () => {
    const cwd = folder({
      "facts.csv": "rank,fact,score,ok\n1,a,2.5,x\n,b,3,y\n3,c,4,z\n",
      "c.yaml": config("facts.csv"),
    });
    const r = await run(cwd, ["-c", "c.yaml"]);
    expect(r.code).toBe(0);
    expect(readJsonl(join(cwd, "out.jsonl")).map((x) => x.line)).toEqual([
      "#1: a (2.5, x)",
      "#: b (3, y)",
      "#3: c (4, z)",
    ]);
  });

  test("validate refuses a transform that cannot render for any record", async () => {
    const cwd = folder({
      "facts.jsonl": '{"rank": 1, "fact": "a"}\n',
      "c.yaml": config("facts.jsonl").replace("{fact}", "{fact:d}").replace(
        " ({score}, {ok})",
        "",
      ),
    });
    const v = await runInProcess(["validate", "-c", "c.yaml"], { cwd });
    expect(v.code).toBe(2);
    expect(v.stderr).toContain("Unknown format code 'd' for object of type 'str'");
    expect(v.stderr).toMatch(/c\.yaml:7:\d+/);
    expect(v.stdout).not.toContain("Config is valid");
  });
});

describe("item 3: few-shot rules of the guide", () => {
  const config = (shots: number, template: string) =>
    `num_samples: 2
output_path: out.jsonl
strategy_params:
  input_examples:
    - id: few_shot_examples
      num_shots: ${shots}
      examples:
        - {task_type: summarization, example_input: "long text"}
        - {task_type: translation, example_input: "bonjour"}
        - {task_type: qa, example_input: "why?"}
  generated_attributes:
    - id: instruction
      instruction_messages:
        - role: USER
          content: "${template}"
${remote()}`;

  test("num_shots 1: {id.field} renders the round-robin row's field", async () => {
    const cwd = folder({
      "c.yaml": config(1, "Example: {few_shot_examples.example_input} ({task_type})"),
    });
    const r = await run(cwd, ["-c", "c.yaml"]);
    expect(r.code).toBe(0);
    const prompts = fake.chatRequests.slice(-2).map((c) =>
      (c.body.messages as { content: string }[])[0].content
    ).sort();
    expect(prompts).toEqual([
      "Example: bonjour (translation)",
      "Example: long text (summarization)",
    ]);
  });

  test("num_shots 1 works the same on a dataset: {id.field} and {field}", async () => {
    const cwd = folder({
      "facts.jsonl": '{"fact": "Tides follow the moon.", "rank": 7}\n',
      "c.yaml": `num_samples: 1
output_path: out.jsonl
strategy_params:
  input_data: [{path: facts.jsonl, id: facts, num_shots: 1}]
  transformed_attributes:
    - id: line
      transformation_strategy: {type: STRING, string_transform: "{facts.rank}. {facts.fact} / {fact}"}
${NO_MODEL}`,
    });
    const r = await run(cwd, ["-c", "c.yaml"]);
    expect(r.code).toBe(0);
    expect(readJsonl(join(cwd, "out.jsonl"))[0]).toEqual({
      fact: "Tides follow the moon.",
      rank: 7,
      line: "7. Tides follow the moon. / Tides follow the moon.",
    });
  });

  test("num_shots > 1: the dot form is a config error (exit 2) that says to index", async () => {
    const cwd = folder({ "c.yaml": config(3, "Example: {few_shot_examples.example_input}") });
    const r = await runProcess(["-c", "c.yaml"], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("{few_shot_examples[i].example_input}");
    expect(r.stderr).toContain("num_shots: 3");
    expect(r.stderr).toMatch(/c\.yaml:15:\d+/);
    expect(existsSync(join(cwd, "out.jsonl"))).toBe(false);
  });

  test("an index beyond num_shots, and num_shots beyond the pool, fail at load", async () => {
    const beyond = folder({ "c.yaml": config(2, "{few_shot_examples[2].example_input}") });
    const a = await runInProcess(["validate", "-c", "c.yaml"], { cwd: beyond });
    expect(a.code).toBe(2);
    expect(a.stderr).toContain("index 2 is beyond num_shots");
    expect(a.stderr).toContain("input_examples[0] (id few_shot_examples) has 3 rows");
    const pool = folder({ "c.yaml": config(4, "{few_shot_examples[0].example_input}") });
    const b = await runInProcess(["validate", "-c", "c.yaml"], { cwd: pool });
    expect(b.code).toBe(2);
    expect(b.stderr).toContain("num_shots is 4 but input_examples[0] has only 3 rows");
    expect(b.stderr).toMatch(/c\.yaml:6:\d+/);
  });
});

describe("item 4: the guide's 'Using Your Own Data' snippet (documents without id)", () => {
  test("the id defaults to the file's stem; validate shows it; the run uses it", async () => {
    const cwd = folder({
      "my_existing_data.jsonl": '{"topic": "tides"}\n',
      "textbook.txt": "The moon pulls the oceans.",
      "c.yaml": `num_samples: 1
output_path: out.jsonl
strategy_params:
  input_data:
    - path: "my_existing_data.jsonl"
  input_documents:
    - path: "textbook.txt"
  transformed_attributes:
    - id: prompt
      transformation_strategy: {type: STRING, string_transform: "{topic}: {textbook}"}
${NO_MODEL}`,
    });
    const v = await runInProcess(["validate", "-c", "c.yaml"], { cwd });
    expect(v.code).toBe(0);
    expect(v.stdout).toContain("textbook");
    const r = await run(cwd, ["-c", "c.yaml"]);
    expect(r.code).toBe(0);
    expect(readJsonl(join(cwd, "out.jsonl"))[0].prompt).toBe("tides: The moon pulls the oceans.");
  });
});

describe("item 5: max_turns is a maximum", () => {
  const config = (min: number, max: number) =>
    `num_samples: 2
output_path: out.jsonl
strategy_params:
  sampled_attributes:
    - id: mood
      possible_values: [{id: calm}]
  multiturn_attributes:
    - id: chat
      min_turns: ${min}
      max_turns: ${max}
      role_instruction_messages: {USER: "You are {mood}.", ASSISTANT: "You help."}
${remote()}`;

  test("a range without an even number is refused at load with the reason", async () => {
    const cwd = folder({ "c.yaml": config(3, 3) });
    const r = await runInProcess(["validate", "-c", "c.yaml"], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("min_turns 3 and max_turns 3 allow no even number of messages");
    expect(r.stderr).toContain("ends on an assistant message");
    expect(r.stderr).toMatch(/c\.yaml:\d+:\d+/);
  });

  test("conversations stay within [min_turns, max_turns] messages", async () => {
    const cwd = folder({ "c.yaml": config(1, 3) });
    const r = await run(cwd, ["-c", "c.yaml", "--seed", "3"]);
    expect(r.code).toBe(0);
    for (const record of readJsonl(join(cwd, "out.jsonl"))) {
      const spoken = (record.chat.messages as { role: string }[]).filter((m) =>
        m.role !== "system"
      );
      expect(spoken.map((m) => m.role)).toEqual(["user", "assistant"]);
    }
  });
});

describe("item 6: validate tells the truth", () => {
  const base = `num_samples: 2
output_path: out.jsonl
strategy_params:
  sampled_attributes:
    - id: level
      possible_values:
        - {id: easy, sample_rate: 0.2}
        - {id: hard, sample_rate: 0.3}
  generated_attributes:
    - id: q
      instruction_messages: [{role: USER, content: "A {level} question."}]
`;

  test("a missing model file fails validate as it fails the run", async () => {
    const cwd = folder({
      "c.yaml": base + "inference_config:\n  engine: LLAMACPP\n  model: {model_name: gone.gguf}\n",
    });
    const v = await runInProcess(["validate", "-c", "c.yaml"], { cwd });
    expect(v.code).toBe(2);
    expect(v.stderr).toContain('Cannot load model "gone.gguf"');
    expect(v.stderr).toMatch(/c\.yaml:14:\d+/);
  });

  test("a file that is not GGUF is refused by validate", async () => {
    const cwd = folder({
      "fake.gguf": "not a model",
      "c.yaml": base + "inference_config:\n  engine: LLAMACPP\n  model: {model_name: fake.gguf}\n",
    });
    const v = await runInProcess(["validate", "-c", "c.yaml"], { cwd });
    expect(v.code).toBe(2);
    expect(v.stderr).toContain("not a GGUF file");
  });

  test("VLLM without api_url fails validate", async () => {
    const cwd = folder({
      "c.yaml": base + "inference_config:\n  engine: VLLM\n  model: {model_name: m}\n",
    });
    const v = await runInProcess(["validate", "-c", "c.yaml"], { cwd });
    expect(v.code).toBe(2);
    expect(v.stderr).toContain("API URL is required for remote inference.");
  });

  test("sample rates summing below 1 are shown as effective shares", async () => {
    const cwd = folder({ "c.yaml": base + remote() });
    const v = await runInProcess(["validate", "-c", "c.yaml"], { cwd });
    expect(v.code).toBe(0);
    expect(v.stdout).toContain("level: easy 40%, hard 60%");
    expect(v.stdout).toContain("sample_rates sum to 50%: used as weights");
  });
});

describe("item 7: fail fast when the server is not there", () => {
  test("connection refused at the start stops the run with exit 4 naming the URL", async () => {
    const url = `http://127.0.0.1:${await refusingPort()}/v1/chat/completions`;
    const cwd = folder({
      "c.yaml": `num_samples: 100
output_path: out.jsonl
strategy_params:
  sampled_attributes: [{id: t, possible_values: [{id: a}]}]
  generated_attributes:
    - id: q
      instruction_messages: [{role: USER, content: "{t}"}]
inference_config:
  engine: REMOTE
  model: {model_name: m}
  remote_params: {api_url: "${url}", num_workers: 1, max_retries: 5, retry_backoff_base: 30}
`,
    });
    // With 5 retries 30 s apart per record, only fail-fast can end this run within the test.
    const r = await runProcess(["-c", "c.yaml", "--no-progress"], { cwd });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(`Cannot reach REMOTE at ${url}: connection refused`);
    expect(r.stderr).not.toContain("retrying in");
  });
});

describe("item 8: errors point at what the user wrote", () => {
  const minimal = `num_samples: 1
output_path: out.jsonl
strategy_params:
  sampled_attributes:
    - id: topic
      possible_values: [{id: a}]
`;

  test("guide-shape environment errors name the user's own key path and line:column", async () => {
    const cwd = folder({
      "c.yaml": GUIDE_ENVIRONMENT_EXAMPLE.replace("policy_type: standard", "policy_type: 5")
        .replace(
          "strategy_params:\n",
          "strategy_params:\n  sampled_attributes: [{id: t, possible_values: [{id: a}]}]\n",
        ) +
        "num_samples: 1\n" + remote(),
    });
    const r = await runInProcess(["validate", "-c", "c.yaml"], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "c.yaml:63:17  environment_config.environments[2].tools[0].deterministic_outputs[0].input",
    );
    expect(r.stderr).not.toContain("lookup_table");
  });

  test("a placeholder error carries file:line:column of the placeholder", async () => {
    const cwd = folder({
      "c.yaml": minimal +
        `  generated_attributes:\n    - id: q\n      instruction_messages:\n        - {role: USER, content: "About {topic} and {topik}"}\n` +
        remote(),
    });
    const r = await runInProcess(["validate", "-c", "c.yaml"], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("c.yaml:10:52");
    expect(r.stderr).toContain("Unknown placeholder {topik}");
  });

  test("an output path under a regular file is a clear config error", async () => {
    const cwd = folder({
      "taken": "a file",
      "c.yaml": minimal.replace("out.jsonl", "taken/out.jsonl") + NO_MODEL,
    });
    const r = await run(cwd, ["-c", "c.yaml"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("is a file, not a folder");
    expect(r.stderr).toMatch(/c\.yaml:2:\d+ {2}output_path/);
    expect(r.stderr).not.toContain("EEXIST");
  });

  test("an unsupported document extension names the file and exits 2", async () => {
    const cwd = folder({
      "notes.rtf": "{\\rtf1}",
      "c.yaml": minimal + `  input_documents: [{path: notes.rtf}]\n` + NO_MODEL,
    });
    const r = await runProcess(["validate", "-c", "c.yaml"], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Unsupported document file type: notes.rtf");
  });

  test("a duplicate id names both places", async () => {
    const cwd = folder({
      "c.yaml": minimal +
        `  generated_attributes:\n    - id: topic\n      instruction_messages: [{role: USER, content: x}]\n` +
        remote(),
    });
    const r = await runInProcess(["validate", "-c", "c.yaml"], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /c\.yaml:8:11 {2}strategy_params\.generated_attributes\[0\]\.id: Attribute ID 'topic' is used more than once \(first at strategy_params\.sampled_attributes\[0\]\.id, \S*c\.yaml:5:11\)/,
    );
  });

  test("an unknown key suggests the nearest valid one; the engine list has NATIVE_TEXT", async () => {
    const cwd = folder({
      "c.yaml": minimal.replace("sampled_attributes:", "sampled_atributes:") +
        "inference_config:\n  engine: NATIVE_TXT\n  model: {model_name: m}\n",
    });
    const r = await runInProcess(["validate", "-c", "c.yaml"], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("did you mean sampled_attributes?");
    expect(r.stderr).toMatch(
      /expected one of \[[^\]]*NATIVE_TEXT[^\]]*\]; did you mean NATIVE_TEXT\?/,
    );
  });
});

describe("item 9: the simulated-tool request", () => {
  test("a tool without output_schema is simulated without a JSON constraint", async () => {
    const cwd = folder({
      "c.yaml": `num_samples: 1
output_path: out.jsonl
environment_config:
  environments:
    - id: faq
      type: synthetic
      system_prompt: Answer FAQs.
      tools:
        - id: answer_faq
          name: AnswerFAQ
          description: Answer a question.
          parameters: {type: object, properties: {question: {type: string}}}
strategy_params:
  sampled_attributes: [{id: t, possible_values: [{id: a}]}]
  multiturn_attributes:
    - id: chat
      min_turns: 2
      max_turns: 2
      role_instruction_messages: {USER: "Ask about {t}.", ASSISTANT: "Use tools."}
${remote()}`,
    });
    const simulated = await startFakeOpenAI({
      reply: (call) => {
        const tools = call.body.tools as unknown[] | undefined;
        const last = JSON.stringify((call.body.messages as unknown[]).at(-1));
        if (last.includes('\\"tool\\": \\"answer_faq\\"')) return '{"answer": "yes"}';
        if (tools && !last.includes("tool_call_id")) {
          return {
            content: null,
            tool_calls: [{
              id: "c1",
              type: "function",
              function: { name: "answer_faq", arguments: '{"question": "q"}' },
            }],
          };
        }
        return "done";
      },
    });
    try {
      const yaml = join(cwd, "c.yaml");
      writeFileSync(
        yaml,
        (await Bun.file(yaml).text()).replace(fake.url, simulated.url),
      );
      const r = await run(cwd, ["-c", "c.yaml"]);
      expect(r.code).toBe(0);
      const simulation = simulated.chatRequests.find((c) =>
        JSON.stringify(c.body.messages).includes('\\"tool\\": \\"answer_faq\\"')
      );
      expect(simulation).toBeDefined();
      expect(simulation!.body.response_format).toBeUndefined();
    } finally {
      await simulated.close();
    }
  });
});
