/**
 * InterPodAffinity's scoring half: the per-topology-domain score PreScore precomputes, the node
 * score that sums it over the node's labels, and the min–max normalization.
 *
 * Mirrors upstream `pkg/scheduler/framework/plugins/interpodaffinity/scoring.go` (v1.35).
 */
import {
  affinityTermMatches,
  MAX_NODE_SCORE,
  StateKey,
  type AffinityTerm,
  type DeepReadonly,
  type NodeInfo,
  type NodeScore,
  type Pod,
  type PodInfo,
  type WeightedAffinityTerm,
} from 'kubeprop';
import { labelValue } from './filtering.js';

type LabelMap = Readonly<Record<string, string>>;

/**
 * Upstream `scoreMap` (`map[topologyKey]map[topologyValue]int64`) being built. An entry exists as
 * soon as one term matched on a node with the key, even if the weights sum to 0: upstream decides
 * PreScore's Skip on the presence of entries, not on their values.
 */
export class TopologyScoreBuilder {
  private readonly byKey = new Map<string, Map<string, number>>();

  /** Upstream `processTerm`: `pod` matches `term` and the node has its key ⇒ add `weight · multiplier`. */
  processTerm(
    term: AffinityTerm,
    weight: number,
    pod: DeepReadonly<Pod>,
    nsLabels: LabelMap | undefined,
    nodeLabels: LabelMap | undefined,
    multiplier: number,
  ): void {
    if (!affinityTermMatches(term, pod, nsLabels)) return;
    const value = labelValue(nodeLabels, term.topologyKey);
    if (value === undefined) return;
    let values = this.byKey.get(term.topologyKey);
    if (values === undefined) {
      values = new Map();
      this.byKey.set(term.topologyKey, values);
    }
    values.set(value, (values.get(value) ?? 0) + weight * multiplier);
  }

  /** Upstream `processTerms`. */
  processTerms(
    terms: readonly WeightedAffinityTerm[],
    pod: DeepReadonly<Pod>,
    nsLabels: LabelMap | undefined,
    nodeLabels: LabelMap | undefined,
    multiplier: number,
  ): void {
    for (let i = 0; i < terms.length; i++) {
      const t = terms[i] as WeightedAffinityTerm;
      this.processTerm(t, t.weight, pod, nsLabels, nodeLabels, multiplier);
    }
  }

  /** Whether no term matched anywhere (upstream PreScore then returns Skip). */
  get empty(): boolean {
    return this.byKey.size === 0;
  }

  /** The finished, read-only score table. */
  build(): TopologyScore {
    const keys: string[] = [];
    const values: ReadonlyMap<string, number>[] = [];
    for (const [k, v] of this.byKey) {
      keys.push(k);
      values.push(v);
    }
    return new TopologyScore(keys, values);
  }
}

/**
 * The score per topology domain, stored as parallel arrays so that Score walks it without
 * allocating.
 */
export class TopologyScore {
  constructor(
    private readonly keys: readonly string[],
    private readonly values: readonly ReadonlyMap<string, number>[],
  ) {}

  /** Upstream `Score`: the sum, over the table's keys, of the score of the node's value. */
  scoreNode(nodeLabels: LabelMap | undefined): number {
    let score = 0;
    for (let i = 0; i < this.keys.length; i++) {
      const value = labelValue(nodeLabels, this.keys[i] as string);
      if (value !== undefined) score += (this.values[i] as ReadonlyMap<string, number>).get(value) ?? 0;
    }
    return score;
  }

  /** Number of topology keys with at least one scored domain. */
  get size(): number {
    return this.keys.length;
  }

  /** The table, sorted by key then value (for tests and diagnostics). */
  entries(): [key: string, value: string, score: number][] {
    const out: [string, string, number][] = [];
    for (let i = 0; i < this.keys.length; i++) {
      for (const [value, score] of this.values[i] as ReadonlyMap<string, number>) out.push([this.keys[i] as string, value, score]);
    }
    out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    return out;
  }
}

/**
 * Upstream `preScoreState`. Preemption never rescores, so like upstream (whose `Clone` returns the
 * same object) it has no `clone()`.
 */
export interface PreScoreState {
  readonly topologyScore: TopologyScore;
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

/**
 * Upstream `processExistingPod`: the contributions of one existing pod on its node's domains:
 * the incoming pod's preferred affinity (+w) and anti-affinity (−w) terms the existing pod matches,
 * then the existing pod's required affinity terms (+hardPodAffinityWeight each), preferred affinity
 * (+w) and preferred anti-affinity (−w) terms the incoming pod matches (with its namespace labels).
 * The caller skips nodes without labels (upstream returns early for them; every term needs a
 * label of the node anyway).
 */
export function processExistingPod(
  incoming: IncomingPodScoring,
  existing: PodInfo,
  nodeLabels: LabelMap,
  out: TopologyScoreBuilder,
): void {
  if (incoming.preferredAffinityTerms.length > 0) out.processTerms(incoming.preferredAffinityTerms, existing.pod, undefined, nodeLabels, 1);
  if (incoming.preferredAntiAffinityTerms.length > 0) out.processTerms(incoming.preferredAntiAffinityTerms, existing.pod, undefined, nodeLabels, -1);
  const required = existing.requiredAffinityTerms;
  if (incoming.hardPodAffinityWeight > 0) {
    for (let i = 0; i < required.length; i++) {
      out.processTerm(required[i] as AffinityTerm, incoming.hardPodAffinityWeight, incoming.pod, incoming.namespaceLabels, nodeLabels, 1);
    }
  }
  if (existing.preferredAffinityTerms.length > 0) out.processTerms(existing.preferredAffinityTerms, incoming.pod, incoming.namespaceLabels, nodeLabels, 1);
  if (existing.preferredAntiAffinityTerms.length > 0) out.processTerms(existing.preferredAntiAffinityTerms, incoming.pod, incoming.namespaceLabels, nodeLabels, -1);
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
