/**
 * The LLM tool simulator of synthetic environments (spec §11.7): the prompt that asks the
 * model to play a tool, and the parsing of its reply into a JSON object. Constrained to the
 * reply schema when the engine supports JSON-schema output and the environment allows it
 * (`use_guided_decoding`); the reply is validated in every case and the request retried up to
 * 2 more times when it does not parse or validate.
 *
 * @module
 */
import type { ChatMessage, Generate, JsonSchema } from "../engines/contract.ts";
import type { ToolParams } from "../config/schema.ts";
import { isRecord } from "../config/pyValues.ts";
import { pyTypeName } from "../python/repr.ts";
import { canonicalJson } from "./canonicalJson.ts";
import { ToolError } from "./environment.ts";
import { compileSchema } from "./jsonSchema.ts";

/** Attempts per simulated call (1 + 2 retries). */
export const SIMULATOR_ATTEMPTS = 3;

/** The tool as the simulator sees it (§20.15 `to_llm_schema`). */
export function toolLlmSchema(tool: ToolParams): Record<string, unknown> {
  const out: Record<string, unknown> = {
    name: tool.id,
    display_name: tool.name,
    description: tool.description,
    parameters: tool.parameters,
  };
  if (tool.output_schema) out.output_schema = tool.output_schema;
  return out;
}

/** What one simulation asks for. */
export interface SimulationRequest {
  tool: ToolParams;
  args: Record<string, unknown>;
  /** The system prompt (persona, task, schemas, state). */
  system: string;
  /** Schema the reply must match (validated; also sent as `jsonSchema` when `guided`). */
  replySchema: JsonSchema | null;
  /** Schema sent as `jsonSchema` when `guided` (default `replySchema`); may be stricter. */
  guideSchema?: JsonSchema;
  guided: boolean;
}

/** The simulator's conversation: SYSTEM prompt, then USER `{"arguments": ..., "tool": id}`. */
export function simulatorMessages(request: SimulationRequest): ChatMessage[] {
  return [
    { role: "system", content: request.system },
    { role: "user", content: canonicalJson({ arguments: request.args, tool: request.tool.id }) },
  ];
}

/** Parses one reply text into an object (§11.7 parsing rules). @throws {ToolError} */
export function parseSimulatorReply(
  toolId: string,
  text: string,
  schema: JsonSchema | null,
): Record<string, unknown> {
  const trimmed = text.trim();
  if (trimmed === "") throw new ToolError(`Simulator returned empty response for '${toolId}'.`);
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch (error) {
    const start = trimmed.indexOf("{");
    const end = trimmed.lastIndexOf("}");
    try {
      if (start < 0 || end <= start) throw error;
      value = JSON.parse(trimmed.slice(start, end + 1));
    } catch {
      throw new ToolError(
        `Simulator output for '${toolId}' is not valid JSON: ${(error as Error).message}`,
      );
    }
  }
  if (!isRecord(value)) {
    throw new ToolError(
      `Simulator output for '${toolId}' must be a JSON object, got ${pyTypeName(value)}.`,
    );
  }
  const bad = schema ? compileSchema(schema).validate(value) : undefined;
  if (bad) throw new ToolError(`Simulator output for '${toolId}' failed schema validation: ${bad}`);
  return value;
}

/**
 * Asks the model to play the tool and returns the parsed reply.
 *
 * @throws {ToolError} when no attempt gives a valid reply (the last problem); engine errors
 *   propagate.
 */
export async function simulate(
  request: SimulationRequest,
  generate: Generate,
): Promise<Record<string, unknown>> {
  const messages = simulatorMessages(request);
  let last: ToolError | undefined;
  for (let attempt = 0; attempt < SIMULATOR_ATTEMPTS; attempt++) {
    const result = await generate({
      messages,
      ...(request.guided && (request.guideSchema ?? request.replySchema)
        ? { jsonSchema: request.guideSchema ?? request.replySchema! }
        : {}),
    });
    const content =
      result.message.role === "assistant" && typeof result.message.content === "string"
        ? result.message.content
        : "";
    try {
      return parseSimulatorReply(request.tool.id, content, request.replySchema);
    } catch (error) {
      if (!(error instanceof ToolError)) throw error;
      last = error;
    }
  }
  throw last!;
}

/** `schema` with local `$ref`s (`#/...`) rebased under `prefix` (a JSON pointer). */
export function rebaseRefs(schema: unknown, prefix: string): unknown {
  if (Array.isArray(schema)) return schema.map((s) => rebaseRefs(s, prefix));
  if (!isRecord(schema)) return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    out[key] = key === "$ref" && typeof value === "string" && value.startsWith("#")
      ? `#${prefix}${value.slice(1)}`
      : rebaseRefs(value, prefix);
  }
  return out;
}
