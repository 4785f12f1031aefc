/**
 * Key paths in the user's own words. The schema moves the guide's environment shape into
 * oumi's (DECISIONS compat 2): env-level `system_prompt` / `state_params` / `cache_by_input` into
 * `env_kwargs`, and each tool's `deterministic_outputs` into `env_kwargs.lookup_table.<tool id>`.
 * Problems found later (when environments are built) name oumi's path; this maps such a path
 * back to the key the user wrote, so the message and its line:column point at their YAML.
 *
 * @module
 */
import { isRecord } from "./pyValues.ts";
import { GUIDE_KWARGS } from "./schema/envKwargs.ts";
import type { KeyPath } from "./yaml.ts";

/** `a.b[0]["c d"]` -> `["a", "b", 0, "c d"]`. */
export function parseKeyPath(text: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of text.matchAll(/\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]|([^.[\]]+)/g)) {
    if (m[1] !== undefined) out.push(Number(m[1]));
    else if (m[2] !== undefined) out.push(JSON.parse(`"${m[2]}"`));
    else out.push(m[3]);
  }
  return out;
}

/**
 * Maps `path` (over the normalised config) to the path of the same value in `raw`, the data as
 * the user wrote it (after overrides). Paths that exist in `raw` are returned unchanged.
 *
 * @example
 * // raw: environments[2].tools[0].deterministic_outputs[0].input
 * userPath(raw, ["environment_config", "environments", 2, "env_kwargs", "lookup_table",
 *   "get_refund_policy", 0, "input"])
 * // -> ["environment_config", "environments", 2, "tools", 0, "deterministic_outputs", 0, "input"]
 */
export function userPath(raw: unknown, path: KeyPath): KeyPath {
  const envAt = path.indexOf("environments");
  if (path[0] !== "environment_config" || envAt !== 1 || path[3] !== "env_kwargs") return path;
  const root = isRecord(raw) ? raw.environment_config : undefined;
  const envs = isRecord(root) && Array.isArray(root.environments) ? root.environments : [];
  const env = envs[path[2] as number];
  if (!isRecord(env)) return path;
  const kwargs = isRecord(env.env_kwargs) ? env.env_kwargs : {};
  const key = String(path[4] ?? "");
  if (key in kwargs) return path;
  const head = path.slice(0, 3);
  if (key === "lookup_table" && path.length >= 6 && Array.isArray(env.tools)) {
    const j = env.tools.findIndex((t) => isRecord(t) && t.id === path[5]);
    if (j >= 0) return [...head, "tools", j, "deterministic_outputs", ...path.slice(6)];
  }
  for (const [envKey, kwKey] of Object.entries(GUIDE_KWARGS)) {
    if (kwKey === key && env[envKey] !== undefined && env[envKey] !== null) {
      return [...head, envKey, ...path.slice(5)];
    }
  }
  return path;
}
