/**
 * The composable text hash (`template/textHash.ts`) and `Template.renderHashed`: the hash a
 * template composes from its precomputed pieces equals the hash of the text it renders, for
 * every kind of placeholder; the run journal's request hash is the same whether a request
 * carries its content hashes or not.
 */
import { describe, expect, test } from "bun:test";
import { requestHash } from "../../src/durable/journal.ts";
import { createFormatter, type RenderOptions } from "../../src/template/format.ts";
import { textHash, textHashPart, TextHashState } from "../../src/template/textHash.ts";
import { seededUniform } from "../../src/engines/transformers/sampling.ts";

describe("textHash", () => {
  test("a concatenation's hash follows from its pieces' states, however the text is cut", () => {
    const random = seededUniform(5);
    const alphabet = 'ab é😀\n"{}0';
    for (let round = 0; round < 200; round++) {
      const length = Math.floor(random() * 40);
      let text = "";
      for (let i = 0; i < length; i++) text += alphabet[Math.floor(random() * alphabet.length)];
      const state = new TextHashState();
      for (let at = 0; at < text.length;) {
        const end = Math.min(text.length, at + 1 + Math.floor(random() * 6));
        if (random() < 0.5) state.addPart(textHashPart(text.slice(at, end)));
        else state.addText(text.slice(at, end));
        at = end;
      }
      expect(state.digest()).toBe(textHash(text));
    }
  });

  test("one changed, inserted or removed character changes the hash", () => {
    const base = "You write Easy quiz questions (basic).";
    const texts = new Set([base]);
    for (let i = 0; i <= base.length; i++) {
      texts.add(base.slice(0, i) + "x" + base.slice(i));
      if (i < base.length) {
        texts.add(base.slice(0, i) + base.slice(i + 1));
        const flipped = String.fromCharCode(base.charCodeAt(i) ^ 2);
        texts.add(base.slice(0, i) + flipped + base.slice(i + 1));
      }
    }
    // Every distinct variant has its own hash.
    expect(new Set([...texts].map(textHash)).size).toBe(texts.size);
    expect(textHash("")).not.toBe(textHash("\u0000"));
  });
});

describe("renderHashed", () => {
  const f = createFormatter([{
    id: "tone",
    name: "Tone",
    description: "How it sounds",
    possible_values: [
      { id: "formal", name: "Formal", description: "Polite" },
      { id: "casual", name: "Cäsual 😀", description: "Relaxed" },
    ],
  }]);
  const record = {
    tone: "casual",
    topic: "tax",
    n: 3,
    x: 2.5,
    flag: false,
    none: null,
    w: 8,
    reply: `reply ${"abc".length}`, // a rope, as engines' replies are
    examples: [{ q: "Why?", a: "Because." }, { q: "Q2", a: "A2" }],
    d: { k: [1, 2.5, null] },
  };
  const cases: [string, RenderOptions?][] = [
    ["static text only"],
    [""],
    ["{{literal}} braces {topic}"],
    ["{tone} / {tone.description} / {tone.parent.name} / {tone.parent}"],
    ["{tone!s:>12} {tone!r} {tone!a}"],
    ["{topic!r:^{w}}|{x:.3f}|{n:05d}|{flag}|{none}"],
    ["Answer this: {reply}"],
    ["{examples[0].q} {examples[-1][a]} {examples} {d} {d[k]}"],
    ["{missing} and {topic}", { allowMissing: true }],
    ["{n} {x} {flag} {examples}", { scalarFieldsOnly: true, allowMissing: true }],
  ];
  for (const [text, options] of cases) {
    test(JSON.stringify(text), () => {
      const into = { hash: -1 };
      const rendered = f.compile(text).renderHashed(record, options, into);
      expect(rendered).toBe(f.compile(text).render(record, options));
      expect(into.hash).toBe(textHash(rendered));
    });
  }

  test("errors are those of render", () => {
    const into = { hash: -1 };
    expect(() => f.compile("{tone.id}").renderHashed(record, undefined, into)).toThrow(
      "'_AttributeInfo' object has no attribute 'id'",
    );
    expect(() => f.compile("{nope}").renderHashed(record, undefined, into)).toThrow(
      "Missing value for placeholder: nope",
    );
  });
});

describe("requestHash", () => {
  const messages = [
    { role: "system", content: "You write quiz questions." },
    { role: "user", content: "Write one about tax." },
  ];

  test("the same with or without the request's content hashes", () => {
    const given = messages.map((m) => textHash(m.content));
    expect(requestHash(messages, given)).toBe(requestHash(messages));
    // Hashes that do not fit the messages (another count) are not used.
    expect(requestHash(messages, [1])).toBe(requestHash(messages));
  });

  test("a changed content, role or message count changes it", () => {
    const h = requestHash(messages);
    expect(requestHash([messages[0], { ...messages[1], content: "Write one about taxes." }]))
      .not.toBe(h);
    expect(requestHash([messages[0], { ...messages[1], role: "assistant" }])).not.toBe(h);
    expect(requestHash([messages[0]])).not.toBe(h);
    expect(requestHash([{ role: "user", content: [{ type: "text", text: "hi" }] }])).not.toBe(
      requestHash([{ role: "user", content: "hi" }]),
    );
  });
});
