/**
 * The framework runtime of one scheduling profile: it instantiates the profile's plugins and runs
 * them at each extension point with upstream's semantics.
 *
 * Mirrors `pkg/scheduler/framework/runtime/framework.go` (`RunPreFilterPlugins`, `RunFilterPlugins`,
 * `RunFilterPluginsWithNominatedPods`, `RunScorePlugins`, ...). Every plugin call goes through a guard:
 * a plugin that throws, returns a malformed value, a non-finite or out-of-range score, or changes a
 * NodeInfo it was given is turned into an `Error` status carrying a `PluginError` that names the plugin
 * and the extension point; the framework records it in `pluginErrors` and carries on, exactly as a
 * plugin's error would abort one scheduling cycle upstream, never the scheduler.
 */
import type { DeepReadonly, Pod } from '../api/types.js';
import { PluginError } from '../errors.js';
import type { ClusterEventWithHint } from './cluster-event.js';
import { ChangeCountingSet, CycleState } from './cycle-state.js';
import type { NodeInfo, PodInfo } from './node-info.js';
import {
  MAX_NODE_SCORE,
  MAX_PERMIT_TIMEOUT_MS,
  MIN_NODE_SCORE,
  type ExtensionPoint,
  type Handle,
  type NodeScore,
  type PostFilterResult,
  type QueuedPodInfo,
  type SchedulerPluginInstance,
} from './plugin.js';
import { asStatus, isStatusValue, Status, statusMessage, type StatusLike } from './status.js';

/** A plugin enabled at an extension point, with its instance (shared across points) and weight. */
export interface EnabledPlugin {
  readonly name: string;
  readonly instance: SchedulerPluginInstance;
  /** Score weight (≥ 1); 1 for other points. */
  readonly weight: number;
}

/** The plugins of a profile per extension point, in configured order. */
export type PluginsByPoint = Readonly<Record<ExtensionPoint, readonly EnabledPlugin[]>>;

/** Result of PreFilter: the union of statuses and the intersected node set. */
export interface PreFilterOutcome {
  readonly status: Status;
  /** Intersection of the plugins' `PreFilterResult.nodeNames`; undefined means all nodes. */
  readonly nodeNames: ReadonlySet<string> | undefined;
  /** Plugins that rejected the pod (for the queue's requeue decisions). */
  readonly unschedulablePlugins: ReadonlySet<string>;
  /** Plugins that returned a node set, sorted by name (upstream's `pluginsWithNodes`). */
  readonly restrictingPlugins: readonly string[];
}

/** Per-node score breakdown: each plugin's normalized (unweighted) score and the weighted total. */
export interface NodePluginScores {
  readonly name: string;
  /** plugin name → normalized score (0..100) before weighting. */
  readonly scores: Map<string, number>;
  totalScore: number;
}

/** The outcome of Permit: Success, a rejection, or Wait with the longest timeout of the waiting plugins. */
export interface PermitOutcome {
  readonly status: Status;
  /** Plugins that asked to wait, with their (capped) timeouts. */
  readonly waiting: ReadonlyMap<string, number>;
}

const SUCCESS = Status.success();

/** True when a thrown value looks like an attempt to write to a frozen input. */
function isMutationError(err: unknown): boolean {
  return (
    err instanceof TypeError &&
    /read[- ]only|not extensible|Cannot add property|Cannot delete property|Cannot assign|object is not extensible|frozen/i.test(err.message)
  );
}

/** The runtime of one profile. */
export class Framework {
  /** Plugin errors seen so far, oldest first (bounded). */
  readonly pluginErrors: PluginError[] = [];
  private static readonly PLUGIN_ERRORS_MAX = 1000;

  constructor(
    readonly profileName: string,
    readonly plugins: PluginsByPoint,
    /** Plugins that exist only in name (upstream volume/DRA plugins kubeprop does not model). */
    readonly noopPlugins: ReadonlySet<string> = new Set(),
    private handleRef: { handle?: Handle } = {},
  ) {}

  /** The `Handle` the plugins were created with (set once by the scheduler). */
  get handle(): Handle | undefined {
    return this.handleRef.handle;
  }

  /** Whether the profile has at least one plugin at `point`. */
  has(point: ExtensionPoint): boolean {
    return this.plugins[point].length > 0;
  }

  // ---- plugin call guard ----

  /** Records a plugin bug and returns the `Error` status that stands for it. */
  pluginFailure(plugin: string, point: string, message: string, cause?: unknown): Status {
    const mutation = cause !== undefined && isMutationError(cause);
    const err = new PluginError(
      plugin,
      point,
      mutation ? `mutated its inputs: ${message}` : message,
      cause === undefined ? undefined : { cause },
    );
    if (this.pluginErrors.length < Framework.PLUGIN_ERRORS_MAX) this.pluginErrors.push(err);
    return Status.withPlugin(Status.error(err), plugin);
  }

  private checkStatus(plugin: string, point: string, value: unknown, allowed: readonly string[]): Status {
    if (value === undefined || value === null) return SUCCESS;
    if (!isStatusValue(value)) return this.pluginFailure(plugin, point, `returned ${describe(value)} where a Status was expected`);
    if (!allowed.includes(value.code)) {
      return this.pluginFailure(plugin, point, `returned status code ${value.code}, which is not allowed at ${point}`);
    }
    return value;
  }

  private guard<T>(plugin: string, point: string, nodeInfo: NodeInfo | undefined, fn: () => T): T | Status {
    const gen = nodeInfo?.generation;
    let out: T;
    try {
      out = fn();
    } catch (err) {
      return this.pluginFailure(plugin, point, err instanceof Error ? err.message : `threw ${describe(err)}`, err);
    }
    if (nodeInfo !== undefined && nodeInfo.generation !== gen) {
      return this.pluginFailure(plugin, point, `mutated its inputs: NodeInfo ${nodeInfo.name} changed during the call`);
    }
    return out;
  }

  // ---- queue side ----

  /** Upstream `RunPreEnqueuePlugins`: the first non-Success result gates the pod. */
  runPreEnqueuePlugins(pod: DeepReadonly<Pod>): Status {
    for (const p of this.plugins.preEnqueue) {
      const raw = this.guard(p.name, 'PreEnqueue', undefined, () => p.instance.preEnqueue!(pod));
      const s = this.checkStatus(p.name, 'PreEnqueue', raw, ['Success', 'Unschedulable', 'UnschedulableAndUnresolvable', 'Error', 'Pending']);
      if (s.code !== 'Success') return Status.withPlugin(s, p.name);
    }
    return SUCCESS;
  }

  /**
   * QueueSort `Less`. A throwing or non-boolean comparator is reported and treated as "not less", so
   * the queue falls back to its deterministic tie-breaker.
   */
  queueSortLess(a: QueuedPodInfo, b: QueuedPodInfo): boolean {
    const p = this.plugins.queueSort[0];
    if (!p) return false;
    // Inline guard: the queue's heap calls this for every comparison.
    let out: unknown;
    try {
      out = p.instance.less!(a, b);
    } catch (err) {
      this.pluginFailure(p.name, 'QueueSort', err instanceof Error ? err.message : `threw ${describe(err)}`, err);
      return false;
    }
    if (typeof out === 'boolean') return out;
    if (!isStatusValue(out)) this.pluginFailure(p.name, 'QueueSort', `returned ${describe(out)} where a boolean was expected`);
    return false;
  }

  /** Events each plugin registered (upstream `EventsToRegister`), by plugin name. */
  eventsToRegister(): Map<string, readonly ClusterEventWithHint[]> {
    const out = new Map<string, readonly ClusterEventWithHint[]>();
    const seen = new Set<string>();
    for (const point of ['preEnqueue', 'preFilter', 'filter', 'reserve', 'permit'] as const) {
      for (const p of this.plugins[point]) {
        if (seen.has(p.name)) continue;
        seen.add(p.name);
        if (!p.instance.eventsToRegister) continue;
        const ev = this.guard(p.name, 'EnqueueExtensions', undefined, () => p.instance.eventsToRegister!());
        if (Array.isArray(ev)) out.set(p.name, ev);
        else if (!isStatusValue(ev)) this.pluginFailure(p.name, 'EnqueueExtensions', `returned ${describe(ev)} where an array was expected`);
      }
    }
    return out;
  }

  // ---- scheduling cycle ----

  /**
   * Upstream `RunPreFilterPlugins`: Skip ⇒ that plugin's Filter is skipped this cycle;
   * UnschedulableAndUnresolvable stops at once; Unschedulable is remembered while the rest run (the
   * last one is returned, as upstream's `returnStatus`); node sets are intersected, and an empty
   * intersection is UnschedulableAndUnresolvable at once, before any later plugin runs.
   */
  runPreFilterPlugins(state: CycleState, pod: DeepReadonly<Pod>, nodes: readonly NodeInfo[]): PreFilterOutcome {
    let nodeNames: Set<string> | undefined;
    const restrictingPlugins: string[] = [];
    const unschedulablePlugins = new Set<string>();
    let lastRejection: Status | undefined;
    for (const p of this.plugins.preFilter) {
      const raw = this.guard(p.name, 'PreFilter', undefined, () => p.instance.preFilter!(state, pod, nodes));
      if (raw !== undefined && raw !== null && !isStatusValue(raw)) {
        const r = raw as { nodeNames?: unknown };
        if (!(r.nodeNames instanceof Set)) {
          return { status: this.pluginFailure(p.name, 'PreFilter', `returned ${describe(raw)}: expected a Status or { nodeNames: Set }`), nodeNames: undefined, unschedulablePlugins, restrictingPlugins: [] };
        }
        const set = r.nodeNames as ReadonlySet<string>;
        restrictingPlugins.push(p.name);
        if (nodeNames === undefined) nodeNames = new Set(set);
        else for (const n of [...nodeNames]) if (!set.has(n)) nodeNames.delete(n);
        if (nodeNames.size === 0) return this.emptyIntersection(nodeNames, restrictingPlugins, unschedulablePlugins);
        continue;
      }
      const s = this.checkStatus(p.name, 'PreFilter', raw, ['Success', 'Skip', 'Unschedulable', 'UnschedulableAndUnresolvable', 'Error']);
      switch (s.code) {
        case 'Success':
          break;
        case 'Skip':
          state.skipFilterPlugins.add(p.name);
          break;
        case 'UnschedulableAndUnresolvable':
          unschedulablePlugins.add(p.name);
          return { status: Status.withPlugin(s, p.name), nodeNames: undefined, unschedulablePlugins, restrictingPlugins: [] };
        case 'Unschedulable':
          unschedulablePlugins.add(p.name);
          lastRejection = Status.withPlugin(s, p.name);
          break;
        default: {
          const msg = `running PreFilter plugin "${p.name}": ${statusMessage(s)}`;
          return { status: Status.withPlugin({ ...Status.error(s.error ?? msg), reasons: [msg] }, p.name), nodeNames: undefined, unschedulablePlugins, restrictingPlugins: [] };
        }
      }
    }
    const sorted = [...restrictingPlugins].sort();
    if (lastRejection) return { status: lastRejection, nodeNames: undefined, unschedulablePlugins, restrictingPlugins: sorted };
    return { status: SUCCESS, nodeNames, unschedulablePlugins, restrictingPlugins: sorted };
  }

  /** The outcome of a PreFilter whose node sets no longer intersect (upstream's message texts). */
  private emptyIntersection(nodeNames: Set<string>, restrictingPlugins: readonly string[], unschedulablePlugins: Set<string>): PreFilterOutcome {
    const sorted = [...restrictingPlugins].sort();
    for (const n of sorted) unschedulablePlugins.add(n);
    const st =
      sorted.length === 1
        ? Status.withPlugin(Status.unschedulableAndUnresolvable(`node(s) didn't satisfy plugin ${sorted[0]!}`), sorted[0]!)
        : Status.unschedulableAndUnresolvable(`node(s) didn't satisfy plugin(s) [${sorted.join(' ')}] simultaneously`);
    return { status: st, nodeNames, unschedulablePlugins, restrictingPlugins: sorted };
  }

  /** Upstream `RunPreFilterExtensionAddPod`. */
  runPreFilterExtensionAddPod(state: CycleState, podToSchedule: DeepReadonly<Pod>, podInfoToAdd: PodInfo, nodeInfo: NodeInfo): Status {
    for (const p of this.plugins.preFilter) {
      const ext = p.instance.preFilterExtensions;
      if (!ext || state.skipFilterPlugins.has(p.name)) continue;
      const raw = this.guard(p.name, 'PreFilterExtensions.AddPod', undefined, () => ext.addPod(state, podToSchedule, podInfoToAdd, nodeInfo));
      const s = this.checkStatus(p.name, 'PreFilterExtensions.AddPod', raw, ['Success', 'Error', 'Unschedulable', 'UnschedulableAndUnresolvable']);
      if (s.code !== 'Success') return Status.withPlugin(s.code === 'Error' ? s : Status.error(`running AddPod on PreFilter plugin "${p.name}": ${statusMessage(s)}`), p.name);
    }
    return SUCCESS;
  }

  /** Upstream `RunPreFilterExtensionRemovePod`. */
  runPreFilterExtensionRemovePod(state: CycleState, podToSchedule: DeepReadonly<Pod>, podInfoToRemove: PodInfo, nodeInfo: NodeInfo): Status {
    for (const p of this.plugins.preFilter) {
      const ext = p.instance.preFilterExtensions;
      if (!ext || state.skipFilterPlugins.has(p.name)) continue;
      const raw = this.guard(p.name, 'PreFilterExtensions.RemovePod', undefined, () => ext.removePod(state, podToSchedule, podInfoToRemove, nodeInfo));
      const s = this.checkStatus(p.name, 'PreFilterExtensions.RemovePod', raw, ['Success', 'Error', 'Unschedulable', 'UnschedulableAndUnresolvable']);
      if (s.code !== 'Success') return Status.withPlugin(s.code === 'Error' ? s : Status.error(`running RemovePod on PreFilter plugin "${p.name}": ${statusMessage(s)}`), p.name);
    }
    return SUCCESS;
  }

  /**
   * The Filter plugins to run in `state`'s cycle: those whose PreFilter did not return Skip. Worked
   * out once per cycle (and again only if the skip set changes), because the filter loop runs for
   * every node.
   */
  private activeFilterPlugins(state: CycleState): readonly EnabledPlugin[] {
    const skip = state.skipFilterPlugins;
    if (skip.size === 0) return this.plugins.filter;
    const changes = skip instanceof ChangeCountingSet ? skip.changes : -1;
    if (state === this.filterListState && changes >= 0 && changes === this.filterListChanges) return this.filterList;
    return this.computeFilterList(state, skip, changes);
  }

  // Kept out of `activeFilterPlugins`: a closure there would make every call allocate a context.
  private computeFilterList(state: CycleState, skip: ReadonlySet<string>, changes: number): readonly EnabledPlugin[] {
    const list = this.plugins.filter.filter((p) => !skip.has(p.name));
    this.filterListState = state;
    this.filterListChanges = changes;
    this.filterList = list;
    return list;
  }

  private scoreScratch = new Float64Array(0);
  /** Each NormalizeScore plugin's NodeScore list of its last cycle, when it came back intact. */
  private readonly normalizeLists = new Map<string, { name: string; score: number }[]>();
  private filterListState: CycleState | undefined;
  private filterListChanges = -1;
  private filterList: readonly EnabledPlugin[] = [];

  /**
   * Upstream `RunFilterPlugins`: plugins in order, stopping at the first non-Success; codes other
   * than the rejections become Error.
   */
  runFilterPlugins(state: CycleState, pod: DeepReadonly<Pod>, nodeInfo: NodeInfo): Status {
    const filters = this.activeFilterPlugins(state);
    let i = 0;
    for (;;) {
      let raw: StatusLike | Status;
      // One try around the loop rather than one per call; `i` tells which plugin threw.
      try {
        for (; i < filters.length; i++) {
          const gen = nodeInfo.generation;
          raw = filters[i]!.instance.filter!(state, pod, nodeInfo);
          if (nodeInfo.generation !== gen) {
            return this.pluginFailure(filters[i]!.name, 'Filter', `mutated its inputs: NodeInfo ${nodeInfo.name} changed during the call`);
          }
          if (raw === undefined || raw === null) continue;
          if (raw.code === 'Success' && isStatusValue(raw)) continue;
          break;
        }
      } catch (err) {
        return this.pluginFailure(filters[i]!.name, 'Filter', err instanceof Error ? err.message : `threw ${describe(err)}`, err);
      }
      if (i >= filters.length) return SUCCESS;
      const s = this.filterStatus(filters[i]!.name, raw);
      if (s !== undefined) return s;
      i++;
    }
  }

  /** What a Filter plugin's non-Success return stands for (undefined: it was a Success after all). */
  private filterStatus(plugin: string, raw: unknown): Status | undefined {
    const s = this.checkStatus(plugin, 'Filter', raw, ['Success', 'Error', 'Unschedulable', 'UnschedulableAndUnresolvable', 'Wait', 'Skip', 'Pending']);
    if (s.code === 'Success') return undefined;
    // Upstream keeps every rejection (`IsRejected`: Unschedulable, UnschedulableAndUnresolvable,
    // Pending); other codes become Error.
    if (s.code === 'Unschedulable' || s.code === 'UnschedulableAndUnresolvable' || s.code === 'Pending') return Status.withPlugin(s, plugin);
    if (s.code === 'Error' && s.error instanceof PluginError) return s;
    const msg = `running "${plugin}" filter plugin: ${statusMessage(s)}`;
    return Status.withPlugin({ ...Status.error(s.error ?? msg), reasons: [msg] }, plugin);
  }

  /**
   * Upstream `RunFilterPluginsWithNominatedPods`: when the node has nominated pods of priority ≥ the
   * pod's, the filters must pass both with those pods added and without them.
   */
  runFilterPluginsWithNominatedPods(
    state: CycleState,
    pod: DeepReadonly<Pod>,
    nodeInfo: NodeInfo,
    nominated: readonly PodInfo[],
  ): Status {
    const priority = pod.spec?.priority ?? 0;
    const relevant = nominated.filter(
      (pi) => (pi.pod.spec?.priority ?? 0) >= priority && pi.pod.metadata?.uid !== pod.metadata?.uid,
    );
    if (relevant.length === 0) return this.runFilterPlugins(state, pod, nodeInfo);
    const stateWith = state.clone();
    const infoWith = nodeInfo.clone();
    for (const pi of relevant) {
      infoWith.addPod(pi);
      const s = this.runPreFilterExtensionAddPod(stateWith, pod, pi, infoWith);
      if (s.code !== 'Success') return s;
    }
    const first = this.runFilterPlugins(stateWith, pod, infoWith);
    if (first.code !== 'Success') return first;
    return this.runFilterPlugins(state, pod, nodeInfo);
  }

  /**
   * Upstream `RunPostFilterPlugins`: the first Success, Error or UnschedulableAndUnresolvable wins;
   * other rejections are collected, and the last of their results that nominates (mode not Noop,
   * e.g. preemption clearing a stale nomination) is returned with the final Unschedulable status.
   */
  runPostFilterPlugins(state: CycleState, pod: DeepReadonly<Pod>, statuses: ReadonlyMap<string, Status>): PostFilterResult {
    const reasons: string[] = [];
    let rejector: string | undefined;
    let nominating: PostFilterResult | undefined;
    for (const p of this.plugins.postFilter) {
      const raw = this.guard(p.name, 'PostFilter', undefined, () => p.instance.postFilter!(state, pod, statuses));
      let result: PostFilterResult;
      if (raw === undefined || raw === null) result = { status: SUCCESS };
      else if (isStatusValue(raw)) result = { status: raw };
      else if (typeof raw === 'object' && isStatusValue((raw as PostFilterResult).status)) result = raw as PostFilterResult;
      else return { status: this.pluginFailure(p.name, 'PostFilter', `returned ${describe(raw)}: expected a Status or { status, nominatedNodeName }`) };
      const s = result.status;
      if (s.code === 'Success') return result;
      if (s.code === 'Error') return { status: Status.withPlugin(s, p.name) };
      if (s.code === 'UnschedulableAndUnresolvable') return { ...result, status: Status.withPlugin(s, p.name) };
      if (s.code === 'Unschedulable' || s.code === 'Pending') {
        if (result.nominatedNodeName !== undefined && (result.nominatingMode ?? 'Override') !== 'Noop') nominating = result;
        reasons.push(...s.reasons);
        rejector ??= p.name;
        continue;
      }
      return { status: this.pluginFailure(p.name, 'PostFilter', `returned status code ${s.code}, which is not allowed at PostFilter`) };
    }
    const st = Status.of('Unschedulable', ...reasons);
    const status = rejector ? Status.withPlugin(st, rejector) : st;
    if (nominating === undefined || nominating.nominatedNodeName === undefined) return { status };
    return { status, nominatedNodeName: nominating.nominatedNodeName, nominatingMode: nominating.nominatingMode ?? 'Override' };
  }

  /** Upstream `RunPreScorePlugins`: Skip disables that plugin's Score this cycle. */
  runPreScorePlugins(state: CycleState, pod: DeepReadonly<Pod>, nodes: readonly NodeInfo[]): Status {
    for (const p of this.plugins.preScore) {
      const raw = this.guard(p.name, 'PreScore', undefined, () => p.instance.preScore!(state, pod, nodes));
      const s = this.checkStatus(p.name, 'PreScore', raw, ['Success', 'Skip', 'Error', 'Unschedulable', 'UnschedulableAndUnresolvable']);
      if (s.code === 'Skip') {
        state.skipScorePlugins.add(p.name);
        continue;
      }
      if (s.code !== 'Success') {
        if (s.error instanceof PluginError) return s;
        return Status.withPlugin(Status.error(`running PreScore plugin "${p.name}": ${statusMessage(s)}`), p.name);
      }
    }
    return SUCCESS;
  }

  /**
   * Upstream `RunScorePlugins` + `prioritizeNodes`' weighting: raw scores, NormalizeScore, a range
   * check (0..100) per plugin, then weight × score summed into `totalScore`.
   */
  runScorePlugins(state: CycleState, pod: DeepReadonly<Pod>, nodes: readonly NodeInfo[]): { status: Status; scores: NodePluginScores[] } {
    const breakdown: Map<string, number>[] = nodes.map(() => new Map());
    const { status, totals } = this.scoreNodes(state, pod, nodes, breakdown);
    const scores: NodePluginScores[] = nodes.map((n, i) => ({ name: n.name, scores: breakdown[i]!, totalScore: totals[i]! }));
    return { status, scores };
  }

  /**
   * `runScorePlugins` without the per-node breakdown unless `breakdown` is given (one map per
   * node, filled with each plugin's normalized score): the weighted total of each node, in `nodes`
   * order. The scheduler's hot path; a plugin without NormalizeScore never sees a `NodeScore` list,
   * so its scores go straight into a scratch array.
   */
  scoreNodes(
    state: CycleState,
    pod: DeepReadonly<Pod>,
    nodes: readonly NodeInfo[],
    breakdown?: readonly Map<string, number>[],
  ): { status: Status; totals: Float64Array } {
    const n = nodes.length;
    const totals = new Float64Array(n);
    const skip = state.skipScorePlugins;
    // The raw scores of plugins without NormalizeScore; nothing outside this loop sees it, so one
    // array serves every cycle.
    if (this.scoreScratch.length < n) this.scoreScratch = new Float64Array(Math.max(n, 2 * this.scoreScratch.length));
    const scratch = this.scoreScratch;
    for (const p of this.plugins.score) {
      if (skip.size > 0 && skip.has(p.name)) continue;
      const normalize = p.instance.normalizeScore !== undefined;
      // With NormalizeScore the plugin gets a NodeScore list (the plugin's own, reused from cycle
      // to cycle); otherwise the raw scores are kept in the scratch array and checked there.
      const list: NodeScore[] | undefined = normalize ? this.normalizeList(p.name, nodes) : undefined;
      const raws = normalize ? undefined : scratch;
      const weight = p.weight;
      // The first out-of-range score, reported once every node was scored (as after NormalizeScore).
      let firstInvalid = -1;
      // One try around the loop rather than one per call.
      try {
        for (let i = 0; i < n; i++) {
          const ni = nodes[i]!;
          const gen = ni.generation;
          const raw: number | Status = p.instance.score!(state, pod, ni);
          if (ni.generation !== gen) return { status: this.pluginFailure(p.name, 'Score', `mutated its inputs: NodeInfo ${ni.name} changed during the call`), totals };
          let v: number;
          // Small integers, by far the common case, are finite and already truncated.
          if (typeof raw === 'number' && (raw | 0) === raw) v = raw;
          else {
            if (typeof raw !== 'number') return { status: this.scoreReturnFailure(p.name, raw, ni.name), totals };
            if (!Number.isFinite(raw)) return { status: this.pluginFailure(p.name, 'Score', `returned ${raw} for node ${ni.name}: scores must be finite integers`), totals };
            v = Math.trunc(raw);
          }
          if (list !== undefined) list[i]!.score = v;
          else {
            raws![i] = v;
            totals[i]! += v * weight;
            if (firstInvalid < 0 && (v > MAX_NODE_SCORE || v < MIN_NODE_SCORE)) firstInvalid = i;
          }
        }
      } catch (err) {
        return { status: this.pluginFailure(p.name, 'Score', err instanceof Error ? err.message : `threw ${describe(err)}`, err), totals };
      }
      if (list !== undefined) {
        // Whatever goes wrong below, the list is not reused.
        this.normalizeLists.delete(p.name);
        const raw = this.guard(p.name, 'NormalizeScore', undefined, () => p.instance.normalizeScore!(state, pod, list));
        const s = this.checkStatus(p.name, 'NormalizeScore', raw, ['Success', 'Error']);
        if (s.code !== 'Success') {
          if (s.error instanceof PluginError) return { status: s, totals };
          return { status: Status.withPlugin(Status.error(`running Normalize on Score plugin "${p.name}": ${statusMessage(s)}`), p.name), totals };
        }
        if (list.length !== n) return { status: this.reorderedScores(p.name), totals };
        for (let i = 0; i < n; i++) {
          const e = list[i];
          if (e === undefined || e.name !== nodes[i]!.name) return { status: this.reorderedScores(p.name), totals };
        }
        for (let i = 0; i < n; i++) {
          const v = list[i]!.score;
          if (typeof v !== 'number' || !Number.isFinite(v) || v > MAX_NODE_SCORE || v < MIN_NODE_SCORE) {
            return { status: this.invalidScore(p, v, list[i]!.name), totals };
          }
        }
        for (let i = 0; i < n; i++) {
          const v = Math.trunc(list[i]!.score);
          breakdown?.[i]!.set(p.name, v);
          totals[i]! += v * p.weight;
        }
        this.normalizeLists.set(p.name, list as { name: string; score: number }[]);
      } else {
        if (firstInvalid >= 0) return { status: this.invalidScore(p, raws![firstInvalid]!, nodes[firstInvalid]!.name), totals };
        // The totals were summed in the loop above.
        if (breakdown !== undefined) for (let i = 0; i < n; i++) breakdown[i]!.set(p.name, raws![i]!);
      }
    }
    return { status: SUCCESS, totals };
  }

  /**
   * The NodeScore list `plugin` gets this cycle, one entry per node in order, scores to be filled:
   * the list of its last cycle when that came back intact (entries are plain objects the plugin may
   * only rewrite `score` of), else a new one. Scoring allocates no entry per node and cycle.
   */
  private normalizeList(plugin: string, nodes: readonly NodeInfo[]): { name: string; score: number }[] {
    const n = nodes.length;
    let list = this.normalizeLists.get(plugin);
    if (list !== undefined) {
      try {
        if (list.length > n) list.length = n;
        for (let i = 0; i < list.length; i++) list[i]!.name = nodes[i]!.name;
        for (let i = list.length; i < n; i++) list.push({ name: nodes[i]!.name, score: 0 });
        return list;
      } catch {
        // The plugin froze the list or an entry it was given: start over with new ones.
      }
    }
    list = [];
    for (let i = 0; i < n; i++) list.push({ name: nodes[i]!.name, score: 0 });
    return list;
  }

  private scoreReturnFailure(plugin: string, raw: unknown, nodeName: string): Status {
    if (isStatusValue(raw) && raw.code !== 'Success') {
      if (raw.error instanceof PluginError) return raw;
      return Status.withPlugin(Status.error(`running Score plugin "${plugin}": ${statusMessage(raw)}`), plugin);
    }
    return this.pluginFailure(plugin, 'Score', `returned ${describe(raw)} for node ${nodeName}: expected a number`);
  }

  private reorderedScores(plugin: string): Status {
    return this.pluginFailure(plugin, 'NormalizeScore', 'reordered, added or removed entries of the score list; only `score` may change');
  }

  private invalidScore(p: EnabledPlugin, score: unknown, nodeName: string): Status {
    return this.pluginFailure(
      p.name,
      p.instance.normalizeScore ? 'NormalizeScore' : 'Score',
      `returns an invalid score ${String(score)} for node ${nodeName}, it should be in the range of [${MIN_NODE_SCORE}, ${MAX_NODE_SCORE}] after normalizing`,
    );
  }

  /** Upstream `RunReservePluginsReserve`: the first failure stops. */
  runReservePluginsReserve(state: CycleState, pod: DeepReadonly<Pod>, nodeName: string): Status {
    for (const p of this.plugins.reserve) {
      if (!p.instance.reserve) continue;
      const raw = this.guard(p.name, 'Reserve', undefined, () => p.instance.reserve!(state, pod, nodeName));
      const s = this.checkStatus(p.name, 'Reserve', raw, ['Success', 'Error', 'Unschedulable', 'UnschedulableAndUnresolvable', 'Pending']);
      if (s.code !== 'Success') {
        if (s.code === 'Error' && !(s.error instanceof PluginError)) {
          return Status.withPlugin(Status.error(`running Reserve plugin "${p.name}": ${statusMessage(s)}`), p.name);
        }
        return Status.withPlugin(s, p.name);
      }
    }
    return SUCCESS;
  }

  /** Upstream `RunReservePluginsUnreserve`: every plugin, in reverse order; failures are only recorded. */
  runReservePluginsUnreserve(state: CycleState, pod: DeepReadonly<Pod>, nodeName: string): void {
    const list = this.plugins.reserve;
    for (let i = list.length - 1; i >= 0; i--) {
      const p = list[i]!;
      if (!p.instance.unreserve) continue;
      this.guard(p.name, 'Unreserve', undefined, () => p.instance.unreserve!(state, pod, nodeName));
    }
  }

  /**
   * Upstream `RunPermitPlugins`: a rejection stops at once; Wait from any plugin makes the pod wait
   * for every waiting plugin (timeouts capped at 15 minutes).
   */
  runPermitPlugins(state: CycleState, pod: DeepReadonly<Pod>, nodeName: string): PermitOutcome {
    const waiting = new Map<string, number>();
    for (const p of this.plugins.permit) {
      const raw = this.guard(p.name, 'Permit', undefined, () => p.instance.permit!(state, pod, nodeName));
      let s: Status;
      let timeoutMs = 0;
      if (raw !== undefined && raw !== null && !isStatusValue(raw) && typeof raw === 'object' && 'status' in raw) {
        s = this.checkStatus(p.name, 'Permit', raw.status, ['Success', 'Wait', 'Error', 'Unschedulable', 'UnschedulableAndUnresolvable', 'Pending']);
        timeoutMs = raw.timeoutMs;
        if (s.code === 'Wait' && (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs < 0)) {
          return { status: this.pluginFailure(p.name, 'Permit', `returned Wait with an invalid timeout ${String(timeoutMs)}`), waiting };
        }
      } else {
        s = this.checkStatus(p.name, 'Permit', raw, ['Success', 'Wait', 'Error', 'Unschedulable', 'UnschedulableAndUnresolvable', 'Pending']);
      }
      if (s.code === 'Success') continue;
      if (s.code === 'Wait') {
        waiting.set(p.name, Math.min(Math.trunc(timeoutMs), MAX_PERMIT_TIMEOUT_MS));
        continue;
      }
      if (s.code === 'Error' && !(s.error instanceof PluginError)) {
        return { status: Status.withPlugin(Status.error(`running Permit plugin "${p.name}": ${statusMessage(s)}`), p.name), waiting };
      }
      return { status: Status.withPlugin(s, p.name), waiting };
    }
    if (waiting.size > 0) {
      return { status: Status.wait(`one or more plugins asked to wait and no plugin rejected pod ${JSON.stringify(pod.metadata?.name ?? '')}`), waiting };
    }
    return { status: SUCCESS, waiting };
  }

  /** Upstream `RunPreBindPlugins` (with v1.35 `PreBindPreFlight`). */
  runPreBindPlugins(state: CycleState, pod: DeepReadonly<Pod>, nodeName: string): Status {
    for (const p of this.plugins.preBind) {
      if (p.instance.preBindPreFlight) {
        const raw = this.guard(p.name, 'PreBindPreFlight', undefined, () => p.instance.preBindPreFlight!(state, pod, nodeName));
        const pf = this.checkStatus(p.name, 'PreBindPreFlight', raw, ['Success', 'Skip', 'Error']);
        if (pf.code === 'Skip') continue;
        if (pf.code !== 'Success') return Status.withPlugin(pf, p.name);
      }
      if (!p.instance.preBind) continue;
      const raw = this.guard(p.name, 'PreBind', undefined, () => p.instance.preBind!(state, pod, nodeName));
      const s = this.checkStatus(p.name, 'PreBind', raw, ['Success', 'Error', 'Unschedulable', 'UnschedulableAndUnresolvable', 'Pending']);
      if (s.code !== 'Success') {
        if (s.code === 'Error' && !(s.error instanceof PluginError)) {
          return Status.withPlugin(Status.error(`running PreBind plugin "${p.name}": ${statusMessage(s)}`), p.name);
        }
        return Status.withPlugin(s, p.name);
      }
    }
    return SUCCESS;
  }

  /** Upstream `RunBindPlugins`: binders in order until one does not Skip. */
  runBindPlugins(state: CycleState, pod: DeepReadonly<Pod>, nodeName: string): Status {
    let last: Status = Status.skip();
    for (const p of this.plugins.bind) {
      const raw = this.guard(p.name, 'Bind', undefined, () => p.instance.bind!(state, pod, nodeName));
      const s = this.checkStatus(p.name, 'Bind', raw, ['Success', 'Skip', 'Error', 'Unschedulable', 'UnschedulableAndUnresolvable', 'Pending']);
      last = s;
      if (s.code === 'Skip') continue;
      if (s.code !== 'Success') {
        if (s.code === 'Error' && !(s.error instanceof PluginError)) {
          return Status.withPlugin(Status.error(`running Bind plugin "${p.name}": ${statusMessage(s)}`), p.name);
        }
        return Status.withPlugin(s, p.name);
      }
      return SUCCESS;
    }
    return last;
  }

  /** Upstream `RunPostBindPlugins` (informational). */
  runPostBindPlugins(state: CycleState, pod: DeepReadonly<Pod>, nodeName: string): void {
    for (const p of this.plugins.postBind) this.guard(p.name, 'PostBind', undefined, () => p.instance.postBind!(state, pod, nodeName));
  }
}

function describe(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : String(v);
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v);
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') {
    try {
      const s = JSON.stringify(v);
      return s.length > 80 ? `${s.slice(0, 80)}…` : s;
    } catch {
      return 'an object';
    }
  }
  return typeof v;
}

export { asStatus };
