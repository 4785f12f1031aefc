/**
 * The durable-run building blocks on their own: journal lines and reading (marks, torn and
 * damaged lines), fingerprints and the changed keys, shard slices, the model hash cache, and
 * per-record randomness (DECISIONS 15: a CHAT conversation_id and an engine seed depend only
 * on (seed, record index)).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { changedKeys, fingerprintOf, recordShapingConfig } from "../../src/durable/fingerprint.ts";
import {
  type JournalHeader,
  JournalWriter,
  readJournal,
  readJournalGaps,
  requestHash,
  responseKey,
} from "../../src/durable/journal.ts";
import { fileIdentity } from "../../src/durable/modelIdentity.ts";
import { parseShard, shardRange } from "../../src/durable/shard.ts";
import { UsageError } from "../../src/errors.ts";
import { compileSynthesis } from "../../src/synth/compile.ts";
import { DurableRun } from "../../src/synth/durableRun.ts";

const dir = mkdtempSync(join(tmpdir(), "synth-durable-units-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const header: JournalHeader = {
  journal: 1,
  synth: "test",
  fingerprint: "f",
  seed: 1,
  num_samples: 4,
  shard: null,
  engine: "REMOTE",
  model: null,
  config: {},
  created: "2026-01-01T00:00:00.000Z",
};
const reply = (content: string) => ({
  message: { role: "assistant" as const, content },
  usage: { inputTokens: 3, outputTokens: 2, cachedTokens: 1 },
  finishReason: "stop" as const,
});

describe("journal", () => {
  test("responses, failures and marks read back; records before the last fitting mark are skipped", async () => {
    const path = join(dir, "a.journal.jsonl");
    const journal = JournalWriter.create(path, header);
    const q = [{ role: "user", content: "hi" }];
    journal.response(0, "question", 0, requestHash(q), reply("zero"));
    journal.response(1, "question", 0, requestHash(q), reply('one "quoted"\n'));
    journal.mark({ through: 0, bytes: 10, lines: 1, failed: 0, tail: 0 });
    journal.failed({ index: 2, error_type: "api_status", message: "boom", is_retryable: true });
    journal.response(3, "question", 1, 7, {
      ...reply(""),
      message: {
        role: "assistant",
        content: null,
        tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "{}" } }],
      },
      finishReason: "tool_calls",
    });
    journal.mark({ through: 2, bytes: 25, lines: 2, failed: 1, tail: 0 });
    await journal.close();

    const whole = await readJournal(path, 25);
    expect(whole.mark).toEqual({ through: 2, bytes: 25, lines: 2, failed: 1, tail: 0 });
    expect([...whole.responses.keys()]).toEqual([responseKey(3, "question", 1)]);
    expect(whole.responses.get(responseKey(3, "question", 1))?.result.message.tool_calls?.[0].id)
      .toBe("c");
    expect(whole.failures.get(2)?.message).toBe("boom");

    // After a power loss the output is shorter: the earlier mark is used.
    const short = await readJournal(path, 12);
    expect(short.mark).toEqual({ through: 0, bytes: 10, lines: 1, failed: 0, tail: 0 });
    const one = short.responses.get(responseKey(1, "question", 0))!;
    expect(one.result).toEqual(reply('one "quoted"\n'));
    expect(one.hash).toBe(requestHash(q));
    const all = await readJournal(path, 25, { loadAll: true });
    expect(all.responses.size).toBe(3);
  });

  test("a response line is the JSON of its fields: non-ASCII text, large numbers, extra message fields, a line longer than the buffer", async () => {
    const path = join(dir, "encode.journal.jsonl");
    const writer = JournalWriter.create(path, header);
    const long = 'é\u2028"\n'.repeat(300_000);
    writer.response(123456789, 'ré"ponse', 10, 4294967295, {
      message: { role: "assistant", content: "Grüße 😀 \u0000", refusal: null } as never,
      usage: { inputTokens: 9007199254740991, outputTokens: 0, cachedTokens: 70 },
      finishReason: "length",
    });
    const plain = " ~!#$%&'()*+,-./09:;<=>?@AZ[]^_`az{|}".repeat(6);
    writer.response(4294967296, "a", 1, 1, reply(plain)); // printable ASCII, copied as it is
    writer.response(1, "a", 2, 2, reply(plain + "\u007f\\")); // DEL and a backslash
    writer.response(0, "a", 0, 0, {
      message: { role: "assistant", content: long },
      usage: { inputTokens: 1, outputTokens: 2 },
      finishReason: "stop",
    });
    await writer.close();
    const lines = readFileSync(path, "utf8").split("\n");
    expect(JSON.parse(lines[1])).toEqual({
      i: 123456789,
      a: 'ré"ponse',
      n: 10,
      h: 4294967295,
      c: "Grüße 😀 \u0000",
      u: [9007199254740991, 0, 70],
      s: "length",
      m: { refusal: null },
    });
    expect(JSON.parse(lines[2])).toEqual({
      i: 4294967296,
      a: "a",
      n: 1,
      h: 1,
      c: plain,
      u: [3, 2, 1],
      s: "stop",
    });
    expect(JSON.parse(lines[3]).c).toBe(plain + "\u007f\\");
    expect(JSON.parse(lines[4])).toEqual({
      i: 0,
      a: "a",
      n: 0,
      h: 0,
      c: long,
      u: [1, 2, 0],
      s: "stop",
    });
    const read = await readJournal(path, 0);
    expect(read.responses.get(responseKey(0, "a", 0))?.result.message.content).toBe(long);
  });

  test("gaps: failed records not retried since, and records left out on purpose", async () => {
    const path = join(dir, "gaps.journal.jsonl");
    const journal = JournalWriter.create(path, header);
    const failure = (index: number) => ({
      index,
      error_type: "api_status" as const,
      message: "boom",
      is_retryable: true,
    });
    journal.response(0, "a", 0, 1, reply("x"));
    journal.failed(failure(1));
    journal.skipped(2);
    journal.failed(failure(3));
    journal.failed(failure(4));
    journal.mark({ through: 4, bytes: 10, lines: 1, failed: 3, tail: 0 });
    journal.retried(3); // --retry-failed wrote record 3 after all
    journal.skipped(9);
    await journal.close();
    expect([...readJournalGaps(path, 0, 4)].sort()).toEqual([1, 2, 4]);
    expect([...readJournalGaps(path, 2, 9)].sort()).toEqual([2, 4, 9]);
    // A skip line is an ordinary journal entry for a resume.
    expect((await readJournal(path, 10)).mark?.through).toBe(4);
    writeFileSync(path, readFileSync(path, "utf8").replace('{"i":2,"s":1}', '{"i":2,"s":1'));
    expect(() => readJournalGaps(path, 0, 4)).toThrow(`"${path}": line 4 is damaged`);
  });

  test("a torn last line is ignored and cut at reopen; a damaged line names file and line", async () => {
    const path = join(dir, "b.journal.jsonl");
    const journal = JournalWriter.create(path, header);
    journal.response(0, "a", 0, 1, reply("x"));
    await journal.close();
    const good = readFileSync(path, "utf8");
    writeFileSync(path, good + '{"i":1,"a":"a","n":0,"h":1,"c":"tor');
    const torn = await readJournal(path, 0);
    expect(torn.responses.size).toBe(1);
    expect(torn.validBytes).toBe(Buffer.byteLength(good));
    await JournalWriter.reopen(path, torn.validBytes).close();
    expect(readFileSync(path, "utf8")).toBe(good);

    writeFileSync(path, good + "not json\n" + '{"w":0,"b":0,"l":0,"f":0,"j":0}\n');
    await expect(readJournal(path, 0)).rejects.toThrow(`"${path}": line 3 is damaged`);
    writeFileSync(path, '{"no": "header"}\n');
    await expect(readJournal(path, 0)).rejects.toThrow("line 1 is damaged");
  });

  test("the request hash tells roles and contents apart", () => {
    const a = requestHash([{ role: "user", content: "x" }]);
    expect(requestHash([{ role: "user", content: "x" }])).toBe(a);
    expect(requestHash([{ role: "system", content: "x" }])).not.toBe(a);
    expect(requestHash([{ role: "user", content: "y" }])).not.toBe(a);
    expect(requestHash([{ role: "user", content: "x" }, { role: "user", content: "x" }])).not.toBe(
      a,
    );
  });
});

describe("fingerprint", () => {
  const config = {
    num_samples: 5,
    output_path: "a.jsonl",
    seed: 3,
    max_failed_fraction: 0.5,
    strategy_params: {
      generated_attributes: [{ id: "q", instruction_messages: [{ role: "user", content: "A" }] }],
    },
    inference_config: { engine: "REMOTE", remote_params: { api_key: "sk-secret", num_workers: 4 } },
  };
  const identity = (c: object, seed = 3) => ({
    config: recordShapingConfig(c),
    seed,
    engine: "REMOTE",
    model: null,
  });

  test("ignores num_samples, output_path, max_failed_fraction and remote_params; drops secrets", () => {
    const other = {
      ...config,
      num_samples: 50,
      output_path: "b.jsonl",
      max_failed_fraction: 0.9,
      inference_config: { engine: "REMOTE", remote_params: { num_workers: 64 } },
    };
    expect(fingerprintOf(identity(other))).toBe(fingerprintOf(identity(config)));
    expect(JSON.stringify(identity(config))).not.toContain("sk-secret");
  });

  test("names the keys that changed", () => {
    const changed = structuredClone(config);
    changed.strategy_params.generated_attributes[0].instruction_messages[0].content = "B";
    expect(changedKeys(identity(config), identity(changed, 4))).toEqual([
      "strategy_params.generated_attributes[0].instruction_messages[0].content",
      "seed",
    ]);
    expect(fingerprintOf(identity(changed))).not.toBe(fingerprintOf(identity(config)));
  });
});

describe("shards", () => {
  test("K/N parses with K from 0; slices are contiguous and cover the plan", () => {
    expect(parseShard("2/3")).toEqual({ index: 2, count: 3 });
    for (const bad of ["3/3", "1/0", "a/b", "-1/3", "1"]) {
      expect(() => parseShard(bad)).toThrow(UsageError);
    }
    const slices = [0, 1, 2, 3].map((index) => shardRange(10, { index, count: 4 }));
    expect(slices).toEqual([{ start: 0, end: 2 }, { start: 2, end: 5 }, { start: 5, end: 7 }, {
      start: 7,
      end: 10,
    }]);
  });
});

describe("model identity", () => {
  test("a file is hashed once: the hash is cached by path, size and modification time", async () => {
    const model = join(dir, "model.gguf");
    const cacheDir = join(dir, "cache");
    writeFileSync(model, "GGUF-aaaa");
    const first = await fileIdentity(model, { cacheDir });
    expect(first.sha256).toBe(new Bun.CryptoHasher("sha256").update("GGUF-aaaa").digest("hex"));
    expect(first.size).toBe(9);
    // Same size and time: the cache answers (the content is not read again).
    const stamp = new Date("2026-01-01T00:00:00Z");
    utimesSync(model, stamp, stamp);
    const stamped = await fileIdentity(model, { cacheDir });
    writeFileSync(model, "GGUF-bbbb");
    utimesSync(model, stamp, stamp);
    expect((await fileIdentity(model, { cacheDir })).sha256).toBe(stamped.sha256);
    // A new modification time: hashed again.
    utimesSync(model, new Date(), new Date());
    expect((await fileIdentity(model, { cacheDir })).sha256).not.toBe(first.sha256);
  });
});

describe("per-record randomness (DECISIONS 15)", () => {
  const config = (seed: number) => ({
    num_samples: 20,
    seed,
    strategy_params: {
      input_examples: [{ examples: [{ q: "a" }, { q: "b" }] }],
      transformed_attributes: [{
        id: "conversation",
        transformation_strategy: {
          type: "CHAT",
          chat_transform: { messages: [{ role: "user", content: "{q}" }] },
        },
      }],
    },
  });
  const idOf = (seed: number, index: number) => {
    const { program } = compileSynthesis(config(seed));
    return (program.finish(program.record(index), index).conversation as {
      conversation_id: string;
    })
      .conversation_id;
  };

  test("a CHAT conversation_id depends only on (seed, record index)", () => {
    expect(idOf(1, 5)).toBe(idOf(1, 5));
    expect(idOf(1, 5)).toMatch(
      /^conversation-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(idOf(1, 5)).not.toBe(idOf(1, 6));
    expect(idOf(1, 5)).not.toBe(idOf(2, 5));
  });

  test("each request of a local engine gets its own seed from (seed, attribute, record, request)", async () => {
    const run = await DurableRun.open(join(dir, "seeds.jsonl"), {
      mode: "new",
      identity: { config: {}, seed: 1, engine: "LLAMACPP", model: null },
      numSamples: 4,
      version: "test",
      engineSeed: 42,
    });
    const seedOf = (index: number, attribute: string, call: number) => {
      const request = {
        messages: [{ role: "user" as const, content: "x" }],
        generation: { temperature: 1 },
      };
      expect(run.lookup({ index, attribute, call }, request)).toBeUndefined();
      expect(request.generation.temperature).toBe(1);
      return (request.generation as { seed?: number }).seed;
    };
    const seed = seedOf(2, "answer", 0);
    expect(Number.isInteger(seed)).toBe(true);
    expect(seedOf(2, "answer", 0)).toBe(seed);
    expect(
      new Set([seed, seedOf(3, "answer", 0), seedOf(2, "question", 0), seedOf(2, "answer", 1)])
        .size,
    )
      .toBe(4);
  });
});
