import { describe, expect, test } from "bun:test";
import { expectProblem, valid, withParams } from "../helpers.ts";

describe("GeneratedAttribute (§9.1, §20.1)", () => {
  const gen = (g: Record<string, unknown>) => withParams({ generated_attributes: [g] });
  const msgs = [{ role: "USER", content: "Hi" }];

  test("defaults, roles by name and lower case", () => {
    const g = valid(
      gen({
        id: "q",
        instruction_messages: [{ role: "SYSTEM", content: "s" }, {
          role: "Role.USER",
          content: "u",
        }, { role: "assistant", content: 5 }],
      }),
    )
      .strategy_params.generated_attributes![0];
    expect(g).toEqual({
      id: "q",
      instruction_messages: [{ role: "system", content: "s" }, { role: "user", content: "u" }, {
        role: "assistant",
        content: "5",
      }],
      postprocessing_params: null,
    });
  });

  test("rules", () => {
    expectProblem(
      gen({ id: "", instruction_messages: msgs }),
      "GeneratedAttribute.id cannot be empty.",
    );
    expectProblem(gen({ id: "q" }), "GeneratedAttribute.instruction_messages cannot be empty.");
    expectProblem(
      gen({ id: "q", instruction_messages: [] }),
      "GeneratedAttribute.instruction_messages cannot be empty.",
    );
    expectProblem(
      gen({ id: "q", instruction_messages: [{ role: "BOT", content: "x" }] }),
      "Invalid value 'BOT', expected one of [SYSTEM, USER, ASSISTANT, TOOL]",
    );
    expectProblem(
      gen({ id: "q", instruction_messages: msgs, postprocessing_params: { id: "q" } }),
      "GeneratedAttribute.id and GeneratedAttributePostprocessingParams.id cannot be the same.",
    );
    expectProblem(
      gen({ id: "q", instruction_messages: msgs, postprocessing_params: { id: "" } }),
      "GeneratedAttributePostprocessingParams.id cannot be empty.",
    );
  });

  test("postprocessing defaults and Python regexes", () => {
    const post = valid(
      gen({
        id: "q",
        instruction_messages: msgs,
        postprocessing_params: { id: "p", regex: "(?P<n>\\d+)" },
      }),
    )
      .strategy_params.generated_attributes![0].postprocessing_params;
    expect(post).toEqual({
      id: "p",
      keep_original_text_attribute: true,
      cut_prefix: null,
      cut_suffix: null,
      regex: "(?P<n>\\d+)",
      strip_whitespace: true,
      added_prefix: null,
      added_suffix: null,
    });
    expectProblem(
      gen({
        id: "q",
        instruction_messages: msgs,
        postprocessing_params: { id: "p", regex: "(ab" },
      }),
      "Error compiling GeneratedAttributePostprocessingParams.regex:",
    );
  });
});

describe("MultiTurnAttribute (§10.1, §20.1)", () => {
  const personas = { USER: "You are a customer.", ASSISTANT: "You help." };
  const mt = (m: Record<string, unknown>) =>
    withParams({
      multiturn_attributes: [{
        id: "chat",
        min_turns: 1,
        max_turns: 3,
        role_instruction_messages: personas,
        ...m,
      }],
    });

  test("defaults and lower-case role keys", () => {
    const attr =
      valid(mt({ role_instruction_messages: { user: "u", "Role.ASSISTANT": "a", SYSTEM: "s" } }))
        .strategy_params.multiturn_attributes![0];
    expect(attr).toEqual({
      id: "chat",
      min_turns: 1,
      max_turns: 3,
      role_instruction_messages: { user: "u", assistant: "a", system: "s" },
      output_system_prompt: null,
      conversation_planner: null,
      available_environments: [],
      available_tools: [],
      max_consecutive_tool_turns: 50,
    });
  });

  test("rules", () => {
    expectProblem(mt({ id: "" }), "MultiTurnAttribute.id cannot be empty.");
    expectProblem(mt({ min_turns: 0 }), "MultiTurnAttribute.min_turns must be at least 1.");
    expectProblem(
      mt({ min_turns: 3, max_turns: 2 }),
      "MultiTurnAttribute.max_turns must be greater than or equal to min_turns.",
    );
    expectProblem(
      mt({ output_system_prompt: "" }),
      "MultiTurnAttribute.output_system_prompt cannot be empty.",
    );
    expectProblem(
      mt({ role_instruction_messages: { USER: "u" } }),
      "must define instructions for role: ASSISTANT",
    );
    expectProblem(
      mt({ role_instruction_messages: { USER: "", ASSISTANT: "a" } }),
      "must include a non-empty persona for role: USER",
    );
    expectProblem(
      mt({ role_instruction_messages: {} }),
      "MultiTurnAttribute.role_instruction_messages cannot be empty.",
    );
    expectProblem(
      mt({ role_instruction_messages: { ...personas, BOT: "x" } }),
      "Invalid value 'BOT'",
    );
    expectProblem(
      mt({ max_consecutive_tool_turns: 0 }),
      "MultiTurnAttribute.max_consecutive_tool_turns must be at least 1.",
    );
    expectProblem(
      mt({ min_turns: undefined }),
      "strategy_params.multiturn_attributes[0].min_turns: Missing mandatory value",
    );
  });
});
