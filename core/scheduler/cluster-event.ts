/**
 * Cluster events and queueing hints: how a plugin that rejected a pod says which cluster changes may
 * make it schedulable again. Mirrors `kube-scheduler/framework/types.go` (`ActionType`,
 * `EventResource`, `ClusterEvent`, `ClusterEventWithHint`, `QueueingHint`).
 */
import type { DeepReadonly, KubeObject, Pod } from '../api/types.js';

/** Upstream `ActionType` bits, by name. `Update` is every `Update*` bit; `All` is everything. */
export const ActionType = {
  Add: 1 << 0,
  Delete: 1 << 1,
  UpdateNodeAllocatable: 1 << 2,
  UpdateNodeLabel: 1 << 3,
  UpdateNodeTaint: 1 << 4,
  UpdateNodeCondition: 1 << 5,
  UpdateNodeAnnotation: 1 << 6,
  UpdatePodLabel: 1 << 7,
  UpdatePodScaleDown: 1 << 8,
  UpdatePodToleration: 1 << 9,
  UpdatePodSchedulingGatesEliminated: 1 << 10,
  UpdatePodGeneratedResourceClaim: 1 << 11,
  UpdateNodeDeclaredFeature: 1 << 12,
  /** Any update of an object of a resource that has no finer-grained update bits. */
  UpdateOther: 1 << 13,
  Update: 0,
  All: 0,
} as const;
(ActionType as { Update: number }).Update = (1 << 14) - 1 - ActionType.Add - ActionType.Delete;
(ActionType as { All: number }).All = (1 << 14) - 1;

/** Upstream `EventResource` values kubeprop models (plus `*` for any resource). */
export type EventResource =
  | 'Pod'
  | 'AssignedPod'
  | 'UnscheduledPod'
  | 'Node'
  | 'PersistentVolume'
  | 'PersistentVolumeClaim'
  | 'StorageClass'
  | 'Namespace'
  | 'Service'
  | 'PodDisruptionBudget'
  | '*';

/** A kind of cluster change: a resource and a set of `ActionType` bits. */
export interface ClusterEvent {
  readonly resource: EventResource;
  readonly actionType: number;
  /** A human-readable label (upstream `Label`), e.g. `NodeTaintChange`. */
  readonly label?: string;
}

/** Upstream `QueueingHint`. */
export type QueueingHint = 'Queue' | 'QueueSkip';

/**
 * Decides whether an event can make `pod` schedulable. A hint that throws is treated as `Queue`,
 * as upstream treats an error.
 */
export type QueueingHintFn = (
  pod: DeepReadonly<Pod>,
  oldObj: DeepReadonly<KubeObject> | undefined,
  newObj: DeepReadonly<KubeObject> | undefined,
) => QueueingHint;

export interface ClusterEventWithHint {
  readonly event: ClusterEvent;
  /** Absent means always `Queue`. */
  readonly queueingHintFn?: QueueingHintFn;
}

/** Whether an event of `actual` matches the registered `wanted` event (resource and action bits). */
export function eventMatches(wanted: ClusterEvent, actual: ClusterEvent): boolean {
  const resourceOk =
    wanted.resource === '*' ||
    wanted.resource === actual.resource ||
    (wanted.resource === 'Pod' && (actual.resource === 'AssignedPod' || actual.resource === 'UnscheduledPod'));
  return resourceOk && (wanted.actionType & actual.actionType) !== 0;
}
