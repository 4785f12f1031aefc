/**
 * Turns a conversation into prompt token ids with the model's own chat template
 * (`tokenizer_config.json` `chat_template`, rendered by transformers.js with Jinja), like oumi's
 * NATIVE engine (§16.6). A tokenizer without a template gets a plain `role: content` transcript
 * ending in `assistant:`, with a warning.
 *
 * @module
 */
import type { ChatMessage } from "../contract.ts";

/** The tokenizer surface this engine uses (a transformers.js `PreTrainedTokenizer`). */
export interface ChatTokenizer {
  chat_template?: unknown;
  apply_chat_template(
    messages: { role: string; content: string }[],
    options: { tokenize: false; add_generation_prompt: boolean },
  ): string;
  encode(text: string, options?: { add_special_tokens?: boolean }): number[];
  decode(ids: number[] | bigint[], options?: { skip_special_tokens?: boolean }): string;
}

/**
 * Renders `messages` and tokenizes the result (no extra special tokens: the template writes
 * them).
 *
 * @param onNoTemplate called once per call when the fallback transcript is used.
 * @returns prompt token ids.
 */
export function promptIds(
  tokenizer: ChatTokenizer,
  messages: ChatMessage[],
  onNoTemplate?: () => void,
): number[] {
  const plain = messages.map((m) => ({ role: m.role, content: m.content ?? "" }));
  let text: string;
  if (tokenizer.chat_template) {
    text = tokenizer.apply_chat_template(plain, { tokenize: false, add_generation_prompt: true });
  } else {
    onNoTemplate?.();
    text = plain.map((m) => `${m.role}: ${m.content}\n`).join("") + "assistant:";
  }
  return tokenizer.encode(text, { add_special_tokens: false });
}
