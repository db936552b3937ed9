/**
 * TaintToleration: filters out nodes with a `NoSchedule`/`NoExecute` taint the pod does not
 * tolerate, and prefers nodes with fewer untolerated `PreferNoSchedule` taints. Mirrors upstream
 * `pkg/scheduler/framework/plugins/tainttoleration/taint_toleration.go` (v1.35).
 */
import {
  ActionType,
  defineSchedulerPlugin,
  doNotScheduleTaintsFilter,
  ERR_REASON_UNTOLERATED_TAINT,
  findMatchingUntoleratedTaint,
  MAX_NODE_SCORE,
  StateKey,
  Status,
  TAINT_EFFECT_PREFER_NO_SCHEDULE,
  tolerationsTolerateTaint,
  type CycleState,
  type DeepReadonly,
  type KubeObject,
  type Node,
  type NodeInfo,
  type NodeScore,
  type Pod,
  type QueueingHint,
  type Taint,
  type Toleration,
} from 'kubeprop';
import { defaultNormalizeScore } from '../normalize-score.js';

/** The upstream plugin name. */
export const NAME = 'TaintToleration';

/** Upstream `preScoreStateKey`: the pod's tolerations that can match a `PreferNoSchedule` taint. */
const PRE_SCORE_KEY = new StateKey<readonly DeepReadonly<Toleration>[]>(`PreScore${NAME}`);

const REJECTED = Status.unschedulableAndUnresolvable(ERR_REASON_UNTOLERATED_TAINT);
const NO_TAINTS: readonly DeepReadonly<Taint>[] = Object.freeze([]);

function hasUntoleratedDoNotScheduleTaint(node: DeepReadonly<Node>, pod: DeepReadonly<Pod>): boolean {
  return findMatchingUntoleratedTaint(node.spec?.taints, pod.spec?.tolerations, doNotScheduleTaintsFilter) !== undefined;
}

/**
 * Filter: the first `NoSchedule`/`NoExecute` taint no toleration tolerates makes the node
 * `UnschedulableAndUnresolvable` with v1.35's generic reason `node(s) had untolerated taint(s)`,
 * which does not name the taint (upstream PR #134740). `PreferNoSchedule` never blocks.
 */
function filter(_state: CycleState, pod: DeepReadonly<Pod>, nodeInfo: NodeInfo): Status | undefined {
  return hasUntoleratedDoNotScheduleTaint(nodeInfo.node, pod) ? REJECTED : undefined;
}

/** PreScore: keeps the tolerations with effect `PreferNoSchedule` or empty (every effect). */
function preScore(state: CycleState, pod: DeepReadonly<Pod>): undefined {
  const tolerations = (pod.spec?.tolerations ?? []).filter((t) => {
    // An empty effect means every effect; manifests may spell it `""` as well as leave it out.
    const effect: string = t.effect ?? '';
    return effect === '' || effect === TAINT_EFFECT_PREFER_NO_SCHEDULE;
  });
  state.write(PRE_SCORE_KEY, tolerations);
  return undefined;
}

/** Score: the number of the node's `PreferNoSchedule` taints the pod does not tolerate. */
function score(state: CycleState, _pod: DeepReadonly<Pod>, nodeInfo: NodeInfo): number | Status {
  const tolerations = state.read(PRE_SCORE_KEY);
  if (tolerations === undefined) return Status.error(`failed to read "${PRE_SCORE_KEY.name}" from cycleState: not found`);
  const taints: readonly DeepReadonly<Taint>[] = nodeInfo.node.spec?.taints ?? NO_TAINTS;
  let untolerated = 0;
  for (let i = 0; i < taints.length; i++) {
    const taint = taints[i] as DeepReadonly<Taint>;
    if (taint.effect !== TAINT_EFFECT_PREFER_NO_SCHEDULE) continue;
    if (!tolerationsTolerateTaint(tolerations, taint)) untolerated++;
  }
  return untolerated;
}

/** NormalizeScore: fewer untolerated taints is better (`DefaultNormalizeScore(100, reverse)`). */
function normalizeScore(_state: CycleState, _pod: DeepReadonly<Pod>, scores: NodeScore[]): undefined {
  defaultNormalizeScore(MAX_NODE_SCORE, true, scores);
  return undefined;
}

/** A node was added, or its taints changed, so that the pod now tolerates all its hard taints. */
function isSchedulableAfterNodeChange(
  pod: DeepReadonly<Pod>,
  oldObj: DeepReadonly<KubeObject> | undefined,
  newObj: DeepReadonly<KubeObject> | undefined,
): QueueingHint {
  const newNode = newObj as DeepReadonly<Node> | undefined;
  if (newNode === undefined) return 'Queue';
  const oldNode = oldObj as DeepReadonly<Node> | undefined;
  const wasUntolerated = oldNode === undefined || hasUntoleratedDoNotScheduleTaint(oldNode, pod);
  return wasUntolerated && !hasUntoleratedDoNotScheduleTaint(newNode, pod) ? 'Queue' : 'QueueSkip';
}

/** The rejected pod itself gained tolerations; any other pod's change cannot help it. */
function isSchedulableAfterPodTolerationChange(
  pod: DeepReadonly<Pod>,
  _oldObj: DeepReadonly<KubeObject> | undefined,
  newObj: DeepReadonly<KubeObject> | undefined,
): QueueingHint {
  if (newObj === undefined) return 'Queue';
  return newObj.metadata.uid === pod.metadata?.uid ? 'Queue' : 'QueueSkip';
}

/** The TaintToleration plugin (Filter, PreScore, Score, NormalizeScore; default weight 3). */
export const taintTolerationPlugin = defineSchedulerPlugin({
  name: NAME,
  filter,
  preScore,
  score,
  normalizeScore,
  eventsToRegister: () => [
    { event: { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeTaint }, queueingHintFn: isSchedulableAfterNodeChange },
    { event: { resource: 'Pod', actionType: ActionType.UpdatePodToleration }, queueingHintFn: isSchedulableAfterPodTolerationChange },
  ],
});
