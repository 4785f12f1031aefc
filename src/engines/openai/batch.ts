/**
 * OpenAI Batch API (spec §18) for the batch engine: requests uploaded as a JSONL file
 * (`purpose=batch`), a batch created on `/v1/chat/completions`, status polled, output and
 * error files downloaded and matched by `custom_id`.
 *
 * @module
 */
import type OpenAI from "openai";
import type { BatchProvider, BatchStatus } from "../batch/collector.ts";
import type { GenerateRequest, GenerateResult } from "../contract.ts";
import { parseChatCompletion } from "./response.ts";

const FAILED = new Set(["failed", "expired", "cancelled", "cancelling"]);

/** A {@link BatchProvider} over `client` (the SDK client of the first endpoint). */
export function openAIBatchProvider(
  engine: string,
  client: OpenAI,
  completionWindow: string,
  body: (request: GenerateRequest) => Record<string, unknown>,
): BatchProvider {
  return {
    engine,
    body,
    async submit(items) {
      const jsonl =
        items.map(([custom_id, b]) =>
          JSON.stringify({ custom_id, method: "POST", url: "/v1/chat/completions", body: b })
        ).join("\n") + "\n";
      const file = await client.files.create({
        file: new File([jsonl], "synth-batch.jsonl", { type: "application/jsonl" }),
        purpose: "batch",
      });
      const batch = await client.batches.create({
        input_file_id: file.id,
        endpoint: "/v1/chat/completions",
        completion_window: completionWindow as "24h",
      });
      return batch.id;
    },
    async status(id): Promise<BatchStatus> {
      const b = await client.batches.retrieve(id);
      return {
        status: b.status,
        done: b.status === "completed",
        failed: FAILED.has(b.status),
        completed: b.request_counts?.completed,
        total: b.request_counts?.total,
        ...(b.output_file_id ? {} : {}),
      };
    },
    async results(id) {
      const b = await client.batches.retrieve(id);
      const out = new Map<string, GenerateResult | { error: string }>();
      const lines = async (fileId: string | null | undefined) => {
        if (!fileId) return [];
        const text = await (await client.files.content(fileId)).text();
        return text.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
      };
      for (const line of await lines(b.error_file_id)) {
        out.set(String(line.custom_id), {
          error: String(line.error?.message ?? line.response?.body?.error?.message ?? "failed"),
        });
      }
      for (const line of await lines(b.output_file_id)) {
        const id = String(line.custom_id);
        const status = line.response?.status_code;
        if (status !== 200) {
          out.set(id, {
            error: String(line.response?.body?.error?.message ?? `HTTP ${status}`),
          });
          continue;
        }
        try {
          out.set(id, parseChatCompletion(line.response.body));
        } catch (error) {
          out.set(id, { error: (error as Error).message });
        }
      }
      return out;
    },
  };
}
