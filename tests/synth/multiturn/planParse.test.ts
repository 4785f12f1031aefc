import { describe, expect, test } from "bun:test";
import { parsePlan } from "../../../src/synth/multiturn/planParse.ts";

describe("parsePlan (§10.5, §20.13)", () => {
  test("object form", () => {
    const text =
      '{"turns": [{"turn": 1, "instruction": " Greet "}, {"turn": 2, "instruction": "Help"}]}';
    expect(parsePlan(text, 2)).toEqual({ ok: true, instructions: ["Greet", "Help"] });
  });

  test("surrounding prose and code fences are tolerated", () => {
    expect(parsePlan('Here you go: {"turns": [{"turn": 2, "instruction": "x"}]} Enjoy!', 2))
      .toEqual({ ok: true, instructions: ["", "x"] });
    expect(parsePlan('```json\n{"turns": [{"turn": 1, "instruction": "a"}]}\n```', 2))
      .toEqual({ ok: true, instructions: ["a", ""] });
  });

  test("missing turns leave empty slots; string turn numbers; out of range ignored; last wins", () => {
    const text = JSON.stringify({
      turns: [
        { turn: "3", instruction: "third" },
        { turn: 9, instruction: "ignored" },
        { turn: "x", instruction: "skipped" },
        { turn: 1, instruction: "first" },
        { turn: 1, instruction: "again" },
        { turn: 2 },
        "not an object",
      ],
    });
    expect(parsePlan(text, 4)).toEqual({ ok: true, instructions: ["again", "", "third", ""] });
  });

  test("an empty turns array is a success", () => {
    expect(parsePlan('{"turns": []}', 2)).toEqual({ ok: true, instructions: ["", ""] });
  });

  test("empty, non-JSON, apology text and a missing turns array fail", () => {
    for (
      const text of ["", "   ", "I'm sorry, I cannot help with that.", "{not json}", '{"plan": []}']
    ) {
      expect(parsePlan(text, 2).ok).toBe(false);
    }
  });
});
