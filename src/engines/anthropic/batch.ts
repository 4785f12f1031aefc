/**
 * Anthropic Message Batches API (spec §18) for the batch engine: one `POST
 * /v1/messages/batches` with `{custom_id, params}` requests, `processing_status` polled,
 * results streamed from `results_url`; an ended batch yields its partial successes.
 *
 * @module
 */
import type Anthropic from "@anthropic-ai/sdk";
import type { BatchProvider, BatchStatus } from "../batch/collector.ts";
import type { GenerateRequest, GenerateResult } from "../contract.ts";
import { parseMessage } from "./response.ts";

/** A {@link BatchProvider} over `client`. */
export function anthropicBatchProvider(
  client: Anthropic,
  body: (request: GenerateRequest) => Record<string, unknown>,
): BatchProvider {
  return {
    engine: "ANTHROPIC",
    body,
    async submit(items) {
      const batch = await client.messages.batches.create({
        requests: items.map(([custom_id, params]) => ({ custom_id, params })) as never,
      });
      return batch.id;
    },
    async status(id): Promise<BatchStatus> {
      const b = await client.messages.batches.retrieve(id);
      const c = b.request_counts;
      const total = c ? c.processing + c.succeeded + c.errored + c.canceled + c.expired : undefined;
      return {
        status: b.processing_status,
        done: b.processing_status === "ended",
        failed: false,
        completed: c ? total! - c.processing : undefined,
        total,
      };
    },
    async results(id) {
      const out = new Map<string, GenerateResult | { error: string }>();
      for await (const line of await client.messages.batches.results(id)) {
        const r = line.result as { type: string; message?: unknown; error?: unknown };
        if (r.type === "succeeded") {
          try {
            out.set(line.custom_id, parseMessage(r.message));
          } catch (error) {
            out.set(line.custom_id, { error: (error as Error).message });
          }
        } else {
          const e = r.error as { error?: { message?: string }; message?: string } | undefined;
          out.set(line.custom_id, { error: e?.error?.message ?? e?.message ?? r.type });
        }
      }
      return out;
    },
  };
}
