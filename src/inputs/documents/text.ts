/**
 * `.txt`, `.md` and `.html` documents (§5.3): the file's UTF-8 text, unchanged (HTML markup is
 * kept, as oumi does). Invalid UTF-8 is an error, not silently replaced.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { inputError } from "../errors.ts";

/** Reads a text document. @throws {InputError} invalid UTF-8 (naming the byte offset). */
export async function readTextDocument(file: string, label: string): Promise<string> {
  const bytes = new Uint8Array(await readFile(file));
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    let offset = 0;
    const streaming = new TextDecoder("utf-8", { fatal: true });
    for (; offset < bytes.length; offset += 4096) {
      try {
        streaming.decode(bytes.subarray(offset, offset + 4096), { stream: true });
      } catch {
        break;
      }
    }
    throw inputError("document", label, `not valid UTF-8 text (near byte ${offset})`);
  }
}
