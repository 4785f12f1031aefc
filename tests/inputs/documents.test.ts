/**
 * Document readers on real files made at test time (§5.3, §20.7; issue 3): multi-page PDFs,
 * DOCX paragraphs without tables, text formats, globs, segmentation records, bad files, zip
 * bombs and external relationships.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { strToU8, zipSync } from "fflate";
import { InputError } from "../../src/errors.ts";
import { readDocument, readDocumentSource } from "../../src/inputs/documents/source.ts";
import { checkZip } from "../../src/inputs/zip.ts";
import { allRows } from "../../src/plan/rowList.ts";
import { makeDocx, makePdf, para, put, table } from "./fixtures.ts";

const dir = mkdtempSync(join(tmpdir(), "synth-documents-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const where = { cwd: dir, env: {} };

async function inputError(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as Error).message;
  }
  throw new Error("expected an InputError");
}

describe("PDF", () => {
  test("multi-page text in page order, hyphenation joined", async () => {
    const file = put(
      join(dir, "three.pdf"),
      makePdf([["Dummy PDF file", "a hyphen-", "ated word"], ["Second page (2)"], ["Third page"]]),
    );
    expect(await readDocument(file)).toBe(
      "Dummy PDF file\na hyphenated word\nSecond page (2)\nThird page",
    );
  });

  test("a file that is not a PDF, and a damaged PDF", async () => {
    put(join(dir, "fake.pdf"), "just text\n");
    expect(await inputError(readDocumentSource({ path: "fake.pdf", id: "d" }, where))).toBe(
      'Cannot read document "fake.pdf": not a PDF file (no %PDF- header)',
    );
    put(join(dir, "broken.pdf"), "%PDF-1.4\n1 0 obj\n<< /Type /Catalog");
    expect(await inputError(readDocumentSource({ path: "broken.pdf", id: "d" }, where)))
      .toStartWith(
        'Cannot read document "broken.pdf": not a readable PDF',
      );
  });
});

describe("DOCX", () => {
  test("body paragraphs one per line; tables left out, as python-docx does", async () => {
    const file = put(
      join(dir, "t.docx"),
      makeDocx(
        para("First ", "paragraph") + table([["cell A", "cell B"]]) + para("Second paragraph") +
          "<w:p><w:r><w:t>tab</w:t><w:tab/><w:t>and</w:t><w:br/><w:t>break &amp; ünï</w:t></w:r>" +
          '<w:hyperlink r:id="rId9"><w:r><w:t> link</w:t></w:r></w:hyperlink></w:p>',
      ),
    );
    expect(await readDocument(file)).toBe(
      "First paragraph\nSecond paragraph\ntab\tand\nbreak & ünï link",
    );
  });

  test("external relationships are never followed", async () => {
    const secret = put(join(dir, "secret.txt"), "SECRET CONTENT");
    const file = put(
      join(dir, "ext.docx"),
      makeDocx(
        para("Visible") + '<w:altChunk r:id="rIdX"/>' + para("Also visible"),
        `<Relationship Id="rIdX" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/aFChunk" Target="file://${secret}" TargetMode="External"/>`,
      ),
    );
    const text = await readDocument(file);
    expect(text).toBe("Visible\nAlso visible");
    expect(text).not.toContain("SECRET");
  });

  test("not a zip, no document part, and a DOCTYPE are refused with oumi's message", async () => {
    put(join(dir, "plain.docx"), "not a zip at all");
    expect(await inputError(readDocumentSource({ path: "plain.docx", id: "d" }, where))).toBe(
      "Failed to read DOCX file 'plain.docx'. The file may be corrupted or malformed: not a zip archive",
    );
    put(join(dir, "empty.docx"), zipSync({ "a.txt": strToU8("x") }));
    expect(await inputError(readDocumentSource({ path: "empty.docx", id: "d" }, where))).toContain(
      "it has no word/document.xml",
    );
    put(
      join(dir, "dtd.docx"),
      zipSync({
        "word/document.xml": strToU8(
          '<!DOCTYPE x [<!ENTITY a "aaaa">]><w:document><w:body/></w:document>',
        ),
      }),
    );
    expect(await inputError(readDocumentSource({ path: "dtd.docx", id: "d" }, where))).toContain(
      "a DOCTYPE declaration is not allowed",
    );
  });

  test("a zip bomb is refused before anything is inflated", async () => {
    // A real archive whose directory declares 3.9 GiB uncompressed for a tiny entry.
    const zip = makeDocx(para("x"));
    const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
    for (let i = 0; i + 4 <= zip.length; i++) {
      const sig = view.getUint32(i, true);
      if (sig === 0x04034b50) view.setUint32(i + 22, 0xf0000000, true); // local header
      if (sig === 0x02014b50) view.setUint32(i + 24, 0xf0000000, true); // central directory
    }
    put(join(dir, "bomb.docx"), zip);
    const message = await inputError(readDocumentSource({ path: "bomb.docx", id: "d" }, where));
    expect(message).toContain("looks like a zip bomb");
    expect(() => checkZip(zip)).toThrow("refusing to unpack");
  });
});

describe("text formats, globs and records", () => {
  test("txt/md/html read unchanged (markup kept); invalid UTF-8 refused", async () => {
    put(join(dir, "a.html"), "<p>Hello &amp; ünï</p>\n");
    put(join(dir, "b.md"), "# Title\n\n*text*");
    expect(await readDocument(join(dir, "a.html"))).toBe("<p>Hello &amp; ünï</p>\n");
    expect(await readDocument(join(dir, "b.md"))).toBe("# Title\n\n*text*");
    put(join(dir, "bad.txt"), new Uint8Array([0x61, 0xff, 0xfe, 0x62]));
    expect(await inputError(readDocumentSource({ path: "bad.txt", id: "d" }, where))).toStartWith(
      'Cannot read document "bad.txt": not valid UTF-8 text',
    );
  });

  test("globs over sub-folders, sorted; other formats skipped with a warning; empty docs dropped", async () => {
    mkdirSync(join(dir, "docs", "sub"), { recursive: true });
    put(join(dir, "docs", "b.txt"), "beta");
    put(join(dir, "docs", "sub", "a.pdf"), makePdf([["alpha pdf"]]));
    put(join(dir, "docs", "sub", "c.docx"), makeDocx(para("gamma docx")));
    put(join(dir, "docs", "empty.md"), "   \n");
    put(join(dir, "docs", "skip.csv"), "a\n1\n");
    const warnings: string[] = [];
    const { source, report } = await readDocumentSource(
      { path: "docs/**/*", id: "doc" },
      { ...where, warn: (m) => warnings.push(m) },
    );
    expect(source.rows).toEqual([{ doc: "beta" }, { doc: "alpha pdf" }, { doc: "gamma docx" }]);
    expect(report.documents).toBe(3);
    expect(warnings.join("\n")).toContain("skip.csv");
    const pdfs = await readDocumentSource({ path: "docs/**/*.pdf", id: "doc" }, where);
    expect(pdfs.source.rows).toEqual([{ doc: "alpha pdf" }]);
  });

  test("segmentation records: segment key first, full text with keep_original_text", async () => {
    put(join(dir, "long.txt"), "one two three four five six seven eight nine ten");
    const { source, report } = await readDocumentSource(
      {
        path: "long.txt",
        id: "full",
        segmentation_params: {
          id: "part",
          segment_length: 4,
          segment_overlap: 1,
          keep_original_text: true,
        },
      },
      where,
    );
    expect(allRows(source.rows).map((r) => r.part)).toEqual([
      "one two three four",
      " four five six seven",
      " seven eight nine ten",
      " ten",
    ]);
    expect(Object.keys(allRows(source.rows)[0])).toEqual(["part", "full"]);
    expect(allRows(source.rows)[0].full).toBe("one two three four five six seven eight nine ten");
    expect(report.segments).toBe(4);
    expect(report.attributes).toEqual(["part", "full"]);
  });

  test("missing file, empty glob, unknown format, only empty documents", async () => {
    expect(await inputError(readDocumentSource({ path: "none.pdf", id: "d" }, where))).toStartWith(
      'Cannot read document "none.pdf": file does not exist',
    );
    expect(await inputError(readDocumentSource({ path: "nothing/*.pdf", id: "d" }, where)))
      .toStartWith(
        'Cannot read document "nothing/*.pdf": the pattern matches no files',
      );
    expect(await inputError(readDocumentSource({ path: "x.rtf", id: "d" }, where))).toBe(
      "Unsupported document format: .rtf",
    );
    expect(await inputError(readDocumentSource({ path: "docs/empty.md", id: "d" }, where))).toBe(
      "No non-empty documents were found in the document source, please check the document source.",
    );
  });
});
