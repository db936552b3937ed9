/**
 * A Deployment's status and conditions: upstream `calculateStatus` and `syncDeploymentStatus`
 * (`pkg/controller/deployment/sync.go`) and `syncRolloutStatus`, `getReplicaFailures`,
 * `requeueStuckDeployment` (`pkg/controller/deployment/progress.go`).
 */
import { timeMs } from '../replicaset/pod-state.js';
import { REPLICA_FAILURE } from '../replicaset/replicaset-status.js';
import { deploymentStatusEqual, type DeploymentSync } from './deployment-sync.js';
import {
  DEPLOYMENT_AVAILABLE,
  DEPLOYMENT_PROGRESSING,
  DEPLOYMENT_REPLICA_FAILURE,
  MINIMUM_REPLICAS_AVAILABLE,
  MINIMUM_REPLICAS_UNAVAILABLE,
  NEW_RS_AVAILABLE_REASON,
  REPLICA_SET_UPDATED_REASON,
  TIMED_OUT_REASON,
  actualReplicaCount,
  availableReplicaCount,
  deploymentComplete,
  deploymentProgressing,
  deploymentReplicas,
  deploymentTimedOut,
  getCondition,
  hasProgressDeadline,
  maxUnavailable,
  newCondition,
  progressDeadlineSeconds,
  readyReplicaCount,
  removeCondition,
  replicaCount,
  setCondition,
  terminatingReplicaCount,
  type CachedReplicaSet,
  type DeploymentCondition,
  type DeploymentStatus,
} from './deployment-util.js';

/**
 * Upstream `calculateStatus`: the counts summed over the ReplicaSets, the conditions carried over
 * from the working copy, and `Available` set from `availableReplicas` ≥ replicas − maxUnavailable.
 * Zero counts are left out as the API serializes them; the pointer fields (`terminatingReplicas`,
 * `collisionCount`) are kept when set.
 */
export function calculateStatus(sync: DeploymentSync, allRSs: readonly (CachedReplicaSet | undefined)[], newRS: CachedReplicaSet | undefined): DeploymentStatus {
  const d = sync.cached;
  const available = availableReplicaCount(allRSs);
  const unavailable = Math.max(0, replicaCount(allRSs) - available);
  // Written out rather than through a local helper: this runs on every sync, and the TypeScript
  // loader wraps each named closure in a `__name` call that costs more than the assignments.
  const status: DeploymentStatus = {};
  const observedGeneration = d.metadata.generation ?? 0;
  if (observedGeneration !== 0) status.observedGeneration = observedGeneration;
  const replicas = actualReplicaCount(allRSs);
  if (replicas !== 0) status.replicas = replicas;
  const updated = actualReplicaCount([newRS]);
  if (updated !== 0) status.updatedReplicas = updated;
  const ready = readyReplicaCount(allRSs);
  if (ready !== 0) status.readyReplicas = ready;
  if (available !== 0) status.availableReplicas = available;
  if (unavailable !== 0) status.unavailableReplicas = unavailable;
  const terminating = terminatingReplicaCount(allRSs);
  if (terminating !== undefined) status.terminatingReplicas = terminating;
  const conditions = sync.d.status.conditions;
  if (conditions !== undefined && conditions.length > 0) status.conditions = conditions.map((c) => ({ ...c }));
  if (sync.d.status.collisionCount !== undefined) status.collisionCount = sync.d.status.collisionCount;

  if (available >= deploymentReplicas(d) - maxUnavailable(d)) {
    setCondition(status, newCondition(DEPLOYMENT_AVAILABLE, 'True', MINIMUM_REPLICAS_AVAILABLE, 'Deployment has minimum availability.', sync.nowMs));
  } else {
    setCondition(status, newCondition(DEPLOYMENT_AVAILABLE, 'False', MINIMUM_REPLICAS_UNAVAILABLE, 'Deployment does not have minimum availability.', sync.nowMs));
  }
  return status;
}

/** Writes `status` unless it equals the working copy's (upstream `reflect.DeepEqual` check). */
function writeIfChanged(sync: DeploymentSync, status: DeploymentStatus): string | undefined {
  if (deploymentStatusEqual(sync.d.status, status)) return undefined;
  sync.d.status = status;
  return sync.writeStatus();
}

/** Upstream `syncDeploymentStatus`: recomputes the status and writes it if it changed. */
export function syncDeploymentStatus(sync: DeploymentSync, allRSs: readonly (CachedReplicaSet | undefined)[], newRS: CachedReplicaSet | undefined): string | undefined {
  return writeIfChanged(sync, calculateStatus(sync, allRSs, newRS));
}

/** Upstream `ReplicaSetToDeploymentCondition`. */
function fromReplicaSetCondition(c: { readonly type: string; readonly status: string; readonly lastTransitionTime?: string | undefined; readonly reason?: string | undefined; readonly message?: string | undefined }): DeploymentCondition {
  const cond: DeploymentCondition = { type: c.type, status: c.status };
  if (c.lastTransitionTime !== undefined) {
    cond.lastUpdateTime = c.lastTransitionTime;
    cond.lastTransitionTime = c.lastTransitionTime;
  }
  if (c.reason !== undefined) cond.reason = c.reason;
  if (c.message !== undefined) cond.message = c.message;
  return cond;
}

/** The `ReplicaFailure` conditions of `rs`, as Deployment conditions, appended to `out`. */
function addFailuresOf(rs: CachedReplicaSet, out: DeploymentCondition[]): void {
  const conditions = rs.status?.conditions;
  if (conditions === undefined) return;
  for (const c of conditions) if (c.type === REPLICA_FAILURE) out.push(fromReplicaSetCondition(c));
}

/** Upstream `getReplicaFailures`: the new ReplicaSet's `ReplicaFailure` first, else any old one's. */
function replicaFailures(allRSs: readonly (CachedReplicaSet | undefined)[], newRS: CachedReplicaSet | undefined): DeploymentCondition[] {
  const out: DeploymentCondition[] = [];
  if (newRS !== undefined) {
    addFailuresOf(newRS, out);
    if (out.length > 0) return out;
  }
  for (const rs of allRSs) if (rs !== undefined) addFailuresOf(rs, out);
  return out;
}

/**
 * Upstream `syncRolloutStatus`: the status plus the Progressing condition (`NewReplicaSetAvailable`
 * once complete, `ReplicaSetUpdated` whenever something moved, `ProgressDeadlineExceeded` when
 * nothing did for `progressDeadlineSeconds`) and the ReplicaSets' failures; then, if nothing
 * changed, a requeue for the next progress check.
 */
export function syncRolloutStatus(sync: DeploymentSync, allRSs: readonly (CachedReplicaSet | undefined)[], newRS: CachedReplicaSet | undefined): string | undefined {
  const d = sync.cached;
  const status = calculateStatus(sync, allRSs, newRS);
  if (!hasProgressDeadline(d)) removeCondition(status, DEPLOYMENT_PROGRESSING);

  const currentCond = getCondition(sync.d.status, DEPLOYMENT_PROGRESSING);
  const isCompleteDeployment = (status.replicas ?? 0) === (status.updatedReplicas ?? 0) && currentCond !== undefined && currentCond.reason === NEW_RS_AVAILABLE_REASON;
  if (hasProgressDeadline(d) && !isCompleteDeployment) {
    const rsName = newRS?.metadata.name;
    if (deploymentComplete(d, status)) {
      const msg = rsName !== undefined ? `ReplicaSet ${JSON.stringify(rsName)} has successfully progressed.` : `Deployment ${JSON.stringify(sync.name)} has successfully progressed.`;
      setCondition(status, newCondition(DEPLOYMENT_PROGRESSING, 'True', NEW_RS_AVAILABLE_REASON, msg, sync.nowMs));
    } else if (deploymentProgressing(sync.d.status, status)) {
      const msg = rsName !== undefined ? `ReplicaSet ${JSON.stringify(rsName)} is progressing.` : `Deployment ${JSON.stringify(sync.name)} is progressing.`;
      const cond = newCondition(DEPLOYMENT_PROGRESSING, 'True', REPLICA_SET_UPDATED_REASON, msg, sync.nowMs);
      // Progress refreshes lastUpdateTime even when the reason stays the same; the transition
      // time is kept while the status stays True.
      if (currentCond !== undefined) {
        if (currentCond.status === 'True' && currentCond.lastTransitionTime !== undefined) cond.lastTransitionTime = currentCond.lastTransitionTime;
        removeCondition(status, DEPLOYMENT_PROGRESSING);
      }
      setCondition(status, cond);
    } else if (deploymentTimedOut(d, status, sync.nowMs)) {
      const msg = rsName !== undefined ? `ReplicaSet ${JSON.stringify(rsName)} has timed out progressing.` : `Deployment ${JSON.stringify(sync.name)} has timed out progressing.`;
      setCondition(status, newCondition(DEPLOYMENT_PROGRESSING, 'False', TIMED_OUT_REASON, msg, sync.nowMs));
    }
  }

  const failures = replicaFailures(allRSs, newRS);
  const firstFailure = failures[0];
  if (firstFailure !== undefined) setCondition(status, firstFailure);
  else removeCondition(status, DEPLOYMENT_REPLICA_FAILURE);

  if (deploymentStatusEqual(sync.d.status, status)) {
    requeueStuckDeployment(sync, status);
    return undefined;
  }
  sync.d.status = status;
  return sync.writeStatus();
}

/**
 * Upstream `requeueStuckDeployment`: a rollout in progress with no sign of progress is checked
 * again when its deadline passes (plus one second), or at once (rate limited) if that is less
 * than a second away.
 */
function requeueStuckDeployment(sync: DeploymentSync, status: DeploymentStatus): void {
  const d = sync.cached;
  const currentCond = getCondition(sync.d.status, DEPLOYMENT_PROGRESSING);
  if (!hasProgressDeadline(d) || currentCond === undefined) return;
  if (deploymentComplete(d, status) || currentCond.reason === TIMED_OUT_REASON) return;
  const from = timeMs(currentCond.lastUpdateTime) ?? 0;
  const afterMs = from + progressDeadlineSeconds(d) * 1000 - sync.nowMs;
  if (afterMs < 1000) {
    sync.requeueRateLimited = true;
    return;
  }
  sync.requeueAfterMs = afterMs + 1000;
}
