/**
 * Anthropic Messages API request bodies (spec §16.5): first system message as `system`, tool
 * messages as user `tool_result` blocks, assistant tool calls as `tool_use` blocks, same-role
 * turns merged, tools as `{name, description, input_schema}` (sent whenever the conversation
 * has tools or tool history: DECISIONS 8), structured output for models that support it.
 *
 * @module
 */
import { EngineError } from "../../errors.ts";
import type { ChatMessage, GenerateRequest, JsonSchema } from "../contract.ts";
import { closeObjects, type EffectiveParams, type GuidedDecoding } from "../remote/generation.ts";
import { acceptsSampling, supportsStructuredOutput } from "./model.ts";

type Block = Record<string, unknown>;

/** Options of {@link messagesBody}. */
export interface AnthropicBodyOptions {
  model: string;
  params: EffectiveParams;
  guided: GuidedDecoding;
  userId?: string;
  onWarning?: (message: string) => void;
}

function parseArguments(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}

/** Converts chat messages to Anthropic turns and the `system` text. */
export function toAnthropicMessages(
  messages: readonly ChatMessage[],
  onWarning?: (message: string) => void,
): { system?: string; messages: { role: "user" | "assistant"; content: string | Block[] }[] } {
  let system: string | undefined;
  const turns: { role: "user" | "assistant"; blocks: Block[] }[] = [];
  for (const m of messages) {
    if (m.role === "system") {
      if (system === undefined) system = m.content ?? "";
      else onWarning?.("ANTHROPIC takes one system message; later system messages are dropped");
      continue;
    }
    const role = m.role === "assistant" ? "assistant" : "user";
    const blocks: Block[] = [];
    if (m.role === "tool") {
      blocks.push({
        type: "tool_result",
        tool_use_id: m.tool_call_id ?? "",
        content: m.content ?? "",
      });
    } else {
      if (m.content) blocks.push({ type: "text", text: m.content });
      for (const call of m.tool_calls ?? []) {
        blocks.push({
          type: "tool_use",
          id: call.id,
          name: call.function.name,
          input: parseArguments(call.function.arguments),
        });
      }
      if (blocks.length === 0) blocks.push({ type: "text", text: "" });
    }
    const last = turns.at(-1);
    if (last && last.role === role) last.blocks.push(...blocks);
    else turns.push({ role, blocks });
  }
  return {
    ...(system !== undefined ? { system } : {}),
    messages: turns.map((t) => ({
      role: t.role,
      content: t.blocks.length === 1 && t.blocks[0].type === "text"
        ? String(t.blocks[0].text)
        : t.blocks,
    })),
  };
}

/** oumi's `tool_choice` translation (§16.5). @throws {EngineError} for unknown strings. */
export function toolChoiceOf(choice: unknown): Block | undefined {
  if (choice === null || choice === undefined) return undefined;
  if (choice === "auto") return { type: "auto" };
  if (choice === "required") return { type: "any" };
  if (choice === "none") return { type: "none" };
  const name = (choice as { function?: { name?: unknown } })?.function?.name;
  if (typeof name === "string") return { type: "tool", name };
  throw new EngineError(`Cannot translate tool_choice ${JSON.stringify(choice)} for ANTHROPIC`);
}

/** The JSON body for `request` (§16.5). */
export function messagesBody(request: GenerateRequest, o: AnthropicBodyOptions): Block {
  const p = o.params;
  const { system, messages } = toAnthropicMessages(request.messages, o.onWarning);
  const body: Block = { model: o.model, max_tokens: p.max_new_tokens, messages };
  if (system !== undefined) body.system = system;
  if (acceptsSampling(o.model)) {
    body.temperature = p.temperature;
    if (p.top_p !== null && p.top_p !== undefined) body.top_p = p.top_p;
  }
  if (p.stop_strings !== null && p.stop_strings !== undefined) body.stop_sequences = p.stop_strings;
  if (o.userId) body.metadata = { user_id: o.userId };
  const schema: JsonSchema | undefined = request.jsonSchema ?? o.guided.json;
  if (schema) {
    if (supportsStructuredOutput(o.model)) {
      body.output_config = { format: { type: "json_schema", schema: closeObjects(schema) } };
    } else {
      o.onWarning?.(
        `ANTHROPIC model ${o.model} does not support structured output; JSON schema dropped`,
      );
    }
  }
  body.cache_control = { type: "ephemeral" };
  const hasToolHistory = request.messages.some((m) => m.role === "tool" || m.tool_calls?.length);
  if (request.tools?.length) {
    body.tools = request.tools.map((t) => ({
      name: t.function.name,
      description: t.function.description ?? "",
      input_schema: t.function.parameters ?? { type: "object", properties: {} },
    }));
    const choice = toolChoiceOf(p.tool_choice);
    if (choice) {
      if (p.parallel_tool_calls === false && choice.type !== "none") {
        choice.disable_parallel_tool_use = true;
      }
      body.tool_choice = choice;
    }
  } else if (hasToolHistory) {
    // The API rejects tool_use/tool_result blocks without tool definitions (DECISIONS 8):
    // declare the tools the history used, and forbid new calls.
    const names = [
      ...new Set(
        request.messages.flatMap((m) => m.tool_calls?.map((c) => c.function.name) ?? []),
      ),
    ];
    body.tools = names.map((name) => ({
      name,
      description: "",
      input_schema: { type: "object", properties: {} },
    }));
    if (names.length > 0) body.tool_choice = { type: "none" };
  }
  return body;
}
