import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { errorsFilePath, ErrorsFileWriter } from "../../src/outputs/errorsFile.ts";

const dir = mkdtempSync(join(tmpdir(), "synth-errors-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("errorsFilePath", () => {
  test("replaces the .jsonl suffix", () => {
    expect(errorsFilePath("out/data.jsonl")).toBe("out/data.errors.jsonl");
    expect(errorsFilePath("out/data")).toBe("out/data.errors.jsonl");
  });
});

describe("ErrorsFileWriter", () => {
  test("a clean run leaves no errors file", async () => {
    const output = join(dir, "clean", "data.jsonl");
    const errors = await ErrorsFileWriter.forOutput(output);
    await errors.close();
    expect(errors.created).toBe(false);
    expect(existsSync(errorsFilePath(output))).toBe(false);
  });

  test("a stale errors file from an earlier run is removed at open", async () => {
    const output = join(dir, "stale", "data.jsonl");
    mkdirSync(join(dir, "stale"), { recursive: true });
    writeFileSync(errorsFilePath(output), '{"index": 0, "message": "old run"}\n');
    const errors = await ErrorsFileWriter.forOutput(output);
    expect(existsSync(errorsFilePath(output))).toBe(false);
    await errors.close();
    expect(existsSync(errorsFilePath(output))).toBe(false);
  });

  test("writes one line per failure, created on the first, keys in oumi's order", async () => {
    const output = join(dir, "fail", "nested", "data.jsonl");
    const errors = await ErrorsFileWriter.forOutput(output);
    errors.write({
      is_retryable: true,
      message: "Rate limit exceeded",
      error_type: "api_status",
      index: 4,
      status_code: 429,
      attribute: "answer",
      attempts: 3,
    });
    expect(errors.created).toBe(true);
    // Written immediately, before close.
    expect(readFileSync(errors.path, "utf8")).toBe(
      '{"index": 4, "attribute": "answer", "error_type": "api_status", "message": "Rate limit exceeded", ' +
        '"status_code": 429, "is_retryable": true, "attempts": 3}\n',
    );
    errors.write({
      index: 9,
      error_type: "parse_error",
      message: "bad JSON: é",
      is_retryable: true,
    });
    await errors.close();
    const lines = readFileSync(errors.path, "utf8").trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe(
      '{"index": 9, "error_type": "parse_error", "message": "bad JSON: é", "is_retryable": true}',
    );
    expect(errors.count).toBe(2);
    expect(() =>
      errors.write({ index: 1, error_type: "unknown", message: "x", is_retryable: false })
    ).toThrow(/closed/);
  });
});
