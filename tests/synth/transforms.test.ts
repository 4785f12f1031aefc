import { describe, expect, test } from "bun:test";
import { ConfigError, TemplateError } from "../../src/errors.ts";
import {
  applyTransforms,
  type ChatValue,
  compileTransform,
  type TransformedAttributeSpec,
} from "../../src/synth/transforms.ts";
import { createFormatter } from "../../src/template/format.ts";

const formatter = createFormatter([
  {
    id: "tone",
    name: "Tone",
    description: "How it sounds",
    possible_values: [{ id: "formal", name: "Formal", description: "Polite" }],
  },
]);
const t = (id: string, strategy: TransformedAttributeSpec["transformation_strategy"]) =>
  compileTransform({ id, transformation_strategy: strategy }, formatter);

describe("transform types (§12, §20.12)", () => {
  test("STRING", () => {
    expect(
      t("greeting", { type: "STRING", string_transform: "Hello {name}!" }).apply({ name: "Ann" }),
    ).toBe("Hello Ann!");
    const multi = t("s", { type: "STRING", string_transform: "{first} {last} ({tone})" });
    expect(multi.apply({ first: "Ann", last: "Lee", tone: "formal" })).toBe("Ann Lee (Formal)");
    expect(multi.placeholders).toEqual(["first", "last", "tone"]);
  });

  test("LIST", () => {
    const list = t("l", { type: "LIST", list_transform: ["{a}", "x-{b}", "static"] });
    expect(list.apply({ a: "1", b: "2" })).toEqual(["1", "x-2", "static"]);
    expect(list.placeholders).toEqual(["a", "b"]);
  });

  test("DICT keeps keys as given", () => {
    const dict = t("d", {
      type: "DICT",
      dict_transform: { question: "{q}", answer: "{a}", "Odd Key": "{q}{a}" },
    });
    const value = dict.apply({ q: "Q", a: "A" });
    expect(value).toEqual({ question: "Q", answer: "A", "Odd Key": "QA" });
    expect(Object.keys(value)).toEqual(["question", "answer", "Odd Key"]);
  });

  test("CHAT: roles lower-case, contents rendered, configured id and metadata", () => {
    const chat = t("conversation", {
      type: "CHAT",
      chat_transform: {
        messages: [
          { role: "SYSTEM", content: "Be {tone}." },
          { role: "user", content: "{question}" },
          { role: "Assistant", content: "{answer}" },
        ],
        conversation_id: "conversation-fixed",
        metadata: { name: "{name}", source: "synthetic" },
      },
    });
    const value = chat.apply({
      tone: "formal",
      question: "What is 2+2?",
      answer: "4",
      name: "Alice",
    }) as ChatValue;
    expect(value).toEqual({
      conversation_id: "conversation-fixed",
      messages: [
        { content: "Be Formal.", role: "system" },
        { content: "What is 2+2?", role: "user" },
        { content: "4", role: "assistant" },
      ],
      metadata: { name: "Alice", source: "synthetic" },
    });
    expect(Object.keys(value)).toEqual(["conversation_id", "messages", "metadata"]);
    expect(Object.keys(value.messages[0])).toEqual(["content", "role"]);
    expect(chat.placeholders).toEqual(["tone", "question", "answer", "name"]);
  });

  test("CHAT without id: '<attr id>-<uuid4>', fresh per record; metadata defaults to {}", () => {
    const chat = t("conv", {
      type: "CHAT",
      chat_transform: { messages: [{ role: "user", content: "{q}" }] },
    });
    const a = chat.apply({ q: "x" }) as ChatValue;
    const b = chat.apply({ q: "x" }) as ChatValue;
    expect(a.conversation_id).toMatch(
      /^conv-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(a.conversation_id).not.toBe(b.conversation_id);
    expect(a.metadata).toEqual({});
  });

  test("CHAT ids can come from an injected source", () => {
    let n = 0;
    const chat = compileTransform(
      {
        id: "c",
        transformation_strategy: {
          type: "CHAT",
          chat_transform: { messages: [{ role: "user", content: "hi" }], conversation_id: "" },
        },
      },
      formatter,
      { randomUUID: () => `id${++n}` },
    );
    expect((chat.apply({}) as ChatValue).conversation_id).toBe("c-id1");
  });
});

describe("visibility", () => {
  test("scalar fields are visible (numbers as Python renders them); sampled render as names", () => {
    const s = t("s", { type: "STRING", string_transform: "{tone}: {text} #{n}" });
    const record = { tone: "formal", text: "hi", n: 3, list: [{ a: "b" }], map: { k: "v" } };
    expect(s.apply(record)).toBe("Formal: hi #3");
    for (const name of ["list", "map"]) {
      const hidden = t("h", { type: "STRING", string_transform: `{${name}}` });
      expect(() => hidden.apply(record)).toThrow(`Missing value for placeholder: ${name}`);
    }
  });

  test("unknown sampled value id is reported", () => {
    const s = t("s", { type: "STRING", string_transform: "x" });
    expect(() => s.apply({ tone: "loud" })).toThrow(
      "Attribute value loud not found for attribute tone",
    );
  });

  test("trusted (planner) records skip the value-id check", () => {
    const s = t("s", { type: "STRING", string_transform: "x" });
    expect(s.apply({ tone: "loud" }, true)).toBe("x");
  });
});

describe("applyTransforms", () => {
  test("in order; later transforms see earlier string results; originals preserved", () => {
    const transforms = [
      t("full", { type: "STRING", string_transform: "{first} {last}" }),
      t("greeting", { type: "STRING", string_transform: "Hello {full}" }),
      t("parts", { type: "LIST", list_transform: ["{first}"] }),
    ];
    const record = applyTransforms({ first: "Ann", last: "Lee", n: 1 }, transforms);
    expect(record).toEqual({
      first: "Ann",
      last: "Lee",
      n: 1,
      full: "Ann Lee",
      greeting: "Hello Ann Lee",
      parts: ["Ann"],
    });
    const later = t("x", { type: "STRING", string_transform: "{parts}" });
    expect(() => later.apply(record)).toThrow("Missing value for placeholder: parts");
  });

  test("100 records keep their order", () => {
    const s = t("s", { type: "STRING", string_transform: "#{i}" });
    const records = Array.from({ length: 100 }, (_, i) => applyTransforms({ i: String(i) }, [s]));
    expect(records.map((r) => r.s)).toEqual(Array.from({ length: 100 }, (_, i) => `#${i}`));
  });

  test("no transforms leaves records unchanged", () => {
    expect(applyTransforms({ a: "1" }, [])).toEqual({ a: "1" });
  });
});

describe("config errors", () => {
  const cases: [TransformedAttributeSpec["transformation_strategy"], string][] = [
    [{ type: "STRING" }, "string_transform cannot be empty when type=STRING"],
    [{ type: "STRING", string_transform: "" }, "string_transform cannot be empty when type=STRING"],
    [{ type: "LIST", list_transform: [] }, "list_transform cannot be empty when type=LIST"],
    [{ type: "DICT", dict_transform: {} }, "dict_transform cannot be empty when type=DICT"],
    [
      { type: "CHAT", chat_transform: { messages: [] } },
      "chat_transform cannot be empty when type=CHAT",
    ],
    [{ type: "CHAT" }, "chat_transform cannot be empty when type=CHAT"],
    [
      { type: "CHAT", chat_transform: { messages: [{ role: "user", content: 5 }] } },
      "chat_transform message content must be a string",
    ],
    [
      { type: "CHAT", chat_transform: { messages: [{ role: "user", content: "" }] } },
      "chat_transform message content cannot be empty",
    ],
    [{
      type: "CHAT",
      chat_transform: { messages: [{ role: "user", content: "x" }], metadata: { k: 1 } },
    }, 'metadata value "k" must be a string'],
    [{ type: "XML" }, "Unsupported transformation strategy: XML"],
  ];
  for (const [strategy, message] of cases) {
    test(message, () => {
      expect(() => t("a", strategy)).toThrow(ConfigError);
      expect(() => t("a", strategy)).toThrow(message);
    });
  }

  test("template syntax errors surface when compiling", () => {
    expect(() => t("a", { type: "STRING", string_transform: "{oops" })).toThrow(TemplateError);
  });

  test("lower-case type names are accepted", () => {
    expect(t("a", { type: "string", string_transform: "ok" }).apply({})).toBe("ok");
  });
});
