/**
 * Structural equality of JSON values, used to detect no-op writes (which, as in etcd3's
 * `GuaranteedUpdate`, neither bump the revision nor emit a watch event) and spec changes (which
 * bump `metadata.generation`).
 */

/**
 * Whether `a` and `b` are the same JSON value. Identical references short-cut, which makes
 * comparing an updated object with the stored one cheap when the update shares unchanged subtrees.
 * A property whose value is `undefined` counts as absent, as in JSON.
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const aArr = Array.isArray(a);
  if (aArr !== Array.isArray(b)) return false;
  if (aArr) {
    const x = a as readonly unknown[];
    const y = b as readonly unknown[];
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!deepEqual(x[i], y[i])) return false;
    return true;
  }
  const x = a as Readonly<Record<string, unknown>>;
  const y = b as Readonly<Record<string, unknown>>;
  let countX = 0;
  for (const key of Object.keys(x)) {
    const vx = x[key];
    if (vx === undefined) continue;
    countX++;
    if (!deepEqual(vx, y[key])) return false;
  }
  let countY = 0;
  for (const key of Object.keys(y)) if (y[key] !== undefined) countY++;
  return countX === countY;
}
