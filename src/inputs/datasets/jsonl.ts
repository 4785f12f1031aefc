/**
 * `.jsonl` datasets (§5.2): one JSON object per line, read as a stream (the file is never held
 * in memory as one string). Blank lines are skipped; a BOM on the first line is ignored.
 *
 * @module
 */
import { createReadStream } from "node:fs";
import { isPlainMap } from "../../python/repr.ts";
import { inputError } from "../errors.ts";
import { collectAfter } from "../memory.ts";
import { RowTable } from "../rowTable.ts";
import { parseJsonExact } from "./jsonParse.ts";

/**
 * Reads every row of a JSON Lines file into `into` (a new table when absent), each row with its
 * own keys in its own order. `label` is the path shown in messages.
 *
 * @throws {InputError} `Cannot read dataset "<label>": line 7 is not valid JSON (<reason>)`
 *   or `line 7 is not a JSON object`.
 */
export async function readJsonl(
  file: string,
  label: string,
  into = new RowTable(),
): Promise<RowTable> {
  let lineNo = 0;
  const take = (line: string) => {
    lineNo++;
    if (lineNo === 1 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
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
    into.appendObject(value);
  };
  // Lines are cut from the bytes and decoded one by one: an ASCII line becomes a one-byte-per-
  // character string (and so do the values JSON.parse makes from it), where decoding whole
  // chunks would make every string of a chunk with one non-ASCII character two bytes wide.
  const consumed = collectAfter();
  let rest: Buffer | undefined;
  for await (const data of createReadStream(file, { highWaterMark: 1 << 20 })) {
    const chunk = rest ? Buffer.concat([rest, data as Buffer]) : (data as Buffer);
    consumed(chunk.length);
    let start = 0;
    for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, start)) {
      take(chunk.toString("utf8", start, nl));
      start = nl + 1;
    }
    rest = start < chunk.length ? chunk.subarray(start) : undefined;
  }
  if (rest) take(rest.toString("utf8"));
  return into;
}
