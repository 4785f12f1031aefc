import { describe, expect, test } from "bun:test";
import { expectProblem, problems, sampled, valid, withParams } from "../helpers.ts";

const SECTIONS = [
  "input_data",
  "input_documents",
  "input_examples",
  "sampled_attributes",
  "combination_sampling",
  "generated_attributes",
  "multiturn_attributes",
  "transformed_attributes",
  "passthrough_attributes",
];
const msgs = [{ role: "USER", content: "x" }];

describe("GeneralSynthesisParams (§4, §20.1)", () => {
  test("every section defaults to null", () => {
    const params = valid(withParams({})).strategy_params as Record<string, unknown>;
    expect(Object.keys(params).sort()).toEqual([...SECTIONS].sort());
    for (const key of SECTIONS) expect(params[key]).toBeNull();
  });

  test("empty lists normalise to null", () => {
    const params = valid(withParams(Object.fromEntries(SECTIONS.map((k) => [k, []]))))
      .strategy_params as Record<string, unknown>;
    for (const key of SECTIONS) expect(params[key]).toBeNull();
  });

  test("a full config is accepted and keeps its order", () => {
    const config = valid(withParams({
      input_examples: [{ examples: [{ ex_q: "q" }] }],
      sampled_attributes: [sampled("topic", ["a", "b"])],
      generated_attributes: [{
        id: "question",
        instruction_messages: msgs,
        postprocessing_params: { id: "clean_q" },
      }],
      transformed_attributes: [{
        id: "conv",
        transformation_strategy: { type: "STRING", string_transform: "{clean_q}" },
      }],
      passthrough_attributes: ["conv", "topic"],
    }));
    expect(config.strategy_params.passthrough_attributes).toEqual(["conv", "topic"]);
  });
});

describe("attribute-id namespace (§4.1, §20.1)", () => {
  test("the same attribute_map target in two sources", () => {
    const found = expectProblem(
      withParams({
        input_data: [
          { path: "a.jsonl", attribute_map: { old: "new_attr1" } },
          { path: "b.jsonl", attribute_map: { other: "new_attr1" } },
        ],
      }),
      "Attribute ID 'new_attr1' is used more than once",
    );
    expect(found[0]).toStartWith("strategy_params.input_data[1].attribute_map.other:");
  });

  test("duplicates across kinds: example keys, sampled, generated, postprocessing, transformed", () => {
    expectProblem(
      withParams({
        input_examples: [{ examples: [{ topic: 1 }] }],
        sampled_attributes: [sampled("topic", ["a"])],
      }),
      "Attribute ID 'topic' is used more than once",
    );
    expectProblem(
      withParams({
        generated_attributes: [{
          id: "a",
          instruction_messages: msgs,
          postprocessing_params: { id: "b" },
        }, { id: "b", instruction_messages: msgs }],
      }),
      "strategy_params.generated_attributes[1].id: Attribute ID 'b' is used more than once",
    );
    expectProblem(
      withParams({
        input_documents: [{ path: "d.md", id: "doc", segmentation_params: { id: "x" } }],
        transformed_attributes: [{
          id: "x",
          transformation_strategy: { type: "STRING", string_transform: "y" },
        }],
      }),
      "Attribute ID 'x' is used more than once",
    );
  });

  test("reserved ids", () => {
    for (const id of ["target_turns", "current_turn"]) {
      expectProblem(
        withParams({ generated_attributes: [{ id, instruction_messages: msgs }] }),
        `Attribute ID '${id}' is reserved for multiturn synthesis`,
      );
    }
    expectProblem(
      withParams({
        multiturn_attributes: [{
          id: "conversation",
          min_turns: 1,
          max_turns: 2,
          role_instruction_messages: { USER: "u", ASSISTANT: "a" },
        }],
        generated_attributes: [{ id: "conversation_plan", instruction_messages: msgs }],
      }),
      "Attribute ID 'conversation_plan' is reserved for multiturn synthesis",
    );
  });

  test("source ids and non-renamed columns are outside the namespace (oumi quirk kept)", () => {
    valid(withParams({
      input_examples: [{ id: "shots", num_shots: 2, examples: [{ a: 1 }, { a: 2 }] }],
      input_documents: [{ path: "d.md", id: "shots" }],
      sampled_attributes: [sampled("b", ["x"])],
    }));
  });

  test("problems everywhere are reported together", () => {
    const found = problems(withParams({
      sampled_attributes: [{
        id: "",
        name: "n",
        description: "d",
        possible_values: [{ id: "x", nmae: "typo" }],
      }],
      generated_attributes: [{ id: "g", instruction_messages: msgs }, {
        id: "g",
        instruction_messages: msgs,
      }],
    }));
    expect(found).toEqual(expect.arrayContaining([
      "strategy_params.sampled_attributes[0].id: SampledAttribute.id cannot be empty.",
      "strategy_params.sampled_attributes[0].possible_values[0].nmae: Key 'nmae' not in 'SampledAttributeValue'; did you mean name?",
      expect.stringContaining(
        "strategy_params.generated_attributes[1].id: Attribute ID 'g' is used more than once",
      ),
    ]));
  });
});
