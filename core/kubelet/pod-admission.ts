/**
 * The kubelet's pod admission: whether a pod bound to this node may run here, with upstream's
 * rejection reasons and messages.
 *
 * Mirrors `pkg/kubelet/lifecycle/predicate.go` (`predicateAdmitHandler.Admit`, `generalFilter`),
 * which runs the scheduler's `AdmissionCheck` (`pkg/scheduler/schedule_one.go`: NodeResourcesFit's
 * `Fits`, NodeAffinity, NodeName, NodePorts, all failures collected) and then the NoExecute taint
 * check; the first failure becomes the pod's `status.reason` and its message (after `Pod was
 * rejected: `, added by the kubelet's `rejectPod`) the `status.message`:
 *
 * | failure | reason | message |
 * | --- | --- | --- |
 * | `kubernetes.io/os` pod label ≠ node OS | `PodOSSelectorNodeLabelDoesNotMatch` | ``Failed to admit pod as the `kubernetes.io/os` label doesn't match node label`` |
 * | `spec.os.name` ≠ `linux` | `PodOSNotSupported` | `Failed to admit pod as the OS field doesn't match node OS` |
 * | too many pods / not enough cpu, memory, ephemeral-storage, R | `OutOfpods`, `OutOfcpu`, `OutOfmemory`, `OutOfephemeral-storage`, `OutOf<R>` | `Node didn't have enough resource: cpu, requested: 600, used: 3500, capacity: 4000` |
 * | node selector / required node affinity | `NodeAffinity` | `Predicate NodeAffinity failed: node(s) didn't match Pod's node affinity/selector` |
 * | `spec.nodeName` ≠ node | `NodeName` | `Predicate NodeName failed: node(s) didn't match the requested node name` |
 * | host port in use | `NodePorts` | `Predicate NodePorts failed: node(s) didn't have free ports for the requested pod ports` |
 * | untolerated `NoExecute` taint | `TaintToleration` | `Predicate TaintToleration failed: node(s) had taints that the pod didn't tolerate` |
 *
 * Amounts are in the scheduler's units: millicores for cpu, bytes or counts for the rest. Extended
 * resources the node does not have at all are ignored (upstream `removeMissingExtendedResources`:
 * cluster-level and DRA-backed resources). Static pods and `SupplementalGroupsPolicy` are not
 * modelled.
 */
import { getRequiredNodeAffinity } from '../api/node-affinity.js';
import {
  isExtendedResourceName,
  podRequests,
  ResourceCPU,
  ResourceEphemeralStorage,
  ResourceMemory,
  ResourcePods,
  type ReadonlyResourceVector,
} from '../api/pod-resources.js';
import { findMatchingUntoleratedTaint, TAINT_EFFECT_NO_EXECUTE } from '../api/taints.js';
import type { DeepReadonly, Node, Pod } from '../api/types.js';
import { podHostPorts, type HostPortInfo } from '../scheduler/node-info.js';

/** The operating system the modelled nodes run (upstream compares with `runtime.GOOS`). */
export const NODE_OS = 'linux';
/** Upstream `v1.LabelOSStable`. */
export const LABEL_OS = 'kubernetes.io/os';

/** Upstream `lifecycle.PodOSSelectorNodeLabelDoesNotMatch`. */
export const REASON_OS_SELECTOR_MISMATCH = 'PodOSSelectorNodeLabelDoesNotMatch';
/** Upstream `lifecycle.PodOSNotSupported`. */
export const REASON_OS_NOT_SUPPORTED = 'PodOSNotSupported';
/** Upstream `lifecycle.InsufficientResourcePrefix`. */
export const INSUFFICIENT_RESOURCE_PREFIX = 'OutOf';
/** The message prefix the kubelet's `rejectPod` puts before the admission message. */
export const REJECTED_MESSAGE_PREFIX = 'Pod was rejected: ';

const NODE_AFFINITY_REASON = "node(s) didn't match Pod's node affinity/selector";
const NODE_NAME_REASON = "node(s) didn't match the requested node name";
const NODE_PORTS_REASON = "node(s) didn't have free ports for the requested pod ports";
const TAINT_REASON = "node(s) had taints that the pod didn't tolerate";

/** The outcome of admission: admitted, or rejected with upstream's reason and message. */
export type AdmitResult = { readonly admit: true } | { readonly admit: false; readonly reason: string; readonly message: string };

/** What admission needs to know about the node's current use by the pods it already runs. */
export interface NodeUsage {
  /** Sum of the effective requests of the active (admitted, not yet terminated) pods. */
  readonly requested: ReadonlyResourceVector;
  /** How many pods are active. */
  readonly podCount: number;
  /** Host ports held by the active pods. */
  readonly usedPorts: Pick<HostPortInfo, 'checkConflict'>;
}

/** One insufficient resource (upstream `InsufficientResourceError`). */
interface Insufficient {
  readonly resourceName: string;
  readonly requested: number;
  readonly used: number;
  readonly capacity: number;
}

function insufficientReason(name: string): string {
  // OutOfcpu, OutOfmemory, OutOfephemeral-storage, OutOfpods and OutOf<extended> all follow the prefix rule.
  return `${INSUFFICIENT_RESOURCE_PREFIX}${name}`;
}

function predicateFailure(name: string, desc: string): AdmitResult {
  return { admit: false, reason: name, message: `Predicate ${name} failed: ${desc}` };
}

/**
 * Upstream `noderesources.Fits` (via `fitsRequest`): pods count first, then cpu, memory,
 * ephemeral-storage, then scalar resources (in name order here, where upstream iterates a map).
 */
function firstInsufficient(podRequest: ReadonlyResourceVector, allocatable: ReadonlyResourceVector, usage: NodeUsage): Insufficient | undefined {
  if (usage.podCount + 1 > allocatable.allowedPodNumber) {
    return { resourceName: ResourcePods, requested: 1, used: usage.podCount, capacity: allocatable.allowedPodNumber };
  }
  const used = usage.requested;
  if (podRequest.milliCPU === 0 && podRequest.memory === 0 && podRequest.ephemeralStorage === 0 && podRequest.scalar.size === 0) return undefined;
  if (podRequest.milliCPU > 0 && podRequest.milliCPU > allocatable.milliCPU - used.milliCPU) {
    return { resourceName: ResourceCPU, requested: podRequest.milliCPU, used: used.milliCPU, capacity: allocatable.milliCPU };
  }
  if (podRequest.memory > 0 && podRequest.memory > allocatable.memory - used.memory) {
    return { resourceName: ResourceMemory, requested: podRequest.memory, used: used.memory, capacity: allocatable.memory };
  }
  if (podRequest.ephemeralStorage > 0 && podRequest.ephemeralStorage > allocatable.ephemeralStorage - used.ephemeralStorage) {
    return {
      resourceName: ResourceEphemeralStorage,
      requested: podRequest.ephemeralStorage,
      used: used.ephemeralStorage,
      capacity: allocatable.ephemeralStorage,
    };
  }
  if (podRequest.scalar.size > 0) {
    const names = [...podRequest.scalar.keys()].sort();
    for (const name of names) {
      const want = podRequest.scalar.get(name) ?? 0;
      if (want === 0) continue;
      // removeMissingExtendedResources: an extended resource unknown to the node is not checked.
      if (isExtendedResourceName(name) && !allocatable.scalar.has(name)) continue;
      const have = allocatable.scalar.get(name) ?? 0;
      const inUse = used.scalar.get(name) ?? 0;
      if (want > have - inUse) return { resourceName: name, requested: want, used: inUse, capacity: have };
    }
  }
  return undefined;
}

/**
 * Admits or rejects `pod` on `node`, whose allocatable resources are `allocatable` and whose
 * active pods use `usage`. `podRequest` is the pod's effective requests (computed by the caller,
 * which keeps them to account the pod once admitted); absent, they are computed here.
 *
 * The checks run in upstream's order and the first failure wins: the OS checks, then the general
 * filter (resources, node affinity, node name, host ports), then untolerated `NoExecute` taints.
 */
export function admitPod(
  pod: DeepReadonly<Pod>,
  node: DeepReadonly<Node>,
  allocatable: ReadonlyResourceVector,
  usage: NodeUsage,
  podRequest: ReadonlyResourceVector = podRequests(pod),
): AdmitResult {
  // The node's OS label is taken as `linux` whatever it says, as upstream substitutes runtime.GOOS.
  const osLabel = pod.metadata?.labels?.[LABEL_OS];
  if (osLabel !== undefined && osLabel !== NODE_OS) {
    return {
      admit: false,
      reason: REASON_OS_SELECTOR_MISMATCH,
      message: "Failed to admit pod as the `kubernetes.io/os` label doesn't match node label",
    };
  }
  const osName = pod.spec?.os?.name;
  if (osName !== undefined && osName !== NODE_OS) {
    return { admit: false, reason: REASON_OS_NOT_SUPPORTED, message: "Failed to admit pod as the OS field doesn't match node OS" };
  }

  const short = firstInsufficient(podRequest, allocatable, usage);
  if (short !== undefined) {
    return {
      admit: false,
      reason: insufficientReason(short.resourceName),
      message: `Node didn't have enough resource: ${short.resourceName}, requested: ${short.requested}, used: ${short.used}, capacity: ${short.capacity}`,
    };
  }
  if (!getRequiredNodeAffinity(pod).match(node)) return predicateFailure('NodeAffinity', NODE_AFFINITY_REASON);
  const nodeName = pod.spec?.nodeName ?? '';
  if (nodeName !== '' && nodeName !== node.metadata?.name) return predicateFailure('NodeName', NODE_NAME_REASON);
  for (const hp of podHostPorts(pod)) {
    if (usage.usedPorts.checkConflict(hp.ip, hp.protocol, hp.port)) return predicateFailure('NodePorts', NODE_PORTS_REASON);
  }
  const untolerated = findMatchingUntoleratedTaint(node.spec?.taints, pod.spec?.tolerations, (t) => t.effect === TAINT_EFFECT_NO_EXECUTE);
  if (untolerated !== undefined) return predicateFailure('TaintToleration', TAINT_REASON);
  return { admit: true };
}
