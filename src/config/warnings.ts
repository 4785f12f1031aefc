/**
 * Non-fatal remarks about a valid config, found at load: keys oumi silently ignores (unknown
 * tool keys, `deterministic_outputs` outside deterministic environments), references that
 * name nothing (lookup-table or grounding entries for unknown tools), and passthrough names
 * no source or attribute produces (DECISIONS difference 10).
 *
 * @module
 */
import { unresolvablePassthroughNames } from "./passthroughNames.ts";
import { isRecord } from "./pyValues.ts";
import { TOOL_KEYS } from "./schema/environment.ts";
import { asList } from "./schema/leaves.ts";
import { attributeIds } from "./schema/params.ts";
import type { SynthesisConfig } from "./schema.ts";

/** One remark with the key path it is about. */
export interface ConfigRemark {
  path: (string | number)[];
  message: string;
}

/**
 * Collects remarks about a validated config. `raw` is the data that was validated (after
 * overrides, with an `environment_config_path` file inlined as `environment_config`), needed
 * for keys the schema drops.
 */
export function collectRemarks(
  config: SynthesisConfig,
  raw: Record<string, unknown>,
): ConfigRemark[] {
  const out: ConfigRemark[] = [];
  const rawEnvs = isRecord(raw.environment_config)
    ? asList(raw.environment_config.environments)
    : [];
  const envs = config.environment_config?.environments ?? [];
  envs.forEach((env, i) => {
    const rawEnv = isRecord(rawEnvs[i]) ? rawEnvs[i] : {};
    const at = ["environment_config", "environments", i];
    const toolIds = env.tools.map((t) => t.id);
    asList(rawEnv.tools).forEach((tool, j) => {
      if (!isRecord(tool)) return;
      for (const key of Object.keys(tool)) {
        if (!TOOL_KEYS.includes(key)) {
          out.push({
            path: [...at, "tools", j, key],
            message: `Unknown tool key '${key}' is ignored`,
          });
        }
      }
      if (env.env_type !== "deterministic" && tool.deterministic_outputs != null) {
        out.push({
          path: [...at, "tools", j, "deterministic_outputs"],
          message:
            `deterministic_outputs is ignored: environment '${env.id}' is ${env.env_type}, not deterministic`,
        });
      }
    });
    if (env.env_type === "deterministic") {
      for (const key of Object.keys(env.env_kwargs.lookup_table)) {
        if (!toolIds.includes(key)) {
          out.push({
            path: [...at, "env_kwargs", "lookup_table", key],
            message:
              `lookup_table entry '${key}' names no tool of environment '${env.id}'; it is ignored`,
          });
        }
      }
    }
    for (const key of Object.keys(env.grounding?.tools ?? {})) {
      if (!toolIds.includes(key)) {
        out.push({
          path: [...at, "grounding", "tools", key],
          message:
            `grounding entry '${key}' names no tool of environment '${env.id}'; it is ignored`,
        });
      }
    }
  });
  out.push(...passthroughRemarks(config));
  return out;
}

/** Names a record can hold, or undefined when dataset columns make that unknowable. */
function producedNames(config: SynthesisConfig): Set<string> | undefined {
  const params = config.strategy_params;
  if ((params.input_data ?? []).some((src) => !src.attribute_map)) return undefined;
  const names = new Set(attributeIds(params as Record<string, unknown>).map((e) => e.id));
  for (const mt of params.multiturn_attributes ?? []) names.add(`${mt.id}_plan`);
  for (const src of [...(params.input_data ?? []), ...(params.input_examples ?? [])]) {
    if (src.id && (src.num_shots ?? 1) > 1) names.add(src.id);
  }
  for (const doc of params.input_documents ?? []) {
    if (
      !doc.segmentation_params || doc.segmentation_params.keep_original_text ||
      (doc.num_shots ?? 1) > 1
    ) {
      names.add(doc.id);
    }
  }
  return names;
}

function passthroughRemarks(config: SynthesisConfig): ConfigRemark[] {
  const names = producedNames(config);
  const list = config.strategy_params.passthrough_attributes ?? [];
  if (!names) return [];
  const unresolvable = new Set(unresolvablePassthroughNames(list, names));
  const out: ConfigRemark[] = [];
  list.forEach((entry, i) => {
    if (unresolvable.has(entry)) {
      out.push({
        path: ["strategy_params", "passthrough_attributes", i],
        message:
          `'${entry}' is not produced by any source or attribute, so it is absent from every record`,
      });
    }
  });
  return out;
}
