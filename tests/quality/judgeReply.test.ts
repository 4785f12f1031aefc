import { describe, expect, test } from "bun:test";
import { judgeSchema, parseJudgeReply } from "../../src/quality/judgeReply.ts";

const range = { min: 1, max: 10 };

describe("judge replies", () => {
  test("JSON, fenced JSON and JSON inside prose", () => {
    expect(parseJudgeReply('{"score": 8, "rationale": "clear"}', range))
      .toEqual({ score: 8, rationale: "clear" });
    expect(parseJudgeReply('```json\n{"score": "7.5", "reason": "ok"}\n```', range))
      .toEqual({ score: 7.5, rationale: "ok" });
    expect(parseJudgeReply('Here you go: {"rationale": "fine", "score": 3} Thanks!', range))
      .toEqual({ score: 3, rationale: "fine" });
  });

  test("lenient forms: score: N, a leading number", () => {
    expect(parseJudgeReply('score: 9, rationale: "very \\"good\\""', range))
      .toEqual({ score: 9, rationale: 'very "good"' });
    expect(parseJudgeReply("8/10 - clear and correct", range))
      .toEqual({ score: 8, rationale: "clear and correct" });
    expect(parseJudgeReply("  6", range)).toEqual({ score: 6, rationale: "" });
  });

  test("no score or a score out of range is an error with the reason", () => {
    expect(parseJudgeReply("I think it is good.", range))
      .toEqual({ error: "no score found in the reply" });
    expect(parseJudgeReply('{"score": 12, "rationale": "x"}', range))
      .toEqual({ error: "score 12 is outside 1-10" });
    expect(parseJudgeReply('{"score": null}', range)).toEqual({
      error: "no score found in the reply",
    });
  });

  test("the schema bounds the score and requires a rationale", () => {
    expect(judgeSchema({ min: 0, max: 5 })).toMatchObject({
      properties: { score: { type: "integer", enum: [0, 1, 2, 3, 4, 5] } },
      required: ["score", "rationale"],
    });
    expect(judgeSchema({ min: 0, max: 1.5 })).toMatchObject({
      properties: { score: { type: "number", minimum: 0, maximum: 1.5 } },
    });
  });
});
