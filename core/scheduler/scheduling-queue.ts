/**
 * The scheduling queue: a deterministic, virtual-time model of kube-scheduler v1.35's
 * `PriorityQueue` (`pkg/scheduler/backend/queue/scheduling_queue.go`, `active_queue.go`,
 * `backoff_queue.go`, `unschedulable_pods.go`, `nominator.go`).
 *
 * A pending pod is in exactly one of these places:
 * - **activeQ**: a heap ordered by the scheduler's QueueSort `less` (default PrioritySort: higher
 *   priority first, then earlier timestamp), with the insertion sequence number as the last
 *   tie-breaker so the order is total;
 * - **backoffQ**: two heaps ordered by backoff expiry. `podBackoffQ` holds pods rejected by plugins,
 *   `podErrorBackoffQ` pods that failed with an error (no rejector plugins). With
 *   `SchedulerPopFromBackoffQ` (on by default) expiries are truncated to 1-second windows and pods in
 *   the same window of `podBackoffQ` are ordered like activeQ; `pop()` takes the head of
 *   `podBackoffQ` when activeQ is empty;
 * - **unschedulablePods**: a map keyed by pod uid, iterated in insertion order (every insertion
 *   happens at a deterministic point of the simulation, so the order is reproducible). Gated pods
 *   (a PreEnqueue plugin said no) live here with `gated: true`;
 * - **in flight**: popped and not yet handed back (`addUnschedulableIfNotPresent`) or finished
 *   (`done`). Cluster events that arrive while any pod is in flight are recorded, so a pod that fails
 *   can be requeued at once if an event during its cycle may have made it schedulable.
 *
 * Time is virtual: every operation reads the injected clock, nothing schedules timers. The owner
 * (the scheduler actor) calls `flushBackoffQCompleted()` every second (at whole seconds, as upstream
 * aligns that ticker to the ordering window) and `flushUnschedulablePodsLeftover()` every 30 s, and
 * can use `nextWakeupMs()` to skip ticks that would do nothing. Everything is synchronous and every
 * ordering is total, so the same calls produce the same queue states.
 *
 * QueueingHints are GA in v1.35, so the queue always uses them (the pre-hint `isPodUpdated` and
 * `moveRequestCycle` fallbacks are not modelled). Plugin code (PreEnqueue, QueueSort, queueing
 * hints) runs inside wrappers: a plugin that throws or returns something outside its contract is
 * reported as a `PluginError` naming the plugin and the extension point, and the queue carries on
 * with upstream's fallback for that case.
 */
import { sameLabelMaps } from '../api/labels.js';
import type { DeepReadonly, KubeObject, Pod } from '../api/types.js';
import { ConfigError, ModelBug, PluginError } from '../errors.js';
import type { Clock } from '../sim/clock.js';
import { ActionType, eventMatches, type ClusterEvent, type ClusterEventWithHint, type QueueingHint } from './cluster-event.js';
import { KeyedHeap } from './heap.js';
import type { PodInfo } from './node-info.js';
import type { PodNominator, QueuedPodInfo, SchedulerPluginInstance } from './plugin.js';
import { Status, isStatusValue, statusMessage, type StatusCode, type StatusLike } from './status.js';

/** Upstream `DefaultPodInitialBackoffDuration`: 1 s. */
export const DEFAULT_POD_INITIAL_BACKOFF_MS = 1_000;
/** Upstream `DefaultPodMaxBackoffDuration`: 10 s. */
export const DEFAULT_POD_MAX_BACKOFF_MS = 10_000;
/** Upstream `DefaultPodMaxInUnschedulablePodsDuration`: 5 min. */
export const DEFAULT_POD_MAX_IN_UNSCHEDULABLE_PODS_DURATION_MS = 5 * 60_000;
/**
 * Upstream `backoffQOrderingWindowDuration` (1 s), which is also the period of the backoffQ flush:
 * upstream aligns that ticker to whole windows so a whole window is flushed at once.
 */
export const BACKOFF_FLUSH_INTERVAL_MS = 1_000;
/** Period of `flushUnschedulablePodsLeftover` (upstream `PriorityQueue.Run`: 30 s). */
export const UNSCHEDULABLE_FLUSH_INTERVAL_MS = 30_000;
/** The scheduler name a pod without `spec.schedulerName` gets (the API server's default). */
export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

/** Upstream's special event labels (`pkg/scheduler/framework/events.go`), used in metrics. */
export const QueueEventLabels = Object.freeze({
  ScheduleAttemptFailure: 'ScheduleAttemptFailure',
  BackoffComplete: 'BackoffComplete',
  PopFromBackoffQ: 'PopFromBackoffQ',
  ForceActivate: 'ForceActivate',
  UnschedulableTimeout: 'UnschedulableTimeout',
} as const);

function frozenEvent(resource: ClusterEvent['resource'], actionType: number, label: string): ClusterEvent {
  return Object.freeze({ resource, actionType, label });
}

/** Upstream `EventAssignedPodAdd`: a bound pod appeared. */
export const EventAssignedPodAdd = frozenEvent('AssignedPod', ActionType.Add, 'AssignedPodAdd');
/** Upstream `EventAssignedPodUpdate`: a bound pod changed (any update bit). */
export const EventAssignedPodUpdate = frozenEvent('AssignedPod', ActionType.Update, 'AssignedPodUpdate');
/** Upstream `EventAssignedPodDelete`: a bound pod went away. */
export const EventAssignedPodDelete = frozenEvent('AssignedPod', ActionType.Delete, 'AssignedPodDelete');
/** Upstream `EventUnscheduledPodAdd`: a pending pod was created (label used for queue metrics). */
export const EventUnscheduledPodAdd = frozenEvent('UnscheduledPod', ActionType.Add, 'UnscheduledPodAdd');
/** Upstream `EventUnscheduledPodUpdate`: a pending pod changed. */
export const EventUnscheduledPodUpdate = frozenEvent('UnscheduledPod', ActionType.Update, 'UnscheduledPodUpdate');
/** Upstream `EventUnscheduledPodDelete`: a pending pod was deleted. */
export const EventUnscheduledPodDelete = frozenEvent('UnscheduledPod', ActionType.Delete, 'UnscheduledPodDelete');
/** Upstream `EventUnschedulableTimeout`: the wildcard event of the 5-minute leftover flush. */
export const EventUnschedulableTimeout = frozenEvent('*', ActionType.All, QueueEventLabels.UnschedulableTimeout);
/** Upstream `EventForceActivate`: the wildcard event `activate` records for in-flight pods. */
export const EventForceActivate = frozenEvent('*', ActionType.All, QueueEventLabels.ForceActivate);

/** Where a requeued pod went (upstream's queue names). */
export type QueueName = 'activeQ' | 'backoffQ' | 'unschedulablePods';

/** Where a pod known to the queue is now, with the backoff sub-queue spelled out. */
export type QueuedPodLocation = 'activeQ' | 'podBackoffQ' | 'podErrorBackoffQ' | 'unschedulablePods' | 'inFlight';

/** Upstream `queueingStrategy`: what a cluster event means for an unschedulable pod. */
export type QueueingStrategy = 'QueueSkip' | 'QueueAfterBackoff' | 'QueueImmediately';

/** A PreEnqueue plugin as the queue runs it: its name and its `preEnqueue` method. */
export interface PreEnqueuePluginEntry {
  readonly name: string;
  preEnqueue(pod: DeepReadonly<Pod>): StatusLike;
}

/**
 * What the queue needs from one scheduler profile (upstream `preEnqueuePluginMap[profile]` and
 * `queueingHintMap[profile]`). Build it with `buildQueueProfile` or by hand.
 */
export interface QueueProfile {
  /** The enabled PreEnqueue plugins, in configured order. */
  readonly preEnqueuePlugins?: readonly PreEnqueuePluginEntry[];
  /**
   * Per plugin, the events it registered (`EventsToRegister`). Only plugins that can reject a pod
   * (PreEnqueue, PreFilter, Filter, Reserve, Permit) matter. Iteration order is the order in which
   * hints are evaluated, so keep it deterministic (configured plugin order).
   */
  readonly eventHints?: ReadonlyMap<string, readonly ClusterEventWithHint[]>;
}

/** The scheduler's QueueSort plugin (exactly one per scheduler, shared by all profiles). */
export interface QueueSort {
  readonly name: string;
  less(a: QueuedPodInfo, b: QueuedPodInfo): boolean;
}

/** Upstream `NominatingInfo`: `Override` sets the given node, `Noop` uses `status.nominatedNodeName`. */
export interface NominatingInfo {
  readonly mode: 'Override' | 'Noop';
  readonly nominatedNodeName?: string;
}

/** Options of `SchedulingQueue`. Durations are integer milliseconds of virtual time. */
export interface SchedulingQueueOptions {
  /** The virtual clock; every operation reads the current time from it. */
  readonly clock: Clock;
  /** Builds the `PodInfo` of a pod (upstream `NewPodInfo`); called on add and on every pod update. */
  readonly makePodInfo: (pod: DeepReadonly<Pod>) => PodInfo;
  /** The QueueSort plugin; default `PrioritySort`. */
  readonly queueSort?: QueueSort;
  /** Profiles keyed by scheduler name; a pod uses the profile of its `spec.schedulerName`. */
  readonly profiles?: ReadonlyMap<string, QueueProfile>;
  /** `podInitialBackoffSeconds` in ms (default 1000). */
  readonly podInitialBackoffMs?: number;
  /** `podMaxBackoffSeconds` in ms (default 10000). 0 disables backoff. */
  readonly podMaxBackoffMs?: number;
  /** Upstream `podMaxInUnschedulablePodsDuration` (default 5 min). */
  readonly podMaxInUnschedulablePodsDurationMs?: number;
  /** The `SchedulerPopFromBackoffQ` feature gate (default on, as in v1.35). */
  readonly popFromBackoffQ?: boolean;
  /**
   * Phase of the 30-second leftover-flush ticker, for `nextLeftoverFlushMs` (ticks at
   * `phase + k * 30 s`; default 0).
   */
  readonly leftoverFlushPhaseMs?: number;
  /**
   * The events a pod update produces (upstream `PodSchedulingPropertiesChange`); default
   * `podSchedulingPropertiesChange` without scale-down detection.
   */
  readonly podUpdateEvents?: (oldPod: DeepReadonly<Pod>, newPod: DeepReadonly<Pod>) => readonly ClusterEvent[];
  /**
   * Whether a required pod-affinity term of the pending pod matches `assignedPod` (upstream
   * `RequiredAffinityTerms[i].Matches(pod, nsLabels)`), used by `assignedPodAdded/Updated` to pick
   * candidates. Default: true for every pending pod with a required pod-affinity term (a superset,
   * so hints still decide; supply the exact matcher for upstream fidelity).
   */
  readonly podAffinityMatches?: (pending: QueuedPodInfo, assignedPod: DeepReadonly<Pod>) => boolean;
  /**
   * The informer's current version of a pod, for the nominator's check that a pod to nominate still
   * exists and is not bound (upstream `podLister`). Absent: no check.
   */
  readonly lookupPod?: (pod: DeepReadonly<Pod>) => DeepReadonly<Pod> | undefined;
  /**
   * Receives every `PluginError` the queue catches. Absent: the first 1000 are kept and readable with
   * `pluginErrors()`.
   */
  readonly onPluginError?: (error: PluginError) => void;
}

/** What went wrong in a scheduling attempt, as `addUnschedulableIfNotPresent` needs it. */
export interface SchedulingFailure {
  /**
   * The cycle's status code. `Error` means an internal error: rejector plugins are ignored and the
   * pod goes through error backoff. The rejection codes use the plugin sets below.
   */
  readonly code: StatusCode;
  /** Plugins that returned Unschedulable or UnschedulableAndUnresolvable (`Diagnosis.UnschedulablePlugins`). */
  readonly unschedulablePlugins?: Iterable<string>;
  /** Plugins that returned Pending (`Diagnosis.PendingPlugins`). */
  readonly pendingPlugins?: Iterable<string>;
  /**
   * The informer's current version of the pod. Absent: the latest version seen by `update` while the
   * pod was in flight, else the popped one.
   */
  readonly pod?: DeepReadonly<Pod>;
}

/** Outcome of `addUnschedulableIfNotPresent`. */
export type RequeueResult =
  | { readonly ok: true; readonly queue: QueueName; readonly strategy: QueueingStrategy }
  | { readonly ok: false; readonly reason: 'already-queued' | 'unknown-pod' | 'deleted' | 'assigned'; readonly message: string };

/** A frozen view of a queued pod, with the queue's bookkeeping (for reports and explain output). */
export interface QueuedPodSnapshot extends QueuedPodInfo {
  readonly uid: string;
  readonly location: QueuedPodLocation;
  /** Consecutive failures with rejector plugins (upstream `UnschedulableCount`). */
  readonly unschedulableCount: number;
  /** Consecutive failures without rejector plugins (upstream `ConsecutiveErrorsCount`). */
  readonly consecutiveErrorsCount: number;
  /** The PreEnqueue plugin that gates the pod, if gated. */
  readonly gatingPlugin?: string;
  /** The PreEnqueue status that gated the pod, if gated. */
  readonly gatingStatus?: Status;
  /** When the pod's backoff ends (window-aligned), if it has one. */
  readonly backoffExpiryMs?: number;
}

/** Upstream `PendingPods`: every pending pod, per queue, in a deterministic order. */
export interface PendingPodsReport {
  /** In pop order. */
  readonly activeQ: readonly QueuedPodSnapshot[];
  /** `podBackoffQ` in expiry order, then `podErrorBackoffQ` in expiry order. */
  readonly backoffQ: readonly QueuedPodSnapshot[];
  /** In insertion order. */
  readonly unschedulablePods: readonly QueuedPodSnapshot[];
  /** In pop order. */
  readonly inFlight: readonly QueuedPodSnapshot[];
  /** Upstream's summary string: `activeQ:N; backoffQ:N; unschedulablePods:N`. */
  readonly summary: string;
}

/** Counters for reports; keys of every record are sorted. */
export interface SchedulingQueueMetrics {
  /** Upstream `SchedulingCycle()`: pods popped so far. */
  readonly schedulingCycle: number;
  /** Pops taken from podBackoffQ because activeQ was empty. */
  readonly popsFromBackoffQ: number;
  /** Upstream `scheduler_queue_incoming_pods_total`, by queue (`active`, `backoff`, `unschedulable`) then event label. */
  readonly incomingPods: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Queueing hint outcomes; `error` counts hints that threw or returned garbage (treated as Queue). */
  readonly queueingHints: { readonly queue: number; readonly queueSkip: number; readonly error: number };
  /** Times each PreEnqueue plugin gated a pod. */
  readonly preEnqueueRejections: Readonly<Record<string, number>>;
  /** Plugin errors caught by the queue. */
  readonly pluginErrors: number;
  /** Events currently recorded for in-flight pods. */
  readonly inFlightEvents: number;
}

/** Sizes of the sub-queues. */
export interface QueueLengths {
  readonly activeQ: number;
  readonly podBackoffQ: number;
  readonly podErrorBackoffQ: number;
  readonly unschedulablePods: number;
  /** Of `unschedulablePods`, how many are gated. */
  readonly gated: number;
  readonly inFlight: number;
}

/** The priority of a pod as PrioritySort reads it (`corev1helpers.PodPriority`: nil ⇒ 0). */
export function podPriority(pod: DeepReadonly<Pod>): number {
  return pod.spec?.priority ?? 0;
}

/**
 * The default QueueSort plugin, `PrioritySort`
 * (`pkg/scheduler/framework/plugins/queuesort/priority_sort.go`): higher priority first, then the
 * earlier queue timestamp.
 */
export const PrioritySort: QueueSort = Object.freeze({
  name: 'PrioritySort',
  less(a: QueuedPodInfo, b: QueuedPodInfo): boolean {
    const pa = podPriority(a.pod);
    const pb = podPriority(b.pod);
    return pa > pb || (pa === pb && a.timestampMs < b.timestampMs);
  },
});

/** Whether `event` is upstream's wildcard event (resource `*`, every action). */
export function isWildCardEvent(event: ClusterEvent): boolean {
  return event.resource === '*' && event.actionType === ActionType.All;
}

const ACTION_NAMES: readonly (readonly [string, number])[] = Object.entries(ActionType).filter(
  ([name]) => name !== 'All' && name !== 'Update',
);

/** The name of a set of action bits, as upstream's `ActionType.String()` prints it. */
export function actionTypeName(actionType: number): string {
  if (actionType === ActionType.All) return 'All';
  if (actionType === ActionType.Update) return 'Update';
  const names = ACTION_NAMES.filter(([, bit]) => (actionType & bit) !== 0).map(([name]) => name);
  return names.length === 0 ? 'None' : names.join('|');
}

/** Upstream `ClusterEvent.Label()`: the custom label, else resource + action name. */
export function eventLabel(event: ClusterEvent): string {
  if (event.label !== undefined && event.label !== '') return event.label;
  return `${event.resource === '*' ? 'WildCard' : event.resource}${actionTypeName(event.actionType)}`;
}

/** Options of `podSchedulingPropertiesChange`. */
export interface PodChangeOptions {
  /**
   * Whether some resource request of the pod went down or was removed (upstream
   * `extractPodScaleDown`, which needs the pod-requests helper). Absent: never reported; the general
   * Update event then still reaches plugins registered for `UpdatePodScaleDown`.
   */
  readonly requestsScaledDown?: (newPod: DeepReadonly<Pod>, oldPod: DeepReadonly<Pod>) => boolean;
}

/**
 * The events an update of a pod produces (upstream `PodSchedulingPropertiesChange` in
 * `pkg/scheduler/framework/events.go`): one event per changed scheduling property (labels, request
 * scale-down, scheduling gates all removed, tolerations added, generated resource claims), on
 * resource `AssignedPod` if the new pod is bound, else `UnscheduledPod`. If no specific property
 * changed, a single general `Update` event (every update bit) is returned.
 */
export function podSchedulingPropertiesChange(
  newPod: DeepReadonly<Pod>,
  oldPod: DeepReadonly<Pod>,
  options: PodChangeOptions = {},
): ClusterEvent[] {
  const resource: ClusterEvent['resource'] = newPod.spec?.nodeName ? 'AssignedPod' : 'UnscheduledPod';
  const bits: number[] = [];
  if (!sameLabelMaps(newPod.metadata?.labels, oldPod.metadata?.labels)) bits.push(ActionType.UpdatePodLabel);
  if (options.requestsScaledDown?.(newPod, oldPod) === true) bits.push(ActionType.UpdatePodScaleDown);
  if ((newPod.spec?.schedulingGates?.length ?? 0) === 0 && (oldPod.spec?.schedulingGates?.length ?? 0) !== 0) {
    bits.push(ActionType.UpdatePodSchedulingGatesEliminated);
  }
  // The API only allows adding tolerations, so a change of length is a change of content.
  if ((newPod.spec?.tolerations?.length ?? 0) !== (oldPod.spec?.tolerations?.length ?? 0)) bits.push(ActionType.UpdatePodToleration);
  const claimsNew = newPod.status as { resourceClaimStatuses?: unknown; extendedResourceClaimStatus?: unknown } | undefined;
  const claimsOld = oldPod.status as { resourceClaimStatuses?: unknown; extendedResourceClaimStatus?: unknown } | undefined;
  // The same value (most often: none on either side) needs no serializing.
  const claimsA = claimsNew?.resourceClaimStatuses;
  const claimsB = claimsOld?.resourceClaimStatuses;
  const extendedA = claimsNew?.extendedResourceClaimStatus;
  const extendedB = claimsOld?.extendedResourceClaimStatus;
  if (
    (claimsA !== claimsB && stableJson(claimsA ?? []) !== stableJson(claimsB ?? [])) ||
    (extendedA !== extendedB && stableJson(extendedA ?? null) !== stableJson(extendedB ?? null))
  ) {
    bits.push(ActionType.UpdatePodGeneratedResourceClaim);
  }
  if (bits.length === 0) bits.push(ActionType.Update);
  return bits.map((actionType) => {
    const event: ClusterEvent = { resource, actionType };
    return { ...event, label: eventLabel(event) };
  });
}

/** JSON with object keys sorted, so that two structurally equal values compare equal as strings. */
function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'undefined';
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableJson(obj[k])}`).join(',')}}`;
}

/** A plugin as `buildQueueProfile` takes it. */
export interface NamedPluginInstance {
  readonly name: string;
  readonly instance: SchedulerPluginInstance;
}

const WILDCARD_REGISTRATION: ClusterEventWithHint = Object.freeze({ event: frozenEvent('*', ActionType.All, 'WildCard') });

/**
 * Builds a profile's queue view the way upstream's framework runtime does
 * (`pkg/scheduler/framework/runtime/framework.go`, `buildQueueingHintMap` in `scheduler.go`):
 * - `preEnqueue`: the enabled PreEnqueue plugins in configured order;
 * - `rejecting`: every plugin enabled at PreEnqueue, PreFilter, Filter, Reserve or Permit (duplicates
 *   by name are ignored). A plugin without `eventsToRegister` is registered for every event (upstream
 *   `defaultEnqueueExtension`); a plugin that registers nothing is left out, so pods it rejects move
 *   only by their own updates, the leftover flush and `activate`. A plugin that registers a Node add
 *   but no Node taint update also gets the taint update (upstream's workaround for the preCheck of
 *   node events, issue 109437).
 *
 * Throws `PluginError` (extension point `eventsToRegister`) if a plugin's `eventsToRegister` throws or
 * returns something that is not an array of registrations: this runs when the scheduler is built,
 * where a bad plugin must stop the run with a clear message.
 */
export function buildQueueProfile(input: {
  readonly preEnqueue: readonly NamedPluginInstance[];
  readonly rejecting: readonly NamedPluginInstance[];
}): QueueProfile {
  const preEnqueuePlugins: PreEnqueuePluginEntry[] = [];
  for (const p of input.preEnqueue) {
    const fn = p.instance.preEnqueue;
    if (typeof fn !== 'function') throw new PluginError(p.name, 'preEnqueue', 'the plugin does not implement preEnqueue');
    const instance = p.instance;
    preEnqueuePlugins.push(Object.freeze({ name: p.name, preEnqueue: (pod: DeepReadonly<Pod>) => fn.call(instance, pod) }));
  }
  const eventHints = new Map<string, readonly ClusterEventWithHint[]>();
  for (const p of input.rejecting) {
    if (eventHints.has(p.name)) continue;
    let registrations: readonly ClusterEventWithHint[];
    if (typeof p.instance.eventsToRegister !== 'function') {
      registrations = [WILDCARD_REGISTRATION];
    } else {
      let raw: unknown;
      try {
        raw = p.instance.eventsToRegister();
      } catch (err) {
        throw new PluginError(p.name, 'eventsToRegister', `threw: ${errorText(err)}`, { cause: err });
      }
      if (!Array.isArray(raw) || !raw.every(isRegistration)) {
        throw new PluginError(p.name, 'eventsToRegister', 'must return an array of { event: { resource, actionType }, queueingHintFn? }');
      }
      registrations = raw as ClusterEventWithHint[];
    }
    if (registrations.length === 0) continue;
    const nodeAdd = registrations.some((r) => r.event.resource === 'Node' && (r.event.actionType & ActionType.Add) !== 0);
    const nodeTaint = registrations.some((r) => r.event.resource === 'Node' && (r.event.actionType & ActionType.UpdateNodeTaint) !== 0);
    const list = [...registrations];
    if (nodeAdd && !nodeTaint) list.push({ event: frozenEvent('Node', ActionType.UpdateNodeTaint, 'NodeTaintChange') });
    eventHints.set(p.name, Object.freeze(list));
  }
  return Object.freeze({ preEnqueuePlugins: Object.freeze(preEnqueuePlugins), eventHints });
}

function isRegistration(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  const r = value as { event?: { resource?: unknown; actionType?: unknown }; queueingHintFn?: unknown };
  return (
    r.event !== undefined &&
    r.event !== null &&
    typeof r.event.resource === 'string' &&
    typeof r.event.actionType === 'number' &&
    (r.queueingHintFn === undefined || typeof r.queueingHintFn === 'function')
  );
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The uid of a pod; the queue identifies pods by uid. */
function uidOf(pod: DeepReadonly<Pod>): string {
  const uid = pod.metadata?.uid;
  if (uid === undefined || uid === '') {
    throw new ModelBug(`scheduling queue: pod ${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''} has no metadata.uid`);
  }
  return uid;
}

function schedulerNameOf(pod: DeepReadonly<Pod>): string {
  const name = pod.spec?.schedulerName;
  return name === undefined || name === '' ? DEFAULT_SCHEDULER_NAME : name;
}

function podRef(pod: DeepReadonly<Pod>): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}

type Location = 'activeQ' | 'podBackoffQ' | 'podErrorBackoffQ' | 'unschedulablePods' | 'none';

const NO_EVENTS: readonly ClusterEvent[] = Object.freeze([]);
const NO_POD_INFOS: readonly PodInfo[] = Object.freeze([]);

/**
 * The queue's record of one pod (upstream `QueuedPodInfo` plus the queue's bookkeeping). It is handed
 * to QueueSort as a `QueuedPodInfo`; everything else sees frozen snapshots.
 */
class Entry implements QueuedPodInfo {
  pod: DeepReadonly<Pod>;
  /** `podPriority(pod)`, kept with `pod` so that PrioritySort's comparisons read no pod. */
  priority: number;
  podInfo: PodInfo;
  timestampMs: number;
  attempts = 0;
  initialAttemptTimestampMs?: number;
  unschedulablePlugins = new Set<string>();
  pendingPlugins = new Set<string>();
  gatingPlugin: string | undefined = undefined;
  gatingStatus: Status | undefined = undefined;
  gatingPluginEvents: readonly ClusterEvent[] = NO_EVENTS;
  unschedulableCount = 0;
  consecutiveErrorsCount = 0;
  /** Cached, window-aligned backoff expiry; cleared when the pod fails again. */
  backoffExpiryMs: number | undefined = undefined;
  location: Location = 'none';
  /** Sequence number of the last insertion into a heap: the final tie-breaker of every order. */
  seq = 0;
  /** Sequence number of the last insertion into unschedulablePods (ties of the leftover index). */
  useq = 0;
  /** The newest version of the pod seen by `update` while the pod was in flight. */
  latestPod: DeepReadonly<Pod> | undefined = undefined;
  /** The pod was deleted while in flight; it must not be requeued. */
  deletedInFlight = false;

  constructor(
    readonly uid: string,
    pod: DeepReadonly<Pod>,
    podInfo: PodInfo,
    timestampMs: number,
  ) {
    this.pod = pod;
    this.priority = podPriority(pod);
    this.podInfo = podInfo;
    this.timestampMs = timestampMs;
  }

  get gated(): boolean {
    return this.gatingPlugin !== undefined;
  }
}

/** A node of the in-flight list: a popped pod, or an event received while pods were in flight. */
interface InFlightNode {
  prev: InFlightNode | undefined;
  next: InFlightNode | undefined;
  readonly podUid: string | undefined;
  readonly event: RecordedEvent | undefined;
}

interface RecordedEvent {
  readonly event: ClusterEvent;
  readonly oldObj: DeepReadonly<KubeObject> | undefined;
  readonly newObj: DeepReadonly<KubeObject> | undefined;
}

function checkDuration(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < 0) throw new ConfigError(`scheduling queue: ${name} must be a non-negative integer (ms), got ${String(v)}`);
  return v;
}

const MAX_KEPT_PLUGIN_ERRORS = 1000;

/**
 * The scheduling queue of one scheduler (upstream `PriorityQueue`). See the module comment for the
 * model; every method documents the upstream function it mirrors.
 */
export class SchedulingQueue implements PodNominator {
  readonly #clock: Clock;
  readonly #makePodInfo: (pod: DeepReadonly<Pod>) => PodInfo;
  readonly #sort: QueueSort;
  readonly #profiles: ReadonlyMap<string, QueueProfile>;
  readonly #initialBackoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #maxInUnschedulableMs: number;
  readonly #popFromBackoffQ: boolean;
  readonly #leftoverPhaseMs: number;
  readonly #podUpdateEvents: (oldPod: DeepReadonly<Pod>, newPod: DeepReadonly<Pod>) => readonly ClusterEvent[];
  readonly #podAffinityMatches: (pending: QueuedPodInfo, assignedPod: DeepReadonly<Pod>) => boolean;
  readonly #lookupPod: ((pod: DeepReadonly<Pod>) => DeepReadonly<Pod> | undefined) | undefined;
  readonly #onPluginError: ((error: PluginError) => void) | undefined;

  /** Every pod the queue knows: queued, gated or in flight. */
  readonly #entries = new Map<string, Entry>();
  readonly #activeQ: KeyedHeap<Entry>;
  readonly #podBackoffQ: KeyedHeap<Entry>;
  readonly #podErrorBackoffQ: KeyedHeap<Entry>;
  readonly #unschedulable = new Map<string, Entry>();
  /** unschedulablePods ordered by timestamp, for the leftover flush and its wakeup time. */
  readonly #unschedulableByTime: KeyedHeap<Entry>;

  #inFlightHead: InFlightNode | undefined = undefined;
  #inFlightTail: InFlightNode | undefined = undefined;
  readonly #inFlightPods = new Map<string, InFlightNode>();
  #inFlightEventCount = 0;

  /** Plugin name → events it registered in any profile (upstream `pluginToEventsMap`). */
  readonly #pluginToEvents = new Map<string, ClusterEvent[]>();
  readonly #allRegistrations: readonly ClusterEvent[];
  readonly #interestCache = new Map<string, boolean>();

  readonly #nominatedPods = new Map<string, string[]>();
  readonly #nominatedPodToNode = new Map<string, string>();
  readonly #nominatedPodInfo = new Map<string, PodInfo>();

  #seq = 0;
  #schedulingCycle = 0;
  #popsFromBackoffQ = 0;
  readonly #incoming = new Map<string, Map<string, number>>();
  readonly #hintCounts = { queue: 0, queueSkip: 0, error: 0 };
  readonly #preEnqueueRejections = new Map<string, number>();
  #pluginErrorCount = 0;
  readonly #keptPluginErrors: PluginError[] = [];
  #sortErrorReported = false;
  #lastLeftoverFlushMs: number | undefined = undefined;

  /** Upstream `NewPriorityQueue`. Throws `ConfigError` on invalid durations. */
  constructor(options: SchedulingQueueOptions) {
    this.#clock = options.clock;
    this.#makePodInfo = options.makePodInfo;
    this.#sort = options.queueSort ?? PrioritySort;
    this.#profiles = new Map(options.profiles ?? []);
    this.#initialBackoffMs = checkDuration('podInitialBackoffMs', options.podInitialBackoffMs, DEFAULT_POD_INITIAL_BACKOFF_MS);
    this.#maxBackoffMs = checkDuration('podMaxBackoffMs', options.podMaxBackoffMs, DEFAULT_POD_MAX_BACKOFF_MS);
    this.#maxInUnschedulableMs = checkDuration(
      'podMaxInUnschedulablePodsDurationMs',
      options.podMaxInUnschedulablePodsDurationMs,
      DEFAULT_POD_MAX_IN_UNSCHEDULABLE_PODS_DURATION_MS,
    );
    this.#popFromBackoffQ = options.popFromBackoffQ ?? true;
    this.#leftoverPhaseMs = checkDuration('leftoverFlushPhaseMs', options.leftoverFlushPhaseMs, 0);
    this.#podUpdateEvents = options.podUpdateEvents ?? ((oldPod, newPod) => podSchedulingPropertiesChange(newPod, oldPod));
    this.#podAffinityMatches = options.podAffinityMatches ?? hasRequiredPodAffinity;
    this.#lookupPod = options.lookupPod;
    this.#onPluginError = options.onPluginError;

    const all: ClusterEvent[] = [];
    for (const profile of this.#profiles.values()) {
      for (const [plugin, registrations] of profile.eventHints ?? []) {
        let events = this.#pluginToEvents.get(plugin);
        if (events === undefined) this.#pluginToEvents.set(plugin, (events = []));
        for (const r of registrations) {
          events.push(r.event);
          all.push(r.event);
        }
      }
    }
    this.#allRegistrations = all;

    const key = (e: Entry): string => e.uid;
    this.#activeQ = new KeyedHeap(key, (a, b) => this.#activeLess(a, b));
    this.#podBackoffQ = new KeyedHeap(key, (a, b) => (this.#popFromBackoffQ ? this.#backoffLessWithPriority(a, b) : this.#backoffLess(a, b)));
    this.#podErrorBackoffQ = new KeyedHeap(key, (a, b) => this.#backoffLess(a, b));
    this.#unschedulableByTime = new KeyedHeap(key, (a, b) => a.timestampMs < b.timestampMs || (a.timestampMs === b.timestampMs && a.useq < b.useq));
  }

  // ---------------------------------------------------------------------------------------------
  // Public operations
  // ---------------------------------------------------------------------------------------------

  /**
   * Upstream `Add`: a new pending pod. PreEnqueue plugins run first; a gated pod goes to
   * unschedulablePods with `gated: true`, any other pod to activeQ. A pod with a
   * `status.nominatedNodeName` is registered with the nominator. Adding a pod the queue already knows
   * (same uid) is treated as an update from the known version. Only unbound pods belong here: as in
   * upstream's event handlers, the caller routes bound pods to the cache and calls `delete`.
   */
  add(pod: DeepReadonly<Pod>): void {
    const uid = uidOf(pod);
    const known = this.#entries.get(uid);
    if (known !== undefined) {
      this.update(known.latestPod ?? known.pod, pod);
      return;
    }
    const e = new Entry(uid, pod, this.#makePodInfo(pod), this.#clock.nowMs());
    this.#entries.set(uid, e);
    this.#moveToActiveQ(e, eventLabel(EventUnscheduledPodAdd), false);
  }

  /**
   * Upstream `Update`. If the pod is in flight, the update's events are recorded for it (it is
   * requeued from its newest version when its attempt fails). In activeQ or backoffQ the pod is
   * updated in place (a pod in backoff stays there). In unschedulablePods each event of the update
   * (`PodSchedulingPropertiesChange`: label change, gates eliminated, ...) is checked against the
   * pod's rejector plugins' hints and may move the pod (gates removed ⇒ PreEnqueue runs again). A pod
   * the queue does not know is added to activeQ, so the caller must not forward updates of pods that
   * are assumed or bound (upstream's event handlers filter those out).
   */
  update(oldPod: DeepReadonly<Pod>, newPod: DeepReadonly<Pod>): void {
    const uid = uidOf(newPod);
    const events = this.#podUpdateEvents(oldPod, newPod);
    const e = this.#entries.get(uid);
    if (this.#inFlightPods.has(uid)) {
      for (const event of events) this.#pushInFlightEvent({ event, oldObj: oldPod as DeepReadonly<KubeObject>, newObj: newPod as DeepReadonly<KubeObject> });
      if (e !== undefined) e.latestPod = newPod;
      return;
    }
    if (e !== undefined && e.location !== 'none') {
      this.#setPod(e, newPod);
      switch (e.location) {
        case 'activeQ':
          this.#activeQ.fix(uid);
          this.updateNominatedPod(oldPod, e.podInfo);
          return;
        case 'podBackoffQ':
          this.#podBackoffQ.fix(uid);
          this.updateNominatedPod(oldPod, e.podInfo);
          return;
        case 'podErrorBackoffQ':
          this.#podErrorBackoffQ.fix(uid);
          this.updateNominatedPod(oldPod, e.podInfo);
          return;
        case 'unschedulablePods': {
          this.updateNominatedPod(oldPod, e.podInfo);
          for (const event of events) {
            const strategy = this.#isPodWorthRequeuing(e, event, oldPod as DeepReadonly<KubeObject>, newPod as DeepReadonly<KubeObject>);
            const queue = this.#requeue(e, strategy, eventLabel(event));
            if (queue === 'activeQ' || (this.#popFromBackoffQ && queue === 'backoffQ')) break;
          }
          return;
        }
      }
    }
    const fresh = e ?? new Entry(uid, newPod, this.#makePodInfo(newPod), this.#clock.nowMs());
    if (e !== undefined) this.#setPod(e, newPod);
    this.#entries.set(uid, fresh);
    this.#moveToActiveQ(fresh, eventLabel(EventUnscheduledPodUpdate), false);
  }

  /**
   * Upstream `Delete`: removes the pod from whichever queue holds it and from the nominator. A pod in
   * flight is marked deleted, so that a later `addUnschedulableIfNotPresent` drops it (upstream finds
   * it missing from the informer). Returns whether the queue knew the pod.
   */
  delete(pod: DeepReadonly<Pod>): boolean {
    const uid = uidOf(pod);
    this.deleteNominatedPodIfExists(pod);
    const e = this.#entries.get(uid);
    if (e === undefined) return false;
    if (this.#inFlightPods.has(uid)) {
      e.deletedInFlight = true;
      return true;
    }
    this.#removeFromCurrent(e);
    this.#entries.delete(uid);
    return true;
  }

  /**
   * Upstream `Pop`: removes the head of activeQ, or, when activeQ is empty and
   * `SchedulerPopFromBackoffQ` is on, the head of podBackoffQ (never podErrorBackoffQ). Increments
   * the pod's attempts and the scheduling cycle, clears its rejector plugins for the new attempt,
   * records its initial attempt time if unset, and marks it in flight. Returns `undefined` when
   * nothing can be popped (upstream would block).
   */
  pop(): QueuedPodSnapshot | undefined {
    let e = this.#activeQ.pop();
    if (e === undefined) {
      if (!this.#popFromBackoffQ) return undefined;
      e = this.#podBackoffQ.pop();
      if (e === undefined) return undefined;
      this.#popsFromBackoffQ++;
      this.#countIncoming('active', QueueEventLabels.PopFromBackoffQ);
    }
    e.location = 'none';
    e.attempts++;
    if (e.initialAttemptTimestampMs === undefined) e.initialAttemptTimestampMs = this.#clock.nowMs();
    e.unschedulablePlugins = new Set();
    e.pendingPlugins = new Set();
    e.latestPod = undefined;
    e.deletedInFlight = false;
    const node: InFlightNode = { prev: undefined, next: undefined, podUid: e.uid, event: undefined };
    this.#appendInFlight(node);
    this.#inFlightPods.set(e.uid, node);
    this.#schedulingCycle++;
    return this.#snapshot(e);
  }

  /** Whether `pop()` would return a pod now. */
  canPop(): boolean {
    return this.#activeQ.size > 0 || (this.#popFromBackoffQ && this.#podBackoffQ.size > 0);
  }

  /**
   * Upstream `Done`: the pod's attempt is over. Events recorded only for attempts that are now all
   * finished are dropped. A pod that was popped and not requeued is forgotten. Idempotent.
   */
  done(uid: string): void {
    const node = this.#inFlightPods.get(uid);
    if (node !== undefined) {
      this.#inFlightPods.delete(uid);
      this.#unlinkInFlight(node);
      // Events before the oldest in-flight pod can no longer concern anyone.
      while (this.#inFlightHead !== undefined && this.#inFlightHead.event !== undefined) {
        this.#unlinkInFlight(this.#inFlightHead);
        this.#inFlightEventCount--;
      }
    }
    const e = this.#entries.get(uid);
    if (e !== undefined && e.location === 'none' && !this.#inFlightPods.has(uid)) this.#entries.delete(uid);
  }

  /**
   * Upstream `AddUnschedulableIfNotPresent`, called after a failed attempt (it also does `done`).
   *
   * The pod's rejector plugins are set from `failure` (none for `Error`). A failure without rejector
   * plugins counts as an error (`consecutiveErrorsCount`), otherwise as unschedulable
   * (`unschedulableCount`, which resets the error count); both feed the backoff. The timestamp is
   * refreshed. Then the events received while the pod was in flight are checked against the
   * rejector plugins' hints:
   * - no rejector plugins (error) ⇒ backoff (podErrorBackoffQ), or activeQ if not backing off;
   * - a Pending plugin's hint said Queue ⇒ activeQ without backoff;
   * - an Unschedulable plugin's hint said Queue ⇒ backoffQ while backing off, else activeQ;
   * - otherwise ⇒ unschedulablePods (a Pending rejection waits there too, for its plugin's event).
   *
   * `target` is the popped snapshot or the pod's uid. If the queue no longer knows the pod (its `done`
   * was already called), a snapshot is enough to requeue it as upstream does without in-flight events
   * (backoff). Returns where the pod went, or why it was not requeued: already queued, deleted during
   * the attempt, or bound meanwhile (`spec.nodeName` set, as schedule_one.go checks).
   */
  addUnschedulableIfNotPresent(target: QueuedPodInfo | string, failure: SchedulingFailure): RequeueResult {
    if (failure.code === 'Success' || failure.code === 'Wait' || failure.code === 'Skip') {
      throw new ModelBug(`addUnschedulableIfNotPresent: ${failure.code} is not a failure`);
    }
    const uid = typeof target === 'string' ? target : uidOf(target.pod);
    try {
      let e = this.#entries.get(uid);
      if (e === undefined) {
        if (typeof target === 'string') return { ok: false, reason: 'unknown-pod', message: `pod uid ${uid} is not known to the scheduling queue` };
        e = new Entry(uid, target.pod, target.podInfo, target.timestampMs);
        e.attempts = target.attempts;
        if (target.initialAttemptTimestampMs !== undefined) e.initialAttemptTimestampMs = target.initialAttemptTimestampMs;
        this.#entries.set(uid, e);
      } else if (e.location !== 'none') {
        return { ok: false, reason: 'already-queued', message: `pod ${podRef(e.pod)} is already present in ${e.location}` };
      }
      if (e.deletedInFlight) return { ok: false, reason: 'deleted', message: `pod ${podRef(e.pod)} was deleted during its scheduling attempt` };
      const pod = failure.pod ?? e.latestPod ?? e.pod;
      e.latestPod = undefined;
      if (pod.spec?.nodeName) {
        return { ok: false, reason: 'assigned', message: `pod ${podRef(pod)} has been assigned to node ${pod.spec.nodeName}; not requeued` };
      }
      if (pod !== e.pod) this.#setPod(e, pod);

      e.unschedulablePlugins = failure.code === 'Error' ? new Set() : new Set(failure.unschedulablePlugins ?? []);
      e.pendingPlugins = failure.code === 'Error' ? new Set() : new Set(failure.pendingPlugins ?? []);
      if (e.unschedulablePlugins.size === 0 && e.pendingPlugins.size === 0) {
        e.consecutiveErrorsCount++;
      } else {
        e.unschedulableCount++;
        e.consecutiveErrorsCount = 0;
      }
      e.timestampMs = this.#clock.nowMs();
      e.backoffExpiryMs = undefined;

      const strategy = this.#schedulingHintForInFlightPod(e);
      const queue = this.#requeue(e, strategy, QueueEventLabels.ScheduleAttemptFailure);
      return { ok: true, queue, strategy };
    } finally {
      this.done(uid);
    }
  }

  /**
   * Upstream `MoveAllToActiveOrBackoffQueue`: a cluster event. Unless no plugin of any profile
   * registered a matching event, every unschedulable pod passing `preCheck` is checked: its rejector
   * plugins that registered a matching event are asked through their hints (a hint that throws counts
   * as Queue and is reported); a pod with no rejector plugins moves on any event; a gated pod moves
   * only on events its gating plugin registered. Queue ⇒ backoffQ if still backing off, else activeQ
   * (PreEnqueue runs again). The event is then recorded for pods in flight.
   */
  moveAllToActiveOrBackoffQueue(
    event: ClusterEvent,
    oldObj?: DeepReadonly<KubeObject>,
    newObj?: DeepReadonly<KubeObject>,
    preCheck?: (pod: DeepReadonly<Pod>) => boolean,
  ): void {
    if (!this.#isEventOfInterest(event)) return;
    const candidates: Entry[] = [];
    for (const e of this.#unschedulable.values()) if (preCheck === undefined || preCheck(e.pod)) candidates.push(e);
    this.#movePods(candidates, event, oldObj, newObj);
  }

  /**
   * Upstream `AssignedPodAdded`: a bound pod appeared. Only unschedulable pods rejected by
   * PodTopologySpread in the same namespace, or with a required pod-affinity term matching the pod,
   * are considered (upstream `getUnschedulablePodsWithCrossTopologyTerm`); the event is
   * `EventAssignedPodAdd`, checked through the hints like any other.
   */
  assignedPodAdded(pod: DeepReadonly<Pod>): void {
    this.#movePods(this.#crossTopologyCandidates(pod), EventAssignedPodAdd, undefined, pod as DeepReadonly<KubeObject>);
  }

  /**
   * Upstream `AssignedPodUpdated`: a bound pod changed. `event` defaults to each event of
   * `podUpdateEvents(oldPod, newPod)`. A request scale-down considers every unschedulable pod (it may
   * free resources); other changes only the cross-topology candidates of `assignedPodAdded`.
   */
  assignedPodUpdated(oldPod: DeepReadonly<Pod>, newPod: DeepReadonly<Pod>, event?: ClusterEvent): void {
    const events = event === undefined ? this.#podUpdateEvents(oldPod, newPod) : [event];
    const scaleDown: ClusterEvent = { resource: 'AssignedPod', actionType: ActionType.UpdatePodScaleDown };
    for (const ev of events) {
      if (eventMatches(scaleDown, ev)) {
        this.moveAllToActiveOrBackoffQueue(ev, oldPod as DeepReadonly<KubeObject>, newPod as DeepReadonly<KubeObject>);
      } else {
        this.#movePods(this.#crossTopologyCandidates(newPod), ev, oldPod as DeepReadonly<KubeObject>, newPod as DeepReadonly<KubeObject>);
      }
    }
  }

  /**
   * Upstream `Activate`: moves the given pods from unschedulablePods or backoffQ to activeQ (a pod
   * leaving backoffQ skips PreEnqueue, which ran when it entered). A pod in flight gets a
   * `ForceActivate` event recorded for it, so it is requeued when its attempt fails. Unknown pods and
   * pods already in activeQ are ignored. Returns how many pods reached activeQ.
   */
  activate(pods: Iterable<DeepReadonly<Pod>>): number {
    let activated = 0;
    for (const pod of pods) {
      const uid = uidOf(pod);
      const e = this.#entries.get(uid);
      if (e !== undefined && e.location === 'unschedulablePods') {
        if (this.#moveToActiveQ(e, QueueEventLabels.ForceActivate, false)) activated++;
        continue;
      }
      if (e !== undefined && (e.location === 'podBackoffQ' || e.location === 'podErrorBackoffQ')) {
        this.#removeFromCurrent(e);
        if (this.#moveToActiveQ(e, QueueEventLabels.ForceActivate, true)) activated++;
        continue;
      }
      if (this.#inFlightPods.has(uid)) {
        this.#pushInFlightEvent({ event: EventForceActivate, oldObj: undefined, newObj: pod as DeepReadonly<KubeObject> });
      }
    }
    return activated;
  }

  /**
   * Upstream `flushBackoffQCompleted` (every second, at whole seconds): moves every pod whose backoff
   * is over from podBackoffQ, then from podErrorBackoffQ, to activeQ. Returns how many moved.
   */
  flushBackoffQCompleted(): number {
    const done: Entry[] = [];
    for (const heap of [this.#podBackoffQ, this.#podErrorBackoffQ]) {
      for (let head = heap.peek(); head !== undefined && !this.#isPodBackingoff(head); head = heap.peek()) {
        heap.pop();
        head.location = 'none';
        done.push(head);
      }
    }
    let moved = 0;
    for (const e of done) if (this.#moveToActiveQ(e, QueueEventLabels.BackoffComplete, true)) moved++;
    return moved;
  }

  /**
   * Upstream `flushUnschedulablePodsLeftover` (every 30 s): pods that have been in unschedulablePods
   * for longer than `podMaxInUnschedulablePodsDuration` are moved as by the wildcard event
   * `UnschedulableTimeout` (backoffQ or activeQ; gated pods only if their gating plugin registered any
   * event, and PreEnqueue decides again). Candidates are taken oldest first (upstream walks a Go map).
   */
  flushUnschedulablePodsLeftover(): void {
    const now = this.#clock.nowMs();
    this.#lastLeftoverFlushMs = now;
    const candidates: Entry[] = [];
    for (let head = this.#unschedulableByTime.peek(); head !== undefined && now - head.timestampMs > this.#maxInUnschedulableMs; head = this.#unschedulableByTime.peek()) {
      this.#unschedulableByTime.pop();
      candidates.push(head);
    }
    // The index is restored first: pods that stay (gated without events) must remain findable.
    for (const e of candidates) this.#unschedulableByTime.addOrUpdate(e);
    if (candidates.length > 0) this.#movePods(candidates, EventUnschedulableTimeout, undefined, undefined);
  }

  /**
   * The first whole-second backoff flush at which `flushBackoffQCompleted` would move a pod, or
   * `undefined` if backoffQ is empty. It may be in the past if a flush is overdue.
   */
  nextBackoffFlushMs(): number | undefined {
    let best: number | undefined;
    for (const heap of [this.#podBackoffQ, this.#podErrorBackoffQ]) {
      const head = heap.peek();
      if (head === undefined) continue;
      const expiry = this.#backoffExpiry(head) ?? this.#clock.nowMs() - BACKOFF_FLUSH_INTERVAL_MS;
      // A pod stops backing off at the first flush whose (aligned) time is past its expiry.
      const t = Math.floor(expiry / BACKOFF_FLUSH_INTERVAL_MS) * BACKOFF_FLUSH_INTERVAL_MS + BACKOFF_FLUSH_INTERVAL_MS;
      if (best === undefined || t < best) best = t;
    }
    return best;
  }

  /**
   * The first 30-second leftover flush (ticks at `leftoverFlushPhaseMs + k * 30 s`) at which some
   * unschedulable pod is past `podMaxInUnschedulablePodsDuration`, and not before the tick after the
   * last flush (so a pod that stays, e.g. still gated, cannot make the caller spin). `undefined` if
   * unschedulablePods is empty.
   */
  nextLeftoverFlushMs(): number | undefined {
    const head = this.#unschedulableByTime.peek();
    if (head === undefined) return undefined;
    const due = this.#tickAfter(head.timestampMs + this.#maxInUnschedulableMs);
    return this.#lastLeftoverFlushMs === undefined ? due : Math.max(due, this.#tickAfter(this.#lastLeftoverFlushMs));
  }

  /** The earlier of `nextBackoffFlushMs` and `nextLeftoverFlushMs`. */
  nextWakeupMs(): number | undefined {
    const a = this.nextBackoffFlushMs();
    const b = this.nextLeftoverFlushMs();
    if (a === undefined) return b;
    if (b === undefined) return a;
    return Math.min(a, b);
  }

  // ---------------------------------------------------------------------------------------------
  // Nominator (upstream nominator.go)
  // ---------------------------------------------------------------------------------------------

  /**
   * Upstream `AddNominatedPod`: records that the pod is nominated to a node. `Override` uses
   * `nominatingInfo.nominatedNodeName`; `Noop` or no info uses the pod's `status.nominatedNodeName`.
   * An empty node name only clears an existing nomination. With `lookupPod`, a pod that no longer
   * exists or is already bound is not nominated.
   */
  addNominatedPod(podInfo: PodInfo, nominatingInfo?: NominatingInfo): void {
    const pod = podInfo.pod;
    const uid = uidOf(pod);
    this.#deleteNomination(uid);
    const nodeName = nominatingInfo?.mode === 'Override' ? (nominatingInfo.nominatedNodeName ?? '') : (pod.status?.nominatedNodeName ?? '');
    if (nodeName === '') return;
    if (this.#lookupPod !== undefined) {
      const live = this.#lookupPod(pod);
      if (live === undefined || live.spec?.nodeName) return;
    }
    this.#nominatedPodToNode.set(uid, nodeName);
    this.#nominatedPodInfo.set(uid, podInfo);
    let list = this.#nominatedPods.get(nodeName);
    if (list === undefined) this.#nominatedPods.set(nodeName, (list = []));
    if (!list.includes(uid)) list.push(uid);
  }

  /**
   * Upstream `UpdateNominatedPod`: replaces the pod's nomination record. If neither version carries a
   * `status.nominatedNodeName`, an in-memory nomination is kept (the API update may lag behind the
   * preemption that made it).
   */
  updateNominatedPod(oldPod: DeepReadonly<Pod>, newPodInfo: PodInfo): void {
    const oldUid = uidOf(oldPod);
    let info: NominatingInfo | undefined;
    if (!oldPod.status?.nominatedNodeName && !newPodInfo.pod.status?.nominatedNodeName) {
      const nnn = this.#nominatedPodToNode.get(oldUid);
      if (nnn !== undefined) info = { mode: 'Override', nominatedNodeName: nnn };
    }
    this.#deleteNomination(oldUid);
    this.addNominatedPod(newPodInfo, info);
  }

  /** Upstream `DeleteNominatedPodIfExists`. */
  deleteNominatedPodIfExists(pod: DeepReadonly<Pod>): void {
    this.#deleteNomination(uidOf(pod));
  }

  /**
   * Upstream `NominatedPodsForNode`: the pods nominated to `nodeName`, in nomination order. Each is
   * the queue's current `PodInfo` if the pod is queued, else the one given when it was nominated
   * (upstream returns a bare pod for pods in flight; the last known spec is more useful to filters).
   */
  nominatedPodsForNode(nodeName: string): readonly PodInfo[] {
    if (this.#nominatedPods.size === 0) return NO_POD_INFOS;
    const uids = this.#nominatedPods.get(nodeName);
    if (uids === undefined) return NO_POD_INFOS;
    const out: PodInfo[] = [];
    for (const uid of uids) {
      const e = this.#entries.get(uid);
      const info = e !== undefined && e.location !== 'none' ? e.podInfo : this.#nominatedPodInfo.get(uid);
      if (info !== undefined) out.push(info);
    }
    return out;
  }

  /** Whether any pod is nominated to any node (lets the filter loop skip per-node lookups). */
  hasNominatedPods(): boolean {
    return this.#nominatedPods.size > 0;
  }

  /** The node the pod is nominated to, if any. */
  nominatedNodeName(uid: string): string | undefined {
    return this.#nominatedPodToNode.get(uid);
  }

  // ---------------------------------------------------------------------------------------------
  // Inspection
  // ---------------------------------------------------------------------------------------------

  /** Number of pending pods (activeQ + both backoff queues + unschedulablePods), in flight excluded. */
  len(): number {
    return this.#activeQ.size + this.#podBackoffQ.size + this.#podErrorBackoffQ.size + this.#unschedulable.size;
  }

  /** Sizes of the sub-queues. O(n) in unschedulablePods (for the gated count). */
  lengths(): QueueLengths {
    let gated = 0;
    for (const e of this.#unschedulable.values()) if (e.gated) gated++;
    return {
      activeQ: this.#activeQ.size,
      podBackoffQ: this.#podBackoffQ.size,
      podErrorBackoffQ: this.#podErrorBackoffQ.size,
      unschedulablePods: this.#unschedulable.size,
      gated,
      inFlight: this.#inFlightPods.size,
    };
  }

  /** Upstream `GetPod`: a snapshot of the pod if the queue knows it (queued, gated or in flight). */
  get(uid: string): QueuedPodSnapshot | undefined {
    const e = this.#entries.get(uid);
    return e === undefined ? undefined : this.#snapshot(e);
  }

  /** Upstream `PendingPods` plus the in-flight pods, each list in a deterministic order. */
  pendingPods(): PendingPodsReport {
    const activeQ = this.#activeQ.sorted().map((e) => this.#snapshot(e));
    const backoffQ = [...this.#podBackoffQ.sorted(), ...this.#podErrorBackoffQ.sorted()].map((e) => this.#snapshot(e));
    const unschedulablePods = [...this.#unschedulable.values()].map((e) => this.#snapshot(e));
    const inFlight: QueuedPodSnapshot[] = [];
    for (let n = this.#inFlightHead; n !== undefined; n = n.next) {
      if (n.podUid === undefined) continue;
      const e = this.#entries.get(n.podUid);
      if (e !== undefined) inFlight.push(this.#snapshot(e));
    }
    return {
      activeQ,
      backoffQ,
      unschedulablePods,
      inFlight,
      summary: `activeQ:${activeQ.length}; backoffQ:${backoffQ.length}; unschedulablePods:${unschedulablePods.length}`,
    };
  }

  /** Uids of the pods in flight, in pop order. */
  inFlightPods(): readonly string[] {
    const out: string[] = [];
    for (let n = this.#inFlightHead; n !== undefined; n = n.next) if (n.podUid !== undefined) out.push(n.podUid);
    return out;
  }

  /** Upstream `SchedulingCycle()`: the number of pods popped so far. */
  get schedulingCycle(): number {
    return this.#schedulingCycle;
  }

  /** Counters for reports; see `SchedulingQueueMetrics`. */
  metrics(): SchedulingQueueMetrics {
    const incomingPods: Record<string, Record<string, number>> = {};
    for (const queue of [...this.#incoming.keys()].sort()) {
      const byEvent = this.#incoming.get(queue) as Map<string, number>;
      const rec: Record<string, number> = {};
      for (const label of [...byEvent.keys()].sort()) rec[label] = byEvent.get(label) as number;
      incomingPods[queue] = rec;
    }
    const preEnqueueRejections: Record<string, number> = {};
    for (const name of [...this.#preEnqueueRejections.keys()].sort()) preEnqueueRejections[name] = this.#preEnqueueRejections.get(name) as number;
    return {
      schedulingCycle: this.#schedulingCycle,
      popsFromBackoffQ: this.#popsFromBackoffQ,
      incomingPods,
      queueingHints: { ...this.#hintCounts },
      preEnqueueRejections,
      pluginErrors: this.#pluginErrorCount,
      inFlightEvents: this.#inFlightEventCount,
    };
  }

  /** The plugin errors kept when no `onPluginError` was given (the first 1000). */
  pluginErrors(): readonly PluginError[] {
    return this.#keptPluginErrors;
  }

  /**
   * The backoff duration after `count` consecutive failures (upstream `calculateBackoffDuration`):
   * 0 for no failure, else `podInitialBackoff` doubled `count - 1` times, capped at `podMaxBackoff`.
   */
  backoffDurationMs(count: number): number {
    if (count <= 0) return 0;
    let d = this.#initialBackoffMs;
    if (d === 0) return 0;
    for (let i = 1; i < count; i++) {
      if (d > this.#maxBackoffMs - d) return this.#maxBackoffMs;
      d += d;
    }
    return Math.min(d, this.#maxBackoffMs);
  }

  /** Upstream `isPodBackingoff` for a known pod; false for unknown pods. */
  isPodBackingOff(uid: string): boolean {
    const e = this.#entries.get(uid);
    return e !== undefined && this.#isPodBackingoff(e);
  }

  // ---------------------------------------------------------------------------------------------
  // Internals
  // ---------------------------------------------------------------------------------------------

  #sortLess(a: Entry, b: Entry): boolean {
    try {
      return this.#sort.less(a, b) === true;
    } catch (err) {
      // Reported once: a QueueSort that throws would otherwise report on every comparison. The
      // comparison then falls back to the insertion order, which keeps the heap consistent.
      if (!this.#sortErrorReported) {
        this.#sortErrorReported = true;
        this.#reportPluginError(this.#sort.name, 'queueSort', `less threw: ${errorText(err)}`, err);
      } else {
        this.#pluginErrorCount++;
      }
      return false;
    }
  }

  /** activeQ order: QueueSort, then insertion sequence (total). */
  #activeLess(a: Entry, b: Entry): boolean {
    if (a === b) return false;
    if (this.#sort === PrioritySort) {
      // The default QueueSort, on the priorities kept in the entries: the same outcomes as the two
      // calls below, without reading the pods (the heap compares on every push and pop).
      const pa = a.priority;
      const pb = b.priority;
      if (pa > pb) return true;
      if (pb > pa) return false;
      if (pa === pb) {
        if (a.timestampMs < b.timestampMs) return true;
        if (b.timestampMs < a.timestampMs) return false;
      }
      return a.seq < b.seq;
    }
    if (this.#sortLess(a, b)) return true;
    if (this.#sortLess(b, a)) return false;
    return a.seq < b.seq;
  }

  /** podErrorBackoffQ order (and podBackoffQ without PopFromBackoffQ): expiry, then insertion. */
  #backoffLess(a: Entry, b: Entry): boolean {
    const ea = a.backoffExpiryMs ?? Number.NEGATIVE_INFINITY;
    const eb = b.backoffExpiryMs ?? Number.NEGATIVE_INFINITY;
    if (ea !== eb) return ea < eb;
    return a.seq < b.seq;
  }

  /** podBackoffQ order with PopFromBackoffQ: expiry window, then activeQ order. */
  #backoffLessWithPriority(a: Entry, b: Entry): boolean {
    const ea = a.backoffExpiryMs ?? Number.NEGATIVE_INFINITY;
    const eb = b.backoffExpiryMs ?? Number.NEGATIVE_INFINITY;
    if (ea !== eb) return ea < eb;
    return this.#activeLess(a, b);
  }

  #align(t: number): number {
    return this.#popFromBackoffQ ? Math.floor(t / BACKOFF_FLUSH_INTERVAL_MS) * BACKOFF_FLUSH_INTERVAL_MS : t;
  }

  /**
   * Upstream `getBackoffTime`: the (cached) window-aligned end of the pod's backoff, or `undefined`
   * when it has none (no failures, or backoff disabled by a zero maximum). Errors count when the last
   * failure was an error, so a burst of errors does not inherit a long unschedulable backoff.
   */
  #backoffExpiry(e: Entry): number | undefined {
    if (this.#maxBackoffMs === 0) return undefined;
    const count = e.consecutiveErrorsCount > 0 ? e.consecutiveErrorsCount : e.unschedulableCount;
    if (count === 0) return undefined;
    if (e.backoffExpiryMs === undefined) e.backoffExpiryMs = this.#align(e.timestampMs + this.backoffDurationMs(count));
    return e.backoffExpiryMs;
  }

  /**
   * Upstream `isPodBackingoff`: a pod whose expiry falls in the current window (or later) is still
   * backing off. Gated pods are not exempt (PR 126029).
   */
  #isPodBackingoff(e: Entry): boolean {
    const expiry = this.#backoffExpiry(e);
    return expiry !== undefined && !(expiry < this.#align(this.#clock.nowMs()));
  }

  #tickAfter(t: number): number {
    const phase = this.#leftoverPhaseMs;
    return phase + (Math.floor((t - phase) / UNSCHEDULABLE_FLUSH_INTERVAL_MS) + 1) * UNSCHEDULABLE_FLUSH_INTERVAL_MS;
  }

  #setPod(e: Entry, pod: DeepReadonly<Pod>): void {
    e.pod = pod;
    e.priority = podPriority(pod);
    e.podInfo = this.#makePodInfo(pod);
  }

  #profileOf(pod: DeepReadonly<Pod>): QueueProfile | undefined {
    return this.#profiles.get(schedulerNameOf(pod));
  }

  #countIncoming(queue: 'active' | 'backoff' | 'unschedulable', label: string): void {
    let byEvent = this.#incoming.get(queue);
    if (byEvent === undefined) this.#incoming.set(queue, (byEvent = new Map()));
    byEvent.set(label, (byEvent.get(label) ?? 0) + 1);
  }

  #reportPluginError(plugin: string, extensionPoint: string, message: string, cause?: unknown): void {
    this.#pluginErrorCount++;
    const error = new PluginError(plugin, extensionPoint, message, cause === undefined ? undefined : { cause });
    if (this.#onPluginError !== undefined) this.#onPluginError(error);
    else if (this.#keptPluginErrors.length < MAX_KEPT_PLUGIN_ERRORS) this.#keptPluginErrors.push(error);
  }

  /** Takes the pod out of whichever sub-queue holds it (not out of the in-flight set). */
  #removeFromCurrent(e: Entry): void {
    switch (e.location) {
      case 'activeQ':
        this.#activeQ.delete(e.uid);
        break;
      case 'podBackoffQ':
        this.#podBackoffQ.delete(e.uid);
        break;
      case 'podErrorBackoffQ':
        this.#podErrorBackoffQ.delete(e.uid);
        break;
      case 'unschedulablePods':
        this.#unschedulable.delete(e.uid);
        this.#unschedulableByTime.delete(e.uid);
        break;
      case 'none':
        break;
    }
    e.location = 'none';
  }

  /** Upstream `unschedulablePods.addOrUpdate`: a pod already there keeps its place. */
  #addToUnschedulable(e: Entry, label: string): void {
    if (e.location === 'unschedulablePods') return;
    this.#removeFromCurrent(e);
    e.useq = ++this.#seq;
    this.#unschedulable.set(e.uid, e);
    this.#unschedulableByTime.addOrUpdate(e);
    e.location = 'unschedulablePods';
    this.#countIncoming('unschedulable', label);
  }

  /**
   * Upstream `runPreEnqueuePlugins`: the plugin that gated the pod last time runs first; the first
   * non-Success status gates the pod (the plugin joins its unschedulable plugins, so its events can
   * release it). All passing clears the gate.
   */
  #runPreEnqueuePlugins(e: Entry): void {
    const plugins = this.#profileOf(e.pod)?.preEnqueuePlugins ?? [];
    const gating = e.gatingPlugin;
    if (gating !== undefined) {
      const first = plugins.find((p) => p.name === gating);
      if (first !== undefined && !this.#runPreEnqueuePlugin(first, e)) return;
    }
    for (const p of plugins) {
      if (p.name === gating) continue;
      if (!this.#runPreEnqueuePlugin(p, e)) return;
    }
    e.gatingPlugin = undefined;
    e.gatingStatus = undefined;
    e.gatingPluginEvents = NO_EVENTS;
  }

  /** Runs one PreEnqueue plugin; true if it let the pod through. A throw gates the pod (as an Error status). */
  #runPreEnqueuePlugin(p: PreEnqueuePluginEntry, e: Entry): boolean {
    let status: Status;
    try {
      const raw: unknown = p.preEnqueue(e.pod);
      if (raw === undefined || raw === null) return true;
      if (isStatusValue(raw)) {
        status = raw;
      } else {
        this.#reportPluginError(p.name, 'preEnqueue', `returned a value that is not a Status: ${String(raw)}`);
        status = Status.error(new Error(`plugin ${p.name} returned an invalid status`));
      }
    } catch (err) {
      this.#reportPluginError(p.name, 'preEnqueue', `threw: ${errorText(err)}`, err);
      status = Status.error(err);
    }
    if (status.code === 'Success') return true;
    e.unschedulablePlugins.add(p.name);
    e.gatingPlugin = p.name;
    e.gatingStatus = Status.withPlugin(status, p.name);
    e.gatingPluginEvents = this.#pluginToEvents.get(p.name) ?? NO_EVENTS;
    this.#preEnqueueRejections.set(p.name, (this.#preEnqueueRejections.get(p.name) ?? 0) + 1);
    return false;
  }

  /**
   * Upstream `moveToActiveQ`: runs PreEnqueue (skipped for pods coming straight from backoffQ when
   * PopFromBackoffQ is on, since it ran when they entered backoffQ). Gated ⇒ unschedulablePods (a pod
   * already queued stays where it is); otherwise ⇒ activeQ. Pods added or updated from the informer
   * are registered with the nominator.
   */
  #moveToActiveQ(e: Entry, label: string, movesFromBackoffQ: boolean): boolean {
    if (!(this.#popFromBackoffQ && movesFromBackoffQ)) this.#runPreEnqueuePlugins(e);
    if (e.gated) {
      if (e.location === 'none') this.#addToUnschedulable(e, label);
      return false;
    }
    if (e.initialAttemptTimestampMs === undefined) e.initialAttemptTimestampMs = this.#clock.nowMs();
    if (e.location !== 'activeQ') {
      this.#removeFromCurrent(e);
      e.seq = ++this.#seq;
    }
    this.#activeQ.addOrUpdate(e);
    e.location = 'activeQ';
    this.#countIncoming('active', label);
    if (label === EventUnscheduledPodAdd.label || label === EventUnscheduledPodUpdate.label) this.addNominatedPod(e.podInfo);
    return true;
  }

  /**
   * Upstream `moveToBackoffQ`: with PopFromBackoffQ, PreEnqueue runs here (a gated pod goes to
   * unschedulablePods instead). A pod with no rejector plugins (an error) goes to podErrorBackoffQ,
   * any other to podBackoffQ.
   */
  #moveToBackoffQ(e: Entry, label: string): boolean {
    if (this.#popFromBackoffQ) {
      this.#runPreEnqueuePlugins(e);
      if (e.gated) {
        this.#addToUnschedulable(e, label);
        return false;
      }
    }
    this.#removeFromCurrent(e);
    this.#backoffExpiry(e);
    e.seq = ++this.#seq;
    if (e.unschedulablePlugins.size === 0 && e.pendingPlugins.size === 0) {
      this.#podErrorBackoffQ.addOrUpdate(e);
      e.location = 'podErrorBackoffQ';
    } else {
      this.#podBackoffQ.addOrUpdate(e);
      e.location = 'podBackoffQ';
    }
    this.#countIncoming('backoff', label);
    return true;
  }

  /** Upstream `requeuePodWithQueueingStrategy`: returns the queue the pod ended in. */
  #requeue(e: Entry, strategy: QueueingStrategy, label: string): QueueName {
    if (strategy === 'QueueSkip') {
      this.#addToUnschedulable(e, label);
      return 'unschedulablePods';
    }
    // The pod may have finished its backoff while it waited in unschedulablePods.
    if (strategy === 'QueueAfterBackoff' && this.#isPodBackingoff(e)) {
      return this.#moveToBackoffQ(e, label) ? 'backoffQ' : 'unschedulablePods';
    }
    return this.#moveToActiveQ(e, label, false) ? 'activeQ' : 'unschedulablePods';
  }

  /** Upstream `isEventOfInterest`: whether any plugin of any profile registered a matching event. */
  #isEventOfInterest(event: ClusterEvent): boolean {
    if (isWildCardEvent(event)) return true;
    const key = `${event.resource}/${event.actionType}`;
    let interested = this.#interestCache.get(key);
    if (interested === undefined) {
      interested = this.#allRegistrations.some((r) => eventMatches(r, event));
      this.#interestCache.set(key, interested);
    }
    return interested;
  }

  /** Upstream `MatchAnyClusterEvent`: a wildcard event matches any non-empty registration list. */
  #matchesAny(event: ClusterEvent, registered: readonly ClusterEvent[]): boolean {
    if (isWildCardEvent(event)) return registered.length > 0;
    return registered.some((r) => eventMatches(r, event));
  }

  /**
   * Upstream `isPodWorthRequeuing`: asks the hints of the pod's rejector plugins that registered a
   * matching event. A Pending plugin saying Queue ⇒ QueueImmediately; an Unschedulable plugin saying
   * Queue ⇒ QueueAfterBackoff; all QueueSkip (or no matching registration) ⇒ QueueSkip. No rejector
   * plugins, or a wildcard event (for this pod, when it names one), ⇒ QueueAfterBackoff.
   */
  #isPodWorthRequeuing(
    e: Entry,
    event: ClusterEvent,
    oldObj: DeepReadonly<KubeObject> | undefined,
    newObj: DeepReadonly<KubeObject> | undefined,
  ): QueueingStrategy {
    if (e.unschedulablePlugins.size === 0 && e.pendingPlugins.size === 0) return 'QueueAfterBackoff';
    if (isWildCardEvent(event)) {
      // A wildcard event carrying an object is aimed at that pod only (ForceActivate).
      if (newObj !== undefined && newObj.metadata?.uid !== e.uid) return 'QueueSkip';
      return 'QueueAfterBackoff';
    }
    const profile = this.#profileOf(e.pod);
    if (profile === undefined) return 'QueueAfterBackoff';
    let strategy: QueueingStrategy = 'QueueSkip';
    for (const [plugin, registrations] of profile.eventHints ?? []) {
      const pending = e.pendingPlugins.has(plugin);
      if (!pending && !e.unschedulablePlugins.has(plugin)) continue;
      for (const r of registrations) {
        if (!eventMatches(r.event, event)) continue;
        if (this.#callHint(plugin, r, e.pod, oldObj, newObj) === 'QueueSkip') continue;
        if (pending) return 'QueueImmediately';
        if (e.pendingPlugins.size === 0) return 'QueueAfterBackoff';
        strategy = 'QueueAfterBackoff';
      }
    }
    return strategy;
  }

  /** Runs one queueing hint; a throw or an invalid answer counts as Queue and is reported. */
  #callHint(
    plugin: string,
    registration: ClusterEventWithHint,
    pod: DeepReadonly<Pod>,
    oldObj: DeepReadonly<KubeObject> | undefined,
    newObj: DeepReadonly<KubeObject> | undefined,
  ): QueueingHint {
    const fn = registration.queueingHintFn;
    if (fn === undefined) {
      this.#hintCounts.queue++;
      return 'Queue';
    }
    try {
      const hint: unknown = fn(pod, oldObj, newObj);
      if (hint === 'Queue' || hint === 'QueueSkip') {
        if (hint === 'Queue') this.#hintCounts.queue++;
        else this.#hintCounts.queueSkip++;
        return hint;
      }
      this.#hintCounts.error++;
      this.#reportPluginError(plugin, 'queueingHint', `returned ${String(hint)} for event ${eventLabel(registration.event)}; treated as Queue`);
      return 'Queue';
    } catch (err) {
      this.#hintCounts.error++;
      this.#reportPluginError(plugin, 'queueingHint', `threw for event ${eventLabel(registration.event)}: ${errorText(err)}; treated as Queue`, err);
      return 'Queue';
    }
  }

  /**
   * Upstream `determineSchedulingHintForInFlightPod`: the strongest strategy over the events received
   * since the pod was popped.
   */
  #schedulingHintForInFlightPod(e: Entry): QueueingStrategy {
    if (e.unschedulablePlugins.size === 0 && e.pendingPlugins.size === 0) return 'QueueAfterBackoff';
    const node = this.#inFlightPods.get(e.uid);
    // Upstream treats a pod missing from the in-flight list as a bug and retries after backoff.
    if (node === undefined) return 'QueueAfterBackoff';
    let strategy: QueueingStrategy = 'QueueSkip';
    for (let n = node.next; n !== undefined; n = n.next) {
      if (n.event === undefined) continue;
      const s = this.#isPodWorthRequeuing(e, n.event.event, n.event.oldObj, n.event.newObj);
      if (s === 'QueueImmediately') return s;
      if (s === 'QueueAfterBackoff') {
        strategy = s;
        if (e.pendingPlugins.size === 0) return s;
      }
    }
    return strategy;
  }

  /** Upstream `movePodsToActiveOrBackoffQueue`. */
  #movePods(
    candidates: readonly Entry[],
    event: ClusterEvent,
    oldObj: DeepReadonly<KubeObject> | undefined,
    newObj: DeepReadonly<KubeObject> | undefined,
  ): void {
    if (!this.#isEventOfInterest(event)) return;
    const label = eventLabel(event);
    for (const e of candidates) {
      if (e.location !== 'unschedulablePods') continue;
      // A gated pod can only be released by events its gating plugin cares about.
      if (e.gated && !this.#matchesAny(event, e.gatingPluginEvents)) continue;
      const strategy = this.#isPodWorthRequeuing(e, event, oldObj, newObj);
      if (strategy === 'QueueSkip') continue;
      this.#removeFromCurrent(e);
      this.#requeue(e, strategy, label);
    }
    // A pod in flight may fail later; it must then see this event.
    if (this.#inFlightPods.size > 0) this.#pushInFlightEvent({ event, oldObj, newObj });
  }

  /** Upstream `getUnschedulablePodsWithCrossTopologyTerm`. */
  #crossTopologyCandidates(pod: DeepReadonly<Pod>): Entry[] {
    const ns = pod.metadata?.namespace ?? '';
    const out: Entry[] = [];
    for (const e of this.#unschedulable.values()) {
      if (e.unschedulablePlugins.has('PodTopologySpread') && (e.pod.metadata?.namespace ?? '') === ns) out.push(e);
      else if (this.#podAffinityMatches(e, pod)) out.push(e);
    }
    return out;
  }

  #pushInFlightEvent(recorded: RecordedEvent): void {
    this.#appendInFlight({ prev: undefined, next: undefined, podUid: undefined, event: recorded });
    this.#inFlightEventCount++;
  }

  #appendInFlight(node: InFlightNode): void {
    node.prev = this.#inFlightTail;
    node.next = undefined;
    if (this.#inFlightTail === undefined) this.#inFlightHead = node;
    else this.#inFlightTail.next = node;
    this.#inFlightTail = node;
  }

  #unlinkInFlight(node: InFlightNode): void {
    if (node.prev === undefined) this.#inFlightHead = node.next;
    else node.prev.next = node.next;
    if (node.next === undefined) this.#inFlightTail = node.prev;
    else node.next.prev = node.prev;
    node.prev = undefined;
    node.next = undefined;
  }

  #deleteNomination(uid: string): void {
    const nodeName = this.#nominatedPodToNode.get(uid);
    if (nodeName === undefined) return;
    const list = this.#nominatedPods.get(nodeName);
    if (list !== undefined) {
      const i = list.indexOf(uid);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) this.#nominatedPods.delete(nodeName);
    }
    this.#nominatedPodToNode.delete(uid);
    this.#nominatedPodInfo.delete(uid);
  }

  #snapshot(e: Entry): QueuedPodSnapshot {
    const location: QueuedPodLocation = e.location === 'none' ? 'inFlight' : e.location;
    const snap: {
      -readonly [K in keyof QueuedPodSnapshot]: QueuedPodSnapshot[K];
    } = {
      uid: e.uid,
      location,
      podInfo: e.podInfo,
      pod: e.pod,
      timestampMs: e.timestampMs,
      attempts: e.attempts,
      unschedulablePlugins: new Set(e.unschedulablePlugins),
      pendingPlugins: new Set(e.pendingPlugins),
      gated: e.gated,
      unschedulableCount: e.unschedulableCount,
      consecutiveErrorsCount: e.consecutiveErrorsCount,
    };
    if (e.initialAttemptTimestampMs !== undefined) snap.initialAttemptTimestampMs = e.initialAttemptTimestampMs;
    if (e.gatingPlugin !== undefined) snap.gatingPlugin = e.gatingPlugin;
    if (e.gatingStatus !== undefined) snap.gatingStatus = e.gatingStatus;
    const expiry = this.#backoffExpiry(e);
    if (expiry !== undefined) snap.backoffExpiryMs = expiry;
    return Object.freeze(snap);
  }
}

/** The default pod-affinity candidate test: the pending pod has a required pod-affinity term. */
function hasRequiredPodAffinity(pending: QueuedPodInfo): boolean {
  return (pending.pod.spec?.affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.length ?? 0) > 0;
}

/** A human-readable reason for a gated pod (for reports): the gating plugin and its message. */
export function gatingReason(snapshot: QueuedPodSnapshot): string | undefined {
  if (snapshot.gatingPlugin === undefined) return undefined;
  const message = statusMessage(snapshot.gatingStatus);
  return message === '' ? snapshot.gatingPlugin : `${snapshot.gatingPlugin}: ${message}`;
}
