import { describe, expect, test } from "bun:test";
import { TemplateError } from "../../src/errors.ts";
import { compileTemplate, createFormatter } from "../../src/template/format.ts";

const tone = {
  id: "tone",
  name: "Tone",
  description: "How the text sounds",
  possible_values: [
    { id: "formal", name: "Formal", description: "Polite and precise" },
    { id: "casual", name: "Casual", description: "Relaxed" },
  ],
};
const style = {
  id: "style",
  name: "Style",
  description: "Writing style",
  possible_values: [{ id: "terse", name: "Terse", description: "Few words" }],
};
const render = (text: string, record: Record<string, unknown>, allowMissing = false) =>
  compileTemplate(text).render(record, { allowMissing });

describe("syntax (§8.1)", () => {
  test("literal braces", () => {
    expect(render("{{literal}} {name}", { name: "Ann" })).toBe("{literal} Ann");
    expect(render("{{}}", {})).toBe("{}");
    expect(render("}}{{", {})).toBe("}{");
    expect(render("{{{name}}}", { name: "x" })).toBe("{x}");
    expect(render('{{"json": {v}}}', { v: 1 })).toBe('{"json": 1}');
  });

  test("errors with CPython's messages, at compile time", () => {
    const cases: [string, string][] = [
      ["}", "Single '}' encountered in format string"],
      ["a}b", "Single '}' encountered in format string"],
      ["{name}}", "Single '}' encountered in format string"],
      ["{", "Single '{' encountered in format string"],
      ["{name", "expected '}' before end of string"],
      ["{name[}", "expected '}' before end of string"],
      ["{}", "Format string contains positional fields"],
      ["{0}", "Format string contains positional fields"],
      ["{0[x]}", "Format string contains positional fields"],
      ["{a{b}", "unexpected '{' in field name"],
      ["{name!x}", "Unknown conversion specifier x"],
      ["{name!}", "unmatched '{' in format spec"],
      ["{name!", "end of string while looking for conversion specifier"],
      ["{name!rx}", "expected ':' after conversion specifier"],
      ["{name:", "unmatched '{' in format spec"],
      ["{name.}", "Empty attribute in format string"],
      ["{name[]}", "Empty attribute in format string"],
      ["{name[0]x}", "Only '.' or '[' may follow ']' in format field specifier"],
      ["{name:{w:{w}}}", "Max string recursion exceeded"],
    ];
    for (const [text, message] of cases) {
      let error: unknown;
      try {
        compileTemplate(text);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(TemplateError);
      expect({ text, message: (error as Error).message }).toEqual({ text, message });
    }
  });

  test("names keep spaces and dashes; brackets may hold '}' and ':'", () => {
    expect(render("{na-me} {a b}", { "na-me": 1, "a b": 2 })).toBe("1 2");
    expect(render("{d[a:b}]}", { d: { "a:b}": "ok" } })).toBe("ok");
    expect(() => render("{ name }", { name: "x" })).toThrow(
      "Missing value for placeholder:  name ",
    );
    expect(render("{0name}", { "0name": "digits first" })).toBe("digits first");
  });

  test("conversions and specs", () => {
    const r = { name: "it's", age: 31, w: 6, f: 0.5, s: "héllo" };
    expect(render("{name!r}", r)).toBe(`"it's"`);
    expect(render("{name!r:>8}", r)).toBe(`  "it's"`);
    expect(render("{s!a}", r)).toBe("'h\\xe9llo'");
    expect(render("{age!s:>4}", r)).toBe("  31");
    expect(render("{age:05d}|{f:.1%}", r)).toBe("00031|50.0%");
    expect(render("{age:{w}}|{age:>{w}}", r)).toBe("    31|    31");
    expect(() => render("{age!r:{w}d}", r)).toThrow(
      "Unknown format code 'd' for object of type 'str'",
    );
  });

  test("placeholders lists top-level names once, including nested specs", () => {
    const t = compileTemplate("{a} {b[0].c} {a.x} {d:{width}} {{e}}");
    expect(t.placeholders).toEqual(["a", "b", "d", "width"]);
    expect(compileTemplate("static").placeholders).toEqual([]);
  });
});

describe("lookups (§8.2, §20.9)", () => {
  const record = {
    name: "Ann",
    age: 31,
    examples: [{ prompt: "P1", response: "R1" }, {
      prompt: "P2",
      response: "R2",
      meta: { k: [1, 2.5, null] },
    }],
    d: { key: "val" },
    l: ["x", "y"],
    empty: [],
    s: "héllo",
    flag: true,
    none: null,
  };

  test("basic values", () => {
    expect(render("{name} is {age}", record)).toBe("Ann is 31");
    expect(render("{flag} {none} {l}", record)).toBe("True None ['x', 'y']");
    expect(render("{d}", record)).toBe("{'key': 'val'}");
  });

  test("lists of maps: indices, negative indices, fields both ways", () => {
    expect(render("{examples[0].prompt}/{examples[1].response}", record)).toBe("P1/R2");
    expect(render("{examples[0][response]}", record)).toBe("R1");
    expect(render("{examples[-1].prompt} {examples[-2].prompt}", record)).toBe("P2 P1");
    expect(render("{examples[ 1 ].prompt}", record)).toBe("P2");
    expect(render("{examples[1].meta}", record)).toBe("{'k': [1, 2.5, None]}");
    expect(render("{examples[1].meta[k]}", record)).toBe("[1, 2.5, None]");
  });

  test("out of range and bad index", () => {
    expect(() => render("{examples[2].prompt}", record)).toThrow("Index out of range");
    expect(() => render("{examples[-3].prompt}", record)).toThrow("Index out of range");
    expect(() => render("{empty[0]}", record)).toThrow("out of range");
    expect(() => render("{examples[x].prompt}", record)).toThrow(
      "Index must be integer or string representation of integer, got string 'x'",
    );
    expect(() => render("{examples[0].nope}", record)).toThrow(
      "'_DictWrapper' object has no attribute 'nope'",
    );
    expect(() => render("{examples.prompt}", record)).toThrow(
      "'IndexableValue' object has no attribute 'prompt'",
    );
  });

  test("a bare list of maps renders deterministically (deliberate difference)", () => {
    expect(render("{examples[0]}", record)).toBe("{'prompt': 'P1', 'response': 'R1'}");
    expect(render("{examples}", { examples: [{ a: 1 }] })).toBe("[{'a': 1}]");
  });

  test("plain maps, lists and strings", () => {
    expect(render("{d[key]}", record)).toBe("val");
    expect(() => render("{d.key}", record)).toThrow("'dict' object has no attribute 'key'");
    expect(() => render("{d[nope]}", record)).toThrow("key 'nope' not found");
    expect(render("{l[1]}", record)).toBe("y");
    expect(() => render("{l[-1]}", record)).toThrow(
      "list indices must be integers or slices, not str",
    );
    expect(() => render("{l[5]}", record)).toThrow("list index out of range");
    expect(render("{s[1]}", record)).toBe("é");
    expect(() => render("{age[0]}", record)).toThrow("'int' object is not subscriptable");
    expect(() => render("{none[0]}", record)).toThrow("'NoneType' object is not subscriptable");
  });

  test("missing values", () => {
    expect(() => render("{age} {missing}", record)).toThrow(
      "Missing value for placeholder: missing",
    );
    expect(render("Hi {name}, {age} and {missing}", record, true)).toBe("Hi Ann, 31 and {missing}");
    expect(render("{missing:>10}", record, true)).toBe(" {missing}");
    expect(() => render("{missing.x}", record, true)).toThrow("'str' object has no attribute 'x'");
    expect(() => render("{constructor}", {})).toThrow("Missing value for placeholder: constructor");
  });

  test("values are not re-interpreted", () => {
    expect(render("{a}", { a: "{b} }{" })).toBe("{b} }{");
  });

  test("empty template and static text", () => {
    expect(render("", {})).toBe("");
    expect(render("static text", {})).toBe("static text");
  });
});

describe("sampled attributes (§8.2, §20.8)", () => {
  const f = createFormatter([tone, style]);
  const record = { tone: "formal", style: "terse", topic: "tax" };

  test("value name, description, parent", () => {
    expect(f.format("{tone} {style}", record)).toBe("Formal Terse");
    expect(f.format("{tone.name}|{tone.description}", record)).toBe("Formal|Polite and precise");
    expect(f.format("{tone.parent}|{tone.parent.name}|{tone.parent.description}", record)).toBe(
      "Tone|Tone|How the text sounds",
    );
    expect(f.format("{tone.attribute_id}", record)).toBe("tone");
    expect(f.format("A {tone} note on {topic}, {tone}!", record)).toBe(
      "A Formal note on tax, Formal!",
    );
  });

  test("the value id cannot be rendered", () => {
    expect(() => f.format("{tone.id}", record)).toThrow(
      "'_AttributeInfo' object has no attribute 'id'",
    );
  });

  test("a spec needs !s first", () => {
    expect(() => f.format("{tone:>8}", record)).toThrow(
      "unsupported format string passed to _AttributeInfo.__format__",
    );
    expect(f.format("{tone!s:>8}", record)).toBe("  Formal");
    expect(f.format("{tone!r}", record)).toBe("'Formal'");
  });

  test("unknown value id fails even when the template does not use it", () => {
    const bad = { tone: "invalid_value", topic: "x" };
    expect(() => f.format("{topic}", bad)).toThrow(
      "Attribute value invalid_value not found for attribute tone",
    );
    expect(() => f.format("static", bad, { allowMissing: true })).toThrow(
      "Attribute value invalid_value not found for attribute tone",
    );
  });

  test("trustSampled skips the value-id check but still renders known ids", () => {
    const bad = { tone: "invalid_value", topic: "x" };
    expect(f.format("{topic}", bad, { trustSampled: true })).toBe("x");
    expect(f.format("{tone}", { tone: "formal" }, { trustSampled: true })).toBe("Formal");
  });

  test("precomputed sampled renderings match the general path", () => {
    const record = { tone: "formal" };
    for (const text of ["{tone}", "{tone.name}", "{tone.description}", "{tone.parent}"]) {
      const fast = f.format(text, record);
      const general = f.format(text.replace("}", "!s}"), record);
      expect(fast).toBe(general);
    }
    // A failing accessor keeps the general path and its message.
    expect(() => f.format("{tone.id}", record)).toThrow(
      "'_AttributeInfo' object has no attribute 'id'",
    );
  });

  test("missing values with sampled attributes", () => {
    expect(f.format("{tone} {age}", { tone: "casual" }, { allowMissing: true })).toBe(
      "Casual {age}",
    );
    expect(() => f.format("{tone} {age}", { tone: "casual" })).toThrow(
      "Missing value for placeholder: age",
    );
  });

  test("empty record, no sampled attributes configured", () => {
    expect(createFormatter(undefined).format("{tone}", { tone: "formal" })).toBe("formal");
    expect(createFormatter([]).format("static", {})).toBe("static");
    expect(f.format("", {})).toBe("");
  });

  test("compile caches per text", () => {
    expect(f.compile("{tone}")).toBe(f.compile("{tone}"));
  });

  test("scalarFieldsOnly shows strings, numbers and booleans as Python does, hides the rest", () => {
    const rec = { tone: "casual", n: 3, x: 2.5, ok: true, list: ["a"], none: null, s: "str" };
    const only = { scalarFieldsOnly: true };
    expect(f.format("{tone} {s} {n} {x} {ok} {n:03d}", rec, only)).toBe(
      "Casual str 3 2.5 True 003",
    );
    for (const name of ["list", "none"]) {
      expect(() => f.format(`{${name}}`, rec, only)).toThrow(
        `Missing value for placeholder: ${name}`,
      );
    }
  });
});

test("a compiled 5-placeholder template renders repeatedly with the same result", () => {
  const f = createFormatter([tone]);
  const t = f.compile(
    "Write a {tone} answer about {topic} for {audience}, in {lang}. Example: {examples[0].q}",
  );
  const record = {
    tone: "formal",
    topic: "taxes",
    audience: "students",
    lang: "English",
    examples: [{ q: "Why?" }],
  };
  expect(t.render(record)).toBe(
    "Write a Formal answer about taxes for students, in English. Example: Why?",
  );
  // Rendering speed is measured by scripts/bench/pipeline.ts, not here.
  const first = t.render(record);
  for (let i = 0; i < 100; i++) expect(t.render(record)).toBe(first);
});
