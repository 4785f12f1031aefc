/**
 * Seed row shapes (recipes.md §3), tried in this order: (a) an oumi conversation
 * (`messages: [{role, content}]`, the last assistant message is the answer); (b) alpaca
 * (`instruction`, optional `input`, `output`); (c) a `prompt`/`response`, `question`/`answer` or
 * `input`/`output` pair; (d) anything else: every field is shown as the example and the answer
 * is generated fresh. Each row becomes one {@link SeedExample}: the text the model is shown and
 * the seed's system prompt, if any.
 *
 * @module
 */
import { InputError } from "../errors.ts";

/** One seed row, ready for the prompts. */
export interface SeedExample {
  /** Which §3 shape the row has. */
  shape: "conversation" | "alpaca" | "pair" | "fields";
  /** The example as shown to the model (labelled turns or `field: value` lines). */
  example: string;
  /** The seed's system prompt, when it has one. */
  system?: string;
}

const PAIRS: readonly (readonly [string, string])[] = [
  ["prompt", "response"],
  ["question", "answer"],
  ["input", "output"],
];

/** A cell as text: strings as they are, other values as JSON; null/undefined as "". */
function textOf(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "bigint") return value.toString();
  return JSON.stringify(value);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const has = (row: Record<string, unknown>, key: string) =>
  typeof row[key] === "string" && (row[key] as string).trim() !== "";

function conversation(messages: unknown[]): SeedExample | undefined {
  const turns = messages.filter(isRecord).map((m) => ({
    role: String(m.role ?? "").toLowerCase(),
    content: textOf(m.content),
  }));
  if (!turns.some((t) => t.role === "user" && t.content.trim() !== "")) return undefined;
  const system = turns.filter((t) => t.role === "system").map((t) => t.content).join("\n\n");
  const lines = turns.filter((t) => t.role !== "system").map((t) =>
    `${t.role === "assistant" ? "Assistant" : t.role === "user" ? "User" : t.role}: ${t.content}`
  );
  if (system.trim() !== "") lines.unshift(`System: ${system}`);
  return {
    shape: "conversation",
    example: lines.join("\n\n"),
    ...(system.trim() !== "" ? { system } : {}),
  };
}

/**
 * The {@link SeedExample} of one row.
 *
 * @returns undefined when the row has no usable text (no user turn, no non-empty field).
 */
export function seedExample(row: Readonly<Record<string, unknown>>): SeedExample | undefined {
  const r = row as Record<string, unknown>;
  if (Array.isArray(r.messages)) return conversation(r.messages);
  const present = (key: string) => r[key] !== undefined && r[key] !== null;
  if (has(r, "instruction") && present("output")) {
    const input = has(r, "input") ? `\n\n${r.input as string}` : "";
    return {
      shape: "alpaca",
      example: `User: ${r.instruction as string}${input}\n\nAssistant: ${textOf(r.output)}`,
    };
  }
  for (const [ask, answer] of PAIRS) {
    if (has(r, ask) && present(answer)) {
      return {
        shape: "pair",
        example: `User: ${r[ask] as string}\n\nAssistant: ${textOf(r[answer])}`,
      };
    }
  }
  const fields = Object.entries(r).map(([k, v]) => [k, textOf(v)] as const).filter(([, v]) =>
    v.trim() !== ""
  );
  if (fields.length === 0) return undefined;
  return { shape: "fields", example: fields.map(([k, v]) => `${k}: ${v}`).join("\n") };
}

/**
 * The examples of every row of a seed dataset.
 *
 * @param label The dataset as the user named it, for messages.
 * @throws {InputError} `Cannot use seed dataset "<label>": row <n> has no usable text …`
 *   (n 1-based), or an empty dataset.
 */
export function seedExamples(
  rows: { length: number; get(i: number): Readonly<Record<string, unknown>> },
  label: string,
): SeedExample[] {
  if (rows.length === 0) throw new InputError(`Cannot use seed dataset "${label}": it has no rows`);
  const out: SeedExample[] = [];
  for (let i = 0; i < rows.length; i++) {
    const example = seedExample(rows.get(i));
    if (!example) {
      throw new InputError(
        `Cannot use seed dataset "${label}": row ${
          i + 1
        } has no usable text (a conversation needs a user message; other rows need a non-empty field)`,
      );
    }
    out.push(example);
  }
  return out;
}
