/**
 * DefaultPreemption: when a pod fits no node, remove lower-priority pods from one node to make room
 * and nominate the pod to it. Mirrors upstream
 * `pkg/scheduler/framework/plugins/defaultpreemption/default_preemption.go` (v1.35); the generic
 * search and actuation are kubeprop's `Evaluator` (upstream `framework/preemption`).
 */
import {
  ActionType,
  decodeDefaultPreemptionArgs,
  defineSchedulerPlugin,
  DISRUPTION_TARGET_CONDITION,
  Evaluator,
  moreImportantPod,
  POD_REASON_PREEMPTION_BY_SCHEDULER,
  selectVictimsOnNode,
  Status,
  statusMessage,
  type Candidate,
  type ClusterEventWithHint,
  type CycleState,
  type DeepReadonly,
  type DefaultPreemptionArgs,
  type Handle,
  type MutableNodeInfo,
  type NodeInfo,
  type Pod,
  type PodDisruptionBudget,
  type PodInfo,
  type PostFilterResult,
  type PreemptionEligibility,
  type PreemptionInterface,
  type PreemptionScoreFunc,
  type SchedulerPluginInstance,
  type SelectVictimsResult,
  type Victims,
} from 'kubeprop';

/** The upstream plugin name. */
export const NAME = 'DefaultPreemption';

/** The prefix upstream puts before every message of the evaluator. */
export const MESSAGE_PREFIX = 'preemption: ';
/** Eligibility message for `spec.preemptionPolicy: Never`. */
export const ERR_PREEMPTION_POLICY_NEVER = 'not eligible due to preemptionPolicy=Never.';
/** Eligibility message when a victim of an earlier preemption is still terminating on the nominated node. */
export const ERR_TERMINATING_POD_ON_NOMINATED_NODE = 'not eligible due to a terminating pod on the nominated node.';
/** PreEnqueue message while the pod's asynchronous preemption is in flight. */
export const ERR_WAITING_FOR_PREEMPTION = 'waiting for the preemption for this pod to be finished';

/**
 * Upstream `IsEligiblePodFunc`: whether `victim` may be preempted by `preemptor`, in addition to
 * having a lower priority. Customizations should always let system pods preempt ordinary ones.
 */
export type IsEligiblePodFunc = (nodeInfo: NodeInfo, victim: PodInfo, preemptor: DeepReadonly<Pod>) => boolean;
/** Upstream `MoreImportantPodFunc`: whether `a` is more important than `b` (kept in preference). */
export type MoreImportantPodFunc = (a: DeepReadonly<Pod>, b: DeepReadonly<Pod>) => boolean;

/**
 * Upstream `podTerminatingByPreemption`: the pod is being deleted and its `DisruptionTarget`
 * condition says the scheduler preempted it.
 */
export function podTerminatingByPreemption(pod: DeepReadonly<Pod>): boolean {
  if (!pod.metadata?.deletionTimestamp) return false;
  const c = pod.status?.conditions?.find((x) => x.type === DISRUPTION_TARGET_CONDITION);
  return c !== undefined && c.status === 'True' && c.reason === POD_REASON_PREEMPTION_BY_SCHEDULER;
}

/**
 * Upstream `calculateNumCandidates`: `max(numNodes · minCandidateNodesPercentage / 100,
 * minCandidateNodesAbsolute)` (integer division), at most `numNodes`.
 */
export function calculateNumCandidates(args: DefaultPreemptionArgs, numNodes: number): number {
  let n = Math.trunc((numNodes * args.minCandidateNodesPercentage) / 100);
  if (n < args.minCandidateNodesAbsolute) n = args.minCandidateNodesAbsolute;
  if (n > numNodes) n = numNodes;
  return n;
}

/** Options of {@link DefaultPreemption} beyond its args. */
export interface DefaultPreemptionOptions {
  /** Upstream `SchedulerAsyncPreemption` (beta, on by default since v1.33). Default `true`. */
  readonly enableAsyncPreemption?: boolean;
}

/**
 * The DefaultPreemption plugin instance (PostFilter, PreEnqueue, EnqueueExtensions) and its
 * preemption policy. `isEligiblePod` and `moreImportantPod` may be replaced, as upstream's fields.
 */
export class DefaultPreemption implements PreemptionInterface, SchedulerPluginInstance {
  readonly evaluator: Evaluator;
  /** Default: every lower-priority pod may be preempted. */
  isEligiblePod: IsEligiblePodFunc = () => true;
  /** Default: higher priority, then earlier start time. */
  moreImportantPod: MoreImportantPodFunc = moreImportantPod;

  constructor(
    readonly args: DefaultPreemptionArgs,
    readonly handle: Handle,
    options: DefaultPreemptionOptions = {},
  ) {
    this.evaluator = new Evaluator(NAME, handle, this, { enableAsyncPreemption: options.enableAsyncPreemption ?? true });
  }

  /** PostFilter: the evaluator's result, its message prefixed with `preemption: `. */
  postFilter(state: CycleState, pod: DeepReadonly<Pod>, filteredNodeStatus: ReadonlyMap<string, Status>): PostFilterResult {
    const result = this.evaluator.preempt(state, pod, filteredNodeStatus);
    const msg = statusMessage(result.status);
    if (msg === '') return result;
    const status = result.status.code === 'Error' ? Status.error(MESSAGE_PREFIX + msg) : Status.of(result.status.code, MESSAGE_PREFIX + msg);
    return { ...result, status };
  }

  /**
   * PreEnqueue: keeps a pod out of the active queue while its asynchronous preemption is in flight.
   * kubeprop completes that preemption within PostFilter, so this passes every pod.
   */
  preEnqueue(pod: DeepReadonly<Pod>): Status | undefined {
    if (!this.evaluator.enableAsyncPreemption) return undefined;
    if (this.evaluator.isPodRunningPreemption(pod.metadata?.uid ?? '')) return Status.unschedulableAndUnresolvable(ERR_WAITING_FOR_PREEMPTION);
    return undefined;
  }

  /**
   * With asynchronous preemption, assigned-pod deletions may un-gate a pod PreEnqueue held; the hint
   * is always QueueSkip, leaving requeueing to the plugins whose rejection preemption resolves.
   */
  eventsToRegister(): readonly ClusterEventWithHint[] {
    if (!this.evaluator.enableAsyncPreemption) return [];
    return [{ event: { resource: 'AssignedPod', actionType: ActionType.Delete }, queueingHintFn: () => 'QueueSkip' }];
  }

  /** Upstream `GetOffsetAndNumCandidates`: a random offset from `handle.rng` and {@link calculateNumCandidates}. */
  getOffsetAndNumCandidates(numNodes: number): readonly [offset: number, numCandidates: number] {
    return [this.handle.rng.below(numNodes), calculateNumCandidates(this.args, numNodes)];
  }

  /** Upstream `CandidatesToVictimsMap`, in candidate order. */
  candidatesToVictimsMap(candidates: readonly Candidate[]): ReadonlyMap<string, Victims> {
    const m = new Map<string, Victims>();
    for (const c of candidates) m.set(c.name, c.victims);
    return m;
  }

  /**
   * Upstream `PodEligibleToPreemptOthers`: not with `preemptionPolicy: Never`; and not while the
   * pod's nominated node still holds a lower-priority pod terminating because of a preemption,
   * unless that node is now UnschedulableAndUnresolvable.
   */
  podEligibleToPreemptOthers(pod: DeepReadonly<Pod>, nominatedNodeStatus: Status): PreemptionEligibility {
    if (pod.spec?.preemptionPolicy === 'Never') return { eligible: false, message: ERR_PREEMPTION_POLICY_NEVER };
    const nominated = pod.status?.nominatedNodeName;
    if (nominated) {
      if (nominatedNodeStatus.code === 'UnschedulableAndUnresolvable') return { eligible: true, message: '' };
      const nodeInfo = this.handle.snapshot().get(nominated);
      if (nodeInfo !== undefined) {
        for (const pi of nodeInfo.pods) {
          if (this.isPreemptionAllowed(nodeInfo, pi, pod) && podTerminatingByPreemption(pi.pod)) {
            return { eligible: false, message: ERR_TERMINATING_POD_ON_NOMINATED_NODE };
          }
        }
      }
    }
    return { eligible: true, message: '' };
  }

  /** Upstream `SelectVictimsOnNode` (see kubeprop's `selectVictimsOnNode`). */
  selectVictimsOnNode(
    state: CycleState,
    pod: DeepReadonly<Pod>,
    nodeInfo: MutableNodeInfo,
    pdbs: readonly DeepReadonly<PodDisruptionBudget>[],
  ): SelectVictimsResult {
    return selectVictimsOnNode(this.handle, state, pod, nodeInfo, pdbs, {
      isEligiblePod: this.isEligiblePod,
      moreImportantPod: this.moreImportantPod,
    });
  }

  /** The default cascade of `pickOneNodeForPreemption`. */
  orderedScoreFuncs(): readonly PreemptionScoreFunc[] | undefined {
    return undefined;
  }

  /** Upstream `isPreemptionAllowed`: a lower priority than the preemptor's, and `isEligiblePod`. */
  private isPreemptionAllowed(nodeInfo: NodeInfo, victim: PodInfo, preemptor: DeepReadonly<Pod>): boolean {
    return (victim.pod.spec?.priority ?? 0) < (preemptor.spec?.priority ?? 0) && this.isEligiblePod(nodeInfo, victim, preemptor);
  }
}

/**
 * The DefaultPreemption plugin (PostFilter, PreEnqueue). Args: `DefaultPreemptionArgs`
 * (`minCandidateNodesPercentage` 10, `minCandidateNodesAbsolute` 100), decoded and defaulted by
 * `decodeDefaultPreemptionArgs`.
 */
export const defaultPreemptionPlugin = defineSchedulerPlugin<DefaultPreemptionArgs>({
  name: NAME,
  decodeArgs: decodeDefaultPreemptionArgs,
  create: (args, handle) => new DefaultPreemption(args ?? decodeDefaultPreemptionArgs(undefined), handle),
});
