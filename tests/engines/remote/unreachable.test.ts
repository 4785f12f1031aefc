/**
 * Issue 11 item 7, at the engine: connection refused / DNS failure before an endpoint ever
 * answered is fatal at once (naming the URL); after it answered, the same error is retryable.
 * A refusing port is made by binding a loopback port and closing it.
 */
import { expect, test } from "bun:test";
import { unreachableReason } from "../../../src/engines/remote/classify.ts";
import { createEngine } from "../../../src/engines/registry.ts";
import { EngineError } from "../../../src/errors.ts";
import { startFakeOpenAI } from "../../helpers/fakeOpenAIServer.ts";
import { refusingPort } from "../../helpers/refusingPort.ts";

const engineAt = (url: string) =>
  createEngine({
    engine: "REMOTE",
    model: { model_name: "m" },
    remote_params: { api_url: url, api_key: "k" },
  });

const ask = { messages: [{ role: "user" as const, content: "hi" }] };

test("connection refused before the endpoint ever answered is fatal and names the URL", async () => {
  const url = `http://127.0.0.1:${await refusingPort()}/v1/chat/completions`;
  const engine = await engineAt(url);
  const error = await engine.generate(ask).catch((e) => e);
  expect(error).toBeInstanceOf(EngineError);
  expect(error.fatal).toBe(true);
  expect(error.message).toContain(url);
  expect(error.message).toMatch(/connection refused/);
  await engine.dispose();
});

test("the same refusal after the endpoint answered once is retryable, as before", async () => {
  const fake = await startFakeOpenAI({ reply: () => "ok" });
  const engine = await engineAt(`${fake.url}/v1/chat/completions`);
  expect((await engine.generate(ask)).message.content).toBe("ok");
  await fake.close();
  const error = await engine.generate(ask).catch((e) => e);
  expect(error).toBeInstanceOf(EngineError);
  expect(error.fatal).toBe(false);
  expect(error.retryable).toBe(true);
  await engine.dispose();
});

test("several api_urls: fatal only once every one refused without ever answering", async () => {
  const urls = [await refusingPort(), await refusingPort()].map((p) =>
    `http://127.0.0.1:${p}/v1/chat/completions`
  );
  const engine = await createEngine({
    engine: "REMOTE",
    model: { model_name: "m" },
    remote_params: { api_url: urls, api_key: "k" },
  });
  const first = await engine.generate(ask).catch((e) => e);
  expect(first.fatal).toBe(false); // another endpoint is left to try
  const second = await engine.generate(ask).catch((e) => e);
  expect(second.fatal).toBe(true);
  expect(second.message).toMatch(/Cannot reach REMOTE at http:\/\/127\.0\.0\.1:\d+/);
  await engine.dispose();
});

test("DNS failures and refusals are recognised through wrapped causes", () => {
  const wrap = (code: string) => ({ message: "Connection error.", cause: { code } });
  expect(unreachableReason(wrap("ENOTFOUND"))).toBe("dns");
  expect(unreachableReason(wrap("EAI_AGAIN"))).toBe("dns");
  expect(unreachableReason(wrap("ECONNREFUSED"))).toBe("refused");
  expect(unreachableReason(wrap("ECONNRESET"))).toBeUndefined();
  expect(unreachableReason({ status: 500 })).toBeUndefined();
});
