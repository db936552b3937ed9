/**
 * Preemption: the generic machinery a PostFilter plugin uses to make room for a pod by removing
 * lower-priority pods from one node.
 *
 * Mirrors upstream `pkg/scheduler/framework/preemption/preemption.go` (v1.35): the `Evaluator`
 * (eligibility, candidate search with a dry run on cloned state, the choice of one candidate, and
 * the actuation), its policy `Interface` (here {@link PreemptionInterface}), `pickOneNodeForPreemption`,
 * and the helpers the default policy is built from (`SelectVictimsOnNode`,
 * `filterPodsWithPDBViolation`, `MoreImportantPod`, `GetPodStartTime`, `GetEarliestPodStartTime`),
 * so a user's own preemption plugin (capacity-scheduling style) reuses the evaluator with its own
 * policy exactly as out-of-tree plugins do upstream.
 *
 * Everything is synchronous. Upstream's dry run is parallel and its asynchronous preemption
 * (`SchedulerAsyncPreemption`) deletes victims in a goroutine; here the dry run visits the candidate
 * nodes one after the other from the random offset, and the "asynchronous" actuation runs to its
 * end before `preempt` returns, in the order the goroutine would issue its calls.
 */
import { tryLabelSelectorAsSelector, type Selector } from '../api/labels.js';
import type { DeepReadonly, Pod, PodDisruptionBudget } from '../api/types.js';
import { parseRfc3339 } from '../sim/clock.js';
import type { CycleState } from './cycle-state.js';
import type { MutableNodeInfo, NodeInfo, PodInfo } from './node-info.js';
import type { Handle, NodeInfoLister, PodNominator, PostFilterResult } from './plugin.js';
import { Status, statusMessage } from './status.js';

/** Go's `math.MaxInt32`: priorities are int32. */
const MAX_INT32 = 2147483647;

/** The reason given to nodes where removing pods cannot help (upstream's FitError for preemption). */
export const ERR_PREEMPTION_NOT_HELPFUL = 'Preemption is not helpful for scheduling';
/** Upstream DefaultPreemption's status for a node with no pod of lower priority than the preemptor. */
export const ERR_NO_PREEMPTION_VICTIMS = 'No preemption victims found for incoming pod';
/** Upstream `v1.DisruptionTarget`: the pod condition set on preemption victims. */
export const DISRUPTION_TARGET_CONDITION = 'DisruptionTarget';
/** Upstream `v1.PodReasonPreemptionByScheduler`: the reason of the victims' `DisruptionTarget` condition. */
export const POD_REASON_PREEMPTION_BY_SCHEDULER = 'PreemptionByScheduler';
/** The PodDisruptionBudget kind key for `handle.objects.list`. */
export const POD_DISRUPTION_BUDGET_KIND = 'policy/PodDisruptionBudget';

/** The pods to remove from one node and how many PodDisruptionBudgets that violates (upstream `extenderv1.Victims`). */
export interface Victims {
  /** In order of decreasing importance (priority first), as `pickOneNodeForPreemption` expects. */
  readonly pods: readonly DeepReadonly<Pod>[];
  readonly numPDBViolations: number;
}

/** A node the preemptor fits on once `victims` are gone (upstream `Candidate`). */
export interface Candidate {
  readonly name: string;
  readonly victims: Victims;
}

/** Whether a pod may preempt others; `message` says why not (upstream's `(bool, string)`). */
export interface PreemptionEligibility {
  readonly eligible: boolean;
  readonly message: string;
}

/** What a policy's `selectVictimsOnNode` returns: the victims (most important first) and a status. */
export interface SelectVictimsResult {
  readonly victims: readonly DeepReadonly<Pod>[];
  readonly numPDBViolations: number;
  /** Success when the preemptor fits after removing `victims`; otherwise why the node is no candidate. */
  readonly status: Status;
}

/**
 * A score of a candidate node for `pickOneNodeForPreemption`: higher is better. Each function only
 * breaks the ties the previous ones left.
 */
export type PreemptionScoreFunc = (nodeName: string) => number;

/**
 * The policy of a preemption plugin (upstream `preemption.Interface`). The {@link Evaluator} does the
 * rest: eligibility check, candidate search, choice and actuation.
 */
export interface PreemptionInterface {
  /**
   * A random offset in `[0, numNodes)` where the dry run starts, and how many candidates to look for
   * (upstream `GetOffsetAndNumCandidates`). Draw the offset from `handle.rng`.
   */
  getOffsetAndNumCandidates(numNodes: number): readonly [offset: number, numCandidates: number];
  /** Candidates by node name, in candidate order (upstream `CandidatesToVictimsMap`). */
  candidatesToVictimsMap(candidates: readonly Candidate[]): ReadonlyMap<string, Victims>;
  /**
   * Whether `pod` may preempt at all (upstream `PodEligibleToPreemptOthers`). `nominatedNodeStatus`
   * is the filter status of the pod's nominated node (UnschedulableAndUnresolvable when the pod has
   * none or the node was not evaluated).
   */
  podEligibleToPreemptOthers(pod: DeepReadonly<Pod>, nominatedNodeStatus: Status): PreemptionEligibility;
  /**
   * The fewest pods to remove from `nodeInfo` for `pod` to fit (upstream `SelectVictimsOnNode`).
   * `state` and `nodeInfo` are copies the policy may change.
   */
  selectVictimsOnNode(
    state: CycleState,
    pod: DeepReadonly<Pod>,
    nodeInfo: MutableNodeInfo,
    pdbs: readonly DeepReadonly<PodDisruptionBudget>[],
  ): SelectVictimsResult;
  /**
   * Score functions choosing among several candidates (upstream `OrderedScoreFuncs`); `undefined` or
   * an empty list selects the default cascade of `pickOneNodeForPreemption`.
   */
  orderedScoreFuncs(nodesToVictims: ReadonlyMap<string, Victims>): readonly PreemptionScoreFunc[] | undefined;
}

/** Options of an {@link Evaluator}. */
export interface EvaluatorOptions {
  /**
   * Upstream `SchedulerAsyncPreemption` (beta and on by default since v1.33): the victims are
   * deleted after the PostFilter result is returned. Default `true`.
   */
  readonly enableAsyncPreemption?: boolean;
}

/** What the dry run found (upstream `DryRunPreemption`'s results). */
export interface DryRunResult {
  /** Candidates that violate no PDB first, then the others, each in visiting order. */
  readonly candidates: readonly Candidate[];
  /** The status of each visited node that is no candidate. */
  readonly nodeStatuses: ReadonlyMap<string, Status>;
  /** Error statuses met on the way (upstream's aggregated error). */
  readonly errors: readonly Status[];
}

// ---- pod helpers (upstream pkg/scheduler/util and corev1helpers) ----

function priorityOf(pod: DeepReadonly<Pod>): number {
  return pod.spec?.priority ?? 0;
}

/**
 * Parsed start times by pod object: victim ordering compares the same pods many times, and pods
 * handed to plugins are immutable, so a pod object's start time never changes.
 */
const startTimeCache = new WeakMap<object, number>();

function timeMs(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  return parseRfc3339(text);
}

/**
 * Upstream `util.GetPodStartTime`, in virtual ms: `status.startTime`, else `metadata.creationTimestamp`
 * (assumed and bound pods that have not started yet have no start time). A pod with neither (or an
 * unparsable time) counts as started at the beginning of time, as Go's zero `metav1.Time` does.
 */
export function podStartTimeMs(pod: DeepReadonly<Pod>): number {
  let t = startTimeCache.get(pod);
  if (t === undefined) {
    t = timeMs(pod.status?.startTime as string | undefined) ?? timeMs(pod.metadata?.creationTimestamp as string | undefined) ?? Number.NEGATIVE_INFINITY;
    startTimeCache.set(pod, t);
  }
  return t;
}

/**
 * Upstream `util.MoreImportantPod`: the higher priority is more important; at equal priority, the pod
 * that started earlier.
 */
export function moreImportantPod(a: DeepReadonly<Pod>, b: DeepReadonly<Pod>): boolean {
  const pa = priorityOf(a);
  const pb = priorityOf(b);
  if (pa !== pb) return pa > pb;
  return podStartTimeMs(a) < podStartTimeMs(b);
}

/**
 * Upstream `util.GetEarliestPodStartTime`: the earliest start time among the victims of the highest
 * priority; `undefined` when there are no victims.
 */
export function earliestPodStartTimeMs(victims: Victims): number | undefined {
  const first = victims.pods[0];
  if (first === undefined) return undefined;
  let earliest = podStartTimeMs(first);
  let maxPriority = priorityOf(first);
  for (const p of victims.pods) {
    const pr = priorityOf(p);
    if (pr === maxPriority) {
      const t = podStartTimeMs(p);
      if (t < earliest) earliest = t;
    } else if (pr > maxPriority) {
      maxPriority = pr;
      earliest = podStartTimeMs(p);
    }
  }
  return earliest;
}

function podRef(pod: DeepReadonly<Pod>): string {
  return `${pod.metadata?.namespace ?? 'default'}/${pod.metadata?.name ?? ''}`;
}

/** A total order for pods the importance order leaves tied: by uid, then namespace/name. */
function podTieBreak(a: DeepReadonly<Pod>, b: DeepReadonly<Pod>): number {
  const ua = a.metadata?.uid ?? '';
  const ub = b.metadata?.uid ?? '';
  if (ua !== ub) return ua < ub ? -1 : 1;
  const ra = podRef(a);
  const rb = podRef(b);
  return ra < rb ? -1 : ra > rb ? 1 : 0;
}

// ---- PodDisruptionBudgets ----

/** Parsed PDB selectors, by PDB object (PDBs from the informer caches are immutable). */
const pdbSelectorCache = new WeakMap<object, Selector | null>();

function pdbSelector(pdb: DeepReadonly<PodDisruptionBudget>): Selector | null {
  let sel = pdbSelectorCache.get(pdb);
  if (sel === undefined) {
    const r = tryLabelSelectorAsSelector(pdb.spec?.selector);
    sel = r.ok ? r.selector : null;
    pdbSelectorCache.set(pdb, sel);
  }
  return sel;
}

/**
 * Upstream `filterPodsWithPDBViolation`: splits `podInfos` (order kept) into the pods whose removal
 * would violate a PodDisruptionBudget and the others. Each PDB starts from
 * `status.disruptionsAllowed` and is decremented by each matching pod in turn; a pod that drives a
 * budget below zero is violating. A PDB only matches pods of its namespace; a nil or empty selector
 * (or an invalid one) matches nothing; a pod without labels matches no PDB; pods listed in the PDB's
 * `status.disruptedPods` are already accounted for by the API server and are skipped.
 */
export function filterPodsWithPDBViolation(
  podInfos: readonly PodInfo[],
  pdbs: readonly DeepReadonly<PodDisruptionBudget>[],
): { readonly violating: PodInfo[]; readonly nonViolating: PodInfo[] } {
  const allowed = pdbs.map((p) => p.status?.disruptionsAllowed ?? 0);
  const violating: PodInfo[] = [];
  const nonViolating: PodInfo[] = [];
  for (const pi of podInfos) {
    const pod = pi.pod;
    const labels = pod.metadata?.labels;
    let violated = false;
    if (labels !== undefined && Object.keys(labels).length > 0) {
      const ns = pod.metadata?.namespace ?? 'default';
      const name = pod.metadata?.name ?? '';
      for (let i = 0; i < pdbs.length; i++) {
        const pdb = pdbs[i]!;
        if ((pdb.metadata?.namespace ?? 'default') !== ns) continue;
        const sel = pdbSelector(pdb);
        if (sel === null || sel.isEmpty() || !sel.matches(labels as Record<string, string>)) continue;
        const disrupted = pdb.status?.disruptedPods as Readonly<Record<string, unknown>> | undefined;
        if (disrupted !== undefined && Object.prototype.hasOwnProperty.call(disrupted, name)) continue;
        allowed[i] = allowed[i]! - 1;
        if (allowed[i]! < 0) violated = true;
      }
    }
    (violated ? violating : nonViolating).push(pi);
  }
  return { violating, nonViolating };
}

// ---- victim selection (upstream DefaultPreemption.SelectVictimsOnNode) ----

/** Options of {@link selectVictimsOnNode}, upstream DefaultPreemption's customization hooks. */
export interface SelectVictimsOptions {
  /**
   * Upstream `IsEligiblePod`: whether `victim` may be preempted by `preemptor`, in addition to the
   * rule that its priority is lower. Default: always.
   */
  readonly isEligiblePod?: (nodeInfo: NodeInfo, victim: PodInfo, preemptor: DeepReadonly<Pod>) => boolean;
  /** Upstream `MoreImportantPod`: the reprieve order. Default {@link moreImportantPod}. */
  readonly moreImportantPod?: (a: DeepReadonly<Pod>, b: DeepReadonly<Pod>) => boolean;
}

function asErrorStatus(s: Status): Status {
  return s.code === 'Error' ? s : Status.error(statusMessage(s));
}

/** The inputs of one victim selection, passed to the helpers below instead of closures. */
interface VictimSelection {
  readonly handle: Handle;
  readonly state: CycleState;
  readonly pod: DeepReadonly<Pod>;
  readonly nodeInfo: MutableNodeInfo;
}

/** Removes `pi` from the copy and tells the PreFilter extensions; an Error status on failure. */
function removeVictim(v: VictimSelection, pi: PodInfo): Status | undefined {
  if (!v.nodeInfo.removePod(pi.pod)) return Status.error(`no corresponding pod ${podRef(pi.pod)} in pods of node ${v.nodeInfo.name}`);
  const s = v.handle.runPreFilterExtensionRemovePod(v.state, v.pod, pi, v.nodeInfo);
  return s.code === 'Success' ? undefined : asErrorStatus(s);
}

/** Adds `pi` back to the copy and tells the PreFilter extensions; an Error status on failure. */
function addVictim(v: VictimSelection, pi: PodInfo): Status | undefined {
  v.nodeInfo.addPod(pi);
  const s = v.handle.runPreFilterExtensionAddPod(v.state, v.pod, pi, v.nodeInfo);
  return s.code === 'Success' ? undefined : asErrorStatus(s);
}

/**
 * Adds `pi` back; when the pod no longer fits, removes it again and appends it to `victims`.
 * Returns whether the pod still fits, or an Error status.
 */
function reprieve(v: VictimSelection, pi: PodInfo, victims: PodInfo[]): boolean | Status {
  const addErr = addVictim(v, pi);
  if (addErr) return addErr;
  if (v.handle.runFilterPluginsWithNominatedPods(v.state, v.pod, v.nodeInfo).code === 'Success') return true;
  const rmErr = removeVictim(v, pi);
  if (rmErr) return rmErr;
  victims.push(pi);
  return false;
}

/** The importance order of {@link moreImportantPod}, made total by uid. */
function byDefaultImportance(a: PodInfo, b: PodInfo): number {
  return moreImportantPod(a.pod, b.pod) ? -1 : moreImportantPod(b.pod, a.pod) ? 1 : podTieBreak(a.pod, b.pod);
}

/** The order of a custom `moreImportantPod`, made total by uid. */
function importanceOrder(more: (a: DeepReadonly<Pod>, b: DeepReadonly<Pod>) => boolean): (a: PodInfo, b: PodInfo) => number {
  return (a, b) => (more(a.pod, b.pod) ? -1 : more(b.pod, a.pod) ? 1 : podTieBreak(a.pod, b.pod));
}

function noVictims(status: Status): SelectVictimsResult {
  return { victims: [], numPDBViolations: 0, status };
}

/**
 * Upstream DefaultPreemption `SelectVictimsOnNode`: the fewest pods to remove from `nodeInfo` so that
 * `pod` fits, working on the copies `state` and `nodeInfo` (both are changed).
 *
 * Every pod of lower priority than `pod` (and accepted by `isEligiblePod`) is removed, through
 * `MutableNodeInfo.removePod` and the PreFilter extensions. If `pod` still does not pass
 * `runFilterPluginsWithNominatedPods`, that status is returned. Otherwise the removed pods are added
 * back one by one, most important first — those whose removal would violate a PDB before the others —
 * and each one whose return makes `pod` fail again becomes a victim. The victims come back sorted
 * most important first; pods the importance order leaves tied are ordered by uid. No pod of lower
 * priority ⇒ UnschedulableAndUnresolvable `No preemption victims found for incoming pod`.
 */
export function selectVictimsOnNode(
  handle: Handle,
  state: CycleState,
  pod: DeepReadonly<Pod>,
  nodeInfo: MutableNodeInfo,
  pdbs: readonly DeepReadonly<PodDisruptionBudget>[],
  options: SelectVictimsOptions = {},
): SelectVictimsResult {
  const isEligiblePod = options.isEligiblePod;
  const preemptorPriority = priorityOf(pod);
  const v: VictimSelection = { handle, state, pod, nodeInfo };

  const potentialVictims: PodInfo[] = [];
  for (const pi of nodeInfo.pods) {
    if (priorityOf(pi.pod) < preemptorPriority && (isEligiblePod === undefined || isEligiblePod(nodeInfo, pi, pod))) potentialVictims.push(pi);
  }
  for (const pi of potentialVictims) {
    const err = removeVictim(v, pi);
    if (err) return noVictims(err);
  }
  // Nothing was removed, so the node is exactly as the Filter plugins already judged it.
  if (potentialVictims.length === 0) return noVictims(Status.unschedulableAndUnresolvable(ERR_NO_PREEMPTION_VICTIMS));

  // Removing every lower-priority pod does not help: the pod failing because of its affinity to
  // some of them is deliberately not handled, as upstream.
  const withoutAll = handle.runFilterPluginsWithNominatedPods(state, pod, nodeInfo);
  if (withoutAll.code !== 'Success') return noVictims(withoutAll);

  const order = options.moreImportantPod === undefined ? byDefaultImportance : importanceOrder(options.moreImportantPod);
  potentialVictims.sort(order);
  const { violating, nonViolating } = filterPodsWithPDBViolation(potentialVictims, pdbs);

  const victims: PodInfo[] = [];
  let numPDBViolations = 0;
  for (const pi of violating) {
    const r = reprieve(v, pi, victims);
    if (typeof r !== 'boolean') return noVictims(r);
    if (!r) numPDBViolations++;
  }
  for (const pi of nonViolating) {
    const r = reprieve(v, pi, victims);
    if (typeof r !== 'boolean') return noVictims(r);
  }
  // Each group was visited in importance order; merging the two groups needs a sort.
  if (violating.length > 0 && nonViolating.length > 0) victims.sort(order);
  const pods: DeepReadonly<Pod>[] = new Array(victims.length);
  for (let i = 0; i < victims.length; i++) pods[i] = victims[i]!.pod;
  return { victims: pods, numPDBViolations, status: Status.success() };
}

// ---- choosing a candidate ----

function defaultScoreFuncs(nodesToVictims: ReadonlyMap<string, Victims>): PreemptionScoreFunc[] {
  const v = (node: string): Victims => nodesToVictims.get(node) ?? { pods: [], numPDBViolations: 0 };
  return [
    // Fewest PDB violations.
    (node) => -v(node).numPDBViolations,
    // Lowest priority of the most important victim (victims are sorted most important first).
    (node) => {
      const first = v(node).pods[0];
      return -(first === undefined ? 0 : priorityOf(first));
    },
    // Smallest sum of priorities, each shifted by MaxInt32 + 1 so that every term is positive and
    // more victims never look cheaper than fewer victims of the same negative priority.
    (node) => {
      let sum = 0;
      for (const p of v(node).pods) sum += priorityOf(p) + MAX_INT32 + 1;
      return -sum;
    },
    // Fewest victims.
    (node) => -v(node).pods.length,
    // Latest "earliest start time among the most important victims": preempt the youngest.
    (node) => earliestPodStartTimeMs(v(node)) ?? Number.NEGATIVE_INFINITY,
  ];
}

/**
 * Upstream `pickOneNodeForPreemption`: the node, among the keys of `nodesToVictims`, with the best
 * score, each score function breaking the ties left by the previous one. Without `scoreFuncs` the
 * default cascade applies: fewest PDB violations; lowest priority of the most important victim;
 * smallest sum of (priority + MaxInt32 + 1) over the victims; fewest victims; latest earliest start
 * time among the most important victims. Victims must be sorted most important first.
 *
 * Remaining ties go to the first node in the map's order. Upstream iterates a Go map there, so its
 * final tie is effectively random; kubeprop's candidate order starts at the dry run's random offset,
 * which keeps the choice random across runs yet reproducible from the seed. Returns `''` for an
 * empty map.
 */
export function pickOneNodeForPreemption(
  nodesToVictims: ReadonlyMap<string, Victims>,
  scoreFuncs?: readonly PreemptionScoreFunc[],
): string {
  if (nodesToVictims.size === 0) return '';
  let candidates = [...nodesToVictims.keys()];
  const funcs = scoreFuncs === undefined || scoreFuncs.length === 0 ? defaultScoreFuncs(nodesToVictims) : scoreFuncs;
  for (const f of funcs) {
    let best = Number.NEGATIVE_INFINITY;
    let selected: string[] = [];
    for (const node of candidates) {
      let score = f(node);
      if (Number.isNaN(score)) score = Number.NEGATIVE_INFINITY;
      if (score > best) {
        best = score;
        selected = [];
      }
      if (score === best) selected.push(node);
    }
    if (selected.length === 1) return selected[0]!;
    candidates = selected;
  }
  return candidates[0]!;
}

// ---- the evaluator ----

/** Upstream `NewDefaultNodeToStatus().AbsentNodesStatus()`: nodes without a status were not helped by filtering. */
const ABSENT_NODE_STATUS = Status.unschedulableAndUnresolvable();

function statusOf(nodeToStatus: ReadonlyMap<string, Status>, nodeName: string): Status {
  return nodeToStatus.get(nodeName) ?? ABSENT_NODE_STATUS;
}

/** Upstream `utilerrors.NewAggregate(errs).Error()`: one message, or the distinct ones in brackets. */
function aggregateMessage(errors: readonly Status[]): string {
  if (errors.length === 1) return statusMessage(errors[0]);
  const seen: string[] = [];
  for (const e of errors) {
    const m = statusMessage(e);
    if (!seen.includes(m)) seen.push(m);
  }
  return seen.length === 1 ? seen[0]! : `[${seen.join(', ')}]`;
}

/**
 * The FitError text of a preemption that found no candidate (upstream `FitError.Error()` over the
 * dry run's statuses, absent nodes counting as `Preemption is not helpful for scheduling`):
 * `0/N nodes are available: <count> <reason>, ...` with the reasons sorted byte-wise, plus a final `.`.
 */
export function preemptionFitErrorMessage(numAllNodes: number, nodeStatuses: ReadonlyMap<string, Status>): string {
  const counts = new Map<string, number>();
  for (const s of nodeStatuses.values()) for (const r of s.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  const absent = numAllNodes - nodeStatuses.size;
  if (absent > 0) counts.set(ERR_PREEMPTION_NOT_HELPFUL, (counts.get(ERR_PREEMPTION_NOT_HELPFUL) ?? 0) + absent);
  const parts = [...counts].map(([r, n]) => `${n} ${r}`);
  parts.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let msg = `0/${numAllNodes} nodes are available:`;
  if (parts.length > 0) msg += ` ${parts.join(', ')}.`;
  return msg;
}

/** Upstream `getLowerPriorityNominatedPods`: pods nominated to `nodeName` with a priority below `pod`'s. */
function lowerPriorityNominatedPods(nominator: PodNominator, pod: DeepReadonly<Pod>, nodeName: string): DeepReadonly<Pod>[] {
  const priority = priorityOf(pod);
  const out: DeepReadonly<Pod>[] = [];
  for (const pi of nominator.nominatedPodsForNode(nodeName)) if (priorityOf(pi.pod) < priority) out.push(pi.pod);
  return out;
}

/**
 * Whether a victim's `DisruptionTarget` condition would change (upstream `UpdatePodCondition`
 * returning true): absent, or different in status, reason or message.
 */
function disruptionConditionChanges(victim: DeepReadonly<Pod>, message: string): boolean {
  const old = victim.status?.conditions?.find((c) => c.type === DISRUPTION_TARGET_CONDITION);
  if (old === undefined) return true;
  return old.status !== 'True' || old.reason !== POD_REASON_PREEMPTION_BY_SCHEDULER || old.message !== message || (old.lastProbeTime ?? null) !== null;
}

/**
 * The preemption evaluator (upstream `preemption.Evaluator`): runs a {@link PreemptionInterface}
 * policy on behalf of a PostFilter plugin. Create one per plugin instance.
 *
 * `preempt` returns the `PostFilterResult` the plugin should return (upstream's
 * `(*PostFilterResult, *Status)` pair):
 * - not eligible ⇒ Unschedulable with the policy's message, nomination unchanged;
 * - no candidate ⇒ Unschedulable with a FitError text (`0/N nodes are available: ...`) and an empty
 *   `nominatedNodeName` (mode Override) that clears the pod's nomination;
 * - an internal error ⇒ Error, nomination unchanged;
 * - otherwise the victims are preempted and the result is Success nominating the chosen node.
 */
export class Evaluator {
  /** Whether actuation follows upstream's asynchronous path (see {@link EvaluatorOptions}). */
  readonly enableAsyncPreemption: boolean;
  /** Preemptors whose asynchronous preemption is in flight (upstream `preempting`). */
  private readonly preempting = new Set<string>();
  /** The last victim each in-flight preemptor waits for (upstream `lastVictimsPendingPreemption`). */
  private readonly lastVictimsPendingPreemption = new Map<string, { readonly namespace: string; readonly name: string }>();

  constructor(
    /** The plugin on whose behalf victims are preempted (upstream `PluginName`). */
    readonly pluginName: string,
    readonly handle: Handle,
    readonly policy: PreemptionInterface,
    options: EvaluatorOptions = {},
  ) {
    this.enableAsyncPreemption = options.enableAsyncPreemption ?? true;
  }

  /**
   * Upstream `IsPodRunningPreemption`: whether the pod's asynchronous preemption is still in flight,
   * i.e. not every victim's deletion has been issued yet. Here actuation completes within
   * `preempt`, so outside it this is always false; the check is kept for policies that call it.
   */
  isPodRunningPreemption(podUid: string): boolean {
    if (!this.preempting.has(podUid)) return false;
    const last = this.lastVictimsPendingPreemption.get(podUid);
    if (last === undefined) return true;
    const victim = this.handle.objects.get('Pod', last.namespace, last.name) as DeepReadonly<Pod> | undefined;
    if (victim === undefined) return false;
    return !victim.metadata?.deletionTimestamp;
  }

  /** Upstream `Preempt`. `nodeToStatus` is the filter status of every node. Never mutates its inputs. */
  preempt(state: CycleState, pod: DeepReadonly<Pod>, nodeToStatus: ReadonlyMap<string, Status>): PostFilterResult {
    // Upstream first re-reads the pod from the informer; here the scheduler's queue and its informer
    // are fed by the same events synchronously, so the pod given is already the latest version.
    const preemptor = pod;

    const nominatedNodeStatus = statusOf(nodeToStatus, preemptor.status?.nominatedNodeName ?? '');
    const eligibility = this.policy.podEligibleToPreemptOthers(preemptor, nominatedNodeStatus);
    if (!eligibility.eligible) return { status: Status.unschedulable(eligibility.message) };

    const lister = this.handle.snapshot();
    const allNodes = lister.list();
    const found = this.findCandidates(state, lister, preemptor, nodeToStatus);
    if (found.errors.length > 0 && found.candidates.length === 0) return { status: Status.error(aggregateMessage(found.errors)) };
    if (found.candidates.length === 0) {
      return {
        status: Status.unschedulable(preemptionFitErrorMessage(allNodes.length, found.nodeStatuses)),
        nominatedNodeName: '',
        nominatingMode: 'Override',
      };
    }

    // Extenders are not modelled, so no extender filters the candidates here.
    const best = this.selectCandidate(found.candidates);
    if (best === undefined || best.name === '') return { status: Status.unschedulable('no candidate node for preemption') };

    if (this.enableAsyncPreemption) {
      this.prepareCandidateAsync(best, preemptor);
    } else {
      const s = this.prepareCandidate(best, preemptor);
      if (s.code !== 'Success') return { status: s };
    }
    return { status: Status.success(), nominatedNodeName: best.name, nominatingMode: 'Override' };
  }

  /**
   * Upstream `findCandidates`: the nodes whose filter status is `Unschedulable` (never
   * `UnschedulableAndUnresolvable`, nor nodes without a status), in snapshot order, dry-run from the
   * policy's offset.
   */
  findCandidates(
    state: CycleState,
    lister: NodeInfoLister,
    pod: DeepReadonly<Pod>,
    nodeToStatus: ReadonlyMap<string, Status>,
  ): DryRunResult {
    const allNodes = lister.list();
    if (allNodes.length === 0) return { candidates: [], nodeStatuses: new Map(), errors: [Status.error('no nodes available')] };
    const potentialNodes = allNodes.filter((n) => statusOf(nodeToStatus, n.name).code === 'Unschedulable');
    if (potentialNodes.length === 0) return { candidates: [], nodeStatuses: new Map(), errors: [] };
    const pdbs = this.handle.objects.list(POD_DISRUPTION_BUDGET_KIND) as readonly DeepReadonly<PodDisruptionBudget>[];
    const [offset, numCandidates] = this.policy.getOffsetAndNumCandidates(potentialNodes.length);
    return this.dryRunPreemption(state, pod, potentialNodes, pdbs, offset, numCandidates);
  }

  /**
   * Upstream `DryRunPreemption`: visits `potentialNodes` from `offset` (wrapping around), running the
   * policy's `selectVictimsOnNode` on a clone of the cycle state and of the NodeInfo. Stops once at
   * least one PDB-respecting candidate has been found and the candidates number `numCandidates`; at
   * most `numCandidates` of each kind are kept.
   */
  dryRunPreemption(
    state: CycleState,
    pod: DeepReadonly<Pod>,
    potentialNodes: readonly NodeInfo[],
    pdbs: readonly DeepReadonly<PodDisruptionBudget>[],
    offset: number,
    numCandidates: number,
  ): DryRunResult {
    const n = potentialNodes.length;
    const cap = Math.max(0, Math.trunc(numCandidates));
    const nonViolating: Candidate[] = [];
    const violating: Candidate[] = [];
    const nodeStatuses = new Map<string, Status>();
    const errors: Status[] = [];
    const start = n === 0 ? 0 : ((Math.trunc(offset) % n) + n) % n;
    for (let i = 0; i < n; i++) {
      const nodeInfo = potentialNodes[(start + i) % n]!;
      const r = this.policy.selectVictimsOnNode(state.clone(), pod, nodeInfo.clone(), pdbs);
      let status = r.status;
      if (status.code === 'Success' && r.victims.length > 0) {
        const c: Candidate = { name: nodeInfo.name, victims: { pods: r.victims, numPDBViolations: r.numPDBViolations } };
        const list = r.numPDBViolations === 0 ? nonViolating : violating;
        if (list.length < cap) list.push(c);
        if (nonViolating.length > 0 && nonViolating.length + violating.length >= cap) break;
        continue;
      }
      if (status.code === 'Success') status = Status.error(`expected at least one victim pod on node ${JSON.stringify(nodeInfo.name)}`);
      if (status.code === 'Error') errors.push(status);
      nodeStatuses.set(nodeInfo.name, status);
    }
    return { candidates: [...nonViolating, ...violating], nodeStatuses, errors };
  }

  /** Upstream `SelectCandidate`: the single candidate, or `pickOneNodeForPreemption` over the policy's view. */
  selectCandidate(candidates: readonly Candidate[]): Candidate | undefined {
    if (candidates.length === 0) return undefined;
    if (candidates.length === 1) return candidates[0];
    const victimsMap = this.policy.candidatesToVictimsMap(candidates);
    const node = pickOneNodeForPreemption(victimsMap, this.policy.orderedScoreFuncs(victimsMap));
    const victims = victimsMap.get(node);
    if (victims !== undefined) return { name: node, victims };
    // Unreachable with a consistent policy; upstream falls back to the first candidate.
    return candidates[0];
  }

  /**
   * Upstream `PreemptPod`: a victim waiting at Permit is rejected; any other victim gets the
   * `DisruptionTarget` condition (when it would change) and is deleted.
   */
  preemptPod(candidate: Candidate, preemptor: DeepReadonly<Pod>, victim: DeepReadonly<Pod>): Status {
    const uid = victim.metadata?.uid ?? '';
    if (this.handle.getWaitingPod(uid) !== undefined) {
      this.handle.rejectWaitingPod(uid);
      return Status.success();
    }
    const schedulerName = preemptor.spec?.schedulerName ?? this.handle.schedulerName;
    const message = `${schedulerName}: preempting to accommodate a higher priority pod`;
    if (disruptionConditionChanges(victim, message)) {
      const s = this.handle.client.setPodCondition(victim, {
        type: DISRUPTION_TARGET_CONDITION,
        status: 'True',
        reason: POD_REASON_PREEMPTION_BY_SCHEDULER,
        message,
      });
      if (s.code !== 'Success') return asErrorStatus(s);
    }
    const d = this.handle.client.deletePod(victim, `Preempted by pod ${preemptor.metadata?.uid ?? ''} on node ${candidate.name}`);
    return d.code === 'Success' ? Status.success() : asErrorStatus(d);
  }

  /**
   * Upstream `prepareCandidate` (synchronous preemption): preempt every victim not already
   * terminating (stopping at the first failure, which is returned), then clear the nomination of the
   * lower-priority pods nominated to the node (failures there are not critical).
   */
  prepareCandidate(candidate: Candidate, preemptor: DeepReadonly<Pod>): Status {
    for (const victim of candidate.victims.pods) {
      if (victim.metadata?.deletionTimestamp) continue;
      const s = this.preemptPod(candidate, preemptor, victim);
      if (s.code !== 'Success') return s;
    }
    for (const p of lowerPriorityNominatedPods(this.handle.nominator, preemptor, candidate.name)) {
      this.handle.client.setNominatedNodeName(p, undefined);
    }
    return Status.success();
  }

  /**
   * Upstream `prepareCandidateAsync`, run to completion: when some victim is not already
   * terminating, the preemptor is marked in flight, the lower-priority nominations on the node are
   * cleared, every victim but the last is preempted, then (if none failed) the last one, and the
   * mark is removed. Failures are not reported to the caller, as upstream (which re-activates the
   * preemptor; kubeprop's handle has no `activate`, so the pod waits for its next retry).
   */
  prepareCandidateAsync(candidate: Candidate, preemptor: DeepReadonly<Pod>): void {
    const victims = candidate.victims.pods.filter((v) => !v.metadata?.deletionTimestamp);
    if (victims.length === 0) return;
    const uid = preemptor.metadata?.uid ?? '';
    this.preempting.add(uid);
    try {
      for (const p of lowerPriorityNominatedPods(this.handle.nominator, preemptor, candidate.name)) {
        this.handle.client.setNominatedNodeName(p, undefined);
      }
      let ok = true;
      for (let i = 0; i < victims.length - 1; i++) {
        if (this.preemptPod(candidate, preemptor, victims[i]!).code !== 'Success') {
          ok = false;
          break;
        }
      }
      if (ok) {
        const last = victims[victims.length - 1]!;
        this.lastVictimsPendingPreemption.set(uid, { namespace: last.metadata?.namespace ?? 'default', name: last.metadata?.name ?? '' });
        this.preemptPod(candidate, preemptor, last);
      }
    } finally {
      this.preempting.delete(uid);
      this.lastVictimsPendingPreemption.delete(uid);
    }
  }
}
