/**
 * One sync of one Deployment: the state upstream's `syncDeployment` threads through its helpers
 * (the working copy `d`, the caches, the clients) and the steps shared by every strategy. Upstream
 * `pkg/controller/deployment/sync.go` (`getAllReplicaSetsAndSyncRevision`, `getNewReplicaSet`,
 * `scale`, `scaleReplicaSet`, `cleanupDeployment`, `syncDeploymentStatus`, `isScalingEvent`,
 * `checkPausedConditions`) and `deployment_controller.go` (`getReplicaSetsForDeployment`,
 * `getPodMapForDeployment`).
 *
 * Writes follow upstream's: a ReplicaSet is updated from the copy the sync holds (its
 * resourceVersion makes a stale copy fail with a conflict), and every status write of the
 * Deployment sends the working copy with the resourceVersion it was read with, so a second status
 * write in one sync conflicts, as it does upstream, and the sync is retried. Upstream's status
 * update also carries the revision annotation; where the status subresource keeps only the status,
 * the annotation follows in a merge patch of the object just written (see `writeStatus`).
 */
import {
  isAlreadyExists,
  isNotFound,
  newControllerRef,
  tryLabelSelectorAsSelector,
  type DeepReadonly,
  type Deployment,
  type KubeObject,
  type Pod,
  type ReconcileContext,
  type ReplicaSet,
  type Selector,
} from 'kubeprop';
import { CONTROLLER_UID_INDEX, ORPHANS_BY_NAMESPACE_INDEX } from '../replicaset/controller-indexes.js';
import { claimObjects, recheckOwner, type ClaimOwner } from '../replicaset/controller-ref-manager.js';
import type { CachedPod } from '../replicaset/pod-state.js';
import { specReplicas } from '../replicaset/replicaset-status.js';
import {
  DEPLOYMENT_PROGRESSING,
  FAILED_RS_CREATE_REASON,
  FOUND_NEW_RS_REASON,
  NEW_REPLICA_SET_REASON,
  PAUSED_DEPLOY_REASON,
  POD_TEMPLATE_HASH_LABEL,
  RESUMED_DEPLOY_REASON,
  REVISION_ANNOTATION,
  TIMED_OUT_REASON,
  activeReplicaSets,
  compareByCreation,
  compareByRevision,
  compareBySizeNewer,
  compareBySizeOlder,
  deploymentReplicas,
  desiredReplicasAnnotation,
  equalIgnoreHash,
  findActiveOrLatest,
  findNewReplicaSet,
  findOldReplicaSets,
  getCondition,
  hasProgressDeadline,
  hasRevisionHistoryLimit,
  isRollingUpdate,
  isSaturated,
  maxRevision,
  maxSurge,
  newCondition,
  newRSNewReplicas,
  replicaCount,
  replicaSetProportion,
  replicasAnnotationsNeedUpdate,
  revisionHistoryLimit,
  setCondition,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
  type CachedDeployment,
  type CachedReplicaSet,
  type DeploymentCondition,
  type DeploymentStatus,
} from './deployment-util.js';
import { computePodTemplateHash } from './pod-template-hash.js';

const RS_KIND = 'apps/ReplicaSet';

/** A step's outcome: a value, or the error upstream would return (the sync is then retried). */
export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/** `{ ok: true, value }`. */
export function ok<T>(value: T): Outcome<T> {
  return { ok: true, value };
}

/** `{ ok: false, error }`. */
export function fail<T>(error: string): Outcome<T> {
  return { ok: false, error };
}

/** The new ReplicaSet (if any) and the old ones. */
export interface ReplicaSetsOfDeployment {
  readonly newRS: CachedReplicaSet | undefined;
  readonly oldRSs: CachedReplicaSet[];
}

/** The Deployment's working copy: the fields a sync changes (upstream mutates its deep copy). */
export type WorkingDeployment = Deployment & KubeObject & { metadata: { annotations: Record<string, string> }; status: DeploymentStatus };

/** A mutable copy of a status: its conditions are the only nested values a sync changes. */
function copyStatus(status: DeepReadonly<DeploymentStatus> | undefined): DeploymentStatus {
  const copy = { ...status } as DeploymentStatus;
  if (status?.conditions !== undefined) copy.conditions = status.conditions.map((c) => ({ ...c }));
  return copy;
}

/** The state of one sync. */
export class DeploymentSync {
  readonly ctx: ReconcileContext;
  readonly nowMs: number;
  /** The Deployment as the cache gave it (its resourceVersion is the one every write sends). */
  readonly cached: CachedDeployment;
  /** Upstream's `d`: a deep copy whose annotations and status the steps change. */
  readonly d: WorkingDeployment;
  readonly namespace: string;
  readonly name: string;
  /** Set by the progress check: come back after this many ms (upstream `enqueueAfter`). */
  requeueAfterMs: number | undefined = undefined;
  /** Set by the progress check: come back soon, rate limited (upstream `enqueueRateLimited`). */
  requeueRateLimited = false;

  constructor(ctx: ReconcileContext, cached: CachedDeployment) {
    this.ctx = ctx;
    this.nowMs = ctx.nowMs();
    this.cached = cached;
    // Upstream deep-copies the whole object; only annotations and status are ever changed, so
    // only they are copied (the rest stays shared and frozen).
    const metadata = { ...cached.metadata, annotations: { ...(cached.metadata.annotations ?? {}) } };
    this.d = { ...(cached as Deployment & KubeObject), metadata, status: copyStatus(cached.status) } as WorkingDeployment;
    this.namespace = cached.metadata.namespace ?? '';
    this.name = cached.metadata.name ?? '';
  }

  /** The Deployment as an owner of ReplicaSets. */
  get owner(): ClaimOwner {
    return {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: this.name, namespace: this.namespace, uid: this.cached.metadata.uid, deletionTimestamp: this.cached.metadata.deletionTimestamp },
    };
  }

  /** Records an event of the Deployment in the trace (upstream records an Event object). */
  event(type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.ctx.trace('event', { object: `Deployment ${this.namespace}/${this.name}`, type, reason, message });
  }

  /**
   * Upstream `UpdateStatus(ctx, d)`: writes the working copy's status, and its changed revision
   * annotation, under the resourceVersion the sync started from. Upstream's status subresource
   * keeps the annotations of the request (only spec and labels are reset); where the status
   * subresource drops them, they follow in a merge patch of the object just written.
   */
  writeStatus(): string | undefined {
    const base = this.cached.metadata;
    const res = this.ctx.client.updateStatus<Deployment & KubeObject>({ ...this.d, status: this.d.status });
    if (!res.ok) return res.error.message;
    const kept = res.value.metadata.annotations ?? {};
    const missing: Record<string, string> = {};
    let anyMissing = false;
    for (const [k, v] of Object.entries(this.d.metadata.annotations)) {
      if (base.annotations?.[k] !== v && kept[k] !== v) {
        missing[k] = v;
        anyMissing = true;
      }
    }
    if (!anyMissing) return undefined;
    const ref = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: this.namespace, name: this.name };
    const patched = this.ctx.client.patch(ref, { metadata: { annotations: missing, uid: base.uid, resourceVersion: res.value.metadata.resourceVersion } });
    return patched.ok ? undefined : patched.error.message;
  }

  /** The Deployment's selector, or why it is invalid. */
  selector(): Outcome<Selector> {
    const r = tryLabelSelectorAsSelector(this.cached.spec?.selector);
    return r.ok ? ok(r.selector) : fail(`deployment ${this.namespace}/${this.name} has invalid label selector: ${r.error}`);
  }

  /**
   * Upstream `getReplicaSetsForDeployment`: the ReplicaSets the Deployment controls after
   * adopting matching orphans and releasing those that stopped matching. Read through the
   * controller-uid and orphan indexes, not by listing the namespace.
   */
  replicaSetsForDeployment(): Outcome<CachedReplicaSet[]> {
    const sel = this.selector();
    if (!sel.ok) return sel;
    const ns = this.namespace;
    const owned = this.ctx.client.list<ReplicaSet & KubeObject>(RS_KIND, { index: { name: CONTROLLER_UID_INDEX, value: this.cached.metadata.uid ?? '' }, namespace: ns });
    if (!owned.ok) return fail(owned.error.message);
    const orphans = this.ctx.client.list<ReplicaSet & KubeObject>(RS_KIND, { index: { name: ORPHANS_BY_NAMESPACE_INDEX, value: ns }, namespace: ns });
    if (!orphans.ok) return fail(orphans.error.message);
    const candidates = orphans.value.length === 0 ? owned.value : [...owned.value, ...orphans.value];
    const owner = this.owner;
    const claim = claimObjects(this.ctx, owner, candidates, (rs) => sel.value.matches(rs.metadata.labels), () => recheckOwner(this.ctx, owner));
    return claim.error === undefined ? ok(claim.claimed) : fail(claim.error);
  }

  /**
   * Upstream `getPodMapForDeployment`: the pods of each ReplicaSet (by uid) that the Deployment's
   * selector matches, terminating and finished ones included.
   */
  podMap(rsList: readonly CachedReplicaSet[]): Outcome<Map<string, readonly CachedPod[]>> {
    const sel = this.selector();
    if (!sel.ok) return sel;
    const map = new Map<string, readonly CachedPod[]>();
    for (const rs of rsList) {
      const uid = rs.metadata.uid ?? '';
      const pods = this.ctx.client.list<Pod & KubeObject>('Pod', { index: { name: CONTROLLER_UID_INDEX, value: uid }, namespace: this.namespace });
      if (!pods.ok) return fail(pods.error.message);
      map.set(
        uid,
        pods.value.filter((p) => sel.value.matches(p.metadata.labels)),
      );
    }
    return ok(map);
  }

  /**
   * Upstream `getAllReplicaSetsAndSyncRevision`. Upstream's `FindOldReplicaSets` and
   * `getNewReplicaSet` each look for the new ReplicaSet in the same list; it is looked for once.
   */
  allReplicaSetsAndSyncRevision(rsList: readonly CachedReplicaSet[], createIfNotExisted: boolean): Outcome<ReplicaSetsOfDeployment> {
    const existing = findNewReplicaSet(this.cached, rsList);
    const oldRSs = findOldReplicaSets(this.cached, rsList, existing);
    const newRS = this.newReplicaSet(existing, oldRSs, createIfNotExisted);
    return newRS.ok ? ok({ newRS: newRS.value, oldRSs }) : newRS;
  }

  /**
   * Upstream `getNewReplicaSet`: brings the annotations (revision, copied annotations) and
   * `minReadySeconds` of `existing`, the ReplicaSet whose template is the Deployment's
   * (`findNewReplicaSet`), up to date; or, when there is none and creating is asked for, creates
   * it as `<deployment>-<pod-template-hash>`, handling hash collisions.
   */
  newReplicaSet(existing: CachedReplicaSet | undefined, oldRSs: readonly CachedReplicaSet[], createIfNotExisted: boolean): Outcome<CachedReplicaSet | undefined> {
    const d = this.cached;
    const newRevision = String(maxRevision(oldRSs) + 1);

    if (existing !== undefined) {
      const annotations: Record<string, string> = { ...(existing.metadata.annotations ?? {}) };
      const annotationsUpdated = setNewReplicaSetAnnotations(d, annotations, existing.metadata.name ?? '', newRevision, true, this.ctx);
      const minReady = d.spec?.minReadySeconds ?? 0;
      const minReadyNeedsUpdate = (existing.spec?.minReadySeconds ?? 0) !== minReady;
      if (annotationsUpdated || minReadyNeedsUpdate) {
        const spec: Record<string, unknown> = { ...existing.spec, minReadySeconds: minReady };
        if (minReady === 0) delete spec['minReadySeconds'];
        const res = this.ctx.client.update<ReplicaSet & KubeObject>({ ...existing, metadata: { ...existing.metadata, annotations }, spec });
        return res.ok ? ok(res.value) : fail(res.error.message);
      }
      // The revision the ReplicaSet already carries is the Deployment's.
      let needsUpdate = false;
      const rev = annotations[REVISION_ANNOTATION];
      if (rev !== undefined && this.d.metadata.annotations[REVISION_ANNOTATION] !== rev) {
        this.d.metadata.annotations[REVISION_ANNOTATION] = rev;
        needsUpdate = true;
      }
      if (hasProgressDeadline(d) && getCondition(this.d.status, DEPLOYMENT_PROGRESSING) === undefined) {
        const msg = `Found new replica set ${JSON.stringify(existing.metadata.name ?? '')}`;
        setCondition(this.d.status, newCondition(DEPLOYMENT_PROGRESSING, 'True', FOUND_NEW_RS_REASON, msg, this.nowMs));
        needsUpdate = true;
      }
      if (needsUpdate) {
        const err = this.writeStatus();
        if (err !== undefined) return fail(err);
      }
      return ok(existing);
    }

    if (!createIfNotExisted) return ok(undefined);

    // Upstream names the ReplicaSet after the hash so that creating it is idempotent.
    const template = d.spec?.template;
    const hash = computePodTemplateHash(template ?? {}, this.d.status.collisionCount);
    const labels = { ...(template?.metadata?.labels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
    const newTemplate = { ...template, metadata: { ...template?.metadata, labels } };
    const selector = d.spec?.selector ?? {};
    const newSelector = { ...selector, matchLabels: { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash } };
    const rsName = `${this.name}-${hash}`;
    const annotations: Record<string, string> = {};
    const replicas = newRSNewReplicas(d, [...oldRSs, undefined], 0);
    const minReadySeconds = d.spec?.minReadySeconds ?? 0;
    // Field order and zero values as the API serializes a ReplicaSetSpec (minReadySeconds omitempty).
    const draftSpec = minReadySeconds > 0 ? { replicas, minReadySeconds, selector: newSelector, template: newTemplate } : { replicas, selector: newSelector, template: newTemplate };
    setNewReplicaSetAnnotations(d, annotations, rsName, newRevision, false, this.ctx);
    const body = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: rsName,
        namespace: this.namespace,
        ownerReferences: [newControllerRef({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: this.name, uid: d.metadata.uid } })],
        labels,
        annotations,
      },
      spec: draftSpec,
    };
    let created: CachedReplicaSet | undefined;
    let alreadyExists = false;
    const res = this.ctx.client.create<ReplicaSet & KubeObject>(body);
    if (res.ok) {
      created = res.value;
    } else if (isAlreadyExists(res)) {
      // A slow cache, or a hash collision.
      alreadyExists = true;
      const cachedRS = this.ctx.client.get<ReplicaSet & KubeObject>(RS_KIND, this.namespace, rsName);
      if (!cachedRS.ok) return fail(cachedRS.error.message);
      const rs = cachedRS.value;
      const ref = rs.metadata.ownerReferences?.find((r) => r.controller === true);
      if (ref !== undefined && ref.uid === d.metadata.uid && equalIgnoreHash(d.spec?.template, rs.spec?.template)) {
        created = rs;
      } else {
        const before = this.d.status.collisionCount ?? 0;
        this.d.status.collisionCount = before + 1;
        if (this.writeStatus() === undefined) this.ctx.log(`Found a hash collision for deployment ${this.name} - bumping collisionCount (${before}->${before + 1}) to resolve it`);
        return fail(res.error.message);
      }
    } else if (res.error.details?.causes?.some((c) => c.reason === 'NamespaceTerminating') === true) {
      return fail(res.error.message);
    } else {
      const msg = `Failed to create new replica set ${JSON.stringify(rsName)}: ${res.error.message}`;
      if (hasProgressDeadline(d)) {
        setCondition(this.d.status, newCondition(DEPLOYMENT_PROGRESSING, 'False', FAILED_RS_CREATE_REASON, msg, this.nowMs));
        this.writeStatus();
      }
      this.event('Warning', FAILED_RS_CREATE_REASON, msg);
      return fail(res.error.message);
    }
    if (!alreadyExists && replicas > 0) this.event('Normal', 'ScalingReplicaSet', `Scaled up replica set ${created.metadata.name ?? ''} from 0 to ${replicas}`);

    let needsUpdate = false;
    if (this.d.metadata.annotations[REVISION_ANNOTATION] !== newRevision) {
      this.d.metadata.annotations[REVISION_ANNOTATION] = newRevision;
      needsUpdate = true;
    }
    if (!alreadyExists && hasProgressDeadline(d)) {
      const msg = `Created new replica set ${JSON.stringify(created.metadata.name ?? '')}`;
      setCondition(this.d.status, newCondition(DEPLOYMENT_PROGRESSING, 'True', NEW_REPLICA_SET_REASON, msg, this.nowMs));
      needsUpdate = true;
    }
    if (needsUpdate) {
      const err = this.writeStatus();
      if (err !== undefined) return fail(err);
    }
    return ok(created);
  }

  /**
   * Upstream `scaleReplicaSetAndRecordEvent`: scales unless already at `newScale`; returns whether
   * it scaled and the ReplicaSet as now stored.
   */
  scaleReplicaSetAndRecordEvent(rs: CachedReplicaSet, newScale: number): Outcome<{ readonly scaled: boolean; readonly rs: CachedReplicaSet }> {
    if (specReplicas(rs) === newScale) return ok({ scaled: false, rs });
    return this.scaleReplicaSet(rs, newScale);
  }

  /**
   * Upstream `scaleReplicaSet`: sets `spec.replicas` and the desired/max replicas annotations
   * (when either changes) with one update of the copy held.
   */
  scaleReplicaSet(rs: CachedReplicaSet, newScale: number): Outcome<{ readonly scaled: boolean; readonly rs: CachedReplicaSet }> {
    const d = this.cached;
    const desired = deploymentReplicas(d);
    const max = desired + maxSurge(d);
    const oldScale = specReplicas(rs);
    const sizeNeedsUpdate = oldScale !== newScale;
    if (!sizeNeedsUpdate && !replicasAnnotationsNeedUpdate(rs, desired, max)) return ok({ scaled: false, rs });
    const annotations: Record<string, string> = { ...(rs.metadata.annotations ?? {}) };
    setReplicasAnnotations(annotations, desired, max);
    const res = this.ctx.client.update<ReplicaSet & KubeObject>({ ...rs, metadata: { ...rs.metadata, annotations }, spec: { ...rs.spec, replicas: newScale } });
    if (!res.ok) return fail(res.error.message);
    if (sizeNeedsUpdate) {
      const op = oldScale < newScale ? 'up' : 'down';
      this.event('Normal', 'ScalingReplicaSet', `Scaled ${op} replica set ${res.value.metadata.name ?? ''} from ${oldScale} to ${newScale}`);
    }
    return ok({ scaled: sizeNeedsUpdate, rs: res.value });
  }

  /**
   * Upstream `scale`: scaling (not rolling out). The only active ReplicaSet (or the newest) takes
   * every replica; a saturated new ReplicaSet takes them from the old ones; otherwise a rolling
   * Deployment spreads the change over its active ReplicaSets in proportion to their sizes.
   */
  scale(newRS: CachedReplicaSet | undefined, oldRSs: readonly CachedReplicaSet[]): string | undefined {
    const d = this.cached;
    const replicas = deploymentReplicas(d);
    const activeOrLatest = findActiveOrLatest(newRS, oldRSs);
    if (activeOrLatest !== undefined) {
      if (specReplicas(activeOrLatest) === replicas) return undefined;
      const r = this.scaleReplicaSetAndRecordEvent(activeOrLatest, replicas);
      return r.ok ? undefined : r.error;
    }
    if (isSaturated(d, newRS)) {
      for (const old of activeReplicaSets(oldRSs)) {
        const r = this.scaleReplicaSetAndRecordEvent(old, 0);
        if (!r.ok) return r.error;
      }
      return undefined;
    }
    if (!isRollingUpdate(d)) return undefined;
    const allRSs = activeReplicaSets([...oldRSs, newRS]);
    const allowedSize = replicas > 0 ? replicas + maxSurge(d) : 0;
    const toAdd = allowedSize - replicaCount(allRSs);
    if (toAdd > 0) allRSs.sort(compareBySizeNewer);
    else if (toAdd < 0) allRSs.sort(compareBySizeOlder);
    let added = 0;
    const sizes: number[] = [];
    for (const rs of allRSs) {
      if (toAdd !== 0) {
        const proportion = replicaSetProportion(rs, this.d, toAdd, added);
        sizes.push(specReplicas(rs) + proportion);
        added += proportion;
      } else {
        sizes.push(specReplicas(rs));
      }
    }
    for (let i = 0; i < allRSs.length; i++) {
      const rs = allRSs[i] as CachedReplicaSet;
      let size = sizes[i] as number;
      // Leftovers (rounding) go to the largest ReplicaSet.
      if (i === 0 && toAdd !== 0) size = Math.max(0, size + toAdd - added);
      const r = this.scaleReplicaSet(rs, size);
      if (!r.ok) return r.error;
    }
    return undefined;
  }

  /**
   * Upstream `cleanupDeployment`: deletes the oldest old ReplicaSets beyond
   * `revisionHistoryLimit`, those that are fully scaled down and observed.
   */
  cleanupDeployment(oldRSs: readonly CachedReplicaSet[]): string | undefined {
    const d = this.cached;
    if (!hasRevisionHistoryLimit(d)) return undefined;
    const cleanable = oldRSs.filter((rs) => rs.metadata.deletionTimestamp === undefined);
    const diff = cleanable.length - revisionHistoryLimit(d);
    if (diff <= 0) return undefined;
    cleanable.sort(compareByRevision);
    for (let i = 0; i < diff; i++) {
      const rs = cleanable[i] as CachedReplicaSet;
      if ((rs.status?.replicas ?? 0) !== 0 || specReplicas(rs) !== 0 || (rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0) || rs.metadata.deletionTimestamp !== undefined) continue;
      const res = this.ctx.client.delete({ apiVersion: 'apps/v1', kind: 'ReplicaSet', namespace: rs.metadata.namespace ?? '', name: rs.metadata.name ?? '' });
      if (!res.ok && !isNotFound(res)) return res.error.message;
      if (res.ok) this.ctx.trace('cleanup', { deployment: `${this.namespace}/${this.name}`, replicaSet: rs.metadata.name ?? '' });
    }
    return undefined;
  }

  /** Upstream `isScalingEvent`: an active ReplicaSet was sized for a different replica count. */
  isScalingEvent(rsList: readonly CachedReplicaSet[]): Outcome<boolean> {
    const r = this.allReplicaSetsAndSyncRevision(rsList, false);
    if (!r.ok) return r;
    const replicas = deploymentReplicas(this.cached);
    for (const rs of activeReplicaSets([...r.value.oldRSs, r.value.newRS])) {
      const desired = desiredReplicasAnnotation(rs);
      if (desired !== undefined && desired !== replicas) return ok(true);
    }
    return ok(false);
  }

  /**
   * Upstream `checkPausedConditions`: a Progressing condition `Unknown`/`DeploymentPaused` while
   * paused and `DeploymentResumed` after, so time spent paused never counts against the progress
   * deadline (a timed-out condition is left alone).
   */
  checkPausedConditions(): string | undefined {
    if (!hasProgressDeadline(this.cached)) return undefined;
    const cond = getCondition(this.d.status, DEPLOYMENT_PROGRESSING);
    if (cond !== undefined && cond.reason === TIMED_OUT_REASON) return undefined;
    const pausedCondExists = cond !== undefined && cond.reason === PAUSED_DEPLOY_REASON;
    const paused = this.cached.spec?.paused === true;
    if (paused && !pausedCondExists) {
      setCondition(this.d.status, newCondition(DEPLOYMENT_PROGRESSING, 'Unknown', PAUSED_DEPLOY_REASON, 'Deployment is paused', this.nowMs));
    } else if (!paused && pausedCondExists) {
      setCondition(this.d.status, newCondition(DEPLOYMENT_PROGRESSING, 'Unknown', RESUMED_DEPLOY_REASON, 'Deployment is resumed', this.nowMs));
    } else {
      return undefined;
    }
    return this.writeStatus();
  }
}

/** The integer fields of a Deployment status that the API leaves out when 0. */
const STATUS_COUNTS = ['observedGeneration', 'replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas'] as const;

/** Deployment statuses equal as Go structs are (absent counts are 0; pointers compared as such). */
export function deploymentStatusEqual(a: DeepReadonly<DeploymentStatus> | undefined, b: DeepReadonly<DeploymentStatus>): boolean {
  const x = a ?? {};
  for (const k of STATUS_COUNTS) if ((x[k] ?? 0) !== (b[k] ?? 0)) return false;
  if (x.terminatingReplicas !== b.terminatingReplicas || x.collisionCount !== b.collisionCount) return false;
  const xc = x.conditions ?? [];
  const bc = b.conditions ?? [];
  if (xc.length !== bc.length) return false;
  for (let i = 0; i < xc.length; i++) {
    const p = xc[i] as DeepReadonly<DeploymentCondition>;
    const q = bc[i] as DeepReadonly<DeploymentCondition>;
    if (
      p.type !== q.type ||
      p.status !== q.status ||
      (p.lastUpdateTime ?? '') !== (q.lastUpdateTime ?? '') ||
      (p.lastTransitionTime ?? '') !== (q.lastTransitionTime ?? '') ||
      (p.reason ?? '') !== (q.reason ?? '') ||
      (p.message ?? '') !== (q.message ?? '')
    ) {
      return false;
    }
  }
  return true;
}

/** Sorts ReplicaSets by creation (oldest first), as upstream sorts in place before scaling down. */
export function sortByCreation(rss: CachedReplicaSet[]): CachedReplicaSet[] {
  return rss.sort(compareByCreation);
}
