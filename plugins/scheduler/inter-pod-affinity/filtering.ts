/**
 * InterPodAffinity's filtering half: the topology-pair counts PreFilter precomputes, their
 * incremental updates (PreFilterExtensions `AddPod`/`RemovePod`) and the three Filter checks.
 *
 * Mirrors upstream `pkg/scheduler/framework/plugins/interpodaffinity/filtering.go` (v1.35) and the
 * namespace helpers of its `plugin.go` (`mergeAffinityTermNamespacesIfNotEmpty`,
 * `GetNamespaceLabelsSnapshot`).
 */
import {
  affinityTermMatches,
  matchesNothing,
  nothing,
  StateKey,
  type AffinityTerm,
  type Cloneable,
  type DeepReadonly,
  type KubeObject,
  type NodeInfo,
  type ObjectLister,
  type Pod,
  type PodInfo,
} from 'kubeprop';

/** Upstream `ErrReasonAffinityRulesNotMatch` (incoming pod's required affinity). */
export const ERR_REASON_AFFINITY_RULES_NOT_MATCH = "node(s) didn't match pod affinity rules";
/** Upstream `ErrReasonAntiAffinityRulesNotMatch` (incoming pod's required anti-affinity). */
export const ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH = "node(s) didn't match pod anti-affinity rules";
/** Upstream `ErrReasonExistingAntiAffinityRulesNotMatch` (existing pods' required anti-affinity). */
export const ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH = "node(s) didn't satisfy existing pods anti-affinity rules";

/** A label map as objects carry it. */
type LabelMap = Readonly<Record<string, string>>;

/**
 * The value of an own label, or `undefined`. Label values are strings, while every inherited member
 * of a plain object (`constructor`, `toString`, ...) is not, so this never reads the prototype.
 */
export function labelValue(labels: LabelMap | undefined, key: string): string | undefined {
  if (labels === undefined) return undefined;
  const v: unknown = labels[key];
  return typeof v === 'string' ? v : undefined;
}

/** A pod's namespace as the affinity terms compare it. */
export function podNamespace(pod: DeepReadonly<Pod>): string {
  return pod.metadata?.namespace ?? 'default';
}

/**
 * Upstream `GetNamespaceLabelsSnapshot`: the labels of Namespace `name` from the scheduler's
 * informer cache; a namespace that is not found has no labels.
 */
export function namespaceLabels(objects: ObjectLister, name: string): LabelMap | undefined {
  const ns = objects.get('Namespace', undefined, name);
  return ns?.metadata?.labels as LabelMap | undefined;
}

/**
 * Upstream `mergeAffinityTermNamespacesIfNotEmpty`, for the incoming pod's terms: a real
 * `namespaceSelector` is unrolled into the names of the Namespaces it selects now (so existing
 * pods are then matched by namespace name alone, without looking up their namespace's labels),
 * and replaced by `nothing()`. An empty selector (`{}`, every namespace) and an absent one
 * (`nothing()`) are kept as they are. Returns the terms unchanged (same array) when no term has a
 * selector to unroll; never mutates its input. Other fields (a weight) are kept.
 */
export function mergeTermsNamespaces<T extends AffinityTerm>(terms: readonly T[], objects: ObjectLister): readonly T[] {
  let out: T[] | undefined;
  let namespaces: readonly DeepReadonly<KubeObject>[] | undefined;
  for (let i = 0; i < terms.length; i++) {
    const term = terms[i] as T;
    if (term.namespaceSelector.isEmpty() || matchesNothing(term.namespaceSelector)) continue;
    namespaces ??= objects.list('Namespace');
    const names = new Set(term.namespaces);
    for (const ns of namespaces) {
      const name = ns.metadata?.name;
      if (name !== undefined && term.namespaceSelector.matches(ns.metadata?.labels as LabelMap | undefined)) names.add(name);
    }
    out ??= terms.slice();
    out[i] = { ...term, namespaces: names, namespaceSelector: nothing() };
  }
  return out ?? terms;
}

/**
 * Upstream `podMatchesAllAffinityTerms`: `pod` matches every term (and there is at least one). The
 * terms are the incoming pod's, whose namespace selectors were merged, so no namespace labels are
 * needed.
 */
export function podMatchesAllAffinityTerms(terms: readonly AffinityTerm[], pod: DeepReadonly<Pod>): boolean {
  if (terms.length === 0) return false;
  for (let i = 0; i < terms.length; i++) {
    if (!affinityTermMatches(terms[i] as AffinityTerm, pod, undefined)) return false;
  }
  return true;
}

/**
 * The values of one topology key, interned to dense ids. Content-addressed (a value keeps its id),
 * so the counts of states built at different times can share one table.
 */
class ValueTable {
  readonly ids = new Map<string, number>();
  readonly values: string[] = [];

  intern(value: string): number {
    let id = this.ids.get(value);
    if (id === undefined) {
      id = this.values.length;
      this.values.push(value);
      this.ids.set(value, id);
    }
    return id;
  }
}

/**
 * The value tables of a plugin instance, one per topology key, kept across scheduling cycles so
 * that counting a pair costs a lookup of an already-known value rather than building a new map
 * every cycle. Only ever grows; `compact` starts a key afresh once it holds far more values than
 * the cluster has nodes (nodes came and went), which never changes any count.
 */
export class TopologyValueTables {
  private readonly byKey = new Map<string, ValueTable>();

  /** The table of `key` (created on first use). */
  table(key: string): ValueTable {
    let t = this.byKey.get(key);
    if (t === undefined) {
      t = new ValueTable();
      this.byKey.set(key, t);
    }
    return t;
  }

  /**
   * Replaces the table of every key holding more than `maxValues` values by an empty one. States
   * already built keep the tables they reference, so they stay valid.
   */
  compact(maxValues: number): void {
    for (const [key, t] of this.byKey) if (t.values.length > maxValues) this.byKey.set(key, new ValueTable());
  }
}

const NO_COUNTS = new Int32Array(0);

/**
 * Upstream `topologyToMatchedTermCount`: a count per topology pair (label key, label value). A pair
 * whose count returns to 0 no longer counts as present, as upstream deletes it, so `size` (the
 * number of pairs with a non-zero count) is upstream's `len(map)`; counts may go negative while a
 * what-if evaluation removes pods. Stored per key as an array indexed by the value's id in a shared
 * {@link TopologyValueTables}.
 */
export class TopologyPairCounts {
  private keys: string[] = [];
  private tables: ValueTable[] = [];
  private counts: Int32Array[] = [];
  private pairs = 0;

  constructor(private readonly domains: TopologyValueTables = new TopologyValueTables()) {}

  /** The number of topology pairs with a non-zero count. */
  get size(): number {
    return this.pairs;
  }

  private slot(key: string): number {
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) if (keys[i] === key) return i;
    return -1;
  }

  /** The count of the pair (`key`, `value`); 0 when absent. */
  get(key: string, value: string): number {
    const s = this.slot(key);
    if (s < 0) return 0;
    const id = (this.tables[s] as ValueTable).ids.get(value);
    if (id === undefined) return 0;
    return (this.counts[s] as Int32Array)[id] ?? 0;
  }

  /** Adds `delta` to the pair (`key`, `value`); a pair at 0 is absent. */
  add(key: string, value: string, delta: number): void {
    if (delta === 0) return;
    let s = this.slot(key);
    if (s < 0) {
      s = this.keys.length;
      this.keys.push(key);
      this.tables.push(this.domains.table(key));
      this.counts.push(NO_COUNTS);
    }
    const id = (this.tables[s] as ValueTable).intern(value);
    let c = this.counts[s] as Int32Array;
    if (id >= c.length) {
      const grown = new Int32Array(Math.max(id + 1, (this.tables[s] as ValueTable).values.length, c.length * 2));
      grown.set(c);
      this.counts[s] = c = grown;
    }
    const prev = c[id] as number;
    const next = prev + delta;
    c[id] = next;
    if (prev === 0) this.pairs++;
    else if (next === 0) this.pairs--;
  }

  /** Upstream `update`: adds `delta` to the node's pair for `key`, if the node has that label. */
  addForNode(nodeLabels: LabelMap | undefined, key: string, delta: number): void {
    const value = labelValue(nodeLabels, key);
    if (value !== undefined) this.add(key, value, delta);
  }

  /**
   * Whether some pair of the node's labels has a positive count (upstream iterates the node's
   * labels; iterating the few counted keys instead finds the same pairs).
   */
  anyPositiveForNode(nodeLabels: LabelMap | undefined): boolean {
    if (this.pairs === 0 || nodeLabels === undefined) return false;
    for (let s = 0; s < this.keys.length; s++) {
      const value = labelValue(nodeLabels, this.keys[s] as string);
      if (value === undefined) continue;
      const id = (this.tables[s] as ValueTable).ids.get(value);
      if (id !== undefined && ((this.counts[s] as Int32Array)[id] ?? 0) > 0) return true;
    }
    return false;
  }

  /**
   * The sum, over the counted keys the node has a label for, of the count of the node's pair
   * (upstream `Score`'s loop over `topologyScore`).
   */
  sumForNode(nodeLabels: LabelMap | undefined): number {
    if (nodeLabels === undefined) return 0;
    let sum = 0;
    for (let s = 0; s < this.keys.length; s++) {
      const value = labelValue(nodeLabels, this.keys[s] as string);
      if (value === undefined) continue;
      const id = (this.tables[s] as ValueTable).ids.get(value);
      if (id !== undefined) sum += (this.counts[s] as Int32Array)[id] ?? 0;
    }
    return sum;
  }

  /** The pairs with a non-zero count, sorted by key then value (for tests and diagnostics). */
  entries(): [key: string, value: string, count: number][] {
    const out: [string, string, number][] = [];
    for (let s = 0; s < this.keys.length; s++) {
      const c = this.counts[s] as Int32Array;
      const values = (this.tables[s] as ValueTable).values;
      for (let id = 0; id < c.length; id++) if (c[id] !== 0) out.push([this.keys[s] as string, values[id] as string, c[id] as number]);
    }
    out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    return out;
  }

  clone(): TopologyPairCounts {
    const c = new TopologyPairCounts(this.domains);
    c.keys = this.keys.slice();
    c.tables = this.tables.slice();
    c.counts = this.counts.map((a) => a.slice());
    c.pairs = this.pairs;
    return c;
  }
}

/**
 * Upstream `AffinityTerm.Matches` (as `affinityTermMatches`), with the pod's namespace and labels
 * read once by the caller: the pod's namespace is one of the term's, or the namespace's labels
 * match the term's namespace selector; then the term's label selector matches the pod's labels.
 */
export function termMatches(term: AffinityTerm, ns: string, podLabels: LabelMap | undefined, nsLabels: LabelMap | undefined): boolean {
  if (!term.namespaces.has(ns) && !term.namespaceSelector.matches(nsLabels)) return false;
  return term.selector.matches(podLabels);
}

/** A pod's own labels. */
export function podLabels(pod: DeepReadonly<Pod>): LabelMap | undefined {
  return pod.metadata?.labels as LabelMap | undefined;
}

/**
 * Upstream `updateWithAntiAffinityTerms`: for each of `terms` (an existing pod's, matched with the
 * incoming pod's namespace labels, or the incoming pod's merged terms, matched without) that the
 * pod (`ns`, `labels`) matches, adds `delta` to the node's pair for the term's topology key.
 */
function updateWithAntiAffinityTerms(
  counts: TopologyPairCounts,
  terms: readonly AffinityTerm[],
  ns: string,
  labels: LabelMap | undefined,
  nsLabels: LabelMap | undefined,
  nodeLabels: LabelMap | undefined,
  delta: number,
): void {
  for (let i = 0; i < terms.length; i++) {
    const t = terms[i] as AffinityTerm;
    if (termMatches(t, ns, labels, nsLabels)) counts.addForNode(nodeLabels, t.topologyKey, delta);
  }
}

/**
 * Upstream `updateWithAffinityTerms`: if the pod (`ns`, `labels`) matches **all** the incoming
 * pod's affinity terms (merged, so without namespace labels), adds `delta` to the node's pair of
 * every term's topology key.
 */
function updateWithAffinityTerms(
  counts: TopologyPairCounts,
  terms: readonly AffinityTerm[],
  ns: string,
  labels: LabelMap | undefined,
  nodeLabels: LabelMap | undefined,
  delta: number,
): void {
  if (terms.length === 0) return;
  for (let i = 0; i < terms.length; i++) if (!termMatches(terms[i] as AffinityTerm, ns, labels, undefined)) return;
  for (let i = 0; i < terms.length; i++) counts.addForNode(nodeLabels, (terms[i] as AffinityTerm).topologyKey, delta);
}

/**
 * Upstream `preFilterState`: the incoming pod's required terms (namespace selectors merged) and
 * three topology-pair counts. Preemption and nominated-pod evaluation work on `clone()`s, which copy
 * the counts and share the rest (it never changes).
 */
export class PreFilterState implements Cloneable<PreFilterState> {
  constructor(
    /** The incoming pod. */
    readonly pod: DeepReadonly<Pod>,
    /** The incoming pod's required affinity terms, namespace selectors merged. */
    readonly requiredAffinityTerms: readonly AffinityTerm[],
    /** The incoming pod's required anti-affinity terms, namespace selectors merged. */
    readonly requiredAntiAffinityTerms: readonly AffinityTerm[],
    /** The labels of the incoming pod's namespace (upstream `namespaceLabels`). */
    readonly namespaceLabels: LabelMap | undefined,
    /** Pairs → number of existing pods' required anti-affinity terms the incoming pod matches. */
    readonly existingAntiAffinityCounts: TopologyPairCounts,
    /** Pairs → number of existing pods matching all the incoming pod's required affinity terms (per term). */
    readonly affinityCounts: TopologyPairCounts,
    /** Pairs → number of existing pods matching the incoming pod's required anti-affinity terms (per term). */
    readonly antiAffinityCounts: TopologyPairCounts,
  ) {}

  clone(): PreFilterState {
    return new PreFilterState(
      this.pod,
      this.requiredAffinityTerms,
      this.requiredAntiAffinityTerms,
      this.namespaceLabels,
      this.existingAntiAffinityCounts.clone(),
      this.affinityCounts.clone(),
      this.antiAffinityCounts.clone(),
    );
  }

  /**
   * Upstream `updateWithPod`: accounts `podInfo` on `nodeInfo`'s node with `multiplier` (+1 for
   * `AddPod`, −1 for `RemovePod`) in all three counts.
   */
  updateWithPod(podInfo: PodInfo, nodeInfo: NodeInfo, multiplier: number): void {
    const nodeLabels = nodeInfo.node.metadata?.labels as LabelMap | undefined;
    const ns = podNamespace(podInfo.pod);
    const labels = podLabels(podInfo.pod);
    updateWithAntiAffinityTerms(
      this.existingAntiAffinityCounts,
      podInfo.requiredAntiAffinityTerms,
      podNamespace(this.pod),
      podLabels(this.pod),
      this.namespaceLabels,
      nodeLabels,
      multiplier,
    );
    updateWithAffinityTerms(this.affinityCounts, this.requiredAffinityTerms, ns, labels, nodeLabels, multiplier);
    updateWithAntiAffinityTerms(this.antiAffinityCounts, this.requiredAntiAffinityTerms, ns, labels, undefined, nodeLabels, multiplier);
  }
}

/** Upstream `preFilterStateKey`. */
export const PRE_FILTER_STATE_KEY = new StateKey<PreFilterState>('PreFilterInterPodAffinity');

/**
 * Upstream `satisfyPodAffinity`: the node has every required affinity term's topology key, and
 * each term's domain holds a matching pod. Exception for the first pod of a self-affine group: if
 * no pair is counted anywhere and the pod matches all its own terms, any node with the keys passes.
 */
export function satisfyPodAffinity(state: PreFilterState, nodeLabels: LabelMap | undefined): boolean {
  const terms = state.requiredAffinityTerms;
  let podsExist = true;
  for (let i = 0; i < terms.length; i++) {
    const key = (terms[i] as AffinityTerm).topologyKey;
    const value = labelValue(nodeLabels, key);
    // Every topology label must exist on the node.
    if (value === undefined) return false;
    if (state.affinityCounts.get(key, value) <= 0) podsExist = false;
  }
  if (podsExist) return true;
  return state.affinityCounts.size === 0 && podMatchesAllAffinityTerms(terms, state.pod);
}

/**
 * Upstream `satisfyPodAntiAffinity`: no required anti-affinity term's domain (on the node's value
 * of its key; a node without the key cannot violate it) holds a matching pod.
 */
export function satisfyPodAntiAffinity(state: PreFilterState, nodeLabels: LabelMap | undefined): boolean {
  if (state.antiAffinityCounts.size === 0) return true;
  const terms = state.requiredAntiAffinityTerms;
  for (let i = 0; i < terms.length; i++) {
    const key = (terms[i] as AffinityTerm).topologyKey;
    const value = labelValue(nodeLabels, key);
    if (value !== undefined && state.antiAffinityCounts.get(key, value) > 0) return false;
  }
  return true;
}

/**
 * Upstream `satisfyExistingPodsAntiAffinity`: no existing pod whose required anti-affinity the
 * incoming pod matches lives in a domain the node belongs to.
 */
export function satisfyExistingPodsAntiAffinity(state: PreFilterState, nodeLabels: LabelMap | undefined): boolean {
  return !state.existingAntiAffinityCounts.anyPositiveForNode(nodeLabels);
}
