/**
 * The ReplicaSet controller of kube-controller-manager v1.35: keeps `spec.replicas` pods running
 * for every ReplicaSet. Upstream `pkg/controller/replicaset/replica_set.go` (`syncReplicaSet`,
 * `manageReplicas`, `claimPods`, `slowStartBatch`, `getPodsToDelete`) over
 * `pkg/controller/controller_utils.go` (expectations, pod creation from a template) and
 * `pkg/controller/controller_ref_manager.go` (adoption and release). See README.md.
 */
import {
  controllerRef,
  defineController,
  isNotFound,
  newControllerRef,
  reconcileDone,
  requeueAfter,
  retryReconcile,
  tryLabelSelectorAsSelector,
  type ApiResult,
  type ControllerDefinition,
  type DeepReadonly,
  type DelayRange,
  type KubeObject,
  type Pod,
  type ReconcileContext,
  type ReconcileRequest,
  type ReconcileResult,
  type ReplicaSet,
  type Selector,
} from 'kubeprop';
import { perIncarnation } from '../incarnation-state.js';
import { CONTROLLER_UID_INDEX, ORPHANS_BY_NAMESPACE_INDEX, OWNERSHIP_INDEXERS } from './controller-indexes.js';
import { claimObjects, recheckOwner, type ClaimOwner } from './controller-ref-manager.js';
import { ControllerExpectations, EXPECTATIONS_TIMEOUT_MS, type ExpectedPod } from './expectations.js';
import { POD_ACTIVE, POD_MATCHED, POD_TERMINATING, scanOwnedPods, type OwnedPodScan } from './owned-pods.js';
import { getPodsToDelete } from './pod-deletion-order.js';
import { isPodActive, isPodAvailable, isPodTerminal, nextAvailabilityCheckMs, podControllerUid, podIsActive, podMatches, type CachedPod } from './pod-state.js';
import {
  calculateReplicaSetStatus,
  countActivePods,
  specReplicas,
  templateLabelsOf,
  updateReplicaSetStatus,
  type ActivePodCounts,
  type CachedReplicaSet,
} from './replicaset-status.js';
import { SLOW_START_INITIAL_BATCH_SIZE, slowStartBatch } from './slow-start-batch.js';

/** The controller's name, as kube-controller-manager names it (and its events' source). */
export const REPLICASET_CONTROLLER_NAME = 'replicaset-controller';

/** Upstream `BurstReplicas`: at most this many pods are created or deleted per sync. */
export const BURST_REPLICAS = 500;

/** Upstream `--concurrent-replicaset-syncs` default. */
export const CONCURRENT_REPLICASET_SYNCS = 5;

/**
 * Requests whose name starts with this stand for an orphan pod, not a ReplicaSet: a pod event
 * without a controller owner maps to `pod:<name>` in the pod's namespace. No ReplicaSet can be
 * called that (`:` is not allowed in object names).
 */
export const ORPHAN_POD_REQUEST_PREFIX = 'pod:';

const RS_KIND = 'apps/ReplicaSet';
const RS_API_VERSION = 'apps/v1';

/** Options of {@link newReplicaSetController}; every field defaults to upstream's value. */
export interface ReplicaSetControllerOptions {
  /** Default {@link REPLICASET_CONTROLLER_NAME}. */
  readonly name?: string;
  /** Upstream `BurstReplicas`, default 500. */
  readonly burstReplicas?: number;
  /** Upstream `ExpectationsTimeout`, default 5 min. */
  readonly expectationsTimeoutMs?: number;
  /** Upstream `--concurrent-replicaset-syncs`, default 5. */
  readonly concurrentSyncs?: number;
  /** How long one sync takes (the runtime's default when absent). */
  readonly reconcileDurationMs?: DelayRange;
}

/**
 * Maps a pod event to the orphan-claim request when the pod has no controller owner (owned pods
 * reach their owner through `owns`) and is not yet bound to a node: a new pod, the case that needs
 * an adoption at once. Bound orphans are not mapped, so that the status updates of bare pods (most
 * pods of most clusters) cost the controller nothing; a matching ReplicaSet adopts them at its next
 * sync. Pods being deleted or finished are never adopted.
 */
export function orphanPodRequests(pod: DeepReadonly<KubeObject>): readonly ReconcileRequest[] {
  if (controllerRef(pod) !== undefined || pod.metadata.deletionTimestamp !== undefined) return [];
  const p = pod as CachedPod;
  if ((p.spec?.nodeName ?? '') !== '' || isPodTerminal(p)) return [];
  return [{ namespace: pod.metadata.namespace ?? '', name: `${ORPHAN_POD_REQUEST_PREFIX}${pod.metadata.name ?? ''}` }];
}

/** A ReplicaSet as an owner for claims and owner references. */
function ownerOf(rs: CachedReplicaSet): ClaimOwner {
  return {
    apiVersion: RS_API_VERSION,
    kind: 'ReplicaSet',
    metadata: {
      name: rs.metadata?.name,
      namespace: rs.metadata?.namespace,
      uid: rs.metadata?.uid,
      deletionTimestamp: rs.metadata?.deletionTimestamp,
    },
  };
}

/** Selectors compiled per (frozen, shared) selector object. */
const selectorCache = new WeakMap<object, { readonly selector: Selector } | { readonly error: string }>();

function selectorOf(rs: CachedReplicaSet): { readonly selector: Selector } | { readonly error: string } {
  const ls = rs.spec?.selector;
  if (ls === undefined) return { error: 'no selector' };
  let hit = selectorCache.get(ls);
  if (hit === undefined) {
    const r = tryLabelSelectorAsSelector(ls);
    hit = r.ok ? { selector: r.selector } : { error: r.error };
    selectorCache.set(ls, hit);
  }
  return hit;
}

/** Upstream `getPodsPrefix`: `<name>-`, or the bare name if that would not be a valid prefix. */
function podNamePrefix(name: string): string {
  const prefix = `${name}-`;
  return prefix.length > 253 ? name : prefix;
}

/** What a controller incarnation keeps between syncs, by ReplicaSet key. */
interface SyncState {
  readonly expectations: ControllerExpectations;
  /** The last scan of each ReplicaSet's pods (see `owned-pods.ts`). */
  readonly scans: Map<string, OwnedPodScan>;
}

/** One reconcile's view: the controller's settings and the incarnation's state. */
interface Sync extends SyncState {
  readonly ctx: ReconcileContext;
  readonly burstReplicas: number;
}

/**
 * Builds a ReplicaSet controller definition. Use {@link replicaSetController} for the default one;
 * options exist for experiments (a smaller burst, a shorter expectations timeout).
 */
export function newReplicaSetController(options: ReplicaSetControllerOptions = {}): ControllerDefinition {
  const burstReplicas = options.burstReplicas ?? BURST_REPLICAS;
  const timeoutMs = options.expectationsTimeoutMs ?? EXPECTATIONS_TIMEOUT_MS;
  // Expectations live as long as a controller incarnation, as upstream's live as long as the
  // process.
  const stateOf = perIncarnation<SyncState>(() => ({ expectations: new ControllerExpectations(timeoutMs), scans: new Map() }));
  return defineController({
    name: options.name ?? REPLICASET_CONTROLLER_NAME,
    for: RS_KIND,
    owns: ['Pod'],
    watches: [{ kind: 'Pod', map: orphanPodRequests }],
    indexers: { Pod: OWNERSHIP_INDEXERS, [RS_KIND]: OWNERSHIP_INDEXERS },
    maxConcurrentReconciles: options.concurrentSyncs ?? CONCURRENT_REPLICASET_SYNCS,
    ...(options.reconcileDurationMs !== undefined ? { reconcileDurationMs: options.reconcileDurationMs } : {}),
    reconcile: (req, ctx) => {
      const state = stateOf(ctx);
      const sync: Sync = { ctx, expectations: state.expectations, scans: state.scans, burstReplicas };
      return req.name.startsWith(ORPHAN_POD_REQUEST_PREFIX) ? claimOrphanPod(sync, req) : syncReplicaSet(sync, req);
    },
  });
}

/** The ReplicaSet controller with upstream's defaults. */
export const replicaSetController: ControllerDefinition = newReplicaSetController();

function listPods(ctx: ReconcileContext, index: string, value: string, namespace: string): ApiResult<readonly CachedPod[]> {
  return ctx.client.list<Pod & KubeObject>('Pod', { index: { name: index, value }, namespace });
}

/** Upstream `syncReplicaSet`. */
function syncReplicaSet(sync: Sync, req: ReconcileRequest): ReconcileResult {
  const { ctx, expectations } = sync;
  const key = `${req.namespace}/${req.name}`;
  const got = ctx.client.get<ReplicaSet & KubeObject>(RS_KIND, req.namespace, req.name);
  if (!got.ok) {
    if (isNotFound(got)) {
      expectations.delete(key);
      sync.scans.delete(key);
      return reconcileDone();
    }
    return retryReconcile(got.error.message);
  }
  const rs = got.value;
  const nowMs = ctx.nowMs();
  const ns = req.namespace;

  expectations.observe(key, (name) => {
    const p = ctx.client.get<Pod & KubeObject>('Pod', ns, name);
    return p.ok ? p.value : undefined;
  });
  const needsSync = expectations.satisfied(key, nowMs);

  const sel = selectorOf(rs);
  if (!('selector' in sel)) {
    ctx.log(`error converting pod selector to selector for rs ${key}: ${sel.error}`);
    return reconcileDone();
  }
  const selector = sel.selector;

  const uid = rs.metadata.uid ?? '';
  const owned = listPods(ctx, CONTROLLER_UID_INDEX, uid, ns);
  if (!owned.ok) return retryReconcile(owned.error.message);
  const orphans = listPods(ctx, ORPHANS_BY_NAMESPACE_INDEX, ns, ns);
  if (!orphans.ok) return retryReconcile(orphans.error.message);

  // The facts of the pods the ReplicaSet controls: the active ones its selector matches are its
  // own (claimed), the active ones it no longer matches are released below, and the terminating
  // ones it still selects are counted apart. The scan counts the claimed pods as it goes; when
  // every pod is claimed (the usual case), the list is the claimed pods as it is.
  const pods = owned.value;
  const scan = scanOwnedPods(sync.scans.get(key), uid, selector, templateLabelsOf(rs), pods);
  sync.scans.set(key, scan);
  const minReady = rs.spec?.minReadySeconds ?? 0;
  const counts: ActivePodCounts = { fullyLabeled: scan.fullyLabeled, ready: scan.ready, available: minReady <= 0 ? scan.ready : 0 };
  let claimed: readonly CachedPod[] = pods;
  const unmatched: CachedPod[] = [];
  const terminatingPods: CachedPod[] = [];
  if (!scan.allActiveMatched) {
    const mine: CachedPod[] = [];
    for (let i = 0; i < pods.length; i++) {
      const pod = pods[i] as CachedPod;
      const facts = scan.facts[i] as number;
      if ((facts & POD_ACTIVE) === 0) {
        if ((facts & POD_TERMINATING) !== 0 && (facts & POD_MATCHED) !== 0) terminatingPods.push(pod);
      } else if ((facts & POD_MATCHED) === 0) {
        unmatched.push(pod);
      } else {
        mine.push(pod);
      }
    }
    claimed = mine;
  }
  if (minReady > 0) {
    for (const pod of claimed) if (isPodAvailable(pod, minReady, nowMs)) counts.available++;
  }
  let claimError: string | undefined;
  let activePods: readonly CachedPod[] = claimed;
  if (unmatched.length > 0 || orphans.value.length > 0) {
    const owner = ownerOf(rs);
    const canAdopt = () => recheckOwner(ctx, owner);
    const match = (pod: CachedPod) => podMatches(pod, selector);
    // Upstream's claim of the pods it controls keeps the matched ones (above) and releases the
    // others; the index says who controls these, so their owner references are not read again.
    if (unmatched.length > 0) claimError = claimObjects(ctx, owner, unmatched, match, canAdopt, () => uid).error;
    if (orphans.value.length > 0) {
      const claimedOrphans = claimObjects(ctx, owner, orphans.value.filter(podIsActive), match, canAdopt, podControllerUid);
      if (claimedOrphans.claimed.length > 0) {
        activePods = [...claimed, ...claimedOrphans.claimed];
        const more = countActivePods(rs, claimedOrphans.claimed, nowMs);
        counts.fullyLabeled += more.fullyLabeled;
        counts.ready += more.ready;
        counts.available += more.available;
      }
      if (claimedOrphans.error !== undefined) claimError = claimError === undefined ? claimedOrphans.error : `${claimError}; ${claimedOrphans.error}`;
    }
  }
  if (claimError !== undefined) return retryReconcile(claimError);

  let manageError: string | undefined;
  if (needsSync && rs.metadata?.deletionTimestamp === undefined) manageError = manageReplicas(sync, rs, activePods, nowMs);

  const status = calculateReplicaSetStatus(rs, activePods, terminatingPods, manageError, nowMs, counts);
  const written = updateReplicaSetStatus(ctx, rs, status);
  if (!written.ok) return retryReconcile(written.error.message);
  if (manageError !== undefined) return retryReconcile(manageError);

  // Come back when a ready pod becomes available, and when pending expectations expire (a pod
  // that vanished before its creation was seen must not stall the ReplicaSet forever).
  let wakeMs: number | undefined;
  const updated = written.value;
  const minReadySeconds = updated.spec?.minReadySeconds ?? 0;
  if (minReadySeconds > 0 && (updated.status?.readyReplicas ?? 0) !== (updated.status?.availableReplicas ?? 0)) {
    wakeMs = nextAvailabilityCheckMs(activePods, minReadySeconds, nowMs) ?? minReadySeconds * 1000;
  }
  const expiresAt = expectations.expiresAtMs(key);
  if (expiresAt !== undefined) {
    const untilExpiry = Math.max(1, expiresAt - nowMs);
    wakeMs = wakeMs === undefined ? untilExpiry : Math.min(wakeMs, untilExpiry);
  }
  return wakeMs === undefined ? reconcileDone() : requeueAfter(wakeMs);
}

/** Records an event of the ReplicaSet in the trace (upstream records an Event object). */
function recordEvent(ctx: ReconcileContext, rs: CachedReplicaSet, type: 'Normal' | 'Warning', reason: string, message: string): void {
  ctx.trace('event', { object: `ReplicaSet ${rs.metadata?.namespace ?? ''}/${rs.metadata?.name ?? ''}`, type, reason, message });
}

/**
 * Upstream `manageReplicas`: creates or deletes at most `burstReplicas` pods to reach
 * `spec.replicas`, recording expectations. Returns the first failure's message.
 */
function manageReplicas(sync: Sync, rs: CachedReplicaSet, activePods: readonly CachedPod[], nowMs: number): string | undefined {
  const { ctx, expectations } = sync;
  const ns = rs.metadata?.namespace ?? '';
  const key = `${ns}/${rs.metadata?.name ?? ''}`;
  const diff = activePods.length - specReplicas(rs);
  if (diff < 0) {
    const count = Math.min(-diff, sync.burstReplicas);
    const created: ExpectedPod[] = [];
    const result = slowStartBatch(count, SLOW_START_INITIAL_BATCH_SIZE, () => createPod(ctx, rs, created));
    expectations.expectCreations(key, created, nowMs);
    ctx.trace('slow-start', { replicaSet: key, batches: result.batches.join(','), created: created.length, skipped: count - result.attempted });
    return result.error;
  }
  if (diff > 0) {
    const count = Math.min(diff, sync.burstReplicas);
    const related = count < activePods.length ? indirectlyRelatedPods(ctx, rs) : [];
    const victims = getPodsToDelete(activePods, related, count, nowMs);
    expectations.expectDeletions(
      key,
      victims.map((p) => ({ name: p.metadata?.name ?? '', uid: p.metadata?.uid ?? '' })),
      nowMs,
    );
    let firstError: string | undefined;
    for (const pod of victims) {
      const name = pod.metadata?.name ?? '';
      const res = ctx.client.delete({ apiVersion: 'v1', kind: 'Pod', namespace: ns, name });
      if (res.ok) {
        recordEvent(ctx, rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${name}`);
        continue;
      }
      // The informer will never see this deletion.
      expectations.deletionObserved(key, pod.metadata?.uid ?? '');
      if (!isNotFound(res)) {
        recordEvent(ctx, rs, 'Warning', 'FailedDelete', `Error deleting: ${res.error.message}`);
        firstError ??= res.error.message;
      }
    }
    return firstError;
  }
  return undefined;
}

/**
 * Upstream `CreatePods` / `GetPodFromTemplate`: one pod from the template, named
 * `<rs-name>-<random>`, controlled by the ReplicaSet. A namespace being terminated is not an
 * error (every create would fail; there is nothing to do).
 */
function createPod(ctx: ReconcileContext, rs: CachedReplicaSet, created: ExpectedPod[]): string | undefined {
  const template = rs.spec?.template;
  const labels = template?.metadata?.labels ?? {};
  if (Object.keys(labels).length === 0) return 'unable to create pods, no labels';
  const ns = rs.metadata?.namespace ?? '';
  const meta: Record<string, unknown> = {
    generateName: podNamePrefix(rs.metadata?.name ?? ''),
    namespace: ns,
    labels,
  };
  if (template?.metadata?.annotations !== undefined) meta.annotations = template.metadata.annotations;
  if (template?.metadata?.finalizers !== undefined) meta.finalizers = template.metadata.finalizers;
  meta.ownerReferences = [newControllerRef({ apiVersion: RS_API_VERSION, kind: 'ReplicaSet', metadata: { name: rs.metadata?.name, uid: rs.metadata?.uid } })];
  const res = ctx.client.create<Pod & KubeObject>({ apiVersion: 'v1', kind: 'Pod', metadata: meta, spec: template?.spec ?? {} });
  if (!res.ok) {
    if (res.error.details?.causes?.some((c) => c.reason === 'NamespaceTerminating') === true) return undefined;
    recordEvent(ctx, rs, 'Warning', 'FailedCreate', `Error creating: ${res.error.message}`);
    return res.error.message;
  }
  const name = res.value.metadata?.name ?? '';
  created.push({ name, uid: res.value.metadata?.uid ?? '' });
  recordEvent(ctx, rs, 'Normal', 'SuccessfulCreate', `Created pod: ${name}`);
  return undefined;
}

/**
 * Upstream `getIndirectlyRelatedPods`: the pods of every ReplicaSet with the same controller owner
 * (a Deployment's old and new ReplicaSets), each once. None when the ReplicaSet has no owner.
 */
function indirectlyRelatedPods(ctx: ReconcileContext, rs: CachedReplicaSet): CachedPod[] {
  const ref = controllerRef(rs);
  if (ref === undefined) return [];
  const ns = rs.metadata?.namespace ?? '';
  const siblings = ctx.client.list<ReplicaSet & KubeObject>(RS_KIND, { index: { name: CONTROLLER_UID_INDEX, value: ref.uid }, namespace: ns });
  if (!siblings.ok) return [];
  const seen = new Set<string>();
  const out: CachedPod[] = [];
  for (const sibling of siblings.value) {
    const sel = selectorOf(sibling);
    if (!('selector' in sel)) continue;
    const pods = listPods(ctx, CONTROLLER_UID_INDEX, sibling.metadata.uid ?? '', ns);
    if (!pods.ok) continue;
    for (const pod of pods.value) {
      const uid = pod.metadata?.uid ?? '';
      if (seen.has(uid) || !sel.selector.matches(pod.metadata?.labels)) continue;
      seen.add(uid);
      out.push(pod);
    }
  }
  return out;
}

/**
 * An orphan pod appeared or changed: the ReplicaSets of its namespace whose selector matches it
 * try to adopt it, in name order, until one succeeds (upstream enqueues each of them and the first
 * to sync adopts). The adoption is a pod update, which brings the new owner its sync.
 */
function claimOrphanPod(sync: Sync, req: ReconcileRequest): ReconcileResult {
  const { ctx } = sync;
  const podName = req.name.slice(ORPHAN_POD_REQUEST_PREFIX.length);
  const got = ctx.client.get<Pod & KubeObject>('Pod', req.namespace, podName);
  if (!got.ok) return isNotFound(got) ? reconcileDone() : retryReconcile(got.error.message);
  const pod: CachedPod = got.value;
  if (controllerRef(pod) !== undefined || !isPodActive(pod)) return reconcileDone();
  const all = ctx.client.list<ReplicaSet & KubeObject>(RS_KIND, { namespace: req.namespace });
  if (!all.ok) return retryReconcile(all.error.message);
  const errors: string[] = [];
  for (const rs of all.value) {
    if (rs.metadata?.deletionTimestamp !== undefined) continue;
    const sel = selectorOf(rs);
    if (!('selector' in sel) || sel.selector.isEmpty() || !sel.selector.matches(pod.metadata.labels)) continue;
    const owner = ownerOf(rs);
    const claim = claimObjects(ctx, owner, [pod], () => true, () => recheckOwner(ctx, owner));
    if (claim.claimed.length > 0) return reconcileDone();
    if (claim.error !== undefined) errors.push(claim.error);
  }
  return errors.length > 0 ? retryReconcile(errors.join('; ')) : reconcileDone();
}
