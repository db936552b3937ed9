/**
 * PodTopologySpread's PreFilter, PreFilterExtensions and Filter: per hard constraint, how many
 * selected pods each eligible topology domain holds, the global minimum over those domains, and
 * the skew test per node.
 *
 * Mirrors `pkg/scheduler/framework/plugins/podtopologyspread/filtering.go`.
 */
import {
  RequiredNodeAffinity,
  Status,
  matchesNothing,
  StateKey,
  type Cloneable,
  type DeepReadonly,
  type Node,
  type NodeInfo,
  type Pod,
} from 'kubeprop';
import {
  hasUntoleratedTaint,
  labelValue,
  matchNodeInclusionPolicies,
  nodeLabelsMatchSpreadConstraints,
  podNamespace,
  type PodCountCache,
  type SelectorCountMemo,
  type SpreadConstraint,
} from './common.js';

/** Upstream `ErrReasonConstraintsNotMatch`. */
export const ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints";
/** Upstream `ErrReasonNodeLabelNotMatch`. */
export const ERR_REASON_NODE_LABEL_NOT_MATCH = `${ERR_REASON_CONSTRAINTS_NOT_MATCH} (missing required label)`;

/** The global minimum before any domain is seen (upstream starts its critical paths at MaxInt32). */
const NO_DOMAIN_MIN = 2147483647;

/** Upstream's state key name, `PreFilterPodTopologySpread`. */
export const PRE_FILTER_STATE_KEY = new StateKey<PreFilterState>('PreFilterPodTopologySpread');

// Filter returns these without allocating; the framework attributes them to the plugin on a copy.
const MISSING_LABEL = Status.unschedulableAndUnresolvable(ERR_REASON_NODE_LABEL_NOT_MATCH);
const SKEW_TOO_BIG = Status.unschedulable(ERR_REASON_CONSTRAINTS_NOT_MATCH);

/**
 * Upstream `preFilterState`. For each hard constraint `i`: `tpValueToMatchNum[i]` maps each
 * eligible domain (topology value) to its number of selected pods; `minMatchNum[i]` is the exact
 * minimum over those domains, kept exact under AddPod/RemovePod by `domainsAtCount[i]` (how many
 * domains hold exactly k pods). Preemption works on `clone()`s, which copy the counts and share
 * the constraints.
 */
export class PreFilterState implements Cloneable<PreFilterState> {
  constructor(
    readonly constraints: readonly SpreadConstraint[],
    /** 1 when the incoming pod matches constraint i's selector, else 0 (its "self match"). */
    readonly selfMatchNum: readonly number[],
    /** The incoming pod's node selector and required node affinity, compiled once. */
    readonly requiredNodeAffinity: RequiredNodeAffinity,
    readonly tpValueToMatchNum: Map<string, number>[],
    readonly minMatchNum: number[],
    readonly domainsAtCount: Map<number, number>[],
  ) {}

  /**
   * Upstream `minMatchNum`: the global minimum of constraint `i`, or 0 while fewer than
   * `minDomains` domains are eligible.
   */
  globalMin(i: number): number {
    const c = this.constraints[i] as SpreadConstraint;
    if ((this.tpValueToMatchNum[i] as Map<string, number>).size < c.minDomains) return 0;
    return this.minMatchNum[i] as number;
  }

  /** Adds `delta` to the count of domain `value` of constraint `i`, keeping the minimum exact. */
  update(i: number, value: string, delta: number): void {
    const counts = this.tpValueToMatchNum[i] as Map<string, number>;
    const hist = this.domainsAtCount[i] as Map<number, number>;
    const prev = counts.get(value);
    const cur = (prev ?? 0) + delta;
    counts.set(value, cur);
    hist.set(cur, (hist.get(cur) ?? 0) + 1);
    const min = this.minMatchNum[i] as number;
    if (prev === undefined) {
      // A domain that was not eligible before (upstream adds it to the map the same way).
      if (cur < min) this.minMatchNum[i] = cur;
      return;
    }
    const left = (hist.get(prev) ?? 0) - 1;
    if (left > 0) hist.set(prev, left);
    else hist.delete(prev);
    if (cur < min) {
      this.minMatchNum[i] = cur;
    } else if (prev === min && left === 0) {
      // The last domain at the minimum moved up: with a step of one it is the new minimum,
      // otherwise the smallest populated count is.
      let next = cur;
      if (delta !== 1) for (const k of hist.keys()) if (k < next) next = k;
      this.minMatchNum[i] = next;
    }
  }

  clone(): PreFilterState {
    return new PreFilterState(
      this.constraints,
      this.selfMatchNum,
      this.requiredNodeAffinity,
      this.tpValueToMatchNum.map((m) => new Map(m)),
      [...this.minMatchNum],
      this.domainsAtCount.map((m) => new Map(m)),
    );
  }
}

/**
 * Upstream `calPreFilterState`: counts, over every node in `nodes` that has all the constraints'
 * topology keys and passes each constraint's node inclusion policies, the selected pods per domain.
 * O(nodes + pods), no allocation per node; the per-node pod counts come from `cache`, so only the
 * nodes that changed since an earlier cycle with the same selector are scanned again.
 */
export function calPreFilterState(
  pod: DeepReadonly<Pod>,
  constraints: readonly SpreadConstraint[],
  nodes: readonly NodeInfo[],
  cache: PodCountCache,
): PreFilterState {
  const n = constraints.length;
  const ns = podNamespace(pod);
  const requiredNodeAffinity = RequiredNodeAffinity.fromPod(pod);
  const podLabels = pod.metadata?.labels;
  const selfMatchNum: number[] = [];
  // Per constraint: domain value -> index into `domainCounts` (one hash lookup per node).
  const domainIndex: Map<string, number>[] = [];
  const domainCounts: number[][] = [];
  const memos: SelectorCountMemo[] = [];
  // Selectors that count no existing pod (empty, or matching nothing) need no pod scan.
  const countsNothing: boolean[] = [];
  for (let i = 0; i < n; i++) {
    const c = constraints[i] as SpreadConstraint;
    domainIndex.push(new Map());
    domainCounts.push([]);
    selfMatchNum.push(c.selector.matches(podLabels) ? 1 : 0);
    memos.push(cache.memo(c.selector, ns, nodes.length));
    countsNothing.push(c.selector.isEmpty() || matchesNothing(c.selector));
  }
  const values = new Array<string>(n).fill('');
  const affinityMatters = !requiredNodeAffinity.isEmpty;

  nodes: for (let ni = 0; ni < nodes.length; ni++) {
    const nodeInfo = nodes[ni] as NodeInfo;
    const node = nodeInfo.node;
    const labels = node.metadata?.labels;
    if (labels === undefined) continue;
    // The node must have every topology key (upstream `nodeLabelsMatchSpreadConstraints`).
    for (let i = 0; i < n; i++) {
      const v: unknown = labels[(constraints[i] as SpreadConstraint).topologyKey];
      if (typeof v !== 'string') continue nodes;
      values[i] = v;
    }
    // -1 unknown, 0 no, 1 yes: each policy is evaluated at most once per node.
    let affinityOk = affinityMatters ? -1 : 1;
    let taintsOk = -1;
    for (let i = 0; i < n; i++) {
      const c = constraints[i] as SpreadConstraint;
      if (c.nodeAffinityPolicy === 'Honor') {
        if (affinityOk < 0) affinityOk = requiredNodeAffinity.match(node) ? 1 : 0;
        if (affinityOk === 0) continue;
      }
      if (c.nodeTaintsPolicy === 'Honor') {
        if (taintsOk < 0) taintsOk = hasUntoleratedTaint(pod, node) ? 0 : 1;
        if (taintsOk === 0) continue;
      }
      const count = countsNothing[i] === true ? 0 : (memos[i] as SelectorCountMemo).count(ni, nodeInfo);
      const value = values[i] as string;
      const index = domainIndex[i] as Map<string, number>;
      const dc = domainCounts[i] as number[];
      const at = index.get(value);
      if (at === undefined) {
        index.set(value, dc.length);
        dc.push(count);
      } else {
        dc[at] = (dc[at] as number) + count;
      }
    }
  }

  const counts: Map<string, number>[] = [];
  const minMatchNum: number[] = [];
  const domainsAtCount: Map<number, number>[] = [];
  for (let i = 0; i < n; i++) {
    const dc = domainCounts[i] as number[];
    const m = new Map<string, number>();
    for (const [value, at] of domainIndex[i] as Map<string, number>) m.set(value, dc[at] as number);
    let min = NO_DOMAIN_MIN;
    const hist = new Map<number, number>();
    for (let k = 0; k < dc.length; k++) {
      const num = dc[k] as number;
      hist.set(num, (hist.get(num) ?? 0) + 1);
      if (num < min) min = num;
    }
    counts.push(m);
    minMatchNum.push(min);
    domainsAtCount.push(hist);
  }
  return new PreFilterState(constraints, selfMatchNum, requiredNodeAffinity, counts, minMatchNum, domainsAtCount);
}

/**
 * Upstream `updateWithPod` (AddPod/RemovePod): when `updatedPod` is in the incoming pod's
 * namespace and `node` has every topology key, each constraint whose selector matches it and whose
 * inclusion policies admit the node moves its domain's count by `delta`. As upstream, neither the
 * empty-selector rule nor the terminating-pod rule of the initial count applies here.
 */
export function updateWithPod(
  s: PreFilterState,
  updatedPod: DeepReadonly<Pod>,
  preemptorPod: DeepReadonly<Pod>,
  node: DeepReadonly<Node>,
  delta: number,
): void {
  if (podNamespace(updatedPod) !== podNamespace(preemptorPod)) return;
  const labels = node.metadata?.labels;
  if (!nodeLabelsMatchSpreadConstraints(labels, s.constraints)) return;
  const podLabels = updatedPod.metadata?.labels;
  for (let i = 0; i < s.constraints.length; i++) {
    const c = s.constraints[i] as SpreadConstraint;
    if (!c.selector.matches(podLabels)) continue;
    if (!matchNodeInclusionPolicies(c, preemptorPod, node, s.requiredNodeAffinity)) continue;
    s.update(i, labelValue(labels, c.topologyKey) as string, delta);
  }
}

/** The error upstream returns when Filter or the extensions find no PreFilter state. */
export function missingPreFilterState(): Status {
  return Status.error(new Error(`reading "${PRE_FILTER_STATE_KEY.name}" from cycleState: not found`));
}

/**
 * Upstream `Filter`: a node without a constraint's topology label is UnschedulableAndUnresolvable;
 * a node where `count(domain) + selfMatch − globalMin > maxSkew` for some constraint is
 * Unschedulable. O(constraints), no allocation.
 */
export function filterNode(s: PreFilterState, nodeInfo: NodeInfo): Status | undefined {
  const constraints = s.constraints;
  if (constraints.length === 0) return undefined;
  const labels = nodeInfo.node.metadata?.labels;
  for (let i = 0; i < constraints.length; i++) {
    const c = constraints[i] as SpreadConstraint;
    const value = labelValue(labels, c.topologyKey);
    if (value === undefined) return MISSING_LABEL;
    const matchNum = (s.tpValueToMatchNum[i] as Map<string, number>).get(value) ?? 0;
    const skew = matchNum + (s.selfMatchNum[i] as number) - s.globalMin(i);
    if (skew > c.maxSkew) return SKEW_TOO_BIG;
  }
  return undefined;
}
