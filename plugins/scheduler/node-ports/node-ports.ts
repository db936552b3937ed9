/**
 * NodePorts: a pod fits a node only if none of its host ports is already taken there. Mirrors
 * upstream `pkg/scheduler/framework/plugins/nodeports/node_ports.go`.
 */
import {
  ActionType,
  defineSchedulerPlugin,
  HostPortInfo,
  podHostPorts,
  StateKey,
  Status,
  type CycleState,
  type DeepReadonly,
  type HostPort,
  type KubeObject,
  type NodeInfo,
  type Pod,
  type QueueingHint,
} from 'kubeprop';

/** The upstream plugin name. */
export const NAME = 'NodePorts';

/** Upstream `ErrReason`. */
export const ERR_REASON = "node(s) didn't have free ports for the requested pod ports";

/** Upstream `preFilterStateKey`: the pod's host ports (containers' and sidecars'). */
const PRE_FILTER_KEY = new StateKey<readonly HostPort[]>(`PreFilter${NAME}`);

const REJECTED = Status.unschedulable(ERR_REASON);

/**
 * Upstream `fitsPorts`: no wanted port conflicts with one in use. An empty host IP means
 * `0.0.0.0`, which conflicts with the same protocol and port on any IP; an empty protocol is TCP.
 */
function fitsPorts(wanted: readonly HostPort[], inUse: Pick<HostPortInfo, 'checkConflict'>): boolean {
  for (let i = 0; i < wanted.length; i++) {
    const p = wanted[i] as HostPort;
    if (inUse.checkConflict(p.ip, p.protocol, p.port)) return false;
  }
  return true;
}

/** PreFilter: Skip for a pod without host ports (so Filter does not run); else keep its ports. */
function preFilter(state: CycleState, pod: DeepReadonly<Pod>): Status | undefined {
  const ports = podHostPorts(pod);
  if (ports.length === 0) return Status.skip();
  state.write(PRE_FILTER_KEY, ports);
  return undefined;
}

/** Filter: `Unschedulable` (preemption may free the port) when a host port is taken on the node. */
function filter(state: CycleState, _pod: DeepReadonly<Pod>, nodeInfo: NodeInfo): Status | undefined {
  const wanted = state.read(PRE_FILTER_KEY);
  if (wanted === undefined) return Status.error(`reading "${PRE_FILTER_KEY.name}" from cycleState: not found`);
  return fitsPorts(wanted, nodeInfo.usedPorts) ? undefined : REJECTED;
}

/**
 * A deleted pod frees host ports only if it was bound (or nominated) somewhere and held a port the
 * waiting pod wants.
 */
function isSchedulableAfterPodDeleted(
  pod: DeepReadonly<Pod>,
  oldObj: DeepReadonly<KubeObject> | undefined,
  newObj: DeepReadonly<KubeObject> | undefined,
): QueueingHint {
  const deleted = (oldObj ?? newObj) as DeepReadonly<Pod> | undefined;
  if (deleted === undefined) return 'Queue';
  if ((deleted.spec?.nodeName ?? '') === '' && (deleted.status?.nominatedNodeName ?? '') === '') return 'QueueSkip';
  const freed = podHostPorts(deleted);
  if (freed.length === 0) return 'QueueSkip';
  const inUse = new HostPortInfo();
  for (const p of freed) inUse.add(p.ip, p.protocol, p.port);
  return fitsPorts(podHostPorts(pod), inUse) ? 'QueueSkip' : 'Queue';
}

/** The NodePorts plugin (PreFilter, Filter). */
export const nodePortsPlugin = defineSchedulerPlugin({
  name: NAME,
  preFilter,
  filter,
  eventsToRegister: () => [
    // Container ports are immutable, so only deletions can free a port.
    { event: { resource: 'Pod', actionType: ActionType.Delete }, queueingHintFn: isSchedulableAfterPodDeleted },
    // With QueueingHints on (GA since v1.34) upstream registers Node/Add only, without a hint.
    { event: { resource: 'Node', actionType: ActionType.Add } },
  ],
});
