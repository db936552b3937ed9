/**
 * The node lifecycle controller of kube-controller-manager (`node-lifecycle-controller`):
 * monitors node health from Lease renewals and Ready condition heartbeats, marks silent nodes
 * `Unknown`, taints unhealthy nodes (`NoSchedule` by condition at once; `NoExecute` through a
 * per-zone rate-limited queue whose rate follows the zone's disruption state), removes the taints
 * when nodes recover, and marks the pods of unready nodes not ready. Evicting pods from
 * `NoExecute`-tainted nodes is the taint eviction controller's job (`taint-eviction.ts`).
 *
 * Upstream: `pkg/controller/nodelifecycle/node_lifecycle_controller.go` (v1.35).
 *
 * Shape in the controller runtime: the definition reconciles three kinds of keys.
 * - A node name: upstream's node update queue (`doNodeProcessingPassWorker`): the `NoSchedule`
 *   taints that mirror the node's conditions and `spec.unschedulable` (TaintNodesByCondition), the
 *   beta OS/arch labels, and, for a node known to be unready, the pods on it that are still ready
 *   (upstream's pod update queue, `processPod`). Pod changes map to their node's key.
 * - `@monitor` (`MONITOR_KEY`): the periodic work, on a singleton key that reschedules itself with
 *   `requeueAfter`: `monitorNodeHealth` every `nodeMonitorPeriodMs`, and the rate-limited
 *   `NoExecute` tainting pass (`doNoExecuteTaintingPass`) at the instant the next zone token is
 *   due. Any Node event enqueues it, which starts it once the caches have synced; an early run
 *   only reschedules.
 * The controller's in-memory state (node health records, known nodes, zone states and taint
 * queues) lives for one controller incarnation, as upstream's lives for one process.
 */
import { perIncarnation } from '../incarnation-state.js';
import {
  ConfigError,
  TAINT_EFFECT_NO_EXECUTE,
  TAINT_EFFECT_NO_SCHEDULE,
  TAINT_NODE_UNSCHEDULABLE,
  defineController,
  indexByNodeName,
  reconcileDone,
  requeueAfter,
  retryReconcile,
  type ControllerDefinition,
  type DeepReadonly,
  type KubeObject,
  type ReconcileContext,
  type ReconcileRequest,
  type ReconcileResult,
} from 'kubeprop';
import { tryUpdateNodeHealth, type HealthUpdate, type NodeHealth } from './node-health.js';
import {
  POD_NODE_NAME_INDEX,
  TAINT_NODE_DISK_PRESSURE,
  TAINT_NODE_MEMORY_PRESSURE,
  TAINT_NODE_NETWORK_UNAVAILABLE,
  TAINT_NODE_NOT_READY,
  TAINT_NODE_PID_PRESSURE,
  TAINT_NODE_UNREACHABLE,
  asNode,
  asPod,
  conditionOf,
  nodeReadyCondition,
  taintExists,
  zoneKeyOf,
  type ConditionView,
  type NodeView,
  type PodView,
  type TaintView,
} from './node-objects.js';
import { addOrUpdateLabelsOnNode, markPodsNotReady, removeTaintsOffNode, swapNodeControllerTaint } from './node-writes.js';
import { ZoneTainter, computeZoneState, type TryOutcome, type ZoneState } from './zone-tainter.js';

/** The pod index by `spec.nodeName` the controller declares (upstream `nodeNameKeyIndex`). */
export { POD_NODE_NAME_INDEX };

/** The controller's name in kube-controller-manager (`names.NodeLifecycleController`). */
export const NODE_LIFECYCLE_CONTROLLER_NAME = 'node-lifecycle-controller';

/** The singleton key of the periodic work (not a valid node name, so it never collides with one). */
export const MONITOR_KEY = '@monitor';

/** Upstream `labelNodeDisruptionExclusion`: nodes with this label do not count in zone states. */
export const LABEL_NODE_EXCLUDE_DISRUPTION = 'node.kubernetes.io/exclude-disruption';

/** Upstream `UnreachableTaintTemplate`. */
export const UNREACHABLE_TAINT: TaintView = Object.freeze({ key: TAINT_NODE_UNREACHABLE, effect: TAINT_EFFECT_NO_EXECUTE });
/** Upstream `NotReadyTaintTemplate`. */
export const NOT_READY_TAINT: TaintView = Object.freeze({ key: TAINT_NODE_NOT_READY, effect: TAINT_EFFECT_NO_EXECUTE });

/** Upstream `scheduler.NodeHealthUpdateRetry`: attempts of a node status write per monitor pass. */
const NODE_HEALTH_UPDATE_RETRY = 5;
/** Upstream's retry delay of a tainting attempt that could not read the node. */
const TAINT_RETRY_MS = 50;

/** Upstream `nodeConditionToTaintKeyStatusMap`. */
const CONDITION_TAINTS: ReadonlyMap<string, string> = new Map([
  ['Ready/False', TAINT_NODE_NOT_READY],
  ['Ready/Unknown', TAINT_NODE_UNREACHABLE],
  ['MemoryPressure/True', TAINT_NODE_MEMORY_PRESSURE],
  ['DiskPressure/True', TAINT_NODE_DISK_PRESSURE],
  ['NetworkUnavailable/True', TAINT_NODE_NETWORK_UNAVAILABLE],
  ['PIDPressure/True', TAINT_NODE_PID_PRESSURE],
]);

/** Upstream `taintKeyToNodeConditionMap` (its keys). */
const CONDITION_TAINT_KEYS: ReadonlySet<string> = new Set([
  TAINT_NODE_NOT_READY,
  TAINT_NODE_UNREACHABLE,
  TAINT_NODE_NETWORK_UNAVAILABLE,
  TAINT_NODE_MEMORY_PRESSURE,
  TAINT_NODE_DISK_PRESSURE,
  TAINT_NODE_PID_PRESSURE,
]);

/** Upstream `labelReconcileInfo`: the stable label is the source of truth for the beta one. */
const LABEL_RECONCILE: readonly { readonly primary: string; readonly secondary: string }[] = [
  { primary: 'kubernetes.io/os', secondary: 'beta.kubernetes.io/os' },
  { primary: 'kubernetes.io/arch', secondary: 'beta.kubernetes.io/arch' },
];

/** Timing and rate settings (kube-controller-manager flags, in milliseconds). */
export interface NodeLifecycleOptions {
  /** `--node-monitor-period`: how often node health is checked. Default 5 s. */
  readonly nodeMonitorPeriodMs?: number;
  /** `--node-monitor-grace-period`: silence before a node is marked `Unknown`. Default 50 s (v1.32+). */
  readonly nodeMonitorGracePeriodMs?: number;
  /** `--node-startup-grace-period`: the same for a node that never posted a Ready condition. Default 60 s. */
  readonly nodeStartupGracePeriodMs?: number;
  /** `--node-eviction-rate`: nodes tainted per second per zone in a healthy zone. Default 0.1. */
  readonly nodeEvictionRate?: number;
  /** `--secondary-node-eviction-rate`: the rate in a partially disrupted large zone. Default 0.01. */
  readonly secondaryNodeEvictionRate?: number;
  /** `--large-cluster-size-threshold`: zones with more nodes are "large". Default 50. */
  readonly largeClusterSizeThreshold?: number;
  /** `--unhealthy-zone-threshold`: share of unready nodes (at least 3) that makes a zone partially disrupted. Default 0.55. */
  readonly unhealthyZoneThreshold?: number;
  /** Workers (upstream `nodeUpdateWorkerSize`). Default 8. */
  readonly workers?: number;
}

/** The kube-controller-manager v1.35 defaults of `NodeLifecycleOptions`. */
export const NODE_LIFECYCLE_DEFAULTS: Readonly<Required<NodeLifecycleOptions>> = Object.freeze({
  nodeMonitorPeriodMs: 5_000,
  nodeMonitorGracePeriodMs: 50_000,
  nodeStartupGracePeriodMs: 60_000,
  nodeEvictionRate: 0.1,
  secondaryNodeEvictionRate: 0.01,
  largeClusterSizeThreshold: 50,
  unhealthyZoneThreshold: 0.55,
  workers: 8,
});

/** One incarnation's memory (upstream: the `Controller` struct's maps). */
interface LifecycleState {
  readonly knownNodes: Set<string>;
  readonly health: Map<string, NodeHealth>;
  readonly zoneStates: Map<string, ZoneState>;
  readonly tainters: Map<string, ZoneTainter>;
  readonly nodesToRetry: Set<string>;
  nextMonitorAtMs: number | undefined;
}

function positive(value: number, what: string, integer: boolean): number {
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isSafeInteger(value))) {
    throw new ConfigError(`${NODE_LIFECYCLE_CONTROLLER_NAME}: ${what} must be a positive ${integer ? 'integer' : 'number'}, got ${String(value)}`);
  }
  return value;
}

function nonNegative(value: number, what: string): number {
  if (!Number.isFinite(value) || value < 0) throw new ConfigError(`${NODE_LIFECYCLE_CONTROLLER_NAME}: ${what} must be a non-negative number, got ${String(value)}`);
  return value;
}

/** A node lifecycle controller with the given settings; see the module comment. */
export function newNodeLifecycleController(options: NodeLifecycleOptions = {}): ControllerDefinition {
  const o = { ...NODE_LIFECYCLE_DEFAULTS, ...options };
  positive(o.nodeMonitorPeriodMs, 'nodeMonitorPeriodMs', true);
  positive(o.nodeMonitorGracePeriodMs, 'nodeMonitorGracePeriodMs', true);
  positive(o.nodeStartupGracePeriodMs, 'nodeStartupGracePeriodMs', true);
  nonNegative(o.nodeEvictionRate, 'nodeEvictionRate');
  nonNegative(o.secondaryNodeEvictionRate, 'secondaryNodeEvictionRate');
  nonNegative(o.largeClusterSizeThreshold, 'largeClusterSizeThreshold');
  nonNegative(o.unhealthyZoneThreshold, 'unhealthyZoneThreshold');
  positive(o.workers, 'workers', true);

  const stateOf = perIncarnation<LifecycleState>(() => ({
    knownNodes: new Set(),
    health: new Map(),
    zoneStates: new Map(),
    tainters: new Map(),
    nodesToRetry: new Set(),
    nextMonitorAtMs: undefined,
  }));
  const lc = new Lifecycle(o);

  return defineController({
    name: NODE_LIFECYCLE_CONTROLLER_NAME,
    for: 'Node',
    watches: [
      { kind: 'Node', map: () => MONITOR_REQUESTS },
      { kind: 'Pod', map: podToNodeRequest },
      // Read from the cache by the monitor pass; a renewal needs no reconcile of its own.
      { kind: 'coordination.k8s.io/Lease', map: () => NO_REQUESTS },
    ],
    indexers: { Pod: { [POD_NODE_NAME_INDEX]: indexByNodeName } },
    maxConcurrentReconciles: o.workers,
    reconcile: (req: ReconcileRequest, ctx: ReconcileContext): ReconcileResult => {
      const st = stateOf(ctx);
      if (req.namespace !== '') return reconcileDone();
      if (req.name === MONITOR_KEY) return lc.tick(st, ctx);
      return lc.processNode(st, ctx, req.name);
    },
  });
}

const MONITOR_REQUESTS: readonly ReconcileRequest[] = Object.freeze([Object.freeze({ namespace: '', name: MONITOR_KEY })]);
const NO_REQUESTS: readonly ReconcileRequest[] = Object.freeze([]);

/**
 * A pod change concerns its node's key only while the pod is bound and ready: that is the only
 * case the node key's pod pass acts on (a pod that is not ready needs no marking).
 */
function podToNodeRequest(obj: DeepReadonly<KubeObject>): readonly ReconcileRequest[] {
  const pod = asPod(obj);
  const nodeName = pod.spec?.nodeName ?? '';
  if (nodeName === '' || conditionOf(pod.status?.conditions, 'Ready')?.status !== 'True') return NO_REQUESTS;
  return [{ namespace: '', name: nodeName }];
}

function isExcludedFromDisruptionChecks(node: NodeView): boolean {
  return node.metadata.labels?.[LABEL_NODE_EXCLUDE_DISRUPTION] !== undefined;
}

/** The controller's logic over one incarnation's state. */
class Lifecycle {
  constructor(readonly o: Readonly<Required<NodeLifecycleOptions>>) {}

  /** The `@monitor` key: the monitor pass when due, then the tainting pass; reschedules itself. */
  tick(st: LifecycleState, ctx: ReconcileContext): ReconcileResult {
    const now = ctx.nowMs();
    if (st.nextMonitorAtMs === undefined || now >= st.nextMonitorAtMs) {
      this.#monitorNodeHealth(st, ctx);
      // Upstream's wait.Until: the next pass a period after this one.
      st.nextMonitorAtMs = now + this.o.nodeMonitorPeriodMs;
    }
    this.#doNoExecuteTaintingPass(st, ctx);
    let next = st.nextMonitorAtMs;
    for (const tainter of st.tainters.values()) next = Math.min(next, tainter.nextTryAtMs(now));
    return requeueAfter(Math.max(1, next - now));
  }

  /**
   * A node key: upstream `doNoScheduleTaintingPass` and `reconcileNodeLabels` (failures are logged
   * and not retried, as upstream), then `processPod` for the node's ready pods when the node is
   * known to be unready.
   */
  processNode(st: LifecycleState, ctx: ReconcileContext, name: string): ReconcileResult {
    const got = ctx.client.get('Node', undefined, name);
    if (!got.ok) return got.error.code === 404 ? reconcileDone() : retryReconcile(got.error.message);
    const node = asNode(got.value);
    this.#doNoScheduleTaintingPass(ctx, node);
    this.#reconcileNodeLabels(ctx, node);
    const saved = st.health.get(name)?.ready;
    if (saved !== undefined && saved.status !== 'True') {
      const pods = this.#podsOn(ctx, name).filter((p) => conditionOf(p.status?.conditions, 'Ready')?.status === 'True');
      if (pods.length > 0 && !markPodsNotReady(ctx, pods, name)) return retryReconcile(`marking the pods of node ${name} not ready failed`);
    }
    return reconcileDone();
  }

  #podsOn(ctx: ReconcileContext, nodeName: string): PodView[] {
    const res = ctx.client.list('Pod', { index: { name: POD_NODE_NAME_INDEX, value: nodeName } });
    return res.ok ? res.value.map(asPod) : [];
  }

  #doNoScheduleTaintingPass(ctx: ReconcileContext, node: NodeView): void {
    const wanted: TaintView[] = [];
    for (const c of node.status?.conditions ?? []) {
      const key = CONDITION_TAINTS.get(`${c.type}/${c.status}`);
      if (key !== undefined) wanted.push({ key, effect: TAINT_EFFECT_NO_SCHEDULE });
    }
    if (node.spec?.unschedulable === true) wanted.push({ key: TAINT_NODE_UNSCHEDULABLE, effect: TAINT_EFFECT_NO_SCHEDULE });
    const present = (node.spec?.taints ?? []).filter(
      (t) => t.effect === TAINT_EFFECT_NO_SCHEDULE && (t.key === TAINT_NODE_UNSCHEDULABLE || CONDITION_TAINT_KEYS.has(t.key)),
    );
    // Upstream TaintSetDiff: by key and effect.
    const toAdd = wanted.filter((w) => !taintExists(present, w));
    const toRemove = present.filter((p) => !taintExists(wanted, p));
    if (toAdd.length === 0 && toRemove.length === 0) return;
    swapNodeControllerTaint(ctx, node, toAdd, toRemove);
  }

  #reconcileNodeLabels(ctx: ReconcileContext, node: NodeView): void {
    const labels = node.metadata.labels;
    if (labels === undefined) return;
    const update: Record<string, string> = {};
    let any = false;
    for (const r of LABEL_RECONCILE) {
      const primary = labels[r.primary];
      if (primary === undefined) continue;
      if (labels[r.secondary] !== primary) {
        update[r.secondary] = primary;
        any = true;
      }
    }
    if (any && !addOrUpdateLabelsOnNode(ctx.client.api, node.metadata.name ?? '', update)) {
      ctx.trace('node-labels-failed', { node: node.metadata.name ?? '' });
    }
  }

  /** Upstream `monitorNodeHealth`. */
  #monitorNodeHealth(st: LifecycleState, ctx: ReconcileContext): void {
    const listed = ctx.client.list('Node');
    if (!listed.ok) return;
    const nodes = listed.value.map(asNode);
    // classifyNodes: new nodes, new zones of known nodes, nodes gone.
    const present = new Set<string>();
    for (const node of nodes) {
      const name = node.metadata.name ?? '';
      present.add(name);
      if (st.knownNodes.has(name)) {
        this.#addTainterForNewZone(st, ctx, zoneKeyOf(node));
        continue;
      }
      st.knownNodes.add(name);
      ctx.trace('node-registered', { node: name });
      this.#addTainterForNewZone(st, ctx, zoneKeyOf(node));
      this.#markNodeAsReachable(st, ctx, node);
    }
    for (const name of [...st.knownNodes].sort()) {
      if (present.has(name)) continue;
      st.knownNodes.delete(name);
      ctx.trace('node-removed', { node: name });
    }

    const zoneReady = new Map<string, (string | undefined)[]>();
    for (const cached of nodes) {
      const name = cached.metadata.name ?? '';
      const update = this.#updateNodeHealth(st, ctx, cached);
      if (update === undefined) continue;
      const { node, observed, current } = update;
      if (!isExcludedFromDisruptionChecks(node)) {
        const zone = zoneKeyOf(node);
        let list = zoneReady.get(zone);
        if (list === undefined) zoneReady.set(zone, (list = []));
        list.push(current?.status);
      }
      if (current !== undefined) {
        this.#processTaintBasedEviction(st, ctx, node, observed);
        const needsRetry = st.nodesToRetry.has(name);
        const transition = current.status !== 'True' && observed.status === 'True';
        if (transition) ctx.trace('node-not-ready', { node: name, reason: 'NodeNotReady' });
        if (transition || (needsRetry && observed.status !== 'True')) {
          if (!markPodsNotReady(ctx, this.#podsOn(ctx, name), name)) {
            st.nodesToRetry.add(name);
            continue;
          }
        }
      }
      st.nodesToRetry.delete(name);
    }
    this.#handleDisruption(st, ctx, zoneReady, nodes);
  }

  /**
   * `tryUpdateNodeHealth` with upstream's retries: after a failed status write the node is read
   * again from the API. Returns `undefined` when the node could not be updated (skipped this pass).
   */
  #updateNodeHealth(st: LifecycleState, ctx: ReconcileContext, cached: NodeView): (HealthUpdate & { readonly node: NodeView }) | undefined {
    let node = cached;
    for (let attempt = 0; attempt < NODE_HEALTH_UPDATE_RETRY; attempt++) {
      const update = tryUpdateNodeHealth(ctx, st.health, node, this.o);
      if (!update.failed) return { ...update, node };
      const fresh = ctx.client.api.get({ apiVersion: 'v1', kind: 'Node', name: node.metadata.name ?? '' });
      if (!fresh.ok) return undefined;
      node = asNode(fresh.value);
    }
    ctx.trace('node-health-update-failed', { node: cached.metadata.name ?? '' });
    return undefined;
  }

  /** Upstream `processTaintBaseEviction`, on the Ready condition observed before this pass's write. */
  #processTaintBasedEviction(st: LifecycleState, ctx: ReconcileContext, node: NodeView, observed: ConditionView): void {
    const taints = node.spec?.taints;
    switch (observed.status) {
      case 'False':
        if (taintExists(taints, UNREACHABLE_TAINT)) swapNodeControllerTaint(ctx, node, [NOT_READY_TAINT], [UNREACHABLE_TAINT]);
        else this.#markNodeForTainting(st, ctx, node, 'False');
        break;
      case 'Unknown':
        if (taintExists(taints, NOT_READY_TAINT)) swapNodeControllerTaint(ctx, node, [UNREACHABLE_TAINT], [NOT_READY_TAINT]);
        else this.#markNodeForTainting(st, ctx, node, 'Unknown');
        break;
      case 'True':
        this.#markNodeAsReachable(st, ctx, node);
        break;
      default:
        break;
    }
  }

  #tainter(st: LifecycleState, ctx: ReconcileContext, zone: string): ZoneTainter {
    let tainter = st.tainters.get(zone);
    if (tainter === undefined) {
      this.#addTainterForNewZone(st, ctx, zone);
      tainter = st.tainters.get(zone) as ZoneTainter;
    }
    return tainter;
  }

  /** Upstream `addPodEvictorForNewZone`: a zone without a state gets a fresh queue and limiter. */
  #addTainterForNewZone(st: LifecycleState, ctx: ReconcileContext, zone: string): void {
    if (st.zoneStates.has(zone)) return;
    st.zoneStates.set(zone, 'Initial');
    st.tainters.set(zone, new ZoneTainter(this.o.nodeEvictionRate));
    ctx.trace('zone-initialized', { zone });
  }

  /** Upstream `markNodeForTainting`: queue the node, re-queueing it when the right taint is missing. */
  #markNodeForTainting(st: LifecycleState, ctx: ReconcileContext, node: NodeView, status: 'False' | 'Unknown'): void {
    const tainter = this.#tainter(st, ctx, zoneKeyOf(node));
    const name = node.metadata.name ?? '';
    const wanted = status === 'False' ? NOT_READY_TAINT : UNREACHABLE_TAINT;
    if (!taintExists(node.spec?.taints, wanted)) tainter.remove(name);
    tainter.add(name, node.metadata.uid ?? '', ctx.nowMs());
  }

  /** Upstream `markNodeAsReachable`: both NoExecute taints off, the node out of the taint queue. */
  #markNodeAsReachable(st: LifecycleState, ctx: ReconcileContext, node: NodeView): boolean {
    const name = node.metadata.name ?? '';
    const api = ctx.client.api;
    if (!removeTaintsOffNode(api, name, node, [UNREACHABLE_TAINT])) return false;
    if (!removeTaintsOffNode(api, name, node, [NOT_READY_TAINT])) return false;
    if (taintExists(node.spec?.taints, UNREACHABLE_TAINT) || taintExists(node.spec?.taints, NOT_READY_TAINT)) {
      ctx.trace('node-taints-swapped', { node: name, added: '', removed: `${TAINT_NODE_UNREACHABLE}:NoExecute,${TAINT_NODE_NOT_READY}:NoExecute` });
    }
    return st.tainters.get(zoneKeyOf(node))?.remove(name) ?? false;
  }

  /** Upstream `doNoExecuteTaintingPass`, zones in key order. */
  #doNoExecuteTaintingPass(st: LifecycleState, ctx: ReconcileContext): void {
    const now = ctx.nowMs();
    for (const zone of [...st.tainters.keys()].sort()) {
      const tainter = st.tainters.get(zone) as ZoneTainter;
      tainter.tryProcess(now, (value) => this.#taintNode(ctx, value.value));
    }
  }

  #taintNode(ctx: ReconcileContext, name: string): TryOutcome {
    const got = ctx.client.get('Node', undefined, name);
    if (!got.ok) return got.error.code === 404 ? { done: true } : { done: false, retryAfterMs: TAINT_RETRY_MS };
    const node = asNode(got.value);
    const ready = nodeReadyCondition(node);
    if (ready === undefined) return { done: false, retryAfterMs: TAINT_RETRY_MS };
    let add: TaintView;
    let opposite: TaintView;
    if (ready.status === 'False') {
      add = NOT_READY_TAINT;
      opposite = UNREACHABLE_TAINT;
    } else if (ready.status === 'Unknown') {
      add = UNREACHABLE_TAINT;
      opposite = NOT_READY_TAINT;
    } else {
      // Ready again: nothing to taint.
      return { done: true };
    }
    return swapNodeControllerTaint(ctx, node, [add], [opposite]) ? { done: true } : { done: false, retryAfterMs: 0 };
  }

  /** Upstream `handleDisruption`, zones in key order. */
  #handleDisruption(st: LifecycleState, ctx: ReconcileContext, zoneReady: ReadonlyMap<string, readonly (string | undefined)[]>, nodes: readonly NodeView[]): void {
    const now = ctx.nowMs();
    const newStates = new Map<string, ZoneState>();
    let allAreFullyDisrupted = true;
    for (const zone of [...zoneReady.keys()].sort()) {
      const { state } = computeZoneState(zoneReady.get(zone) ?? [], this.o.unhealthyZoneThreshold);
      if (state !== 'FullDisruption') allAreFullyDisrupted = false;
      newStates.set(zone, state);
      if (!st.zoneStates.has(zone)) st.zoneStates.set(zone, 'Initial');
    }
    let allWasFullyDisrupted = true;
    for (const zone of [...st.zoneStates.keys()].sort()) {
      if (!zoneReady.has(zone)) {
        st.zoneStates.delete(zone);
        continue;
      }
      if (st.zoneStates.get(zone) !== 'FullDisruption') allWasFullyDisrupted = false;
    }
    if (allAreFullyDisrupted && allWasFullyDisrupted) return;
    const zones = [...st.zoneStates.keys()].sort();
    if (allAreFullyDisrupted) {
      // Every node of every zone is unready: most likely the control plane is cut off, so stop tainting.
      ctx.trace('disruption-mode', { entering: true });
      for (const node of nodes) this.#markNodeAsReachable(st, ctx, node);
      for (const zone of zones) {
        this.#tainter(st, ctx, zone).swapLimiter(0, now);
        st.zoneStates.set(zone, 'FullDisruption');
      }
      return;
    }
    if (allWasFullyDisrupted) {
      ctx.trace('disruption-mode', { entering: false });
      // Leaving it: every node gets a fresh grace period.
      for (const node of nodes) {
        const name = node.metadata.name ?? '';
        const h = st.health.get(name);
        if (h !== undefined) st.health.set(name, { ...h, probeMs: now, readyTransitionMs: now });
      }
      for (const zone of zones) {
        const state = newStates.get(zone) ?? 'Normal';
        this.#setLimiterInZone(st, ctx, zone, zoneReady.get(zone)?.length ?? 0, state);
        st.zoneStates.set(zone, state);
      }
      return;
    }
    for (const zone of zones) {
      const state = newStates.get(zone);
      if (state === undefined || st.zoneStates.get(zone) === state) continue;
      ctx.trace('zone-state', { zone, state });
      this.#setLimiterInZone(st, ctx, zone, zoneReady.get(zone)?.length ?? 0, state);
      st.zoneStates.set(zone, state);
    }
  }

  /** Upstream `setLimiterInZone` with `ReducedQPSFunc` and `HealthyQPSFunc`. */
  #setLimiterInZone(st: LifecycleState, ctx: ReconcileContext, zone: string, zoneSize: number, state: ZoneState): void {
    const tainter = this.#tainter(st, ctx, zone);
    const now = ctx.nowMs();
    switch (state) {
      case 'Normal':
      case 'FullDisruption':
        tainter.swapLimiter(this.o.nodeEvictionRate, now);
        break;
      case 'PartialDisruption':
        tainter.swapLimiter(zoneSize > this.o.largeClusterSizeThreshold ? this.o.secondaryNodeEvictionRate : 0, now);
        break;
      case 'Initial':
        break;
    }
  }
}

/** The node lifecycle controller with the kube-controller-manager v1.35 defaults. */
export const nodeLifecycleController: ControllerDefinition = newNodeLifecycleController();
