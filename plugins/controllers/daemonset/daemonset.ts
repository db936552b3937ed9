/**
 * The DaemonSet controller of kube-controller-manager v1.35: one pod of each DaemonSet on every
 * eligible node, rolled to new templates under `maxUnavailable` / `maxSurge`. Upstream
 * `pkg/controller/daemon/daemon_controller.go` (`syncDaemonSet`, `manage`, `podsShouldBeOnNode`,
 * `syncNodes`, `updateDaemonSetStatus`, the node event handlers) and `update.go`
 * (`rollingUpdate`, revision history).
 *
 * Pods are not bound by the controller: each gets a required node affinity
 * `metadata.name In [<node>]` and the scheduler places it, as upstream since v1.12.
 *
 * Queue keys: a DaemonSet key (`namespace/name`) syncs that DaemonSet. A node change is queued
 * under the node's name (a key without a namespace, which no DaemonSet has), because the
 * runtime's watch mapping sees only the node: its reconcile compares, for every DaemonSet, whether
 * the node should run the daemon with what that DaemonSet's last sync saw, and syncs those for
 * which it changed (upstream `addNode` / `updateNode`).
 */
import {
  ConfigError,
  defineController,
  newControllerRef,
  reconcileDone,
  retryReconcile,
  tryLabelSelectorAsSelector,
  type ControllerDefinition,
  type KubeObject,
  type ReconcileContext,
  type ReconcileResult,
  type Selector,
} from 'kubeprop';
import { claimPods } from '../claim-pods.js';
import { perIncarnation } from '../incarnation-state.js';
import { PodExpectations } from '../pod-expectations.js';
import { CONTROLLER_UID_INDEXERS, POD_INDEXERS, podsControlledBy, podsMatchingLabelSelector } from '../pod-indexes.js';
import { isPodAvailable, isPodDeleting, isPodReady, isPodTerminal, type PodView } from '../pod-state.js';
import { ResultCollector } from '../reconcile-results.js';
import { cleanupHistory, constructHistory } from './controller-history.js';
import {
  CONTROLLER_REVISION_HASH_LABEL,
  DEPRECATED_TEMPLATE_GENERATION_ANNOTATION,
  POD_TEMPLATE_GENERATION_LABEL,
  allowsSurge,
  compareByCreationAndPhase,
  daemonPlacement,
  isRollingUpdate,
  isPodUpdated,
  nodeNameAffinity,
  nodeShouldRunDaemonPod,
  surgeCount,
  targetNodeName,
  unavailableCount,
  withDaemonTolerations,
  type DaemonPlacement,
  type DaemonSetView,
  type NodeVerdict,
  type NodeView,
} from './daemonset-util.js';

/** The controller's name in kube-controller-manager. */
export const DAEMONSET_CONTROLLER_NAME = 'daemonset-controller';
/** Upstream `--concurrent-daemonset-syncs` default. */
export const CONCURRENT_DAEMONSET_SYNCS_DEFAULT = 2;
/** Upstream `BurstReplicas`: at most this many creates and this many deletes per sync. */
export const BURST_REPLICAS = 250;
/** Upstream `controller.SlowStartInitialBatchSize`: creates go in batches of 1, 2, 4, ... */
export const SLOW_START_INITIAL_BATCH_SIZE = 1;
/** Upstream `StatusUpdateRetries`: one retry of a conflicting status update with a fresh read. */
export const STATUS_UPDATE_RETRIES = 1;
/**
 * Back-off before deleting a failed daemon pod again on the same node: the initial delay of the
 * `flowcontrol.NewBackOff(1*time.Second, 15*time.Minute)` kube-controller-manager gives the
 * controller (`cmd/kube-controller-manager/app/apps.go`).
 */
export const FAILED_POD_BACKOFF_INITIAL_MS = 1_000;
/** The failed-pod back-off doubles up to 15 minutes; an entry idle for twice that is forgotten. */
export const FAILED_POD_BACKOFF_MAX_MS = 15 * 60 * 1000;

/** Options of {@link newDaemonSetController}. */
export interface DaemonSetControllerOptions {
  /** The controller's name; default {@link DAEMONSET_CONTROLLER_NAME}. */
  readonly name?: string;
  /** Upstream `--concurrent-daemonset-syncs`; default 2. */
  readonly workers?: number;
  /** Upstream `BurstReplicas`; default 250. */
  readonly burstReplicas?: number;
}

interface BackoffEntry {
  backoffMs: number;
  lastUpdateMs: number;
}

interface DsState {
  readonly expectations: PodExpectations;
  /** Upstream `failedPodsBackoff` (`flowcontrol.Backoff`), by `<uid>/<observedGeneration>/<node>`. */
  readonly backoff: Map<string, BackoffEntry>;
  /** DaemonSet key → node → verdict (shouldRun * 2 + shouldContinueRunning) at its last sync. */
  readonly verdicts: Map<string, Map<string, number>>;
}

const stateOf = perIncarnation<DsState>(() => ({ expectations: new PodExpectations(), backoff: new Map(), verdicts: new Map() }));

function verdictCode(v: NodeVerdict): number {
  return (v.shouldRun ? 2 : 0) + (v.shouldContinueRunning ? 1 : 0);
}

/** `flowcontrol.Backoff.IsInBackOffSinceUpdate`; expired entries (older than twice the maximum) are dropped. */
function inBackoff(state: DsState, key: string, nowMs: number): BackoffEntry | undefined {
  const e = state.backoff.get(key);
  if (e === undefined) return undefined;
  if (nowMs - e.lastUpdateMs > 2 * FAILED_POD_BACKOFF_MAX_MS) {
    state.backoff.delete(key);
    return undefined;
  }
  return nowMs - e.lastUpdateMs < e.backoffMs ? e : undefined;
}

/** `flowcontrol.Backoff.Next`. */
function nextBackoff(state: DsState, key: string, nowMs: number): void {
  const e = state.backoff.get(key);
  if (e === undefined || nowMs - e.lastUpdateMs > 2 * FAILED_POD_BACKOFF_MAX_MS) {
    state.backoff.set(key, { backoffMs: FAILED_POD_BACKOFF_INITIAL_MS, lastUpdateMs: nowMs });
  } else {
    e.backoffMs = Math.min(e.backoffMs * 2, FAILED_POD_BACKOFF_MAX_MS);
    e.lastUpdateMs = nowMs;
  }
}

function byName(a: { metadata?: { name?: string } | undefined }, b: { metadata?: { name?: string } | undefined }): number {
  const x = a.metadata?.name ?? '';
  const y = b.metadata?.name ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
}

/** What one sync works with. */
interface SyncCtx {
  readonly ctx: ReconcileContext;
  readonly state: DsState;
  readonly burstReplicas: number;
  readonly ds: DaemonSetView;
  readonly key: string;
  readonly nodes: readonly NodeView[];
  readonly placement: DaemonPlacement;
  readonly hash: string;
  readonly results: ResultCollector;
}

/**
 * Upstream `getNodesToDaemonPods`: the DaemonSet's pods (claimed: owned and matching, or adopted)
 * by target node; terminal pods already being deleted are left out unless asked for.
 */
function nodesToDaemonPods(claimed: readonly PodView[], includeDeletedTerminal: boolean): Map<string, PodView[]> {
  const out = new Map<string, PodView[]>();
  for (const pod of claimed) {
    if (!includeDeletedTerminal && isPodTerminal(pod) && isPodDeleting(pod)) continue;
    const node = targetNodeName(pod);
    if (node === undefined) continue;
    const list = out.get(node);
    if (list === undefined) out.set(node, [pod]);
    else list.push(pod);
  }
  return out;
}

/** Upstream `podsShouldBeOnNode`: whether the node needs a pod, and which of its pods to delete. */
function podsShouldBeOnNode(s: SyncCtx, node: NodeView, byNode: ReadonlyMap<string, readonly PodView[]>, needPods: string[], toDelete: PodView[]): void {
  const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, s.placement);
  const name = node.metadata?.name ?? '';
  const pods = byNode.get(name);
  const now = s.ctx.nowMs();
  if (shouldRun && pods === undefined) {
    needPods.push(name);
  } else if (shouldContinueRunning) {
    const running: PodView[] = [];
    for (const pod of pods ?? []) {
      if (isPodDeleting(pod)) continue;
      const phase = pod.status?.phase;
      if (phase === 'Failed') {
        // Daemons often fight a kubelet that rejects them: back off before killing again.
        const backoffKey = `${s.ds.metadata?.uid ?? ''}/${s.ds.status?.observedGeneration ?? 0}/${name}`;
        const e = inBackoff(s.state, backoffKey, now);
        if (e !== undefined) {
          s.results.requeueAfter(e.backoffMs);
          continue;
        }
        nextBackoff(s.state, backoffKey, now);
        s.ctx.log(`Found failed daemon pod ${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''} on node ${name}, will try to kill it`, { reason: 'FailedDaemonPod' });
        toDelete.push(pod);
      } else if (phase === 'Succeeded') {
        toDelete.push(pod);
      } else {
        running.push(pod);
      }
    }
    running.sort(compareByCreationAndPhase);
    if (!allowsSurge(s.ds)) {
      // Without surge, one pod per node: keep the oldest.
      for (let i = 1; i < running.length; i++) toDelete.push(running[i] as PodView);
      return;
    }
    if (running.length <= 1) {
      if (running.length === 0 && shouldRun) needPods.push(name);
      return;
    }
    // With surge, two pods may share a node while the new one becomes available.
    let oldestNew: PodView | undefined;
    let oldestOld: PodView | undefined;
    for (const pod of running) {
      if (isPodUpdated(pod, s.hash)) {
        if (oldestNew === undefined) {
          oldestNew = pod;
          continue;
        }
      } else if (oldestOld === undefined) {
        oldestOld = pod;
        continue;
      }
      toDelete.push(pod);
    }
    if (oldestNew !== undefined && oldestOld !== undefined) {
      if (!isPodReady(oldestOld)) toDelete.push(oldestOld);
      else if (isPodAvailable(oldestNew, s.ds.spec?.minReadySeconds ?? 0, now)) toDelete.push(oldestOld);
    }
  } else if (pods !== undefined) {
    for (const pod of pods) if (!isPodDeleting(pod)) toDelete.push(pod);
  }
}

/** The pod a DaemonSet creates for a node (upstream `CreatePodTemplate` + the node affinity). */
function newDaemonPod(ds: DaemonSetView, hash: string, nodeName: string): KubeObject {
  const template = ds.spec?.template;
  const labels: Record<string, string> = { ...(template?.metadata?.labels ?? {}) };
  const generation = ds.metadata?.annotations?.[DEPRECATED_TEMPLATE_GENERATION_ANNOTATION];
  if (generation !== undefined && /^-?\d+$/.test(generation)) labels[POD_TEMPLATE_GENERATION_LABEL] = generation;
  if (hash !== '') labels[CONTROLLER_REVISION_HASH_LABEL] = hash;
  const spec = template?.spec;
  const meta: KubeObject['metadata'] = {
    generateName: `${ds.metadata?.name ?? ''}-`,
    namespace: ds.metadata?.namespace ?? '',
    labels,
    ownerReferences: [newControllerRef({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: ds.metadata?.name, uid: ds.metadata?.uid } })],
  };
  if (template?.metadata?.annotations !== undefined) meta.annotations = { ...template.metadata.annotations };
  if (template?.metadata?.finalizers !== undefined) meta.finalizers = [...template.metadata.finalizers];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: meta,
    spec: {
      ...(spec ?? {}),
      tolerations: withDaemonTolerations(spec?.tolerations, spec?.hostNetwork === true),
      affinity: nodeNameAffinity(spec?.affinity, nodeName),
    },
  };
}

/**
 * Upstream `syncNodes`: deletes `toDelete` and creates a pod on each of `needPods`, at most
 * `burstReplicas` of each, creates in slow-start batches (1, 2, 4, ...) that stop at the first
 * batch with a failure. Every write is recorded as an expectation first. Returns the first error.
 */
function syncNodes(s: SyncCtx, toDelete: readonly PodView[], needPods: readonly string[]): string | undefined {
  const client = s.ctx.client;
  const ns = s.ds.metadata?.namespace ?? '';
  const createCount = Math.min(needPods.length, s.burstReplicas);
  const deleteCount = Math.min(toDelete.length, s.burstReplicas);
  let firstError: string | undefined;
  let pos = 0;
  let batch = Math.min(createCount, SLOW_START_INITIAL_BATCH_SIZE);
  while (pos < createCount) {
    let failed = false;
    for (let i = pos; i < pos + batch; i++) {
      const nodeName = needPods[i] as string;
      const res = client.create<PodView>(newDaemonPod(s.ds, s.hash, nodeName));
      if (res.ok) {
        s.state.expectations.expectCreate(s.key, res.value.metadata?.name ?? '', s.ctx.nowMs());
      } else {
        failed = true;
        firstError ??= `creating a pod on node ${nodeName}: ${res.error.message}`;
      }
    }
    pos += batch;
    if (failed) break;
    batch = Math.min(2 * batch, createCount - pos);
  }
  for (let i = 0; i < deleteCount; i++) {
    const pod = toDelete[i] as PodView;
    const name = pod.metadata?.name ?? '';
    const res = client.delete({ apiVersion: 'v1', kind: 'Pod', namespace: ns, name });
    if (res.ok) s.state.expectations.expectDelete(s.key, name, pod.metadata?.uid ?? '', s.ctx.nowMs());
    else if (res.error.code !== 404) firstError ??= `deleting pod ${name}: ${res.error.message}`;
  }
  return firstError;
}

/** Upstream `findUpdatedPodsOnNode`: the node's one new and one old pod, or `ok: false` if it has more. */
function updatedPodsOnNode(pods: readonly PodView[], hash: string): { ok: boolean; newPod: PodView | undefined; oldPod: PodView | undefined } {
  let newPod: PodView | undefined;
  let oldPod: PodView | undefined;
  for (const pod of pods) {
    if (isPodDeleting(pod)) continue;
    if (isPodUpdated(pod, hash)) {
      if (newPod !== undefined) return { ok: false, newPod: undefined, oldPod: undefined };
      newPod = pod;
    } else {
      if (oldPod !== undefined) return { ok: false, newPod: undefined, oldPod: undefined };
      oldPod = pod;
    }
  }
  return { ok: true, newPod, oldPod };
}

/**
 * Upstream `rollingUpdate`. Without surge: delete old pods (unavailable ones always, available ones
 * while fewer than `maxUnavailable` nodes are unavailable) and let `manage` create the new ones.
 * With surge: create new pods next to old ones (on nodes whose old pod is unavailable always, on
 * others up to `maxSurge`), and delete an old pod once its replacement is available.
 */
function rollingUpdate(s: SyncCtx, claimed: readonly PodView[]): string | undefined {
  const byNode = nodesToDaemonPods(claimed, false);
  let desired = 0;
  for (const node of s.nodes) {
    if (!nodeShouldRunDaemonPod(node, s.placement).shouldRun) continue;
    desired++;
    const name = node.metadata?.name ?? '';
    if (!byNode.has(name)) byNode.set(name, []);
  }
  let maxUnavailable = unavailableCount(s.ds, desired);
  const maxSurge = surgeCount(s.ds, desired);
  if (desired > 0 && maxUnavailable === 0 && maxSurge === 0) maxUnavailable = 1;
  const minReady = s.ds.spec?.minReadySeconds ?? 0;
  const now = s.ctx.nowMs();
  const nodeNames = [...byNode.keys()].sort();

  if (maxSurge === 0) {
    let numUnavailable = 0;
    const replacements: PodView[] = [];
    const candidates: PodView[] = [];
    for (const nodeName of nodeNames) {
      const { ok, newPod, oldPod } = updatedPodsOnNode(byNode.get(nodeName) ?? [], s.hash);
      if (!ok) {
        numUnavailable++;
        continue;
      }
      if ((oldPod === undefined && newPod === undefined) || (oldPod !== undefined && newPod !== undefined)) {
        numUnavailable++;
      } else if (newPod !== undefined) {
        if (!isPodAvailable(newPod, minReady, now)) numUnavailable++;
      } else if (oldPod !== undefined) {
        if (!isPodAvailable(oldPod, minReady, now)) {
          replacements.push(oldPod);
          numUnavailable++;
        } else if (numUnavailable < maxUnavailable) {
          candidates.push(oldPod);
        }
      }
    }
    const remaining = Math.min(Math.max(0, maxUnavailable - numUnavailable), candidates.length);
    return syncNodes(s, [...replacements, ...candidates.slice(0, remaining)], []);
  }

  const oldToDelete: PodView[] = [];
  const shouldNotRunToDelete: PodView[] = [];
  const candidateNodes: string[] = [];
  const allowedNodes: string[] = [];
  let numSurge = 0;
  let numAvailable = 0;
  const nodeByName = new Map(s.nodes.map((n) => [n.metadata?.name ?? '', n] as const));
  for (const nodeName of nodeNames) {
    const { ok, newPod, oldPod } = updatedPodsOnNode(byNode.get(nodeName) ?? [], s.hash);
    if (!ok) {
      numSurge++;
      continue;
    }
    if (oldPod !== undefined) {
      if (isPodAvailable(oldPod, minReady, now)) numAvailable++;
    } else if (newPod !== undefined && isPodAvailable(newPod, minReady, now)) {
      numAvailable++;
    }
    if (oldPod === undefined) continue;
    if (newPod === undefined) {
      const node = nodeByName.get(nodeName);
      const shouldRun = node !== undefined && nodeShouldRunDaemonPod(node, s.placement).shouldRun;
      if (!isPodAvailable(oldPod, minReady, now)) {
        if (!shouldRun) oldToDelete.push(oldPod);
        else allowedNodes.push(nodeName);
      } else if (!shouldRun) {
        shouldNotRunToDelete.push(oldPod);
      } else if (numSurge < maxSurge) {
        candidateNodes.push(nodeName);
      }
      continue;
    }
    if (!isPodAvailable(newPod, minReady, now)) {
      numSurge++;
      continue;
    }
    oldToDelete.push(oldPod);
  }
  const deletable = Math.min(Math.max(0, numAvailable - desired), shouldNotRunToDelete.length);
  oldToDelete.push(...shouldNotRunToDelete.slice(0, deletable));
  const remainingSurge = Math.min(Math.max(0, maxSurge - numSurge), candidateNodes.length);
  return syncNodes(s, oldToDelete, [...allowedNodes, ...candidateNodes.slice(0, remainingSurge)]);
}

/** Upstream `updateDaemonSetStatus` + `storeDaemonSetStatus`. */
function updateStatus(s: SyncCtx, claimed: readonly PodView[], updateObservedGeneration: boolean): string | undefined {
  const byNode = nodesToDaemonPods(claimed, false);
  let desired = 0;
  let current = 0;
  let misscheduled = 0;
  let ready = 0;
  let updated = 0;
  let available = 0;
  const now = s.ctx.nowMs();
  const minReady = s.ds.spec?.minReadySeconds ?? 0;
  for (const node of s.nodes) {
    const { shouldRun } = nodeShouldRunDaemonPod(node, s.placement);
    const pods = byNode.get(node.metadata?.name ?? '') ?? [];
    if (shouldRun) {
      desired++;
      if (pods.length === 0) continue;
      current++;
      const pod = [...pods].sort(compareByCreationAndPhase)[0] as PodView;
      if (isPodReady(pod)) {
        ready++;
        if (isPodAvailable(pod, minReady, now)) available++;
      }
      if (isPodUpdated(pod, s.hash)) updated++;
    } else if (pods.length > 0) {
      misscheduled++;
    }
  }
  const unavailable = desired - available;
  if (minReady > 0 && ready !== available) s.results.requeueAfter(minReady * 1000 + 1000);

  const ds = s.ds;
  const st = ds.status;
  const generation = ds.metadata?.generation ?? 0;
  if (
    (st?.desiredNumberScheduled ?? 0) === desired &&
    (st?.currentNumberScheduled ?? 0) === current &&
    (st?.numberMisscheduled ?? 0) === misscheduled &&
    (st?.numberReady ?? 0) === ready &&
    (st?.updatedNumberScheduled ?? 0) === updated &&
    (st?.numberAvailable ?? 0) === available &&
    (st?.numberUnavailable ?? 0) === unavailable &&
    (st?.observedGeneration ?? 0) >= generation
  ) {
    return undefined;
  }
  const build = (base: DaemonSetView): KubeObject => {
    const status: Record<string, unknown> = { ...(base.status ?? {}) };
    if (updateObservedGeneration) status.observedGeneration = base.metadata?.generation ?? generation;
    status.desiredNumberScheduled = desired;
    status.currentNumberScheduled = current;
    status.numberMisscheduled = misscheduled;
    status.numberReady = ready;
    // The Go fields with omitempty: a zero is absent.
    for (const [k, v] of [['updatedNumberScheduled', updated], ['numberAvailable', available], ['numberUnavailable', unavailable]] as const) {
      if (v === 0) delete status[k];
      else status[k] = v;
    }
    return { ...(base as unknown as KubeObject), status };
  };
  let base = ds;
  for (let attempt = 0; ; attempt++) {
    const res = s.ctx.client.updateStatus(build(base));
    if (res.ok) return undefined;
    if (attempt >= STATUS_UPDATE_RETRIES) return `error storing status for daemon set ${s.key}: ${res.error.message}`;
    const fresh = s.ctx.client.api.get<DaemonSetView>({ apiVersion: 'apps/v1', kind: 'DaemonSet', namespace: ds.metadata?.namespace ?? '', name: ds.metadata?.name ?? '' });
    if (!fresh.ok) return fresh.error.message;
    base = fresh.value;
  }
}

/** Upstream `getUnscheduledPodsWithoutNode`: pending pods aimed at nodes that no longer exist. */
function unscheduledPodsWithoutNode(nodes: readonly NodeView[], byNode: ReadonlyMap<string, readonly PodView[]>): PodView[] {
  const exists = new Set(nodes.map((n) => n.metadata?.name ?? ''));
  const out: PodView[] = [];
  for (const nodeName of [...byNode.keys()].sort()) {
    if (exists.has(nodeName)) continue;
    for (const pod of byNode.get(nodeName) ?? []) if ((pod.spec?.nodeName ?? '') === '') out.push(pod);
  }
  return out;
}

/** The DaemonSet's pods, claimed: its own (by owner uid) plus orphans its selector matches. */
function claimDaemonPods(ctx: ReconcileContext, ds: DaemonSetView, selector: Selector): { pods: readonly PodView[]; error: string | undefined } {
  const ns = ds.metadata?.namespace ?? '';
  const owned = podsControlledBy(ctx.client, ns, ds.metadata?.uid ?? '');
  if (!owned.ok) return { pods: [], error: owned.error.message };
  const matching = podsMatchingLabelSelector(ctx.client, ns, ds.spec?.selector, selector);
  if (!matching.ok) return { pods: [], error: matching.error.message };
  const seen = new Set<string>();
  const candidates: PodView[] = [];
  for (const p of [...owned.value, ...matching.value]) {
    const name = p.metadata?.name ?? '';
    if (seen.has(name)) continue;
    seen.add(name);
    candidates.push(p);
  }
  candidates.sort(byName);
  const claimed = claimPods(ctx.client, { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: ds.metadata ?? {} }, selector, candidates);
  return { pods: claimed.claimed, error: claimed.errors[0] };
}

/** Upstream `syncDaemonSet`. */
function syncDaemonSet(ctx: ReconcileContext, state: DsState, burstReplicas: number, namespace: string, name: string): ReconcileResult {
  const key = `${namespace}/${name}`;
  const client = ctx.client;
  const got = client.get<DaemonSetView>('apps/DaemonSet', namespace, name);
  if (!got.ok) {
    if (got.error.code !== 404) return retryReconcile(got.error.message);
    state.expectations.clear(key);
    state.verdicts.delete(key);
    return reconcileDone();
  }
  const ds = got.value;
  const nodesRes = client.list<NodeView>('Node');
  if (!nodesRes.ok) return retryReconcile(nodesRes.error.message);
  const nodes = nodesRes.value;
  const sel = ds.spec?.selector;
  if (sel === undefined || ((sel.matchLabels === undefined || Object.keys(sel.matchLabels).length === 0) && (sel.matchExpressions ?? []).length === 0)) {
    ctx.log('This daemon set is selecting all pods. A non-empty selector is required.', { reason: 'SelectingAll', daemonset: key });
    return reconcileDone();
  }
  const selector = tryLabelSelectorAsSelector(sel);
  if (!selector.ok) return retryReconcile(selector.error);
  // Being deleted (foreground or orphan): its history may already be gone, so no status either.
  if (ds.metadata?.deletionTimestamp !== undefined) return reconcileDone();

  let placement: DaemonPlacement;
  try {
    placement = daemonPlacement(ds);
    unavailableCount(ds, 1);
    surgeCount(ds, 1);
  } catch (e) {
    if (e instanceof ConfigError) return retryReconcile(e.message);
    throw e;
  }
  const verdicts = new Map<string, number>();
  for (const n of nodes) verdicts.set(n.metadata?.name ?? '', verdictCode(nodeShouldRunDaemonPod(n, placement)));
  // Recorded only for a sync that completes: after a failure, node changes must sync it again.
  state.verdicts.delete(key);

  const claimed = claimDaemonPods(ctx, ds, selector.selector);
  if (claimed.error !== undefined) return retryReconcile(claimed.error);
  const pods = claimed.pods;
  const history = constructHistory(client, ds, (keepHash) => {
    for (const pod of pods) {
      if (pod.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] === keepHash) continue;
      const res = client.patch({ apiVersion: 'v1', kind: 'Pod', namespace, name: pod.metadata?.name ?? '' }, { metadata: { labels: { [CONTROLLER_REVISION_HASH_LABEL]: keepHash } } });
      if (!res.ok && res.error.code !== 404) return res.error.message;
    }
    return undefined;
  });
  if (!history.ok) return retryReconcile(`failed to construct revisions of DaemonSet: ${history.error}`);
  const hash = history.current.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? '';
  const s: SyncCtx = { ctx, state, burstReplicas, ds, key, nodes, placement, hash, results: new ResultCollector() };

  const check = state.expectations.check(client, key, namespace, ctx.nowMs());
  if (!check.satisfied) {
    // Only status, and without observedGeneration: this generation was not acted on yet.
    const err = updateStatus(s, pods, false);
    if (check.expiresInMs !== undefined) s.results.requeueAfter(check.expiresInMs);
    if (err !== undefined) return retryReconcile(err);
    // The pending pod events will sync it again; its view of the nodes is current.
    state.verdicts.set(key, verdicts);
    return s.results.result();
  }

  // manage
  const byNode = nodesToDaemonPods(pods, false);
  const needPods: string[] = [];
  const toDelete: PodView[] = [];
  for (const node of nodes) podsShouldBeOnNode(s, node, byNode, needPods, toDelete);
  toDelete.push(...unscheduledPodsWithoutNode(nodes, byNode));
  let err = syncNodes(s, toDelete, needPods);
  if (err === undefined && state.expectations.check(client, key, namespace, ctx.nowMs()).satisfied && isRollingUpdate(ds)) {
    err = rollingUpdate(s, pods);
  }
  if (err === undefined) {
    const live = new Set<string>();
    for (const pod of nodesToDaemonPods(pods, true).values()) for (const p of pod) live.add(p.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? '');
    const histErr = cleanupHistory(client, ds, history.old, live);
    if (histErr !== undefined) err = `failed to clean up revisions of DaemonSet: ${histErr}`;
  }
  const statusErr = updateStatus(s, pods, true);
  if (err !== undefined) return retryReconcile(err);
  if (statusErr !== undefined) return retryReconcile(statusErr);
  state.verdicts.set(key, verdicts);
  return s.results.result();
}

/**
 * A node was added, changed or deleted: sync every DaemonSet for which the node's verdict (should
 * run / may continue running) differs from what its last sync saw (upstream `addNode` enqueues the
 * DaemonSets that should run on a new node, `updateNode` those whose verdict changed).
 */
function syncNode(ctx: ReconcileContext, state: DsState, burstReplicas: number, nodeName: string): ReconcileResult {
  const client = ctx.client;
  const got = client.get<NodeView>('Node', undefined, nodeName);
  if (!got.ok && got.error.code !== 404) return retryReconcile(got.error.message);
  const node = got.ok ? got.value : undefined;
  const all = client.list<DaemonSetView>('apps/DaemonSet');
  if (!all.ok) return retryReconcile(all.error.message);
  const results = new ResultCollector();
  for (const ds of all.value) {
    const key = `${ds.metadata?.namespace ?? ''}/${ds.metadata?.name ?? ''}`;
    const seen = state.verdicts.get(key)?.get(nodeName);
    let changed: boolean;
    if (node === undefined) {
      changed = seen !== undefined;
    } else {
      let code: number;
      try {
        code = verdictCode(nodeShouldRunDaemonPod(node, daemonPlacement(ds)));
      } catch (e) {
        if (e instanceof ConfigError) continue;
        throw e;
      }
      changed = seen === undefined ? (code & 2) !== 0 : seen !== code;
    }
    if (changed) results.add(syncDaemonSet(ctx, state, burstReplicas, ds.metadata?.namespace ?? '', ds.metadata?.name ?? ''));
  }
  return results.result();
}

/** A definition of the DaemonSet controller with the given options; the default instance is {@link daemonSetController}. */
export function newDaemonSetController(options: DaemonSetControllerOptions = {}): ControllerDefinition {
  const burstReplicas = options.burstReplicas ?? BURST_REPLICAS;
  if (!Number.isSafeInteger(burstReplicas) || burstReplicas < 1) throw new ConfigError(`daemonset controller: burstReplicas must be a positive integer, got ${String(burstReplicas)}`);
  return defineController({
    name: options.name ?? DAEMONSET_CONTROLLER_NAME,
    for: 'apps/DaemonSet',
    owns: ['Pod', 'apps/ControllerRevision'],
    watches: [{ kind: 'Node', map: (node) => [{ namespace: '', name: node.metadata.name ?? '' }] }],
    indexers: { Pod: POD_INDEXERS, 'apps/ControllerRevision': CONTROLLER_UID_INDEXERS },
    maxConcurrentReconciles: options.workers ?? CONCURRENT_DAEMONSET_SYNCS_DEFAULT,
    reconcile: (req, ctx) => {
      const state = stateOf(ctx);
      if (req.namespace === '') return syncNode(ctx, state, burstReplicas, req.name);
      return syncDaemonSet(ctx, state, burstReplicas, req.namespace, req.name);
    },
  });
}

/** The DaemonSet controller with upstream defaults (2 workers, bursts of 250). */
export const daemonSetController: ControllerDefinition = newDaemonSetController();

