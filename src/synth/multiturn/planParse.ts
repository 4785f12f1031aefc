/**
 * Parsing of the conversation planner's reply (spec §10.5).
 *
 * @module
 */

/** A parsed plan: one instruction per message slot (`""` where the plan says nothing). */
export type ParsedPlan = { ok: true; instructions: string[] } | { ok: false; reason: string };

/**
 * Parses `text` for a conversation of `targetTurns` messages (§10.5):
 * 1. empty text fails;
 * 2. the JSON object is the first fenced code block (```` ```json ```` or ```` ``` ````) when
 *    that parses to an object, else the text from the first `{` to the last `}`;
 * 3. the object needs a `turns` array (an empty array is a success);
 * 4. each element `{turn, instruction}` with `turn` an integer or a numeric string in
 *    `1..targetTurns` fills slot `turn - 1` with the trimmed instruction (text of a non-string
 *    value; missing -> `""`); out-of-range turns are ignored, duplicates: last wins.
 *
 * @example
 * ```ts
 * parsePlan('Sure: {"turns": [{"turn": "2", "instruction": " Ask "}]}', 2);
 * // { ok: true, instructions: ["", "Ask"] }
 * ```
 */
export function parsePlan(text: string, targetTurns: number): ParsedPlan {
  if (text.trim() === "") return { ok: false, reason: "the planner returned an empty reply" };
  const object = extractObject(text);
  if (!object) return { ok: false, reason: "the planner reply holds no JSON object" };
  const turns = object.turns;
  if (!Array.isArray(turns)) {
    return { ok: false, reason: 'the planner reply has no "turns" array' };
  }
  const instructions = new Array<string>(targetTurns).fill("");
  for (const item of turns) {
    if (item === null || typeof item !== "object" || Array.isArray(item)) continue;
    const entry = item as Record<string, unknown>;
    const turn = turnNumber(entry.turn);
    if (turn === undefined || turn < 1 || turn > targetTurns) continue;
    const instruction = entry.instruction;
    instructions[turn - 1] = instruction === undefined || instruction === null
      ? ""
      : (typeof instruction === "string" ? instruction : JSON.stringify(instruction)).trim();
  }
  return { ok: true, instructions };
}

function turnNumber(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isInteger(value)) return value;
  if (typeof value === "string" && /^\s*[+-]?\d+\s*$/.test(value)) return Number(value);
  return undefined;
}

function extractObject(text: string): Record<string, unknown> | undefined {
  const fenced = /```(?:json)?\s*\n?([\s\S]*?)```/i.exec(text);
  if (fenced) {
    const value = tryParse(fenced[1]);
    if (value) return value;
  }
  const start = text.indexOf("{");
  const end = text.lastIndexOf("}");
  if (start < 0 || end <= start) return undefined;
  return tryParse(text.slice(start, end + 1));
}

function tryParse(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? value as Record<string, unknown>
      : undefined;
  } catch {
    return undefined;
  }
}
