/**
 * Records are plain objects keyed by attribute ids that come from configs and data files; a
 * key `__proto__` must become a normal field, never change the object's prototype.
 *
 * @module
 */

/** Sets `key` on `target` as an own, enumerable property, also when `key` is `__proto__`. */
export function setKey(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") {
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else target[key] = value;
}
