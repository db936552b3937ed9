/**
 * The scheduler: profiles, cache, queue and the scheduling and binding cycles.
 *
 * Mirrors `pkg/scheduler/scheduler.go` and `schedule_one.go` (`ScheduleOne`, `schedulePod`,
 * `findNodesThatFitPod`, `findNodesThatPassFilters`, `numFeasibleNodesToFind`, `prioritizeNodes`,
 * `selectHost`, `assume`, `bindingCycle`, `handleSchedulingFailure`) and the error texts of
 * `framework/types.go` (`FitError`).
 *
 * Deviations, all for determinism and all documented in docs/scheduler.md:
 * - Filtering is sequential from `nextStartNodeIndex`, stopping at `numFeasibleNodesToFind` feasible
 *   nodes (upstream filters in parallel and cancels, so which nodes it finds can vary).
 * - Ties between top-scoring nodes are broken with the seeded RNG using upstream's reservoir
 *   sampling, so a seed always picks the same node.
 * - A PreFilterResult's node set is visited in snapshot order (upstream iterates a Go map).
 *
 * The scheduler does not own time or I/O: its owner (a simulation actor, or the what-if driver of
 * `kubeprop schedule`) feeds it informer events, calls `scheduleOne()`, runs the binding cycles it
 * returns, and calls the queue's periodic flushes.
 */
import type { DeepReadonly, KubeObject, Node, Pod } from '../api/types.js';
import { ConfigError, PluginError } from '../errors.js';
import type { Clock } from '../sim/clock.js';
import type { Rng } from '../sim/rng.js';
import { ActionType, type ClusterEvent } from './cluster-event.js';
import { decodePluginArgs, resolveProfile } from './config.js';
import type { ResolvedProfile, SchedulerConfig, SchedulerProfileConfig } from './config-types.js';
import { CycleState } from './cycle-state.js';
import { Framework, type EnabledPlugin } from './framework.js';
import { newPodInfo, type NodeInfo, type PodInfo } from './node-info.js';
import {
  EXTENSION_POINTS,
  implementedExtensionPoints,
  type ExtensionPoint,
  type Handle,
  type ObjectLister,
  type SchedulerClient,
  type SchedulerPluginDefinition,
  type SchedulerPluginInstance,
  type WaitingPod,
} from './plugin.js';
import { SchedulerCache } from './scheduler-cache.js';
import {
  buildQueueProfile,
  PrioritySort,
  SchedulingQueue,
  type QueuedPodSnapshot,
  type QueueProfile,
} from './scheduling-queue.js';
import { isRejected, Status, statusMessage } from './status.js';

/** Upstream `minFeasibleNodesToFind`. */
export const MIN_FEASIBLE_NODES_TO_FIND = 100;
/** Upstream `minFeasibleNodesPercentageToFind`. */
export const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;
/** Upstream `ErrNoNodesAvailable`. */
export const ERR_NO_NODES_AVAILABLE = 'no nodes available to schedule pods';

/**
 * Upstream `numFeasibleNodesToFind`: how many feasible nodes to look for before scoring. Below 100
 * nodes, all; otherwise `percentageOfNodesToScore` (adaptive `50 − n/125`, at least 5 %, when 0), at
 * least 100.
 */
export function numFeasibleNodesToFind(percentageOfNodesToScore: number | undefined, numAllNodes: number): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes;
  let pct = percentageOfNodesToScore ?? 0;
  if (pct === 0) {
    pct = 50 - Math.trunc(numAllNodes / 125);
    if (pct < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND) pct = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND;
  }
  const n = Math.trunc((numAllNodes * pct) / 100);
  return n < MIN_FEASIBLE_NODES_TO_FIND ? MIN_FEASIBLE_NODES_TO_FIND : n;
}

const NO_POD_INFOS: readonly PodInfo[] = Object.freeze([]);

/** Upstream `Diagnosis`: why a pod did not fit. */
export interface Diagnosis {
  /** Statuses of the nodes that were evaluated and rejected, in evaluation order. */
  readonly nodeToStatus: Map<string, Status>;
  /** The status of nodes absent from `nodeToStatus` (PreFilter rejection or a PreFilterResult). */
  absentNodesStatus: Status | undefined;
  readonly unschedulablePlugins: Set<string>;
  readonly pendingPlugins: Set<string>;
  preFilterMsg: string;
  postFilterMsg: string;
}

function newDiagnosis(): Diagnosis {
  return { nodeToStatus: new Map(), absentNodesStatus: undefined, unschedulablePlugins: new Set(), pendingPlugins: new Set(), preFilterMsg: '', postFilterMsg: '' };
}

/** Upstream `FitError.Error()`: `0/N nodes are available: <prefilter>. <filter reasons>. <postfilter>`. */
export function fitErrorMessage(numAllNodes: number, d: Diagnosis): string {
  let msg = `0/${numAllNodes} nodes are available:`;
  if (d.preFilterMsg !== '') {
    msg += ` ${d.preFilterMsg}.`;
  } else {
    const counts = new Map<string, number>();
    for (const s of d.nodeToStatus.values()) for (const r of s.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
    const absent = numAllNodes - d.nodeToStatus.size;
    if (absent > 0 && d.absentNodesStatus) for (const r of d.absentNodesStatus.reasons) counts.set(r, (counts.get(r) ?? 0) + absent);
    const parts = [...counts].map(([r, n]) => `${n} ${r}`);
    // Go's sort.Strings: byte-wise order of the whole "N reason" strings.
    parts.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (parts.length > 0) msg += ` ${parts.join(', ')}.`;
  }
  if (d.postFilterMsg !== '') msg += ` ${d.postFilterMsg}`;
  return msg;
}

/** Per-node detail of one scheduling attempt, for `--explain`. */
export interface NodeExplain {
  readonly filter: Status;
  /** Normalized (unweighted) score per plugin; absent when the node was not scored. */
  readonly scores?: ReadonlyMap<string, number>;
  readonly totalScore?: number;
}

/** The outcome of one scheduling cycle. */
export type ScheduleAttempt =
  | {
      readonly kind: 'assumed';
      readonly pod: DeepReadonly<Pod>;
      readonly nodeName: string;
      /** The binding cycle to run (now, or once every waiting Permit plugin allowed the pod). */
      readonly binding: PendingBinding;
      readonly evaluatedNodes: number;
      readonly feasibleNodes: number;
      readonly explain?: ReadonlyMap<string, NodeExplain>;
    }
  | {
      readonly kind: 'failed';
      readonly pod: DeepReadonly<Pod>;
      readonly status: Status;
      /** The FitError text (or error text) recorded in the pod's PodScheduled condition. */
      readonly message: string;
      readonly nominatedNodeName?: string;
      readonly diagnosis?: Diagnosis;
      readonly explain?: ReadonlyMap<string, NodeExplain>;
    }
  | { readonly kind: 'skipped'; readonly pod: DeepReadonly<Pod>; readonly reason: string };

/** A pod that passed the scheduling cycle and waits for its binding cycle. */
export interface PendingBinding {
  readonly pod: DeepReadonly<Pod>;
  readonly assumedPod: DeepReadonly<Pod>;
  readonly nodeName: string;
  readonly state: CycleState;
  readonly profile: string;
  readonly queued: QueuedPodSnapshot;
  /** Set while Permit plugins hold the pod; the binding cycle waits for it. */
  readonly waiting?: WaitingPodImpl;
}

/** The outcome of a binding cycle. */
export type BindingOutcome =
  | { readonly kind: 'bound'; readonly pod: DeepReadonly<Pod>; readonly nodeName: string }
  | { readonly kind: 'failed'; readonly pod: DeepReadonly<Pod>; readonly nodeName: string; readonly status: Status; readonly message: string }
  | { readonly kind: 'waiting'; readonly pod: DeepReadonly<Pod>; readonly nodeName: string };

/** A pod held by Permit plugins (upstream `waitingPod`). */
export class WaitingPodImpl implements WaitingPod {
  /** Plugin → virtual time at which its wait times out. */
  private readonly pending: Map<string, number>;
  /** Plugin → how long it asked to wait (for the timeout message). */
  private readonly waitMs: ReadonlyMap<string, number>;
  private decision: Status | undefined;

  constructor(
    readonly pod: DeepReadonly<Pod>,
    readonly nodeName: string,
    waitingPlugins: ReadonlyMap<string, number>,
    startMs: number,
  ) {
    this.pending = new Map([...waitingPlugins].map(([p, t]) => [p, startMs + t]));
    this.waitMs = new Map(waitingPlugins);
  }

  pendingPlugins(): readonly string[] {
    return [...this.pending.keys()];
  }

  allow(plugin: string): void {
    this.pending.delete(plugin);
    if (this.pending.size === 0 && this.decision === undefined) this.decision = Status.success();
  }

  reject(plugin: string, message: string): void {
    if (this.decision === undefined) this.decision = Status.withPlugin(Status.unschedulable(message), plugin);
  }

  /** The earliest virtual time at which a waiting plugin times out. */
  deadlineMs(): number | undefined {
    let min: number | undefined;
    for (const t of this.pending.values()) if (min === undefined || t < min) min = t;
    return min;
  }

  /** Rejects for the first plugin whose timeout passed (upstream: `rejected due to timeout after waiting %v at plugin %v`). */
  expire(nowMs: number): void {
    for (const [p, t] of this.pending) {
      if (t <= nowMs) {
        this.reject(p, `rejected due to timeout after waiting ${formatGoDuration(this.waitMs.get(p) ?? 0)} at plugin ${p}`);
        return;
      }
    }
  }

  /** Success, a rejection, or undefined while still waiting. */
  result(): Status | undefined {
    return this.decision;
  }
}

/** A whole number of milliseconds as Go's `time.Duration.String()` prints it (`500ms`, `1.5s`, `15m0s`, `1h1m1.25s`). */
function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const rest = ms % 60_000;
  const frac = rest % 1000;
  const s = `${Math.floor(rest / 1000)}${frac === 0 ? '' : `.${String(frac).padStart(3, '0').replace(/0+$/, '')}`}s`;
  if (h > 0) return `${h}h${m}m${s}`;
  if (m > 0) return `${m}m${s}`;
  return s;
}

/** A registry of scheduler plugins by name (upstream `runtime.Registry`). */
export type PluginRegistry = ReadonlyMap<string, SchedulerPluginDefinition<unknown>>;

/** Builds a registry from definitions; duplicate names are a `ConfigError`. */
export function pluginRegistry(defs: Iterable<SchedulerPluginDefinition<never> | SchedulerPluginDefinition<unknown>>): Map<string, SchedulerPluginDefinition<unknown>> {
  const m = new Map<string, SchedulerPluginDefinition<unknown>>();
  for (const d of defs) {
    if (m.has(d.name)) throw new ConfigError(`a plugin named ${JSON.stringify(d.name)} already exists in the registry`);
    m.set(d.name, d as SchedulerPluginDefinition<unknown>);
  }
  return m;
}

/** What the scheduler needs from its environment. */
export interface SchedulerOptions {
  readonly config: SchedulerConfig;
  readonly registry: PluginRegistry;
  readonly clock: Clock;
  readonly rng: Rng;
  readonly client: SchedulerClient;
  readonly objects: ObjectLister;
  /** Record per-node filter statuses and scores of each attempt (for `--explain`). */
  readonly explain?: boolean;
  /** Receives structured events (attempts, binds, failures) for the trace. */
  readonly trace?: (kind: string, fields: Record<string, string | number | boolean | undefined>) => void;
}

interface Profile {
  readonly name: string;
  readonly resolved: ResolvedProfile;
  readonly framework: Framework;
  readonly percentageOfNodesToScore: number | undefined;
}

function podRef(p: DeepReadonly<Pod>): string {
  return `${p.metadata?.namespace ?? 'default'}/${p.metadata?.name ?? ''}`;
}

function schedulerNameOf(p: DeepReadonly<Pod>): string {
  const n = p.spec?.schedulerName;
  return n === undefined || n === '' ? 'default-scheduler' : n;
}

/** Node update → the cluster event bits upstream derives (`nodeSchedulingPropertiesChange`). */
function nodeUpdateEvent(oldNode: DeepReadonly<Node>, newNode: DeepReadonly<Node>): number {
  let bits = 0;
  if (JSON.stringify(oldNode.status?.allocatable ?? {}) !== JSON.stringify(newNode.status?.allocatable ?? {})) bits |= ActionType.UpdateNodeAllocatable;
  if (JSON.stringify(oldNode.metadata?.labels ?? {}) !== JSON.stringify(newNode.metadata?.labels ?? {})) bits |= ActionType.UpdateNodeLabel;
  if (
    JSON.stringify(oldNode.spec?.taints ?? []) !== JSON.stringify(newNode.spec?.taints ?? []) ||
    (oldNode.spec?.unschedulable ?? false) !== (newNode.spec?.unschedulable ?? false)
  ) {
    bits |= ActionType.UpdateNodeTaint;
  }
  if (JSON.stringify(oldNode.status?.conditions ?? []) !== JSON.stringify(newNode.status?.conditions ?? [])) bits |= ActionType.UpdateNodeCondition;
  if (JSON.stringify(oldNode.metadata?.annotations ?? {}) !== JSON.stringify(newNode.metadata?.annotations ?? {})) bits |= ActionType.UpdateNodeAnnotation;
  return bits;
}

/** The scheduler component. */
export class Scheduler {
  readonly cache = new SchedulerCache();
  readonly queue: SchedulingQueue;
  private readonly profiles = new Map<string, Profile>();
  private readonly waiting = new Map<string, PendingBinding>();
  private nextStartNodeIndex = 0;
  /** `findNodesThatPassFilters`' scratch list (entries past the current cycle's count are stale). */
  private readonly feasibleScratch: NodeInfo[] = [];
  private readonly explain: boolean;
  /** Plugin errors from every profile and the queue, in order of occurrence. */
  readonly pluginErrors: PluginError[] = [];

  constructor(private readonly opts: SchedulerOptions) {
    this.explain = opts.explain ?? false;
    // Plugins are instantiated per profile before the lists are resolved: which extension points a
    // plugin extends is known only from its instance, as upstream's NewFramework does.
    const instances = new Map<string, Map<string, SchedulerPluginInstance>>();
    const resolved = opts.config.profiles.map((cfg) => {
      const inst = new Map<string, SchedulerPluginInstance>();
      instances.set(cfg.schedulerName, inst);
      return resolveProfile(
        cfg,
        (name, point) => implementedExtensionPoints(this.instantiate(cfg, undefined, name, inst)).includes(point),
        (name) => opts.registry.has(name),
      );
    });
    const firstSort = resolved[0]?.plugins.queueSort[0]?.name;
    resolved.forEach((r, i) => {
      const qs = r.plugins.queueSort[0]?.name;
      if (i > 0 && qs !== firstSort) {
        throw new ConfigError(`profiles[${i}].plugins.queueSort: Invalid value: ${JSON.stringify(qs)}: queueSort must be the same for all profiles`, opts.config.fileName);
      }
    });
    const queueProfiles = new Map<string, QueueProfile>();
    resolved.forEach((rp, i) => {
      const profileCfg = opts.config.profiles[i]!;
      const inst = instances.get(profileCfg.schedulerName) ?? new Map<string, SchedulerPluginInstance>();
      const byPoint = {} as Record<ExtensionPoint, EnabledPlugin[]>;
      for (const point of EXTENSION_POINTS) {
        byPoint[point] = rp.plugins[point].map((p) => {
          const instance = inst.get(p.name) ?? this.instantiate(profileCfg, rp, p.name, inst);
          return { name: p.name, instance, weight: point === 'score' ? Math.max(1, p.weight ?? 1) : 1 };
        });
      }
      const framework = new Framework(rp.schedulerName, byPoint, new Set(rp.omittedPlugins), this.handleRef(rp.schedulerName));
      const pct = rp.percentageOfNodesToScore ?? opts.config.percentageOfNodesToScore;
      this.profiles.set(rp.schedulerName, { name: rp.schedulerName, resolved: rp, framework, percentageOfNodesToScore: pct });
      const rejecting: { name: string; instance: SchedulerPluginInstance }[] = [];
      for (const point of ['preEnqueue', 'preFilter', 'filter', 'reserve', 'permit'] as const) {
        for (const p of byPoint[point]) if (!rejecting.some((r) => r.name === p.name)) rejecting.push({ name: p.name, instance: p.instance });
      }
      queueProfiles.set(rp.schedulerName, buildQueueProfile({ preEnqueue: byPoint.preEnqueue, rejecting }));
    });
    const first = this.profiles.values().next().value as Profile | undefined;
    const sort = first?.framework.plugins.queueSort[0];
    this.queue = new SchedulingQueue({
      clock: opts.clock,
      makePodInfo: newPodInfo,
      // The default PrioritySort is handed over as itself, so that the queue can compare on the
      // priorities it keeps; any other QueueSort runs through the framework's guard.
      ...(sort
        ? { queueSort: sort.instance.less === PrioritySort.less ? PrioritySort : { name: sort.name, less: (a, b) => first!.framework.queueSortLess(a, b) } }
        : {}),
      profiles: queueProfiles,
      podInitialBackoffMs: opts.config.podInitialBackoffSeconds * 1000,
      podMaxBackoffMs: opts.config.podMaxBackoffSeconds * 1000,
      podAffinityMatches: (pending, assigned) =>
        pending.podInfo.requiredAffinityTerms.some((t) => t.selector.matches(assigned.metadata?.labels as Record<string, string> | undefined)),
      onPluginError: (e) => this.recordPluginError(e),
    });
  }

  private instantiate(
    cfg: SchedulerProfileConfig,
    rp: ResolvedProfile | undefined,
    name: string,
    into: Map<string, SchedulerPluginInstance>,
  ): SchedulerPluginInstance {
    const existing = into.get(name);
    if (existing) return existing;
    const def = this.opts.registry.get(name);
    if (!def) throw new ConfigError(`plugin ${JSON.stringify(name)} is not registered`);
    const argsProfile: ResolvedProfile = rp ?? argsOnlyProfile(cfg);
    const args = decodePluginArgs(argsProfile, name, def.decodeArgs);
    let instance: SchedulerPluginInstance;
    try {
      instance = def.create(args, this.pluginHandle(cfg.schedulerName, name));
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      throw new PluginError(name, 'New', `failed to initialize: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    if (instance === null || typeof instance !== 'object') {
      throw new PluginError(name, 'New', `create() returned ${String(instance)} instead of a plugin instance`);
    }
    into.set(name, instance);
    return instance;
  }

  private readonly handleRefs = new Map<string, { handle?: Handle }>();
  private handleRef(profile: string): { handle?: Handle } {
    let r = this.handleRefs.get(profile);
    if (!r) this.handleRefs.set(profile, (r = {}));
    return r;
  }

  /** A Handle for one plugin of one profile: shared views, its own RNG stream. */
  private pluginHandle(profileName: string, pluginName: string): Handle {
    const self = this;
    const fw = (): Framework => {
      const p = self.profiles.get(profileName);
      if (!p) throw new PluginError(pluginName, 'Handle', 'the framework is not ready yet (a plugin may not run extension points from create())');
      return p.framework;
    };
    const handle: Handle = {
      schedulerName: profileName,
      snapshot: () => self.cache,
      objects: self.opts.objects,
      client: self.opts.client,
      nominator: { nominatedPodsForNode: (n) => self.queue.nominatedPodsForNode(n) },
      rng: self.opts.rng.fork(`${profileName}/${pluginName}`),
      nowMs: () => self.opts.clock.nowMs(),
      runFilterPluginsWithNominatedPods: (state, pod, nodeInfo) =>
        fw().runFilterPluginsWithNominatedPods(state, pod, nodeInfo, self.queue.nominatedPodsForNode(nodeInfo.name)),
      runPreFilterExtensionAddPod: (state, pod, pi, ni) => fw().runPreFilterExtensionAddPod(state, pod, pi, ni),
      runPreFilterExtensionRemovePod: (state, pod, pi, ni) => fw().runPreFilterExtensionRemovePod(state, pod, pi, ni),
      getWaitingPod: (uid) => self.waiting.get(uid)?.waiting,
      iterateOverWaitingPods: (fn) => {
        for (const b of self.waiting.values()) if (b.waiting) fn(b.waiting);
      },
      rejectWaitingPod: (uid) => {
        const b = self.waiting.get(uid);
        if (!b?.waiting) return false;
        b.waiting.reject(pluginName, 'removed');
        return true;
      },
    };
    this.handleRef(profileName).handle ??= handle;
    return handle;
  }

  private recordPluginError(e: PluginError): void {
    if (this.pluginErrors.length < 1000) this.pluginErrors.push(e);
    this.opts.trace?.('plugin-error', { plugin: e.plugin, point: e.extensionPoint, message: e.message });
  }

  /** Every plugin error recorded so far, from the frameworks and the queue, deduplicated. */
  allPluginErrors(): PluginError[] {
    const out = [...this.pluginErrors];
    for (const p of this.profiles.values()) for (const e of p.framework.pluginErrors) if (!out.includes(e)) out.push(e);
    return out;
  }

  /** The profile names (scheduler names) this scheduler serves. */
  profileNames(): string[] {
    return [...this.profiles.keys()];
  }

  /** Whether a pod is this scheduler's responsibility (upstream `responsibleForPod`). */
  responsibleFor(pod: DeepReadonly<Pod>): boolean {
    return this.profiles.has(schedulerNameOf(pod));
  }

  // ---- informer events ----

  /** A pod was added (upstream `addPodToCache` / `addPodToSchedulingQueue`). */
  onPodAdd(pod: DeepReadonly<Pod>): void {
    if (pod.spec?.nodeName) {
      this.cache.addPod(pod);
      this.queue.assignedPodAdded(pod);
      return;
    }
    if (pod.metadata?.deletionTimestamp || !this.responsibleFor(pod)) return;
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return;
    this.queue.add(pod);
  }

  /** A pod changed. */
  onPodUpdate(oldPod: DeepReadonly<Pod>, newPod: DeepReadonly<Pod>): void {
    if (newPod.spec?.nodeName) {
      if (!oldPod.spec?.nodeName) {
        // Bound: it leaves the queue (it is in flight or done) and enters the cache.
        this.queue.delete(newPod);
        this.cache.addPod(newPod);
        this.queue.assignedPodAdded(newPod);
        return;
      }
      this.cache.updatePod(newPod);
      this.queue.assignedPodUpdated(oldPod, newPod);
      return;
    }
    if (newPod.metadata?.deletionTimestamp || !this.responsibleFor(newPod)) {
      this.queue.delete(newPod);
      return;
    }
    this.queue.update(oldPod, newPod);
  }

  /** A pod was deleted. */
  onPodDelete(pod: DeepReadonly<Pod>): void {
    const uid = pod.metadata?.uid ?? '';
    if (pod.spec?.nodeName || this.cache.podNodeName(uid) !== undefined) {
      this.cache.removePod(pod);
      this.queue.moveAllToActiveOrBackoffQueue({ resource: 'AssignedPod', actionType: ActionType.Delete, label: 'AssignedPodDelete' }, pod as DeepReadonly<KubeObject>, undefined);
    }
    const pending = this.waiting.get(uid);
    if (pending?.waiting) pending.waiting.reject('', 'pod deleted');
    this.queue.delete(pod);
  }

  onNodeAdd(node: DeepReadonly<Node>): void {
    this.cache.addNode(node);
    this.queue.moveAllToActiveOrBackoffQueue({ resource: 'Node', actionType: ActionType.Add, label: 'NodeAdd' }, undefined, node as DeepReadonly<KubeObject>);
  }

  onNodeUpdate(oldNode: DeepReadonly<Node>, newNode: DeepReadonly<Node>): void {
    this.cache.updateNode(newNode);
    const bits = nodeUpdateEvent(oldNode, newNode);
    if (bits !== 0) {
      this.queue.moveAllToActiveOrBackoffQueue(
        { resource: 'Node', actionType: bits, label: 'NodeUpdate' },
        oldNode as DeepReadonly<KubeObject>,
        newNode as DeepReadonly<KubeObject>,
      );
    }
  }

  onNodeDelete(node: DeepReadonly<Node>): void {
    this.cache.removeNode(node.metadata?.name ?? '');
    this.queue.moveAllToActiveOrBackoffQueue({ resource: 'Node', actionType: ActionType.Delete, label: 'NodeDelete' }, node as DeepReadonly<KubeObject>, undefined);
  }

  /** Another kind of object changed (Services, PVCs, ...): a cluster event for the queue. */
  onObjectEvent(event: ClusterEvent, oldObj: DeepReadonly<KubeObject> | undefined, newObj: DeepReadonly<KubeObject> | undefined): void {
    this.queue.moveAllToActiveOrBackoffQueue(event, oldObj, newObj);
  }

  // ---- the scheduling cycle ----

  /** Upstream `ScheduleOne` (scheduling cycle part). Undefined when no pod can be popped. */
  scheduleOne(): ScheduleAttempt | undefined {
    const qp = this.queue.pop();
    if (!qp) return undefined;
    const pod = qp.pod;
    const profile = this.profiles.get(schedulerNameOf(pod));
    if (!profile) {
      this.queue.done(qp.uid);
      return { kind: 'skipped', pod, reason: `no profile for scheduler name ${schedulerNameOf(pod)}` };
    }
    if (pod.metadata?.deletionTimestamp) {
      this.queue.done(qp.uid);
      return { kind: 'skipped', pod, reason: 'pod is being deleted' };
    }
    if (this.cache.isAssumedPod(qp.uid)) {
      this.queue.done(qp.uid);
      return { kind: 'skipped', pod, reason: 'pod is already assumed' };
    }
    const fw = profile.framework;
    const state = new CycleState();
    const explain = this.explain ? new Map<string, NodeExplain>() : undefined;
    const res = this.schedulePod(profile, state, pod, qp.podInfo, explain);
    this.opts.trace?.('schedule-attempt', { pod: podRef(pod), result: res.kind === 'ok' ? res.nodeName : 'unschedulable' });

    if (res.kind !== 'ok') {
      // Upstream clears the nomination when the cycle fails with an error (`clearNominatedNode`).
      let nominated: string | undefined = res.kind === 'error' ? '' : undefined;
      let status = res.status;
      if (res.kind === 'fit-error' && fw.has('postFilter')) {
        const statuses = new Map<string, Status>();
        for (const ni of this.cache.list()) {
          statuses.set(ni.name, res.diagnosis.nodeToStatus.get(ni.name) ?? res.diagnosis.absentNodesStatus ?? Status.unschedulableAndUnresolvable());
        }
        const pf = fw.runPostFilterPlugins(state, pod, statuses);
        if (pf.status.code === 'Error') {
          this.opts.trace?.('postfilter-error', { pod: podRef(pod), message: statusMessage(pf.status) });
        } else {
          res.diagnosis.postFilterMsg = statusMessage(pf.status);
          if (pf.status.plugin && isRejected(pf.status)) res.diagnosis.unschedulablePlugins.add(pf.status.plugin);
        }
        if (pf.nominatedNodeName !== undefined && (pf.nominatingMode ?? 'Override') === 'Override') nominated = pf.nominatedNodeName;
        else if (pf.status.code === 'Success') nominated = pf.nominatedNodeName;
      }
      const message = res.kind === 'fit-error' ? fitErrorMessage(res.numAllNodes, res.diagnosis) : statusMessage(status);
      if (res.kind === 'fit-error') status = Status.of('Unschedulable', message);
      this.handleFailure(qp, pod, status, message, res.kind === 'fit-error' ? res.diagnosis : undefined, nominated);
      return {
        kind: 'failed',
        pod,
        status,
        message,
        ...(nominated !== undefined ? { nominatedNodeName: nominated } : {}),
        ...(res.kind === 'fit-error' ? { diagnosis: res.diagnosis } : {}),
        ...(explain ? { explain } : {}),
      };
    }

    // Assume, reserve, permit.
    const nodeName = res.nodeName;
    const assumedPod = withNodeName(pod, nodeName);
    this.cache.assumePod(assumedPod, nodeName, qp.podInfo);
    const reserve = fw.runReservePluginsReserve(state, assumedPod, nodeName);
    if (reserve.code !== 'Success') {
      fw.runReservePluginsUnreserve(state, assumedPod, nodeName);
      this.cache.forgetPod(assumedPod);
      return this.assumedPodFailed(qp, pod, nodeName, reserve, explain);
    }
    const permit = fw.runPermitPlugins(state, assumedPod, nodeName);
    if (permit.status.code !== 'Success' && permit.status.code !== 'Wait') {
      fw.runReservePluginsUnreserve(state, assumedPod, nodeName);
      this.cache.forgetPod(assumedPod);
      return this.assumedPodFailed(qp, pod, nodeName, permit.status, explain);
    }
    const waiting = permit.status.code === 'Wait' ? new WaitingPodImpl(assumedPod, nodeName, permit.waiting, this.opts.clock.nowMs()) : undefined;
    const binding: PendingBinding = { pod, assumedPod, nodeName, state, profile: profile.name, queued: qp, ...(waiting ? { waiting } : {}) };
    this.waiting.set(qp.uid, binding);
    return {
      kind: 'assumed',
      pod,
      nodeName,
      binding,
      evaluatedNodes: res.evaluatedNodes,
      feasibleNodes: res.feasibleNodes,
      ...(explain ? { explain } : {}),
    };
  }

  /**
   * A Reserve or Permit failure after the pod was unreserved and forgotten. As upstream, a rejection
   * becomes a FitError over the one node tried (`0/1 nodes are available: 1 <reason>.`), and the
   * pod's nomination is cleared.
   */
  private assumedPodFailed(
    qp: QueuedPodSnapshot,
    pod: DeepReadonly<Pod>,
    nodeName: string,
    status: Status,
    explain: Map<string, NodeExplain> | undefined,
  ): ScheduleAttempt {
    if (!isRejected(status)) {
      const message = statusMessage(status);
      this.handleFailure(qp, pod, status, message, undefined, '');
      return { kind: 'failed', pod, status, message, ...(explain ? { explain } : {}) };
    }
    const diagnosis = newDiagnosis();
    diagnosis.nodeToStatus.set(nodeName, status);
    if (status.plugin) {
      diagnosis.unschedulablePlugins.add(status.plugin);
      if (status.code === 'Pending') diagnosis.pendingPlugins.add(status.plugin);
    }
    const message = fitErrorMessage(1, diagnosis);
    const fitError = Status.of(status.code, message);
    const st = status.plugin ? Status.withPlugin(fitError, status.plugin) : fitError;
    this.handleFailure(qp, pod, st, message, diagnosis, '');
    return { kind: 'failed', pod, status: st, message, diagnosis, ...(explain ? { explain } : {}) };
  }

  /** Earliest Permit timeout among waiting pods, for the owner's timer. */
  nextPermitDeadlineMs(): number | undefined {
    let min: number | undefined;
    for (const b of this.waiting.values()) {
      const d = b.waiting?.deadlineMs();
      if (d !== undefined && (min === undefined || d < min)) min = d;
    }
    return min;
  }

  /** Bindings whose Permit wait has ended (allowed, rejected or timed out), in assumption order. */
  readyBindings(): PendingBinding[] {
    const now = this.opts.clock.nowMs();
    const out: PendingBinding[] = [];
    for (const b of this.waiting.values()) {
      if (!b.waiting) {
        out.push(b);
        continue;
      }
      b.waiting.expire(now);
      if (b.waiting.result() !== undefined) out.push(b);
    }
    return out;
  }

  /** Upstream `bindingCycle`: WaitOnPermit → PreBind → Bind → PostBind, with failure handling. */
  runBindingCycle(b: PendingBinding): BindingOutcome {
    const profile = this.profiles.get(b.profile)!;
    const fw = profile.framework;
    const { assumedPod, nodeName, state } = b;
    if (b.waiting) {
      const r = b.waiting.result();
      if (r === undefined) return { kind: 'waiting', pod: b.pod, nodeName };
      if (r.code !== 'Success') return this.bindingFailed(b, fw, r);
    }
    this.waiting.delete(b.queued.uid);
    const pre = fw.runPreBindPlugins(state, assumedPod, nodeName);
    if (pre.code !== 'Success') return this.bindingFailed(b, fw, pre);
    const bind = fw.runBindPlugins(state, assumedPod, nodeName);
    if (bind.code !== 'Success') {
      const st = bind.code === 'Skip' ? Status.error(`no bind plugin bound pod ${podRef(b.pod)}`) : bind;
      return this.bindingFailed(b, fw, st);
    }
    this.cache.finishBinding(b.queued.uid);
    fw.runPostBindPlugins(state, assumedPod, nodeName);
    this.queue.done(b.queued.uid);
    this.opts.trace?.('bind', { pod: podRef(b.pod), node: nodeName });
    return { kind: 'bound', pod: b.pod, nodeName };
  }

  private bindingFailed(b: PendingBinding, fw: Framework, status: Status): BindingOutcome {
    this.waiting.delete(b.queued.uid);
    fw.runReservePluginsUnreserve(b.state, b.assumedPod, b.nodeName);
    this.cache.forgetPod(b.assumedPod);
    // Upstream broadcasts the deletion of the assumed pod so pods waiting on its resources can retry.
    // After a rejection the broadcast waits until the pod is requeued and skips the pod itself, so
    // its own deletion event does not send it to backoff (`handleBindingCycleError`).
    const event = { resource: 'AssignedPod', actionType: ActionType.Delete, label: 'AssignedPodDelete' } as const;
    const rejected = isRejected(status);
    if (!rejected) this.queue.moveAllToActiveOrBackoffQueue(event, b.assumedPod as DeepReadonly<KubeObject>, undefined);
    const message = statusMessage(status);
    this.handleFailure(b.queued, b.pod, status, message, undefined, '');
    if (rejected) {
      const uid = b.queued.uid;
      this.queue.moveAllToActiveOrBackoffQueue(event, b.assumedPod as DeepReadonly<KubeObject>, undefined, (p) => p.metadata?.uid !== uid);
    }
    return { kind: 'failed', pod: b.pod, nodeName: b.nodeName, status, message };
  }

  /** Upstream `handleSchedulingFailure`: requeue, record the condition and the nomination. */
  private handleFailure(
    qp: QueuedPodSnapshot,
    pod: DeepReadonly<Pod>,
    status: Status,
    message: string,
    diagnosis: Diagnosis | undefined,
    nominatedNodeName: string | undefined,
  ): void {
    const code = status.code;
    const requeued = this.queue.addUnschedulableIfNotPresent(qp, {
      code: code === 'Success' || code === 'Wait' || code === 'Skip' ? 'Error' : code,
      ...(diagnosis ? { unschedulablePlugins: diagnosis.unschedulablePlugins, pendingPlugins: diagnosis.pendingPlugins } : status.plugin && isRejected(status) ? { unschedulablePlugins: [status.plugin] } : {}),
    });
    // Upstream tells the nominator at once instead of waiting for the pod update to come back through
    // the informer, so no other pod takes the room preemption made in the meantime. A pod deleted or
    // bound during its attempt is not nominated.
    if (requeued.ok && nominatedNodeName !== undefined) this.queue.addNominatedPod(qp.podInfo, { mode: 'Override', nominatedNodeName });
    // As upstream's updatePod, the nomination is written only when it changes.
    if (nominatedNodeName !== undefined && nominatedNodeName !== (pod.status?.nominatedNodeName ?? '')) {
      this.opts.client.setNominatedNodeName(pod, nominatedNodeName === '' ? undefined : nominatedNodeName);
    }
    const reason = code === 'Error' ? 'SchedulerError' : 'Unschedulable';
    this.opts.client.setPodCondition(pod, { type: 'PodScheduled', status: 'False', reason, message });
    this.opts.trace?.('schedule-failed', { pod: podRef(pod), reason, message });
  }

  /** Upstream `schedulePod`. */
  private schedulePod(
    profile: Profile,
    state: CycleState,
    pod: DeepReadonly<Pod>,
    podInfo: PodInfo,
    explain: Map<string, NodeExplain> | undefined,
  ):
    | { kind: 'ok'; nodeName: string; evaluatedNodes: number; feasibleNodes: number }
    | { kind: 'fit-error'; status: Status; numAllNodes: number; diagnosis: Diagnosis }
    | { kind: 'error'; status: Status } {
    const allNodes = this.cache.list();
    // Upstream: `NewStatus(UnschedulableAndUnresolvable).WithError(ErrNoNodesAvailable)`.
    if (allNodes.length === 0) return { kind: 'error', status: Status.unschedulableAndUnresolvable(ERR_NO_NODES_AVAILABLE) };
    if (podInfo.parseError !== undefined) return { kind: 'error', status: Status.error(podInfo.parseError) };
    const fw = profile.framework;
    const diagnosis = newDiagnosis();
    const found = this.findNodesThatFitPod(profile, state, pod, allNodes, diagnosis, explain);
    if (found.kind === 'error') return found;
    const feasible = found.nodes;
    if (feasible.length === 0) return { kind: 'fit-error', status: Status.unschedulable(), numAllNodes: allNodes.length, diagnosis };
    const evaluatedNodes = feasible.length + diagnosis.nodeToStatus.size;
    if (feasible.length === 1) return { kind: 'ok', nodeName: feasible[0]!.name, evaluatedNodes, feasibleNodes: 1 };

    // prioritizeNodes
    let totals: Float64Array;
    if (!fw.has('score')) {
      totals = new Float64Array(feasible.length).fill(1);
      if (explain) for (const n of feasible) explain.set(n.name, { filter: Status.success(), scores: new Map(), totalScore: 1 });
    } else {
      const pre = fw.runPreScorePlugins(state, pod, feasible);
      if (pre.code !== 'Success') return { kind: 'error', status: pre };
      // The per-plugin breakdown is built only when it is shown.
      const breakdown = explain ? feasible.map(() => new Map<string, number>()) : undefined;
      const r = fw.scoreNodes(state, pod, feasible, breakdown);
      if (r.status.code !== 'Success') return { kind: 'error', status: r.status };
      totals = r.totals;
      if (explain) {
        for (let i = 0; i < feasible.length; i++) {
          explain.set(feasible[i]!.name, { filter: Status.success(), scores: breakdown![i]!, totalScore: totals[i]! });
        }
      }
    }
    return { kind: 'ok', nodeName: this.selectHost(feasible, totals), evaluatedNodes, feasibleNodes: feasible.length };
  }

  /** Upstream `selectHost`: the maximum total score; ties by reservoir sampling with the seeded RNG. */
  private selectHost(nodes: readonly NodeInfo[], totals: Float64Array): string {
    let selected = 0;
    let best = totals[0]!;
    let cnt = 1;
    for (let i = 1; i < nodes.length; i++) {
      const t = totals[i]!;
      if (t > best) {
        selected = i;
        best = t;
        cnt = 1;
      } else if (t === best) {
        cnt++;
        if (this.opts.rng.below(cnt) === 0) selected = i;
      }
    }
    return nodes[selected]!.name;
  }

  /** Upstream `findNodesThatFitPod`. */
  private findNodesThatFitPod(
    profile: Profile,
    state: CycleState,
    pod: DeepReadonly<Pod>,
    allNodes: readonly NodeInfo[],
    diagnosis: Diagnosis,
    explain: Map<string, NodeExplain> | undefined,
  ): { kind: 'ok'; nodes: NodeInfo[] } | { kind: 'error'; status: Status } {
    const fw = profile.framework;
    const pre = fw.runPreFilterPlugins(state, pod, allNodes);
    for (const p of pre.unschedulablePlugins) diagnosis.unschedulablePlugins.add(p);
    if (pre.status.code !== 'Success') {
      if (!isRejected(pre.status)) return { kind: 'error', status: pre.status };
      diagnosis.preFilterMsg = statusMessage(pre.status);
      diagnosis.absentNodesStatus = pre.status;
      if (pre.status.code === 'Pending' && pre.status.plugin) diagnosis.pendingPlugins.add(pre.status.plugin);
      if (explain) for (const n of allNodes) explain.set(n.name, { filter: pre.status });
      return { kind: 'ok', nodes: [] };
    }

    // A pod nominated to a node tries that node first (upstream `evaluateNominatedNode`, which does
    // not consult the PreFilterResult). A rejection there is recorded like any node's; an error is
    // only logged upstream, and the full scan follows either way.
    const nominated = pod.status?.nominatedNodeName;
    if (nominated) {
      const ni = this.cache.get(nominated);
      if (ni) {
        const st = fw.runFilterPluginsWithNominatedPods(state, pod, ni, this.queue.nominatedPodsForNode(ni.name));
        if (st.code === 'Success') {
          if (explain) explain.set(ni.name, { filter: st });
          return { kind: 'ok', nodes: [ni] };
        }
        if (st.code !== 'Error') recordRejection(diagnosis, ni.name, st, explain);
      }
    }

    let nodes = allNodes;
    if (pre.nodeNames !== undefined) {
      const set = pre.nodeNames;
      nodes = allNodes.filter((n) => set.has(n.name));
      diagnosis.absentNodesStatus = Status.unschedulableAndUnresolvable(
        `node(s) didn't satisfy plugin(s) [${pre.restrictingPlugins.join(' ')}]`,
      );
    }
    return this.findNodesThatPassFilters(profile, state, pod, diagnosis, nodes, allNodes.length, explain);
  }

  /** Upstream `findNodesThatPassFilters`, sequential from `nextStartNodeIndex`. */
  private findNodesThatPassFilters(
    profile: Profile,
    state: CycleState,
    pod: DeepReadonly<Pod>,
    diagnosis: Diagnosis,
    nodes: readonly NodeInfo[],
    numAllNodes: number,
    explain: Map<string, NodeExplain> | undefined,
  ): { kind: 'ok'; nodes: NodeInfo[] } | { kind: 'error'; status: Status } {
    const fw = profile.framework;
    const n = nodes.length;
    let numNodesToFind = numFeasibleNodesToFind(profile.percentageOfNodesToScore, n);
    if (!fw.has('score')) numNodesToFind = 1;
    const feasible: NodeInfo[] = [];
    if (n === 0) return { kind: 'ok', nodes: feasible };
    if (!fw.has('filter')) {
      for (let i = 0; i < numNodesToFind; i++) feasible.push(nodes[(this.nextStartNodeIndex + i) % n]!);
      this.nextStartNodeIndex = (this.nextStartNodeIndex + feasible.length) % numAllNodes;
      return { kind: 'ok', nodes: feasible };
    }
    const start = this.nextStartNodeIndex;
    const queue = this.queue;
    // Feasible nodes are gathered in a scratch array kept across cycles and copied out once at their
    // final count, rather than grown push by push in every cycle.
    const found = this.feasibleScratch;
    let count = 0;
    for (let i = 0; i < n; i++) {
      let idx = start + i;
      if (idx >= n) idx %= n;
      const ni = nodes[idx]!;
      // Most cycles have no nominated pods at all: skip the per-node lookup then.
      const nominatedPods = queue.hasNominatedPods() ? queue.nominatedPodsForNode(ni.name) : NO_POD_INFOS;
      const st =
        nominatedPods.length === 0 ? fw.runFilterPlugins(state, pod, ni) : fw.runFilterPluginsWithNominatedPods(state, pod, ni, nominatedPods);
      if (st.code === 'Success') {
        found[count++] = ni;
        if (explain) explain.set(ni.name, { filter: st });
        if (count >= numNodesToFind) break;
        continue;
      }
      if (st.code === 'Error') {
        this.nextStartNodeIndex = (start + count + diagnosis.nodeToStatus.size) % numAllNodes;
        return { kind: 'error', status: st };
      }
      recordRejection(diagnosis, ni.name, st, explain);
    }
    const out = found.slice(0, count);
    // Upstream: `processedNodes = len(feasibleNodes) + diagnosis.NodeToStatus.Len()`, so a node whose
    // filters failed with an error is not counted, and the next cycle starts at it.
    this.nextStartNodeIndex = (start + count + diagnosis.nodeToStatus.size) % numAllNodes;
    return { kind: 'ok', nodes: out };
  }
}

/** Records a node's filter rejection in the diagnosis (upstream `NodeToStatus.Set` + `AddPluginStatus`). */
function recordRejection(diagnosis: Diagnosis, nodeName: string, st: Status, explain: Map<string, NodeExplain> | undefined): void {
  diagnosis.nodeToStatus.set(nodeName, st);
  if (st.plugin) diagnosis.unschedulablePlugins.add(st.plugin);
  if (st.code === 'Pending' && st.plugin) diagnosis.pendingPlugins.add(st.plugin);
  if (explain) explain.set(nodeName, { filter: st });
}

function argsOnlyProfile(cfg: SchedulerProfileConfig): ResolvedProfile {
  const pluginArgs = new Map<string, unknown>();
  const pluginArgsPaths = new Map<string, string>();
  for (const c of cfg.pluginConfig) {
    pluginArgs.set(c.name, c.args);
    pluginArgsPaths.set(c.name, `${c.path}.args`);
  }
  const plugins = {} as Record<ExtensionPoint, []>;
  for (const p of EXTENSION_POINTS) plugins[p] = [];
  return {
    schedulerName: cfg.schedulerName,
    plugins,
    pluginArgs,
    pluginArgsPaths,
    omittedPlugins: [],
    ...(cfg.locate ? { locate: cfg.locate } : {}),
  };
}

/** A copy of the pod with `spec.nodeName` set (upstream's assumed pod), frozen. */
export function withNodeName(pod: DeepReadonly<Pod>, nodeName: string): DeepReadonly<Pod> {
  return Object.freeze({ ...pod, spec: Object.freeze({ ...(pod.spec ?? { containers: [] }), nodeName }) }) as DeepReadonly<Pod>;
}
