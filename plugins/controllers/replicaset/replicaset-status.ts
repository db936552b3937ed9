/**
 * A ReplicaSet's status: upstream `calculateStatus` and `updateReplicaSetStatus`
 * (`pkg/controller/replicaset/replica_set_utils.go`), with `DeploymentReplicaSetTerminatingReplicas`
 * on (beta and on by default in v1.35), so `terminatingReplicas` is always reported.
 */
import {
  canonicalJson,
  formatRfc3339,
  type ApiResult,
  type DeepReadonly,
  type KubeObject,
  type ReconcileContext,
  type ReplicaSet,
  type TraceValue,
} from 'kubeprop';
import { isPodAvailable, podFullyLabeled, podMemo, type CachedPod } from './pod-state.js';

const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});

/** A ReplicaSet as the informer caches hand it out (deeply frozen; it always has metadata). */
export type CachedReplicaSet = DeepReadonly<ReplicaSet & KubeObject>;

/** `ReplicaSet.status`, as the controller writes it. */
export type ReplicaSetStatus = NonNullable<ReplicaSet['status']>;

/** `ReplicaSet.status.conditions[]`. */
export type ReplicaSetCondition = NonNullable<ReplicaSetStatus['conditions']>[number];

/** Upstream `apps.ReplicaSetReplicaFailure`. */
export const REPLICA_FAILURE = 'ReplicaFailure';
/** Upstream `controller.FailedCreatePodReason`. */
export const FAILED_CREATE_REASON = 'FailedCreate';
/** Upstream `controller.FailedDeletePodReason`. */
export const FAILED_DELETE_REASON = 'FailedDelete';

/** `spec.replicas`, with the apps/v1 default of 1. */
export function specReplicas(rs: { readonly spec?: { readonly replicas?: number | undefined } | undefined }): number {
  return rs.spec?.replicas ?? 1;
}

/** The ReplicaSet's template labels (none when absent). */
export function templateLabelsOf(rs: CachedReplicaSet): Readonly<Record<string, string>> {
  return rs.spec?.template?.metadata?.labels ?? NO_LABELS;
}

/** What a ReplicaSet's status counts of its active pods. */
export interface ActivePodCounts {
  /** Pods with every template label. */
  fullyLabeled: number;
  ready: number;
  /** Ready for more than `minReadySeconds`. */
  available: number;
}

/** The status counts of `activePods`, active pods of `rs`, at `nowMs`. */
export function countActivePods(rs: CachedReplicaSet, activePods: readonly CachedPod[], nowMs: number): ActivePodCounts {
  const templateLabels = templateLabelsOf(rs);
  const minReadySeconds = rs.spec?.minReadySeconds ?? 0;
  const counts: ActivePodCounts = { fullyLabeled: 0, ready: 0, available: 0 };
  for (const pod of activePods) {
    const memo = podMemo(pod);
    if (podFullyLabeled(pod, templateLabels, memo)) counts.fullyLabeled++;
    if (memo.ready) {
      counts.ready++;
      if (minReadySeconds <= 0 || isPodAvailable(pod, minReadySeconds, nowMs)) counts.available++;
    }
  }
  return counts;
}

/**
 * Upstream `calculateStatus`: counts over the active pods the ReplicaSet controls, the terminating
 * ones, and the `ReplicaFailure` condition set when managing replicas failed (and removed once it
 * succeeds). `manageError` is that failure's message. Zero counts are left out as the API
 * serializes them (`omitempty`), except `replicas` and `terminatingReplicas`. `counts` are
 * `countActivePods(rs, activePods, nowMs)`, for a caller that has them already.
 */
export function calculateReplicaSetStatus(
  rs: CachedReplicaSet,
  activePods: readonly CachedPod[],
  terminatingPods: readonly CachedPod[],
  manageError: string | undefined,
  nowMs: number,
  counts: ActivePodCounts = countActivePods(rs, activePods, nowMs),
): ReplicaSetStatus {
  const { fullyLabeled, ready, available } = counts;

  let conditions: ReplicaSetCondition[] = (rs.status?.conditions ?? []).map((c) => ({ ...c }));
  const failure = conditions.find((c) => c.type === REPLICA_FAILURE);
  if (manageError !== undefined && failure === undefined) {
    const diff = activePods.length - specReplicas(rs);
    const reason = diff < 0 ? FAILED_CREATE_REASON : diff > 0 ? FAILED_DELETE_REASON : '';
    conditions.push({ type: REPLICA_FAILURE, status: 'True', lastTransitionTime: formatRfc3339(nowMs), reason, message: manageError });
  } else if (manageError === undefined && failure !== undefined) {
    conditions = conditions.filter((c) => c.type !== REPLICA_FAILURE);
  }

  const status: ReplicaSetStatus = { replicas: activePods.length };
  if (fullyLabeled > 0) status.fullyLabeledReplicas = fullyLabeled;
  if (ready > 0) status.readyReplicas = ready;
  if (available > 0) status.availableReplicas = available;
  status.terminatingReplicas = terminatingPods.length;
  const observed = rs.status?.observedGeneration;
  if (observed !== undefined && observed !== 0) status.observedGeneration = observed;
  if (conditions.length > 0) status.conditions = conditions;
  return status;
}

/**
 * Whether a status write can be skipped (upstream's "steady state" test): the counts and the
 * conditions are unchanged and the spec generation has been observed.
 */
export function replicaSetStatusUnchanged(rs: CachedReplicaSet, next: ReplicaSetStatus): boolean {
  const cur = rs.status;
  const curConditions = cur?.conditions ?? [];
  const nextConditions = next.conditions ?? [];
  return (
    (cur?.replicas ?? 0) === next.replicas &&
    (cur?.fullyLabeledReplicas ?? 0) === (next.fullyLabeledReplicas ?? 0) &&
    (cur?.readyReplicas ?? 0) === (next.readyReplicas ?? 0) &&
    (cur?.availableReplicas ?? 0) === (next.availableReplicas ?? 0) &&
    cur?.terminatingReplicas === next.terminatingReplicas &&
    (rs.metadata?.generation ?? 0) === (cur?.observedGeneration ?? 0) &&
    // Most ReplicaSets have no conditions: nothing to serialize then.
    ((curConditions.length === 0 && nextConditions.length === 0) ||
      canonicalJson(curConditions as unknown as TraceValue) === canonicalJson(nextConditions as unknown as TraceValue))
  );
}

/** Upstream `statusUpdateRetries`: one more attempt after a fresh read. */
export const STATUS_UPDATE_RETRIES = 1;

/**
 * Upstream `updateReplicaSetStatus`: writes `next` (with `observedGeneration` set to the
 * generation acted on) unless nothing changed; on failure re-reads the ReplicaSet, uncached, and
 * tries once more.
 */
export function updateReplicaSetStatus(ctx: ReconcileContext, rs: CachedReplicaSet, next: ReplicaSetStatus): ApiResult<CachedReplicaSet> {
  if (replicaSetStatusUnchanged(rs, next)) return { ok: true, value: rs };
  const generation = rs.metadata?.generation ?? 0;
  const status: ReplicaSetStatus = { ...next };
  if (generation !== 0) status.observedGeneration = generation;
  else delete status.observedGeneration;
  let target: CachedReplicaSet = rs;
  for (let attempt = 0; ; attempt++) {
    const res = ctx.client.updateStatus<ReplicaSet & KubeObject>({ ...target, apiVersion: 'apps/v1', kind: 'ReplicaSet', status });
    if (res.ok || attempt >= STATUS_UPDATE_RETRIES) return res;
    const fresh = ctx.client.api.get<ReplicaSet & KubeObject>({ apiVersion: 'apps/v1', kind: 'ReplicaSet', namespace: rs.metadata?.namespace ?? '', name: rs.metadata?.name ?? '' });
    if (!fresh.ok) return fresh;
    target = fresh.value;
  }
}
