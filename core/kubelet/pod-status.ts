/**
 * Pod status as the kubelet generates it: the phase from the container states, the container
 * statuses, the kubelet-owned conditions with their transition times, and the QoS class.
 *
 * Upstream: `pkg/kubelet/kubelet_pods.go` (`getPhase`, `generateAPIPodStatus`,
 * `convertToAPIContainerStatuses`: regular containers sorted by name, init containers in spec
 * order), `pkg/kubelet/status/generate.go` (the `Initialized`, `ContainersReady`, `Ready` and
 * `PodReadyToStartContainers` conditions and their reasons), `pkg/kubelet/status/status_manager.go`
 * (`updateLastTransitionTime`, the start time that never changes, `mergePodStatus`: conditions not
 * owned by the kubelet are kept), `pkg/kubelet/types/pod_status.go` (`PodConditionByKubelet`). The QoS class is the one the API
 * server stored at creation (computed again, as upstream's `ComputePodQOS`, when absent). Condition `observedGeneration` and
 * `status.observedGeneration` are set (`PodObservedGenerationTracking`, GA in v1.35).
 *
 * The kubelet describes each container with a `ContainerStatusView`; this module turns the views
 * into API objects, so the kubelet's bookkeeping stays in numbers and the JSON is built only when a
 * status is about to be written.
 */
import type { Container, ContainerStatus, DeepReadonly, Pod, PodCondition, PodStatus } from '../api/types.js';
import { podQosClass } from '../apiserver/pod-qos.js';
import { formatRfc3339 } from '../sim/clock.js';
import { deepEqual } from '../store/deep-equal.js';

/** A container state as the kubelet sees it, times in virtual milliseconds. */
export type ContainerStateView =
  | { readonly kind: 'waiting'; readonly reason: string; readonly message?: string | undefined }
  | { readonly kind: 'running'; readonly startedAtMs: number }
  | {
      readonly kind: 'terminated';
      readonly exitCode: number;
      readonly reason: string;
      readonly message?: string | undefined;
      readonly startedAtMs?: number | undefined;
      readonly finishedAtMs?: number | undefined;
      readonly containerID?: string | undefined;
    };

/** A terminated state (the only kind a `lastState` can be). */
export type TerminatedView = Extract<ContainerStateView, { readonly kind: 'terminated' }>;

/** One container's status as the kubelet sees it. */
export interface ContainerStatusView {
  readonly name: string;
  /** The image as the status shows it: the spec's until the container exists, then the runtime's. */
  readonly image: string;
  /** `''` until the container has been created. */
  readonly imageID: string;
  readonly containerID: string | undefined;
  readonly state: ContainerStateView;
  readonly lastState: TerminatedView | undefined;
  readonly ready: boolean;
  readonly started: boolean;
  readonly restartCount: number;
}

/** Upstream `ContainerCreating`: the default waiting reason before a container exists. */
export const REASON_CONTAINER_CREATING = 'ContainerCreating';
/** Upstream `PodInitializing`: regular containers waiting for the init containers. */
export const REASON_POD_INITIALIZING = 'PodInitializing';
/** Upstream `kubecontainer.ErrCrashLoopBackOff`'s reason. */
export const REASON_CRASH_LOOP_BACK_OFF = 'CrashLoopBackOff';
/** Terminated with exit code 0. */
export const REASON_COMPLETED = 'Completed';
/** Terminated with a non-zero exit code. */
export const REASON_ERROR = 'Error';
/** Upstream `kubecontainer.ContainerReasonStatusUnknown`. */
export const REASON_CONTAINER_STATUS_UNKNOWN = 'ContainerStatusUnknown';

/** Upstream `status.ContainersNotReady`. */
export const REASON_CONTAINERS_NOT_READY = 'ContainersNotReady';
/** Upstream `status.ContainersNotInitialized`. */
export const REASON_CONTAINERS_NOT_INITIALIZED = 'ContainersNotInitialized';
/** Upstream `status.PodCompleted`. */
export const REASON_POD_COMPLETED = 'PodCompleted';
/** Upstream `status.PodFailed`. */
export const REASON_POD_FAILED = 'PodFailed';
/** Upstream `status.ReadinessGatesNotReady`. */
export const REASON_READINESS_GATES_NOT_READY = 'ReadinessGatesNotReady';

/** The pod phases. */
export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';
/** Condition types the kubelet owns (upstream `PodConditionByKubelet`, without the resize ones). */
export const KUBELET_CONDITION_TYPES: ReadonlySet<string> = new Set([
  'PodScheduled',
  'Ready',
  'Initialized',
  'ContainersReady',
  'PodReadyToStartContainers',
]);

/** The terminated reason for an exit code: `Completed` for 0, `Error` otherwise. */
export function terminatedReason(exitCode: number): string {
  return exitCode === 0 ? REASON_COMPLETED : REASON_ERROR;
}

/** Whether an init container is a sidecar (upstream `IsRestartableInitContainer`). */
export function isRestartableInitContainer(c: DeepReadonly<Container>): boolean {
  return c.restartPolicy === 'Always';
}

function stateToApi(state: ContainerStateView): NonNullable<ContainerStatus['state']> {
  switch (state.kind) {
    case 'waiting':
      return { waiting: state.message === undefined ? { reason: state.reason } : { reason: state.reason, message: state.message } };
    case 'running':
      return { running: { startedAt: stamp(state.startedAtMs) } };
    case 'terminated': {
      const t: NonNullable<NonNullable<ContainerStatus['state']>['terminated']> = { exitCode: state.exitCode, reason: state.reason };
      if (state.message !== undefined) t.message = state.message;
      if (state.startedAtMs !== undefined) t.startedAt = stamp(state.startedAtMs);
      if (state.finishedAtMs !== undefined) t.finishedAt = stamp(state.finishedAtMs);
      if (state.containerID !== undefined) t.containerID = state.containerID;
      return { terminated: t };
    }
  }
}

/** The API `ContainerStatus` of a view. */
export function toApiContainerStatus(view: ContainerStatusView): ContainerStatus {
  const out: ContainerStatus = {
    name: view.name,
    state: stateToApi(view.state),
    lastState: view.lastState === undefined ? {} : stateToApi(view.lastState),
    ready: view.ready,
    restartCount: view.restartCount,
    image: view.image,
    imageID: view.imageID,
  };
  if (view.containerID !== undefined) out.containerID = view.containerID;
  out.started = view.started;
  return out;
}

/**
 * Upstream `getPhase`: Pending while an init container has to run or a container waits for its
 * first start, Running once every container has started and one runs, and when all have stopped:
 * terminal for a terminal pod (Succeeded if all exited 0), Running if they restart (policy
 * `Always`, or `OnFailure` after a failure), else Succeeded or Failed. A failed init container of a
 * `Never` pod fails the pod. (`ContainerRestartRules` is alpha and off in v1.35.)
 *
 * @param initStatuses - in `spec.initContainers` order; @param statuses - in `spec.containers` order.
 */
export function computePodPhase(
  pod: DeepReadonly<Pod>,
  initStatuses: readonly ContainerStatusView[],
  statuses: readonly ContainerStatusView[],
  podIsTerminal: boolean,
  podHasInitialized: boolean,
): PodPhase {
  const spec = pod.spec;
  const restartPolicy = spec?.restartPolicy ?? 'Always';
  const initContainers = spec?.initContainers ?? [];
  let pendingRestartableInit = 0;
  let pendingRegularInit = 0;
  let failedInitialization = 0;
  let unknown = 0;
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (let i = 0; i < initContainers.length; i++) {
    const c = initContainers[i] as DeepReadonly<Container>;
    const s = initStatuses.find((v) => v.name === c.name);
    if (isRestartableInitContainer(c)) {
      if (s === undefined) {
        unknown++;
        continue;
      }
      switch (s.state.kind) {
        case 'running':
          if (!s.started) pendingRestartableInit++;
          running++;
          break;
        case 'terminated':
          break;
        case 'waiting':
          if (s.lastState === undefined) {
            pendingRestartableInit++;
            waiting++;
          }
          break;
      }
      continue;
    }
    if (s === undefined) {
      pendingRegularInit++;
      continue;
    }
    switch (s.state.kind) {
      case 'running':
        pendingRegularInit++;
        break;
      case 'terminated':
        if (s.state.exitCode !== 0) failedInitialization++;
        break;
      case 'waiting':
        if (s.lastState !== undefined) {
          if (s.lastState.exitCode !== 0) failedInitialization++;
        } else {
          pendingRegularInit++;
        }
        break;
    }
  }
  for (const c of spec?.containers ?? []) {
    const s = statuses.find((v) => v.name === c.name);
    if (s === undefined) {
      unknown++;
      continue;
    }
    switch (s.state.kind) {
      case 'running':
        running++;
        break;
      case 'terminated':
        stopped++;
        if (s.state.exitCode === 0) succeeded++;
        break;
      case 'waiting':
        if (s.lastState !== undefined) stopped++;
        else waiting++;
        break;
    }
  }
  if (failedInitialization > 0 && restartPolicy === 'Never') return 'Failed';
  if (pendingRegularInit > 0 || (pendingRestartableInit > 0 && !podHasInitialized) || waiting > 0) return 'Pending';
  if (running > 0 && unknown === 0) return 'Running';
  if (running === 0 && stopped > 0 && unknown === 0) {
    if (podIsTerminal) return stopped === succeeded ? 'Succeeded' : 'Failed';
    if (restartPolicy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (restartPolicy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

/** A condition before transition times are assigned. */
interface BareCondition {
  readonly type: string;
  readonly status: 'True' | 'False';
  readonly reason?: string | undefined;
  readonly message?: string | undefined;
}

let stampSecond = Number.NaN;
let stampText = '';

/**
 * `formatRfc3339` memoized on the last whole second: every status build stamps several times,
 * mostly within the same second, and formatting a date is the costliest part of a build.
 */
function stamp(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== stampSecond) {
    stampText = formatRfc3339(ms);
    stampSecond = second;
  }
  return stampText;
}

function goList(names: readonly string[]): string {
  return `[${names.join(' ')}]`;
}

/** Adds the container `name` to `unknown` (no status) or `unready` (not ready). */
function sortByReadiness(name: string, all: readonly ContainerStatusView[], unknown: string[], unready: string[]): void {
  const s = all.find((v) => v.name === name);
  if (s === undefined) unknown.push(name);
  else if (!s.ready) unready.push(name);
}

/** Upstream `GenerateContainersReadyCondition` (the message lists unknown, then unready containers). */
function containersReadyCondition(pod: DeepReadonly<Pod>, all: readonly ContainerStatusView[], phase: PodPhase): BareCondition {
  const unknown: string[] = [];
  const unready: string[] = [];
  for (const c of pod.spec?.initContainers ?? []) if (isRestartableInitContainer(c)) sortByReadiness(c.name, all, unknown, unready);
  for (const c of pod.spec?.containers ?? []) sortByReadiness(c.name, all, unknown, unready);
  if (phase === 'Succeeded' && unknown.length === 0) return { type: 'ContainersReady', status: 'False', reason: REASON_POD_COMPLETED };
  if (phase === 'Failed') return { type: 'ContainersReady', status: 'False', reason: REASON_POD_FAILED };
  const parts: string[] = [];
  if (unknown.length > 0) parts.push(`containers with unknown status: ${goList(unknown)}`);
  if (unready.length > 0) parts.push(`containers with unready status: ${goList(unready)}`);
  if (parts.length > 0) return { type: 'ContainersReady', status: 'False', reason: REASON_CONTAINERS_NOT_READY, message: parts.join(', ') };
  return { type: 'ContainersReady', status: 'True' };
}

/** Upstream `GeneratePodReadyCondition`: ContainersReady, then the readiness gates. */
function readyCondition(pod: DeepReadonly<Pod>, containersReady: BareCondition): BareCondition {
  if (containersReady.status !== 'True') {
    return { type: 'Ready', status: containersReady.status, reason: containersReady.reason, message: containersReady.message };
  }
  const unready: string[] = [];
  const conditions = pod.status?.conditions ?? [];
  for (const gate of pod.spec?.readinessGates ?? []) {
    const c = conditions.find((x) => x.type === gate.conditionType);
    if (c === undefined) unready.push(`corresponding condition of pod readiness gate "${gate.conditionType}" does not exist.`);
    else if (c.status !== 'True') unready.push(`the status of pod readiness gate "${gate.conditionType}" is not "True", but ${c.status}`);
  }
  if (unready.length > 0) return { type: 'Ready', status: 'False', reason: REASON_READINESS_GATES_NOT_READY, message: unready.join(', ') };
  return { type: 'Ready', status: 'True' };
}

/** Upstream `GeneratePodInitializedCondition`. */
function initializedCondition(pod: DeepReadonly<Pod>, initStatuses: readonly ContainerStatusView[], phase: PodPhase, podHasInitialized: boolean): BareCondition {
  const unknown: string[] = [];
  const incomplete: string[] = [];
  for (const c of pod.spec?.initContainers ?? []) {
    const s = initStatuses.find((v) => v.name === c.name);
    if (s === undefined) {
      unknown.push(c.name);
      continue;
    }
    const done = isRestartableInitContainer(c) ? s.started : s.ready;
    if (!done) incomplete.push(c.name);
  }
  if (phase === 'Succeeded' && unknown.length === 0) return { type: 'Initialized', status: 'True', reason: REASON_POD_COMPLETED };
  if (podHasInitialized) return { type: 'Initialized', status: 'True' };
  const parts: string[] = [];
  if (unknown.length > 0) parts.push(`containers with unknown status: ${goList(unknown)}`);
  if (incomplete.length > 0) parts.push(`containers with incomplete status: ${goList(incomplete)}`);
  if (parts.length > 0) return { type: 'Initialized', status: 'False', reason: REASON_CONTAINERS_NOT_INITIALIZED, message: parts.join(', ') };
  return { type: 'Initialized', status: 'True' };
}

/** What `buildPodStatus` needs besides the pod. */
export interface PodStatusInput {
  /** The latest API pod (its spec, generation, readiness-gate and foreign conditions). */
  readonly pod: DeepReadonly<Pod>;
  /** Init container statuses in `spec.initContainers` order. */
  readonly initStatuses: readonly ContainerStatusView[];
  /** Regular container statuses in `spec.containers` order (sorted by name on output, as upstream). */
  readonly statuses: readonly ContainerStatusView[];
  /** Whether the pod's sandbox exists with networking (`PodReadyToStartContainers`). */
  readonly sandboxReady: boolean;
  /** Whether the pod is done: its containers will not be restarted whatever the restart policy. */
  readonly podIsTerminal: boolean;
  /** Whether a regular container has ever started (the pod was initialized before). */
  readonly podHasInitialized: boolean;
  readonly hostIP: string;
  /** Absent until the sandbox has an IP. */
  readonly podIP: string | undefined;
  readonly startTimeMs: number;
  /**
   * The status the kubelet computed last for this pod (or, the first time, the API's): condition
   * transition times carry over from it while a condition's status is unchanged.
   */
  readonly previous: DeepReadonly<PodStatus> | undefined;
  readonly nowMs: number;
}

/** How many recently built conditions of each type are kept for sharing. */
const SHARED_PER_TYPE = 4;
/** Recently built conditions by type, most recent first. */
const sharedConditions = new Map<string, PodCondition[]>();

/**
 * The condition with these fields, frozen and shared: the same condition (type, status,
 * transition time, ...) is in the statuses of many pods written within a second, and a shared
 * frozen value is copied by no store write and validated once by the API server (its schema
 * validator memoizes frozen values). Only identities change; the JSON is what a fresh object
 * would be, fields in the same order.
 */
function sharedCondition(type: string, status: 'True' | 'False', generation: number | undefined, lastTransitionTime: string, reason: string | undefined, message: string | undefined): PodCondition {
  let recent = sharedConditions.get(type);
  if (recent === undefined) {
    recent = [];
    sharedConditions.set(type, recent);
  }
  for (const c of recent) {
    if (c.status === status && c.lastTransitionTime === lastTransitionTime && c.observedGeneration === generation && c.reason === reason && c.message === message) return c;
  }
  const cond: PodCondition = { type, status };
  if (generation !== undefined) cond.observedGeneration = generation;
  cond.lastTransitionTime = lastTransitionTime;
  if (reason !== undefined) cond.reason = reason;
  if (message !== undefined) cond.message = message;
  Object.freeze(cond);
  if (recent.length >= SHARED_PER_TYPE) recent.pop();
  recent.unshift(cond);
  return cond;
}

/** Bound on the nodes whose `hostIPs` list is kept for sharing; the table starts over when full. */
const SHARED_HOST_IPS_MAX = 4096;
const sharedHostIPsByIP = new Map<string, NonNullable<PodStatus['hostIPs']>>();

/** `[{ ip }]`, frozen and shared by every pod of the node (see `sharedCondition`). */
function sharedHostIPs(ip: string): NonNullable<PodStatus['hostIPs']> {
  let list = sharedHostIPsByIP.get(ip);
  if (list === undefined) {
    list = Object.freeze([Object.freeze({ ip })]) as unknown as NonNullable<PodStatus['hostIPs']>;
    if (sharedHostIPsByIP.size >= SHARED_HOST_IPS_MAX) sharedHostIPsByIP.clear();
    sharedHostIPsByIP.set(ip, list);
  }
  return list;
}

/** How many recently built container statuses of each container name are kept for sharing. */
const SHARED_STATUSES_PER_NAME = 4;
/** Recently built container statuses by container name, most recent first. */
const sharedStatuses = new Map<string, ContainerStatus[]>();

/**
 * `built`, or an equal container status built before: a container waiting to be created looks the
 * same in every pod of a template. A status is frozen and shared from its second use on (see
 * `sharedCondition`), so one that is never repeated is not frozen for nothing; one with a container
 * ID belongs to one container instance and is not even looked up. Equal statuses were built by the
 * same code, so their keys are in the same order.
 */
function sharedContainerStatus(built: ContainerStatus): ContainerStatus {
  if (built.containerID !== undefined) return built;
  let recent = sharedStatuses.get(built.name);
  if (recent === undefined) {
    recent = [];
    sharedStatuses.set(built.name, recent);
  }
  for (const c of recent) {
    if (c.imageID !== built.imageID || c.image !== built.image || c.ready !== built.ready || c.restartCount !== built.restartCount || !deepEqual(c, built)) continue;
    if (!Object.isFrozen(c)) deepFreeze(c);
    return c;
  }
  if (recent.length >= SHARED_STATUSES_PER_NAME) recent.pop();
  recent.unshift(built);
  return built;
}

/** Freezes a JSON value the kubelet built, and everything in it, in place. */
function deepFreeze(value: object): void {
  for (const v of Object.values(value)) if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) deepFreeze(v as object);
  Object.freeze(value);
}

/**
 * The kubelet-owned conditions with transition times: a condition keeps the previous
 * `lastTransitionTime` while its status is unchanged, and gets `nowMs` when it changes or is new
 * (upstream `updateLastTransitionTime`). The conditions are frozen (see `sharedCondition`).
 */
function stampConditions(bare: readonly BareCondition[], generation: number | undefined, previous: DeepReadonly<PodStatus> | undefined, nowMs: number): PodCondition[] {
  const prev = previous?.conditions ?? [];
  const out: PodCondition[] = [];
  for (const c of bare) {
    let old: DeepReadonly<PodCondition> | undefined;
    for (const p of prev) {
      if (p.type === c.type) {
        old = p;
        break;
      }
    }
    const since = old !== undefined && old.status === c.status && old.lastTransitionTime !== undefined ? old.lastTransitionTime : stamp(nowMs);
    out.push(sharedCondition(c.type, c.status, generation, since, c.reason, c.message));
  }
  return out;
}

/**
 * The pod status the kubelet writes (upstream `generateAPIPodStatus` followed by the status
 * manager's merge): conditions not owned by the kubelet come first, as the API has them, then
 * `PodReadyToStartContainers`, `Initialized`, `Ready`, `ContainersReady`, `PodScheduled`.
 * `resourceClaimStatuses` and `extendedResourceClaimStatus` are kept from the API (the kubelet does
 * not own them); the start time never changes once set.
 *
 * The status shares its conditions, `hostIPs` and container statuses with other statuses built
 * here (see `sharedCondition`): it must be read, never modified.
 */
export function buildPodStatus(input: PodStatusInput): DeepReadonly<PodStatus> {
  const { pod, initStatuses, statuses } = input;
  const phase = computePodPhase(pod, initStatuses, statuses, input.podIsTerminal, input.podHasInitialized);
  const all = initStatuses.length === 0 ? statuses : [...initStatuses, ...statuses];
  const containersReady = containersReadyCondition(pod, all, phase);
  const ready = readyCondition(pod, containersReady);
  const bare: BareCondition[] = [
    { type: 'PodReadyToStartContainers', status: input.sandboxReady ? 'True' : 'False' },
    initializedCondition(pod, initStatuses, phase, input.podHasInitialized),
    ready,
    containersReady,
    { type: 'PodScheduled', status: 'True' },
  ];
  const generation = typeof pod.metadata?.generation === 'number' ? pod.metadata.generation : undefined;
  const conditions: PodCondition[] = [];
  for (const c of pod.status?.conditions ?? []) if (!KUBELET_CONDITION_TYPES.has(c.type)) conditions.push(c as PodCondition);
  conditions.push(...stampConditions(bare, generation, input.previous ?? pod.status, input.nowMs));

  const status: PodStatus = { phase, conditions, hostIP: input.hostIP, hostIPs: sharedHostIPs(input.hostIP) };
  if (input.podIP !== undefined) {
    status.podIP = input.podIP;
    status.podIPs = [{ ip: input.podIP }];
  }
  status.startTime = input.previous?.startTime ?? pod.status?.startTime ?? stamp(input.startTimeMs);
  if (initStatuses.length > 0) status.initContainerStatuses = initStatuses.map((v) => sharedContainerStatus(toApiContainerStatus(v)));
  status.containerStatuses = [...statuses].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((v) => sharedContainerStatus(toApiContainerStatus(v)));
  status.qosClass = pod.status?.qosClass ?? podQosClass(pod);
  const claims = pod.status?.resourceClaimStatuses;
  if (claims !== undefined) status.resourceClaimStatuses = claims as NonNullable<PodStatus['resourceClaimStatuses']>;
  const extended = (pod.status as { readonly extendedResourceClaimStatus?: unknown } | undefined)?.extendedResourceClaimStatus;
  if (extended !== undefined) (status as Record<string, unknown>).extendedResourceClaimStatus = extended;
  if (generation !== undefined) status.observedGeneration = generation;
  return status;
}

/**
 * The status of a pod the kubelet rejected at admission (upstream `rejectPod`): `Failed` with the
 * admission reason and `Pod was rejected: <message>`, the QoS class, a start time, and the
 * conditions the kubelet does not own (the status manager's merge drops its own, absent here).
 */
export function buildRejectedPodStatus(pod: DeepReadonly<Pod>, reason: string, message: string, nowMs: number): PodStatus {
  const conditions: PodCondition[] = [];
  for (const c of pod.status?.conditions ?? []) if (!KUBELET_CONDITION_TYPES.has(c.type)) conditions.push(c as PodCondition);
  const status: PodStatus = { phase: 'Failed' };
  if (conditions.length > 0) status.conditions = conditions;
  status.message = message;
  status.reason = reason;
  status.startTime = pod.status?.startTime ?? formatRfc3339(nowMs);
  status.qosClass = pod.status?.qosClass ?? podQosClass(pod);
  if (typeof pod.metadata?.generation === 'number') status.observedGeneration = pod.metadata.generation;
  return status;
}
