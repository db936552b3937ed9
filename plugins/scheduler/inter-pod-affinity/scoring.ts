/**
 * InterPodAffinity's scoring half: the per-topology-domain score PreScore precomputes, the node
 * score that sums it over the node's labels, and the min–max normalization.
 *
 * Mirrors upstream `pkg/scheduler/framework/plugins/interpodaffinity/scoring.go` (v1.35). The score
 * table (upstream `scoreMap`, `map[topologyKey]map[topologyValue]int64`) is a sum of per-node
 * contributions, kept from cycle to cycle by a `NodeCountsMemo` like PreFilter's counts.
 */
import {
  MAX_NODE_SCORE,
  StateKey,
  type AffinityTerm,
  type DeepReadonly,
  type NodeScore,
  type Pod,
  type PodInfo,
  type WeightedAffinityTerm,
} from 'kubeprop';
import { contributeForNode, type ContributeFn, type Contribution } from './counts-memo.js';
import { podLabels, podNamespace, termMatches, type TopologyPairCounts } from './filtering.js';

type LabelMap = Readonly<Record<string, string>>;

/** Contribution target of the weights (the score of each domain). */
export const SCORE_TARGET = 0;
/**
 * Contribution target counting the matched terms per domain. Upstream creates a `scoreMap` entry
 * as soon as a term matches, even when the weights then sum to 0, and PreScore skips only when no
 * entry exists; this count tells the two apart.
 */
export const MATCH_TARGET = 1;

/**
 * Upstream `preScoreState`. Preemption never rescores, so like upstream (whose `Clone` returns the
 * same object) it has no `clone()`.
 */
export interface PreScoreState {
  /** The score per topology pair (upstream `topologyScore`). */
  readonly topologyScore: TopologyPairCounts;
}

/** Upstream `preScoreStateKey`. */
export const PRE_SCORE_STATE_KEY = new StateKey<PreScoreState>('PreScoreInterPodAffinity');

/** What `processExistingPod` needs about the incoming pod and the plugin's args. */
export interface IncomingPodScoring {
  readonly pod: DeepReadonly<Pod>;
  /** The incoming pod's preferred affinity terms, namespace selectors merged. */
  readonly preferredAffinityTerms: readonly WeightedAffinityTerm[];
  /** The incoming pod's preferred anti-affinity terms, namespace selectors merged. */
  readonly preferredAntiAffinityTerms: readonly WeightedAffinityTerm[];
  /** The labels of the incoming pod's namespace. */
  readonly namespaceLabels: LabelMap | undefined;
  readonly hardPodAffinityWeight: number;
}

/** Upstream `processTerm`: the pod matches `term` and the node has its key ⇒ `weight · multiplier` there. */
function processTerm(
  out: Contribution[],
  term: AffinityTerm,
  weight: number,
  ns: string,
  labels: LabelMap | undefined,
  nsLabels: LabelMap | undefined,
  nodeLabels: LabelMap,
  multiplier: number,
): void {
  if (!termMatches(term, ns, labels, nsLabels)) return;
  const before = out.length;
  contributeForNode(out, SCORE_TARGET, nodeLabels, term.topologyKey, weight * multiplier);
  if (out.length > before) contributeForNode(out, MATCH_TARGET, nodeLabels, term.topologyKey);
}

/** Upstream `processTerms`. */
function processTerms(
  out: Contribution[],
  terms: readonly WeightedAffinityTerm[],
  ns: string,
  labels: LabelMap | undefined,
  nsLabels: LabelMap | undefined,
  nodeLabels: LabelMap,
  multiplier: number,
): void {
  for (let i = 0; i < terms.length; i++) {
    const t = terms[i] as WeightedAffinityTerm;
    processTerm(out, t, t.weight, ns, labels, nsLabels, nodeLabels, multiplier);
  }
}

/**
 * Upstream `processExistingPod`: the contributions of one existing pod on its node's domains:
 * the incoming pod's preferred affinity (+w) and anti-affinity (−w) terms the existing pod matches,
 * then the existing pod's required affinity terms (+hardPodAffinityWeight each, when that is > 0),
 * preferred affinity (+w) and preferred anti-affinity (−w) terms the incoming pod matches (with
 * its namespace labels).
 */
export function processExistingPod(incoming: IncomingPodScoring, existing: PodInfo, nodeLabels: LabelMap, out: Contribution[]): void {
  if (incoming.preferredAffinityTerms.length > 0 || incoming.preferredAntiAffinityTerms.length > 0) {
    const ns = podNamespace(existing.pod);
    const labels = podLabels(existing.pod);
    processTerms(out, incoming.preferredAffinityTerms, ns, labels, undefined, nodeLabels, 1);
    processTerms(out, incoming.preferredAntiAffinityTerms, ns, labels, undefined, nodeLabels, -1);
  }
  const required = existing.requiredAffinityTerms;
  const hasRequired = incoming.hardPodAffinityWeight > 0 && required.length > 0;
  if (!hasRequired && existing.preferredAffinityTerms.length === 0 && existing.preferredAntiAffinityTerms.length === 0) return;
  const ns = podNamespace(incoming.pod);
  const labels = podLabels(incoming.pod);
  const nsLabels = incoming.namespaceLabels;
  if (hasRequired) {
    for (let i = 0; i < required.length; i++) processTerm(out, required[i] as AffinityTerm, incoming.hardPodAffinityWeight, ns, labels, nsLabels, nodeLabels, 1);
  }
  processTerms(out, existing.preferredAffinityTerms, ns, labels, nsLabels, nodeLabels, 1);
  processTerms(out, existing.preferredAntiAffinityTerms, ns, labels, nsLabels, nodeLabels, -1);
}

/**
 * The contributions of a node to the score table: `processExistingPod` for every pod of the node
 * when the incoming pod has preferred terms, else for its pods with affinity (the others cannot
 * contribute then). A node without labels contributes nothing (upstream returns early for it;
 * every term needs a label of the node anyway).
 */
export function scoreContributor(incoming: IncomingPodScoring): ContributeFn {
  const allPods = incoming.preferredAffinityTerms.length > 0 || incoming.preferredAntiAffinityTerms.length > 0;
  return (nodeInfo, nodeLabels, out) => {
    if (nodeLabels === undefined) return;
    const pods = allPods ? nodeInfo.pods : nodeInfo.podsWithAffinity;
    for (let p = 0; p < pods.length; p++) processExistingPod(incoming, pods[p] as PodInfo, nodeLabels, out);
  };
}

/**
 * What the score table depends on besides the nodes: the incoming pod's namespace, labels and
 * namespace labels (existing pods' terms), its preferred terms as written with the namespaces each
 * merged term applies to, and `hardPodAffinityWeight`.
 */
export function scoreSignature(incoming: IncomingPodScoring): string {
  const affinity = incoming.pod.spec?.affinity;
  const resolved = (terms: readonly AffinityTerm[]): [string[], boolean][] => terms.map((t) => [[...t.namespaces].sort(), t.namespaceSelector.isEmpty()]);
  const sorted = (l: LabelMap | undefined): [string, string][] =>
    l === undefined
      ? []
      : Object.keys(l)
          .sort()
          .map((k) => [k, l[k] as string]);
  return JSON.stringify([
    podNamespace(incoming.pod),
    sorted(podLabels(incoming.pod)),
    sorted(incoming.namespaceLabels),
    affinity?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? null,
    affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? null,
    resolved(incoming.preferredAffinityTerms),
    resolved(incoming.preferredAntiAffinityTerms),
    incoming.hardPodAffinityWeight,
  ]);
}

/**
 * Upstream `NormalizeScore`: min–max scaling over the scored nodes,
 * `int64(100 · ((raw − min) / (max − min)))` in float64 (truncated), and 0 for every node when all
 * raw scores are equal. `min` and `max` are the true extremes of the raw scores (upstream since
 * v1.21, PR #98096), so the worst node gets 0 and the best 100 even when all are positive.
 */
export function normalizeInterPodAffinityScores(scores: NodeScore[]): void {
  if (scores.length === 0) return;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < scores.length; i++) {
    const s = (scores[i] as NodeScore).score;
    if (s > max) max = s;
    if (s < min) min = s;
  }
  const diff = max - min;
  for (let i = 0; i < scores.length; i++) {
    const entry = scores[i] as NodeScore;
    // Same operation order as upstream's float64 arithmetic, so truncation agrees bit for bit.
    const f = diff > 0 ? MAX_NODE_SCORE * ((entry.score - min) / diff) : 0;
    entry.score = Math.trunc(f);
  }
}
