/**
 * Tokenizers other than GPT-2 (§5.3 `tokenizer`): a Hugging Face `tokenizer.json` of a
 * byte-level BPE model (GPT-2 family: GPT-2, RoBERTa, Qwen, Llama 3, ...), found at a local path
 * (the file or its folder) or in the local Hugging Face cache (`models--owner--name`). Never
 * downloads. Encoding runs on our BPE (`./bpe.ts`) with the token id as merge rank (true for
 * GPT-2-family vocabularies) and the file's `Split` pre-tokenizer pattern (GPT-2's when none); added tokens (`<s>`,
 * `<|endoftext|>`) written in the text map to their ids. No BOS/EOS is added (a deliberate
 * difference: segments are spans of the document, so a post-processor's BOS has no text).
 *
 * @module
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { InputError } from "../../errors.ts";
import { downloadCommand, type Env, findSnapshot, hubCacheDir } from "../hfCache.ts";
import { bytesKey, createBpeEncoder, type RankMap } from "./bpe.ts";
import { GPT2_PATTERN } from "./gpt2.ts";
import { byteLevelBytes, type ByteTokenizer, withSpecialTokens } from "./tokenizer.ts";

/**
 * Finds the `tokenizer.json` for `name`: a file path, a folder holding one, or a cached hub
 * model. @throws {InputError} naming the paths looked at and the download command.
 */
export function findTokenizerJson(name: string, baseDirs: readonly string[], env: Env): string {
  for (const dir of baseDirs) {
    const p = resolve(dir, name);
    if (existsSync(p)) {
      if (statSync(p).isFile()) return p;
      if (existsSync(join(p, "tokenizer.json"))) return join(p, "tokenizer.json");
    }
  }
  const snapshot = name.includes("/") ? findSnapshot("models", name, null, env) : undefined;
  if (snapshot && existsSync(join(snapshot, "tokenizer.json"))) {
    return join(snapshot, "tokenizer.json");
  }
  throw new InputError(
    `Cannot load tokenizer "${name}": no tokenizer.json at that path and the model is not in the local Hugging Face cache (${
      hubCacheDir(env)
    }); fetch it with: ${downloadCommand("models", name)} --include tokenizer.json`,
  );
}

interface TokenizerFile {
  model?: { type?: string; vocab?: Record<string, number> };
  pre_tokenizer?: unknown;
  added_tokens?: { id: number; content: string }[];
}

function splitPattern(pre: unknown): RegExp | undefined {
  if (!pre || typeof pre !== "object") return undefined;
  const p = pre as { type?: string; pretokenizers?: unknown[]; pattern?: { Regex?: string } };
  if (p.type === "Split" && p.pattern?.Regex) return new RegExp(p.pattern.Regex, "gu");
  for (const inner of p.pretokenizers ?? []) {
    const found = splitPattern(inner);
    if (found) return found;
  }
  return undefined;
}

/**
 * Loads a byte-level BPE tokenizer from `file`.
 *
 * @throws {InputError} unreadable JSON, or a model that is not byte-level BPE.
 */
export function loadTokenizerJson(file: string, name: string): ByteTokenizer {
  let data: TokenizerFile;
  try {
    data = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new InputError(`Cannot load tokenizer "${file}": ${(error as Error).message}`);
  }
  const vocab = data.model?.vocab;
  if (data.model?.type !== "BPE" || !vocab) {
    throw new InputError(
      `Cannot load tokenizer "${file}": only byte-level BPE tokenizers are supported (model type ${
        data.model?.type ?? "unknown"
      })`,
    );
  }
  const table: RankMap = new Map();
  const lengths: number[] = [];
  for (const [token, id] of Object.entries(vocab)) {
    const bytes = byteLevelBytes(token);
    if (!bytes) {
      throw new InputError(
        `Cannot load tokenizer "${file}": vocabulary entry ${
          JSON.stringify(token)
        } is not byte-level BPE`,
      );
    }
    lengths[id] = bytes.length;
    table.set(bytesKey(bytes), id);
  }
  const special = new Map<string, number>();
  const encoder = new TextEncoder();
  for (const added of data.added_tokens ?? []) {
    special.set(added.content, added.id);
    lengths[added.id] = encoder.encode(added.content).length;
  }
  const encode = createBpeEncoder(table, splitPattern(data.pre_tokenizer) ?? GPT2_PATTERN);
  return {
    name,
    encode: withSpecialTokens(encode, special),
    byteLength: (id) => lengths[id] ?? 0,
  };
}
