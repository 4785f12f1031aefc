/**
 * `.docx` documents (§5.3): the body's paragraphs, one per line, as python-docx's
 * `Document.paragraphs` gives them — tables, headers, footers, footnotes and text boxes are
 * not included. Within a paragraph: `w:t` text of its runs and hyperlink runs, `w:tab` -> tab,
 * `w:br`/`w:cr` -> newline. Only `word/document.xml` is inflated (after the zip-bomb check);
 * relationships (external targets, altChunks) are never followed; a DOCTYPE is refused.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { XMLParser } from "fast-xml-parser";
import { InputError } from "../../errors.ts";
import { readZipEntries, ZipError } from "../zip.ts";

type XmlNode = Record<string, unknown> & { ":@"?: Record<string, string> };

const failure = (label: string, reason: string) =>
  new InputError(
    `Failed to read DOCX file '${label}'. The file may be corrupted or malformed: ${reason}`,
  );

function children(node: XmlNode, tag: string): XmlNode[] {
  return (node[tag] as XmlNode[] | undefined) ?? [];
}

function tagOf(node: XmlNode): string | undefined {
  return Object.keys(node).find((k) => k !== ":@");
}

function runText(run: XmlNode[], out: string[]): void {
  for (const node of run) {
    const tag = tagOf(node);
    if (tag === "w:t") {
      for (const t of children(node, "w:t")) {
        if (typeof t["#text"] === "string") out.push(t["#text"]);
      }
    } else if (tag === "w:tab") out.push("\t");
    else if (tag === "w:br" || tag === "w:cr") out.push("\n");
  }
}

function paragraphText(paragraph: XmlNode[]): string {
  const out: string[] = [];
  for (const node of paragraph) {
    const tag = tagOf(node);
    if (tag === "w:r") runText(children(node, "w:r"), out);
    else if (tag === "w:hyperlink") {
      for (const inner of children(node, "w:hyperlink")) {
        if (tagOf(inner) === "w:r") runText(children(inner, "w:r"), out);
      }
    }
  }
  return out.join("");
}

/** Paragraph texts of a `word/document.xml` string. @throws {Error} malformed XML. */
export function docxParagraphs(xml: string): string[] {
  if (/<!DOCTYPE/i.test(xml)) throw new Error("a DOCTYPE declaration is not allowed");
  const parser = new XMLParser({
    preserveOrder: true,
    ignoreAttributes: true,
    trimValues: false,
    parseTagValue: false,
    processEntities: true,
  });
  const tree = parser.parse(xml) as XmlNode[];
  const document = tree.find((n) => tagOf(n) === "w:document");
  const body = document && children(document, "w:document").find((n) => tagOf(n) === "w:body");
  if (!body) throw new Error("word/document.xml has no w:body");
  return children(body, "w:body")
    .filter((n) => tagOf(n) === "w:p")
    .map((p) => paragraphText(children(p, "w:p")));
}

/**
 * Reads a DOCX document.
 *
 * @throws {InputError} "Failed to read DOCX file '<path>'. The file may be corrupted or
 *   malformed: <reason>" (not a zip, zip bomb, no `word/document.xml`, bad XML).
 */
export async function readDocxDocument(file: string, label: string): Promise<string> {
  const bytes = new Uint8Array(await readFile(file));
  let xml: Uint8Array | undefined;
  try {
    xml = readZipEntries(bytes, (name) => name === "word/document.xml").get("word/document.xml");
  } catch (error) {
    if (error instanceof ZipError) throw failure(label, error.message);
    throw error;
  }
  if (!xml) throw failure(label, "it has no word/document.xml");
  try {
    return docxParagraphs(new TextDecoder().decode(xml)).join("\n");
  } catch (error) {
    throw failure(label, (error as Error).message);
  }
}
