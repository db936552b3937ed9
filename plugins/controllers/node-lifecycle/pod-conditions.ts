/**
 * Pod condition updates as the controllers write them: upstream `UpdatePodCondition`
 * (`pkg/api/v1/pod/util.go`), shared by the node lifecycle controller (`MarkPodsNotReady`), the
 * taint eviction controller and the pod GC controller (the `DisruptionTarget` condition).
 */
import { formatRfc3339 } from 'kubeprop';
import { conditionOf, type ConditionView } from './node-objects.js';

/** Upstream `v1.DisruptionTarget`: the pod is about to be deleted because of a disruption. */
export const POD_CONDITION_DISRUPTION_TARGET = 'DisruptionTarget';

/** A condition to set: type and status, with the optional reason and message. */
export interface PodConditionUpdate {
  readonly type: string;
  readonly status: string;
  readonly reason?: string | undefined;
  readonly message?: string | undefined;
  readonly lastProbeTime?: string | null | undefined;
}

/** What `updatePodCondition` computed. */
export interface PodConditionsUpdate {
  /** The conditions with the update applied (a new array). */
  readonly conditions: readonly ConditionView[];
  /** Whether anything changed (upstream's return value: write only when it did). */
  readonly changed: boolean;
}

/**
 * Upstream `UpdatePodCondition`: sets `update` among `conditions`. The transition time is now for a
 * new condition or a changed status and is kept otherwise; the result says whether status, reason,
 * message, probe time or transition time differ from the condition it replaces.
 */
export function updatePodCondition(conditions: readonly ConditionView[] | undefined, update: PodConditionUpdate, nowMs: number): PodConditionsUpdate {
  const list = conditions ?? [];
  const old = conditionOf(list, update.type);
  const lastTransitionTime = old !== undefined && old.status === update.status ? old.lastTransitionTime : formatRfc3339(nowMs);
  const next: { -readonly [K in keyof ConditionView]: ConditionView[K] } = { type: update.type, status: update.status };
  if (lastTransitionTime !== undefined) next.lastTransitionTime = lastTransitionTime;
  if (update.reason !== undefined && update.reason !== '') next.reason = update.reason;
  if (update.message !== undefined && update.message !== '') next.message = update.message;
  if (update.lastProbeTime !== undefined && update.lastProbeTime !== null) next.lastProbeTime = update.lastProbeTime;
  if (old === undefined) return { conditions: [...list, next], changed: true };
  const equal =
    old.status === next.status &&
    (old.reason ?? '') === (next.reason ?? '') &&
    (old.message ?? '') === (next.message ?? '') &&
    (old.lastProbeTime ?? '') === (next.lastProbeTime ?? '') &&
    (old.lastTransitionTime ?? '') === (next.lastTransitionTime ?? '');
  const out = list.map((c) => (c === old ? next : c));
  return { conditions: out, changed: !equal };
}
