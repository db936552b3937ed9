/**
 * NodeAffinity: a pod fits only nodes matching its `spec.nodeSelector`, its required node affinity
 * and the profile's `addedAffinity`; among those, nodes matching more of its preferred terms score
 * higher. Mirrors upstream `pkg/scheduler/framework/plugins/nodeaffinity/node_affinity.go`.
 */
import {
  ActionType,
  ConfigError,
  decodeNodeAffinityArgs,
  defineSchedulerPlugin,
  getRequiredNodeAffinity,
  isStatusValue,
  MAX_NODE_SCORE,
  NodeSelectorMatcher,
  PreferredSchedulingTerms,
  StateKey,
  Status,
  type CycleState,
  type DeepReadonly,
  type KubeObject,
  type Node,
  type NodeAffinityArgs,
  type NodeInfo,
  type NodeScore,
  type Pod,
  type PreFilterReturn,
  type QueueingHint,
  type RequiredNodeAffinity,
  type SchedulerPluginInstance,
} from 'kubeprop';
import { defaultNormalizeScore } from '../normalize-score.js';

/** The upstream plugin name. */
export const NAME = 'NodeAffinity';

/** Upstream `ErrReasonPod`: the pod's own node selector or required affinity did not match. */
export const ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector";
/** Upstream `errReasonEnforced`: the profile's `addedAffinity` did not match. */
export const ERR_REASON_ENFORCED = "node(s) didn't match scheduler-enforced node affinity";
/** Upstream `errReasonConflict`: the `metadata.name` field requirements select no node at all. */
export const ERR_REASON_CONFLICT = 'pod affinity terms conflict';

/** The field key `matchFields` may use (upstream `metav1.ObjectNameField`). */
const OBJECT_NAME_FIELD = 'metadata.name';

/** Upstream `preFilterStateKey`: the pod's compiled node selector and required affinity. */
const PRE_FILTER_KEY = new StateKey<RequiredNodeAffinity>(`PreFilter${NAME}`);
/** Upstream `preScoreStateKey`: the pod's compiled preferred terms (absent when it has none). */
const PRE_SCORE_KEY = new StateKey<{ readonly preferred: PreferredSchedulingTerms | undefined }>(`PreScore${NAME}`);

const REJECTED_POD = Status.unschedulableAndUnresolvable(ERR_REASON_POD);
const REJECTED_ENFORCED = Status.unschedulableAndUnresolvable(ERR_REASON_ENFORCED);

/**
 * The pod's preferred terms, compiled; `undefined` when the pod sets no
 * `preferredDuringSchedulingIgnoredDuringExecution` (an empty list is a list, as upstream's non-nil
 * slice). A term that does not parse fails the whole list, as upstream's constructor does.
 */
function podPreferredTerms(pod: DeepReadonly<Pod>): PreferredSchedulingTerms | undefined | Status {
  const terms = pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution;
  if (terms === undefined || terms === null) return undefined;
  const compiled = PreferredSchedulingTerms.compile(terms);
  const err = compiled.error();
  return err === undefined ? compiled : Status.error(err);
}

/**
 * Upstream PreFilter's node-name shortcut: when every term of the required affinity has a
 * `metadata.name In [...]` field requirement, the pod can only land on the union over the terms of
 * the intersection of those names within each term. `undefined` means no restriction.
 */
function nodeNamesFromRequiredTerms(pod: DeepReadonly<Pod>): Set<string> | undefined {
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  if (terms.length === 0) return undefined;
  const union = new Set<string>();
  for (const term of terms) {
    let inTerm: Set<string> | undefined;
    for (const r of term.matchFields ?? []) {
      if (r.key !== OBJECT_NAME_FIELD || r.operator !== 'In') continue;
      // The requirements of a term are ANDed, so their name sets intersect.
      const names = new Set(r.values ?? []);
      if (inTerm !== undefined) for (const n of names) if (!inTerm.has(n)) names.delete(n);
      inTerm = names;
    }
    // A term without a name requirement admits every node, and the terms are ORed.
    if (inTerm === undefined) return undefined;
    for (const n of inTerm) union.add(n);
  }
  return union;
}

/** Builds a plugin instance for one profile, with the profile's `addedAffinity` compiled once. */
function newNodeAffinity(args: NodeAffinityArgs | undefined): SchedulerPluginInstance {
  const added = args?.addedAffinity;
  let addedNodeSelector: NodeSelectorMatcher | undefined;
  const addedRequired = added?.requiredDuringSchedulingIgnoredDuringExecution;
  if (addedRequired !== undefined && addedRequired !== null) {
    addedNodeSelector = NodeSelectorMatcher.compile(addedRequired);
    const err = addedNodeSelector.error();
    if (err !== undefined) throw new ConfigError(`parsing addedAffinity.requiredDuringSchedulingIgnoredDuringExecution: ${err}`);
  }
  let addedPreferred: PreferredSchedulingTerms | undefined;
  const addedPreferredTerms = added?.preferredDuringSchedulingIgnoredDuringExecution;
  if (addedPreferredTerms !== undefined && addedPreferredTerms.length > 0) {
    addedPreferred = PreferredSchedulingTerms.compile(addedPreferredTerms);
    const err = addedPreferred.error();
    if (err !== undefined) throw new ConfigError(`parsing addedAffinity.preferredDuringSchedulingIgnoredDuringExecution: ${err}`);
  }

  /**
   * `Queue` when the added or updated node satisfies `addedAffinity` and the pod's required
   * constraints and, for an update, did not before; a parse error in the pod's terms counts as
   * `Queue`, as upstream treats a hint's error.
   */
  function isSchedulableAfterNodeChange(
    pod: DeepReadonly<Pod>,
    oldObj: DeepReadonly<KubeObject> | undefined,
    newObj: DeepReadonly<KubeObject> | undefined,
  ): QueueingHint {
    const newNode = newObj as DeepReadonly<Node> | undefined;
    if (newNode === undefined) return 'Queue';
    if (addedNodeSelector !== undefined && !addedNodeSelector.match(newNode)) return 'QueueSkip';
    const required = getRequiredNodeAffinity(pod);
    const now = required.matchLazy(newNode);
    if (now.error !== undefined) return 'Queue';
    if (!now.matches) return 'QueueSkip';
    // A new node that matches may take the pod; an updated one only if it did not match before.
    const oldNode = oldObj as DeepReadonly<Node> | undefined;
    if (oldNode === undefined) return 'Queue';
    const before = required.matchLazy(oldNode);
    if (before.error !== undefined) return 'Queue';
    return before.matches ? 'QueueSkip' : 'Queue';
  }

  return {
    preFilter(state: CycleState, pod: DeepReadonly<Pod>): PreFilterReturn {
      const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
      const hasRequired = required !== undefined && required !== null;
      const nodeSelector = pod.spec?.nodeSelector;
      // A present but empty nodeSelector map still counts, as a non-nil Go map does upstream.
      if (!hasRequired && addedNodeSelector === undefined && (nodeSelector === undefined || nodeSelector === null)) return Status.skip();
      state.write(PRE_FILTER_KEY, getRequiredNodeAffinity(pod));
      const nodeNames = nodeNamesFromRequiredTerms(pod);
      if (nodeNames === undefined) return undefined;
      if (nodeNames.size === 0) return Status.unschedulableAndUnresolvable(ERR_REASON_CONFLICT);
      return { nodeNames };
    },

    filter(state: CycleState, pod: DeepReadonly<Pod>, nodeInfo: NodeInfo): Status | undefined {
      const node = nodeInfo.node;
      if (addedNodeSelector !== undefined && !addedNodeSelector.match(node)) return REJECTED_ENFORCED;
      // Without PreFilter (a profile may enable Filter alone) the constraints are compiled here.
      const required = state.read(PRE_FILTER_KEY) ?? getRequiredNodeAffinity(pod);
      // Parse errors of the affinity terms are ignored, as upstream does for compatibility.
      return required.match(node) ? undefined : REJECTED_POD;
    },

    preScore(state: CycleState, pod: DeepReadonly<Pod>): Status | undefined {
      const preferred = podPreferredTerms(pod);
      if (isStatusValue(preferred)) return preferred;
      if (preferred === undefined && addedPreferred === undefined) return Status.skip();
      state.write(PRE_SCORE_KEY, { preferred });
      return undefined;
    },

    score(state: CycleState, pod: DeepReadonly<Pod>, nodeInfo: NodeInfo): number | Status {
      const node = nodeInfo.node;
      let count = addedPreferred === undefined ? 0 : addedPreferred.score(node);
      const preScored = state.read(PRE_SCORE_KEY);
      let preferred: PreferredSchedulingTerms | undefined;
      if (preScored !== undefined) preferred = preScored.preferred;
      else {
        // Without PreScore (a profile may enable Score alone) the terms are compiled here.
        const compiled = podPreferredTerms(pod);
        if (isStatusValue(compiled)) return compiled;
        preferred = compiled;
      }
      if (preferred !== undefined) count += preferred.score(node);
      return count;
    },

    normalizeScore(_state: CycleState, _pod: DeepReadonly<Pod>, scores: NodeScore[]): undefined {
      defaultNormalizeScore(MAX_NODE_SCORE, false, scores);
      return undefined;
    },

    eventsToRegister: () => [
      // With QueueingHints on (GA since v1.34) upstream registers Add and UpdateNodeLabel only.
      { event: { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeLabel }, queueingHintFn: isSchedulableAfterNodeChange },
    ],
  };
}

/**
 * The NodeAffinity plugin (PreFilter, Filter, PreScore, Score, NormalizeScore; default weight 2).
 * Args: `NodeAffinityArgs` (`addedAffinity`), decoded and validated as upstream.
 */
export const nodeAffinityPlugin = defineSchedulerPlugin<NodeAffinityArgs>({
  name: NAME,
  decodeArgs: decodeNodeAffinityArgs,
  create: (args) => newNodeAffinity(args),
});
