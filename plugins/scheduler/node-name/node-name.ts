/**
 * NodeName: a pod that names a node in `spec.nodeName` fits only that node. Mirrors upstream
 * `pkg/scheduler/framework/plugins/nodename/node_name.go`.
 */
import {
  ActionType,
  defineSchedulerPlugin,
  Status,
  type CycleState,
  type DeepReadonly,
  type KubeObject,
  type Node,
  type NodeInfo,
  type Pod,
  type QueueingHint,
} from 'kubeprop';

/** The upstream plugin name. */
export const NAME = 'NodeName';

/** Upstream `ErrReason`. */
export const ERR_REASON = "node(s) didn't match the requested node name";

const REJECTED = Status.unschedulableAndUnresolvable(ERR_REASON);

/** Upstream `Fits`: the pod names no node, or names this one. */
export function fits(pod: DeepReadonly<Pod>, nodeName: string): boolean {
  const wanted = pod.spec?.nodeName;
  return wanted === undefined || wanted === '' || wanted === nodeName;
}

function filter(_state: CycleState, pod: DeepReadonly<Pod>, nodeInfo: NodeInfo): Status | undefined {
  return fits(pod, nodeInfo.name) ? undefined : REJECTED;
}

/** Only the arrival of the named node can help. */
function isSchedulableAfterNodeAdd(
  pod: DeepReadonly<Pod>,
  _oldObj: DeepReadonly<KubeObject> | undefined,
  newObj: DeepReadonly<KubeObject> | undefined,
): QueueingHint {
  const added = newObj as DeepReadonly<Node> | undefined;
  if (added === undefined) return 'Queue';
  return fits(pod, added.metadata?.name ?? '') ? 'Queue' : 'QueueSkip';
}

/** The NodeName plugin (Filter). */
export const nodeNamePlugin = defineSchedulerPlugin({
  name: NAME,
  filter,
  // With QueueingHints on (GA since v1.34) upstream registers Node/Add only: no update of an
  // existing node changes its name.
  eventsToRegister: () => [{ event: { resource: 'Node', actionType: ActionType.Add }, queueingHintFn: isSchedulableAfterNodeAdd }],
});
