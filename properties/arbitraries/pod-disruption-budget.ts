/**
 * PodDisruptionBudgets (`policy/v1`) selecting pods over the pod label vocabulary.
 */
import fc from 'fast-check';
import type { KubeObject, PodDisruptionBudget } from 'kubeprop';
import { vocabulary } from './compose.js';
import { labelSelector } from './labels.js';
import { DEFAULT_NAMESPACES } from './vocabulary.js';

/** A generated PodDisruptionBudget, usable wherever a `KubeObject` is. */
export type PodDisruptionBudgetObject = PodDisruptionBudget & KubeObject;

/** Options of {@link podDisruptionBudget}. */
export interface PodDisruptionBudgetConstraints {
  /** The name. Default: drawn from `pdb-0` … `pdb-2`. */
  readonly name?: string;
  /** Namespaces to draw from. Default {@link DEFAULT_NAMESPACES}. */
  readonly namespaces?: readonly string[];
  /** Pod label keys and values for the selector. */
  readonly labelKeys?: readonly string[];
  readonly labelValues?: readonly string[];
}

/**
 * A PodDisruptionBudget with exactly one of `minAvailable` and `maxUnavailable`, each an integer or
 * a percentage.
 */
export function podDisruptionBudget(constraints: PodDisruptionBudgetConstraints = {}): fc.Arbitrary<PodDisruptionBudgetObject> {
  const namespaces = vocabulary('podDisruptionBudget.namespaces', constraints.namespaces ?? DEFAULT_NAMESPACES);
  const amount = fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom('0%', '25%', '50%', '100%'));
  return fc
    .record({
      name: constraints.name !== undefined ? fc.constant(constraints.name) : fc.constantFrom('pdb-0', 'pdb-1', 'pdb-2'),
      namespace: fc.constantFrom(...namespaces),
      selector: labelSelector({
        ...(constraints.labelKeys !== undefined ? { keys: constraints.labelKeys } : {}),
        ...(constraints.labelValues !== undefined ? { values: constraints.labelValues } : {}),
      }),
      which: fc.constantFrom('minAvailable' as const, 'maxUnavailable' as const),
      amount,
    })
    .map((d) => ({
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: d.name, namespace: d.namespace },
      spec: { selector: d.selector, [d.which]: d.amount },
    }));
}
