/**
 * The local OpenAI-compatible server of benchmark (d) "Conversations", run as its own process
 * by `conversations.ts`: `synth serve`'s server ({@link startServer}) over the scripted model of
 * `conversationModel.ts` (replies with tool calls; latency 50-500 ms per request, a hash of the
 * request's messages). Prints `<base url> <stats url>` on stdout; `GET <stats url>` returns
 * `{requests, latencyMs}`: the requests served so far and the sum of their latencies.
 *
 * Usage: bun scripts/bench/conversationServer.ts
 */
import { startServer } from "../../src/serve/server.ts";
import { scriptedEngine } from "../../tests/helpers/scriptedEngine.ts";
import { latencyOf, replyOf, WORKERS } from "./conversationModel.ts";

const engine = scriptedEngine({
  reply: replyOf,
  latencyMs: latencyOf,
  maxConcurrency: WORKERS,
  capabilities: { jsonSchema: true, tools: true },
});
const server = await startServer({ engine, modelName: "bench" });
const stats = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  fetch: () =>
    Response.json({
      requests: engine.requests.length,
      latencyMs: engine.requests.reduce((n, r) => n + latencyOf(r), 0),
    }),
});
console.log(`${server.url} http://127.0.0.1:${stats.port}/stats`);
