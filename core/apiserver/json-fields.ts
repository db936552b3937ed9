/**
 * Small helpers for reading and copy-on-write editing of unstructured objects on the API server's
 * request path. Request bodies may be deeply frozen (objects from the store, spread by a client)
 * or may carry values of the wrong type (schema errors are reported after mutating admission, as
 * upstream reports them after decoding), so every reader checks types and every writer copies.
 */

/** A JSON object as the request path handles it. */
export type Obj = Record<string, unknown>;

/** Whether `v` is a JSON object (not an array, not null). */
export function isObj(v: unknown): v is Readonly<Obj> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `v[key]` as an object, or `undefined` when absent or not an object. */
export function objAt(v: unknown, key: string): Readonly<Obj> | undefined {
  if (!isObj(v)) return undefined;
  const x = v[key];
  return isObj(x) ? x : undefined;
}

/** `v[key]` as a string, or `undefined`. */
export function strAt(v: unknown, key: string): string | undefined {
  if (!isObj(v)) return undefined;
  const x = v[key];
  return typeof x === 'string' ? x : undefined;
}

/** `v[key]` as an array, or `undefined`. */
export function arrAt(v: unknown, key: string): readonly unknown[] | undefined {
  if (!isObj(v)) return undefined;
  const x = v[key];
  return Array.isArray(x) ? x : undefined;
}

/** A copy of `o` with `key` set to `value` (the same object when nothing changes). */
export function withField(o: Readonly<Obj>, key: string, value: unknown): Readonly<Obj> {
  if (o[key] === value) return o;
  return { ...o, [key]: value };
}

/**
 * Maps the object elements of an array through `f`, returning the same array when no element
 * changed (so unchanged subtrees stay shared, and frozen).
 */
export function mapObjects(items: readonly unknown[], f: (item: Readonly<Obj>) => Readonly<Obj>): readonly unknown[] {
  let out: unknown[] | undefined;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (!isObj(item)) continue;
    const next = f(item);
    if (next !== item) {
      out ??= items.slice();
      out[i] = next;
    }
  }
  return out ?? items;
}

/** Keys of an object in code-point order: a total, locale-free order for deterministic output. */
export function sortedKeys(o: Readonly<Obj>): string[] {
  return Object.keys(o).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
