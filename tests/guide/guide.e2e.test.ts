/**
 * The user guide (synthesis guide and quickstart), snippet by snippet: each YAML snippet as the
 * guide prints it, completed into the smallest runnable config (what the snippet leaves out:
 * a sampled attribute, an engine), run end to end through the CLI on the tiny GGUF model or on
 * a scripted OpenAI / Anthropic server. Cheap on purpose: 1-2 records, a few tokens each.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runInProcess } from "../cli/helpers.ts";
import { readJsonl } from "../helpers/corpus.ts";
import { checkConversation } from "../helpers/conversationShape.ts";
import { type FakeAnthropic, startFakeAnthropic } from "../helpers/fakeAnthropicServer.ts";
import { type FakeOpenAI, startFakeOpenAI } from "../helpers/fakeOpenAIServer.ts";
import { GUIDE_ENVIRONMENT_EXAMPLE } from "../helpers/guideExample.ts";
import { tinyGgufPath } from "../helpers/tinyModel.ts";
import { makePdf, makeXlsx } from "../inputs/fixtures.ts";
import { caseFolders } from "../helpers/caseFolders.ts";

// Each test spawns a CLI run; a shared, loaded machine can take seconds per run.
setDefaultTimeout(30_000);

const dir = mkdtempSync(join(tmpdir(), "synth-guide-"));
let openai: FakeOpenAI;
let anthropic: FakeAnthropic;
let model = "";

/** Replies that fit any request of these configs: a JSON plan for planners, else short text. */
function scripted(text: string): string {
  if (/conversation plan|turn-by-turn|"turns"/i.test(text)) {
    return JSON.stringify({ turns: Array.from({ length: 12 }, (_, i) => `turn ${i + 1}`) });
  }
  if (text.includes("Summarize this text")) return "Summary:  Light scatters.  ";
  if (/about (science|art) \(Topic: Subject area\)/i.test(text)) {
    return "Answer: the **blue** sky\n\nmore";
  }
  return "Answer: short reply";
}

beforeAll(async () => {
  model = await tinyGgufPath();
  openai = await startFakeOpenAI({
    reply: (call) => scripted(JSON.stringify(call.body.messages)),
  });
  anthropic = await startFakeAnthropic({
    reply: (call) => scripted(JSON.stringify(call.body.messages)),
  });
});
afterAll(async () => {
  await openai.close();
  await anthropic.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A fresh folder with `files` written into it; returns its path. */
const folder = caseFolders(dir, "g");

/** Runs `synth -c c.yaml` (plus `extra`) in `cwd`; fails the test with stderr on a bad exit. */
async function synth(cwd: string, extra: string[] = []) {
  const r = await runInProcess(["-c", "c.yaml", "--no-progress", "--threads", "1", ...extra], {
    cwd,
    env: { ANTHROPIC_API_KEY: "test-key", OPENAI_API_KEY: "test-key" },
  });
  if (r.code !== 0) throw new Error(`exit ${r.code}\n${r.stderr}`);
  return { ...r, records: readJsonl(join(cwd, "out.jsonl")) };
}

/** The scripted OpenAI-compatible server as the engine (the guide's `OPENAI` snippet). */
const viaOpenAI = () =>
  `inference_config:
  model:
    model_name: gpt-4o-mini
  engine: OPENAI
  generation: {max_new_tokens: 8}
  remote_params: {api_url: "${openai.url}/v1/chat/completions", max_retries: 0}
`;

/** A small sampled attribute for snippets that have none (a record needs one attribute). */
const TOPIC = `  sampled_attributes:
    - id: topic
      possible_values: [{id: geography}, {id: history}]
`;

/** The guide's first config (`my_first_synth.yaml`), with `num_samples` and `output_path` small. */
const FIRST = `# Generate 10 geography questions
strategy: GENERAL
num_samples: 2
output_path: out.jsonl

strategy_params:
  # Give the AI an example to learn from
  input_examples:
    - examples:
      - example_question: "What is the capital of France?"

  # Define what should vary across examples
  sampled_attributes:
    - id: difficulty
      name: Difficulty Level
      description: How challenging the question should be
      possible_values:
        - id: easy
          name: Easy
          description: Basic facts everyone should know
        - id: hard
          name: Hard
          description: Detailed knowledge for experts

  # Tell the AI how to generate questions and answers
  generated_attributes:
    - id: question
      instruction_messages:
        - role: SYSTEM
          content: "You are a geography teacher creating quiz questions. Example: {example_question}"
        - role: USER
          content: "Create a {difficulty} geography question. Write the question only, not the answer."
    - id: answer
      instruction_messages:
        - role: SYSTEM
          content: "You are a helpful AI assistant."
        - role: USER
          content: "{question}"
`;

describe("Your First Synthesis", () => {
  test("ANTHROPIC (scripted server): records have the guide's keys", async () => {
    const cwd = folder({
      "c.yaml": FIRST + `
# Configure which AI model to use
inference_config:
  model:
    model_name: claude-3-5-sonnet-20240620
  engine: ANTHROPIC
  remote_params: {api_url: "${anthropic.url}/v1/messages", max_retries: 0}
  generation: {max_new_tokens: 8}
`,
    });
    const { records, stdout } = await synth(cwd);
    expect(records).toHaveLength(2);
    for (const r of records) {
      expect(Object.keys(r)).toEqual(["example_question", "difficulty", "question", "answer"]);
      expect(["easy", "hard"]).toContain(r.difficulty);
    }
    expect(stdout).toContain("Successfully synthesized 2 samples");
    expect(stdout).toContain("To train a model, run: oumi train");
  });

  test("the local-model alternative (NATIVE_TEXT) on the tiny model", async () => {
    const cwd = folder({
      "c.yaml": FIRST + `
inference_config:
  model:
    model_name: ${model}
  engine: NATIVE_TEXT
  generation:
    max_new_tokens: 4
    temperature: 0.7
`,
    });
    const { records } = await synth(cwd);
    expect(records).toHaveLength(2);
    for (const r of records) expect(typeof r.answer).toBe("string");
  }, 60_000);

  test("the OpenAI alternative, with the guide's CLI overrides", async () => {
    const cwd = folder({ "c.yaml": FIRST + viaOpenAI() });
    const { records } = await synth(cwd, [
      "--num_samples",
      "1",
      "--inference_config.generation.temperature",
      "0.5",
      "--strategy_params.sampled_attributes[0].possible_values[0].sample_rate",
      "0.8",
    ]);
    expect(records).toHaveLength(1);
    expect(openai.chatRequests.at(-1)!.body.temperature).toBe(0.5);
  });
});

describe("Next Steps", () => {
  test("Adding Multiple Attributes (short possible_values)", async () => {
    const cwd = folder({
      "c.yaml": `num_samples: 2
output_path: out.jsonl
strategy_params:
  sampled_attributes:
  - id: topic
    possible_values: [{id: geography}, {id: history}, {id: science}]
  - id: difficulty
    possible_values: [{id: easy}, {id: medium}, {id: hard}]
  - id: style
    possible_values: [{id: formal}, {id: casual}, {id: academic}]
  generated_attributes:
    - id: question
      instruction_messages:
        - {role: USER, content: "A {difficulty} {style} question about {topic}."}
${viaOpenAI()}`,
    });
    const { records } = await synth(cwd);
    for (const r of records) {
      expect(Object.keys(r)).toEqual(["topic", "difficulty", "style", "question"]);
    }
  });

  test("Using Your Own Data: a JSONL dataset, textbook.pdf without id, an XLSX glob", async () => {
    const cwd = folder({
      "my_existing_data.jsonl": '{"fact": "Tides follow the moon."}\n',
      "textbook.pdf": makePdf([["Chapter 1: the oceans cover most of the planet."]]),
      "data/2026/facts.xlsx": await makeXlsx({ Sheet1: [["region"], ["Pacific"]] }),
      "c.yaml": `num_samples: 1
output_path: out.jsonl
strategy_params:
  input_data:
  - path: "my_existing_data.jsonl"
  - path: "data/**/*.xlsx"
  input_documents:
  - path: "textbook.pdf"
  generated_attributes:
    - id: question
      instruction_messages:
        - {role: USER, content: "{fact} {region} {textbook}"}
${viaOpenAI()}`,
    });
    const { records } = await synth(cwd);
    expect(records[0].fact).toBe("Tides follow the moon.");
    expect(records[0].region).toBe("Pacific");
    expect(records[0].textbook).toContain("Chapter 1");
  });

  test("Few-Shot Sampling From Sources: num_shots 3 with {id[i].field}", async () => {
    const cwd = folder({
      "c.yaml": `num_samples: 2
output_path: out.jsonl
strategy_params:
  input_examples:
  - id: few_shot_examples
    num_shots: 3 # draw 3 examples per synthesis sample
    examples:
    - task_type: "summarization"
      example_input: "Summarize the report."
    - task_type: "translation"
      example_input: "Translate 'hello'."
    - task_type: "qa"
      example_input: "Why is the sky blue?"
  generated_attributes:
  - id: instruction
    instruction_messages:
    - role: USER
      content: |
        Example 1: {few_shot_examples[0].example_input}
        Example 2: {few_shot_examples[1].example_input}
        Example 3: {few_shot_examples[2].example_input}
        Now produce a new, different example.
${viaOpenAI()}`,
    });
    const { records } = await synth(cwd);
    for (const r of records) {
      expect(r.few_shot_examples).toHaveLength(3);
      expect(typeof r.instruction).toBe("string");
    }
  });

  test("Creating Conversations: a CHAT transform of generated attributes", async () => {
    const cwd = folder({
      "c.yaml": `num_samples: 1
output_path: out.jsonl
strategy_params:
${TOPIC}  generated_attributes:
    - id: question
      instruction_messages: [{role: USER, content: "Ask about {topic}."}]
    - id: answer
      instruction_messages: [{role: USER, content: "{question}"}]
  transformed_attributes:
  - id: conversation
    transformation_strategy:
      type: CHAT
      chat_transform:
        messages:
        - role: USER
          content: "{question}"
        - role: ASSISTANT
          content: "{answer}"
${viaOpenAI()}`,
    });
    const { records } = await synth(cwd);
    const chat = records[0].conversation;
    expect(chat.conversation_id).toMatch(/^conversation-/);
    expect(chat.messages.map((m: { role: string }) => m.role)).toEqual(["user", "assistant"]);
    expect(chat.metadata).toEqual({});
  });

  test("Creating Multi-Turn Conversations (4-12 messages)", async () => {
    const cwd = folder({
      "c.yaml": `num_samples: 1
output_path: out.jsonl
strategy_params:
  sampled_attributes:
    - id: issue_detail
      possible_values: [{id: late, name: "My order is late."}]
  multiturn_attributes:
  - id: support_conversation
    min_turns: 4
    max_turns: 12
    role_instruction_messages:
      USER: |
        You are a customer contacting support.
        Your issue: {issue_detail}
      ASSISTANT: |
        You are a helpful support agent.
        Be professional and resolve the customer's issue.
    output_system_prompt: |
      You are a helpful support agent.
${viaOpenAI()}`,
    });
    const { records } = await synth(cwd, ["--seed", "1"]);
    const conversation = records[0].support_conversation;
    checkConversation(conversation, { system: true, tools: [] });
    const spoken = conversation.messages.filter((m: { role: string }) => m.role !== "system");
    expect(spoken.length).toBeGreaterThanOrEqual(4);
    expect(spoken.length).toBeLessThanOrEqual(12);
    expect(spoken.at(-1).role).toBe("assistant");
    expect(typeof records[0].support_conversation_plan).toBe("string");
  });

  test("Environment-First Tool Synthesis: the guide's three environments", async () => {
    const cwd = folder({
      "c.yaml": GUIDE_ENVIRONMENT_EXAMPLE.replace(
        "strategy_params:\n",
        `strategy_params:\n${TOPIC}`,
      ) + `num_samples: 1\noutput_path: out.jsonl\n${viaOpenAI()}`,
    });
    const { records } = await synth(cwd);
    const chat = records[0].support_chat;
    expect(chat.messages.at(-1).role).toBe("assistant");
    const tools = (chat.tools as { function: { name: string } }[]).map((t) => t.function.name);
    expect(tools).toEqual(
      expect.arrayContaining(["get_ticket", "create_ticket", "answer_faq", "get_refund_policy"]),
    );
  });
});

describe("Complete Configuration Reference", () => {
  test("sampled rates, generated with postprocessing, STRING/LIST/DICT/CHAT transforms, combination, passthrough, attribute referencing", async () => {
    const cwd = folder({
      "c.yaml": `num_samples: 2
output_path: out.jsonl
strategy_params:
  input_examples:
    - examples:
      - input_text: "The sky is blue because of Rayleigh scattering."
  sampled_attributes:
  - id: difficulty
    name: Difficulty Level
    description: How challenging the question should be
    possible_values:
    - id: easy
      name: Easy
      description: Simple, straightforward questions
      sample_rate: 0.4 # 40% of samples
    - id: medium
      name: Medium
      description: Moderately challenging questions
      sample_rate: 0.4 # 40% of samples
    - id: hard
      name: Hard
      description: Complex, advanced questions
      # No sample_rate specified = 20% (remaining)
  - id: topic
    name: Topic
    description: Subject area
    possible_values: [{id: science, name: Science, description: Natural sciences}, {id: art}]
  combination_sampling:
  - combination:
      difficulty: hard
      topic: science
    sample_rate: 0.1 # 10% of samples will have hard science questions
  generated_attributes:
  - id: summary
    instruction_messages:
    - role: SYSTEM
      content: "You are a helpful summarization assistant."
    - role: USER
      content: "Summarize this text: {input_text}. Format your result as 'Summary: <summary>'"
    postprocessing_params:
      id: clean_summary
      cut_prefix: "Summary: "
      strip_whitespace: true
  - id: question
    instruction_messages:
    - role: USER
      content: "{difficulty} ({difficulty.description}) about {topic} ({topic.parent}: {topic.parent.description})"
    postprocessing_params:
      id: answer
      keep_original_text_attribute: true # Keep original alongside cleaned version
      cut_prefix: "Answer: " # Remove this prefix and everything before it
      cut_suffix: "\\n\\n" # Remove this suffix and everything after it
      regex: "\\\\*\\\\*(.+?)\\\\*\\\\*" # Extract content between ** **
      strip_whitespace: true # Remove leading/trailing whitespace
      added_prefix: "Response: " # Add this prefix
      added_suffix: "." # Add this suffix
  transformed_attributes:
  - id: example_string_attribute
    transformation_strategy:
      type: STRING
      string_transform: "Question: {question}\\nAnswer: {answer}"
  - id: example_list_attribute
    transformation_strategy:
      type: LIST
      list_transform:
      - "{question}"
      - "{answer}"
  - id: example_dict_attribute
    transformation_strategy:
      type: DICT
      dict_transform:
        question: "{question}"
        answer: "{answer}"
  - id: string_attribute
    transformation_strategy:
      type: CHAT
      chat_transform:
        messages:
        - role: USER
          content: "{question}"
        - role: ASSISTANT
          content: "{answer}"
  passthrough_attributes:
  - question
  - answer
  - difficulty
  - topic
  - clean_summary
  - example_string_attribute
  - example_list_attribute
  - example_dict_attribute
  - string_attribute
${viaOpenAI()}`,
    });
    const { records } = await synth(cwd);
    for (const r of records) {
      expect(Object.keys(r)).toEqual([
        "question",
        "answer",
        "difficulty",
        "topic",
        "clean_summary",
        "example_string_attribute",
        "example_list_attribute",
        "example_dict_attribute",
        "string_attribute",
      ]);
      expect(r.clean_summary).toBe("Light scatters.");
      expect(r.question).toBe("Answer: the **blue** sky\n\nmore");
      expect(r.answer).toBe("Response: blue.");
      expect(r.example_list_attribute).toEqual([r.question, r.answer]);
      expect(r.example_dict_attribute).toEqual({ question: r.question, answer: r.answer });
    }
  });

  test("input_data with attribute_map and input_documents with TOKENS segmentation", async () => {
    const cwd = folder({
      "data.jsonl": '{"old_column_name": "kept", "other": "dropped"}\n',
      "document.pdf": makePdf([[
        "Segmentation splits a document into windows of GPT-2 tokens that overlap.",
      ]]),
      "c.yaml": `num_samples: 1
output_path: out.jsonl
strategy_params:
  input_data:
  - path: "data.jsonl" # Local file
    attribute_map:
      old_column_name: new_attribute_name
  input_documents:
  - path: "document.pdf"
    id: research_paper
    segmentation_params:
      id: paper_segment
      segmentation_strategy: TOKENS
      tokenizer: "openai-community/gpt2"
      segment_length: 8
      segment_overlap: 2
      keep_original_text: true
  generated_attributes:
  - id: summary
    instruction_messages:
    - {role: USER, content: "{new_attribute_name}: {paper_segment}"}
${viaOpenAI()}`,
    });
    const { records } = await synth(cwd);
    expect(records[0].new_attribute_name).toBe("kept");
    expect(records[0].other).toBeUndefined();
    expect(records[0].research_paper).toContain("Segmentation splits");
    expect(records[0].paper_segment.length).toBeLessThan(records[0].research_paper.length);
  }, 30_000);

  test("Inference Configuration: generation and remote_params as in the guide", async () => {
    const cwd = folder({
      "c.yaml": `num_samples: 2
output_path: out.jsonl
strategy_params:
${TOPIC}  generated_attributes:
    - id: q
      instruction_messages: [{role: USER, content: "{topic}"}]
inference_config:
  model:
    model_name: "claude-3-5-sonnet-20240620"
  engine: ANTHROPIC
  generation:
    max_new_tokens: 1024
    temperature: 0.7
    top_p: 0.9
  remote_params:
    num_workers: 5
    politeness_policy: 60 # Delay between requests in seconds
    api_url: "${anthropic.url}/v1/messages"
`,
    });
    const { records } = await synth(cwd);
    expect(records).toHaveLength(2);
  });
});
