/**
 * Pod tolerations over the taint vocabulary, so that they tolerate some generated taints and not
 * others.
 */
import fc from 'fast-check';
import type { Toleration } from 'kubeprop';
import { compact, list, optional, vocabulary } from './compose.js';
import { TAINT_EFFECTS, type TaintEffect } from './taint.js';
import { DEFAULT_TAINT_KEYS, DEFAULT_TAINT_VALUES } from './vocabulary.js';

/** Options of {@link toleration}. */
export interface TolerationConstraints {
  /** Keys to draw from. Default {@link DEFAULT_TAINT_KEYS}. */
  readonly keys?: readonly string[];
  /** Values to draw from. Default {@link DEFAULT_TAINT_VALUES}. */
  readonly values?: readonly string[];
  /** Effects to draw from; a toleration may also name no effect (all effects). Default all three. */
  readonly effects?: readonly TaintEffect[];
  /** Whether a key-less `Exists` toleration (tolerates everything) may appear. Default true. */
  readonly wildcard?: boolean;
}

/**
 * A toleration, valid as upstream's `ValidateTolerations` demands: `Exists` carries no value, a
 * key-less toleration is `Exists`, and `tolerationSeconds` only goes with `NoExecute`.
 */
export function toleration(constraints: TolerationConstraints = {}): fc.Arbitrary<Toleration> {
  const keys = vocabulary('toleration.keys', constraints.keys ?? DEFAULT_TAINT_KEYS);
  const values = vocabulary('toleration.values', constraints.values ?? DEFAULT_TAINT_VALUES);
  const effects = vocabulary('toleration.effects', constraints.effects ?? TAINT_EFFECTS);
  const effect = optional(fc.constantFrom(...effects), 60);
  const seconds = optional(fc.integer({ min: 0, max: 600 }), 30);
  const withSeconds = <T extends { effect?: TaintEffect | undefined }>(t: T, s: number | undefined): T & { tolerationSeconds?: number } =>
    t.effect === 'NoExecute' && s !== undefined ? { ...t, tolerationSeconds: s } : t;
  const equal = fc
    .record({ key: fc.constantFrom(...keys), value: fc.constantFrom(...values), effect, seconds })
    .map(({ seconds: s, ...t }) => compact(withSeconds({ ...t, operator: 'Equal' as const }, s)));
  const exists = fc
    .record({ key: fc.constantFrom(...keys), effect, seconds })
    .map(({ seconds: s, ...t }) => compact(withSeconds({ ...t, operator: 'Exists' as const }, s)));
  const wildcard = fc.record({ effect }).map((t) => compact({ operator: 'Exists' as const, ...t }));
  return constraints.wildcard === false
    ? fc.oneof(equal, exists)
    : fc.oneof({ arbitrary: equal, weight: 4 }, { arbitrary: exists, weight: 3 }, { arbitrary: wildcard, weight: 1 });
}

/** Options of {@link tolerations}. */
export interface TolerationsConstraints extends TolerationConstraints {
  /** Most tolerations. Default 2. */
  readonly maxTolerations?: number;
}

/** A pod's toleration list. */
export function tolerations(constraints: TolerationsConstraints = {}): fc.Arbitrary<Toleration[]> {
  return list(toleration(constraints), { maxLength: constraints.maxTolerations ?? 2 });
}
