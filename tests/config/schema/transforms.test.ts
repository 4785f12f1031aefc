import { describe, expect, test } from "bun:test";
import { expectProblem, valid, withParams } from "../helpers.ts";

describe("TransformedAttribute (§12, §20.1)", () => {
  const tr = (strategy: Record<string, unknown>, id = "t") =>
    withParams({ transformed_attributes: [{ id, transformation_strategy: strategy }] });
  const strategyOf = (s: Record<string, unknown>) =>
    valid(tr(s)).strategy_params.transformed_attributes![0].transformation_strategy;

  test("valid forms; fields of other types are cleared; type by name or lower case", () => {
    expect(strategyOf({ type: "STRING", string_transform: "{a}", list_transform: ["x"] })).toEqual({
      type: "STRING",
      string_transform: "{a}",
      list_transform: null,
      dict_transform: null,
      chat_transform: null,
    });
    expect(strategyOf({ type: "list", list_transform: ["{a}", "{b}"] }).list_transform).toEqual([
      "{a}",
      "{b}",
    ]);
    expect(
      strategyOf({ type: "TransformationType.DICT", dict_transform: { q: "{a}" } }).dict_transform,
    ).toEqual({ q: "{a}" });
    expect(
      strategyOf({
        type: "CHAT",
        chat_transform: {
          messages: [{ role: "USER", content: "{q}" }, { role: "ASSISTANT", content: "{a}" }],
          metadata: { k: "{a}" },
        },
      }).chat_transform,
    )
      .toEqual({
        messages: [{ role: "user", content: "{q}" }, { role: "assistant", content: "{a}" }],
        conversation_id: null,
        metadata: { k: "{a}" },
      });
  });

  test("rules", () => {
    expectProblem(tr({ type: "STRING" }), "string_transform cannot be empty when type=STRING");
    expectProblem(
      tr({ type: "STRING", string_transform: "" }),
      "string_transform cannot be empty when type=STRING",
    );
    expectProblem(
      tr({ type: "LIST", list_transform: [] }),
      "list_transform cannot be empty when type=LIST",
    );
    expectProblem(
      tr({ type: "DICT", dict_transform: {} }),
      "dict_transform cannot be empty when type=DICT",
    );
    expectProblem(
      tr({ type: "CHAT", chat_transform: { messages: [] } }),
      "chat_transform cannot be empty when type=CHAT",
    );
    expectProblem(
      tr({ type: "CHAT", chat_transform: { messages: [{ role: "USER", content: 5 }] } }),
      "chat_transform message content must be a string",
    );
    expectProblem(
      tr({ type: "CHAT", chat_transform: { messages: [{ role: "USER", content: "" }] } }),
      "chat_transform message content cannot be empty",
    );
    expectProblem(
      tr({ type: "STRING", string_transform: "x" }, ""),
      "TransformedAttribute.id cannot be empty.",
    );
    expectProblem(
      tr({ type: "TEXT", string_transform: "x" }),
      "Invalid value 'TEXT', expected one of [STRING, LIST, DICT, CHAT]",
    );
  });
});
