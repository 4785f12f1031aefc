/**
 * Which input row a record comes from (recipes.md §5): the planner spreads row `i mod rows` of
 * each round-robin source into record `i` (§7), so records that share that row are one group.
 * The source that decides is the first round-robin dataset (`input_data`), else the first
 * round-robin `input_examples` (a recipe's seed rows), else the first round-robin document
 * source; dynamic sources (`num_shots > 1`) draw rows at random and do not group. Without such
 * a source each record is its own group.
 *
 * @module
 */
import type { PlannerSource } from "../plan/planner.ts";

/** Group of record `index`: an input row number, or the record's own index. */
export type GroupOf = (index: number) => number;

/** The grouping for a compiled config's sources, and what it is, in words. */
export function inputGroups(sources: readonly PlannerSource[]): { groupOf: GroupOf; by: string } {
  const roundRobin = sources.filter((s) => (s.num_shots ?? 0) <= 1 && s.rows.length > 0);
  for (const kind of ["dataset", "examples", "documents"] as const) {
    const source = roundRobin.find((s) => s.kind === kind);
    if (source) {
      const rows = source.rows.length;
      const name = kind === "dataset"
        ? `input_data row (${source.path ?? ""})`
        : kind === "examples"
        ? "input_examples row"
        : "input_documents segment";
      return { groupOf: (i) => i % rows, by: name };
    }
  }
  return { groupOf: (i) => i, by: "record" };
}
