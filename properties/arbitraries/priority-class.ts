/**
 * PriorityClasses (`scheduling.k8s.io/v1`).
 */
import fc from 'fast-check';
import type { KubeObject, PriorityClass } from 'kubeprop';
import { compact, optional } from './compose.js';
import { DEFAULT_PRIORITY_LEVELS, type PriorityLevel } from './vocabulary.js';

/** A generated PriorityClass, usable wherever a `KubeObject` is. */
export type PriorityClassObject = PriorityClass & KubeObject;

/** Upstream `HighestUserDefinablePriority`: larger values are reserved for system classes. */
export const HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000;

/** Options of {@link priorityClass}. */
export interface PriorityClassConstraints {
  /**
   * Fixed name and value (what pods refer to). Default: a name from {@link DEFAULT_PRIORITY_LEVELS}
   * with a value drawn up to {@link HIGHEST_USER_DEFINABLE_PRIORITY}.
   */
  readonly level?: PriorityLevel;
  /** Percentage of classes with `preemptionPolicy: Never`. Default 10. */
  readonly neverPreemptPercent?: number;
  /** Whether `globalDefault: true` may appear (at most one class of a cluster may have it). Default false. */
  readonly globalDefault?: boolean;
}

/** A PriorityClass. */
export function priorityClass(constraints: PriorityClassConstraints = {}): fc.Arbitrary<PriorityClassObject> {
  const level: fc.Arbitrary<PriorityLevel> =
    constraints.level !== undefined
      ? fc.constant(constraints.level)
      : fc.record({
          name: fc.constantFrom(...DEFAULT_PRIORITY_LEVELS.map((l) => l.name)),
          value: fc.integer({ min: -1000, max: HIGHEST_USER_DEFINABLE_PRIORITY }),
        });
  return fc
    .record({
      level,
      never: optional(fc.constant('Never' as const), constraints.neverPreemptPercent ?? 10),
      globalDefault: constraints.globalDefault === true ? optional(fc.constant(true), 20) : fc.constant(undefined),
    })
    .map((d) =>
      compact({
        apiVersion: 'scheduling.k8s.io/v1',
        kind: 'PriorityClass',
        metadata: { name: d.level.name },
        value: d.level.value,
        preemptionPolicy: d.never,
        globalDefault: d.globalDefault,
      }) as PriorityClassObject,
    );
}
