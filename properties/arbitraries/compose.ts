/**
 * Helpers shared by the arbitraries: optional fields that shrink away, and objects without
 * `undefined`-valued keys (manifests never carry them, and `exactOptionalPropertyTypes` forbids
 * them).
 */
import fc from 'fast-check';

/**
 * An optional value: present `presentPercent` % of the time, absent otherwise. Absence is what it
 * shrinks to, so counterexamples keep only the fields that matter.
 */
export function optional<T>(arb: fc.Arbitrary<T>, presentPercent = 50): fc.Arbitrary<T | undefined> {
  if (presentPercent <= 0) return fc.constant(undefined);
  if (presentPercent >= 100) return arb;
  return fc.oneof(
    { withCrossShrink: true },
    { arbitrary: fc.constant(undefined), weight: 100 - presentPercent },
    { arbitrary: arb, weight: presentPercent },
  );
}

/**
 * True `percent` % of the time, shrinking to false. (A mapped `fc.integer` would not do: fast-check
 * biases integers towards the bounds, so `n < 3` over 0..99 comes out far more often than 3 %.)
 */
export function chance(percent: number): fc.Arbitrary<boolean> {
  if (percent <= 0) return fc.constant(false);
  if (percent >= 100) return fc.constant(true);
  return fc.oneof({ withCrossShrink: true }, { arbitrary: fc.constant(false), weight: 100 - percent }, { arbitrary: fc.constant(true), weight: percent });
}

/**
 * An array whose elements can each shrink away, wherever they sit. fast-check shrinks an array's
 * length by dropping leading elements, so with a plain `fc.array` an irrelevant element behind a
 * relevant one stays in the counterexample; here every element is optional and absent ones are
 * dropped, so shrinking can remove any of them.
 */
export function list<T>(arb: fc.Arbitrary<T>, constraints: { readonly minLength?: number; readonly maxLength: number }, presentPercent = 85): fc.Arbitrary<T[]> {
  const min = constraints.minLength ?? 0;
  return fc
    .array(optional(arb, presentPercent), { minLength: min, maxLength: Math.max(min, constraints.maxLength) })
    .filter((xs) => xs.filter((x) => x !== undefined).length >= min)
    .map((xs) => xs.filter((x): x is T => x !== undefined));
}

/** `T` with every `undefined`-admitting key made optional and `undefined` removed from its type. */
export type Compacted<T> = { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>;
};

/**
 * Removes `undefined`-valued keys, and with `dropEmpty` also keys holding empty arrays or empty
 * objects (a manifest writes neither).
 */
export function compact<T extends object>(o: T, dropEmpty = false): Compacted<T> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined) continue;
    if (dropEmpty && Array.isArray(v) && v.length === 0) continue;
    if (dropEmpty && v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0) continue;
    out[k] = v;
  }
  return out as Compacted<T>;
}

/** An inclusive integer range, validated once so that constraint mistakes fail fast and clearly. */
export function range(what: string, min: number, max: number): { readonly min: number; readonly max: number } {
  if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || min < 0 || min > max) {
    throw new RangeError(`${what}: expected integers 0 <= min <= max, got min=${min} max=${max}`);
  }
  return { min, max };
}

/** A non-empty vocabulary, checked once. */
export function vocabulary<T>(what: string, values: readonly T[]): readonly T[] {
  if (values.length === 0) throw new RangeError(`${what}: the vocabulary must not be empty`);
  return values;
}
