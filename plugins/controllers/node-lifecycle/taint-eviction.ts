/**
 * The taint eviction controller of kube-controller-manager (`taint-eviction-controller`): deletes
 * the pods of a node with `NoExecute` taints they do not tolerate at once, and the pods that
 * tolerate them for `tolerationSeconds` once the smallest of those has passed; a deletion still
 * waiting is cancelled when the taints go away or become tolerated forever. Before deleting, it
 * sets the pod condition `DisruptionTarget` (reason `DeletionByTaintManager`).
 *
 * Upstream: `pkg/controller/tainteviction/taint_eviction.go` and `timed_workers.go` (v1.35; a
 * separate controller since `SeparateTaintEvictionController`).
 *
 * Shape in the controller runtime: node keys are upstream's node update queue (the node's
 * `NoExecute` taints changed: every pod on it, found through the `spec.nodeName` index, is
 * re-evaluated); pod keys (`namespace/name`) are its pod update queue (a pod whose node or
 * tolerations changed). Upstream's timed workers are scheduled deletions kept in the
 * incarnation's memory; both the pod's key and its node's key come back with `requeueAfter` when
 * the earliest of them is due, and whichever runs first fires it.
 */
import { perIncarnation } from '../incarnation-state.js';
import {
  TAINT_EFFECT_NO_EXECUTE,
  defineController,
  indexByNodeName,
  isNotFound,
  reconcileDone,
  requeueAfter,
  retryReconcile,
  toleratesTaint,
  type ControllerDefinition,
  type DeepReadonly,
  type KubeObject,
  type ReconcileContext,
  type ReconcileRequest,
  type ReconcileResult,
} from 'kubeprop';
import { POD_NODE_NAME_INDEX, asKubeObject, asNode, asPod, podKey, taintListsEqual, type TaintView, type TolerationView } from './node-objects.js';
import { POD_CONDITION_DISRUPTION_TARGET, updatePodCondition } from './pod-conditions.js';

/** The controller's name in kube-controller-manager (`names.TaintEvictionController`). */
export const TAINT_EVICTION_CONTROLLER_NAME = 'taint-eviction-controller';

/** Upstream's `DisruptionTarget` reason for a deletion by this controller. */
export const DELETION_BY_TAINT_MANAGER_REASON = 'DeletionByTaintManager';
/** Upstream's `DisruptionTarget` message for a deletion by this controller. */
export const DELETION_BY_TAINT_MANAGER_MESSAGE = 'Taint manager: deleting due to NoExecute taint';

/** Upstream `retries`: attempts of one deletion. */
const DELETE_ATTEMPTS = 5;
/** Upstream's sleep between two attempts. */
const DELETE_RETRY_MS = 10;

/** Settings of the taint eviction controller. */
export interface TaintEvictionOptions {
  /** Workers (upstream `UpdateWorkerSize`). Default 8. */
  readonly workers?: number;
}

/** A scheduled deletion (upstream `TimedWorker`). */
interface Work {
  readonly podKey: string;
  readonly nodeName: string;
  readonly createdAtMs: number;
  fireAtMs: number;
  attempts: number;
}

/** What upstream's pod update filter compares. */
interface PodSignature {
  readonly nodeName: string;
  readonly tolerations: readonly TolerationView[];
}

/** One incarnation's memory (upstream: `taintedNodes` and the `TimedWorkerQueue`). */
interface EvictionState {
  readonly taintedNodes: Map<string, readonly TaintView[]>;
  readonly works: Map<string, Work>;
  readonly worksByNode: Map<string, Set<string>>;
  /** The last node name and tolerations seen per pod, for upstream's `PodUpdated` filter. */
  readonly podsSeen: Map<string, PodSignature>;
}

/** A taint eviction controller; see the module comment. */
export function newTaintEvictionController(options: TaintEvictionOptions = {}): ControllerDefinition {
  const stateOf = perIncarnation<EvictionState>(() => ({ taintedNodes: new Map(), works: new Map(), worksByNode: new Map(), podsSeen: new Map() }));
  return defineController({
    name: TAINT_EVICTION_CONTROLLER_NAME,
    for: 'Node',
    watches: [{ kind: 'Pod', map: podRequest }],
    indexers: { Pod: { [POD_NODE_NAME_INDEX]: indexByNodeName } },
    maxConcurrentReconciles: options.workers ?? 8,
    reconcile: (req: ReconcileRequest, ctx: ReconcileContext): ReconcileResult => {
      const st = stateOf(ctx);
      return req.namespace === '' ? handleNode(st, ctx, req.name) : handlePod(st, ctx, req.namespace, req.name);
    },
  });
}

/** The taint eviction controller with the kube-controller-manager v1.35 defaults. */
export const taintEvictionController: ControllerDefinition = newTaintEvictionController();

const NO_TOLERATIONS: readonly TolerationView[] = Object.freeze([]);

/** Bound pods only: an unbound pod has no node whose taints could evict it. */
function podRequest(obj: DeepReadonly<KubeObject>): readonly ReconcileRequest[] {
  const pod = asPod(obj);
  if ((pod.spec?.nodeName ?? '') === '') return [];
  return [{ namespace: pod.metadata.namespace ?? '', name: pod.metadata.name ?? '' }];
}

function noExecuteTaints(taints: readonly TaintView[] | undefined): readonly TaintView[] {
  return (taints ?? []).filter((t) => t.effect === TAINT_EFFECT_NO_EXECUTE);
}

function tolerationsEqual(a: readonly TolerationView[], b: readonly TolerationView[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as TolerationView;
    const y = b[i] as TolerationView;
    if (
      (x.key ?? '') !== (y.key ?? '') ||
      (x.operator ?? '') !== (y.operator ?? '') ||
      (x.value ?? '') !== (y.value ?? '') ||
      (x.effect ?? '') !== (y.effect ?? '') ||
      x.tolerationSeconds !== y.tolerationSeconds
    ) {
      return false;
    }
  }
  return true;
}

/**
 * Upstream `GetMatchingTolerations` then `getMinTolerationTime`: `undefined` when a taint is not
 * tolerated; otherwise the smallest `tolerationSeconds` (in ms) of the first toleration matching
 * each taint, 0 for a non-positive one, and -1 when none is bounded (tolerated forever).
 */
export function minTolerationMs(taints: readonly TaintView[], tolerations: readonly TolerationView[]): number | undefined {
  if (taints.length === 0) return -1;
  const used: TolerationView[] = [];
  for (const taint of taints) {
    const t = tolerations.find((tol) => toleratesTaint(tol, taint));
    if (t === undefined) return undefined;
    used.push(t);
  }
  let min = Number.POSITIVE_INFINITY;
  for (const t of used) {
    const s = t.tolerationSeconds;
    if (s === undefined) continue;
    if (s <= 0) return 0;
    if (s < min) min = s;
  }
  return min === Number.POSITIVE_INFINITY ? -1 : min * 1000;
}

function cancelWork(st: EvictionState, ctx: ReconcileContext, key: string): void {
  const work = st.works.get(key);
  if (work === undefined) return;
  st.works.delete(key);
  const set = st.worksByNode.get(work.nodeName);
  if (set !== undefined) {
    set.delete(key);
    if (set.size === 0) st.worksByNode.delete(work.nodeName);
  }
  ctx.trace('taint-eviction-cancelled', { pod: key, reason: 'TaintManagerEviction' });
}

function addWork(st: EvictionState, key: string, nodeName: string, createdAtMs: number, fireAtMs: number): void {
  if (st.works.has(key)) return;
  st.works.set(key, { podKey: key, nodeName, createdAtMs, fireAtMs, attempts: 0 });
  let set = st.worksByNode.get(nodeName);
  if (set === undefined) st.worksByNode.set(nodeName, (set = new Set()));
  set.add(key);
}

/** Upstream `processPodOnNode`. */
function processPodOnNode(st: EvictionState, ctx: ReconcileContext, key: string, nodeName: string, tolerations: readonly TolerationView[], taints: readonly TaintView[]): void {
  const now = ctx.nowMs();
  if (taints.length === 0) {
    cancelWork(st, ctx, key);
    return;
  }
  const minMs = minTolerationMs(taints, tolerations);
  if (minMs === undefined) {
    // Not all taints tolerated: delete at once.
    cancelWork(st, ctx, key);
    addWork(st, key, nodeName, now, now);
    return;
  }
  if (minMs < 0) {
    cancelWork(st, ctx, key);
    return;
  }
  let createdAtMs = now;
  const existing = st.works.get(key);
  if (existing !== undefined) {
    // Upstream keeps a deletion scheduled earlier (its start time plus the new toleration is before now plus it).
    if (existing.createdAtMs < now) return;
    createdAtMs = existing.createdAtMs;
    cancelWork(st, ctx, key);
  }
  addWork(st, key, nodeName, createdAtMs, now + minMs);
}

/** Upstream `handleNodeUpdate`, then the node's due deletions. */
function handleNode(st: EvictionState, ctx: ReconcileContext, name: string): ReconcileResult {
  const got = ctx.client.get('Node', undefined, name);
  if (!got.ok && got.error.code !== 404) return retryReconcile(got.error.message);
  if (!got.ok) {
    st.taintedNodes.delete(name);
  } else {
    const taints = noExecuteTaints(asNode(got.value).spec?.taints);
    const known = st.taintedNodes.get(name) ?? [];
    // Upstream's NodeUpdated filter: only a change of the NoExecute taints matters.
    if (!taintListsEqual(known, taints)) {
      if (taints.length === 0) st.taintedNodes.delete(name);
      else st.taintedNodes.set(name, taints);
      if (taints.length === 0) {
        for (const key of [...(st.worksByNode.get(name) ?? [])].sort()) cancelWork(st, ctx, key);
      } else {
        const pods = ctx.client.list('Pod', { index: { name: POD_NODE_NAME_INDEX, value: name } });
        if (!pods.ok) return retryReconcile(pods.error.message);
        for (const obj of pods.value) {
          const pod = asPod(obj);
          processPodOnNode(st, ctx, podKey(pod), name, pod.spec?.tolerations ?? [], taints);
        }
      }
    }
  }
  const keys = [...(st.worksByNode.get(name) ?? [])].sort();
  for (const key of keys) fireIfDue(st, ctx, key);
  return wakeFor(st, ctx, st.worksByNode.get(name) ?? []);
}

/** Upstream `handlePodUpdate` (behind its `PodUpdated` filter), then the pod's due deletion. */
function handlePod(st: EvictionState, ctx: ReconcileContext, namespace: string, name: string): ReconcileResult {
  const key = `${namespace}/${name}`;
  const got = ctx.client.get('Pod', namespace, name);
  if (!got.ok) {
    if (got.error.code !== 404) return retryReconcile(got.error.message);
    cancelWork(st, ctx, key);
    st.podsSeen.delete(key);
    return reconcileDone();
  }
  const pod = asPod(got.value);
  const nodeName = pod.spec?.nodeName ?? '';
  const tolerations = pod.spec?.tolerations ?? NO_TOLERATIONS;
  const seen = st.podsSeen.get(key);
  // Most reconciles follow a status change: the signature seen is kept as it is (it compares equal).
  if (seen === undefined || seen.nodeName !== nodeName || !tolerationsEqual(seen.tolerations, tolerations)) {
    st.podsSeen.set(key, { nodeName, tolerations });
    const taints = nodeName === '' ? undefined : st.taintedNodes.get(nodeName);
    if (taints !== undefined) processPodOnNode(st, ctx, key, nodeName, tolerations, taints);
  }
  // No eviction scheduled anywhere (the usual case): nothing can be due for this pod either.
  if (st.works.size === 0) return reconcileDone();
  fireIfDue(st, ctx, key);
  const work = st.works.get(key);
  return work === undefined ? reconcileDone() : wakeFor(st, ctx, [key]);
}

/** `requeueAfter` the earliest of these keys' deletions, or done when none is scheduled. */
function wakeFor(st: EvictionState, ctx: ReconcileContext, keys: Iterable<string>): ReconcileResult {
  let next = Number.POSITIVE_INFINITY;
  for (const key of keys) {
    const work = st.works.get(key);
    if (work !== undefined && work.fireAtMs < next) next = work.fireAtMs;
  }
  return next === Number.POSITIVE_INFINITY ? reconcileDone() : requeueAfter(Math.max(1, next - ctx.nowMs()));
}

/**
 * Runs the deletion of `key` if it is due (upstream `deletePodHandler`): the work ends on success;
 * a failure is retried 10 ms later, five attempts in all, then given up as upstream does.
 */
function fireIfDue(st: EvictionState, ctx: ReconcileContext, key: string): void {
  const work = st.works.get(key);
  const now = ctx.nowMs();
  if (work === undefined || work.fireAtMs > now) return;
  if (work.attempts === 0) ctx.trace('taint-eviction', { pod: key, node: work.nodeName, reason: 'TaintManagerEviction', scheduledForMs: work.fireAtMs });
  const ok = addConditionAndDeletePod(ctx, key);
  work.attempts++;
  if (ok || work.attempts >= DELETE_ATTEMPTS) {
    st.works.delete(key);
    const set = st.worksByNode.get(work.nodeName);
    set?.delete(key);
    if (set !== undefined && set.size === 0) st.worksByNode.delete(work.nodeName);
    if (!ok) ctx.trace('taint-eviction-failed', { pod: key, attempts: work.attempts });
    return;
  }
  work.fireAtMs = now + DELETE_RETRY_MS;
}

/**
 * Upstream `addConditionAndDeletePod`: reads the pod, adds `DisruptionTarget=True` with reason
 * `DeletionByTaintManager` through the status subresource when missing, then deletes it with its
 * default grace period. A pod already gone counts as done.
 */
function addConditionAndDeletePod(ctx: ReconcileContext, key: string): boolean {
  const slash = key.indexOf('/');
  const ref = { apiVersion: 'v1', kind: 'Pod', namespace: key.slice(0, slash), name: key.slice(slash + 1) };
  const api = ctx.client.api;
  const got = api.get(ref);
  if (!got.ok) return isNotFound(got.error);
  const pod = asPod(got.value);
  const update = updatePodCondition(
    pod.status?.conditions,
    { type: POD_CONDITION_DISRUPTION_TARGET, status: 'True', reason: DELETION_BY_TAINT_MANAGER_REASON, message: DELETION_BY_TAINT_MANAGER_MESSAGE },
    ctx.nowMs(),
  );
  if (update.changed) {
    const res = api.updateStatus(asKubeObject({ ...pod, status: { ...pod.status, conditions: update.conditions } }));
    if (!res.ok) return isNotFound(res.error);
  }
  const del = api.delete(ref);
  return del.ok || isNotFound(del.error);
}
