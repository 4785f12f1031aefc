import { describe, expect, test } from "bun:test";
import {
  compileAttributeResult,
  compilePostprocessor,
  pyStrip,
} from "../../src/synth/postprocess.ts";

describe("compilePostprocessor (§9.3)", () => {
  test("cut prefix/suffix, strip, then added prefix/suffix (worked example)", () => {
    const post = compilePostprocessor({
      id: "formal",
      cut_prefix: "Response: ",
      cut_suffix: " [END]",
      added_prefix: "New: ",
      added_suffix: " (done)",
    });
    expect(post("Response: Here is the formal text [END]")).toBe(
      "New: Here is the formal text (done)",
    );
  });

  test("regex match keeps the match; no match leaves the text (worked example)", () => {
    const post = compilePostprocessor({
      id: "n",
      regex: String.raw`\d+`,
      added_prefix: "Number: ",
    });
    expect(post("The answer is 42 and that's final.")).toBe("Number: 42");
    expect(post("No numbers here!")).toBe("Number: No numbers here!");
  });

  test("regex with a capture group keeps the first group (DECISIONS 5)", () => {
    const post = compilePostprocessor({ id: "b", regex: String.raw`\*\*(.+?)\*\*` });
    expect(post("Result: **bold part** and **more**")).toBe("bold part");
  });

  test("a first group that did not participate falls back to the whole match", () => {
    const post = compilePostprocessor({ id: "x", regex: String.raw`(a)?\d+` });
    expect(post("x 17 y")).toBe("17");
    expect(post("a17")).toBe("a");
  });

  test("Python regex syntax is accepted (named group, $ before a final newline)", () => {
    const post = compilePostprocessor({
      id: "x",
      regex: String.raw`(?P<last>\w+)$`,
      strip_whitespace: false,
    });
    expect(post("first second\n")).toBe("second");
  });

  test("cut_prefix uses the first occurrence, cut_suffix the last", () => {
    const post = compilePostprocessor({ id: "x", cut_prefix: "::", cut_suffix: "##" });
    expect(post("a::b::c##d##e")).toBe("b::c##d");
  });

  test("markers that are not found leave the text unchanged", () => {
    const post = compilePostprocessor({
      id: "x",
      cut_prefix: "<<",
      cut_suffix: ">>",
      strip_whitespace: false,
    });
    expect(post(" plain ")).toBe(" plain ");
  });

  test("cut_suffix searches the result of cut_prefix", () => {
    const post = compilePostprocessor({ id: "x", cut_prefix: "A:", cut_suffix: "X" });
    expect(post("X A: yes")).toBe("yes");
  });

  test("steps run in order: regex before cut before strip before add", () => {
    const post = compilePostprocessor({
      id: "x",
      regex: "<(.*)>",
      cut_prefix: "[",
      cut_suffix: "]",
      added_prefix: "(",
      added_suffix: ")",
    });
    expect(post("noise <pre[  core  ]post> noise")).toBe("(core)");
  });

  test("strip_whitespace defaults to true and can be turned off", () => {
    expect(compilePostprocessor({ id: "x" })("\n  text \t")).toBe("text");
    expect(compilePostprocessor({ id: "x", strip_whitespace: false })("\n  text \t")).toBe(
      "\n  text \t",
    );
  });

  test("empty strings count as unset", () => {
    const post = compilePostprocessor({
      id: "x",
      regex: "",
      cut_prefix: "",
      added_prefix: "",
      added_suffix: "",
    });
    expect(post(" v ")).toBe("v");
  });

  test("an invalid Python regex throws at compile time", () => {
    expect(() => compilePostprocessor({ id: "x", regex: "(unclosed" })).toThrow(SyntaxError);
  });
});

describe("pyStrip", () => {
  test("strips Python's whitespace set, not JS trim()'s", () => {
    expect(pyStrip("\x1c\x1f\x85 a b\u3000")).toBe("a b");
    expect(pyStrip("\ufeffa\ufeff")).toBe("\ufeffa\ufeff");
    expect(pyStrip(" \t\n")).toBe("");
    expect(pyStrip("x")).toBe("x");
  });
});

describe("compileAttributeResult (§9.2 step 4)", () => {
  test("without postprocessing: the raw value under the attribute id", () => {
    expect(compileAttributeResult("answer")("  raw ")).toEqual({ answer: "  raw " });
  });

  test("keep_original true: raw then processed, in that key order", () => {
    const result = compileAttributeResult("original_content", {
      id: "processed_content",
      cut_prefix: "Say: ",
    })("Say: Hello World ");
    expect(result).toEqual({
      original_content: "Say: Hello World ",
      processed_content: "Hello World",
    });
    expect(Object.keys(result)).toEqual(["original_content", "processed_content"]);
  });

  test("keep_original false: only the processed value; the attribute id is absent", () => {
    const result = compileAttributeResult("answer", {
      id: "clean",
      keep_original_text_attribute: false,
    })(" x ");
    expect(result).toEqual({ clean: "x" });
    expect("answer" in result).toBe(false);
  });
});
