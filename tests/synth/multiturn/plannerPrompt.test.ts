import { describe, expect, test } from "bun:test";
import { buildPlannerMessages } from "../../../src/synth/multiturn/plannerPrompt.ts";
import { buildTurnMessages } from "../../../src/synth/multiturn/turnPrompt.ts";

const base = {
  targetTurns: 4,
  personas: [["user", "You are Ana."], ["assistant", "You are LibBot."]] as const,
  groundingBlock: "",
};

describe("planner prompt (§10.4, §20.13)", () => {
  test("4 messages SYSTEM, USER, ASSISTANT, USER; example answer is a bare turns object", () => {
    const messages = buildPlannerMessages(base);
    expect(messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "user"]);
    expect(messages[2].content!.startsWith('{"turns":')).toBe(true);
    expect(messages[2].content).not.toContain("```");
    expect(JSON.parse(messages[2].content!).turns).toHaveLength(4);
  });

  test("the request has the count, turn order, role context with headers, JSON-only line", () => {
    const last = buildPlannerMessages({ ...base, extraInstructions: "End with a refund." })[3]
      .content!;
    expect(last).toContain("Plan a 4-turn conversation.");
    expect(last).toContain("Turn 1: USER, Turn 2: ASSISTANT, Turn 3: USER, Turn 4: ASSISTANT");
    expect(last).toContain("Role context:\n[USER]\nYou are Ana.\n\n[ASSISTANT]\nYou are LibBot.");
    expect(last).toContain("Additional instructions: End with a refund.");
    expect(last).not.toContain("Grounding rules");
    expect(last.trimEnd().endsWith('{"turns": [...]}')).toBe(true);
  });

  test("grounding block with role-aware rules only when there are facts", () => {
    const last = buildPlannerMessages({ ...base, groundingBlock: '- id="42", title="Dune"' })[3]
      .content!;
    expect(last).toContain('- id="42", title="Dune"');
    expect(last).toContain("Grounding rules (role-aware)");
    expect(last).toContain("preconditions");
    expect(last).toContain("recovery flow");
  });
});

describe("per-message prompt (§10.6)", () => {
  test("SYSTEM persona first, history, USER closing with the turn instruction", () => {
    const messages = buildTurnMessages({
      persona: "You are Ana.",
      history: [{ role: "user", content: "Hi" }, { role: "assistant", content: "Hello" }],
      k: 3,
      targetTurns: 4,
      role: "user",
      instruction: "Ask about Dune",
    });
    expect(messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "user"]);
    expect(messages[0].content).toBe("You are Ana.");
    const closing = messages[3].content!.split("\n\n");
    expect(closing[0]).toContain("message 3 of 4");
    expect(closing[0]).toContain("USER");
    expect(closing[1]).toBe("For this turn: Ask about Dune");
    expect(closing).toHaveLength(3);
  });

  test("no instruction line when the plan has none for the slot", () => {
    const messages = buildTurnMessages({
      persona: "p",
      history: [],
      k: 1,
      targetTurns: 2,
      role: "user",
      instruction: "",
    });
    expect(messages[1].content).not.toContain("For this turn");
    expect(messages[1].content!.split("\n\n")).toHaveLength(2);
  });
});
