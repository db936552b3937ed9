/**
 * The pod garbage collector of kube-controller-manager (`pod-garbage-collector-controller`): every
 * `gcCheckPeriod` it force-deletes (grace period 0) the pods nothing else will clean up:
 * - terminated pods (phase neither Pending, Running nor Unknown) beyond `terminatedPodThreshold`,
 *   evicted ones first, then oldest first;
 * - terminating pods on a node that is not ready and carries the `out-of-service` taint;
 * - pods bound to a node that no longer exists, once the node has been missing for the quarantine
 *   time and a live read confirms it, with `DisruptionTarget` (reason `DeletionByPodGC`);
 * - terminating pods that were never scheduled.
 * A pod not yet terminal is patched to phase `Failed` first.
 *
 * Upstream: `pkg/controller/podgc/gc_controller.go` (v1.35).
 *
 * Shape in the controller runtime: the work is periodic, so it runs on the singleton key `@gc`
 * (`GC_KEY`) that reschedules itself with `requeueAfter`. Node events (and changes of pods that are
 * terminated or terminating) enqueue it, which starts it once the caches have synced; an early run
 * only reschedules. Node keys, which the runtime enqueues for the `for` kind, need no work. The
 * quarantine of missing nodes (upstream's delaying `nodeQueue`) is the incarnation's memory.
 */
import {
  ConfigError,
  defineController,
  isNotFound,
  reconcileDone,
  requeueAfter,
  type ControllerDefinition,
  type DeepReadonly,
  type KubeObject,
  type ReconcileContext,
  type ReconcileRequest,
  type ReconcileResult,
} from 'kubeprop';
import { perIncarnation } from '../incarnation-state.js';
import { TAINT_NODE_OUT_OF_SERVICE, asKubeObject, asNode, asPod, isNodeReady, timeMs, type PodView } from '../node-lifecycle/node-objects.js';
import { POD_CONDITION_DISRUPTION_TARGET, updatePodCondition, type PodConditionUpdate } from '../node-lifecycle/pod-conditions.js';

/** The controller's name in kube-controller-manager (`names.PodGarbageCollectorController`). */
export const POD_GC_CONTROLLER_NAME = 'pod-garbage-collector-controller';

/** The singleton key of the periodic work (not a valid node name). */
export const GC_KEY = '@gc';

/** Upstream's `DisruptionTarget` reason for a pod deleted because its node is gone. */
export const DELETION_BY_POD_GC_REASON = 'DeletionByPodGC';
/** Upstream's `DisruptionTarget` message for a pod deleted because its node is gone. */
export const DELETION_BY_POD_GC_MESSAGE = 'PodGC: node no longer exists';

/** Settings of the pod garbage collector. */
export interface PodGcOptions {
  /** `--terminated-pod-gc-threshold`: terminated pods kept; 0 or less turns that collection off. Default 12,500. */
  readonly terminatedPodThreshold?: number;
  /** Upstream `gcCheckPeriod`: time between passes. Default 20 s. */
  readonly gcCheckPeriodMs?: number;
  /** Upstream `quarantineTime`: how long a node must be missing before its pods go. Default 40 s. */
  readonly quarantineTimeMs?: number;
}

/** The kube-controller-manager v1.35 defaults of `PodGcOptions`. */
export const POD_GC_DEFAULTS: Readonly<Required<PodGcOptions>> = Object.freeze({
  terminatedPodThreshold: 12_500,
  gcCheckPeriodMs: 20_000,
  quarantineTimeMs: 40_000,
});

interface PodGcState {
  nextPassAtMs: number | undefined;
  /** Missing nodes and when they have been missing for the quarantine time (upstream's delaying queue). */
  readonly quarantine: Map<string, number>;
}

const GC_REQUESTS: readonly ReconcileRequest[] = Object.freeze([Object.freeze({ namespace: '', name: GC_KEY })]);
const NO_REQUESTS: readonly ReconcileRequest[] = Object.freeze([]);

/** Upstream `isPodTerminated`: a phase other than Pending, Running and Unknown (an empty one included). */
export function isPodTerminated(pod: PodView): boolean {
  const phase = pod.status?.phase ?? '';
  return phase !== 'Pending' && phase !== 'Running' && phase !== 'Unknown';
}

/** Upstream `eviction.PodIsEvicted`: failed with reason `Evicted`. */
function isEvicted(pod: PodView): boolean {
  return pod.status?.phase === 'Failed' && pod.status.reason === 'Evicted';
}

/**
 * Upstream `byEvictionAndCreationTimestamp`: evicted pods first, then by creation time, then by
 * name; namespace and uid complete the order.
 */
export function compareForCollection(a: PodView, b: PodView): number {
  const ea = isEvicted(a);
  const eb = isEvicted(b);
  if (ea !== eb) return ea ? -1 : 1;
  const ta = timeMs(a.metadata.creationTimestamp) ?? 0;
  const tb = timeMs(b.metadata.creationTimestamp) ?? 0;
  if (ta !== tb) return ta - tb;
  const keys: [string, string][] = [
    [a.metadata.name ?? '', b.metadata.name ?? ''],
    [a.metadata.namespace ?? '', b.metadata.namespace ?? ''],
    [a.metadata.uid ?? '', b.metadata.uid ?? ''],
  ];
  for (const [x, y] of keys) if (x !== y) return x < y ? -1 : 1;
  return 0;
}

/** Pods whose change may give the collector work soon (they also start it). */
function podRequests(obj: DeepReadonly<KubeObject>): readonly ReconcileRequest[] {
  const pod = asPod(obj);
  return pod.metadata.deletionTimestamp !== undefined || isPodTerminated(pod) ? GC_REQUESTS : NO_REQUESTS;
}

/** A pod garbage collector with the given settings; see the module comment. */
export function newPodGcController(options: PodGcOptions = {}): ControllerDefinition {
  const o = { ...POD_GC_DEFAULTS, ...options };
  for (const [what, v] of [
    ['gcCheckPeriodMs', o.gcCheckPeriodMs],
    ['quarantineTimeMs', o.quarantineTimeMs],
  ] as const) {
    if (!Number.isSafeInteger(v) || v <= 0) throw new ConfigError(`${POD_GC_CONTROLLER_NAME}: ${what} must be a positive integer, got ${String(v)}`);
  }
  if (!Number.isSafeInteger(o.terminatedPodThreshold)) throw new ConfigError(`${POD_GC_CONTROLLER_NAME}: terminatedPodThreshold must be an integer, got ${String(o.terminatedPodThreshold)}`);
  const stateOf = perIncarnation<PodGcState>(() => ({ nextPassAtMs: undefined, quarantine: new Map() }));
  return defineController({
    name: POD_GC_CONTROLLER_NAME,
    for: 'Node',
    watches: [
      { kind: 'Node', map: () => GC_REQUESTS },
      { kind: 'Pod', map: podRequests },
    ],
    reconcile: (req: ReconcileRequest, ctx: ReconcileContext): ReconcileResult => {
      if (req.namespace !== '' || req.name !== GC_KEY) return reconcileDone();
      const st = stateOf(ctx);
      const now = ctx.nowMs();
      if (st.nextPassAtMs !== undefined && now < st.nextPassAtMs) return requeueAfter(st.nextPassAtMs - now);
      gc(st, ctx, o);
      st.nextPassAtMs = now + o.gcCheckPeriodMs;
      return requeueAfter(o.gcCheckPeriodMs);
    },
  });
}

/** Upstream `gc`: one pass over the cached pods and nodes. */
function gc(st: PodGcState, ctx: ReconcileContext, o: Readonly<Required<PodGcOptions>>): void {
  const podsRes = ctx.client.list('Pod');
  const nodesRes = ctx.client.list('Node');
  if (!podsRes.ok || !nodesRes.ok) return;
  const pods = podsRes.value.map(asPod);
  if (o.terminatedPodThreshold > 0) gcTerminated(ctx, pods, o.terminatedPodThreshold);
  gcTerminating(ctx, pods);
  gcOrphaned(st, ctx, pods, new Set(nodesRes.value.map((n) => n.metadata.name ?? '')), o.quarantineTimeMs);
  gcUnscheduledTerminating(ctx, pods);
}

function gcTerminated(ctx: ReconcileContext, pods: readonly PodView[], threshold: number): void {
  const terminated = pods.filter(isPodTerminated);
  const deleteCount = terminated.length - threshold;
  if (deleteCount <= 0) return;
  terminated.sort(compareForCollection);
  for (let i = 0; i < deleteCount; i++) markFailedAndDeletePod(ctx, terminated[i] as PodView, undefined, 'terminated');
}

function gcTerminating(ctx: ReconcileContext, pods: readonly PodView[]): void {
  const victims: PodView[] = [];
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp === undefined) continue;
    const nodeName = pod.spec?.nodeName ?? '';
    if (nodeName === '') continue;
    const got = ctx.client.get('Node', undefined, nodeName);
    if (!got.ok) continue;
    const node = asNode(got.value);
    if (!isNodeReady(node) && (node.spec?.taints ?? []).some((t) => t.key === TAINT_NODE_OUT_OF_SERVICE)) victims.push(pod);
  }
  if (victims.length === 0) return;
  victims.sort(compareForCollection);
  for (const pod of victims) markFailedAndDeletePod(ctx, pod, undefined, 'terminating-out-of-service');
}

function gcOrphaned(st: PodGcState, ctx: ReconcileContext, pods: readonly PodView[], existing: ReadonlySet<string>, quarantineMs: number): void {
  const now = ctx.nowMs();
  // Newly missing nodes enter quarantine (a node already waiting keeps its earlier time).
  for (const pod of pods) {
    const nodeName = pod.spec?.nodeName ?? '';
    if (nodeName !== '' && !existing.has(nodeName) && !st.quarantine.has(nodeName)) st.quarantine.set(nodeName, now + quarantineMs);
  }
  // Nodes out of quarantine and still missing, confirmed with a live read.
  const deleted = new Set<string>();
  const due = [...st.quarantine].filter(([, at]) => at <= now).sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  for (const [nodeName] of due) {
    st.quarantine.delete(nodeName);
    if (existing.has(nodeName)) continue;
    const got = ctx.client.api.get({ apiVersion: 'v1', kind: 'Node', name: nodeName });
    if (!got.ok && isNotFound(got.error)) deleted.add(nodeName);
  }
  if (deleted.size === 0) return;
  const condition: PodConditionUpdate = { type: POD_CONDITION_DISRUPTION_TARGET, status: 'True', reason: DELETION_BY_POD_GC_REASON, message: DELETION_BY_POD_GC_MESSAGE };
  for (const pod of pods) {
    if (deleted.has(pod.spec?.nodeName ?? '')) markFailedAndDeletePod(ctx, pod, condition, 'orphaned');
  }
}

function gcUnscheduledTerminating(ctx: ReconcileContext, pods: readonly PodView[]): void {
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp === undefined || (pod.spec?.nodeName ?? '') !== '') continue;
    markFailedAndDeletePod(ctx, pod, undefined, 'terminating-unscheduled');
  }
}

/**
 * Upstream `markFailedAndDeletePodWithCondition`: a pod not yet Succeeded or Failed is set to
 * `Failed` (with `condition`, if any) through the status subresource, then the pod is deleted with
 * grace period 0. Failures are left for the next pass, as upstream logs and moves on.
 */
function markFailedAndDeletePod(ctx: ReconcileContext, cached: PodView, condition: PodConditionUpdate | undefined, reason: string): void {
  const ref = { apiVersion: 'v1', kind: 'Pod', namespace: cached.metadata.namespace ?? '', name: cached.metadata.name ?? '' };
  const api = ctx.client.api;
  const phase = cached.status?.phase;
  if (phase !== 'Succeeded' && phase !== 'Failed') {
    // Upstream patches the status computed from its cached copy; the live read keeps the write
    // conflict-free at the same instant.
    const got = api.get(ref);
    if (!got.ok) return;
    const pod = asPod(got.value);
    if (pod.metadata.uid !== cached.metadata.uid) return;
    const conditions = condition === undefined ? pod.status?.conditions : updatePodCondition(pod.status?.conditions, condition, ctx.nowMs()).conditions;
    const status = { ...pod.status, phase: 'Failed', ...(conditions !== undefined ? { conditions } : {}) };
    const res = api.updateStatus(asKubeObject({ ...pod, status }));
    if (!res.ok) {
      ctx.trace('pod-gc-failed', { pod: `${ref.namespace}/${ref.name}`, reason, message: res.error.message });
      return;
    }
  }
  const del = api.delete(ref, { gracePeriodSeconds: 0 });
  if (!del.ok && !isNotFound(del.error)) {
    ctx.trace('pod-gc-failed', { pod: `${ref.namespace}/${ref.name}`, reason, message: del.error.message });
    return;
  }
  ctx.trace('pod-gc-delete', { pod: `${ref.namespace}/${ref.name}`, reason });
}

/** The pod garbage collector with the kube-controller-manager v1.35 defaults. */
export const podGcController: ControllerDefinition = newPodGcController();
