/**
 * PodTopologySpread's PreScore, Score and NormalizeScore for the soft (`ScheduleAnyway`)
 * constraints: nodes in domains holding fewer selected pods score higher.
 *
 * Mirrors `pkg/scheduler/framework/plugins/podtopologyspread/scoring.go`.
 */
import { MAX_NODE_SCORE, RequiredNodeAffinity, matchesNothing, Status, StateKey, type DeepReadonly, type NodeInfo, type NodeInfoLister, type NodeScore, type Pod } from 'kubeprop';
import {
  LABEL_HOSTNAME,
  countNodePodsMatchSelector,
  labelValue,
  hasUntoleratedTaint,
  nodeLabelsMatchSpreadConstraints,
  podNamespace,
  type PodCountCache,
  type SelectorCountMemo,
  type SpreadConstraint,
} from './common.js';

const NO_NODES: ReadonlyMap<NodeInfo, number> = new Map();

/** Upstream's state key name, `PreScorePodTopologySpread`. */
export const PRE_SCORE_STATE_KEY = new StateKey<PreScoreState>('PreScorePodTopologySpread');

/**
 * Upstream `preScoreState`. It is not cloned for preemption (upstream's `Clone` returns the same
 * object), so it has no `clone()`.
 */
export interface PreScoreState {
  readonly constraints: readonly SpreadConstraint[];
  /** Namespace of the incoming pod: only its pods are counted. */
  readonly namespace: string;
  /** Filtered nodes missing some topology key (only when all keys are required): scored 0. */
  readonly ignoredNodes: ReadonlySet<string>;
  /**
   * Per constraint, selected pods per domain of the filtered nodes; empty for hostname
   * constraints, whose counts are taken on the node itself in Score.
   */
  readonly topologyValueToPodCounts: readonly Map<string, number>[];
  /** Per constraint, `ln(#domains + 2)`. */
  readonly topologyNormalizingWeight: readonly number[];
  /**
   * Per constraint, a memo of hostname counts by NodeInfo (null for other topology keys): the
   * count of a node is reused while the node's `generation` is unchanged, so Score does not
   * re-match every pod of every node in every cycle. Results are exactly those of
   * `countNodePodsMatchSelector`.
   */
  readonly hostnameCounts?: readonly (HostnameCountMemo | null)[];
  /** The domain totals refreshed by this PreScore, by selector (`selector.toString()`). */
  readonly refreshedTotals?: ReadonlyMap<string, DomainTotalsMemo>;
  /**
   * The nodes holding selected pods, with their counts, as the snapshot's index gave them to this
   * PreScore, by selector (`selector.toString()`).
   */
  readonly selected?: ReadonlyMap<string, ReadonlyMap<NodeInfo, number>>;
}

/** Per-node hostname counts of one `(namespace, selector)`, valid while the node's generation holds. */
export class HostnameCountMemo {
  private readonly byNode = new WeakMap<NodeInfo, { generation: number; count: number }>();
  constructor(
    private readonly selector: SpreadConstraint['selector'],
    private readonly namespace: string,
  ) {}
  /**
   * Domain totals of the same `(namespace, selector)` refreshed in this cycle's PreScore, if any:
   * their per-node counts are this memo's counts, already up to date for every listed node.
   */
  peer: DomainTotalsMemo | undefined;
  /**
   * The nodes holding selected pods and their counts, from the snapshot's index in this cycle's
   * PreScore, if any: exactly the counts, and 0 for every node it leaves out.
   */
  selected: ReadonlyMap<NodeInfo, number> | undefined;
  count(nodeInfo: NodeInfo): number {
    if (this.selected !== undefined) return this.selected.get(nodeInfo) ?? 0;
    if (this.peer !== undefined) {
      const known = this.peer.countOf(nodeInfo);
      if (known !== undefined) return known;
    }
    const hit = this.byNode.get(nodeInfo);
    if (hit !== undefined && hit.generation === nodeInfo.generation) return hit.count;
    const count = countNodePodsMatchSelector(nodeInfo, this.selector, this.namespace);
    this.byNode.set(nodeInfo, { generation: nodeInfo.generation, count });
    return count;
  }
}

/** Hostname count memos by `(namespace, selector)`, bounded; the oldest is dropped first. */
export class HostnameCountCache {
  private readonly memos = new Map<string, HostnameCountMemo>();
  // As for DomainTotalsCache: many workloads' pods are scheduled interleaved.
  constructor(private readonly max = 1024) {}
  memo(selector: SpreadConstraint['selector'], namespace: string): HostnameCountMemo {
    const key = `${namespace}\u0000${selector.toString()}`;
    let m = this.memos.get(key);
    if (m === undefined) {
      if (this.memos.size >= this.max) {
        const oldest = this.memos.keys().next();
        if (oldest.done !== true) this.memos.delete(oldest.value);
      }
      m = new HostnameCountMemo(selector, namespace);
      this.memos.set(key, m);
    }
    return m;
  }
}

/**
 * Selected pods per domain of one topology key over every node of the lister's list, for one
 * `(namespace, selector)` and one set of required topology keys, kept up to date from the lister's
 * changed-node journal so that PreScore does not walk every node in every cycle. It only serves
 * constraints whose node inclusion policies admit every node (no taint policy, no node affinity
 * to honor). A pure cache: its totals are the sums the full walk would make.
 */
export class DomainTotalsMemo {
  private nodes: readonly NodeInfo[] | undefined;
  private mark: number | undefined;
  private readonly indexOf = new Map<NodeInfo, number>();
  /** Per position: the node's domain, or undefined when it lacks a required key. */
  private values: (string | undefined)[] = [];
  private contributions: number[] = [];
  /** Per position: the node's `generation` when it was last counted. */
  private generations: number[] = [];
  readonly totals = new Map<string, number>();

  constructor(
    private readonly selector: SpreadConstraint['selector'],
    private readonly namespace: string,
    private readonly topologyKey: string,
    /** Constraints whose keys a node must all have to count (undefined: none required). */
    private readonly required: readonly SpreadConstraint[] | undefined,
  ) {}

  /** The totals for `allNodes` (the lister's `list()`), brought up to date. */
  refresh(allNodes: readonly NodeInfo[], lister: NodeInfoLister): ReadonlyMap<string, number> {
    if (this.nodes !== allNodes) {
      this.indexOf.clear();
      this.totals.clear();
      this.values = new Array<string | undefined>(allNodes.length).fill(undefined);
      this.contributions = new Array<number>(allNodes.length).fill(0);
      this.generations = new Array<number>(allNodes.length).fill(-1);
      for (let i = 0; i < allNodes.length; i++) {
        const ni = allNodes[i] as NodeInfo;
        this.indexOf.set(ni, i);
        this.account(i, ni);
      }
    } else {
      const changed = this.mark !== undefined && lister.nodesChangedSince !== undefined ? lister.nodesChangedSince(this.mark) : undefined;
      if (changed !== undefined) {
        // A node may be reported more than once; recounting it again changes nothing.
        for (const ni of changed) {
          const at = this.indexOf.get(ni);
          if (at !== undefined) this.update(at, ni);
        }
      } else {
        // The journal no longer reaches back to the last visit: the same list, so the nodes whose
        // generation moved are the changed ones.
        for (let i = 0; i < allNodes.length; i++) this.update(i, allNodes[i] as NodeInfo);
      }
    }
    this.nodes = allNodes;
    this.mark = lister.changeMark?.();
    return this.totals;
  }

  /**
   * The selected pods of `ni` as counted at its current generation, or undefined when that count
   * is not at hand (an unlisted node, a changed one, or one lacking a required key).
   */
  countOf(ni: NodeInfo): number | undefined {
    const at = this.indexOf.get(ni);
    if (at === undefined || this.generations[at] !== ni.generation || this.values[at] === undefined) return undefined;
    return this.contributions[at] as number;
  }

  /** Recounts the node at `at` unless it is unchanged since it was last counted. */
  private update(at: number, ni: NodeInfo): void {
    if (this.generations[at] === ni.generation) return;
    const old = this.values[at];
    if (old !== undefined) this.totals.set(old, (this.totals.get(old) as number) - (this.contributions[at] as number));
    this.account(at, ni);
  }

  private account(at: number, ni: NodeInfo): void {
    this.generations[at] = ni.generation;
    const labels = ni.node.metadata?.labels;
    if (this.required !== undefined && !nodeLabelsMatchSpreadConstraints(labels, this.required)) {
      this.values[at] = undefined;
      this.contributions[at] = 0;
      return;
    }
    const value = labelValue(labels, this.topologyKey) ?? '';
    const c = countNodePodsMatchSelector(ni, this.selector, this.namespace);
    this.values[at] = value;
    this.contributions[at] = c;
    this.totals.set(value, (this.totals.get(value) ?? 0) + c);
  }
}

/** {@link DomainTotalsMemo}s by `(namespace, selector, topology key, required keys)`, bounded; oldest dropped first. */
export class DomainTotalsCache {
  private readonly memos = new Map<string, DomainTotalsMemo>();
  // Room for one memo per workload of a large cluster: pods of many workloads are scheduled
  // interleaved, and a memo dropped between its visits is rebuilt over every node.
  constructor(private readonly max = 1024) {}
  memo(c: SpreadConstraint, namespace: string, required: readonly SpreadConstraint[] | undefined): DomainTotalsMemo {
    const keys = required === undefined ? '' : required.map((r) => r.topologyKey).join('\u0001');
    const key = `${namespace}\u0000${c.selector.toString()}\u0000${c.topologyKey}\u0000${required === undefined ? 0 : 1}${keys}`;
    let m = this.memos.get(key);
    if (m === undefined) {
      if (this.memos.size >= this.max) {
        const oldest = this.memos.keys().next();
        if (oldest.done !== true) this.memos.delete(oldest.value);
      }
      m = new DomainTotalsMemo(c.selector, namespace, c.topologyKey, required === undefined ? undefined : required.slice());
      this.memos.set(key, m);
    }
    return m;
  }
}

/**
 * Upstream `topologyNormalizingWeight`: `ln(size + 2)`, so that the counts of topologies with
 * few domains are not watered down by those with many.
 */
export function topologyNormalizingWeight(size: number): number {
  return Math.log(size + 2);
}

/**
 * Upstream `scoreForCount`: `cnt · weight + (maxSkew − 1)`; the `maxSkew − 1` term softens the
 * differences between domains as maxSkew grows.
 */
export function scoreForCount(cnt: number, maxSkew: number, tpWeight: number): number {
  return cnt * tpWeight + (maxSkew - 1);
}

/**
 * Upstream `initPreScoreState` + the counting pass of `PreScore`. `requireAllTopologies` is false
 * only for system-defaulted constraints: then nodes without a zone label are not ignored and still
 * get hostname spreading (their missing zone value counts as the domain `""`, as upstream).
 */
export function calPreScoreState(
  pod: DeepReadonly<Pod>,
  constraints: readonly SpreadConstraint[],
  filteredNodes: readonly NodeInfo[],
  allNodes: readonly NodeInfo[],
  requireAllTopologies: boolean,
  cache: PodCountCache,
  totalsCache?: DomainTotalsCache,
  lister?: NodeInfoLister,
): PreScoreState {
  const n = constraints.length;
  const ignoredNodes = new Set<string>();
  const counts: Map<string, number>[] = [];
  for (let i = 0; i < n; i++) counts.push(new Map());
  const topoSize = new Array<number>(n).fill(0);
  // When no node can be ignored and the snapshot knows how many domains each key has over all its
  // nodes, the walk stops once every constraint has met all of them: the filtered nodes are some of
  // the snapshot's, so the rest can add no domain.
  const domains = new Array<number>(n).fill(-1);
  let unmet = -1;
  if (!requireAllTopologies && lister !== undefined && lister.domainCount !== undefined && lister.list() === allNodes) {
    unmet = 0;
    for (let i = 0; i < n; i++) {
      const c = constraints[i] as SpreadConstraint;
      if (c.topologyKey === LABEL_HOSTNAME) continue;
      domains[i] = lister.domainCount(c.topologyKey);
      unmet++;
    }
  }
  for (let f = 0; f < filteredNodes.length && unmet !== 0; f++) {
    const nodeInfo = filteredNodes[f] as NodeInfo;
    const labels = nodeInfo.node.metadata?.labels;
    if (requireAllTopologies && !nodeLabelsMatchSpreadConstraints(labels, constraints)) {
      ignoredNodes.add(nodeInfo.name);
      continue;
    }
    for (let i = 0; i < n; i++) {
      const c = constraints[i] as SpreadConstraint;
      if (c.topologyKey === LABEL_HOSTNAME) continue;
      // The label read is written out here, rather than through `labelValue`, so that this hot
      // site keeps its own (monomorphic) property-access feedback.
      const raw: unknown = labels === undefined ? undefined : labels[c.topologyKey];
      const value = typeof raw === 'string' ? raw : '';
      const m = counts[i] as Map<string, number>;
      if (!m.has(value)) {
        m.set(value, 0);
        topoSize[i] = (topoSize[i] as number) + 1;
        if (m.size === domains[i]) unmet--;
      }
    }
  }
  const weights: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = constraints[i] as SpreadConstraint;
    const size = c.topologyKey === LABEL_HOSTNAME ? filteredNodes.length - ignoredNodes.size : (topoSize[i] as number);
    weights.push(topologyNormalizingWeight(size));
  }

  const ns = podNamespace(pod);
  const requiredNodeAffinity = RequiredNodeAffinity.fromPod(pod);
  const affinityMatters = !requiredNodeAffinity.isEmpty;
  // Per constraint: the tracked domains' running sums, reached through one hash lookup per node.
  const domainIndex: Map<string, number>[] = [];
  const sums: number[][] = [];
  let tracked = false;
  for (let i = 0; i < n; i++) {
    const index = new Map<string, number>();
    const sum: number[] = [];
    for (const value of (counts[i] as Map<string, number>).keys()) {
      index.set(value, sum.length);
      sum.push(0);
    }
    if (sum.length > 0) tracked = true;
    domainIndex.push(index);
    sums.push(sum);
  }
  // Constraints whose node inclusion policies admit every node take their sums from the snapshot's
  // index of the nodes holding selected pods, or else from the journalled per-domain totals, when
  // the node list is the lister's own; the others are walked below.
  const fromTotals = new Array<boolean>(n).fill(false);
  let refreshedTotals: Map<string, DomainTotalsMemo> | undefined;
  let selected: Map<string, ReadonlyMap<NodeInfo, number>> | undefined;
  if (tracked && lister !== undefined && lister.list() === allNodes && (lister.nodesWithPodsMatching !== undefined || (totalsCache !== undefined && lister.changeMark !== undefined))) {
    tracked = false;
    for (let i = 0; i < n; i++) {
      const index = domainIndex[i] as Map<string, number>;
      if (index.size === 0) continue;
      const c = constraints[i] as SpreadConstraint;
      if (c.nodeTaintsPolicy === 'Honor' || (c.nodeAffinityPolicy === 'Honor' && affinityMatters)) {
        tracked = true;
        continue;
      }
      const sum = sums[i] as number[];
      if (lister.nodesWithPodsMatching !== undefined) {
        // An empty selector counts nothing (upstream's countPodsMatchSelector), nor does a nil one.
        const nodes = c.selector.isEmpty() || matchesNothing(c.selector) ? NO_NODES : lister.nodesWithPodsMatching(ns, c.selector);
        (selected ??= new Map()).set(c.selector.toString(), nodes);
        for (const [nodeInfo, count] of nodes) {
          const labels = nodeInfo.node.metadata?.labels;
          if (requireAllTopologies && !nodeLabelsMatchSpreadConstraints(labels, constraints)) continue;
          const at = index.get(labelValue(labels, c.topologyKey) ?? '');
          if (at !== undefined) sum[at] = (sum[at] as number) + count;
        }
      } else if (totalsCache !== undefined) {
        const memo = totalsCache.memo(c, ns, requireAllTopologies ? constraints : undefined);
        const totals = memo.refresh(allNodes, lister);
        (refreshedTotals ??= new Map()).set(c.selector.toString(), memo);
        for (const [value, at] of index) sum[at] = totals.get(value) ?? 0;
      }
      fromTotals[i] = true;
    }
  }
  // Per-node count memos, only for the walk below.
  const memos = tracked ? constraints.map((c) => cache.memo(c.selector, ns, allNodes.length)) : [];
  for (let ni = 0; tracked && ni < allNodes.length; ni++) {
    const nodeInfo = allNodes[ni] as NodeInfo;
    const node = nodeInfo.node;
    const labels = node.metadata?.labels;
    if (requireAllTopologies && !nodeLabelsMatchSpreadConstraints(labels, constraints)) continue;
    // -1 unknown, 0 no, 1 yes: each policy is evaluated at most once per node.
    let affinityOk = affinityMatters ? -1 : 1;
    let taintsOk = -1;
    for (let i = 0; i < n; i++) {
      const index = domainIndex[i] as Map<string, number>;
      // Only domains of filtered nodes are tracked (never the hostname ones).
      if (index.size === 0 || fromTotals[i] === true) continue;
      const c = constraints[i] as SpreadConstraint;
      const at = index.get(labelValue(labels, c.topologyKey) ?? '');
      if (at === undefined) continue;
      if (c.nodeAffinityPolicy === 'Honor') {
        if (affinityOk < 0) affinityOk = requiredNodeAffinity.match(node) ? 1 : 0;
        if (affinityOk === 0) continue;
      }
      if (c.nodeTaintsPolicy === 'Honor') {
        if (taintsOk < 0) taintsOk = hasUntoleratedTaint(pod, node) ? 0 : 1;
        if (taintsOk === 0) continue;
      }
      const sum = sums[i] as number[];
      sum[at] = (sum[at] as number) + (memos[i] as SelectorCountMemo).count(ni, nodeInfo);
    }
  }
  for (let i = 0; i < n; i++) {
    const sum = sums[i] as number[];
    const m = counts[i] as Map<string, number>;
    for (const [value, at] of domainIndex[i] as Map<string, number>) m.set(value, sum[at] as number);
  }
  return {
    constraints,
    namespace: ns,
    ignoredNodes,
    topologyValueToPodCounts: counts,
    topologyNormalizingWeight: weights,
    ...(refreshedTotals === undefined ? {} : { refreshedTotals }),
    ...(selected === undefined ? {} : { selected }),
  };
}

/** The error upstream returns when Score or NormalizeScore find no PreScore state. */
export function missingPreScoreState(): Status {
  return Status.error(new Error(`error reading "${PRE_SCORE_STATE_KEY.name}" from cycleState: not found`));
}

/**
 * Upstream `Score`: `round(Σ cnt · weight + (maxSkew − 1))` over the constraints whose topology
 * key the node has; hostname constraints count the node's own pods; ignored nodes score 0.
 */
export function scoreNode(s: PreScoreState, nodeInfo: NodeInfo): number {
  if (s.ignoredNodes.size > 0 && s.ignoredNodes.has(nodeInfo.name)) return 0;
  const labels = nodeInfo.node.metadata?.labels;
  let score = 0;
  const constraints = s.constraints;
  for (let i = 0; i < constraints.length; i++) {
    const c = constraints[i] as SpreadConstraint;
    // Label reads are written out (not through `labelValue`) so that each site keeps its own
    // property-access feedback: the hostname key is a constant, the other keys vary.
    let cnt: number;
    if (c.topologyKey === LABEL_HOSTNAME) {
      if (labels === undefined || typeof labels[LABEL_HOSTNAME] !== 'string') continue;
      const memo = s.hostnameCounts?.[i];
      cnt = memo ? memo.count(nodeInfo) : countNodePodsMatchSelector(nodeInfo, c.selector, s.namespace);
    } else {
      const value: unknown = labels === undefined ? undefined : labels[c.topologyKey];
      if (typeof value !== 'string') continue;
      cnt = (s.topologyValueToPodCounts[i] as Map<string, number>).get(value) ?? 0;
    }
    score += scoreForCount(cnt, c.maxSkew, s.topologyNormalizingWeight[i] as number);
  }
  // Go's math.Round rounds halves away from zero; the score is never negative, where that is
  // Math.round.
  return Math.round(score);
}

/**
 * Upstream `NormalizeScore`: over the nodes that are not ignored, `100 · (max + min − raw) / max`
 * (integer division), or 100 for all when `max` is 0; ignored nodes get 0.
 */
export function normalizeScores(s: PreScoreState, scores: NodeScore[]): void {
  let minScore = Number.MAX_SAFE_INTEGER;
  let maxScore = 0;
  const ignored = s.ignoredNodes;
  for (const entry of scores) {
    if (ignored.has(entry.name)) continue;
    if (entry.score < minScore) minScore = entry.score;
    if (entry.score > maxScore) maxScore = entry.score;
  }
  for (const entry of scores) {
    if (ignored.has(entry.name)) {
      entry.score = 0;
      continue;
    }
    if (maxScore === 0) {
      entry.score = MAX_NODE_SCORE;
      continue;
    }
    entry.score = Math.trunc((MAX_NODE_SCORE * (maxScore + minScore - entry.score)) / maxScore);
  }
}
