/**
 * Placeholders that name an input source by its `id` (the guide's few-shot rules, §5.4):
 *
 * - `num_shots` null or 1 (round-robin): the row's fields are in the record (`{field}`, oumi)
 *   and also reachable as `{id.field}` (the guide's spelling);
 * - `num_shots > 1` (dynamic): the record holds a list of rows under `id`, indexed
 *   `{id[i].field}` with `-num_shots <= i < num_shots`; `{id.field}` is a config error that says
 *   to index.
 *
 * Every such placeholder is checked when the template is parsed, so a mistake is a config
 * error before any model loads, naming the source and its size.
 *
 * @module
 */
import { TemplateError } from "../errors.ts";
import type { FieldNode, Segment } from "./parse.ts";

/** What templates need to know about an input source with an `id`. */
export interface SourceShape {
  /** The source's `id`. */
  id: string;
  /** Rows drawn per record: 1 for round-robin, `num_shots` when > 1. */
  shots: number;
  /** Rows in the source. */
  rows: number;
  /** The fields of a row (first row's keys). */
  columns: readonly string[];
  /** How messages name the source, e.g. `input_examples[0]`. */
  label: string;
}

/**
 * Checks every field of `segments` that names a source in `sources` (by id).
 *
 * @returns the ids of round-robin sources used as `{id.field}` (the renderer resolves these
 *   from the record's own fields).
 * @throws {TemplateError} `{id.field}` on a dynamic source (use `{id[i].field}`), an index
 *   beyond `num_shots`, `{id[i]...}` on a round-robin source, or a field the source lacks.
 */
export function checkSourceFields(
  segments: readonly Segment[],
  sources: ReadonlyMap<string, SourceShape>,
): Set<string> {
  const aliases = new Set<string>();
  const visit = (parts: readonly Segment[]) => {
    for (const seg of parts) {
      if (typeof seg === "string") continue;
      const source = sources.get(seg.name);
      if (source) checkField(seg, source, aliases);
      if (seg.specParts) visit(seg.specParts);
    }
  };
  visit(segments);
  return aliases;
}

function rowsText(source: SourceShape): string {
  return `${source.label} (id ${source.id}) has ${source.rows} row${source.rows === 1 ? "" : "s"}`;
}

function checkColumn(field: FieldNode, source: SourceShape, name: string | number): void {
  if (typeof name === "string" && !source.columns.includes(name)) {
    throw new TemplateError(
      `{${field.source}}: ${source.label} (id ${source.id}) has no field "${name}" (fields: ${
        source.columns.join(", ") || "none"
      })`,
    );
  }
}

function checkField(field: FieldNode, source: SourceShape, aliases: Set<string>): void {
  const [first, second] = field.accessors;
  if (source.shots > 1) {
    const indexHint = `{${source.id}[0].field} to {${source.id}[${source.shots - 1}].field}`;
    if (first?.kind === "attr") {
      throw new TemplateError(
        `{${field.source}}: ${source.id} draws ${source.shots} rows per record (num_shots: ${source.shots}); ` +
          `index them: {${source.id}[i].${first.name}}, i.e. ${indexHint}`,
      );
    }
    if (first?.kind === "item" && typeof first.key === "number") {
      if (first.key >= source.shots) {
        throw new TemplateError(
          `{${field.source}}: index ${first.key} is beyond num_shots: ${source.id} draws ${source.shots} rows per record (${
            rowsText(source)
          }); use ${indexHint}`,
        );
      }
    }
    if (first?.kind === "item" && typeof first.key === "string" && /^-\d+$/.test(first.key)) {
      if (Number(first.key) < -source.shots) {
        throw new TemplateError(
          `{${field.source}}: index ${first.key} is beyond num_shots: ${source.id} draws ${source.shots} rows per record`,
        );
      }
    }
    if (second && first?.kind === "item") {
      checkColumn(field, source, second.kind === "attr" ? second.name : second.key);
    }
    return;
  }
  if (source.columns.includes(source.id)) return; // the id is a field of its own rows
  if (first?.kind === "item") {
    throw new TemplateError(
      `{${field.source}}: ${source.id} gives one row per record (num_shots: 1, round-robin); ` +
        `write {${source.id}.field} or {field}`,
    );
  }
  if (first?.kind === "attr") {
    checkColumn(field, source, first.name);
    aliases.add(source.id);
  }
}
