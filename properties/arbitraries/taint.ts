/**
 * Node taints over a small key and value vocabulary.
 */
import fc from 'fast-check';
import type { Taint } from 'kubeprop';
import { compact, optional, vocabulary } from './compose.js';
import { DEFAULT_TAINT_KEYS, DEFAULT_TAINT_VALUES } from './vocabulary.js';

/** A taint effect. */
export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';

/** The three effects, the mildest-to-explain first so that shrinking goes to `NoSchedule`. */
export const TAINT_EFFECTS: readonly TaintEffect[] = Object.freeze(['NoSchedule', 'PreferNoSchedule', 'NoExecute']);

/** Options of {@link taint}. */
export interface TaintConstraints {
  /** Keys to draw from. Default {@link DEFAULT_TAINT_KEYS}. */
  readonly keys?: readonly string[];
  /** Values to draw from; a taint may also have no value. Default {@link DEFAULT_TAINT_VALUES}. */
  readonly values?: readonly string[];
  /** Effects to draw from. Default all three. */
  readonly effects?: readonly TaintEffect[];
}

/** A taint: a key from the vocabulary, an optional value, an effect. */
export function taint(constraints: TaintConstraints = {}): fc.Arbitrary<Taint> {
  const keys = vocabulary('taint.keys', constraints.keys ?? DEFAULT_TAINT_KEYS);
  const values = vocabulary('taint.values', constraints.values ?? DEFAULT_TAINT_VALUES);
  const effects = vocabulary('taint.effects', constraints.effects ?? TAINT_EFFECTS);
  return fc
    .record({ key: fc.constantFrom(...keys), value: optional(fc.constantFrom(...values), 60), effect: fc.constantFrom(...effects) })
    .map((t) => compact(t));
}

/** Options of {@link taints}. */
export interface TaintsConstraints extends TaintConstraints {
  /** Most taints. Default 2. */
  readonly maxTaints?: number;
  /** For {@link node}: the percentage of nodes that have taints at all. Default 40. */
  readonly taintedPercent?: number;
}

/**
 * A node's taint list. Upstream rejects two taints with the same key and effect, so the list is
 * unique on that pair.
 */
export function taints(constraints: TaintsConstraints = {}): fc.Arbitrary<Taint[]> {
  return fc.uniqueArray(taint(constraints), { minLength: 0, maxLength: constraints.maxTaints ?? 2, selector: (t) => `${t.key}\u0000${t.effect}` });
}
