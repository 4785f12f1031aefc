/**
 * The remote runtime's parts: Retry-After parsing (any length), status classification
 * (§17.3), politeness slots (§17.1), the rate limiter
 * (§17.4), endpoint back-off, key redaction and provider defaults (§16.2).
 */
import { describe, expect, jest, test } from "bun:test";
import { abortableSleep } from "../../../src/clock.ts";
import { classifyError, isRetryableStatus } from "../../../src/engines/remote/classify.ts";
import { EndpointPool } from "../../../src/engines/remote/endpoints.ts";
import { baseUrlOf, PROVIDERS } from "../../../src/engines/remote/providers.ts";
import { type RateEntry, RateLimiter } from "../../../src/engines/remote/rateLimiter.ts";
import { retryAfterSeconds } from "../../../src/engines/remote/retryAfter.ts";
import { Redactor } from "../../../src/engines/remote/secrets.ts";
import { resolveRemoteSettings } from "../../../src/engines/remote/settings.ts";
import { Slots, type SlotTicket } from "../../../src/engines/remote/slots.ts";
import { DEFAULT_RETRY_POLICY, withRetries } from "../../../src/engines/retry.ts";
import { EngineError } from "../../../src/errors.ts";
import { ManualClock, settle } from "../../helpers/manualClock.ts";

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

test("a Retry-After of 30 days is waited for in full, then the request is retried", async () => {
  const clock = new ManualClock();
  let calls = 0;
  let logged = 0;
  const run = withRetries(
    () => {
      if (calls++ > 0) return Promise.resolve("second answer");
      return Promise.reject(
        new EngineError("HTTP 429", { retryable: true, retryAfterSeconds: 30 * 86400 }),
      );
    },
    DEFAULT_RETRY_POLICY,
    {
      sleep: (ms, signal) => clock.sleep(ms, signal),
      onRetry: (_error, seconds) => (logged = seconds),
    },
  );
  await clock.advance(30 * 86_400_000 - 1);
  expect(calls).toBe(1); // still waiting a millisecond before the 30 days are over
  await clock.advance(30 * 86_400_000 * 0.25); // the jitter adds at most 25 % with one worker
  expect(await run).toEqual({ value: "second answer", attempts: 2 });
  expect(clock.sleeps).toEqual([logged * 1000]); // the wait is the delay reported to onRetry
  expect(clock.sleeps[0]).toBeGreaterThanOrEqual(30 * 86_400_000);
  expect(clock.sleeps[0]).toBeLessThanOrEqual(30 * 86_400_000 * 1.25);
});

describe("the real clock's sleep (no timer overflow)", () => {
  test("a wait past the 32-bit timer range neither fires early nor late; abort stops it", async () => {
    // Bun's fake timers overflow delays above 2^31 - 1 ms to 1 ms, as real timers do.
    jest.useFakeTimers();
    try {
      const days = 30 * 86_400_000;
      let done = false;
      const sleeping = abortableSleep(days).then(() => (done = true));
      jest.advanceTimersByTime(days - 1);
      await settle();
      expect(done).toBe(false);
      jest.advanceTimersByTime(1);
      await sleeping;
      expect(done).toBe(true);
      const controller = new AbortController();
      const aborted = abortableSleep(days, controller.signal);
      controller.abort(new Error("stopped by the test"));
      await expect(aborted).rejects.toThrow("stopped by the test");
    } finally {
      jest.useRealTimers();
    }
  });
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
    const clock = new ManualClock();
    const slots = new Slots(2, 0.2, clock);
    const a = await slots.acquire();
    const b = await slots.acquire();
    expect([a.acquiredAt, b.acquiredAt]).toEqual([0, 0]); // no politeness rest before the first
    expect(slots.inUse).toBe(2);
    let third: SlotTicket | undefined;
    const waiting = slots.acquire().then((t) => (third = t));
    await clock.advance(10);
    expect(third).toBeUndefined(); // no free slot yet
    slots.release(a); // at 10: this slot may start again at 210
    await clock.advance(199);
    expect(third).toBeUndefined(); // at 209: still resting
    await clock.advance(1);
    await waiting;
    expect(third?.acquiredAt).toBe(210);
    expect(clock.sleeps).toEqual([200]);
    slots.release(third!);
    slots.release(b);
    expect(slots.inUse).toBe(0);
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
    const clock = new ManualClock();
    const limiter = new RateLimiter({ requestsPerMinute: 5, windowMs: 300 }, clock);
    const reserved = Promise.all(Array.from({ length: 12 }, () => limiter.reserve()));
    await clock.runAll();
    const starts = (await reserved).map((e) => e.at);
    // Five per 300 ms window: each request starts once the one five before it left the window.
    expect(starts).toEqual([0, 0, 0, 0, 0, 300, 300, 300, 300, 300, 600, 600]);
  });
  test("token limits wait for usage to leave the window", async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ outputTokensPerMinute: 100, windowMs: 200 }, clock);
    await clock.advance(5);
    const first = await limiter.reserve();
    limiter.complete(first, { inputTokens: 1, outputTokens: 150 });
    await clock.advance(50);
    let second: RateEntry | undefined;
    const waiting = limiter.reserve().then((e) => (second = e));
    await clock.advance(149);
    expect(second).toBeUndefined(); // 150 output tokens still in the window
    await clock.advance(1);
    await waiting;
    expect([first.at, second?.at]).toEqual([5, 205]);
  });
  test("an aborted wait rejects and lets the next caller through", async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ requestsPerMinute: 1, windowMs: 1000 }, clock);
    await limiter.reserve();
    const controller = new AbortController();
    const aborted = limiter.reserve(controller.signal);
    const next = limiter.reserve();
    await clock.advance(10);
    controller.abort(new Error("stop"));
    await expect(aborted).rejects.toThrow("stop");
    await clock.runAll();
    expect((await next).at).toBe(1000);
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
