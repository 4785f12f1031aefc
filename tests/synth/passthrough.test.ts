import { describe, expect, test } from "bun:test";
import { tokenizePath, unresolvablePassthroughNames } from "../../src/config/passthroughNames.ts";
import {
  compilePassthrough,
  evaluatePath,
  PassthroughPathError,
  projectPassthrough,
} from "../../src/synth/passthrough.ts";

const record = {
  question: "Q?",
  answer: "A.",
  topic: "science",
  examples: [
    { field1: "v1", field2: "w1" },
    { field1: "v2", field2: "w2" },
  ],
  data: [{ nested: { value: 1 } }, { nested: { value: 2, deep: { k: [10, 20] } } }],
  text: "plain string",
  "conv.messages": ["literal dotted key"],
};

describe("projectPassthrough (§13)", () => {
  test("keeps only the listed plain keys, in config order", () => {
    const out = projectPassthrough(record, ["topic", "question"]);
    expect(out).toEqual({ topic: "science", question: "Q?" });
    expect(Object.keys(out)).toEqual(["topic", "question"]);
  });

  test("bracket paths are stored under the literal path string", () => {
    const out = projectPassthrough(record, [
      "examples[0].field1",
      "examples[1].field2",
      "data[1].nested.value",
    ]);
    expect(out).toEqual({
      "examples[0].field1": "v1",
      "examples[1].field2": "w2",
      "data[1].nested.value": 2,
    });
  });

  test("mixed simple and bracket entries keep config order", () => {
    const out = projectPassthrough(record, [
      "examples[0].field1",
      "answer",
      "data[0].nested.value",
      "question",
    ]);
    expect(Object.keys(out)).toEqual([
      "examples[0].field1",
      "answer",
      "data[0].nested.value",
      "question",
    ]);
  });

  test("paths can select sub-objects and lists", () => {
    const out = projectPassthrough(record, ["data[1].nested", "examples[0]"]);
    expect(out["data[1].nested"]).toEqual({ value: 2, deep: { k: [10, 20] } });
    expect(out["examples[0]"]).toEqual({ field1: "v1", field2: "w1" });
  });

  test("entries that do not resolve are skipped silently", () => {
    const out = projectPassthrough(record, [
      "missing",
      "examples[5].field1",
      "examples[0].nope",
      "text[0]",
      "question",
      "examples[-1].field1",
    ]);
    expect(out).toEqual({ question: "Q?" });
  });

  test("a dotted plain key is looked up literally, not as a path", () => {
    expect(projectPassthrough(record, ["conv.messages"])).toEqual({
      "conv.messages": ["literal dotted key"],
    });
    expect(projectPassthrough({ conv: { messages: 1 } }, ["conv.messages"])).toEqual({});
  });

  test("the compiled projection is reusable across records", () => {
    const project = compilePassthrough(["a", "b[0]"]);
    expect(project({ a: 1, b: [2], c: 3 })).toEqual({ a: 1, "b[0]": 2 });
    expect(project({ b: [] })).toEqual({});
  });

  test("a __proto__ key is copied as data", () => {
    const input = JSON.parse('{"__proto__": {"x": 1}}') as Record<string, unknown>;
    const out = projectPassthrough(input, ["__proto__"]);
    expect(Object.keys(out)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });
});

function thrownBy(fn: () => unknown): PassthroughPathError {
  try {
    fn();
  } catch (error) {
    return error as PassthroughPathError;
  }
  throw new Error("expected a PassthroughPathError");
}

describe("evaluatePath (strict, §20.4)", () => {
  test("returns nested values", () => {
    expect(evaluatePath(record, "data[1].nested.deep.k[1]")).toBe(20);
  });

  test("out-of-range index is an index error", () => {
    const error = thrownBy(() => evaluatePath(record, "examples[2].field1"));
    expect(error).toBeInstanceOf(PassthroughPathError);
    expect(error.kind).toBe("index");
  });

  test("missing key is a key error", () => {
    expect(thrownBy(() => evaluatePath(record, "examples[0].missing")).kind).toBe("key");
    expect(thrownBy(() => evaluatePath(record, "nope[0]")).kind).toBe("key");
  });

  test("indexing a string says Cannot index into non-list", () => {
    expect(() => evaluatePath(record, "text[0]")).toThrow("Cannot index into non-list type str");
  });

  test("reading a key of a list is a type error", () => {
    expect(() => evaluatePath(record, "examples.field1[0]")).toThrow(
      "Cannot access key 'field1' on non-dict type list",
    );
  });
});

describe("tokenizePath", () => {
  test("splits names and indices as oumi's findall does", () => {
    expect(tokenizePath("data[1].nested.value")).toEqual([
      { key: "data" },
      { index: 1 },
      { key: "nested" },
      { key: "value" },
    ]);
    expect(tokenizePath("a[-1]")).toEqual([{ key: "a" }, { key: "-1" }]);
  });
});

describe("unresolvablePassthroughNames (DECISIONS 10)", () => {
  test("reports names whose root is no known attribute id, in config order", () => {
    const known = new Set(["question", "answer", "examples"]);
    expect(
      unresolvablePassthroughNames(
        ["question", "resolution", "examples[0].field", "exmples[0].field", "[0]", "resolution"],
        known,
      ),
    ).toEqual(["resolution", "exmples[0].field", "[0]"]);
  });

  test("returns nothing when every name is known", () => {
    expect(unresolvablePassthroughNames(["a", "b[1]"], new Set(["a", "b"]))).toEqual([]);
  });
});
