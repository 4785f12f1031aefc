/**
 * oumi CLI overrides (spec §2.2): extra arguments `--key value` / `--key=value` whose key is a
 * path (`a.b[0].c` or `a.b.0.c`) and whose value is read as YAML with the config dialect
 * (`50` int, `0.5` float, `true`, `null`, `[a, b]`, else a string). Applied to the raw YAML data
 * before validation, in command-line order.
 *
 * @module
 */
import { UsageError } from "../errors.ts";
import { isRecord } from "./pyValues.ts";
import { parseYaml } from "./yaml.ts";

/** One step of an override key: a name (`.b`, `.0`) or an explicit list index (`[0]`). */
export type OverrideStep = { name: string } | { index: number };

/** One parsed override. */
export interface Override {
  /** The key as written, without `--` (e.g. `strategy_params.sampled_attributes[0].id`). */
  key: string;
  steps: OverrideStep[];
  /** The value as YAML read it (may contain bigints for whole-number floats, like YAML data). */
  value: unknown;
  /** How to show the override in messages, e.g. `--num_samples 50`. */
  display: string;
}

/** Result of {@link parseOverrides}. */
export interface ParsedOverrides {
  overrides: Override[];
  /** Non-fatal remarks (e.g. a value that itself starts with `--`). */
  warnings: string[];
}

const STEP_RE = /^([^.[\]]+)((?:\[\d+\])*)$/;

/**
 * Splits an override key into steps.
 *
 * @example parseOverrideKey("a.b[0].c") // [{name:"a"},{name:"b"},{index:0},{name:"c"}]
 * @throws {UsageError} for an empty part or malformed brackets.
 */
export function parseOverrideKey(key: string): OverrideStep[] {
  const steps: OverrideStep[] = [];
  for (const part of key.split(".")) {
    const m = STEP_RE.exec(part);
    if (!m) {
      throw new UsageError(
        `Invalid override key "${key}": use names separated by dots, with [i] for list items`,
      );
    }
    steps.push({ name: m[1] });
    for (const idx of m[2].matchAll(/\[(\d+)\]/g)) steps.push({ index: Number(idx[1]) });
  }
  return steps;
}

/**
 * Parses the extra command-line arguments oumi turns into config overrides (§2.2).
 * Arguments whose key starts with `local-rank` are ignored.
 *
 * @example parseOverrides(["--num_samples", "50", "--output_path=x.jsonl"])
 * @throws {UsageError} "Extra arguments must start with '--'", a trailing key without a value,
 *   an empty key, a malformed key path, or a value that is not valid YAML.
 */
export function parseOverrides(args: readonly string[]): ParsedOverrides {
  const overrides: Override[] = [];
  const warnings: string[] = [];
  let i = 0;
  while (i < args.length) {
    const original = args[i];
    const token = original.trim();
    if (!token.startsWith("--")) {
      throw new UsageError(
        `Extra arguments must start with '--'. Found argument \`${original}\` at position ${i}`,
      );
    }
    let key = token.slice(2);
    let valueText: string;
    const eq = key.indexOf("=");
    if (eq >= 0) {
      valueText = key.slice(eq + 1).trim();
      key = key.slice(0, eq).trim();
      if (!key) throw new UsageError(`Empty key name for \`=\` argument: \`${original}\``);
      i += 1;
    } else {
      key = key.trim();
      if (!key) throw new UsageError(`Empty key name in argument \`${original}\``);
      if (i + 1 >= args.length) {
        throw new UsageError(`Trailing argument has no value assigned: \`${original}\``);
      }
      valueText = args[i + 1].trim();
      i += 2;
    }
    if (key.startsWith("local-rank") || key.startsWith("local_rank")) continue;
    const display = `--${key} ${valueText}`;
    if (valueText.startsWith("--")) {
      warnings.push(`The value of --${key} starts with '--' ("${valueText}"); it is used as given`);
    }
    const parsed = parseYaml(valueText, `--${key}`);
    if (parsed.errors.length > 0) {
      throw new UsageError(`Cannot read the value of --${key}: ${parsed.errors[0].message}`);
    }
    overrides.push({ key, steps: parseOverrideKey(key), value: parsed.data ?? null, display });
  }
  return { overrides, warnings };
}

/** A tree copy of YAML data, so an override never reaches a second place through an alias. */
function treeCopy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(treeCopy);
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) setKey(out, k, treeCopy(v));
    return out;
  }
  return value;
}

function setKey(target: Record<string, unknown>, key: string, value: unknown) {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** An override applied: the concrete path it set (numbers for list indices). */
export interface AppliedOverride {
  path: (string | number)[];
  display: string;
}

/** An override that could not be applied. */
export interface OverrideProblem {
  /** The path up to where the problem is. */
  path: (string | number)[];
  message: string;
  display: string;
}

/**
 * Applies overrides to raw config data (a copy; `data` is not changed). Keys absent from the
 * data are created (their validity is checked by the schema afterwards); list items must
 * already exist.
 */
export function applyOverrides(
  data: Record<string, unknown>,
  overrides: readonly Override[],
): { data: Record<string, unknown>; applied: AppliedOverride[]; problems: OverrideProblem[] } {
  const root = (overrides.length > 0 ? treeCopy(data) : data) as Record<string, unknown>;
  const applied: AppliedOverride[] = [];
  const problems: OverrideProblem[] = [];
  for (const ov of overrides) {
    const path: (string | number)[] = [];
    let node: unknown = root;
    let failed = false;
    const fail = (message: string) => {
      problems.push({ path: [...path], message, display: ov.display });
      failed = true;
    };
    for (let s = 0; s < ov.steps.length && !failed; s++) {
      const step = ov.steps[s];
      const last = s === ov.steps.length - 1;
      const where = path.length > 0 ? `'${formatSteps(path)}'` : "the config";
      if (Array.isArray(node)) {
        const idx = "index" in step ? step.index : /^\d+$/.test(step.name) ? Number(step.name) : -1;
        if (idx < 0) {
          fail(
            `Cannot set '${ov.key}': ${where} is a list, '${
              "name" in step ? step.name : ""
            }' is not an index`,
          );
        } else if (idx >= node.length) {
          fail(
            `Cannot set '${ov.key}': list index ${idx} is out of range (${where} has ${node.length} items)`,
          );
        } else {
          path.push(idx);
          if (last) node[idx] = ov.value;
          else {
            if (node[idx] === null || node[idx] === undefined) node[idx] = {};
            node = node[idx];
          }
        }
      } else if (isRecord(node)) {
        if ("index" in step) {
          fail(`Cannot set '${ov.key}': ${where} is not a list, so [${step.index}] does not exist`);
          break;
        }
        path.push(step.name);
        const has = Object.hasOwn(node, step.name);
        if (last) setKey(node, step.name, ov.value);
        else {
          const next = ov.steps[s + 1];
          const current = has ? node[step.name] : undefined;
          if ((current === null || current === undefined) && "index" in next) {
            fail(
              `Cannot set '${ov.key}': list index ${next.index} is out of range ('${
                formatSteps(path)
              }' is not set)`,
            );
          } else if (current === null || current === undefined) {
            setKey(node, step.name, {});
          }
          node = node[step.name];
        }
      } else {
        fail(
          `Cannot set '${ov.key}': ${where} is a ${
            node === null ? "null" : typeof node
          } value, not a mapping or list`,
        );
      }
    }
    if (!failed) applied.push({ path, display: ov.display });
  }
  return { data: root, applied, problems };
}

function formatSteps(path: (string | number)[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}
