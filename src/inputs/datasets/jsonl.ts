/**
 * `.jsonl` datasets (§5.2): one JSON object per line, read as a stream (the file is never held
 * in memory as one string). Blank lines are skipped.
 *
 * @module
 */
import { createReadStream } from "node:fs";
import { isPlainMap } from "../../template/python.ts";
import { inputError } from "../errors.ts";
import type { Row } from "../rows.ts";
import { parseJsonExact } from "./jsonParse.ts";

/**
 * Reads every row of a JSON Lines file. `label` is the path shown in messages.
 *
 * @throws {InputError} `Cannot read dataset "<label>": line 7 is not valid JSON (<reason>)`
 *   or `line 7 is not a JSON object`.
 */
export async function readJsonl(file: string, label: string): Promise<Row[]> {
  const rows: Row[] = [];
  let lineNo = 0;
  const take = (line: string) => {
    lineNo++;
    if (line.trim() === "") return;
    let value: unknown;
    try {
      value = parseJsonExact(line);
    } catch (error) {
      throw inputError(
        "dataset",
        label,
        `line ${lineNo} is not valid JSON (${(error as Error).message})`,
      );
    }
    if (!isPlainMap(value)) {
      throw inputError("dataset", label, `line ${lineNo} is not a JSON object`);
    }
    rows.push(value);
  };
  const decoder = new TextDecoder("utf-8");
  let rest = "";
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    const text = rest + decoder.decode(chunk as Buffer, { stream: true });
    let start = 0;
    for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", start)) {
      take(text.slice(start, nl));
      start = nl + 1;
    }
    rest = text.slice(start);
  }
  rest += decoder.decode();
  if (rest !== "") take(rest);
  return rows;
}
