/**
 * The Recreate strategy: upstream `pkg/controller/deployment/recreate.go` (`rolloutRecreate`,
 * `scaleDownOldReplicaSetsForRecreate`, `oldPodsRunning`, `scaleUpNewReplicaSetForRecreate`),
 * without a `podReplacementPolicy` (alpha in v1.35, off by default): every old pod must be gone,
 * or finished, before the new ReplicaSet is created and scaled up.
 */
import type { CachedPod } from '../replicaset/pod-state.js';
import { syncRolloutStatus } from './deployment-progress.js';
import type { DeploymentSync } from './deployment-sync.js';
import { activeReplicaSets, actualReplicaCount, deploymentComplete, deploymentReplicas, type CachedReplicaSet } from './deployment-util.js';

/** Upstream `rolloutRecreate`. */
export function rolloutRecreate(sync: DeploymentSync, rsList: readonly CachedReplicaSet[]): string | undefined {
  // No new ReplicaSet yet: it must not scale up before the old ones are down.
  const r = sync.allReplicaSetsAndSyncRevision(rsList, false);
  if (!r.ok) return r.error;
  let { newRS, oldRSs } = r.value;
  let allRSs: (CachedReplicaSet | undefined)[] = [...oldRSs, newRS];

  let scaledDown = false;
  for (const rs of activeReplicaSets(oldRSs)) {
    const s = sync.scaleReplicaSetAndRecordEvent(rs, 0);
    if (!s.ok) return s.error;
    if (s.value.scaled) scaledDown = true;
  }
  if (scaledDown) return syncRolloutStatus(sync, allRSs, newRS);

  const podMap = sync.podMap(rsList);
  if (!podMap.ok) return podMap.error;
  if (oldPodsRunning(newRS, oldRSs, podMap.value)) return syncRolloutStatus(sync, allRSs, newRS);

  if (newRS === undefined) {
    const created = sync.allReplicaSetsAndSyncRevision(rsList, true);
    if (!created.ok) return created.error;
    newRS = created.value.newRS;
    oldRSs = created.value.oldRSs;
    allRSs = [...oldRSs, newRS];
    if (newRS === undefined) return 'new replica set was not created';
  }

  const up = sync.scaleReplicaSetAndRecordEvent(newRS, deploymentReplicas(sync.cached));
  if (!up.ok) return up.error;

  if (deploymentComplete(sync.cached, sync.d.status)) {
    const err = sync.cleanupDeployment(oldRSs);
    if (err !== undefined) return err;
  }
  return syncRolloutStatus(sync, allRSs, newRS);
}

/**
 * Upstream `oldPodsRunning`: an old ReplicaSet still reports pods, or one of its pods (terminating
 * ones included) has not finished.
 */
export function oldPodsRunning(newRS: CachedReplicaSet | undefined, oldRSs: readonly CachedReplicaSet[], podMap: ReadonlyMap<string, readonly CachedPod[]>): boolean {
  if (actualReplicaCount(oldRSs) > 0) return true;
  for (const [uid, pods] of podMap) {
    if (newRS !== undefined && newRS.metadata.uid === uid) continue;
    for (const pod of pods) {
      const phase = pod.status?.phase;
      if (phase === 'Failed' || phase === 'Succeeded') continue;
      return true;
    }
  }
  return false;
}
