/**
 * Picks the tokenizer a segmentation config names (§5.3): GPT-2 built in, anything else from a
 * local `tokenizer.json` or the local Hugging Face cache. Loaded tokenizers are cached by file.
 *
 * @module
 */
import type { Env } from "../hfCache.ts";
import { GPT2_NAMES, gpt2Tokenizer } from "./gpt2.ts";
import type { ByteTokenizer } from "./tokenizer.ts";
import { findTokenizerJson, loadTokenizerJson } from "./tokenizerJson.ts";

const loaded = new Map<string, Promise<ByteTokenizer>>();

/**
 * The tokenizer called `name`. `baseDirs` are where a relative path is looked up.
 *
 * @throws {InputError} see {@link findTokenizerJson} and {@link loadTokenizerJson}.
 */
export function loadTokenizer(
  name: string,
  baseDirs: readonly string[],
  env: Env,
): Promise<ByteTokenizer> {
  if (GPT2_NAMES.has(name)) return gpt2Tokenizer(name);
  const file = findTokenizerJson(name, baseDirs, env);
  let tokenizer = loaded.get(file);
  if (!tokenizer) {
    tokenizer = Promise.resolve(loadTokenizerJson(file, name));
    loaded.set(file, tokenizer);
    tokenizer.catch(() => loaded.delete(file));
  }
  return tokenizer;
}
