/**
 * NodeUnschedulable: filters out cordoned nodes (`spec.unschedulable: true`) unless the pod
 * tolerates the `node.kubernetes.io/unschedulable:NoSchedule` taint. Mirrors upstream
 * `pkg/scheduler/framework/plugins/nodeunschedulable/node_unschedulable.go`.
 */
import {
  ActionType,
  defineSchedulerPlugin,
  Status,
  TAINT_EFFECT_NO_SCHEDULE,
  TAINT_NODE_UNSCHEDULABLE,
  tolerationsTolerateTaint,
  type CycleState,
  type DeepReadonly,
  type KubeObject,
  type Node,
  type NodeInfo,
  type Pod,
  type QueueingHint,
} from 'kubeprop';

/** The upstream plugin name. */
export const NAME = 'NodeUnschedulable';

/** Upstream `ErrReasonUnschedulable`. */
export const ERR_REASON_UNSCHEDULABLE = 'node(s) were unschedulable';

/** A pod that tolerates this taint also tolerates `spec.unschedulable` (DaemonSet pods do). */
const UNSCHEDULABLE_TAINT = Object.freeze({ key: TAINT_NODE_UNSCHEDULABLE, effect: TAINT_EFFECT_NO_SCHEDULE });

const REJECTED = Status.unschedulableAndUnresolvable(ERR_REASON_UNSCHEDULABLE);

function toleratesUnschedulable(pod: DeepReadonly<Pod>): boolean {
  return tolerationsTolerateTaint(pod.spec?.tolerations, UNSCHEDULABLE_TAINT);
}

/** Filter: `UnschedulableAndUnresolvable` on a cordoned node the pod does not tolerate. */
function filter(_state: CycleState, pod: DeepReadonly<Pod>, nodeInfo: NodeInfo): Status | undefined {
  if (nodeInfo.node.spec?.unschedulable !== true) return undefined;
  return toleratesUnschedulable(pod) ? undefined : REJECTED;
}

/** A node was added schedulable, or went from unschedulable to schedulable. */
function isSchedulableAfterNodeChange(
  _pod: DeepReadonly<Pod>,
  oldObj: DeepReadonly<KubeObject> | undefined,
  newObj: DeepReadonly<KubeObject> | undefined,
): QueueingHint {
  const oldNode = oldObj as DeepReadonly<Node> | undefined;
  const newNode = newObj as DeepReadonly<Node> | undefined;
  if (newNode === undefined) return 'Queue';
  const nowSchedulable = newNode.spec?.unschedulable !== true;
  if (oldNode === undefined) return nowSchedulable ? 'Queue' : 'QueueSkip';
  return oldNode.spec?.unschedulable === true && nowSchedulable ? 'Queue' : 'QueueSkip';
}

/**
 * The rejected pod itself gained tolerations, and now tolerates the unschedulable taint. (A pod's
 * tolerations can only be added to, so a pod this plugin rejected did not tolerate it before.)
 */
function isSchedulableAfterPodTolerationChange(
  pod: DeepReadonly<Pod>,
  _oldObj: DeepReadonly<KubeObject> | undefined,
  newObj: DeepReadonly<KubeObject> | undefined,
): QueueingHint {
  const modified = newObj as DeepReadonly<Pod> | undefined;
  if (modified === undefined) return 'Queue';
  if (modified.metadata?.uid !== pod.metadata?.uid) return 'QueueSkip';
  return toleratesUnschedulable(modified) ? 'Queue' : 'QueueSkip';
}

/** The NodeUnschedulable plugin (Filter). */
export const nodeUnschedulablePlugin = defineSchedulerPlugin({
  name: NAME,
  filter,
  eventsToRegister: () => [
    { event: { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeTaint }, queueingHintFn: isSchedulableAfterNodeChange },
    { event: { resource: 'Pod', actionType: ActionType.UpdatePodToleration }, queueingHintFn: isSchedulableAfterPodTolerationChange },
  ],
});
