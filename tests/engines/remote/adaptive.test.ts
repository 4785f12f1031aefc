/**
 * Adaptive concurrency (AIMD per endpoint, `adaptive.ts`): full speed at start, one
 * multiplicative decrease per round trip of errors, additive recovery, and in the runtime a
 * window per endpoint that steers requests away from an overloaded endpoint. No clock involved.
 */
import { describe, expect, test } from "bun:test";
import { AimdController } from "../../../src/engines/remote/adaptive.ts";
import { RemoteRuntime } from "../../../src/engines/remote/runtime.ts";
import { resolveRemoteSettings } from "../../../src/engines/remote/settings.ts";
import { Slots } from "../../../src/engines/remote/slots.ts";
describe("adaptive concurrency (AIMD per endpoint)", () => {
  test("starts at num_workers: full speed from the first request", () => {
    for (const max of [64, 50, 1]) expect(new AimdController(max).capacity).toBe(max);
  });
  test("a burst of errors settles at the requests still in flight, in one round trip", () => {
    const c = new AimdController(64);
    const stamps = Array.from({ length: 64 }, () => c.start());
    expect(c.hasRoom).toBe(false);
    // A server that takes 32: the other 32 of the first round trip come back 429.
    for (const s of stamps.slice(0, 32)) c.finish(s, false);
    expect(c.capacity).toBe(32); // × 0.9 once (57), then capped at the 32 still in flight
    // One more sent under the new window and refused: × 0.9 again.
    c.finish(c.start(), false);
    expect(c.capacity).toBe(28); // floor(32 × 0.9)
    // The 32 in flight succeed while requests queue: about one slot per window of successes.
    for (const s of stamps.slice(32)) c.finish(s, true, true);
    expect(c.capacity).toBe(29); // 28.8 + 32 / ~29
    // Not counted (aborts, non-retryable 4xx), or an idle window: no change.
    c.finish(c.start(), undefined);
    c.finish(c.start(), true);
    expect(c.capacity).toBe(29);
  });
  test("near the last error's concurrency it grows ten times slower", () => {
    const c = new AimdController(64);
    const stamps = Array.from({ length: 33 }, () => c.start());
    c.finish(stamps[32], false); // refused with 33 in flight: the ceiling is 33
    let successes = 0;
    while (c.capacity < 32) {
      c.finish(c.start(), true, true);
      successes++;
    }
    expect(successes).toBeLessThan(4 * 32); // 28.8 → 32 at about one per window
    successes = 0;
    while (c.capacity < 33) {
      c.finish(c.start(), true, true);
      successes++;
    }
    expect(successes).toBeGreaterThan(9 * 32); // about ten windows to probe one slot higher
    expect(successes).toBeLessThan(11 * 32);
  });
  test("never above num_workers nor below 1", () => {
    const c = new AimdController(4);
    for (let i = 0; i < 100; i++) c.finish(c.start(), true);
    expect(c.capacity).toBe(4);
    for (let i = 0; i < 100; i++) c.finish(c.start(), false);
    expect(c.capacity).toBe(1);
  });
  test("slots resize without interrupting held slots", async () => {
    const slots = new Slots(3, 0);
    const held = [await slots.acquire(), await slots.acquire(), await slots.acquire()];
    slots.resize(1);
    let started = false;
    const waiting = slots.acquire().then((t) => {
      started = true;
      return t;
    });
    slots.release(held[0]);
    slots.release(held[1]);
    await Promise.resolve();
    expect(started).toBe(false); // 1 still held, capacity 1
    slots.release(held[2]);
    slots.release(await waiting);
    expect(slots.inUse).toBe(0);
  });
});

describe("the runtime keeps one window per endpoint", () => {
  const settings = resolveRemoteSettings({
    engine: "REMOTE",
    model: { model_name: "m" },
    remote_params: { api_url: ["http://a/v1", "http://b/v1"], num_workers: 4 },
  }, {});

  test("a throttling endpoint shrinks alone and gets fewer requests", async () => {
    const runtime = new RemoteRuntime(settings, (url) => url);
    const overloaded = { status: 429, headers: new Headers(), error: { message: "slow down" } };
    // Endpoint a answers 429 to every request (one at a time: each is its own round trip).
    // Its time-based back-off (endpoints.ts) is reset each time so only the window acts.
    for (let i = 0; i < 24; i++) {
      for (const e of runtime.endpoints.endpoints) runtime.endpoints.succeeded(e);
      await runtime.call<string>(undefined, (e) => {
        if (e.url === "http://a/v1") return Promise.reject(overloaded);
        return Promise.resolve({ value: e.url });
      }).catch(() => undefined);
    }
    const [a, b] = [...runtime.windows.values()];
    expect(a.capacity).toBe(1);
    expect(b.capacity).toBe(4);
    expect(runtime.slots.capacity).toBe(4); // min(num_workers, 1 + 4)
    // Four requests in flight at once: a has room for one, b takes the rest.
    const release: (() => void)[] = [];
    const seen: string[] = [];
    const calls = Array.from({ length: 4 }, () =>
      runtime.call<string>(undefined, (e) => {
        seen.push(e.url);
        return new Promise((resolve) => release.push(() => resolve({ value: e.url })));
      }));
    while (seen.length < 4) await Promise.resolve();
    expect(seen.filter((u) => u === "http://a/v1").length).toBe(1);
    for (const r of release) r();
    await Promise.all(calls);
  });

  test("use_adaptive_concurrency: false keeps num_workers fixed", () => {
    const fixed = resolveRemoteSettings({
      engine: "REMOTE",
      model: { model_name: "m" },
      remote_params: { api_url: "http://a/v1", num_workers: 4, use_adaptive_concurrency: false },
    }, {});
    const runtime = new RemoteRuntime(fixed, (url) => url);
    expect(runtime.windows.size).toBe(0);
    expect(runtime.slots.capacity).toBe(4);
  });
});
