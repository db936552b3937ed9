/**
 * `metadata.uid` values from a counter instead of a random UUID, so that a run's objects (and its
 * trace digest) are identical for the same seed and scenario.
 */

/**
 * The UID of the `n`-th object a store creates (n >= 1): UUID-shaped (8-4-4-4-12 lower-case hex,
 * version nibble 4 and variant 8, so UUID parsers accept it), with `n` in the last group, e.g.
 * `00000000-0000-4000-8000-000000000001`. Distinct for every `n` below 2^48.
 */
export function deterministicUid(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}
