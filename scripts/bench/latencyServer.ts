/**
 * A local OpenAI-compatible chat-completions server with a fixed latency, run as its own
 * process by `scripts/bench/remote.ts` so that the client's CPU time is measured alone.
 * `Bun.serve` (not the fault-injecting test server): the server must not be the bottleneck.
 * Prints `<base url> <stats url>` on stdout; `GET <stats url>` returns every chat request's
 * arrival time (ms since start).
 *
 * Usage: bun scripts/bench/latencyServer.ts [latencyMs=100]
 */
const latencyMs = Number(process.argv[2] ?? 100);
const t0 = performance.now();
const arrivals: number[] = [];
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
    arrivals.push(performance.now() - t0);
    await req.arrayBuffer();
    await Bun.sleep(latencyMs);
    return new Response(reply, { headers: { "content-type": "application/json" } });
  },
});
console.log(`http://127.0.0.1:${server.port} http://127.0.0.1:${server.port}/stats`);
