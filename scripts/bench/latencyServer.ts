/**
 * A local OpenAI-compatible chat-completions server with a fixed latency, run as its own
 * process by `scripts/bench/remote.ts` so that the client's CPU time is measured alone.
 * `Bun.serve` (not the fault-injecting test server): the server must not be the bottleneck.
 * Prints `<base url> <stats url>` on stdout; `GET <stats url>` returns every chat request's
 * arrival time (ms since start). With a cap, a request arriving while `cap` requests are in
 * flight is answered 429 at once (no `Retry-After`), like a provider's concurrency limit;
 * `GET /rejected` returns the arrival times of those.
 *
 * Usage: bun scripts/bench/latencyServer.ts [latencyMs=100] [cap=none]
 */
const latencyMs = Number(process.argv[2] ?? 100);
const cap = process.argv[3] ? Number(process.argv[3]) : Infinity;
const t0 = performance.now();
const arrivals: number[] = [];
const rejected: number[] = [];
let inFlight = 0;
const tooMany = JSON.stringify({
  error: { message: "Too many requests in flight", type: "rate_limit_error" },
});
const reply = JSON.stringify({
  id: "chatcmpl-bench",
  object: "chat.completion",
  model: "bench",
  choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }],
  usage: { prompt_tokens: 12, completion_tokens: 1, total_tokens: 13 },
});
const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  idleTimeout: 120,
  async fetch(req) {
    const path = new URL(req.url).pathname;
    if (path === "/stats") return Response.json(arrivals);
    if (path === "/rejected") return Response.json(rejected);
    const at = performance.now() - t0;
    arrivals.push(at);
    await req.arrayBuffer();
    if (inFlight >= cap) {
      rejected.push(at);
      return new Response(tooMany, {
        status: 429,
        headers: { "content-type": "application/json" },
      });
    }
    inFlight++;
    await Bun.sleep(latencyMs);
    inFlight--;
    return new Response(reply, { headers: { "content-type": "application/json" } });
  },
});
console.log(`http://127.0.0.1:${server.port} http://127.0.0.1:${server.port}/stats`);
