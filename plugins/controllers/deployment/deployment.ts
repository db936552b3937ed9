/**
 * The Deployment controller of kube-controller-manager v1.35: rolls a Deployment's pod template
 * out through ReplicaSets. Upstream `pkg/controller/deployment/deployment_controller.go`
 * (`syncDeployment`, `handleErr`) with `sync.go`, `rolling.go`, `recreate.go`, `progress.go`
 * (see the modules next to this one). See README.md.
 */
import {
  controllerRef,
  defineController,
  isNotFound,
  reconcileDone,
  requeueAfter,
  retryReconcile,
  terminalReconcile,
  tryLabelSelectorAsSelector,
  type ControllerDefinition,
  type DeepReadonly,
  type DelayRange,
  type Deployment,
  type KubeObject,
  type ReconcileContext,
  type ReconcileRequest,
  type ReconcileResult,
  type ReplicaSet,
} from 'kubeprop';
import { OWNERSHIP_INDEXERS } from '../replicaset/controller-indexes.js';
import { claimObjects, recheckOwner, type ClaimOwner } from '../replicaset/controller-ref-manager.js';
import { syncDeploymentStatus } from './deployment-progress.js';
import { DeploymentSync, type Outcome } from './deployment-sync.js';
import { strategyType, type CachedDeployment, type CachedReplicaSet } from './deployment-util.js';
import { rolloutRecreate } from './rollout-recreate.js';
import { rolloutRolling } from './rollout-rolling.js';

/** The controller's name, as kube-controller-manager names it (and its events' source). */
export const DEPLOYMENT_CONTROLLER_NAME = 'deployment-controller';

/** Upstream `--concurrent-deployment-syncs` default. */
export const CONCURRENT_DEPLOYMENT_SYNCS = 5;

/**
 * Upstream `maxRetries`: after this many consecutive failed syncs a Deployment is dropped from the
 * queue until its next event.
 */
export const DEPLOYMENT_MAX_RETRIES = 15;

/**
 * Requests whose name starts with this stand for an orphan ReplicaSet: a ReplicaSet event without
 * a controller owner maps to `replicaset:<name>`. No Deployment can be called that.
 */
export const ORPHAN_REPLICASET_REQUEST_PREFIX = 'replicaset:';

const DEPLOYMENT_KIND = 'apps/Deployment';
const RS_KIND = 'apps/ReplicaSet';

/** Options of {@link newDeploymentController}; every field defaults to upstream's value. */
export interface DeploymentControllerOptions {
  /** Default {@link DEPLOYMENT_CONTROLLER_NAME}. */
  readonly name?: string;
  /** Upstream `--concurrent-deployment-syncs`, default 5. */
  readonly concurrentSyncs?: number;
  /** How long one sync takes (the runtime's default when absent). */
  readonly reconcileDurationMs?: DelayRange;
}

/**
 * Maps a ReplicaSet event to the orphan-claim request when it has no controller owner and its spec
 * has not been observed yet (a new ReplicaSet, or one whose spec just changed). Status-only updates
 * of bare ReplicaSets are not mapped; a matching Deployment adopts such a ReplicaSet at its next
 * sync.
 */
export function orphanReplicaSetRequests(rs: DeepReadonly<KubeObject>): readonly ReconcileRequest[] {
  if (controllerRef(rs) !== undefined || rs.metadata.deletionTimestamp !== undefined) return [];
  const observed = (rs as CachedReplicaSet).status?.observedGeneration ?? 0;
  if (observed >= (rs.metadata.generation ?? 0) && observed > 0) return [];
  return [{ namespace: rs.metadata.namespace ?? '', name: `${ORPHAN_REPLICASET_REQUEST_PREFIX}${rs.metadata.name ?? ''}` }];
}

/** Builds a Deployment controller definition; {@link deploymentController} is the default one. */
export function newDeploymentController(options: DeploymentControllerOptions = {}): ControllerDefinition {
  // Consecutive failures per Deployment, per controller incarnation (upstream `NumRequeues`).
  const failures = new WeakMap<ReconcileContext, Map<string, number>>();
  const failuresOf = (ctx: ReconcileContext): Map<string, number> => {
    let m = failures.get(ctx);
    if (m === undefined) {
      m = new Map();
      failures.set(ctx, m);
    }
    return m;
  };
  return defineController({
    name: options.name ?? DEPLOYMENT_CONTROLLER_NAME,
    for: DEPLOYMENT_KIND,
    owns: [RS_KIND],
    watches: [{ kind: RS_KIND, map: orphanReplicaSetRequests }],
    indexers: { [RS_KIND]: OWNERSHIP_INDEXERS, Pod: OWNERSHIP_INDEXERS },
    maxConcurrentReconciles: options.concurrentSyncs ?? CONCURRENT_DEPLOYMENT_SYNCS,
    ...(options.reconcileDurationMs !== undefined ? { reconcileDurationMs: options.reconcileDurationMs } : {}),
    reconcile: (req, ctx) => {
      if (req.name.startsWith(ORPHAN_REPLICASET_REQUEST_PREFIX)) return claimOrphanReplicaSet(ctx, req);
      const key = `${req.namespace}/${req.name}`;
      const counts = failuresOf(ctx);
      const result = syncDeployment(ctx, req);
      if (result.kind !== 'retry' || result.reason === PROGRESS_CHECK) {
        counts.delete(key);
        return result;
      }
      // Upstream `handleErr`: rate-limited retries, then the Deployment is dropped.
      const n = (counts.get(key) ?? 0) + 1;
      if (n <= DEPLOYMENT_MAX_RETRIES) {
        counts.set(key, n);
        return result;
      }
      counts.delete(key);
      ctx.log(`Dropping deployment ${key} out of the queue: ${result.reason}`);
      return terminalReconcile(result.reason);
    },
  });
}

/** The Deployment controller with upstream's defaults. */
export const deploymentController: ControllerDefinition = newDeploymentController();

const PROGRESS_CHECK = 'progress check';

function resultOf(sync: DeploymentSync, error: string | undefined): ReconcileResult {
  if (error !== undefined) return retryReconcile(error);
  if (sync.requeueRateLimited) return retryReconcile(PROGRESS_CHECK);
  if (sync.requeueAfterMs !== undefined) return requeueAfter(sync.requeueAfterMs);
  return reconcileDone();
}

/** Upstream `syncDeployment`. */
function syncDeployment(ctx: ReconcileContext, req: ReconcileRequest): ReconcileResult {
  const got = ctx.client.get<Deployment & KubeObject>(DEPLOYMENT_KIND, req.namespace, req.name);
  if (!got.ok) return isNotFound(got) ? reconcileDone() : retryReconcile(got.error.message);
  const sync = new DeploymentSync(ctx, got.value);
  const d = sync.cached;

  const selector = d.spec?.selector;
  if (selector === undefined || (Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0)) {
    sync.event('Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
    if ((d.status?.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) {
      sync.d.status.observedGeneration = d.metadata.generation ?? 0;
      return resultOf(sync, sync.writeStatus());
    }
    return reconcileDone();
  }

  const rsList = sync.replicaSetsForDeployment();
  if (!rsList.ok) return retryReconcile(rsList.error);

  if (d.metadata.deletionTimestamp !== undefined) return resultOf(sync, syncStatusOnly(sync, rsList.value));

  const pausedErr = sync.checkPausedConditions();
  if (pausedErr !== undefined) return retryReconcile(pausedErr);
  if (d.spec?.paused === true) return resultOf(sync, syncScaling(sync, rsList.value));

  const scaling = sync.isScalingEvent(rsList.value);
  if (!scaling.ok) return retryReconcile(scaling.error);
  if (scaling.value) return resultOf(sync, syncScaling(sync, rsList.value));

  const strategy = strategyType(d);
  switch (strategy) {
    case 'Recreate':
      return resultOf(sync, rolloutRecreate(sync, rsList.value));
    case 'RollingUpdate':
      return resultOf(sync, rolloutRolling(sync, rsList.value));
    default:
      return retryReconcile(`unexpected deployment strategy type: ${strategy}`);
  }
}

/** Upstream `syncStatusOnly`: a Deployment being deleted only reports status. */
function syncStatusOnly(sync: DeploymentSync, rsList: readonly CachedReplicaSet[]): string | undefined {
  const r: Outcome<{ newRS: CachedReplicaSet | undefined; oldRSs: CachedReplicaSet[] }> = sync.allReplicaSetsAndSyncRevision(rsList, false);
  if (!r.ok) return r.error;
  return syncDeploymentStatus(sync, [...r.value.oldRSs, r.value.newRS], r.value.newRS);
}

/**
 * Upstream `sync`: a scaling event or a paused Deployment. Replicas are spread over the existing
 * ReplicaSets (no new one is created), and a paused Deployment's history is cleaned up.
 */
function syncScaling(sync: DeploymentSync, rsList: readonly CachedReplicaSet[]): string | undefined {
  const r = sync.allReplicaSetsAndSyncRevision(rsList, false);
  if (!r.ok) return r.error;
  const { newRS, oldRSs } = r.value;
  const err = sync.scale(newRS, oldRSs);
  if (err !== undefined) return err;
  if (sync.cached.spec?.paused === true) {
    const cleanupErr = sync.cleanupDeployment(oldRSs);
    if (cleanupErr !== undefined) return cleanupErr;
  }
  return syncDeploymentStatus(sync, [...oldRSs, newRS], newRS);
}

function deploymentOwner(d: CachedDeployment): ClaimOwner {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: d.metadata.name, namespace: d.metadata.namespace, uid: d.metadata.uid, deletionTimestamp: d.metadata.deletionTimestamp },
  };
}

/**
 * An orphan ReplicaSet appeared or changed: the Deployments of its namespace whose selector
 * matches its labels try to adopt it, in name order, until one succeeds (upstream enqueues each
 * of them and the first to sync adopts). The adoption brings the new owner its sync.
 */
function claimOrphanReplicaSet(ctx: ReconcileContext, req: ReconcileRequest): ReconcileResult {
  const name = req.name.slice(ORPHAN_REPLICASET_REQUEST_PREFIX.length);
  const got = ctx.client.get<ReplicaSet & KubeObject>(RS_KIND, req.namespace, name);
  if (!got.ok) return isNotFound(got) ? reconcileDone() : retryReconcile(got.error.message);
  const rs: CachedReplicaSet = got.value;
  if (controllerRef(rs) !== undefined || rs.metadata.deletionTimestamp !== undefined) return reconcileDone();
  const all = ctx.client.list<Deployment & KubeObject>(DEPLOYMENT_KIND, { namespace: req.namespace });
  if (!all.ok) return retryReconcile(all.error.message);
  const errors: string[] = [];
  for (const d of all.value) {
    if (d.metadata.deletionTimestamp !== undefined) continue;
    const sel = tryLabelSelectorAsSelector(d.spec?.selector);
    if (!sel.ok || sel.selector.isEmpty() || !sel.selector.matches(rs.metadata.labels)) continue;
    const owner = deploymentOwner(d);
    const claim = claimObjects(ctx, owner, [rs], () => true, () => recheckOwner(ctx, owner));
    if (claim.claimed.length > 0) return reconcileDone();
    if (claim.error !== undefined) errors.push(claim.error);
  }
  return errors.length > 0 ? retryReconcile(errors.join('; ')) : reconcileDone();
}
