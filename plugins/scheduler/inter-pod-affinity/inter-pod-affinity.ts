/**
 * InterPodAffinity: enforces the pods' required pod affinity and anti-affinity (the incoming pod's
 * own terms and, symmetrically, the required anti-affinity of the pods already running), and
 * prefers nodes by the preferred terms of both sides. Mirrors upstream
 * `pkg/scheduler/framework/plugins/interpodaffinity/{plugin,filtering,scoring}.go` (v1.35).
 */
import {
  ActionType,
  affinityTermMatches,
  decodeInterPodAffinityArgs,
  defineSchedulerPlugin,
  newPodInfo,
  Status,
  type AffinityTerm,
  type CycleState,
  type DeepReadonly,
  type Handle,
  type InterPodAffinityArgs,
  type KubeObject,
  type Node,
  type NodeInfo,
  type NodeScore,
  type Pod,
  type PodInfo,
  type PreFilterReturn,
  type QueueingHint,
  type SchedulerPluginInstance,
  type ScoreReturn,
  type StatusLike,
} from 'kubeprop';
import {
  ERR_REASON_AFFINITY_RULES_NOT_MATCH,
  ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH,
  ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH,
  labelValue,
  mergeTermsNamespaces,
  namespaceLabels,
  podMatchesAllAffinityTerms,
  podNamespace,
  PRE_FILTER_STATE_KEY,
  PreFilterState,
  satisfyExistingPodsAntiAffinity,
  satisfyPodAffinity,
  satisfyPodAntiAffinity,
  TopologyPairCounts,
  TopologyValueTables,
} from './filtering.js';
import {
  existingAntiAffinityContributor,
  existingCountsSignature,
  incomingAffinityAntiAffinityContributor,
  incomingCountsSignature,
  NodeCountsMemoCache,
} from './counts-memo.js';
import {
  normalizeInterPodAffinityScores,
  PRE_SCORE_STATE_KEY,
  scoreContributor,
  scoreSignature,
  type IncomingPodScoring,
} from './scoring.js';

export {
  ERR_REASON_AFFINITY_RULES_NOT_MATCH,
  ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH,
  ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH,
  PRE_FILTER_STATE_KEY,
  PreFilterState,
  TopologyPairCounts,
} from './filtering.js';
export { normalizeInterPodAffinityScores, PRE_SCORE_STATE_KEY, type PreScoreState } from './scoring.js';

/** The upstream plugin name. */
export const NAME = 'InterPodAffinity';

type LabelMap = Readonly<Record<string, string>>;

const REJECT_AFFINITY = Status.unschedulableAndUnresolvable(ERR_REASON_AFFINITY_RULES_NOT_MATCH);
const REJECT_ANTI_AFFINITY = Status.unschedulable(ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH);
const REJECT_EXISTING_ANTI_AFFINITY = Status.unschedulable(ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH);

function preFilterStateMissing(): Status {
  return Status.error(`error reading "${PRE_FILTER_STATE_KEY.name}" from cycleState: not found`);
}

function preScoreStateMissing(): Status {
  return Status.error(`failed to read "${PRE_SCORE_STATE_KEY.name}" from cycleState: not found`);
}

function nodeLabelsOf(node: DeepReadonly<Node> | undefined): LabelMap | undefined {
  return node?.metadata?.labels as LabelMap | undefined;
}

/** Whether the pod spec lists preferred pod affinity or anti-affinity terms (upstream `hasConstraints`). */
function hasPreferredTerms(pod: DeepReadonly<Pod>): boolean {
  const affinity = pod.spec?.affinity;
  return (
    (affinity?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.length ?? 0) > 0 ||
    (affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.length ?? 0) > 0
  );
}

/** Whether some term matches `pod` with the namespace labels given (the existing pod's terms). */
function anyTermMatches(terms: readonly AffinityTerm[], pod: DeepReadonly<Pod>, nsLabels: LabelMap | undefined): boolean {
  for (let i = 0; i < terms.length; i++) if (affinityTermMatches(terms[i] as AffinityTerm, pod, nsLabels)) return true;
  return false;
}

/** Builds a plugin instance over `handle` with defaulted `args`. */
function createInterPodAffinity(args: InterPodAffinityArgs, handle: Handle): SchedulerPluginInstance {
  const hardPodAffinityWeight = args.hardPodAffinityWeight;
  const ignorePreferredTermsOfExistingPods = args.ignorePreferredTermsOfExistingPods;
  // Topology values interned across cycles, so counting a pair is an array increment.
  const domains = new TopologyValueTables();
  // The last cycle's counts, recounted only on the nodes that changed since (see counts-memo.ts).
  const existingMemo = new NodeCountsMemoCache(1);
  const incomingMemo = new NodeCountsMemoCache(2);
  const scoreMemo = new NodeCountsMemoCache(2);
  // PreFilter and PreScore of one cycle parse the same pod object once.
  let lastPod: DeepReadonly<Pod> | undefined;
  let lastPodInfo: PodInfo | undefined;
  function podInfoOf(pod: DeepReadonly<Pod>): PodInfo {
    if (pod !== lastPod || lastPodInfo === undefined) {
      lastPod = pod;
      lastPodInfo = newPodInfo(pod);
    }
    return lastPodInfo;
  }

  /**
   * PreFilter: parses the pod's terms (unrolling namespace selectors), then counts per topology
   * pair (1) the existing pods' required anti-affinity terms the pod matches and (2) the existing
   * pods matching the pod's required affinity / anti-affinity. Skip when the pod has no required
   * terms and no existing pod's anti-affinity matches it.
   *
   * Upstream walks the nodes with pods with required anti-affinity for (1) and every node for (2);
   * here both walk the node list, recounting only the nodes changed since the previous cycle with
   * the same signature (same counts, see counts-memo.ts).
   */
  function preFilter(state: CycleState, pod: DeepReadonly<Pod>, nodes: readonly NodeInfo[]): PreFilterReturn {
    const podInfo = podInfoOf(pod);
    if (podInfo.parseError !== undefined) return Status.unschedulableAndUnresolvable(`parsing pod: ${podInfo.parseError}`);
    const affinityTerms = mergeTermsNamespaces(podInfo.requiredAffinityTerms, handle.objects);
    const antiAffinityTerms = mergeTermsNamespaces(podInfo.requiredAntiAffinityTerms, handle.objects);
    const nsLabels = namespaceLabels(handle.objects, podNamespace(pod));
    // A key's values are bounded by the nodes a cluster ever had; start afresh after much churn.
    domains.compact(2 * nodes.length + 64);
    // Only nodes with pods with required anti-affinity contribute; when there are none (the common
    // case) the counts are empty without a walk over the nodes.
    const [existing] =
      handle.snapshot().havePodsWithRequiredAntiAffinityList().length === 0
        ? [new TopologyPairCounts(domains)]
        : (existingMemo.counts(existingCountsSignature(pod, nsLabels), nodes, domains, existingAntiAffinityContributor(pod, nsLabels), handle.snapshot()) as [
            TopologyPairCounts,
          ]);
    if (existing.size === 0 && affinityTerms.length === 0 && antiAffinityTerms.length === 0) return Status.skip();
    let affinityCounts: TopologyPairCounts;
    let antiAffinityCounts: TopologyPairCounts;
    if (affinityTerms.length === 0 && antiAffinityTerms.length === 0) {
      affinityCounts = new TopologyPairCounts(domains);
      antiAffinityCounts = new TopologyPairCounts(domains);
    } else {
      [affinityCounts, antiAffinityCounts] = incomingMemo.counts(
        incomingCountsSignature(pod, affinityTerms, antiAffinityTerms),
        nodes,
        domains,
        incomingAffinityAntiAffinityContributor(affinityTerms, antiAffinityTerms),
        handle.snapshot(),
      ) as [TopologyPairCounts, TopologyPairCounts];
    }
    state.write(PRE_FILTER_STATE_KEY, new PreFilterState(pod, affinityTerms, antiAffinityTerms, nsLabels, existing, affinityCounts, antiAffinityCounts));
    return undefined;
  }

  /** Filter: the pod's affinity, then its anti-affinity, then the existing pods' anti-affinity. */
  function filter(state: CycleState, _pod: DeepReadonly<Pod>, nodeInfo: NodeInfo): StatusLike {
    const s = state.read(PRE_FILTER_STATE_KEY);
    if (s === undefined) return preFilterStateMissing();
    const labels = nodeLabelsOf(nodeInfo.node);
    if (!satisfyPodAffinity(s, labels)) return REJECT_AFFINITY;
    if (!satisfyPodAntiAffinity(s, labels)) return REJECT_ANTI_AFFINITY;
    if (!satisfyExistingPodsAntiAffinity(s, labels)) return REJECT_EXISTING_ANTI_AFFINITY;
    return undefined;
  }

  function updateState(state: CycleState, podInfo: PodInfo, nodeInfo: NodeInfo, multiplier: number): StatusLike {
    const s = state.read(PRE_FILTER_STATE_KEY);
    if (s === undefined) return preFilterStateMissing();
    s.updateWithPod(podInfo, nodeInfo, multiplier);
    return undefined;
  }

  /**
   * PreScore: builds the score of every topology domain from the existing pods (all pods when the
   * incoming pod has preferred terms, else only the pods with affinity). Skip when
   * `ignorePreferredTermsOfExistingPods` is set and the pod has no preferred terms, or when no term
   * matched anywhere.
   */
  function preScore(state: CycleState, pod: DeepReadonly<Pod>): StatusLike {
    const hasConstraints = hasPreferredTerms(pod);
    if (ignorePreferredTermsOfExistingPods && !hasConstraints) return Status.skip();
    const podInfo = podInfoOf(pod);
    if (podInfo.parseError !== undefined) return Status.error(`failed to parse pod: ${podInfo.parseError}`);
    // Without preferred terms of its own, only existing pods with affinity can score the pod; with
    // none in the cluster nothing matches, which is Skip.
    if (!hasConstraints && handle.snapshot().havePodsWithAffinityList().length === 0) return Status.skip();
    const incoming: IncomingPodScoring = {
      pod,
      preferredAffinityTerms: mergeTermsNamespaces(podInfo.preferredAffinityTerms, handle.objects),
      preferredAntiAffinityTerms: mergeTermsNamespaces(podInfo.preferredAntiAffinityTerms, handle.objects),
      namespaceLabels: namespaceLabels(handle.objects, podNamespace(pod)),
      hardPodAffinityWeight,
    };
    // Upstream walks every node when the pod has preferred terms, else the nodes with pods with
    // affinity; the other nodes contribute nothing, so walking the node list gives the same table.
    const nodes = handle.snapshot().list();
    domains.compact(2 * nodes.length + 64);
    const [scores, matches] = scoreMemo.counts(scoreSignature(incoming), nodes, domains, scoreContributor(incoming), handle.snapshot()) as [
      TopologyPairCounts,
      TopologyPairCounts,
    ];
    if (matches.size === 0) return Status.skip();
    state.write(PRE_SCORE_STATE_KEY, { topologyScore: scores });
    return undefined;
  }

  /** Score: the sum of the scores of the node's topology domains (may be negative). */
  function score(state: CycleState, _pod: DeepReadonly<Pod>, nodeInfo: NodeInfo): ScoreReturn {
    const s = state.read(PRE_SCORE_STATE_KEY);
    if (s === undefined) return preScoreStateMissing();
    return s.topologyScore.sumForNode(nodeLabelsOf(nodeInfo.node));
  }

  /** NormalizeScore: min–max scaling to 0..100. */
  function normalizeScore(state: CycleState, _pod: DeepReadonly<Pod>, scores: NodeScore[]): StatusLike {
    const s = state.read(PRE_SCORE_STATE_KEY);
    if (s === undefined) return preScoreStateMissing();
    normalizeInterPodAffinityScores(scores);
    return undefined;
  }

  /**
   * Hint for assigned pods added, deleted or relabelled (and the rejected pod's own relabelling):
   * - the rejected pod itself changed ⇒ Queue (its labels decide the self-affinity exception and
   *   which existing anti-affinity terms it matches);
   * - an unscheduled pod ⇒ QueueSkip;
   * - an update ⇒ Queue when the pod starts matching all the rejected pod's affinity terms, or
   *   stops matching all its anti-affinity terms;
   * - an add ⇒ Queue when the pod matches all the affinity terms;
   * - a delete ⇒ Queue when the pod matched all the anti-affinity terms, or when one of its own
   *   required anti-affinity terms matched the rejected pod.
   * The rejected pod's terms are taken as written (namespace selectors matched against no labels).
   */
  function isSchedulableAfterPodChange(
    pod: DeepReadonly<Pod>,
    oldObj: DeepReadonly<KubeObject> | undefined,
    newObj: DeepReadonly<KubeObject> | undefined,
  ): QueueingHint {
    const original = oldObj as DeepReadonly<Pod> | undefined;
    const modified = newObj as DeepReadonly<Pod> | undefined;
    if (modified !== undefined && modified.metadata?.uid === pod.metadata?.uid) return 'Queue';
    if ((modified !== undefined && !modified.spec?.nodeName) || (original !== undefined && !original.spec?.nodeName)) return 'QueueSkip';
    const info = newPodInfo(pod);
    if (info.parseError !== undefined) return 'Queue';
    const terms = info.requiredAffinityTerms;
    const antiTerms = info.requiredAntiAffinityTerms;
    if (modified !== undefined && original !== undefined) {
      if (!podMatchesAllAffinityTerms(terms, original) && podMatchesAllAffinityTerms(terms, modified)) return 'Queue';
      if (podMatchesAllAffinityTerms(antiTerms, original) && !podMatchesAllAffinityTerms(antiTerms, modified)) return 'Queue';
      return 'QueueSkip';
    }
    if (modified !== undefined) return podMatchesAllAffinityTerms(terms, modified) ? 'Queue' : 'QueueSkip';
    if (original === undefined) return 'Queue';
    if (podMatchesAllAffinityTerms(antiTerms, original)) return 'Queue';
    const deleted = newPodInfo(original);
    if (deleted.requiredAntiAffinityTerms.length > 0) {
      const nsLabels = namespaceLabels(handle.objects, podNamespace(pod));
      if (anyTermMatches(deleted.requiredAntiAffinityTerms, pod, nsLabels)) return 'Queue';
    }
    return 'QueueSkip';
  }

  return {
    preFilter,
    preFilterExtensions: {
      addPod: (state, _podToSchedule, podInfoToAdd, nodeInfo) => updateState(state, podInfoToAdd, nodeInfo, 1),
      removePod: (state, _podToSchedule, podInfoToRemove, nodeInfo) => updateState(state, podInfoToRemove, nodeInfo, -1),
    },
    filter,
    preScore,
    score,
    normalizeScore,
    eventsToRegister: () => [
      {
        event: { resource: 'Pod', actionType: ActionType.Add | ActionType.UpdatePodLabel | ActionType.Delete },
        queueingHintFn: isSchedulableAfterPodChange,
      },
      { event: { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeLabel }, queueingHintFn: isSchedulableAfterNodeChange },
    ],
  };
}

/**
 * Hint for nodes added or relabelled: Queue when the node
 * - for one of the pod's required affinity terms: is new and has the term's key, gains the key, or
 *   changes its value;
 * - for one of the pod's required anti-affinity terms: is new (a node without the key always
 *   accepts the pod; one with it may join a domain free of the pods it avoids), loses the key, or
 *   changes its value.
 * Otherwise QueueSkip (also for a pod without required terms).
 */
export function isSchedulableAfterNodeChange(
  pod: DeepReadonly<Pod>,
  oldObj: DeepReadonly<KubeObject> | undefined,
  newObj: DeepReadonly<KubeObject> | undefined,
): QueueingHint {
  const modified = newObj as DeepReadonly<Node> | undefined;
  if (modified === undefined) return 'Queue';
  const original = oldObj as DeepReadonly<Node> | undefined;
  const info = newPodInfo(pod);
  if (info.parseError !== undefined) return 'Queue';
  const newLabels = nodeLabelsOf(modified);
  const oldLabels = nodeLabelsOf(original);
  for (const term of info.requiredAffinityTerms) {
    const after = labelValue(newLabels, term.topologyKey);
    if (original === undefined) {
      if (after !== undefined) return 'Queue';
      continue;
    }
    const before = labelValue(oldLabels, term.topologyKey);
    if (after !== undefined && before !== after) return 'Queue';
  }
  for (const term of info.requiredAntiAffinityTerms) {
    if (original === undefined) return 'Queue';
    const before = labelValue(oldLabels, term.topologyKey);
    const after = labelValue(newLabels, term.topologyKey);
    if (before !== undefined && before !== after) return 'Queue';
  }
  return 'QueueSkip';
}

/**
 * The InterPodAffinity plugin (PreFilter with AddPod/RemovePod, Filter, PreScore, Score,
 * NormalizeScore; default score weight 2). Args: `InterPodAffinityArgs` (`hardPodAffinityWeight`
 * 0..100, default 1; `ignorePreferredTermsOfExistingPods`, default false).
 */
export const interPodAffinityPlugin = defineSchedulerPlugin<InterPodAffinityArgs>({
  name: NAME,
  decodeArgs: decodeInterPodAffinityArgs,
  create: (args, handle) => createInterPodAffinity(args ?? decodeInterPodAffinityArgs(undefined), handle),
});
