/**
 * `input_examples` (§5.1): inline example rows, turned into planner sources.
 *
 * @module
 */

import { ConfigError } from "../errors.ts";
import type { PlannerSource } from "../plan/planner.ts";
import { isPlainMap } from "../python/repr.ts";

/** An `input_examples` entry as configured (oumi field names). */
export interface ExampleSourceSpec {
  examples: readonly unknown[];
  id?: string | null;
  num_shots?: number | null;
}

/**
 * Validates example sources and returns them as planner sources (`kind: "examples"`), in order.
 * Absent or empty input gives `[]`.
 *
 * @throws {ConfigError} "ExampleSource.examples cannot be empty.", "All examples must have the
 *   same keys." (key sets compared with the first row, order-insensitive), a row that is not a
 *   map, or "ExampleSource.id must be set when num_shots > 1 for dynamic sampling.".
 */
export function exampleSources(
  specs: readonly ExampleSourceSpec[] | null | undefined,
): PlannerSource[] {
  return (specs ?? []).map((spec, i) => {
    const path = `strategy_params.input_examples[${i}]`;
    const fail = (message: string, at = `${path}.examples`) =>
      new ConfigError(message, [{ path: at, message }]);
    if (spec.examples.length === 0) throw fail("ExampleSource.examples cannot be empty.");
    const rows = spec.examples.map((row, r) => {
      if (!isPlainMap(row)) {
        throw fail(
          "Cannot read example: it is not a map of field names to values",
          `${path}.examples[${r}]`,
        );
      }
      return row;
    });
    const first = new Set(Object.keys(rows[0]));
    for (let r = 1; r < rows.length; r++) {
      const keys = Object.keys(rows[r]);
      if (keys.length !== first.size || keys.some((k) => !first.has(k))) {
        throw fail("All examples must have the same keys.", `${path}.examples[${r}]`);
      }
    }
    if ((spec.num_shots ?? 0) > 1 && !spec.id) {
      throw fail(
        "ExampleSource.id must be set when num_shots > 1 for dynamic sampling.",
        `${path}.id`,
      );
    }
    return {
      kind: "examples" as const,
      id: spec.id ?? undefined,
      num_shots: spec.num_shots ?? undefined,
      rows,
    };
  });
}
