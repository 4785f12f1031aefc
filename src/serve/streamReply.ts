/**
 * Streamed replies (`stream: true`): a `text/event-stream` response that opens at once with
 * the role chunk, sends `: keep-alive` comments every 15 s while the engine works, then the
 * reply's chunks and `data: [DONE]` (see `chatResponse.ts`). The engine contract has no token
 * callback, so the reply arrives in one content chunk.
 *
 * @module
 */
import type { Engine, GenerateRequest } from "../engines/contract.ts";
import { CLIENT_CLOSED, type LogNote } from "./accessLog.ts";
import { closingEvents, type CompletionMeta, errorEvent, openingEvent } from "./chatResponse.ts";
import { httpErrorFromEngine } from "./httpError.ts";

/** Interval of SSE keep-alive comments while a reply is being generated, in ms. */
export const KEEP_ALIVE_MS = 15_000;

/**
 * Starts `engine.generate(request)` and returns the streaming response at once. A failure
 * after the 200 headers ends the stream with OpenAI's error event (`data: {"error": ...}`) and
 * sets `note.status` to the error's status; a client that leaves sets 499. `note.done`
 * settles when the stream is finished; `note.tokens` is set on success.
 */
export function streamReply(
  engine: Engine,
  request: GenerateRequest,
  options: { meta: CompletionMeta; includeUsage: boolean; signal: AbortSignal; note: LogNote },
): Response {
  const { meta, includeUsage, signal, note } = options;
  const encoder = new TextEncoder();
  let finished!: () => void;
  note.done = new Promise<void>((resolve) => (finished = resolve));
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (text: string) => {
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          // The client went away; generation is aborted through the request's signal.
        }
      };
      send(openingEvent(meta));
      const keepAlive = setInterval(() => send(": keep-alive\n\n"), KEEP_ALIVE_MS);
      engine.generate(request).then(
        (result) => {
          note.tokens = `${result.usage.inputTokens}+${result.usage.outputTokens}`;
          send(closingEvents(meta, result, includeUsage));
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
  });
  return new Response(stream, {
    headers: { "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache" },
  });
}
