/**
 * The loopback HTTP server under the fake provider servers: real sockets (node:http), so
 * tests can inject the faults a provider shows — statuses with `Retry-After`, slow answers,
 * connection resets, malformed JSON — and see every request exactly as sent.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A fault to answer a request with instead of the normal reply. */
export type Fault =
  | { kind: "status"; status: number; retryAfter?: string; body?: unknown }
  | { kind: "slow"; ms: number }
  | { kind: "reset" }
  | { kind: "malformed" };

/** One request as received. */
export interface SeenRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Raw body text. */
  text: string;
  /** Parsed JSON body (undefined when not JSON). */
  body: unknown;
  at: number;
}

/** A running fake server. */
export interface FakeServer {
  /** `http://127.0.0.1:PORT` */
  url: string;
  port: number;
  requests: SeenRequest[];
  close(): Promise<void>;
}

/** Route handler: returns [status, JSON body] or writes the response itself and returns undefined. */
export type Handler = (
  req: SeenRequest,
  res: ServerResponse,
) => Promise<[number, unknown] | undefined> | [number, unknown] | undefined;

/** Sends `fault` on `res`; resolves when done. */
export async function sendFault(fault: Fault, res: ServerResponse): Promise<void> {
  switch (fault.kind) {
    case "reset":
      res.socket?.destroy();
      return;
    case "malformed":
      res.writeHead(200, { "content-type": "application/json" }).end('{"choices": [ not json');
      return;
    case "slow":
      await new Promise((r) => setTimeout(r, fault.ms));
      return;
    case "status": {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (fault.retryAfter !== undefined) headers["retry-after"] = fault.retryAfter;
      res.writeHead(fault.status, headers).end(
        JSON.stringify(fault.body ?? { error: { message: `injected HTTP ${fault.status}` } }),
      );
    }
  }
}

/** Starts a server on 127.0.0.1 with `handler` for every request. */
export function startHttp(handler: Handler): Promise<FakeServer> {
  const requests: SeenRequest[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const text = Buffer.concat(chunks).toString("utf8");
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = undefined;
      }
      const seen: SeenRequest = {
        method: req.method ?? "GET",
        path: (req.url ?? "/").split("?")[0],
        headers: req.headers,
        text,
        body,
        at: performance.now(),
      };
      requests.push(seen);
      try {
        const out = await handler(seen, res);
        if (out && !res.headersSent && !res.destroyed) {
          res.writeHead(out[0], { "content-type": "application/json" }).end(JSON.stringify(out[1]));
        }
      } catch (error) {
        if (!res.headersSent && !res.destroyed) {
          res.writeHead(500, { "content-type": "application/json" })
            .end(JSON.stringify({ error: { message: String(error) } }));
        }
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as AddressInfo).port;
      resolve({
        url: `http://127.0.0.1:${port}`,
        port,
        requests,
        close: () =>
          new Promise<void>((r) => {
            server.closeAllConnections?.();
            server.close(() => r());
          }),
      });
    });
  });
}

/** A generation request as a fake provider sees it; `attempt` counts earlier ones with the same messages. */
export interface GenerationCall {
  body: Record<string, unknown>;
  attempt: number;
  headers: SeenRequest["headers"];
}

/** What a fake provider keeps about generation requests (attempt counts by messages, calls). */
export interface GenerationLog {
  attempts: Map<string, number>;
  calls: GenerationCall[];
}

/**
 * Answers one generation request the way both fake providers do: records the call (attempt =
 * earlier requests with the same `messages`), sends the injected fault if any (a slow fault
 * then still answers), waits the fixed latency, then answers `[200, reply(call)]` unless the
 * client went away.
 */
export async function answerGeneration(
  req: SeenRequest,
  res: ServerResponse,
  log: GenerationLog,
  options: { latencyMs?: number; fault?: (call: GenerationCall) => Fault | undefined },
  reply: (call: GenerationCall) => unknown,
): Promise<[number, unknown] | undefined> {
  const body = req.body as Record<string, unknown>;
  const key = JSON.stringify(body?.messages);
  const attempt = log.attempts.get(key) ?? 0;
  log.attempts.set(key, attempt + 1);
  const call = { body, attempt, headers: req.headers };
  log.calls.push(call);
  const fault = options.fault?.(call);
  if (fault) {
    await sendFault(fault, res);
    if (fault.kind !== "slow") return undefined;
  }
  if (options.latencyMs) await new Promise((r) => setTimeout(r, options.latencyMs));
  if (res.destroyed) return undefined;
  return [200, reply(call)];
}
