/**
 * Streamed replies (`stream: true`): a `text/event-stream` response that opens at once with
 * the role chunk, sends the reply's text in content chunks as the engine decodes it
 * (`GenerateRequest.onText`), `: keep-alive` comments every 15 s while nothing else is sent,
 * then the finish chunk, the usage chunk when asked, and `data: [DONE]` (see `chatResponse.ts`).
 * A client that disconnects (the request's signal, or the stream cancelled) aborts the
 * generation, which frees its sequence at once.
 *
 * @module
 */
import type { Engine, GenerateRequest } from "../engines/contract.ts";
import { CLIENT_CLOSED, type LogNote } from "./accessLog.ts";
import {
  closingEvents,
  type CompletionMeta,
  contentEvent,
  errorEvent,
  openingEvent,
} from "./chatResponse.ts";
import { httpErrorFromEngine } from "./httpError.ts";

/** Interval of SSE keep-alive comments while a reply is being generated, in ms. */
export const KEEP_ALIVE_MS = 15_000;

/**
 * Starts `engine.generate(request)` and returns the streaming response at once. A failure
 * after the 200 headers ends the stream with OpenAI's error event (`data: {"error": ...}`) and
 * sets `note.status` to the error's status; a client that leaves sets 499. `note.done`
 * settles when the stream is finished; `note.tokens` and `note.usage` are set on success.
 */
export function streamReply(
  engine: Engine,
  request: GenerateRequest,
  options: { meta: CompletionMeta; includeUsage: boolean; signal: AbortSignal; note: LogNote },
): Response {
  const { meta, includeUsage, note } = options;
  const cancelled = new AbortController();
  const signal = AbortSignal.any([options.signal, cancelled.signal]);
  const encoder = new TextEncoder();
  let finished!: () => void;
  note.done = new Promise<void>((resolve) => (finished = resolve));
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      let lastSent = performance.now();
      const send = (text: string) => {
        try {
          controller.enqueue(encoder.encode(text));
          lastSent = performance.now();
        } catch {
          // The client went away; `cancel` aborts the generation.
        }
      };
      send(openingEvent(meta));
      const keepAlive = setInterval(() => {
        if (performance.now() - lastSent >= KEEP_ALIVE_MS / 2) send(": keep-alive\n\n");
      }, KEEP_ALIVE_MS);
      let streamed = "";
      const onText = (delta: string) => {
        if (delta === "" || signal.aborted) return;
        streamed += delta;
        send(contentEvent(meta, delta));
      };
      engine.generate({ ...request, signal, onText }).then(
        (result) => {
          note.usage = result.usage;
          note.tokens = `${result.usage.inputTokens}+${result.usage.outputTokens}`;
          send(closingEvents(meta, result, includeUsage, streamed));
        },
        (error: unknown) => {
          if (signal.aborted) {
            note.status = CLIENT_CLOSED;
            return;
          }
          const http = httpErrorFromEngine(error);
          note.status = http.status;
          send(errorEvent(http.toBody()));
        },
      ).finally(() => {
        clearInterval(keepAlive);
        try {
          controller.close();
        } catch {
          // already closed by a cancelled client
        }
        finished();
      });
    },
    cancel() {
      cancelled.abort(new DOMException("The client closed the stream", "AbortError"));
    },
  });
  return new Response(stream, {
    headers: { "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache" },
  });
}
