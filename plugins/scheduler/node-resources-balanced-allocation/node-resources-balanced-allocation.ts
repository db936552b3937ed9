/**
 * NodeResourcesBalancedAllocation: favours nodes whose resource utilizations, with the pod placed,
 * are close to each other.
 *
 * Mirrors upstream `pkg/scheduler/framework/plugins/noderesources/balanced_allocation.go` (v1.35):
 * the v1.30–v1.35 formula `int64((1 − std) · 100)` over the configured resources, actual requests
 * (no non-zero defaults), and the v1.33+ PreScore `Skip` for pods that request none of the
 * configured resources. The v1.36 "change in balance" formula is not modelled. DRAExtendedResource
 * (alpha in v1.35) is off.
 */
import {
  StateKey,
  decodeNodeResourcesBalancedAllocationArgs,
  defineSchedulerPlugin,
  Status,
  type CycleState,
  type DeepReadonly,
  type NodeInfo,
  type NodeResourcesBalancedAllocationArgs,
  type Pod,
  type SchedulerPluginInstance,
  type ScoreReturn,
  type StatusLike,
} from 'kubeprop';
import { ResourceAllocationScorer, balancedResourceScorer } from '../node-resources-fit/resource-allocation.js';

/** The plugin's name, as in `KubeSchedulerConfiguration`. */
export const NAME = 'NodeResourcesBalancedAllocation';

/** The pod's request per configured resource (upstream `balancedAllocationPreScoreState`). */
interface BalancedAllocationPreScoreState {
  readonly podRequests: readonly number[];
}

const PRE_SCORE_STATE_KEY = new StateKey<BalancedAllocationPreScoreState>(`PreScore${NAME}`);

function create(rawArgs: NodeResourcesBalancedAllocationArgs | undefined): SchedulerPluginInstance {
  const args = rawArgs ?? decodeNodeResourcesBalancedAllocationArgs(undefined);
  const scorer = new ResourceAllocationScorer({ resources: args.resources, useRequested: true, scorer: balancedResourceScorer });

  return {
    preScore(state: CycleState, pod: DeepReadonly<Pod>): StatusLike {
      const podRequests = scorer.podRequestList(pod);
      // Scoring a pod that requests nothing would pile best-effort pods onto one node
      // (kubernetes/kubernetes#129138), so upstream skips it.
      if (ResourceAllocationScorer.isBestEffort(podRequests)) return Status.skip();
      state.write(PRE_SCORE_STATE_KEY, { podRequests });
      return undefined;
    },

    score(state: CycleState, pod: DeepReadonly<Pod>, nodeInfo: NodeInfo): ScoreReturn {
      const s = state.read(PRE_SCORE_STATE_KEY);
      let podRequests: readonly number[];
      if (s === undefined) {
        // Like upstream, a missing PreScore state is recomputed; a best-effort pod then scores 0.
        podRequests = scorer.podRequestList(pod);
        if (ResourceAllocationScorer.isBestEffort(podRequests)) return 0;
      } else {
        podRequests = s.podRequests;
      }
      return scorer.score(nodeInfo, podRequests);
    },
  };
}

/**
 * The NodeResourcesBalancedAllocation plugin (PreScore, Score). Args:
 * `NodeResourcesBalancedAllocationArgs`, decoded and defaulted by
 * `decodeNodeResourcesBalancedAllocationArgs` (cpu and memory, weight 1).
 */
export const nodeResourcesBalancedAllocationPlugin = defineSchedulerPlugin<NodeResourcesBalancedAllocationArgs>({
  name: NAME,
  decodeArgs: decodeNodeResourcesBalancedAllocationArgs,
  create: (args) => create(args),
});
