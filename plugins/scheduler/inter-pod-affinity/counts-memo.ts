/**
 * Keeps PreFilter's topology-pair counts from one scheduling cycle to the next, so that a cycle
 * recounts only the nodes that changed since the last one instead of every pod in the cluster.
 *
 * Upstream recounts everything in every PreFilter (`getExistingAntiAffinityCounts`,
 * `getIncomingAffinityAntiAffinityCounts`). The counts are a sum of per-node contributions that
 * depend only on the node (its labels and pods) and on what the incoming pod brings to the match
 * (its namespace, labels and namespace labels for existing pods' terms; its own terms for the
 * incoming counts). The memo keeps, for the last such "signature", each node's contribution and
 * the node's `generation`, which the scheduler cache bumps on every change of the node or its pods;
 * a node whose NodeInfo, generation and Node object are unchanged contributes exactly as before.
 * When the snapshot reports which nodes changed since a mark (`NodeInfoLister.nodesChangedSince`),
 * only those are looked at; otherwise every node's generation is compared.
 * PreScore's score table is kept the same way (see scoring.ts).
 * Any other difference (another signature, nodes added, removed or reordered) recounts from scratch.
 * The result is therefore always equal to upstream's fresh count.
 */
import type { AffinityTerm, DeepReadonly, Node, NodeInfo, NodeInfoLister, Pod, PodInfo } from 'kubeprop';
import { labelValue, podLabels, podNamespace, termMatches, TopologyPairCounts, TopologyValueTables } from './filtering.js';

type LabelMap = Readonly<Record<string, string>>;

/** What a node adds to count number `target` at the pair (`key`, `value`). */
export interface Contribution {
  readonly target: number;
  readonly key: string;
  readonly value: string;
  readonly weight: number;
}

/**
 * Computes a node's contributions into `out`. `nodeLabels` are the node's labels; only pairs the
 * node has a label for may be contributed (use {@link contributeForNode}).
 */
export type ContributeFn = (nodeInfo: NodeInfo, nodeLabels: LabelMap | undefined, out: Contribution[]) => void;

/** Pushes `weight` (default 1) for the node's value of `key` into `out`, if the node has that label. */
export function contributeForNode(out: Contribution[], target: number, nodeLabels: LabelMap | undefined, key: string, weight = 1): void {
  const value = labelValue(nodeLabels, key);
  if (value !== undefined) out.push({ target, key, value, weight });
}

const NONE: readonly Contribution[] = Object.freeze([]);

/** The counts of one signature over one node list, kept node by node. */
export class NodeCountsMemo {
  private signature: string | undefined;
  private refs: NodeInfo[] = [];
  private generations: number[] = [];
  private nodeObjects: DeepReadonly<Node>[] = [];
  private contributions: (readonly Contribution[])[] = [];
  private totals: TopologyPairCounts[] = [];
  /** Scratch list of changed node indices, reused across refreshes. */
  private readonly changed: number[] = [];
  /**
   * The lister's change mark when the memo last matched its node list (`markedNodes`, the lister's
   * own list array), and each node's index: with them a refresh visits only the nodes the lister
   * reports changed instead of every node.
   */
  private mark: number | undefined;
  private markedNodes: readonly NodeInfo[] | undefined;
  private indexOf = new Map<NodeInfo, number>();

  constructor(private readonly targets: number) {}

  /**
   * The `targets` counts of `signature` over `nodes`, as fresh copies the caller may change. Nodes
   * that changed since the last call with the same signature and node list are recounted with
   * `contribute`; anything else is recounted in full. With `lister` (whose `list()` `nodes` is), the
   * changed nodes are those it reports, when it can.
   */
  counts(signature: string, nodes: readonly NodeInfo[], domains: TopologyValueTables, contribute: ContributeFn, lister?: NodeInfoLister): TopologyPairCounts[] {
    if (!this.refresh(signature, nodes, contribute, lister)) this.rebuild(signature, nodes, domains, contribute);
    this.mark = lister?.changeMark?.();
    this.markedNodes = this.mark === undefined ? undefined : nodes;
    return this.totals.map((c) => c.clone());
  }

  /**
   * The nodes changed since the memo last matched `nodes`, as the lister reports them; undefined when
   * the lister cannot tell, or `nodes` is not (still) the lister's own node list.
   */
  private reportedChanges(nodes: readonly NodeInfo[], lister: NodeInfoLister | undefined): readonly NodeInfo[] | undefined {
    if (lister === undefined || this.mark === undefined || nodes !== this.markedNodes || lister.nodesChangedSince === undefined) return undefined;
    if (lister.list() !== nodes) return undefined;
    return lister.nodesChangedSince(this.mark);
  }

  /** Recounts the changed nodes; false when the memo does not apply (then nothing was changed). */
  private refresh(signature: string, nodes: readonly NodeInfo[], contribute: ContributeFn, lister: NodeInfoLister | undefined): boolean {
    if (signature !== this.signature || nodes.length !== this.refs.length) return false;
    const refs = this.refs;
    const generations = this.generations;
    const nodeObjects = this.nodeObjects;
    const changed = this.changed;
    changed.length = 0;
    const reported = this.reportedChanges(nodes, lister);
    if (reported !== undefined) {
      // The same node list as last time (the lister's, unchanged since): only the reported nodes
      // can differ. A node may be reported more than once; the first visit brings it up to date.
      for (let r = 0; r < reported.length; r++) {
        const nodeInfo = reported[r] as NodeInfo;
        const i = this.indexOf.get(nodeInfo);
        if (i === undefined || refs[i] !== nodeInfo) return false;
        if (nodeInfo.generation !== generations[i] || nodeInfo.node !== nodeObjects[i]) this.recount(i, nodeInfo, contribute);
      }
      return true;
    }
    // One pass finds the changed nodes; nothing is changed before the whole list is known to match.
    for (let i = 0; i < nodes.length; i++) {
      const nodeInfo = nodes[i] as NodeInfo;
      if (nodeInfo !== refs[i]) return false;
      if (nodeInfo.generation !== generations[i] || nodeInfo.node !== nodeObjects[i]) changed.push(i);
    }
    for (let c = 0; c < changed.length; c++) {
      const i = changed[c] as number;
      this.recount(i, nodes[i] as NodeInfo, contribute);
    }
    return true;
  }

  /** Replaces node `i`'s contributions with its current ones. */
  private recount(i: number, nodeInfo: NodeInfo, contribute: ContributeFn): void {
    this.apply(this.contributions[i] as readonly Contribution[], -1);
    const scratch: Contribution[] = [];
    contribute(nodeInfo, nodeInfo.node.metadata?.labels as LabelMap | undefined, scratch);
    this.apply(scratch, 1);
    this.contributions[i] = scratch.length === 0 ? NONE : scratch;
    this.generations[i] = nodeInfo.generation;
    this.nodeObjects[i] = nodeInfo.node;
  }

  private rebuild(signature: string, nodes: readonly NodeInfo[], domains: TopologyValueTables, contribute: ContributeFn): void {
    this.signature = signature;
    this.refs = nodes.slice();
    this.indexOf = new Map(this.refs.map((n, i) => [n, i]));
    this.generations = new Array<number>(nodes.length);
    this.nodeObjects = new Array<DeepReadonly<Node>>(nodes.length);
    this.contributions = new Array<readonly Contribution[]>(nodes.length);
    this.totals = [];
    for (let t = 0; t < this.targets; t++) this.totals.push(new TopologyPairCounts(domains));
    let scratch: Contribution[] = [];
    for (let i = 0; i < nodes.length; i++) {
      const nodeInfo = nodes[i] as NodeInfo;
      contribute(nodeInfo, nodeInfo.node.metadata?.labels as LabelMap | undefined, scratch);
      if (scratch.length === 0) {
        this.contributions[i] = NONE;
      } else {
        this.apply(scratch, 1);
        this.contributions[i] = scratch;
        scratch = [];
      }
      this.generations[i] = nodeInfo.generation;
      this.nodeObjects[i] = nodeInfo.node;
    }
  }

  private apply(contributions: readonly Contribution[], delta: number): void {
    for (let i = 0; i < contributions.length; i++) {
      const c = contributions[i] as Contribution;
      (this.totals[c.target] as TopologyPairCounts).add(c.key, c.value, c.weight * delta);
    }
  }
}

/**
 * The contributions to upstream `getExistingAntiAffinityCounts` (one count): each required
 * anti-affinity term of the node's pods that the incoming pod (namespace, labels, and its
 * namespace's labels for the terms' namespace selectors) matches adds 1 at the node's pair for the
 * term's key.
 */
export function existingAntiAffinityContributor(pod: DeepReadonly<Pod>, nsLabels: LabelMap | undefined): ContributeFn {
  const ns = podNamespace(pod);
  const labels = podLabels(pod);
  return (nodeInfo, nodeLabels, out) => {
    const pods = nodeInfo.podsWithRequiredAntiAffinity;
    for (let p = 0; p < pods.length; p++) {
      const terms = (pods[p] as PodInfo).requiredAntiAffinityTerms;
      for (let i = 0; i < terms.length; i++) {
        const t = terms[i] as AffinityTerm;
        if (termMatches(t, ns, labels, nsLabels)) contributeForNode(out, 0, nodeLabels, t.topologyKey);
      }
    }
  };
}

/**
 * The contributions to upstream `getIncomingAffinityAntiAffinityCounts` (count 0: affinity,
 * count 1: anti-affinity): a pod of the node matching **all** the incoming pod's affinity terms
 * adds 1 at the node's pair of every term's key; each anti-affinity term it matches adds 1 at the
 * node's pair for that term's key. The terms are the incoming pod's, namespace selectors merged.
 */
export function incomingAffinityAntiAffinityContributor(affinityTerms: readonly AffinityTerm[], antiAffinityTerms: readonly AffinityTerm[]): ContributeFn {
  return (nodeInfo, nodeLabels, out) => {
    const pods = nodeInfo.pods;
    for (let p = 0; p < pods.length; p++) {
      const existing = (pods[p] as PodInfo).pod;
      const ns = podNamespace(existing);
      const labels = podLabels(existing);
      if (affinityTerms.length > 0) {
        let all = true;
        for (let i = 0; i < affinityTerms.length && all; i++) all = termMatches(affinityTerms[i] as AffinityTerm, ns, labels, undefined);
        if (all) for (let i = 0; i < affinityTerms.length; i++) contributeForNode(out, 0, nodeLabels, (affinityTerms[i] as AffinityTerm).topologyKey);
      }
      for (let i = 0; i < antiAffinityTerms.length; i++) {
        const t = antiAffinityTerms[i] as AffinityTerm;
        if (termMatches(t, ns, labels, undefined)) contributeForNode(out, 1, nodeLabels, t.topologyKey);
      }
    }
  };
}

/** The counts of `contribute` over `nodes`, computed afresh (what the memo must always equal). */
export function sumContributions(nodes: readonly NodeInfo[], targets: number, domains: TopologyValueTables, contribute: ContributeFn): TopologyPairCounts[] {
  const totals: TopologyPairCounts[] = [];
  for (let t = 0; t < targets; t++) totals.push(new TopologyPairCounts(domains));
  const out: Contribution[] = [];
  for (let n = 0; n < nodes.length; n++) {
    const nodeInfo = nodes[n] as NodeInfo;
    out.length = 0;
    contribute(nodeInfo, nodeInfo.node.metadata?.labels as LabelMap | undefined, out);
    for (const c of out) (totals[c.target] as TopologyPairCounts).add(c.key, c.value, c.weight);
  }
  return totals;
}

/**
 * Upstream `getExistingAntiAffinityCounts`, counted afresh over `nodes` (upstream passes the nodes
 * with pods with required anti-affinity; any superset gives the same counts).
 */
export function existingAntiAffinityCounts(
  pod: DeepReadonly<Pod>,
  nsLabels: LabelMap | undefined,
  nodes: readonly NodeInfo[],
  domains: TopologyValueTables = new TopologyValueTables(),
): TopologyPairCounts {
  return sumContributions(nodes, 1, domains, existingAntiAffinityContributor(pod, nsLabels))[0] as TopologyPairCounts;
}

/** Upstream `getIncomingAffinityAntiAffinityCounts`, counted afresh over `nodes`. */
export function incomingAffinityAntiAffinityCounts(
  affinityTerms: readonly AffinityTerm[],
  antiAffinityTerms: readonly AffinityTerm[],
  nodes: readonly NodeInfo[],
  domains: TopologyValueTables = new TopologyValueTables(),
): { affinityCounts: TopologyPairCounts; antiAffinityCounts: TopologyPairCounts } {
  if (affinityTerms.length === 0 && antiAffinityTerms.length === 0) {
    return { affinityCounts: new TopologyPairCounts(domains), antiAffinityCounts: new TopologyPairCounts(domains) };
  }
  const [affinityCounts, antiAffinityCounts] = sumContributions(nodes, 2, domains, incomingAffinityAntiAffinityContributor(affinityTerms, antiAffinityTerms)) as [
    TopologyPairCounts,
    TopologyPairCounts,
  ];
  return { affinityCounts, antiAffinityCounts };
}

/** A label map as sorted `[key, value]` pairs (a canonical form for signatures). */
function sortedPairs(labels: LabelMap | undefined): [string, string][] {
  if (labels === undefined) return [];
  return Object.keys(labels)
    .sort()
    .map((k) => [k, labels[k] as string]);
}

/**
 * What the existing-anti-affinity counts depend on besides the nodes: the incoming pod's
 * namespace, its labels and its namespace's labels.
 */
export function existingCountsSignature(pod: DeepReadonly<Pod>, nsLabels: LabelMap | undefined): string {
  return JSON.stringify([podNamespace(pod), sortedPairs(podLabels(pod)), sortedPairs(nsLabels)]);
}

/**
 * What the incoming counts depend on besides the nodes: the incoming pod's required terms as
 * written, its namespace (the default of the terms' namespaces) and the namespaces each merged term
 * applies to (the namespace selectors resolved against the Namespaces of this cycle).
 */
export function incomingCountsSignature(
  pod: DeepReadonly<Pod>,
  affinityTerms: readonly AffinityTerm[],
  antiAffinityTerms: readonly AffinityTerm[],
): string {
  const affinity = pod.spec?.affinity;
  const resolved = (terms: readonly AffinityTerm[]): [string[], boolean][] => terms.map((t) => [[...t.namespaces].sort(), t.namespaceSelector.isEmpty()]);
  return JSON.stringify([
    podNamespace(pod),
    affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? null,
    affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? null,
    resolved(affinityTerms),
    resolved(antiAffinityTerms),
  ]);
}

/**
 * A few {@link NodeCountsMemo}s by signature, the most recently used kept (a workload's pods
 * usually come in a handful of shapes that alternate in the queue). Deterministic: the least
 * recently used signature is dropped first.
 */
export class NodeCountsMemoCache {
  private readonly memos = new Map<string, NodeCountsMemo>();

  constructor(
    private readonly targets: number,
    private readonly capacity = 16,
  ) {}

  /** {@link NodeCountsMemo.counts} with the memo of `signature`. */
  counts(signature: string, nodes: readonly NodeInfo[], domains: TopologyValueTables, contribute: ContributeFn, lister?: NodeInfoLister): TopologyPairCounts[] {
    let memo = this.memos.get(signature);
    if (memo === undefined) {
      memo = new NodeCountsMemo(this.targets);
      if (this.memos.size >= this.capacity) {
        const oldest = this.memos.keys().next();
        if (oldest.done !== true) this.memos.delete(oldest.value);
      }
    } else {
      this.memos.delete(signature);
    }
    this.memos.set(signature, memo);
    return memo.counts(signature, nodes, domains, contribute, lister);
  }
}
