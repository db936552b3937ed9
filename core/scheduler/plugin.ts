/**
 * The scheduler plugin API: one optional method per extension point, a `Handle` giving plugins
 * access to the cluster snapshot and the framework, and `defineSchedulerPlugin` to declare a plugin.
 *
 * Mirrors `kube-scheduler/framework/interface.go` (the `*Plugin` interfaces and `Handle`). Everything
 * is synchronous: the simulation models concurrency as interleaved events, so a plugin never awaits.
 * Plugins receive frozen pods and read-only NodeInfos; a plugin that throws, returns a value outside
 * its contract (NaN, an out-of-range score, a malformed status) or mutates its inputs is reported as a
 * `PluginError` naming the plugin and the extension point.
 */
import type { DeepReadonly, KubeObject, Pod } from '../api/types.js';
import type { Selector } from '../api/labels.js';
import type { Rng } from '../sim/rng.js';
import type { ClusterEventWithHint } from './cluster-event.js';
import type { CycleState } from './cycle-state.js';
import type { NodeInfo, PodInfo } from './node-info.js';
import type { Status, StatusLike } from './status.js';

/** The extension points, by their upstream names (as used in `KubeSchedulerConfiguration.plugins`). */
export type ExtensionPoint =
  | 'preEnqueue'
  | 'queueSort'
  | 'preFilter'
  | 'filter'
  | 'postFilter'
  | 'preScore'
  | 'score'
  | 'reserve'
  | 'permit'
  | 'preBind'
  | 'bind'
  | 'postBind';

export const EXTENSION_POINTS: readonly ExtensionPoint[] = [
  'preEnqueue',
  'queueSort',
  'preFilter',
  'filter',
  'postFilter',
  'preScore',
  'score',
  'reserve',
  'permit',
  'preBind',
  'bind',
  'postBind',
];

/** Upstream `MaxNodeScore` and `MinNodeScore`. */
export const MAX_NODE_SCORE = 100;
export const MIN_NODE_SCORE = 0;
/** Upstream `maxTimeout` for Permit waits: 15 minutes. */
export const MAX_PERMIT_TIMEOUT_MS = 15 * 60 * 1000;

/** A pod in the scheduling queue (upstream `QueuedPodInfo`), as QueueSort sees it. */
export interface QueuedPodInfo {
  readonly podInfo: PodInfo;
  readonly pod: DeepReadonly<Pod>;
  /** Virtual time (ms) the pod was last added to the queue. */
  readonly timestampMs: number;
  /** Number of scheduling attempts so far. */
  readonly attempts: number;
  /** Virtual time (ms) of the first attempt, if any. */
  readonly initialAttemptTimestampMs?: number;
  /** Plugins that rejected the pod in its last attempt. */
  readonly unschedulablePlugins: ReadonlySet<string>;
  /** Plugins that returned Pending in its last attempt. */
  readonly pendingPlugins: ReadonlySet<string>;
  /** Whether PreEnqueue gated the pod. */
  readonly gated: boolean;
}

/** Upstream `PreFilterResult`: a PreFilter plugin restricting the candidate nodes. */
export interface PreFilterResult {
  readonly nodeNames: ReadonlySet<string>;
}

/** What `preFilter` may return: a status, or a node set (which implies Success). */
export type PreFilterReturn = StatusLike | PreFilterResult;

/** Upstream `PostFilterResult` (`NominatingInfo`) plus the status. */
export interface PostFilterResult {
  readonly status: Status;
  /** Set when the plugin made room for the pod on a node (preemption). */
  readonly nominatedNodeName?: string;
  /** `Override` sets `status.nominatedNodeName`; `Noop` leaves it (upstream `NominatingMode`). */
  readonly nominatingMode?: 'Override' | 'Noop';
}

export type PostFilterReturn = StatusLike | PostFilterResult;

/** One node's score for one plugin; `normalizeScore` may rewrite `score` in place. */
export interface NodeScore {
  readonly name: string;
  score: number;
}

/** What `permit` may return: a status, or `Wait` with a timeout. */
export type PermitReturn = StatusLike | { readonly status: Status; readonly timeoutMs: number };

/** What `score` may return: the raw score, or a non-success status. */
export type ScoreReturn = number | Status;

/** PreFilterExtensions: incremental updates of the cycle state for what-if evaluations. */
export interface PreFilterExtensions {
  addPod(state: CycleState, podToSchedule: DeepReadonly<Pod>, podInfoToAdd: PodInfo, nodeInfo: NodeInfo): StatusLike;
  removePod(state: CycleState, podToSchedule: DeepReadonly<Pod>, podInfoToRemove: PodInfo, nodeInfo: NodeInfo): StatusLike;
}

/**
 * A plugin instance: implement the extension points you need. Method names are the upstream
 * interface methods in camelCase.
 */
export interface SchedulerPluginInstance {
  /** PreEnqueue: a non-Success result keeps the pod out of activeQ (gated). */
  preEnqueue?(pod: DeepReadonly<Pod>): StatusLike;
  /** QueueSort: whether `a` should be popped before `b`. Exactly one QueueSort plugin per profile. */
  less?(a: QueuedPodInfo, b: QueuedPodInfo): boolean;
  preFilter?(state: CycleState, pod: DeepReadonly<Pod>, nodes: readonly NodeInfo[]): PreFilterReturn;
  preFilterExtensions?: PreFilterExtensions;
  filter?(state: CycleState, pod: DeepReadonly<Pod>, nodeInfo: NodeInfo): StatusLike;
  postFilter?(state: CycleState, pod: DeepReadonly<Pod>, filteredNodeStatus: ReadonlyMap<string, Status>): PostFilterReturn;
  preScore?(state: CycleState, pod: DeepReadonly<Pod>, nodes: readonly NodeInfo[]): StatusLike;
  score?(state: CycleState, pod: DeepReadonly<Pod>, nodeInfo: NodeInfo): ScoreReturn;
  /**
   * ScoreExtensions.NormalizeScore: rewrite `scores[i].score` in place into [0, 100]. The list and
   * its entries belong to the framework, which reuses them in later cycles: read them during the
   * call only.
   */
  normalizeScore?(state: CycleState, pod: DeepReadonly<Pod>, scores: NodeScore[]): StatusLike;
  reserve?(state: CycleState, pod: DeepReadonly<Pod>, nodeName: string): StatusLike;
  /** Must be idempotent; may be called even if `reserve` was not. */
  unreserve?(state: CycleState, pod: DeepReadonly<Pod>, nodeName: string): void;
  permit?(state: CycleState, pod: DeepReadonly<Pod>, nodeName: string): PermitReturn;
  /** v1.35 `PreBindPreFlight`: Skip means `preBind` is not called. */
  preBindPreFlight?(state: CycleState, pod: DeepReadonly<Pod>, nodeName: string): StatusLike;
  preBind?(state: CycleState, pod: DeepReadonly<Pod>, nodeName: string): StatusLike;
  /** Skip means "not handled, try the next binder". */
  bind?(state: CycleState, pod: DeepReadonly<Pod>, nodeName: string): StatusLike;
  postBind?(state: CycleState, pod: DeepReadonly<Pod>, nodeName: string): void;
  /** EnqueueExtensions: the cluster events that may make a pod this plugin rejected schedulable. */
  eventsToRegister?(): readonly ClusterEventWithHint[];
}

/** A pod that a Permit plugin is holding (upstream `WaitingPod`). */
export interface WaitingPod {
  readonly pod: DeepReadonly<Pod>;
  readonly nodeName: string;
  /** Plugins that still have to allow the pod. */
  pendingPlugins(): readonly string[];
  /** `plugin` allows the pod; once every waiting plugin has allowed it, binding proceeds. */
  allow(plugin: string): void;
  /** Rejects the pod: it is unreserved and requeued. */
  reject(plugin: string, message: string): void;
}

/** The cluster snapshot a scheduling cycle works on (upstream `SharedLister`). */
export interface NodeInfoLister {
  list(): readonly NodeInfo[];
  get(nodeName: string): NodeInfo | undefined;
  /** Nodes with at least one pod that has (anti-)affinity. */
  havePodsWithAffinityList(): readonly NodeInfo[];
  /** Nodes with at least one pod that has required anti-affinity. */
  havePodsWithRequiredAntiAffinityList(): readonly NodeInfo[];
  /**
   * A mark of the snapshot's state, to pass to `nodesChangedSince` later. Optional, like
   * `nodesChangedSince`: a plugin that keeps per-node results across cycles uses them to revisit
   * only the nodes that changed, and compares every node itself when they are absent.
   */
  changeMark?(): number;
  /**
   * The nodes whose NodeInfo changed (pods added or removed, Node object replaced) since `mark` was
   * taken, possibly repeated, or `undefined` when that is not known (the node list itself changed,
   * or the mark is too old): then every node may have changed.
   */
  nodesChangedSince?(mark: number): readonly NodeInfo[] | undefined;
  /**
   * The listed nodes holding pods of `namespace` that are not terminating and that `selector`
   * selects (an empty selector selects every pod), with how many each holds: a cluster-wide index, so
   * that a count over every node visits only the nodes that matter. Optional; the map may be a live
   * view, valid until the snapshot next changes.
   */
  nodesWithPodsMatching?(namespace: string, selector: Selector): ReadonlyMap<NodeInfo, number>;
  /**
   * How many distinct values the label `topologyKey` takes over the listed nodes, a node without
   * the label counting as the value `''`. Optional; lets a count of the domains among some nodes
   * stop once it has seen them all.
   */
  domainCount?(topologyKey: string): number;
}

/**
 * Read access to other cluster objects (Services, ReplicaSets, StatefulSets, PodDisruptionBudgets,
 * Namespaces, ...), from the scheduler's informer caches. `kind` is `group/Kind` (`apps/ReplicaSet`)
 * or just `Kind` for the core group.
 */
export interface ObjectLister {
  list(kind: string, namespace?: string): readonly DeepReadonly<KubeObject>[];
  get(kind: string, namespace: string | undefined, name: string): DeepReadonly<KubeObject> | undefined;
}

/** The API calls a plugin may make (binding, preemption). Results are reported as statuses. */
export interface SchedulerClient {
  /** POST `pods/binding`. */
  bind(pod: DeepReadonly<Pod>, nodeName: string): Status;
  /** Deletes a victim pod (preemption). */
  deletePod(pod: DeepReadonly<Pod>, reason: string): Status;
  /** Sets or clears `status.nominatedNodeName`. */
  setNominatedNodeName(pod: DeepReadonly<Pod>, nodeName: string | undefined): Status;
  /** Adds or replaces a pod condition (e.g. `DisruptionTarget` on victims). */
  setPodCondition(
    pod: DeepReadonly<Pod>,
    condition: { type: string; status: 'True' | 'False' | 'Unknown'; reason?: string; message?: string },
  ): Status;
}

/** Nominated pods (upstream `PodNominator`). */
export interface PodNominator {
  nominatedPodsForNode(nodeName: string): readonly PodInfo[];
}

/** What a plugin gets from the framework (upstream `framework.Handle`). */
export interface Handle {
  /** The profile's scheduler name. */
  readonly schedulerName: string;
  snapshot(): NodeInfoLister;
  readonly objects: ObjectLister;
  readonly client: SchedulerClient;
  readonly nominator: PodNominator;
  /** A deterministic RNG stream for this plugin (forked from the simulation's seed). */
  readonly rng: Rng;
  /** The virtual clock, in ms. */
  nowMs(): number;
  /** Runs every Filter plugin on `nodeInfo`, also with nominated pods (upstream `RunFilterPluginsWithNominatedPods`). */
  runFilterPluginsWithNominatedPods(state: CycleState, pod: DeepReadonly<Pod>, nodeInfo: NodeInfo): Status;
  /** Runs every PreFilterExtensions.AddPod (upstream `RunPreFilterExtensionAddPod`). */
  runPreFilterExtensionAddPod(state: CycleState, podToSchedule: DeepReadonly<Pod>, podInfoToAdd: PodInfo, nodeInfo: NodeInfo): Status;
  /** Runs every PreFilterExtensions.RemovePod (upstream `RunPreFilterExtensionRemovePod`). */
  runPreFilterExtensionRemovePod(state: CycleState, podToSchedule: DeepReadonly<Pod>, podInfoToRemove: PodInfo, nodeInfo: NodeInfo): Status;
  getWaitingPod(uid: string): WaitingPod | undefined;
  iterateOverWaitingPods(fn: (wp: WaitingPod) => void): void;
  rejectWaitingPod(uid: string): boolean;
}

/** Decodes and validates a plugin's `pluginConfig` args; throws `ConfigError` on bad args. */
export type ArgsDecoder<A> = (raw: unknown, path: string) => A;

/** A scheduler plugin definition: its name, its args and a factory for fresh instances. */
export interface SchedulerPluginDefinition<A = unknown> {
  readonly name: string;
  /** Defaults and validation for `pluginConfig[].args`. Absent: args must be absent or `{}`. */
  readonly decodeArgs?: ArgsDecoder<A>;
  /** Builds a fresh instance per profile (upstream `PluginFactory`). */
  create(args: A, handle: Handle): SchedulerPluginInstance;
}

/**
 * Declares a scheduler plugin. Either give a factory (`create(args, handle)`) for plugins with
 * state or arguments, or give the extension-point methods directly for stateless plugins.
 *
 * @example
 * export default defineSchedulerPlugin({
 *   name: 'NoGpuForBatch',
 *   filter(state, pod, nodeInfo) { ... return Status.unschedulable('gpu nodes are reserved'); },
 * });
 */
export function defineSchedulerPlugin<A = unknown>(
  def:
    | SchedulerPluginDefinition<A>
    | (SchedulerPluginInstance & { readonly name: string; readonly decodeArgs?: ArgsDecoder<A> }),
): SchedulerPluginDefinition<A> {
  if (typeof def.name !== 'string' || def.name === '') throw new TypeError('a scheduler plugin needs a non-empty name');
  if ('create' in def && typeof def.create === 'function') return Object.freeze({ ...def }) as SchedulerPluginDefinition<A>;
  const { name, decodeArgs, ...methods } = def as SchedulerPluginInstance & { name: string; decodeArgs?: ArgsDecoder<A> };
  const instance = Object.freeze(methods) as SchedulerPluginInstance;
  const out: { name: string; decodeArgs?: ArgsDecoder<A>; create: () => SchedulerPluginInstance } = {
    name,
    create: () => instance,
  };
  if (decodeArgs) out.decodeArgs = decodeArgs;
  return Object.freeze(out);
}

/** Which extension points an instance implements (for multiPoint expansion). */
export function implementedExtensionPoints(p: SchedulerPluginInstance): ExtensionPoint[] {
  const out: ExtensionPoint[] = [];
  if (p.preEnqueue) out.push('preEnqueue');
  if (p.less) out.push('queueSort');
  if (p.preFilter) out.push('preFilter');
  if (p.filter) out.push('filter');
  if (p.postFilter) out.push('postFilter');
  if (p.preScore) out.push('preScore');
  if (p.score) out.push('score');
  if (p.reserve || p.unreserve) out.push('reserve');
  if (p.permit) out.push('permit');
  if (p.preBind || p.preBindPreFlight) out.push('preBind');
  if (p.bind) out.push('bind');
  if (p.postBind) out.push('postBind');
  return out;
}
