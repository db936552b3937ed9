/**
 * The kubelet's public surface, for `core/index.ts` to re-export: the per-node kubelet actor, its
 * configuration and container runtime model, and the pieces of upstream behaviour it is built from
 * (admission, pod status generation, the restart back-off, the heartbeat lease), which invariants
 * and custom components can reuse.
 */
export {
  describeKubeletPayload,
  isKubeletPayload,
  Kubelet,
  type KubeletActorSystem,
  type KubeletHostActor,
  type KubeletOptions,
  type KubeletPayload,
  type KubeletPayloadKind,
  type KubeletState,
  type KubeletStats,
} from './kubelet.js';
export {
  DEFAULT_CONTAINER_RUNTIME_CONFIG,
  DEFAULT_KUBELET_CONFIG,
  leaseRenewIntervalMs,
  PAUSE_IMAGE,
  PAUSE_IMAGE_SIZE_BYTES,
  resolveKubeletConfig,
  type ChanceRatio,
  type ContainerBehavior,
  type ContainerBehaviorQuery,
  type ContainerRuntimeConfig,
  type KubeletConfig,
  type KubeletConfigInput,
} from './kubelet-config.js';
export {
  ContainerRuntime,
  effectivePullPolicy,
  ERR_IMAGE_NEVER_PULL,
  EXIT_CODE_ANNOTATION,
  normalizeImageReference,
  RUN_FOR_ANNOTATION,
  type ContainerRuntimeOptions,
  type EnsureImageResult,
} from './container-runtime.js';
export { CrashLoopBackOff } from './crash-loop-back-off.js';
export { admitPod, REJECTED_MESSAGE_PREFIX, type AdmitResult, type NodeUsage } from './pod-admission.js';
export {
  buildPodStatus,
  buildRejectedPodStatus,
  computePodPhase,
  KUBELET_CONDITION_TYPES,
  type ContainerStateView,
  type ContainerStatusView,
  type PodStatusInput,
  type TerminatedView,
} from './pod-status.js';
export { NODE_LEASE_NAMESPACE, NodeLeaseController, type LeaseSyncOutcome, type NodeLeaseControllerOptions } from './node-lease.js';
export { allocatableFromCapacity, DEFAULT_NODE_CAPACITY, type NodeMachine } from './node-status.js';
