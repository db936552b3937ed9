/**
 * Spec support for the node lifecycle, taint eviction and pod GC controllers: a test cluster with
 * one controller manager, node/pod/lease builders, and stand-in kubelets that renew their node's
 * heartbeat Lease every 10 s while alive. Test support only: no controller imports this file.
 */
import {
  ControllerManager,
  formatRfc3339,
  formatRfc3339Micro,
  newTestCluster,
  unwrap,
  type ControllerDefinition,
  type KubeObject,
  type RuntimePayload,
  type TestCluster,
} from 'kubeprop';
import { NODE_LEASE_NAMESPACE, type ConditionView, type NodeView, type PodView, type TaintView, type TolerationView } from './node-objects.js';

/** The kubelet's lease renew interval (0.25 × the 40 s lease duration). */
export const LEASE_RENEW_INTERVAL_MS = 10_000;

/** A cluster, a manager running the controllers under test, and the stand-in kubelets. */
export interface NodeHarness {
  readonly c: TestCluster<RuntimePayload>;
  readonly manager: ControllerManager;
  /** Nodes whose kubelet renews its lease. */
  readonly alive: Set<string>;
  readonly lastRenewMs: Map<string, number>;
}

/** Starts a harness running `controllers` (no leader election). */
export function startNodeHarness(seed: number, controllers: readonly ControllerDefinition[]): NodeHarness {
  const c = newTestCluster(seed, { traceLimit: 0 });
  const manager = new ControllerManager({ sim: c.sim, network: c.network, name: 'kube-controller-manager-0', client: c.raw, controllers, leaderElection: false });
  manager.start();
  return { c, manager, alive: new Set(), lastRenewMs: new Map() };
}

/** Options of `addNode`. */
export interface NodeSpecOptions {
  readonly labels?: Record<string, string>;
  readonly taints?: TaintView[];
  readonly unschedulable?: boolean;
  /** Extra conditions next to `Ready=True`. */
  readonly conditions?: ConditionView[];
  /** Leave the Ready condition out (a kubelet that never posted status). */
  readonly noStatus?: boolean;
  /** Start without a kubelet (no lease, no renewals). */
  readonly dead?: boolean;
}

/** Creates a Ready node with a heartbeat lease, its kubelet alive. */
export function addNode(h: NodeHarness, name: string, options: NodeSpecOptions = {}): void {
  const now = formatRfc3339(h.c.sim.nowMs);
  const conditions: ConditionView[] = options.noStatus
    ? []
    : [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now }, ...(options.conditions ?? [])];
  const node: KubeObject = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: options.labels ?? {} },
    spec: { ...(options.taints !== undefined ? { taints: options.taints } : {}), ...(options.unschedulable ? { unschedulable: true } : {}) },
    status: { conditions },
  };
  unwrap(h.c.client.create(node));
  if (options.dead) return;
  h.alive.add(name);
  renewLease(h, name);
}

/** The kubelet's lease renewal (creates the lease the first time). */
export function renewLease(h: NodeHarness, name: string): void {
  const now = h.c.sim.nowMs;
  const ref = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: NODE_LEASE_NAMESPACE, name };
  const got = h.c.client.get(ref);
  const spec = { holderIdentity: name, leaseDurationSeconds: 40, renewTime: formatRfc3339Micro(now) };
  if (got.ok) unwrap(h.c.client.update({ ...got.value, spec }));
  else unwrap(h.c.client.create({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: NODE_LEASE_NAMESPACE }, spec }));
  h.lastRenewMs.set(name, now);
}

/** Renews the leases that are due. */
export function beat(h: NodeHarness): void {
  const now = h.c.sim.nowMs;
  for (const name of [...h.alive].sort()) {
    if (now - (h.lastRenewMs.get(name) ?? Number.NEGATIVE_INFINITY) >= LEASE_RENEW_INTERVAL_MS) renewLease(h, name);
  }
}

/** Runs `ms` of virtual time, the live kubelets heartbeating. */
export function advance(h: NodeHarness, ms: number, stepMs = 100): void {
  const end = h.c.sim.nowMs + ms;
  while (h.c.sim.nowMs < end) {
    beat(h);
    h.c.sim.runFor(Math.min(stepMs, end - h.c.sim.nowMs));
  }
}

/** Runs until `predicate` holds (checked every `stepMs`) and returns the time it first held; throws after `maxMs`. */
export function advanceUntil(h: NodeHarness, predicate: () => boolean, maxMs: number, stepMs = 100): number {
  const end = h.c.sim.nowMs + maxMs;
  for (;;) {
    beat(h);
    if (predicate()) return h.c.sim.nowMs;
    if (h.c.sim.nowMs >= end) throw new Error(`condition not reached within ${maxMs} ms (now ${h.c.sim.nowMs})`);
    h.c.sim.runFor(stepMs);
  }
}

/** The kubelet posts a fresh node status with `Ready` = `status` (`True` after a recovery). */
export function postReady(h: NodeHarness, name: string, status: 'True' | 'False'): void {
  const node = getNode(h, name);
  if (node === undefined) throw new Error(`no node ${name}`);
  const now = formatRfc3339(h.c.sim.nowMs);
  const conditions = (node.status?.conditions ?? []).map((c) => {
    if (c.type !== 'Ready') return c.status === 'Unknown' ? { ...c, status: 'False', reason: 'KubeletHasSufficientMemory', lastHeartbeatTime: now, lastTransitionTime: now } : c;
    const changed = c.status !== status;
    return { ...c, status, reason: status === 'True' ? 'KubeletReady' : 'KubeletNotReady', lastHeartbeatTime: now, ...(changed ? { lastTransitionTime: now } : {}) };
  });
  unwrap(h.c.client.updateStatus({ ...(node as unknown as KubeObject), status: { ...node.status, conditions } }));
}

/** The node from the store. */
export function getNode(h: NodeHarness, name: string): NodeView | undefined {
  const got = h.c.store.get({ apiVersion: 'v1', kind: 'Node', name });
  return got.ok ? (got.value as unknown as NodeView) : undefined;
}

/** The pod `default/<name>` from the store. */
export function getPod(h: NodeHarness, name: string, namespace = 'default'): PodView | undefined {
  const got = h.c.store.get({ apiVersion: 'v1', kind: 'Pod', namespace, name });
  return got.ok ? (got.value as unknown as PodView) : undefined;
}

/** Options of `addPod`. */
export interface PodSpecOptions {
  readonly nodeName?: string;
  readonly tolerations?: TolerationView[];
  readonly phase?: string;
  readonly reason?: string;
  readonly finalizers?: string[];
  readonly ready?: boolean;
  readonly namespace?: string;
}

/** Creates a pod (bound when `nodeName` is given), running and ready unless told otherwise. */
export function addPod(h: NodeHarness, name: string, options: PodSpecOptions = {}): void {
  const phase = options.phase ?? 'Running';
  const ready = options.ready ?? phase === 'Running';
  const pod: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: options.namespace ?? 'default', ...(options.finalizers !== undefined ? { finalizers: options.finalizers } : {}) },
    spec: {
      ...(options.nodeName !== undefined ? { nodeName: options.nodeName } : {}),
      containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10' }],
      ...(options.tolerations !== undefined ? { tolerations: options.tolerations } : {}),
    },
    status: {
      phase,
      ...(options.reason !== undefined ? { reason: options.reason } : {}),
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: formatRfc3339(h.c.sim.nowMs) }],
    },
  };
  unwrap(h.c.client.create(pod));
}

/** The tolerations the DefaultTolerationSeconds admission plugin adds (300 s each). */
export function defaultTolerations(seconds = 300): TolerationView[] {
  return [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds },
  ];
}

/** Whether the node has a taint with this key and effect. */
export function hasTaint(node: NodeView | undefined, key: string, effect: string): boolean {
  return (node?.spec?.taints ?? []).some((t) => t.key === key && t.effect === effect);
}

/** A condition of a node or pod. */
export function condition(obj: NodeView | PodView | undefined, type: string): ConditionView | undefined {
  return obj?.status?.conditions?.find((c) => c.type === type);
}
