/**
 * The remote runtime's parts: Retry-After parsing (any length), status classification
 * (§17.3), politeness slots (§17.1), the rate limiter
 * (§17.4), endpoint back-off, key redaction and provider defaults (§16.2).
 */
import { describe, expect, test } from "bun:test";
import { classifyError, isRetryableStatus } from "../../../src/engines/remote/classify.ts";
import { EndpointPool } from "../../../src/engines/remote/endpoints.ts";
import { baseUrlOf, PROVIDERS } from "../../../src/engines/remote/providers.ts";
import { RateLimiter } from "../../../src/engines/remote/rateLimiter.ts";
import { retryAfterSeconds } from "../../../src/engines/remote/retryAfter.ts";
import { Redactor } from "../../../src/engines/remote/secrets.ts";
import { resolveRemoteSettings } from "../../../src/engines/remote/settings.ts";
import { Slots } from "../../../src/engines/remote/slots.ts";
import { DEFAULT_RETRY_POLICY, withRetries } from "../../../src/engines/retry.ts";
import { EngineError } from "../../../src/errors.ts";

const headers = (h: Record<string, string>) => new Headers(h);

describe("Retry-After", () => {
  test("delta seconds of any length, HTTP dates, ms header, clamping", () => {
    expect(retryAfterSeconds(headers({ "retry-after": "7" }))).toBe(7);
    expect(retryAfterSeconds(headers({ "retry-after": "86400" }))).toBe(86400);
    expect(retryAfterSeconds(headers({ "retry-after": "-3" }))).toBe(0);
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(retryAfterSeconds(headers({ "retry-after": "Thu, 01 Jan 2026 00:02:00 GMT" }), now))
      .toBe(120);
    expect(retryAfterSeconds(headers({ "retry-after": "Wed, 31 Dec 2025 00:00:00 GMT" }), now))
      .toBe(0);
    expect(retryAfterSeconds(headers({ "retry-after-ms": "1500", "retry-after": "9" }))).toBe(1.5);
    expect(retryAfterSeconds(headers({}))).toBeUndefined();
  });
});

test("a Retry-After of 30 days is waited for in full (no timer overflow)", async () => {
  const controller = new AbortController();
  let calls = 0;
  const run = withRetries(
    () => {
      calls++;
      return Promise.reject(
        new EngineError("HTTP 429", { retryable: true, retryAfterSeconds: 30 * 86400 }),
      );
    },
    DEFAULT_RETRY_POLICY,
    { signal: controller.signal },
  );
  await new Promise((r) => setTimeout(r, 50));
  controller.abort(new Error("stopped by the test"));
  await expect(run).rejects.toThrow("stopped by the test");
  expect(calls).toBe(1);
});

describe("classification (§17.3)", () => {
  const ctx = {
    engine: "REMOTE",
    url: "http://x/v1",
    keySource: "MY_KEY",
    timeoutMs: 1000,
    redactor: new Redactor(),
  };
  test("retryable statuses", () => {
    for (const s of [408, 409, 429, 500, 502, 503, 504]) expect(isRetryableStatus(s)).toBe(true);
    for (const s of [400, 401, 403, 404, 413, 422]) expect(isRetryableStatus(s)).toBe(false);
    expect(isRetryableStatus(400, "Could not parse the JSON body of your request")).toBe(true);
  });
  test("401 is fatal and names the key source; 429 keeps Retry-After", () => {
    const auth = classifyError(
      { status: 401, headers: headers({}), error: {} },
      ctx,
    ) as EngineError;
    expect(auth.fatal).toBe(true);
    expect(auth.message).toContain("MY_KEY");
    const limited = classifyError(
      { status: 429, headers: headers({ "retry-after": "3600" }), error: { message: "slow down" } },
      ctx,
    ) as EngineError;
    expect(limited.retryable).toBe(true);
    expect(limited.retryAfterSeconds).toBe(3600);
    expect(limited.message).toContain("slow down");
    const aborted = classifyError(
      Object.assign(new Error("x"), { name: "APIUserAbortError" }),
      ctx,
    );
    expect(aborted.name).toBe("AbortError");
  });
  test("messages are redacted", () => {
    const redactor = new Redactor();
    redactor.add("sk-abcdefgh12345678");
    const e = classifyError(
      { status: 400, headers: headers({}), error: { message: "bad key sk-abcdefgh12345678" } },
      { ...ctx, redactor },
    );
    expect(e.message).not.toContain("sk-abcdefgh");
    expect(redactor.redact("prefix sk-abcde only")).toBe("prefix *** only");
  });
});

describe("politeness slots (§17.1)", () => {
  test("the first C start at once; a finished slot rests politeness seconds", async () => {
    const slots = new Slots(2, 0.2);
    const t0 = performance.now();
    const a = await slots.acquire();
    const b = await slots.acquire();
    expect(slots.inUse).toBe(2);
    let thirdStarted = 0;
    const third = slots.acquire().then((t) => {
      thirdStarted = performance.now();
      return t;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(thirdStarted).toBe(0); // no free slot yet
    const released = performance.now();
    slots.release(a);
    slots.release(await third);
    slots.release(b);
    expect(thirdStarted - released).toBeGreaterThanOrEqual(195);
    expect(a.acquiredAt - t0).toBeLessThan(195); // started without the politeness rest
  });
  test("an aborted waiter gives its place back", async () => {
    const slots = new Slots(1, 0);
    const held = await slots.acquire();
    const controller = new AbortController();
    const waiting = slots.acquire(controller.signal);
    controller.abort(new Error("stop"));
    await expect(waiting).rejects.toThrow("stop");
    slots.release(held);
    const next = await slots.acquire();
    expect(slots.inUse).toBe(1);
    slots.release(next);
  });
});

describe("rate limiter (§17.4)", () => {
  test("requests per window never exceed the limit", async () => {
    const limiter = new RateLimiter({ requestsPerMinute: 5, windowMs: 300 });
    const starts: number[] = [];
    for (let i = 0; i < 12; i++) starts.push((await limiter.reserve()).at);
    for (let i = 5; i < starts.length; i++) {
      expect(starts[i] - starts[i - 5]).toBeGreaterThanOrEqual(299);
    }
  });
  test("token limits wait for usage to leave the window", async () => {
    const limiter = new RateLimiter({ outputTokensPerMinute: 100, windowMs: 200 });
    const first = await limiter.reserve();
    limiter.complete(first, { inputTokens: 1, outputTokens: 150 });
    const second = await limiter.reserve();
    expect(second.at - first.at).toBeGreaterThanOrEqual(199);
  });
});

describe("endpoints and settings", () => {
  test("round robin, back-off of a failing endpoint, recovery", () => {
    const pool = new EndpointPool(["a", "b", "c"], (u) => u);
    expect([pool.pick(0).url, pool.pick(0).url, pool.pick(0).url]).toEqual(["a", "b", "c"]);
    pool.failed(pool.endpoints[1], 0);
    expect([pool.pick(10).url, pool.pick(10).url, pool.pick(10).url]).toEqual(["a", "c", "a"]);
    expect(pool.pick(2000).url).toBe("b"); // back-off (1 s) over
    pool.succeeded(pool.endpoints[1]);
    expect(pool.endpoints[1].failures).toBe(0);
  });
  test("base URLs from oumi-style api_url values", () => {
    expect(baseUrlOf("http://h:8000/v1/chat/completions", "openai")).toBe("http://h:8000/v1");
    expect(baseUrlOf("http://h:8000", "openai")).toBe("http://h:8000/v1");
    expect(baseUrlOf("https://api.anthropic.com/v1/messages", "anthropic")).toBe(
      "https://api.anthropic.com",
    );
  });
  test("provider defaults apply only when remote_params is omitted (§16.2)", () => {
    const env = { OPENAI_API_KEY: "sk-x-123456" };
    const omitted = resolveRemoteSettings({ engine: "OPENAI", model: { model_name: "m" } }, env);
    expect([omitted.numWorkers, omitted.politeness]).toEqual([50, 60]);
    expect(omitted.keySource).toBe("OPENAI_API_KEY");
    const given = resolveRemoteSettings(
      { engine: "OPENAI", model: { model_name: "m" }, remote_params: { max_retries: 1 } },
      env,
    );
    expect([given.numWorkers, given.politeness]).toEqual([1, 0]);
    expect(PROVIDERS.GOOGLE_GEMINI.keyEnv).toBe("GEMINI_API_KEY");
    expect(PROVIDERS.HUGGING_FACE_ROUTER.defaultUrl).toBe(
      "https://router.huggingface.co/v1/chat/completions",
    );
    expect(() => resolveRemoteSettings({ engine: "DEEPSEEK", model: { model_name: "m" } }, {}))
      .toThrow("DEEPSEEK_API_KEY");
  });
});
