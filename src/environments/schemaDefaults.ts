/**
 * JSON Schema `default`s of tool parameters (spec §11.8): defaults are applied only along
 * `properties` chains from the root (following local `$ref`s), the way oumi fills lookup
 * entries and call arguments; a `default` anywhere else (inside `items`, `anyOf`, `allOf`,
 * `additionalProperties`, `patternProperties`, ...) would never be applied and is reported.
 *
 * @module
 */
import type { JsonSchema } from "../engines/contract.ts";
import { isRecord } from "../config/pyValues.ts";

/** Resolves a local `$ref` (`#/...` JSON pointer) against `root`; undefined when it cannot. */
function resolveRef(ref: string, root: JsonSchema): JsonSchema | undefined {
  if (!ref.startsWith("#")) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(1).split("/").slice(1)) {
    const key = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
    node = isRecord(node) ? node[key] : undefined;
  }
  return isRecord(node) ? node : undefined;
}

/** `schema` with its local `$ref` chain followed (cycles stop). */
function deref(schema: JsonSchema, root: JsonSchema): JsonSchema {
  let node = schema;
  const seen = new Set<JsonSchema>();
  while (typeof node.$ref === "string" && !seen.has(node)) {
    seen.add(node);
    const target = resolveRef(node.$ref, root);
    if (!target) break;
    node = target;
  }
  return node;
}

function fill(schema: JsonSchema, value: Record<string, unknown>, root: JsonSchema, depth: number) {
  if (depth > 64) return;
  const props = deref(schema, root).properties;
  if (!isRecord(props)) return;
  for (const [key, raw] of Object.entries(props)) {
    if (!isRecord(raw)) continue;
    const prop = deref(raw, root);
    if (!(key in value)) {
      const holder = "default" in raw ? raw : "default" in prop ? prop : undefined;
      if (holder) value[key] = structuredClone(holder.default);
    }
    const child = value[key];
    if (isRecord(child)) fill(prop, child, root, depth + 1);
  }
}

/**
 * A deep copy of `args` with property defaults of `schema` filled in, recursively through
 * present nested objects (missing objects are not created).
 *
 * @example
 * ```ts
 * withDefaults({ properties: { n: { default: 3 } } }, {}); // { n: 3 }
 * ```
 */
export function withDefaults(schema: JsonSchema, args: Record<string, unknown>) {
  const copy = structuredClone(args);
  fill(schema, copy, schema, 0);
  return copy;
}

/** Every node reached from the root through `properties` (and `$ref`s): their defaults apply. */
function appliedNodes(root: JsonSchema): Set<JsonSchema> {
  const applied = new Set<JsonSchema>();
  const visit = (node: JsonSchema, depth: number) => {
    if (depth > 64) return;
    const target = deref(node, root);
    const props = target.properties;
    if (!isRecord(props)) return;
    for (const child of Object.values(props)) {
      if (!isRecord(child) || applied.has(child)) continue;
      applied.add(child);
      const resolved = deref(child, root);
      applied.add(resolved);
      visit(resolved, depth + 1);
    }
  };
  visit(root, 0);
  return applied;
}

/**
 * Key paths (dotted, e.g. `properties.tags.items.default`) of `default`s in `schema` that
 * {@link withDefaults} never applies. Empty when all defaults are reachable.
 */
export function unreachableDefaults(schema: JsonSchema): string[] {
  const applied = appliedNodes(schema);
  const found: string[] = [];
  const walk = (node: unknown, path: string[], isSchema: boolean) => {
    if (Array.isArray(node)) {
      node.forEach((item, i) => walk(item, [...path, String(i)], isSchema));
      return;
    }
    if (!isRecord(node)) return;
    if (isSchema && "default" in node && !applied.has(node)) {
      found.push([...path, "default"].join("."));
    }
    for (const [key, child] of Object.entries(node)) {
      if (key === "default" || key === "const" || key === "enum" || key === "examples") continue;
      // Maps of schemas (properties, $defs, ...) hold schemas one level down.
      const mapOfSchemas = [
        "properties",
        "patternProperties",
        "$defs",
        "definitions",
        "dependentSchemas",
      ].includes(key);
      if (mapOfSchemas && isRecord(child)) {
        for (const [name, sub] of Object.entries(child)) walk(sub, [...path, key, name], true);
      } else {
        walk(child, [...path, key], true);
      }
    }
  };
  walk(schema, [], true);
  return found;
}
