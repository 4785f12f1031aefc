/**
 * The text a deduplication rule compares: the values of its attributes joined with newlines,
 * and its normalised form (lower case, runs of whitespace as one space, trimmed).
 *
 * Values that are not strings contribute their string content: a conversation (a list of
 * `{role, content}` messages) its message contents in order, other lists their items, objects
 * their JSON; `null`/absent values contribute nothing.
 *
 * @module
 */

/** The joined text of `attributes` in `record` (not yet normalised). */
export function comparedText(
  record: Readonly<Record<string, unknown>>,
  attributes: readonly string[],
): string {
  if (attributes.length === 1) return valueText(record[attributes[0]]);
  let out = "";
  for (let a = 0; a < attributes.length; a++) {
    if (a > 0) out += "\n";
    out += valueText(record[attributes[a]]);
  }
  return out;
}

function valueText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return value.map(itemText).join("\n");
  if (typeof value === "object") {
    const content = (value as { content?: unknown }).content;
    if (typeof content === "string") return content;
    if (Array.isArray((value as { messages?: unknown }).messages)) {
      return valueText((value as { messages: unknown[] }).messages);
    }
    return JSON.stringify(value);
  }
  return String(value);
}

function itemText(item: unknown): string {
  return valueText(item);
}

/**
 * Exact-match normal form: lower case, every run of whitespace one space, no leading or
 * trailing whitespace. `"  Hello\n  World "` → `"hello world"`.
 */
export function normalizeText(text: string): string {
  return text.toLowerCase().replace(/\s+/g, " ").trim();
}
