/**
 * A local server that speaks the OpenAI chat-completions, files and batches API shapes
 * (spec §16.3, §18), with fault injection, for the remote engine tests and the benchmark.
 * The reply *text* comes from a script function; everything on the wire is real HTTP.
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

export type { Fault };

/** A chat request as the fake sees it; `attempt` counts earlier requests with the same messages. */
export type ChatCall = GenerationCall;

/** Options of {@link startFakeOpenAI}. */
export interface FakeOpenAIOptions {
  /** Required key (`Authorization: Bearer <key>`); 401 otherwise. */
  apiKey?: string;
  /** Fixed latency of every chat answer, ms. */
  latencyMs?: number;
  /** Reply: text, or a full `message` object (e.g. with tool_calls). Default: echo of the last message. */
  reply?: (call: ChatCall) => string | Record<string, unknown>;
  /** Fault for a call, or undefined to answer normally. */
  fault?: (call: ChatCall) => Fault | undefined;
  /** Batch status polls before a batch completes. Default 1. */
  batchPolls?: number;
  /** Batch lines (by custom_id) that the fake reports as errored. */
  batchErrors?: (customId: string) => boolean;
}

/** The running fake with what it saw. */
export interface FakeOpenAI extends FakeServer {
  chatRequests: ChatCall[];
  batchesCreated: number;
}

function lastText(body: Record<string, unknown>): string {
  const messages = body.messages as { content?: unknown }[];
  const c = messages?.at(-1)?.content;
  return typeof c === "string" ? c : JSON.stringify(c);
}

/** Builds the completion body the fake answers with. */
function completion(call: ChatCall, options: FakeOpenAIOptions): Record<string, unknown> {
  const r = options.reply ? options.reply(call) : `echo: ${lastText(call.body)}`;
  const message = typeof r === "string"
    ? { role: "assistant", content: r }
    : { role: "assistant", ...r };
  const prompt = JSON.stringify(call.body.messages).length;
  return {
    id: "chatcmpl-fake",
    object: "chat.completion",
    model: call.body.model,
    choices: [{
      index: 0,
      message,
      finish_reason: (message as { tool_calls?: unknown }).tool_calls ? "tool_calls" : "stop",
    }],
    usage: {
      prompt_tokens: prompt,
      completion_tokens: String(message.content ?? "").length,
      total_tokens: prompt + String(message.content ?? "").length,
      prompt_tokens_details: { cached_tokens: 3 },
    },
  };
}

/** Starts the fake on a free loopback port. */
export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const chatRequests: ChatCall[] = [];
  const log = { attempts: new Map<string, number>(), calls: chatRequests };
  const files = new Map<string, string>();
  const batches = new Map<
    string,
    { input: string; polls: number; output?: string; error?: string }
  >();
  let ids = 0;
  const state = { batchesCreated: 0 };
  const authorized = (req: SeenRequest) =>
    !options.apiKey || req.headers.authorization === `Bearer ${options.apiKey}`;

  const server = await startHttp(async (req: SeenRequest, res: ServerResponse) => {
    if (!authorized(req)) {
      return [401, {
        error: {
          message: `Incorrect API key provided: ${String(req.headers.authorization).slice(7)}`,
        },
      }];
    }
    if (req.method === "POST" && req.path === "/v1/chat/completions") {
      return answerGeneration(req, res, log, options, (call) => completion(call, options));
    }
    if (req.method === "GET" && req.path === "/v1/models") {
      return [200, { object: "list", data: [{ id: "fake-model", object: "model" }] }];
    }
    if (req.method === "POST" && req.path === "/v1/files") {
      // multipart: take the JSONL part between the headers and the boundary.
      const match = /\r\n\r\n([\s\S]*?)\r\n--/.exec(
        req.text.slice(req.text.indexOf('name="file"')),
      );
      const id = `file-${++ids}`;
      files.set(id, match?.[1] ?? "");
      return [200, { id, object: "file", purpose: "batch", bytes: match?.[1].length ?? 0 }];
    }
    if (req.method === "POST" && req.path === "/v1/batches") {
      const b = req.body as { input_file_id: string };
      const id = `batch_${++ids}`;
      batches.set(id, { input: files.get(b.input_file_id) ?? "", polls: 0 });
      state.batchesCreated++;
      return [200, batchObject(id, "validating", 0, 0)];
    }
    const m = /^\/v1\/batches\/([^/]+)(\/cancel)?$/.exec(req.path);
    if (m) {
      const b = batches.get(m[1]);
      if (!b) return [404, { error: { message: "no such batch" } }];
      if (m[2]) return [200, batchObject(m[1], "cancelled", 0, 0)];
      b.polls++;
      const lines = b.input.split("\n").filter(Boolean).map((l) => JSON.parse(l));
      if (b.polls < (options.batchPolls ?? 1)) {
        return [200, batchObject(m[1], "in_progress", lines.length, 0)];
      }
      if (!b.output) {
        const ok: string[] = [];
        const bad: string[] = [];
        for (const line of lines) {
          if (options.batchErrors?.(line.custom_id)) {
            bad.push(JSON.stringify({
              custom_id: line.custom_id,
              response: null,
              error: { code: "invalid", message: "injected batch error" },
            }));
          } else {
            const call = { body: line.body, attempt: 0, headers: req.headers };
            chatRequests.push(call);
            ok.push(JSON.stringify({
              custom_id: line.custom_id,
              response: { status_code: 200, body: completion(call, options) },
            }));
          }
        }
        b.output = `file-${++ids}`;
        files.set(b.output, ok.join("\n") + "\n");
        if (bad.length) {
          b.error = `file-${++ids}`;
          files.set(b.error, bad.join("\n") + "\n");
        }
      }
      return [200, {
        ...batchObject(m[1], "completed", lines.length, lines.length),
        output_file_id: b.output,
        error_file_id: b.error ?? null,
      }];
    }
    const f = /^\/v1\/files\/([^/]+)\/content$/.exec(req.path);
    if (f && files.has(f[1])) {
      res.writeHead(200, { "content-type": "application/octet-stream" }).end(files.get(f[1]));
      return undefined;
    }
    return [404, { error: { message: `no route ${req.method} ${req.path}` } }];
  });
  const fake = Object.assign(server, { chatRequests, batchesCreated: 0 });
  Object.defineProperty(fake, "batchesCreated", { get: () => state.batchesCreated });
  return fake;
}

function batchObject(id: string, status: string, total: number, completed: number) {
  return {
    id,
    object: "batch",
    endpoint: "/v1/chat/completions",
    status,
    created_at: Math.floor(Date.now() / 1000),
    request_counts: { total, completed, failed: 0 },
    input_file_id: "x",
    completion_window: "24h",
  };
}
