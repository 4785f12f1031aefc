/**
 * Turns zod issues from the config schema into config problems with key paths (one problem
 * per unknown key, oumi's `Key 'x' not in 'Class'` wording, with the nearest valid key when one
 * is close: `; did you mean sampled_attributes?`) and renders key paths as text.
 *
 * @module
 */
import type { z } from "zod";
import { nearestName } from "./nearest.ts";
import { KNOWN_KEYS, MISSING } from "./schema/leaves.ts";
import type { KeyPath } from "./yaml.ts";

/** One problem found by the schema, before positions are attached. */
export interface SchemaProblem {
  /** Key path of the offending value (for unknown keys: the key itself). */
  path: KeyPath;
  /** `path` as text, e.g. `strategy_params.sampled_attributes[0].id`. */
  pathText: string;
  message: string;
  /** True when the problem is the key (unknown key), so positions point at the key. */
  atKey: boolean;
}

/**
 * Renders a key path: names joined with dots, list indices in brackets, odd keys quoted.
 *
 * @example formatPath(["a", 0, "b c"]) === 'a[0]["b c"]'
 */
export function formatPath(path: KeyPath): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (/^[A-Za-z0-9_$-]+$/.test(seg)) out += out === "" ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** Converts zod issues (from `safeParse(..., { reportInput: true })`) to {@link SchemaProblem}s. */
export function toConfigIssues(issues: readonly z.core.$ZodIssue[]): SchemaProblem[] {
  const out: SchemaProblem[] = [];
  for (const issue of issues) {
    const base = issue.path.filter((p) => typeof p !== "symbol") as (string | number)[];
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        const path = [...base, key];
        let message = issue.message.startsWith("not in ")
          ? `Key '${key}' ${issue.message}`
          : `Unknown key '${key}'`;
        const className = /^not in '(.+)'$/.exec(issue.message)?.[1];
        const near = nearestName(key, KNOWN_KEYS.get(className ?? "") ?? []);
        if (near) message += `; did you mean ${near}?`;
        out.push({ path, pathText: formatPath(path), message, atKey: true });
      }
      continue;
    }
    // zod's own message for a required key that is absent
    const message = issue.code === "invalid_type" && issue.expected === "nonoptional"
      ? MISSING
      : issue.message;
    out.push({ path: base, pathText: formatPath(base), message, atKey: false });
  }
  return out;
}
