/**
 * The kubelet's bookkeeping for one pod and its containers: what the container runtime is doing
 * (the truth, with absolute virtual times) and what the kubelet has observed of it (what the
 * status shows). Keeping absolute times lets a stopped kubelet catch up on restart simply by
 * observing everything due by then, and lets each pod need at most one pending timer.
 *
 * Upstream counterparts: the pod worker's view (`pkg/kubelet/pod_workers.go`), the runtime cache
 * the PLEG relists into (`pkg/kubelet/pleg/generic.go`), the probe workers
 * (`pkg/kubelet/prober/worker.go`).
 */
import type { IProbe } from 'kubernetes-models/v1/Probe';
import type { Container, DeepReadonly, Pod, PodStatus } from '../api/types.js';
import type { ReadonlyResourceVector } from '../api/pod-resources.js';
import type { EventHandle } from '../sim/event-queue.js';
import {
  REASON_CONTAINER_CREATING,
  REASON_CRASH_LOOP_BACK_OFF,
  REASON_POD_INITIALIZING,
  type ContainerStateView,
  type ContainerStatusView,
  type TerminatedView,
} from './pod-status.js';

/** The three kinds of containers a pod runs. */
export type ContainerKind = 'init' | 'sidecar' | 'regular';

/**
 * Where the current container instance is in the runtime: not created, created and starting
 * (running from `startAtMs`), running (until `exitAtMs`), or exited.
 */
export type InstancePhase = 'none' | 'starting' | 'running' | 'exited';

/** One container of a pod. Times are virtual milliseconds; `Infinity` means "never". */
export interface ContainerRecord {
  readonly name: string;
  readonly kind: ContainerKind;
  readonly spec: DeepReadonly<Container>;
  /** The back-off key (upstream `getStableKey`: the pod's uid and the container's name). */
  readonly backoffKey: string;
  // --- the runtime's truth about the current instance
  instance: InstancePhase;
  /** Instances created so far (the restart count is this minus one once the newest is observed). */
  instances: number;
  startAtMs: number;
  exitAtMs: number;
  exitCode: number;
  /** The terminated reason of the current instance (`Completed`, `Error`, `Unknown`). */
  exitReason: string;
  containerID: string | undefined;
  /** The status image and image ID of the current instance. */
  image: string;
  imageID: string;
  // --- the kubelet's observations
  /** The current instance has been observed (running or exited) by the PLEG. */
  observedInstance: number;
  /** When the startup probe succeeds for the current instance (`Infinity`: not yet known). */
  startedAtMsProbe: number;
  /** When the readiness probe succeeds for the current instance (`Infinity`: not yet known). */
  readyAtMs: number;
  started: boolean;
  ready: boolean;
  /** The instance whose exit has been observed (its terminated view recorded). */
  lastTerminatedInstance: number;
  /** The most recent and the previous terminated instances, as the status shows them. */
  lastTerminated: TerminatedView | undefined;
  prevTerminated: TerminatedView | undefined;
  /** When the CrashLoopBackOff of the exited instance ends (`Infinity`: not waiting). */
  restartAtMs: number;
  /** The waiting reason and message while the container cannot be created (ErrImageNeverPull, CrashLoopBackOff). */
  waiting: { readonly reason: string; readonly message: string } | undefined;
  /** For init containers and sidecars: done for the current sandbox (exited 0, or started). */
  initDone: boolean;
}

/** Where a pod is in the kubelet's life cycle. */
export type PodLifecycle =
  /** Rejected at admission, or already terminal when first seen: the kubelet runs nothing. */
  | 'inactive'
  /** Admitted: containers are being started, run, or restarted. */
  | 'active'
  /** Containers are being stopped (deletion, completion, failure). */
  | 'terminating'
  /** Every container has stopped and the final status is written. */
  | 'terminated';

/** One pod the kubelet knows. */
export interface PodRecord {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  /** `namespace/name`. */
  readonly key: string;
  /** The latest pod object seen (informer or API). */
  pod: DeepReadonly<Pod>;
  lifecycle: PodLifecycle;
  /** The pod's effective requests while it is accounted on the node. */
  readonly requests: ReadonlyResourceVector;
  /** Whether its requests, pod slot and host ports count against the node. */
  accounted: boolean;
  readonly initContainers: ContainerRecord[];
  readonly containers: ContainerRecord[];
  /** The init containers, then the containers. */
  readonly allContainers: readonly ContainerRecord[];
  admittedAtMs: number;
  /** When the probe workers started (at admission, or at the kubelet's restart). */
  probeWorkersStartMs: number;
  /** Whether a sandbox exists (created or being created) and when it is ready. */
  sandboxCreated: boolean;
  sandboxReadyAtMs: number;
  /** Sandboxes created so far; more than one means the pod's sandbox was recreated. */
  sandboxes: number;
  /** Whether a container of the current sandbox has been seen (the PLEG saw the sandbox ready). */
  sandboxSeen: boolean;
  podIP: string | undefined;
  /** Whether a regular container has been seen started for the current sandbox. */
  initDone: boolean;
  /** Whether a regular container has ever been seen started. */
  podHasInitialized: boolean;
  /** When the containers being stopped will all have exited. */
  stopDoneAtMs: number;
  /** Why the pod is terminating: deletion, or the pod reached a terminal state. */
  terminationCause: 'deletion' | 'completion' | undefined;
  /** The status last written (or, before the first write, undefined). */
  lastSent: DeepReadonly<PodStatus> | undefined;
  /** The status must be written again (a write failed). */
  statusDirty: boolean;
  /** The pod must be deleted from the API (terminal and marked for deletion), and has not been yet. */
  deletePending: boolean;
  /** The final deletion has been accepted by the API server. */
  deleteSent: boolean;
  /** The pending wake-up timer and its time. */
  wake: EventHandle | undefined;
  wakeAtMs: number;
}

/** `namespace/name(uid)` as the kubelet's `format.Pod` prints it: `web-1_default(uid)`. */
export function formatPod(rec: Pick<PodRecord, 'name' | 'namespace' | 'uid'>): string {
  return `${rec.name}_${rec.namespace}(${rec.uid})`;
}

/** A fresh record for a container of `kind`. */
export function newContainerRecord(podUid: string, spec: DeepReadonly<Container>, kind: ContainerKind): ContainerRecord {
  return {
    name: spec.name,
    kind,
    spec,
    backoffKey: `${podUid}/${spec.name}`,
    instance: 'none',
    instances: 0,
    startAtMs: Number.POSITIVE_INFINITY,
    exitAtMs: Number.POSITIVE_INFINITY,
    exitCode: 0,
    exitReason: '',
    containerID: undefined,
    image: spec.image ?? '',
    imageID: '',
    observedInstance: 0,
    startedAtMsProbe: Number.POSITIVE_INFINITY,
    readyAtMs: Number.POSITIVE_INFINITY,
    started: false,
    ready: false,
    lastTerminatedInstance: 0,
    lastTerminated: undefined,
    prevTerminated: undefined,
    restartAtMs: Number.POSITIVE_INFINITY,
    waiting: undefined,
    initDone: false,
  };
}

/** The terminated view of a container's current (exited) instance. */
export function terminatedViewOf(c: ContainerRecord): TerminatedView {
  return {
    kind: 'terminated',
    exitCode: c.exitCode,
    reason: c.exitReason,
    startedAtMs: c.startAtMs,
    finishedAtMs: c.exitAtMs,
    containerID: c.containerID,
  };
}

/**
 * The status view of a container: its observed state, the previous termination, the image of
 * the current instance once observed, readiness and the restart count.
 */
export function containerStatusView(c: ContainerRecord, hasInitContainers: boolean): ContainerStatusView {
  let state: ContainerStateView;
  let lastState: TerminatedView | undefined;
  const observedCurrent = c.observedInstance === c.instances && c.instances > 0;
  if (c.waiting !== undefined) {
    state = { kind: 'waiting', reason: c.waiting.reason, message: c.waiting.message };
    lastState = c.lastTerminated;
  } else if (observedCurrent && c.instance === 'running') {
    state = { kind: 'running', startedAtMs: c.startAtMs };
    lastState = c.lastTerminated;
  } else if (c.lastTerminated !== undefined) {
    // Exited (the newest instance, or the previous one while its restart is not yet observed).
    state = c.lastTerminated;
    lastState = c.prevTerminated;
  } else {
    state = { kind: 'waiting', reason: hasInitContainers ? REASON_POD_INITIALIZING : REASON_CONTAINER_CREATING };
    lastState = undefined;
  }
  const everObserved = c.observedInstance > 0;
  return {
    name: c.name,
    image: everObserved ? c.image : (c.spec.image ?? ''),
    imageID: everObserved ? c.imageID : '',
    containerID: everObserved ? c.containerID : undefined,
    state,
    lastState,
    ready: c.ready,
    started: c.started,
    restartCount: Math.max(0, c.observedInstance - 1),
  };
}

/** Whether the container is waiting in CrashLoopBackOff. */
export function inCrashLoopBackOff(c: ContainerRecord): boolean {
  return c.waiting?.reason === REASON_CRASH_LOOP_BACK_OFF;
}

/** The first tick of a probe ticker started at `startMs` with `periodMs` that is at or after `atLeastMs`. */
export function firstTickAtOrAfter(startMs: number, periodMs: number, atLeastMs: number): number {
  if (atLeastMs <= startMs) return startMs;
  return startMs + Math.ceil((atLeastMs - startMs) / periodMs) * periodMs;
}

interface ProbeTiming {
  readonly initialDelayMs: number;
  readonly periodMs: number;
  readonly successThreshold: number;
}

/** A probe's timing with upstream's defaults (initial delay 0, period 10 s, success threshold 1). */
export function probeTiming(probe: DeepReadonly<IProbe>): ProbeTiming {
  const period = probe.periodSeconds !== undefined && probe.periodSeconds > 0 ? probe.periodSeconds : 10;
  const threshold = probe.successThreshold !== undefined && probe.successThreshold > 0 ? probe.successThreshold : 1;
  return { initialDelayMs: Math.max(0, probe.initialDelaySeconds ?? 0) * 1000, periodMs: period * 1000, successThreshold: threshold };
}

/**
 * When a probe that always succeeds first reports success for a container that started running
 * at `startedAtMs`, was observed at `observedAtMs`, and may be probed from `earliestMs` on (the
 * startup probe's success, for readiness). The probe worker ticks from `workersStartMs` every
 * period; the kubelet also triggers a probe as soon as it sees the container, which succeeds
 * when no initial delay is pending (upstream `worker.doProbe` skips while
 * `seconds since start < initialDelaySeconds`). With a success threshold above one, each further
 * success takes one more period.
 */
export function probeSuccessAtMs(probe: DeepReadonly<IProbe>, workersStartMs: number, startedAtMs: number, observedAtMs: number, earliestMs: number): number {
  const t = probeTiming(probe);
  const eligible = Math.max(startedAtMs + t.initialDelayMs, earliestMs, observedAtMs);
  const first = t.initialDelayMs === 0 ? eligible : firstTickAtOrAfter(workersStartMs, t.periodMs, eligible);
  return first + (t.successThreshold - 1) * t.periodMs;
}
