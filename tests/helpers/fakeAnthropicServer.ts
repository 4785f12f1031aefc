/**
 * A local server that speaks the Anthropic Messages and Message Batches API shapes
 * (spec §16.5, §18), with fault injection. Checks `X-API-Key` and `anthropic-version` like the
 * real API; the reply *text* comes from a script function.
 */
import type { ServerResponse } from "node:http";
import {
  answerGeneration,
  type FakeServer,
  type Fault,
  type GenerationCall,
  type SeenRequest,
  startHttp,
} from "./fakeHttp.ts";

/** A Messages request as the fake sees it; `attempt` counts earlier identical requests. */
export type MessagesCall = GenerationCall;

/** Options of {@link startFakeAnthropic}. */
export interface FakeAnthropicOptions {
  apiKey?: string;
  latencyMs?: number;
  /** Reply text, or content blocks. Default: echo of the last user text. */
  reply?: (call: MessagesCall) => string | Record<string, unknown>[];
  fault?: (call: MessagesCall) => Fault | undefined;
  /** Status polls before a batch ends. Default 1. */
  batchPolls?: number;
  batchErrors?: (customId: string) => boolean;
}

/** The running fake with what it saw. */
export interface FakeAnthropic extends FakeServer {
  calls: MessagesCall[];
  batchesCreated: number;
}

function lastText(body: Record<string, unknown>): string {
  const last = (body.messages as { content: unknown }[]).at(-1)?.content;
  if (typeof last === "string") return last;
  return JSON.stringify(last);
}

function message(call: MessagesCall, options: FakeAnthropicOptions) {
  const r = options.reply ? options.reply(call) : `echo: ${lastText(call.body)}`;
  const content = typeof r === "string" ? [{ type: "text", text: r }] : r;
  const toolUse = content.some((b) => b.type === "tool_use");
  return {
    id: "msg_fake",
    type: "message",
    role: "assistant",
    model: call.body.model,
    content,
    stop_reason: toolUse ? "tool_use" : "end_turn",
    usage: {
      input_tokens: JSON.stringify(call.body.messages).length,
      output_tokens: JSON.stringify(content).length,
      cache_read_input_tokens: 5,
      cache_creation_input_tokens: 2,
    },
  };
}

/** Starts the fake on a free loopback port. */
export async function startFakeAnthropic(
  options: FakeAnthropicOptions = {},
): Promise<FakeAnthropic> {
  const calls: MessagesCall[] = [];
  const log = { attempts: new Map<string, number>(), calls: calls };
  const batches = new Map<
    string,
    {
      requests: { custom_id: string; params: Record<string, unknown> }[];
      polls: number;
      results?: string;
    }
  >();
  let ids = 0;
  const state = { batchesCreated: 0 };
  let base = "";
  const server = await startHttp(async (req: SeenRequest, res: ServerResponse) => {
    if (options.apiKey && req.headers["x-api-key"] !== options.apiKey) {
      return [401, {
        type: "error",
        error: { type: "authentication_error", message: "invalid x-api-key" },
      }];
    }
    if (req.headers["anthropic-version"] !== "2023-06-01") {
      return [400, {
        type: "error",
        error: { type: "invalid_request_error", message: "anthropic-version" },
      }];
    }
    if (req.method === "POST" && req.path === "/v1/messages") {
      return answerGeneration(req, res, log, options, (call) => message(call, options));
    }
    if (req.method === "POST" && req.path === "/v1/messages/batches") {
      const id = `msgbatch_${++ids}`;
      batches.set(id, { requests: (req.body as { requests: never[] }).requests, polls: 0 });
      state.batchesCreated++;
      return [200, batchObject(id, "in_progress", null)];
    }
    const m = /^\/v1\/messages\/batches\/([^/]+)(\/results|\/cancel)?$/.exec(req.path);
    if (m) {
      const b = batches.get(m[1]);
      if (!b) {
        return [404, { type: "error", error: { type: "not_found_error", message: "no batch" } }];
      }
      if (m[2] === "/cancel") return [200, batchObject(m[1], "canceling", null)];
      if (m[2] === "/results") {
        res.writeHead(200, { "content-type": "application/binary" }).end(b.results ?? "");
        return undefined;
      }
      b.polls++;
      if (b.polls < (options.batchPolls ?? 1)) return [200, batchObject(m[1], "in_progress", null)];
      if (b.results === undefined) {
        b.results = b.requests.map((r) => {
          if (options.batchErrors?.(r.custom_id)) {
            return JSON.stringify({
              custom_id: r.custom_id,
              result: {
                type: "errored",
                error: {
                  type: "error",
                  error: { type: "invalid_request_error", message: "injected batch error" },
                },
              },
            });
          }
          const call = { body: r.params, attempt: 0, headers: req.headers };
          calls.push(call);
          return JSON.stringify({
            custom_id: r.custom_id,
            result: { type: "succeeded", message: message(call, options) },
          });
        }).join("\n") + "\n";
      }
      return [200, batchObject(m[1], "ended", `${base}/v1/messages/batches/${m[1]}/results`)];
    }
    return [404, { type: "error", error: { type: "not_found_error", message: req.path } }];
  });
  base = server.url;
  const fake = Object.assign(server, { calls, batchesCreated: 0 });
  Object.defineProperty(fake, "batchesCreated", { get: () => state.batchesCreated });
  return fake;
}

function batchObject(id: string, status: string, resultsUrl: string | null) {
  return {
    id,
    type: "message_batch",
    processing_status: status,
    request_counts: { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
    results_url: resultsUrl,
    created_at: new Date().toISOString(),
    expires_at: new Date(Date.now() + 86_400_000).toISOString(),
    ended_at: null,
    archived_at: null,
    cancel_initiated_at: null,
  };
}
