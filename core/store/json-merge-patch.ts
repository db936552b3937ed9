/**
 * JSON merge patch (RFC 7386), the `application/merge-patch+json` patch type of the API server.
 *
 * The result shares every untouched subtree with the target instead of copying it: the store's
 * objects are deeply frozen, so sharing is safe, and a patch touching one field of a large object
 * costs only the path to that field.
 */

function isPlainObject(v: unknown): v is Readonly<Record<string, unknown>> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Applies `patch` to `target` as RFC 7386 section 2 specifies: an object patch merges member by
 * member (a `null` member removes the key, any other member is merged recursively); any other patch
 * (array, string, number, boolean, `null`) replaces the target. Neither argument is modified.
 */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  const base: Readonly<Record<string, unknown>> = isPlainObject(target) ? target : {};
  const out: Record<string, unknown> = { ...base };
  for (const key of Object.keys(patch)) {
    const value = patch[key];
    if (value === null) {
      delete out[key];
    } else if (value !== undefined) {
      out[key] = applyMergePatch(base[key], value);
    }
  }
  return out;
}
