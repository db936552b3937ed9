/**
 * The Node the kubelet registers and the status it keeps fresh.
 *
 * Upstream: `pkg/kubelet/kubelet_node_status.go` (`initialNode`: hostname/os/arch labels and the
 * attach-detach annotation, `registerWithTaints`; `updateDefaultLabels` when adopting an existing
 * Node; `tryUpdateNodeStatus` and `nodeStatusHasChanged`, which ignores heartbeat times) and
 * `pkg/kubelet/nodestatus/setters.go` (`MachineInfo`: capacity and allocatable; `NodeAddress`;
 * `DaemonEndpoints`; `VersionInfo`; `Images`; `MemoryPressureCondition`, `DiskPressureCondition`,
 * `PIDPressureCondition`, `ReadyCondition` with their reasons and messages).
 *
 * Allocatable is capacity minus the default hard eviction thresholds (`memory.available<100Mi`,
 * `nodefs.available<10%`), with no kube or system reservation, as an unconfigured v1.35 kubelet
 * computes it (`pkg/kubelet/cm/node_container_manager_linux.go`, `GetNodeAllocatableReservation`).
 */
import { parseQuantityCached, Quantity } from '../api/quantity.js';
import type { DeepReadonly, Node, NodeCondition, NodeStatus } from '../api/types.js';
import { formatRfc3339 } from '../sim/clock.js';
import { deepEqual } from '../store/deep-equal.js';
import { hex64 } from './container-runtime.js';

/** Upstream `v1.LabelHostname`. */
export const LABEL_HOSTNAME = 'kubernetes.io/hostname';
/** Upstream `v1.LabelArchStable`. */
export const LABEL_ARCH = 'kubernetes.io/arch';
/** Upstream `v1.LabelOSStable`. */
export const LABEL_OS_STABLE = 'kubernetes.io/os';
/** Upstream `kubeletapis.LabelOS` (deprecated, still set). */
export const LABEL_OS_BETA = 'beta.kubernetes.io/os';
/** Upstream `kubeletapis.LabelArch` (deprecated, still set). */
export const LABEL_ARCH_BETA = 'beta.kubernetes.io/arch';
/** Upstream `volutil.ControllerManagedAttachAnnotation`, set because controller attach/detach is on by default. */
export const ANNOTATION_CONTROLLER_MANAGED_ATTACH = 'volumes.kubernetes.io/controller-managed-attach-detach';
/** The kubelet's port (`ports.KubeletPort`), reported in `status.daemonEndpoints`. */
export const KUBELET_PORT = 10250;

/** The node architecture the model reports. */
export const NODE_ARCH = 'amd64';

/** The machine a kubelet runs on: what `cadvisor` and the container manager would report. */
export interface NodeMachine {
  /** `status.capacity` (cpu, memory, pods, ephemeral-storage, hugepages, extended resources). */
  readonly capacity: DeepReadonly<Record<string, string>>;
  /** `status.allocatable`. */
  readonly allocatable: DeepReadonly<Record<string, string>>;
  /** The node's InternalIP. */
  readonly hostIP: string;
}

/** The default machine: 4 CPUs, 16 GiB of memory, 100 GiB of disk. */
export const DEFAULT_NODE_CAPACITY: Readonly<Record<string, string>> = Object.freeze({
  cpu: '4',
  'ephemeral-storage': '100Gi',
  'hugepages-1Gi': '0',
  'hugepages-2Mi': '0',
  memory: '16Gi',
});

const EVICTION_HARD_MEMORY = parseQuantityCached('100Mi');

/**
 * Upstream allocatable = capacity − (kube-reserved + system-reserved + hard eviction thresholds),
 * with the v1.35 defaults: only the eviction thresholds, 100Mi of memory and 10 % of
 * ephemeral-storage. Amounts never go below zero.
 */
export function allocatableFromCapacity(capacity: DeepReadonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(capacity)) {
    const raw = capacity[name] as string;
    if (name === 'memory') {
      const q = parseQuantityCached(raw).sub(EVICTION_HARD_MEMORY);
      out[name] = q.sign() < 0 ? '0' : q.toString();
    } else if (name === 'ephemeral-storage') {
      const value = parseQuantityCached(raw).value();
      out[name] = Quantity.fromInt(value - value / 10n).toString();
    } else {
      out[name] = raw;
    }
  }
  return out;
}

/**
 * The node's capacity: `given` (from the node model, or an adopted Node's status) with `pods`
 * defaulting to `maxPods` and the hugepages sizes to zero, keys in name order.
 */
export function nodeCapacity(given: DeepReadonly<Record<string, string | number>> | undefined, maxPods: number): Record<string, string> {
  const merged: Record<string, string> = {};
  const source = given === undefined || Object.keys(given).length === 0 ? DEFAULT_NODE_CAPACITY : given;
  for (const name of Object.keys(source)) merged[name] = String(source[name]);
  if (merged.pods === undefined) merged.pods = String(maxPods);
  if (merged['hugepages-1Gi'] === undefined) merged['hugepages-1Gi'] = '0';
  if (merged['hugepages-2Mi'] === undefined) merged['hugepages-2Mi'] = '0';
  const out: Record<string, string> = {};
  for (const name of Object.keys(merged).sort()) out[name] = merged[name] as string;
  return out;
}

/** A UUID-shaped string derived from `text` (lower-case, 8-4-4-4-12). */
function uuidOf(text: string): string {
  const h = hex64(text);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Everything in a node status that only changes when the machine or the kubelet changes. */
export interface NodeStatusConstants {
  readonly capacity: DeepReadonly<Record<string, string>>;
  readonly allocatable: DeepReadonly<Record<string, string>>;
  readonly addresses: DeepReadonly<NonNullable<NodeStatus['addresses']>>;
  readonly daemonEndpoints: DeepReadonly<NonNullable<NodeStatus['daemonEndpoints']>>;
  readonly nodeInfo: DeepReadonly<NonNullable<NodeStatus['nodeInfo']>>;
}

/**
 * The constant parts of the node status, deeply frozen so that a stored status shares them and
 * comparing an unchanged status with the stored one is a few reference checks. `bootCount`
 * distinguishes boots: the `bootID` changes when the node restarts after a crash.
 */
export function nodeStatusConstants(
  nodeName: string,
  machine: NodeMachine,
  versions: { readonly kubeletVersion: string; readonly runtimeVersion: string },
  bootCount: number,
): NodeStatusConstants {
  return Object.freeze({
    capacity: Object.freeze({ ...machine.capacity }),
    allocatable: Object.freeze({ ...machine.allocatable }),
    addresses: Object.freeze([
      Object.freeze({ type: 'InternalIP', address: machine.hostIP }),
      Object.freeze({ type: 'Hostname', address: nodeName }),
    ]),
    daemonEndpoints: Object.freeze({ kubeletEndpoint: Object.freeze({ Port: KUBELET_PORT }) }),
    nodeInfo: Object.freeze({
      machineID: hex64(`machine:${nodeName}`).slice(0, 32),
      systemUUID: uuidOf(`system:${nodeName}`),
      bootID: uuidOf(`boot:${nodeName}:${bootCount}`),
      kernelVersion: '6.8.0-60-generic',
      osImage: 'Ubuntu 24.04.2 LTS',
      containerRuntimeVersion: versions.runtimeVersion,
      kubeletVersion: versions.kubeletVersion,
      kubeProxyVersion: '',
      operatingSystem: 'linux',
      architecture: NODE_ARCH,
    }),
  });
}

/** The labels the kubelet puts on (and reconciles onto) its Node: hostname, os and arch, stable and beta. */
export function defaultNodeLabels(nodeName: string): Readonly<Record<string, string>> {
  return {
    [LABEL_ARCH_BETA]: NODE_ARCH,
    [LABEL_OS_BETA]: 'linux',
    [LABEL_ARCH]: NODE_ARCH,
    [LABEL_HOSTNAME]: nodeName,
    [LABEL_OS_STABLE]: 'linux',
  };
}

interface ConditionTemplate {
  readonly type: string;
  readonly status: 'True' | 'False';
  readonly reason: string;
  readonly message: string;
}

/** The kubelet's node conditions while healthy, in upstream's setter order. */
const HEALTHY_CONDITIONS: readonly ConditionTemplate[] = [
  { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
  { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' },
  { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' },
  { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
];

/**
 * The node's conditions after the kubelet's setters ran at `nowMs`: its four conditions get a
 * fresh heartbeat; one whose status changes (or that is new) gets `nowMs` as transition time and
 * the new reason and message; the pressure conditions keep their reason and message while their
 * status is unchanged, Ready always takes the new ones. Conditions the kubelet does not own
 * (`NetworkUnavailable`, ...) are kept in place.
 */
export function kubeletNodeConditions(existing: readonly DeepReadonly<NodeCondition>[] | undefined, nowMs: number): NodeCondition[] {
  const now = formatRfc3339(nowMs);
  const out: NodeCondition[] = (existing ?? []).map((c) => c as NodeCondition);
  for (const t of HEALTHY_CONDITIONS) {
    const i = out.findIndex((c) => c.type === t.type);
    const old = i >= 0 ? out[i] : undefined;
    let next: NodeCondition;
    if (old === undefined || old.status !== t.status) {
      next = { type: t.type, status: t.status, lastHeartbeatTime: now, lastTransitionTime: now, reason: t.reason, message: t.message };
    } else if (t.type === 'Ready') {
      next = { type: t.type, status: t.status, lastHeartbeatTime: now, lastTransitionTime: old.lastTransitionTime ?? now, reason: t.reason, message: t.message };
    } else {
      next = { ...old, lastHeartbeatTime: now };
    }
    if (i >= 0) out[i] = next;
    else out.push(next);
  }
  return out;
}

/**
 * The node status the kubelet posts at `nowMs`: the API status (fields others own, such as
 * `volumesAttached`, are kept) with the kubelet's capacity, allocatable, conditions, addresses,
 * daemon endpoints, node info and images.
 */
export function buildNodeStatus(
  api: DeepReadonly<NodeStatus> | undefined,
  constants: NodeStatusConstants,
  images: readonly DeepReadonly<NonNullable<NodeStatus['images']>[number]>[],
  nowMs: number,
): NodeStatus {
  const out: Record<string, unknown> = {
    capacity: constants.capacity,
    allocatable: constants.allocatable,
    conditions: kubeletNodeConditions(api?.conditions, nowMs),
    addresses: constants.addresses,
    daemonEndpoints: constants.daemonEndpoints,
    nodeInfo: constants.nodeInfo,
    images,
  };
  if (api !== undefined) {
    for (const key of Object.keys(api)) {
      if (!(key in out)) out[key] = (api as Readonly<Record<string, unknown>>)[key];
    }
  }
  return out as NodeStatus;
}

function withoutHeartbeat(conditions: readonly DeepReadonly<NodeCondition>[] | undefined): Readonly<Record<string, unknown>>[] {
  const list = (conditions ?? []).map((c): Readonly<Record<string, unknown>> => ({ ...c, lastHeartbeatTime: undefined }));
  list.sort((a, b) => ((a.type as string) < (b.type as string) ? -1 : (a.type as string) > (b.type as string) ? 1 : 0));
  return list;
}

/**
 * Upstream `nodeStatusHasChanged`: whether `next` differs from `current` other than in the
 * conditions' heartbeat times.
 */
export function nodeStatusHasChanged(current: DeepReadonly<NodeStatus> | undefined, next: DeepReadonly<NodeStatus>): boolean {
  if (current === undefined) return true;
  if (!deepEqual(withoutHeartbeat(current.conditions), withoutHeartbeat(next.conditions))) return true;
  const keys = new Set([...Object.keys(current), ...Object.keys(next)]);
  for (const key of keys) {
    if (key === 'conditions') continue;
    if (!deepEqual((current as Readonly<Record<string, unknown>>)[key], (next as Readonly<Record<string, unknown>>)[key])) return true;
  }
  return false;
}

/**
 * The Node a kubelet registers (upstream `initialNode`): default labels, then `nodeLabels`; the
 * attach-detach annotation; `registerWithTaints`; and the first status.
 */
export function initialNode(
  nodeName: string,
  nodeLabels: Readonly<Record<string, string>>,
  taints: DeepReadonly<NonNullable<NonNullable<Node['spec']>['taints']>>,
  status: NodeStatus,
): Node {
  const node: Node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: nodeName,
      labels: { ...defaultNodeLabels(nodeName), ...nodeLabels },
      annotations: { [ANNOTATION_CONTROLLER_MANAGED_ATTACH]: 'true' },
    },
    spec: taints.length > 0 ? { taints: taints.map((t) => ({ ...t })) } : {},
    status,
  };
  return node;
}

/**
 * Upstream `updateDefaultLabels` (and the attach-detach annotation reconciliation) for an existing
 * Node: the metadata the kubelet would write, or `undefined` when nothing needs to change.
 */
export function reconcileExistingNodeMeta(node: DeepReadonly<Node>): { labels: Record<string, string>; annotations: Record<string, string> } | undefined {
  const name = node.metadata?.name ?? '';
  const labels: Record<string, string> = { ...(node.metadata?.labels ?? {}) };
  const annotations: Record<string, string> = { ...(node.metadata?.annotations ?? {}) };
  let changed = false;
  const defaults = defaultNodeLabels(name);
  for (const key of Object.keys(defaults)) {
    if (labels[key] !== defaults[key]) {
      labels[key] = defaults[key] as string;
      changed = true;
    }
  }
  if (annotations[ANNOTATION_CONTROLLER_MANAGED_ATTACH] !== 'true') {
    annotations[ANNOTATION_CONTROLLER_MANAGED_ATTACH] = 'true';
    changed = true;
  }
  return changed ? { labels, annotations } : undefined;
}
