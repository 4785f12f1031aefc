/**
 * The objects templates see (§8.2) and the `.attr` / `[key]` lookups on them, mirroring oumi's
 * `SafeDict`, `IndexableValue`, `_DictWrapper` and `_AttributeInfo`:
 *
 * - a sampled attribute renders as its value name and has `.name`, `.description`,
 *   `.attribute_id` and `.parent` (attribute name; `.parent.name`, `.parent.description`);
 * - a list whose first element is a map allows `[i]` with negative indices, giving items
 *   with `.field` and `[field]` access;
 * - plain maps allow `[key]`, plain lists `[i]` (no negative indices), strings `[i]`.
 *
 * Deliberate difference: oumi renders a bare list-of-maps field (`{x}`, `{x[0]}`) as a Python
 * object repr with a memory address; here it renders as the Python repr of the data.
 *
 * @module
 */

import { TemplateError } from "../errors.ts";
import type { Accessor } from "./parse.ts";
import {
  isPlainMap,
  PY_REPR,
  PY_STR,
  type PyObjectLike,
  pyQuote,
  pyRepr,
  pyTypeName,
} from "../python/repr.ts";

/** An oumi attribute-info object: `str()` is its name, `repr()` the quoted name. */
abstract class NamedInfo implements PyObjectLike {
  abstract readonly pyTypeName: string;
  abstract readonly name: string;
  [PY_STR](): string {
    return this.name;
  }
  [PY_REPR](): string {
    return pyQuote(this.name);
  }
}

/** The parent of a sampled value: renders as the attribute name. */
export class SampledParent extends NamedInfo {
  readonly pyTypeName = "_AttributeParentInfo";
  constructor(readonly name: string, readonly description: string) {
    super();
  }
}

/** A sampled attribute value as templates see it: renders as the value name. */
export class SampledValue extends NamedInfo {
  readonly pyTypeName = "_AttributeInfo";
  constructor(
    readonly attributeId: string,
    readonly name: string,
    readonly description: string,
    readonly parent: SampledParent,
  ) {
    super();
  }
}

/** A list of maps seen through a template: `[i]` with negative indices (oumi `IndexableValue`). */
export class IndexableList implements PyObjectLike {
  readonly pyTypeName = "IndexableValue";
  constructor(readonly items: readonly unknown[]) {}
  [PY_STR](): string {
    return pyRepr(this.items);
  }
  [PY_REPR](): string {
    return pyRepr(this.items);
  }
}

/** One item of an {@link IndexableList}: `.field` and `[field]` (oumi `_DictWrapper`). */
export class DictItem implements PyObjectLike {
  readonly pyTypeName = "_DictWrapper";
  constructor(readonly data: unknown) {}
  [PY_STR](): string {
    return pyRepr(this.data);
  }
  [PY_REPR](): string {
    return pyRepr(this.data);
  }
}

/** Whether a top-level value is a list of maps that gets indexed access. */
export function isListOfMaps(value: unknown): value is unknown[] {
  return Array.isArray(value) && value.length > 0 && isPlainMap(value[0]);
}

const PY_INT = /^\s*[+-]?\d+(?:_\d+)*\s*$/;

/**
 * Applies one accessor, as Python's `getattr` / `__getitem__` would on the value.
 *
 * @throws {TemplateError} "Index out of range" for list-of-maps indices, else a message naming
 *   the placeholder and the Python error (e.g. `'dict' object has no attribute 'key'`).
 */
export function access(value: unknown, acc: Accessor, field: string): unknown {
  if (acc.kind === "attr") return getAttr(value, acc.name, field);
  return getItem(value, acc.key, field);
}

function fail(field: string, message: string): TemplateError {
  return new TemplateError(`Cannot render placeholder {${field}}: ${message}`);
}

function noAttr(value: unknown, name: string, field: string): TemplateError {
  return fail(field, `'${pyTypeName(value)}' object has no attribute '${name}'`);
}

function getAttr(value: unknown, name: string, field: string): unknown {
  if (value instanceof SampledValue) {
    switch (name) {
      case "name":
        return value.name;
      case "description":
        return value.description;
      case "parent":
        return value.parent;
      case "attribute_id":
        return value.attributeId;
    }
    const hint = name === "id" ? " (the value id cannot be rendered; use .name)" : "";
    throw fail(field, `'_AttributeInfo' object has no attribute '${name}'${hint}`);
  }
  if (value instanceof SampledParent) {
    if (name === "name") return value.name;
    if (name === "description") return value.description;
  }
  if (value instanceof DictItem && isPlainMap(value.data) && Object.hasOwn(value.data, name)) {
    return value.data[name];
  }
  throw noAttr(value, name, field);
}

function getItem(value: unknown, key: string | number, field: string): unknown {
  if (value instanceof IndexableList) {
    let index: number;
    if (typeof key === "number") index = key;
    else if (PY_INT.test(key)) index = Number(key.replace(/_/g, ""));
    else {
      throw fail(
        field,
        `Index must be integer or string representation of integer, got string '${key}'`,
      );
    }
    if (index < 0) index += value.items.length;
    if (index < 0 || index >= value.items.length) throw fail(field, "Index out of range");
    return new DictItem(value.items[index]);
  }
  const target = value instanceof DictItem ? value.data : value;
  if (isPlainMap(target)) {
    if (typeof key === "string" && Object.hasOwn(target, key)) return target[key];
    throw fail(field, `key ${typeof key === "string" ? pyQuote(key) : key} not found`);
  }
  if (Array.isArray(target)) {
    if (typeof key === "string") {
      throw fail(field, "list indices must be integers or slices, not str");
    }
    if (key >= target.length) throw fail(field, "list index out of range");
    return target[key];
  }
  if (typeof target === "string") {
    if (typeof key === "string") throw fail(field, "string indices must be integers, not 'str'");
    const chars = Array.from(target);
    if (key >= chars.length) throw fail(field, "string index out of range");
    return chars[key];
  }
  throw fail(field, `'${pyTypeName(target)}' object is not subscriptable`);
}
