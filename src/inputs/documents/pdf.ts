/**
 * `.pdf` documents (§5.3) through unpdf (pdf.js): text of every page in order, pages joined by
 * a newline; a word hyphenated across a line break (`exam-\nple`) is joined, as oumi's
 * extractor does. Files that do not start like a PDF are refused before pdf.js sees them.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { inputError, reasonOf } from "../errors.ts";

/** Joins `word-\nword` hyphenation at line ends (lower-case continuation only). */
export function joinHyphenation(text: string): string {
  return text.replace(/(\p{L})-\n(\p{Ll})/gu, "$1$2");
}

/**
 * Reads a PDF's text.
 *
 * @throws {InputError} "not a PDF file" (no `%PDF-` header) or a file pdf.js cannot parse.
 */
export async function readPdfDocument(file: string, label: string): Promise<string> {
  const bytes = new Uint8Array(await readFile(file));
  const head = new TextDecoder("latin1").decode(bytes.subarray(0, 1024));
  if (!head.includes("%PDF-")) {
    throw inputError("document", label, "not a PDF file (no %PDF- header)");
  }
  const { extractText, getDocumentProxy } = await import("unpdf");
  let pages: string[];
  try {
    const pdf = await getDocumentProxy(bytes, { stopAtErrors: true });
    try {
      pages = (await extractText(pdf, { mergePages: false })).text;
    } finally {
      await pdf.cleanup();
    }
  } catch (error) {
    throw inputError("document", label, `not a readable PDF (${reasonOf(error)})`, error);
  }
  return joinHyphenation(pages.join("\n"));
}
