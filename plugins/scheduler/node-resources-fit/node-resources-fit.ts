/**
 * NodeResourcesFit: rejects nodes without room for the pod's requests and scores nodes by resource
 * allocation (LeastAllocated, MostAllocated or RequestedToCapacityRatio).
 *
 * Mirrors upstream `pkg/scheduler/framework/plugins/noderesources/fit.go` (v1.35), with the scoring
 * in `resource-allocation.ts`. Feature gates are taken at their v1.35 defaults: SidecarContainers,
 * InPlacePodVerticalScaling, PodLevelResources and SchedulerQueueingHints on; DRAExtendedResource
 * (alpha) off.
 */
import {
  ActionType,
  Status,
  StateKey,
  decodeNodeResourcesFitArgs,
  defineSchedulerPlugin,
  isExtendedResourceName,
  isScalarResourceName,
  podRequestQuantities,
  podRequests,
  resourceVectorFromList,
  ResourceCPU,
  ResourceEphemeralStorage,
  ResourceMemory,
  ResourcePods,
  type ClusterEventWithHint,
  type CycleState,
  type DeepReadonly,
  type KubeObject,
  type Node,
  type NodeInfo,
  type NodeResourcesFitArgs,
  type Pod,
  type QueueingHint,
  type ReadonlyResourceVector,
  type SchedulerPluginInstance,
  type ScoreReturn,
  type StatusLike,
} from 'kubeprop';
import {
  ResourceAllocationScorer,
  leastResourceScorer,
  mostResourceScorer,
  requestedToCapacityRatioScorer,
  type ResourceScorerFn,
} from './resource-allocation.js';

/** The plugin's name, as in `KubeSchedulerConfiguration`. */
export const NAME = 'NodeResourcesFit';

const PRE_FILTER_STATE_KEY_NAME = `PreFilter${NAME}`;
const PRE_SCORE_STATE_KEY_NAME = `PreScore${NAME}`;

/**
 * The pod's requests as the Filter compares them (upstream `preFilterState`), with what does not
 * depend on the node worked out once per pod: which scalar resources are checked, their reasons,
 * and a memo of the statuses already built (a rejection repeats across many nodes).
 */
export interface FitRequest {
  readonly milliCPU: number;
  readonly memory: number;
  readonly ephemeralStorage: number;
  /** Scalar resources the pod requests (> 0) that are checked, in request order. */
  readonly scalarNames: readonly string[];
  readonly scalarValues: readonly number[];
  /** `Insufficient <name>` for each checked scalar resource. */
  readonly scalarReasons: readonly string[];
  /** cpu, memory and ephemeral-storage are 0 and no scalar resource is requested. */
  readonly requestsNothing: boolean;
}

interface FitPreFilterState extends FitRequest {
  /** Statuses by insufficiency code (see `insufficiencyCode`); filled lazily. */
  readonly statusMemo: Map<number, Status>;
}

const PRE_FILTER_STATE_KEY = new StateKey<FitPreFilterState>(PRE_FILTER_STATE_KEY_NAME);

/** The pod's request per configured scoring resource (upstream `preScoreState`). */
interface FitPreScoreState {
  readonly podRequests: readonly number[];
}

const PRE_SCORE_STATE_KEY = new StateKey<FitPreScoreState>(PRE_SCORE_STATE_KEY_NAME);

const NO_STRINGS: ReadonlySet<string> = new Set();

/**
 * The domain part of an extended resource name (`example.com` of `example.com/foo`), as upstream's
 * `strings.Split(name, "/")[0]`.
 */
function resourceGroupOf(name: string): string {
  const slash = name.indexOf('/');
  return slash < 0 ? name : name.slice(0, slash);
}

/**
 * Upstream `computePodResourceRequest` plus the ignore rules of `fitsRequest`: the pod's effective
 * requests (sidecar-aware, pod-level resources, overhead; spec only, no resize status), with the
 * scalar resources that are not checked left out: zero requests, and extended resources named in
 * `ignoredResources` or whose group is in `ignoredResourceGroups` (native and `hugepages-*`
 * resources can never be ignored).
 *
 * @throws QuantityParseError when the pod holds an amount that is not a quantity.
 */
export function computeFitRequest(
  pod: DeepReadonly<Pod>,
  ignoredResources: ReadonlySet<string> = NO_STRINGS,
  ignoredResourceGroups: ReadonlySet<string> = NO_STRINGS,
): FitRequest {
  const v = podRequests(pod, { useStatusResources: false });
  const scalarNames: string[] = [];
  const scalarValues: number[] = [];
  const scalarReasons: string[] = [];
  let anyScalar = false;
  for (const [name, value] of v.scalar) {
    anyScalar = true;
    if (value === 0) continue;
    if (isExtendedResourceName(name)) {
      if (ignoredResources.has(name)) continue;
      if (ignoredResourceGroups.size > 0 && ignoredResourceGroups.has(resourceGroupOf(name))) continue;
    }
    scalarNames.push(name);
    scalarValues.push(value);
    scalarReasons.push(`Insufficient ${name}`);
  }
  return {
    milliCPU: v.milliCPU,
    memory: v.memory,
    ephemeralStorage: v.ephemeralStorage,
    scalarNames,
    scalarValues,
    scalarReasons,
    requestsNothing: v.milliCPU === 0 && v.memory === 0 && v.ephemeralStorage === 0 && !anyScalar,
  };
}

/** Upstream `InsufficientResource`: one reason a pod does not fit a node. */
export interface InsufficientResource {
  readonly resourceName: string;
  /** `Too many pods`, `Insufficient cpu`, `Insufficient <name>`. */
  readonly reason: string;
  readonly requested: number;
  readonly used: number;
  readonly capacity: number;
  /** The request exceeds the node's allocatable even with no pods on it: preemption cannot help. */
  readonly unresolvable: boolean;
}

/** The parts of a node that the fit check reads. */
export interface FitNodeView {
  readonly podCount: number;
  readonly allocatable: ReadonlyResourceVector;
  readonly requested: ReadonlyResourceVector;
}

/**
 * Upstream `fitsRequest`: every reason the request does not fit, in upstream's order (pod count,
 * cpu, memory, ephemeral-storage, then scalar resources in the pod's request order; upstream walks
 * a Go map there, so its order among scalar resources is unspecified).
 */
export function insufficientResources(req: FitRequest, node: FitNodeView): InsufficientResource[] {
  const out: InsufficientResource[] = [];
  const { allocatable, requested } = node;
  if (node.podCount + 1 > allocatable.allowedPodNumber) {
    out.push({
      resourceName: ResourcePods,
      reason: 'Too many pods',
      requested: 1,
      used: node.podCount,
      capacity: allocatable.allowedPodNumber,
      unresolvable: false,
    });
  }
  if (req.requestsNothing) return out;
  const dims: readonly [string, number, number, number][] = [
    [ResourceCPU, req.milliCPU, requested.milliCPU, allocatable.milliCPU],
    [ResourceMemory, req.memory, requested.memory, allocatable.memory],
    [ResourceEphemeralStorage, req.ephemeralStorage, requested.ephemeralStorage, allocatable.ephemeralStorage],
  ];
  for (const [name, want, used, capacity] of dims) {
    if (want > 0 && want > capacity - used) {
      out.push({ resourceName: name, reason: `Insufficient ${name}`, requested: want, used, capacity, unresolvable: want > capacity });
    }
  }
  for (let j = 0; j < req.scalarNames.length; j++) {
    const name = req.scalarNames[j]!;
    const want = req.scalarValues[j]!;
    const capacity = allocatable.scalar.get(name) ?? 0;
    const used = requested.scalar.get(name) ?? 0;
    if (want > capacity - used) {
      out.push({ resourceName: name, reason: req.scalarReasons[j]!, requested: want, used, capacity, unresolvable: want > capacity });
    }
  }
  return out;
}

/**
 * Upstream `Fits`: why `pod` does not fit `nodeInfo`, ignoring nothing; empty when it fits.
 *
 * @throws QuantityParseError when the pod holds an amount that is not a quantity.
 */
export function fits(pod: DeepReadonly<Pod>, nodeInfo: NodeInfo): InsufficientResource[] {
  return insufficientResources(computeFitRequest(pod), {
    podCount: nodeInfo.pods.length,
    allocatable: nodeInfo.allocatable,
    requested: nodeInfo.requested,
  });
}

/** Upstream's Filter status for a list of insufficiencies (undefined = fits). */
export function fitStatus(list: readonly InsufficientResource[]): Status | undefined {
  if (list.length === 0) return undefined;
  const reasons = list.map((r) => r.reason);
  return list.some((r) => r.unresolvable) ? Status.unschedulableAndUnresolvable(...reasons) : Status.unschedulable(...reasons);
}

// Insufficiency codes: bit 0 = unresolvable, bit 1 = pods, 2 = cpu, 3 = memory, 4 = ephemeral
// storage, 5 + j = scalar resource j. Pods requesting more scalar resources than fit in a 32-bit
// mask take the general path.
const BIT_UNRESOLVABLE = 1;
const BIT_PODS = 2;
const BIT_CPU = 4;
const BIT_MEMORY = 8;
const BIT_EPHEMERAL = 16;
const SCALAR_SHIFT = 5;
const CODE_SCALARS_MAX = 31 - SCALAR_SHIFT;

/** The Filter check without allocation: 0 when the pod fits, else a code of what is short. */
function insufficiencyCode(req: FitRequest, nodeInfo: NodeInfo): number {
  const allocatable = nodeInfo.allocatable;
  let code = 0;
  if (nodeInfo.pods.length + 1 > allocatable.allowedPodNumber) code |= BIT_PODS;
  if (req.requestsNothing) return code;
  const requested = nodeInfo.requested;
  const cpu = req.milliCPU;
  if (cpu > 0 && cpu > allocatable.milliCPU - requested.milliCPU) {
    code |= BIT_CPU;
    if (cpu > allocatable.milliCPU) code |= BIT_UNRESOLVABLE;
  }
  const mem = req.memory;
  if (mem > 0 && mem > allocatable.memory - requested.memory) {
    code |= BIT_MEMORY;
    if (mem > allocatable.memory) code |= BIT_UNRESOLVABLE;
  }
  const eph = req.ephemeralStorage;
  if (eph > 0 && eph > allocatable.ephemeralStorage - requested.ephemeralStorage) {
    code |= BIT_EPHEMERAL;
    if (eph > allocatable.ephemeralStorage) code |= BIT_UNRESOLVABLE;
  }
  const names = req.scalarNames;
  for (let j = 0; j < names.length; j++) {
    const name = names[j]!;
    const want = req.scalarValues[j]!;
    const capacity = allocatable.scalar.get(name) ?? 0;
    if (want > capacity - (requested.scalar.get(name) ?? 0)) {
      code |= 1 << (SCALAR_SHIFT + j);
      if (want > capacity) code |= BIT_UNRESOLVABLE;
    }
  }
  return code;
}

/** The status a non-zero insufficiency code stands for. */
function statusOfCode(req: FitRequest, code: number): Status {
  const reasons: string[] = [];
  if (code & BIT_PODS) reasons.push('Too many pods');
  if (code & BIT_CPU) reasons.push('Insufficient cpu');
  if (code & BIT_MEMORY) reasons.push('Insufficient memory');
  if (code & BIT_EPHEMERAL) reasons.push('Insufficient ephemeral-storage');
  for (let j = 0; j < req.scalarNames.length; j++) if (code & (1 << (SCALAR_SHIFT + j))) reasons.push(req.scalarReasons[j]!);
  return code & BIT_UNRESOLVABLE ? Status.unschedulableAndUnresolvable(...reasons) : Status.unschedulable(...reasons);
}

/** Upstream `haveAnyRequestedResourcesIncreased`, on the two allocatable vectors. */
function anyRequestedResourceIncreased(req: FitRequest, before: ReadonlyResourceVector, after: ReadonlyResourceVector): boolean {
  if (after.allowedPodNumber > before.allowedPodNumber) return true;
  if (req.requestsNothing) return false;
  if (
    (req.milliCPU > 0 && after.milliCPU > before.milliCPU) ||
    (req.memory > 0 && after.memory > before.memory) ||
    (req.ephemeralStorage > 0 && after.ephemeralStorage > before.ephemeralStorage)
  ) {
    return true;
  }
  for (const name of req.scalarNames) if ((after.scalar.get(name) ?? 0) > (before.scalar.get(name) ?? 0)) return true;
  return false;
}

const EMPTY_VECTOR_NODE = { podCount: 0 } as const;

/**
 * Upstream `isSchedulableAfterNodeChange`: QueueSkip unless the pod fits the new node when empty
 * and, for an update, some resource the pod requests (or the pod count) grew.
 */
function isSchedulableAfterNodeChange(
  pod: DeepReadonly<Pod>,
  oldObj: DeepReadonly<KubeObject> | undefined,
  newObj: DeepReadonly<KubeObject> | undefined,
): QueueingHint {
  const modified = newObj as DeepReadonly<Node> | undefined;
  if (modified === undefined) return 'QueueSkip';
  const req = computeFitRequest(pod);
  const after = resourceVectorFromList(modified.status?.allocatable);
  // Fits on an empty copy of the node, ignoring nothing (upstream `isFit`).
  const empty = resourceVectorFromList(undefined);
  if (insufficientResources(req, { ...EMPTY_VECTOR_NODE, allocatable: after, requested: empty }).length > 0) return 'QueueSkip';
  const original = oldObj as DeepReadonly<Node> | undefined;
  if (original === undefined) return 'Queue';
  const before = resourceVectorFromList(original.status?.allocatable);
  return anyRequestedResourceIncreased(req, before, after) ? 'Queue' : 'QueueSkip';
}

/**
 * Upstream `isSchedulableAfterPodScaleDown`: the update is the pod itself, or a bound pod whose
 * request went down for a resource the target pod requests.
 */
function isSchedulableAfterPodScaleDown(target: DeepReadonly<Pod>, original: DeepReadonly<Pod>, modified: DeepReadonly<Pod>): boolean {
  if (modified.metadata?.uid === target.metadata?.uid) return true;
  if (!modified.spec?.nodeName) return false;
  const before = podRequests(original);
  const after = podRequests(modified);
  for (const [name, q] of podRequestQuantities(target)) {
    if (q.isZero()) continue;
    switch (name) {
      case ResourceCPU:
        if (before.milliCPU > after.milliCPU) return true;
        break;
      case ResourceMemory:
        if (before.memory > after.memory) return true;
        break;
      case ResourceEphemeralStorage:
        if (before.ephemeralStorage > after.ephemeralStorage) return true;
        break;
      default:
        if (isScalarResourceName(name) && (before.scalar.get(name) ?? 0) > (after.scalar.get(name) ?? 0)) return true;
    }
  }
  return false;
}

/**
 * Upstream `isSchedulableAfterPodEvent`: a deleted pod helps if it was bound or nominated; an
 * updated (scaled-down) pod helps per `isSchedulableAfterPodScaleDown`.
 */
function isSchedulableAfterPodEvent(
  pod: DeepReadonly<Pod>,
  oldObj: DeepReadonly<KubeObject> | undefined,
  newObj: DeepReadonly<KubeObject> | undefined,
): QueueingHint {
  const original = oldObj as DeepReadonly<Pod> | undefined;
  const modified = newObj as DeepReadonly<Pod> | undefined;
  if (modified === undefined) {
    if (original === undefined) return 'Queue';
    if (!original.spec?.nodeName && !original.status?.nominatedNodeName) return 'QueueSkip';
    return 'Queue';
  }
  if (original === undefined) return 'Queue';
  return isSchedulableAfterPodScaleDown(pod, original, modified) ? 'Queue' : 'QueueSkip';
}

/** The events after which a pod this plugin rejected may fit (upstream `EventsToRegister`, v1.35 gates). */
const EVENTS: readonly ClusterEventWithHint[] = Object.freeze([
  Object.freeze({
    event: Object.freeze({ resource: 'Pod', actionType: ActionType.Delete | ActionType.UpdatePodScaleDown }),
    queueingHintFn: isSchedulableAfterPodEvent,
  }),
  Object.freeze({
    event: Object.freeze({ resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeAllocatable }),
    queueingHintFn: isSchedulableAfterNodeChange,
  }),
]) as readonly ClusterEventWithHint[];

/** The scorer of the configured strategy (upstream `nodeResourceStrategyTypeMap`). */
function strategyScorer(args: NodeResourcesFitArgs): ResourceScorerFn {
  const s = args.scoringStrategy;
  switch (s.type) {
    case 'LeastAllocated':
      return leastResourceScorer(s.resources);
    case 'MostAllocated':
      return mostResourceScorer(s.resources);
    case 'RequestedToCapacityRatio':
      return requestedToCapacityRatioScorer(s.resources, s.requestedToCapacityRatio?.shape ?? []);
    default: {
      const never: never = s.type;
      throw new TypeError(`scoring strategy ${String(never)} is not supported`);
    }
  }
}

function create(rawArgs: NodeResourcesFitArgs | undefined): SchedulerPluginInstance {
  const args = rawArgs ?? decodeNodeResourcesFitArgs(undefined);
  const ignoredResources: ReadonlySet<string> = new Set(args.ignoredResources);
  const ignoredResourceGroups: ReadonlySet<string> = new Set(args.ignoredResourceGroups);
  const scorer = new ResourceAllocationScorer({
    resources: args.scoringStrategy.resources,
    useRequested: false,
    scorer: strategyScorer(args),
  });

  return {
    preFilter(state: CycleState, pod: DeepReadonly<Pod>): StatusLike {
      // SidecarContainers is GA, so pods with restartable init containers are never rejected here.
      const req = computeFitRequest(pod, ignoredResources, ignoredResourceGroups);
      state.write(PRE_FILTER_STATE_KEY, { ...req, statusMemo: new Map() });
      return undefined;
    },

    filter(state: CycleState, _pod: DeepReadonly<Pod>, nodeInfo: NodeInfo): StatusLike {
      const s = state.read(PRE_FILTER_STATE_KEY);
      if (s === undefined) return Status.error(`error reading "${PRE_FILTER_STATE_KEY_NAME}" from cycleState: not found`);
      if (s.scalarNames.length > CODE_SCALARS_MAX) {
        return fitStatus(insufficientResources(s, { podCount: nodeInfo.pods.length, allocatable: nodeInfo.allocatable, requested: nodeInfo.requested }));
      }
      const code = insufficiencyCode(s, nodeInfo);
      if (code === 0) return undefined;
      let st = s.statusMemo.get(code);
      if (st === undefined) {
        st = statusOfCode(s, code);
        s.statusMemo.set(code, st);
      }
      return st;
    },

    preScore(state: CycleState, pod: DeepReadonly<Pod>): StatusLike {
      // Upstream never skips this plugin's Score: with the non-zero defaults every pod requests cpu
      // and memory.
      state.write(PRE_SCORE_STATE_KEY, { podRequests: scorer.podRequestList(pod) });
      return undefined;
    },

    score(state: CycleState, pod: DeepReadonly<Pod>, nodeInfo: NodeInfo): ScoreReturn {
      const s = state.read(PRE_SCORE_STATE_KEY);
      // Like upstream, a missing PreScore state is recomputed rather than reported.
      const podRequestList = s === undefined ? scorer.podRequestList(pod) : s.podRequests;
      return scorer.score(nodeInfo, podRequestList);
    },

    eventsToRegister(): readonly ClusterEventWithHint[] {
      return EVENTS;
    },
  };
}

/**
 * The NodeResourcesFit plugin (PreFilter, Filter, PreScore, Score, EnqueueExtensions). Args:
 * `NodeResourcesFitArgs`, decoded and defaulted by `decodeNodeResourcesFitArgs`.
 */
export const nodeResourcesFitPlugin = defineSchedulerPlugin<NodeResourcesFitArgs>({
  name: NAME,
  decodeArgs: decodeNodeResourcesFitArgs,
  create: (args) => create(args),
});

/** Upstream's queueing hints, exposed for tests and for reuse by out-of-tree plugins. */
export const nodeResourcesFitQueueingHints = Object.freeze({
  isSchedulableAfterPodEvent,
  isSchedulableAfterNodeChange,
});
