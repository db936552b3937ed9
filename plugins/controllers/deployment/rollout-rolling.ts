/**
 * The RollingUpdate strategy: upstream `pkg/controller/deployment/rolling.go` (`rolloutRolling`,
 * `reconcileNewReplicaSet`, `reconcileOldReplicaSets`, `cleanupUnhealthyReplicas`,
 * `scaleDownOldReplicaSetsForRollingUpdate`).
 *
 * The new ReplicaSet grows while the total of every ReplicaSet's `spec.replicas` stays within
 * `replicas + maxSurge`; old ReplicaSets shrink while the available pods stay at least
 * `replicas - maxUnavailable`, unhealthy old replicas going first.
 */
import { specReplicas } from '../replicaset/replicaset-status.js';
import { syncRolloutStatus } from './deployment-progress.js';
import { fail, ok, sortByCreation, type DeploymentSync, type Outcome } from './deployment-sync.js';
import {
  activeReplicaSets,
  availableReplicaCount,
  deploymentComplete,
  deploymentReplicas,
  maxUnavailable,
  newRSNewReplicas,
  replicaCount,
  type CachedReplicaSet,
} from './deployment-util.js';

/** Upstream `rolloutRolling`. */
export function rolloutRolling(sync: DeploymentSync, rsList: readonly CachedReplicaSet[]): string | undefined {
  const r = sync.allReplicaSetsAndSyncRevision(rsList, true);
  if (!r.ok) return r.error;
  const { newRS, oldRSs } = r.value;
  if (newRS === undefined) return 'new replica set was not created';
  const allRSs = [...oldRSs, newRS];

  const up = reconcileNewReplicaSet(sync, allRSs, newRS);
  if (!up.ok) return up.error;
  if (up.value) return syncRolloutStatus(sync, allRSs, newRS);

  const down = reconcileOldReplicaSets(sync, allRSs, activeReplicaSets(oldRSs), newRS);
  if (!down.ok) return down.error;
  if (down.value) return syncRolloutStatus(sync, allRSs, newRS);

  if (deploymentComplete(sync.cached, sync.d.status)) {
    const err = sync.cleanupDeployment(oldRSs);
    if (err !== undefined) return err;
  }
  return syncRolloutStatus(sync, allRSs, newRS);
}

/** Upstream `reconcileNewReplicaSet`: scales the new ReplicaSet up as far as the surge allows. */
function reconcileNewReplicaSet(sync: DeploymentSync, allRSs: readonly CachedReplicaSet[], newRS: CachedReplicaSet): Outcome<boolean> {
  const replicas = deploymentReplicas(sync.cached);
  const current = specReplicas(newRS);
  if (current === replicas) return ok(false);
  const target = current > replicas ? replicas : newRSNewReplicas(sync.cached, allRSs, current);
  const r = sync.scaleReplicaSetAndRecordEvent(newRS, target);
  return r.ok ? ok(r.value.scaled) : r;
}

/**
 * Upstream `reconcileOldReplicaSets`: how far old ReplicaSets may shrink is
 * `allPods - minAvailable - newRSUnavailable`, so that the new ReplicaSet's own unavailable pods
 * never license removing available old ones. Upstream ignores the errors of the two scale-down
 * steps here (the sync goes on to report status).
 */
function reconcileOldReplicaSets(sync: DeploymentSync, allRSs: readonly CachedReplicaSet[], oldRSs: CachedReplicaSet[], newRS: CachedReplicaSet): Outcome<boolean> {
  if (replicaCount(oldRSs) === 0) return ok(false);
  const d = sync.cached;
  const allPods = replicaCount(allRSs);
  const minAvailable = deploymentReplicas(d) - maxUnavailable(d);
  const newRSUnavailable = specReplicas(newRS) - (newRS.status?.availableReplicas ?? 0);
  const maxScaledDown = allPods - minAvailable - newRSUnavailable;
  if (maxScaledDown <= 0) return ok(false);

  const cleaned = cleanupUnhealthyReplicas(sync, oldRSs, maxScaledDown);
  if (!cleaned.ok) {
    sync.ctx.log(cleaned.error);
    return ok(false);
  }
  const scaled = scaleDownOldReplicaSetsForRollingUpdate(sync, [...cleaned.value.oldRSs, newRS], cleaned.value.oldRSs);
  if (!scaled.ok) {
    sync.ctx.log(scaled.error);
    return ok(false);
  }
  return ok(cleaned.value.count + scaled.value > 0);
}

/**
 * Upstream `cleanupUnhealthyReplicas`: old ReplicaSets (oldest first) lose their unavailable
 * replicas, up to `maxCleanupCount` in all; scaling those down costs no availability.
 */
function cleanupUnhealthyReplicas(sync: DeploymentSync, oldRSs: CachedReplicaSet[], maxCleanupCount: number): Outcome<{ readonly oldRSs: CachedReplicaSet[]; readonly count: number }> {
  sortByCreation(oldRSs);
  let total = 0;
  for (let i = 0; i < oldRSs.length; i++) {
    if (total >= maxCleanupCount) break;
    const rs = oldRSs[i] as CachedReplicaSet;
    const size = specReplicas(rs);
    const available = rs.status?.availableReplicas ?? 0;
    if (size === 0 || size === available) continue;
    const count = Math.min(maxCleanupCount - total, size - available);
    const newCount = size - count;
    if (newCount > size) {
      return fail(`when cleaning up unhealthy replicas, got invalid request to scale down ${rs.metadata.namespace ?? ''}/${rs.metadata.name ?? ''} ${size} -> ${newCount}`);
    }
    const r = sync.scaleReplicaSetAndRecordEvent(rs, newCount);
    if (!r.ok) return r;
    total += count;
    oldRSs[i] = r.value.rs;
  }
  return ok({ oldRSs, count: total });
}

/**
 * Upstream `scaleDownOldReplicaSetsForRollingUpdate`: old ReplicaSets (oldest first) give up as
 * many replicas as the available pods exceed `replicas - maxUnavailable`.
 */
function scaleDownOldReplicaSetsForRollingUpdate(sync: DeploymentSync, allRSs: readonly CachedReplicaSet[], oldRSs: CachedReplicaSet[]): Outcome<number> {
  const d = sync.cached;
  const minAvailable = deploymentReplicas(d) - maxUnavailable(d);
  const available = availableReplicaCount(allRSs);
  if (available <= minAvailable) return ok(0);
  sortByCreation(oldRSs);
  let total = 0;
  const toScaleDown = available - minAvailable;
  for (const rs of oldRSs) {
    if (total >= toScaleDown) break;
    const size = specReplicas(rs);
    if (size === 0) continue;
    const count = Math.min(size, toScaleDown - total);
    const newCount = size - count;
    if (newCount > size) return fail(`when scaling down old RS, got invalid request to scale down ${rs.metadata.namespace ?? ''}/${rs.metadata.name ?? ''} ${size} -> ${newCount}`);
    const r = sync.scaleReplicaSetAndRecordEvent(rs, newCount);
    if (!r.ok) return r;
    total += count;
  }
  return ok(total);
}
