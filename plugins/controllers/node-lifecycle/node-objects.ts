/**
 * The parts of Nodes, Pods, Leases and their conditions and taints that the node lifecycle, taint
 * eviction and pod GC controllers read, as small readonly views over what the caches hold, plus the
 * well-known taint keys and condition helpers they share.
 *
 * Upstream: `k8s.io/api/core/v1` well-known taints (`well_known_taints.go`),
 * `pkg/controller/util/node/controller_utils.go` (`GetNodeCondition`), `pkg/util/taints/taints.go`
 * (`TaintExists`, `TaintSetDiff`, `AddOrUpdateTaint`, `RemoveTaint`) and
 * `staging/src/k8s.io/component-helpers/node/topology/helpers.go` (`GetZoneKey`).
 */
import { matchTaint, parseRfc3339, type KubeObject } from 'kubeprop';
import { NODE_NAME_INDEX } from '../pod-indexes.js';

/** Upstream `v1.TaintNodeNotReady`: the node's Ready condition is `False`. */
export const TAINT_NODE_NOT_READY = 'node.kubernetes.io/not-ready';
/** Upstream `v1.TaintNodeUnreachable`: the node's Ready condition is `Unknown`. */
export const TAINT_NODE_UNREACHABLE = 'node.kubernetes.io/unreachable';
/** Upstream `v1.TaintNodeMemoryPressure`. */
export const TAINT_NODE_MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
/** Upstream `v1.TaintNodeDiskPressure`. */
export const TAINT_NODE_DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
/** Upstream `v1.TaintNodeNetworkUnavailable`. */
export const TAINT_NODE_NETWORK_UNAVAILABLE = 'node.kubernetes.io/network-unavailable';
/** Upstream `v1.TaintNodePIDPressure`. */
export const TAINT_NODE_PID_PRESSURE = 'node.kubernetes.io/pid-pressure';
/** Upstream `v1.TaintNodeOutOfService`: set by an operator on a node that is shut down for good. */
export const TAINT_NODE_OUT_OF_SERVICE = 'node.kubernetes.io/out-of-service';
/**
 * Upstream `nodeNameKeyIndex` (node lifecycle, taint eviction): pods by `spec.nodeName`, under the
 * name the built-in controllers share, so that one manager keeps one such index.
 */
export const POD_NODE_NAME_INDEX = NODE_NAME_INDEX;
/** Upstream `v1.NamespaceNodeLease`: where kubelets keep their heartbeat leases. */
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

/** A node or pod condition as stored (times are RFC 3339 strings). */
export interface ConditionView {
  readonly type: string;
  readonly status: string;
  readonly reason?: string | undefined;
  readonly message?: string | undefined;
  readonly lastHeartbeatTime?: string | undefined;
  readonly lastProbeTime?: string | null | undefined;
  readonly lastTransitionTime?: string | undefined;
}

/** A taint as stored. */
export interface TaintView {
  readonly key: string;
  readonly value?: string | undefined;
  readonly effect: string;
  readonly timeAdded?: string | undefined;
}

/** A toleration as stored. */
export interface TolerationView {
  readonly key?: string | undefined;
  readonly operator?: string | undefined;
  readonly value?: string | undefined;
  readonly effect?: string | undefined;
  readonly tolerationSeconds?: number | undefined;
}

interface MetaView {
  readonly name?: string | undefined;
  readonly namespace?: string | undefined;
  readonly uid?: string | undefined;
  readonly resourceVersion?: string | undefined;
  readonly creationTimestamp?: string | undefined;
  readonly deletionTimestamp?: string | undefined;
  readonly labels?: Readonly<Record<string, string>> | undefined;
  readonly finalizers?: readonly string[] | undefined;
}

/** The fields of a Node the controllers read. */
export interface NodeView {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: MetaView;
  readonly spec?: { readonly unschedulable?: boolean | undefined; readonly taints?: readonly TaintView[] | undefined } | undefined;
  readonly status?: { readonly conditions?: readonly ConditionView[] | undefined } | undefined;
}

/** The fields of a Pod the controllers read. */
export interface PodView {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: MetaView;
  readonly spec?: { readonly nodeName?: string | undefined; readonly tolerations?: readonly TolerationView[] | undefined } | undefined;
  readonly status?:
    | { readonly phase?: string | undefined; readonly reason?: string | undefined; readonly conditions?: readonly ConditionView[] | undefined }
    | undefined;
}

/** The fields of a Lease the node lifecycle controller reads. */
export interface LeaseView {
  readonly metadata: MetaView;
  readonly spec?: { readonly renewTime?: string | undefined } | undefined;
}

/** A cached object seen as a Node. */
export function asNode(obj: unknown): NodeView {
  return obj as NodeView;
}

/** A cached object seen as a Pod. */
export function asPod(obj: unknown): PodView {
  return obj as PodView;
}

/** The object as a value the API client accepts. */
export function asKubeObject(obj: NodeView | PodView): KubeObject {
  return obj as unknown as KubeObject;
}

/** Upstream `GetNodeCondition` / `GetPodCondition`: the first condition of `type`. */
export function conditionOf(conditions: readonly ConditionView[] | undefined, type: string): ConditionView | undefined {
  if (conditions === undefined) return undefined;
  for (const c of conditions) if (c.type === type) return c;
  return undefined;
}

/** The node's `Ready` condition. */
export function nodeReadyCondition(node: NodeView): ConditionView | undefined {
  return conditionOf(node.status?.conditions, 'Ready');
}

/** Upstream `nodeutil.IsNodeReady`: the Ready condition is `True`. */
export function isNodeReady(node: NodeView): boolean {
  return nodeReadyCondition(node)?.status === 'True';
}

/**
 * Semantic equality of two conditions (upstream `apiequality.Semantic.DeepEqual` on
 * `NodeCondition`/`PodCondition`): absent string fields equal the empty string, as Go zero values.
 */
export function conditionsEqual(a: ConditionView | undefined, b: ConditionView | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return (
    a.type === b.type &&
    a.status === b.status &&
    (a.reason ?? '') === (b.reason ?? '') &&
    (a.message ?? '') === (b.message ?? '') &&
    (a.lastHeartbeatTime ?? '') === (b.lastHeartbeatTime ?? '') &&
    (a.lastProbeTime ?? '') === (b.lastProbeTime ?? '') &&
    (a.lastTransitionTime ?? '') === (b.lastTransitionTime ?? '')
  );
}

/** Upstream `TaintExists`: a taint with the same key and effect (`MatchTaint`) is present. */
export function taintExists(taints: readonly TaintView[] | undefined, taint: TaintView): boolean {
  if (taints === undefined) return false;
  for (const t of taints) if (matchTaint(t, taint)) return true;
  return false;
}

/** Semantic equality of two taints, `timeAdded` included. */
export function taintsEqual(a: TaintView, b: TaintView): boolean {
  return a.key === b.key && (a.value ?? '') === (b.value ?? '') && a.effect === b.effect && (a.timeAdded ?? '') === (b.timeAdded ?? '');
}

/** Semantic equality of two taint lists, in order. */
export function taintListsEqual(a: readonly TaintView[], b: readonly TaintView[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!taintsEqual(a[i] as TaintView, b[i] as TaintView)) return false;
  return true;
}

/** A taint without undefined members (exact optional properties). */
export function cleanTaint(t: TaintView): TaintView {
  const out: { key: string; value?: string; effect: string; timeAdded?: string } = { key: t.key, effect: t.effect };
  if (t.value !== undefined && t.value !== '') out.value = t.value;
  if (t.timeAdded !== undefined) out.timeAdded = t.timeAdded;
  return out;
}

/** Upstream `GetZoneKey`: `region:\0:zone` from the (beta, then GA) topology labels; `''` without both. */
export function zoneKeyOf(node: NodeView): string {
  const labels = node.metadata.labels;
  if (labels === undefined) return '';
  const zone = labels['failure-domain.beta.kubernetes.io/zone'] ?? labels['topology.kubernetes.io/zone'] ?? '';
  const region = labels['failure-domain.beta.kubernetes.io/region'] ?? labels['topology.kubernetes.io/region'] ?? '';
  if (region === '' && zone === '') return '';
  return `${region}:\u0000:${zone}`;
}

/** An RFC 3339 time in virtual milliseconds; `undefined` when absent or invalid. */
export function timeMs(text: string | null | undefined): number | undefined {
  return typeof text === 'string' ? parseRfc3339(text) : undefined;
}

/** `namespace/name` of a pod. */
export function podKey(pod: PodView): string {
  return `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;
}
