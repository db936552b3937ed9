/**
 * The default scheduler plugin PodTopologySpread (kube-scheduler v1.35): pods are spread over
 * topology domains (zones, hosts, ...) according to their `topologySpreadConstraints`, or to the
 * cluster's default constraints when they have none. Hard constraints (`DoNotSchedule`) filter
 * nodes; soft ones (`ScheduleAnyway`) score them.
 *
 * Mirrors `pkg/scheduler/framework/plugins/podtopologyspread/plugin.go` (construction, events and
 * queueing hints); the extension points live in `filtering.ts` and `scoring.ts`.
 */
import {
  ActionType,
  SYSTEM_DEFAULT_TOPOLOGY_SPREAD_CONSTRAINTS,
  Status,
  decodePodTopologySpreadArgs,
  defineSchedulerPlugin,
  type ClusterEventWithHint,
  type DeepReadonly,
  type Handle,
  type KubeObject,
  type Node,
  type Pod,
  type PodTopologySpreadArgs,
  type QueueingHint,
  type SchedulerPluginDefinition,
  type SchedulerPluginInstance,
  type TopologySpreadConstraint,
} from 'kubeprop';
import {
  buildDefaultConstraints,
  LABEL_HOSTNAME,
  filterTopologySpreadConstraints,
  labelValue,
  nodeLabelsMatchSpreadConstraints,
  podLabelsMatchSpreadConstraints,
  podNamespace,
  sameLabels,
  semanticDeepEqual,
  PodCountCache,
  type ConstraintsResult,
  type SpreadConstraint,
  type UnsatisfiableAction,
} from './common.js';
import {
  PRE_FILTER_STATE_KEY,
  calPreFilterState,
  filterNode,
  missingPreFilterState,
  updateWithPod,
} from './filtering.js';
import { DomainTotalsCache, HostnameCountCache, PRE_SCORE_STATE_KEY, calPreScoreState, missingPreScoreState, normalizeScores, scoreNode } from './scoring.js';

export { ERR_REASON_CONSTRAINTS_NOT_MATCH, ERR_REASON_NODE_LABEL_NOT_MATCH } from './filtering.js';

/** The upstream plugin name. */
export const NAME = 'PodTopologySpread';

const NO_CONSTRAINTS: ConstraintsResult = Object.freeze({ ok: true, constraints: Object.freeze([]) as readonly SpreadConstraint[] });

/**
 * Upstream `involvedInTopologySpreading`: the changed pod is the pending pod itself, or a bound pod
 * in its namespace.
 */
function involvedInTopologySpreading(incoming: DeepReadonly<Pod>, podWithSpreading: DeepReadonly<Pod>): boolean {
  if ((incoming.metadata?.uid ?? '') === (podWithSpreading.metadata?.uid ?? '')) return true;
  const nodeName = incoming.spec?.nodeName;
  return nodeName !== undefined && nodeName !== '' && podNamespace(incoming) === podNamespace(podWithSpreading);
}

/** Upstream `checkTopologyKeyLabelsChanged`. */
function topologyKeyLabelsChanged(
  before: Readonly<Record<string, string>> | undefined,
  after: Readonly<Record<string, string>> | undefined,
  constraints: readonly SpreadConstraint[],
): boolean {
  for (const c of constraints) if ((labelValue(before, c.topologyKey) ?? '') !== (labelValue(after, c.topologyKey) ?? '')) return true;
  return false;
}

/** The plugin instance of one profile. */
function createPodTopologySpread(args: PodTopologySpreadArgs | undefined, handle: Handle): SchedulerPluginInstance {
  const systemDefaulted = (args?.defaultingType ?? 'System') === 'System';
  const defaults: readonly DeepReadonly<TopologySpreadConstraint>[] = systemDefaulted
    ? SYSTEM_DEFAULT_TOPOLOGY_SPREAD_CONSTRAINTS
    : (args?.defaultConstraints ?? []);
  // Per-node pod counts per (namespace, selector), reused across cycles while nodes are unchanged.
  const countCache = new PodCountCache();
  const hostnameCache = new HostnameCountCache();
  // Per-domain totals over all nodes, kept up to date from the snapshot's changed-node journal.
  const totalsCache = new DomainTotalsCache();

  /**
   * The pod's own constraints for `action`, or, when it has none, the default constraints for
   * `action` with the selector deduced from its Services and controller.
   */
  function constraintsFor(pod: DeepReadonly<Pod>, action: UnsatisfiableAction): ConstraintsResult {
    const kind = action === 'DoNotSchedule' ? 'hard' : 'soft';
    const own = pod.spec?.topologySpreadConstraints;
    if (own !== undefined && own !== null && own.length > 0) {
      const r = filterTopologySpreadConstraints(own, pod.metadata?.labels, action);
      return r.ok ? r : { ok: false, error: `obtaining pod's ${kind} topology spread constraints: ${r.error}` };
    }
    if (defaults.length === 0) return NO_CONSTRAINTS;
    const r = buildDefaultConstraints(pod, defaults, action, handle.objects);
    return r.ok ? r : { ok: false, error: `setting default ${kind} topology spread constraints: ${r.error}` };
  }

  /** Upstream `isSchedulableAfterPodChange`. */
  function isSchedulableAfterPodChange(
    pod: DeepReadonly<Pod>,
    oldObj: DeepReadonly<KubeObject> | undefined,
    newObj: DeepReadonly<KubeObject> | undefined,
  ): QueueingHint {
    const original = oldObj as DeepReadonly<Pod> | undefined;
    const modified = newObj as DeepReadonly<Pod> | undefined;
    if ((modified !== undefined && !involvedInTopologySpreading(modified, pod)) || (original !== undefined && !involvedInTopologySpreading(original, pod))) {
      return 'QueueSkip';
    }
    const r = constraintsFor(pod, 'DoNotSchedule');
    if (!r.ok) return 'Queue';
    const constraints = r.constraints;
    if (modified !== undefined && original !== undefined) {
      // A new toleration can admit nodes that a `nodeTaintsPolicy: Honor` constraint left out.
      if (
        (modified.metadata?.uid ?? '') === (pod.metadata?.uid ?? '') &&
        !semanticDeepEqual(modified.spec?.tolerations, original.spec?.tolerations) &&
        constraints.some((c) => c.nodeTaintsPolicy === 'Honor')
      ) {
        return 'Queue';
      }
      const before = original.metadata?.labels;
      const after = modified.metadata?.labels;
      if (sameLabels(before, after)) return 'QueueSkip';
      for (const c of constraints) if (c.selector.matches(before) !== c.selector.matches(after)) return 'Queue';
      return 'QueueSkip';
    }
    if (modified !== undefined) return podLabelsMatchSpreadConstraints(constraints, modified.metadata?.labels) ? 'Queue' : 'QueueSkip';
    if (original !== undefined) return podLabelsMatchSpreadConstraints(constraints, original.metadata?.labels) ? 'Queue' : 'QueueSkip';
    return 'Queue';
  }

  /** Upstream `isSchedulableAfterNodeChange`. */
  function isSchedulableAfterNodeChange(
    pod: DeepReadonly<Pod>,
    oldObj: DeepReadonly<KubeObject> | undefined,
    newObj: DeepReadonly<KubeObject> | undefined,
  ): QueueingHint {
    const original = oldObj as DeepReadonly<Node> | undefined;
    const modified = newObj as DeepReadonly<Node> | undefined;
    const r = constraintsFor(pod, 'DoNotSchedule');
    if (!r.ok) return 'Queue';
    const constraints = r.constraints;
    const originalMatching = original !== undefined && nodeLabelsMatchSpreadConstraints(original.metadata?.labels, constraints);
    const modifiedMatching = modified !== undefined && nodeLabelsMatchSpreadConstraints(modified.metadata?.labels, constraints);
    if (original !== undefined && modified !== undefined) {
      if (originalMatching !== modifiedMatching) return 'Queue';
      if (
        modifiedMatching &&
        (topologyKeyLabelsChanged(original.metadata?.labels, modified.metadata?.labels, constraints) ||
          !semanticDeepEqual(original.spec?.taints, modified.spec?.taints))
      ) {
        return 'Queue';
      }
      return 'QueueSkip';
    }
    if (modified !== undefined) return modifiedMatching ? 'Queue' : 'QueueSkip';
    if (original !== undefined) return originalMatching ? 'Queue' : 'QueueSkip';
    return 'Queue';
  }

  const events: readonly ClusterEventWithHint[] = Object.freeze([
    // A bound pod added, relabelled or deleted changes the counts; a new toleration of the pending
    // pod itself can admit tainted nodes under `nodeTaintsPolicy: Honor`.
    {
      event: {
        resource: 'Pod',
        actionType: ActionType.Add | ActionType.UpdatePodLabel | ActionType.UpdatePodToleration | ActionType.Delete,
      },
      queueingHintFn: isSchedulableAfterPodChange,
    },
    // Nodes appearing, disappearing, or changing topology labels or taints change the domains.
    {
      event: { resource: 'Node', actionType: ActionType.Add | ActionType.Delete | ActionType.UpdateNodeLabel | ActionType.UpdateNodeTaint },
      queueingHintFn: isSchedulableAfterNodeChange,
    },
  ]);

  return {
    preFilter(state, pod, nodes) {
      const r = constraintsFor(pod, 'DoNotSchedule');
      if (!r.ok) return Status.error(new Error(`get constraints from pod: ${r.error}`));
      if (r.constraints.length === 0) return Status.skip();
      state.write(PRE_FILTER_STATE_KEY, calPreFilterState(pod, r.constraints, nodes, countCache));
      return undefined;
    },

    preFilterExtensions: {
      addPod(state, podToSchedule, podInfoToAdd, nodeInfo) {
        const s = state.read(PRE_FILTER_STATE_KEY);
        if (s === undefined) return missingPreFilterState();
        updateWithPod(s, podInfoToAdd.pod, podToSchedule, nodeInfo.node, 1);
        return undefined;
      },
      removePod(state, podToSchedule, podInfoToRemove, nodeInfo) {
        const s = state.read(PRE_FILTER_STATE_KEY);
        if (s === undefined) return missingPreFilterState();
        updateWithPod(s, podInfoToRemove.pod, podToSchedule, nodeInfo.node, -1);
        return undefined;
      },
    },

    filter(state, _pod, nodeInfo) {
      const s = state.read(PRE_FILTER_STATE_KEY);
      if (s === undefined) return missingPreFilterState();
      return filterNode(s, nodeInfo);
    },

    preScore(state, pod, filteredNodes) {
      const lister = handle.snapshot();
      const allNodes = lister.list();
      if (allNodes.length === 0) return Status.skip();
      const r = constraintsFor(pod, 'ScheduleAnyway');
      if (!r.ok) return Status.error(new Error(`calculating preScoreState: ${r.error}`));
      if (r.constraints.length === 0) return Status.skip();
      // Only the system defaults spare nodes without every topology label, so that nodes with no
      // zone label still get hostname spreading.
      const own = pod.spec?.topologySpreadConstraints;
      const requireAllTopologies = (own !== undefined && own !== null && own.length > 0) || !systemDefaulted;
      const pre = calPreScoreState(pod, r.constraints, filteredNodes, allNodes, requireAllTopologies, countCache, totalsCache, lister);
      const hostnameCounts = pre.constraints.map((c) => {
        if (c.topologyKey !== LABEL_HOSTNAME) return null;
        const memo = hostnameCache.memo(c.selector, pre.namespace);
        // Only counts taken in this very PreScore are current for every node.
        const key = c.selector.toString();
        memo.selected = pre.selected?.get(key);
        memo.peer = pre.refreshedTotals?.get(key);
        return memo;
      });
      state.write(PRE_SCORE_STATE_KEY, { ...pre, hostnameCounts });
      return undefined;
    },

    score(state, _pod, nodeInfo) {
      const s = state.read(PRE_SCORE_STATE_KEY);
      if (s === undefined) return missingPreScoreState();
      return scoreNode(s, nodeInfo);
    },

    normalizeScore(state, _pod, scores) {
      const s = state.read(PRE_SCORE_STATE_KEY);
      if (s === undefined) return missingPreScoreState();
      normalizeScores(s, scores);
      return undefined;
    },

    eventsToRegister() {
      return events;
    },
  };
}

/**
 * PodTopologySpread: spreads pods over topology domains. Filter enforces `DoNotSchedule`
 * constraints (skew ≤ maxSkew, nodes without the topology label are unresolvable); Score prefers
 * nodes in less loaded domains for `ScheduleAnyway` constraints. Args: `PodTopologySpreadArgs`
 * (`defaultingType` System or List, `defaultConstraints`). Upstream:
 * `pkg/scheduler/framework/plugins/podtopologyspread`.
 */
export const podTopologySpreadPlugin: SchedulerPluginDefinition<PodTopologySpreadArgs> = defineSchedulerPlugin<PodTopologySpreadArgs>({
  name: NAME,
  decodeArgs: decodePodTopologySpreadArgs,
  create: (args, handle) => createPodTopologySpread(args, handle),
});
