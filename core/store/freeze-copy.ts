/**
 * Copy-on-write for stored objects: what the store keeps and hands out is deeply frozen, and what a
 * caller passes in is never modified.
 */
import { ModelBug } from '../errors.js';

/**
 * A deeply frozen copy of a JSON value. Subtrees that are already frozen are shared, not copied:
 * everything the store hands out is deeply frozen, so an update built by spreading a stored object
 * (`{ ...pod, spec: { ...pod.spec, nodeName } }`) copies only what changed.
 *
 * Contract: a frozen object or array is taken to be deeply frozen, as every object from the store
 * is. Properties whose value is `undefined` are dropped and `undefined` array elements become
 * `null`, as JSON serialization does. Values that are not JSON (functions, symbols, bigints, class
 * instances) are a bug in the caller and throw `ModelBug`.
 */
export function freezeCopy<T>(value: T): T {
  if (typeof value !== 'object' || value === null) {
    const t = typeof value;
    if (t === 'function' || t === 'symbol' || t === 'bigint') throw new ModelBug(`store objects must be JSON values, got a ${t}`);
    return value;
  }
  if (Object.isFrozen(value)) return value;
  if (Array.isArray(value)) {
    const out: unknown[] = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      // Strings and numbers are most members and need no copy: skip the recursive call for them.
      out[i] = item === undefined ? null : typeof item === 'string' || typeof item === 'number' ? item : freezeCopy(item);
    }
    return Object.freeze(out) as T;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    throw new ModelBug(`store objects must be JSON values, got an instance of ${String((value as { constructor?: { name?: string } }).constructor?.name)}`);
  }
  const src = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  // for-in is V8's fastest walk over a plain object's keys (enum cache, no key array); with the
  // prototype checked above, it visits exactly the own enumerable properties.
  for (const key in src) {
    const item = src[key];
    if (item === undefined) continue;
    out[key] = typeof item === 'string' || typeof item === 'number' ? item : freezeCopy(item);
  }
  return Object.freeze(out) as T;
}

/**
 * Freezes an object the store has just built itself (so it may be frozen in place), after giving
 * each member the `freezeCopy` treatment and dropping `undefined` members. Saves one shallow copy
 * per write compared with `freezeCopy`.
 */
export function freezeOwned<T extends Record<string, unknown>>(obj: T): T {
  for (const key in obj) {
    const item = obj[key];
    if (item === undefined) delete obj[key];
    else (obj as Record<string, unknown>)[key] = freezeCopy(item);
  }
  return Object.freeze(obj);
}
