/**
 * `NodeInfo` and `PodInfo`: the scheduler's precomputed, per-node view of the cluster.
 *
 * Mirrors `kube-scheduler/framework/types.go` (`NodeInfo`, `PodInfo`, `AffinityTerm`,
 * `WeightedAffinityTerm`, `HostPortInfo`, `ImageStateSummary`). A `PodInfo` is computed once per pod
 * version (requests, parsed affinity terms) so that the filter and score loops only compare numbers
 * and call compiled matchers. Plugins see `NodeInfo` read-only; preemption works on `clone()`s, which
 * expose `addPod`/`removePod`.
 */
import type { DeepReadonly, Node, Pod, PodAffinityTerm, WeightedPodAffinityTerm } from '../api/types.js';
import { exactMatchValue, labelSelectorAsSelector, sameLabelMaps, type Selector } from '../api/labels.js';
import {
  addResourceVectors,
  cloneResourceVector,
  emptyResourceVector,
  podNonZeroRequests,
  podRequests,
  resourceVectorFromList,
  subtractResourceVectors,
  type ResourceVector,
} from '../api/pod-resources.js';

/** Upstream `AffinityTerm`: a parsed pod (anti-)affinity term. */
export interface AffinityTerm {
  /** Namespaces named by the term; the pod's own namespace when neither list nor selector is set. */
  readonly namespaces: ReadonlySet<string>;
  /** `labelSelector` (nil ⇒ matches no pods). */
  readonly selector: Selector;
  readonly topologyKey: string;
  /** `namespaceSelector` (nil ⇒ nothing; `{}` ⇒ every namespace). */
  readonly namespaceSelector: Selector;
}

/** Upstream `WeightedAffinityTerm`. */
export interface WeightedAffinityTerm extends AffinityTerm {
  readonly weight: number;
}

/**
 * Upstream `AffinityTerm.Matches`: whether `pod` (with its namespace's labels) is selected by `term`.
 */
export function affinityTermMatches(
  term: AffinityTerm,
  pod: DeepReadonly<Pod>,
  namespaceLabels: Readonly<Record<string, string>> | undefined,
): boolean {
  const ns = pod.metadata?.namespace ?? 'default';
  if (!term.namespaces.has(ns) && !term.namespaceSelector.matches(namespaceLabels)) return false;
  return term.selector.matches(pod.metadata?.labels as Record<string, string> | undefined);
}

/** Upstream `PodInfo`: a pod and what the scheduler precomputes about it. */
export interface PodInfo {
  readonly pod: DeepReadonly<Pod>;
  /** Effective requests (upstream `PodRequests`), used by Filter and BalancedAllocation. */
  readonly requests: Readonly<ResourceVector>;
  /** Requests with the non-zero cpu/memory defaults, used by the resource score strategies. */
  readonly nonZeroRequests: Readonly<ResourceVector>;
  readonly requiredAffinityTerms: readonly AffinityTerm[];
  readonly requiredAntiAffinityTerms: readonly AffinityTerm[];
  readonly preferredAffinityTerms: readonly WeightedAffinityTerm[];
  readonly preferredAntiAffinityTerms: readonly WeightedAffinityTerm[];
  /** Set when an affinity term could not be parsed (upstream returns an error from NewPodInfo). */
  readonly parseError?: string;
}

function newAffinityTerm(pod: DeepReadonly<Pod>, term: DeepReadonly<PodAffinityTerm>): AffinityTerm {
  const selector = labelSelectorAsSelector(term.labelSelector as PodAffinityTerm['labelSelector']);
  const namespaces = new Set<string>(term.namespaces ?? []);
  let namespaceSelector: Selector;
  if (term.namespaceSelector === undefined || term.namespaceSelector === null) {
    namespaceSelector = labelSelectorAsSelector(null);
    // Neither namespaces nor a namespace selector: the term applies to the pod's own namespace.
    if (namespaces.size === 0) namespaces.add(pod.metadata?.namespace ?? 'default');
  } else {
    namespaceSelector = labelSelectorAsSelector(term.namespaceSelector as PodAffinityTerm['namespaceSelector']);
  }
  return { namespaces, selector, topologyKey: term.topologyKey, namespaceSelector };
}

function weightedTerms(pod: DeepReadonly<Pod>, terms: readonly DeepReadonly<WeightedPodAffinityTerm>[] | undefined): WeightedAffinityTerm[] {
  const out: WeightedAffinityTerm[] = [];
  for (const t of terms ?? []) {
    if (t.weight === 0) continue;
    out.push({ ...newAffinityTerm(pod, t.podAffinityTerm), weight: t.weight });
  }
  return out;
}

const EMPTY: readonly never[] = Object.freeze([]);

/**
 * PodInfos of frozen pods, by pod object. Pods in the simulation are deep-frozen values, so the
 * queue, the cache and plugins that ask for the PodInfo of the same pod object share one instead of
 * aggregating its requests and parsing its terms again.
 */
const podInfoMemo = new WeakMap<DeepReadonly<Pod>, PodInfo>();

/** Whether the pod looks immutable: it and its metadata and spec are frozen. */
function isFrozenPod(pod: DeepReadonly<Pod>): boolean {
  return Object.isFrozen(pod) && (pod.spec === undefined || Object.isFrozen(pod.spec)) && (pod.metadata === undefined || Object.isFrozen(pod.metadata));
}

/** Computes the `PodInfo` of a pod (upstream `NewPodInfo`). Never throws: parse errors are recorded. */
export function newPodInfo(pod: DeepReadonly<Pod>): PodInfo {
  const frozen = isFrozenPod(pod);
  if (frozen) {
    const known = podInfoMemo.get(pod);
    if (known !== undefined) return known;
  }
  const info = computePodInfo(pod);
  if (frozen) podInfoMemo.set(pod, info);
  return info;
}

function computePodInfo(pod: DeepReadonly<Pod>): PodInfo {
  const requests = podRequests(pod);
  const nonZeroRequests = podNonZeroRequests(pod);
  const affinity = pod.spec?.affinity;
  if (!affinity || (!affinity.podAffinity && !affinity.podAntiAffinity)) {
    return {
      pod,
      requests,
      nonZeroRequests,
      requiredAffinityTerms: EMPTY,
      requiredAntiAffinityTerms: EMPTY,
      preferredAffinityTerms: EMPTY,
      preferredAntiAffinityTerms: EMPTY,
    };
  }
  try {
    return {
      pod,
      requests,
      nonZeroRequests,
      requiredAffinityTerms: (affinity.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => newAffinityTerm(pod, t)),
      requiredAntiAffinityTerms: (affinity.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) =>
        newAffinityTerm(pod, t),
      ),
      preferredAffinityTerms: weightedTerms(pod, affinity.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution),
      preferredAntiAffinityTerms: weightedTerms(pod, affinity.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution),
    };
  } catch (err) {
    return {
      pod,
      requests,
      nonZeroRequests,
      requiredAffinityTerms: EMPTY,
      requiredAntiAffinityTerms: EMPTY,
      preferredAffinityTerms: EMPTY,
      preferredAntiAffinityTerms: EMPTY,
      parseError: err instanceof Error ? err.message : String(err),
    };
  }
}

/**
 * Whether `newPodInfo(b)` would compute what `newPodInfo(a)` computed: every field it reads is the
 * same object (or value) in both pods. Pods are immutable values here, so a new version of a pod
 * (bound, nominated, with a condition added) usually shares these fields with the old one.
 */
function samePodInfoInputs(a: DeepReadonly<Pod>, b: DeepReadonly<Pod>): boolean {
  if (a === b) return true;
  const sa = a.spec;
  const sb = b.spec;
  if (sa === undefined || sb === undefined) return false;
  if (
    sa.containers !== sb.containers ||
    sa.initContainers !== sb.initContainers ||
    sa.overhead !== sb.overhead ||
    sa.resources !== sb.resources ||
    sa.affinity !== sb.affinity ||
    a.metadata?.namespace !== b.metadata?.namespace
  ) {
    return false;
  }
  const ta = a.status;
  const tb = b.status;
  if (ta === tb) return true;
  const statusesA = ta?.containerStatuses;
  const initStatusesA = ta?.initContainerStatuses;
  if (statusesA !== tb?.containerStatuses || initStatusesA !== tb?.initContainerStatuses) return false;
  // The conditions (a pending resize) matter only when some container status carries resources.
  if ((statusesA === undefined || statusesA.length === 0) && (initStatusesA === undefined || initStatusesA.length === 0)) return true;
  return ta?.conditions === tb?.conditions;
}

/**
 * The `PodInfo` of `pod`, reusing `previous` (the PodInfo of an earlier version of the same pod)
 * when nothing `newPodInfo` reads has changed, which saves re-aggregating the requests and
 * re-parsing the affinity terms on every bind or status update.
 */
export function podInfoFor(pod: DeepReadonly<Pod>, previous: PodInfo | undefined): PodInfo {
  if (previous === undefined) return newPodInfo(pod);
  if (previous.pod === pod) return previous;
  if (!samePodInfoInputs(previous.pod, pod)) return newPodInfo(pod);
  return { ...previous, pod };
}

/** Upstream `ImageStateSummary`: an image's size and how many nodes have it. */
export interface ImageStateSummary {
  readonly sizeBytes: number;
  readonly numNodes: number;
}

/** Upstream `HostPortInfo`: the host ports in use on a node, by IP. */
export class HostPortInfo {
  private readonly byIp = new Map<string, Map<string, number>>();

  private static sanitize(ip: string | undefined, protocol: string | undefined): [string, string] {
    return [ip === undefined || ip === '' ? '0.0.0.0' : ip, protocol === undefined || protocol === '' ? 'TCP' : protocol];
  }

  add(ip: string | undefined, protocol: string | undefined, port: number): void {
    if (port <= 0) return;
    const [i, p] = HostPortInfo.sanitize(ip, protocol);
    let m = this.byIp.get(i);
    if (!m) this.byIp.set(i, (m = new Map()));
    const key = `${p}/${port}`;
    m.set(key, (m.get(key) ?? 0) + 1);
  }

  remove(ip: string | undefined, protocol: string | undefined, port: number): void {
    if (port <= 0) return;
    const [i, p] = HostPortInfo.sanitize(ip, protocol);
    const m = this.byIp.get(i);
    if (!m) return;
    const key = `${p}/${port}`;
    const n = (m.get(key) ?? 0) - 1;
    if (n > 0) m.set(key, n);
    else m.delete(key);
    if (m.size === 0) this.byIp.delete(i);
  }

  /** Number of (ip, protocol, port) entries in use. */
  get size(): number {
    let n = 0;
    for (const m of this.byIp.values()) n += m.size;
    return n;
  }

  /**
   * Upstream `CheckConflict`: `0.0.0.0` conflicts with the same protocol/port on any IP; a specific
   * IP conflicts with the same IP or with `0.0.0.0`.
   */
  checkConflict(ip: string | undefined, protocol: string | undefined, port: number): boolean {
    if (port <= 0) return false;
    const [i, p] = HostPortInfo.sanitize(ip, protocol);
    const key = `${p}/${port}`;
    if (i === '0.0.0.0') {
      for (const m of this.byIp.values()) if (m.has(key)) return true;
      return false;
    }
    return (this.byIp.get(i)?.has(key) ?? false) || (this.byIp.get('0.0.0.0')?.has(key) ?? false);
  }

  clone(): HostPortInfo {
    const c = new HostPortInfo();
    for (const [ip, m] of this.byIp) c.byIp.set(ip, new Map(m));
    return c;
  }
}

/** The read-only view of a node that plugins receive. */
export interface NodeInfo {
  readonly name: string;
  readonly node: DeepReadonly<Node>;
  readonly pods: readonly PodInfo[];
  readonly podsWithAffinity: readonly PodInfo[];
  readonly podsWithRequiredAntiAffinity: readonly PodInfo[];
  readonly usedPorts: Pick<HostPortInfo, 'checkConflict' | 'size'>;
  /** Sum of the pods' effective requests (upstream `Requested`). */
  readonly requested: Readonly<ResourceVector>;
  /** Sum with the non-zero cpu/memory defaults (upstream `NonZeroRequested`). */
  readonly nonZeroRequested: Readonly<ResourceVector>;
  /** `status.allocatable` (upstream `Allocatable`); `allowedPodNumber` is `pods`. */
  readonly allocatable: Readonly<ResourceVector>;
  /** Images on this node by normalized name, with cluster-wide spread (upstream `ImageStates`). */
  readonly imageStates: ReadonlyMap<string, ImageStateSummary>;
  /** Bumped on every change; lets the framework detect plugins that mutate a NodeInfo. */
  readonly generation: number;
  /**
   * How many of `pods` are in namespace `namespace`, not terminating (no `deletionTimestamp`), and
   * labelled `key=value`: an index kept as pods come and go, so that spreading counts need not scan
   * every pod of every node. Optional, so that NodeInfos written by hand (plugins' own tests) need
   * not provide it; callers fall back to scanning `pods`.
   */
  countPodsWithLabel?(namespace: string, key: string, value: string): number;
  /** A deep copy that can be changed (preemption's what-if evaluation). */
  clone(): MutableNodeInfo;
}

/** A host port a pod uses: `hostIP` and `protocol` as written (empty means `0.0.0.0` and `TCP`). */
export interface HostPort {
  readonly ip: string | undefined;
  readonly protocol: string | undefined;
  readonly port: number;
}

/**
 * The host ports a pod holds while it runs (upstream `util.GetHostPorts`): every `ports[]` entry
 * with `hostPort > 0` of the restartable (sidecar) init containers, then of the containers. Ordinary
 * init containers are left out, since they have exited before the pod's containers start.
 */
export function podHostPorts(pod: DeepReadonly<Pod>): HostPort[] {
  const out: HostPort[] = [];
  for (const c of pod.spec?.initContainers ?? []) {
    if (c.restartPolicy !== 'Always') continue;
    for (const p of c.ports ?? []) if (p.hostPort && p.hostPort > 0) out.push({ ip: p.hostIP, protocol: p.protocol, port: p.hostPort });
  }
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) if (p.hostPort && p.hostPort > 0) out.push({ ip: p.hostIP, protocol: p.protocol, port: p.hostPort });
  }
  return out;
}

/**
 * Whether `podHostPorts(pod)` is non-empty, without building the list: most pods hold no host port,
 * and NodeInfos add and remove pods often (binds, preemption's what-ifs).
 */
function hasHostPorts(pod: DeepReadonly<Pod>): boolean {
  const spec = pod.spec;
  if (spec === undefined || spec === null) return false;
  const init = spec.initContainers;
  if (init !== undefined && init !== null) {
    for (let i = 0; i < init.length; i++) {
      const c = init[i]!;
      if (c.restartPolicy === 'Always' && anyHostPort(c.ports)) return true;
    }
  }
  const containers = spec.containers;
  if (containers !== undefined && containers !== null) {
    for (let i = 0; i < containers.length; i++) if (anyHostPort(containers[i]!.ports)) return true;
  }
  return false;
}

function anyHostPort(ports: readonly { readonly hostPort?: number | undefined }[] | null | undefined): boolean {
  if (ports === undefined || ports === null) return false;
  for (let i = 0; i < ports.length; i++) {
    const hp = ports[i]!.hostPort;
    if (hp && hp > 0) return true;
  }
  return false;
}

/** A `NodeInfo` that can be changed: what the scheduler cache keeps, and what `clone()` returns. */
export class MutableNodeInfo implements NodeInfo {
  node: DeepReadonly<Node>;
  /** `node.metadata.name`, kept as a field because the filter and score loops read it per node. */
  name: string;
  pods: PodInfo[] = [];
  podsWithAffinity: PodInfo[] = [];
  podsWithRequiredAntiAffinity: PodInfo[] = [];
  usedPorts = new HostPortInfo();
  requested: ResourceVector = emptyResourceVector();
  nonZeroRequested: ResourceVector = emptyResourceVector();
  allocatable: ResourceVector = emptyResourceVector();
  imageStates: Map<string, ImageStateSummary> = new Map();
  generation = 0;
  /**
   * Pod label counts by namespace, key and value (see `countPodsWithLabel`), of the pods that are
   * not terminating; built on the first query and kept up to date from then on.
   */
  private labelIndex: Map<string, Map<string, Map<string, number>>> | undefined = undefined;
  /**
   * The cluster-wide index this NodeInfo reports its pods' labels to (the scheduler cache's, for the
   * NodeInfos it lists); clones report to none.
   */
  postings: PodLabelSets | undefined = undefined;

  constructor(node: DeepReadonly<Node>) {
    this.node = node;
    this.name = node.metadata?.name ?? '';
    this.allocatable = resourceVectorFromList(node.status?.allocatable as Record<string, string | number> | undefined);
  }

  /** Replaces the node object (labels, taints, allocatable may change). */
  setNode(node: DeepReadonly<Node>): void {
    const before = this.node.status?.allocatable;
    this.node = node;
    this.name = node.metadata?.name ?? '';
    const list = node.status?.allocatable;
    if (list !== before) {
      // Status updates rarely change allocatable: the vector the filter and score loops read every
      // cycle is kept unless it does.
      const next = resourceVectorFromList(list as Record<string, string | number> | undefined);
      if (!sameResourceVector(next, this.allocatable)) this.allocatable = next;
    }
    this.generation++;
  }

  /** Upstream `AddPodInfo`. */
  addPod(pi: PodInfo): void {
    this.add(pi, true);
  }

  private add(pi: PodInfo, labels: boolean): void {
    this.pods.push(pi);
    if (pi.requiredAffinityTerms.length > 0 || pi.requiredAntiAffinityTerms.length > 0 || pi.preferredAffinityTerms.length > 0 || pi.preferredAntiAffinityTerms.length > 0) {
      this.podsWithAffinity.push(pi);
    }
    if (pi.requiredAntiAffinityTerms.length > 0) this.podsWithRequiredAntiAffinity.push(pi);
    addResourceVectors(this.requested, pi.requests);
    addResourceVectors(this.nonZeroRequested, pi.nonZeroRequests);
    if (hasHostPorts(pi.pod)) for (const hp of podHostPorts(pi.pod)) this.usedPorts.add(hp.ip, hp.protocol, hp.port);
    if (labels) {
      if (this.labelIndex !== undefined) indexPodLabels(this.labelIndex, pi.pod, 1);
      if (this.postings !== undefined) this.postings.update(this, pi.pod, 1);
    }
    this.generation++;
  }

  /**
   * Upstream `RemovePod`: removes the pod with the same uid; returns false if it was not there.
   * `known` is the PodInfo that was added for it, when the caller has it (found without a scan).
   */
  removePod(pod: DeepReadonly<Pod>, known?: PodInfo): boolean {
    const idx = this.indexOfPod(pod, known);
    if (idx < 0) return false;
    this.removeAt(idx, true);
    return true;
  }

  /**
   * `removePod(old)` then `addPod(pi)`, as upstream's `UpdatePod` (the pod moves to the end of
   * `pods`), for a new version of a pod on this node. The label indexes are left alone when the
   * pod's namespace, labels and terminating state are unchanged, as after most status updates.
   */
  replacePod(old: PodInfo, pi: PodInfo): void {
    const idx = this.indexOfPod(old.pod, old);
    const sameLabels = idx >= 0 && sameIndexedLabels(this.pods[idx]!.pod, pi.pod);
    if (idx >= 0) this.removeAt(idx, !sameLabels);
    this.add(pi, !sameLabels);
  }

  /** The position of the pod with `pod`'s uid in `pods`, or -1; `known` is its PodInfo, if at hand. */
  private indexOfPod(pod: DeepReadonly<Pod>, known: PodInfo | undefined): number {
    const pods = this.pods;
    // The scheduler cache passes the very PodInfo it added: a scan of the list's pointers finds it
    // without reading any entry.
    if (known !== undefined) {
      const i = pods.indexOf(known);
      if (i >= 0) return i;
    }
    for (let i = 0; i < pods.length; i++) if (pods[i]!.pod === pod) return i;
    const uid = pod.metadata?.uid;
    for (let i = 0; i < pods.length; i++) if (pods[i]!.pod.metadata?.uid === uid) return i;
    return -1;
  }

  private removeAt(idx: number, labels: boolean): void {
    const pods = this.pods;
    const pi = pods[idx]!;
    // Shifted by hand: `splice` would allocate the removed elements' array on every call.
    for (let i = idx + 1; i < pods.length; i++) pods[i - 1] = pods[i]!;
    pods.pop();
    const a = this.podsWithAffinity.indexOf(pi);
    if (a >= 0) this.podsWithAffinity.splice(a, 1);
    const r = this.podsWithRequiredAntiAffinity.indexOf(pi);
    if (r >= 0) this.podsWithRequiredAntiAffinity.splice(r, 1);
    subtractResourceVectors(this.requested, pi.requests);
    subtractResourceVectors(this.nonZeroRequested, pi.nonZeroRequests);
    if (hasHostPorts(pi.pod)) for (const hp of podHostPorts(pi.pod)) this.usedPorts.remove(hp.ip, hp.protocol, hp.port);
    if (labels) {
      if (this.labelIndex !== undefined) indexPodLabels(this.labelIndex, pi.pod, -1);
      if (this.postings !== undefined) this.postings.update(this, pi.pod, -1);
    }
    this.generation++;
  }

  countPodsWithLabel(namespace: string, key: string, value: string): number {
    let index = this.labelIndex;
    if (index === undefined) {
      index = new Map();
      for (let i = 0; i < this.pods.length; i++) indexPodLabels(index, this.pods[i]!.pod, 1);
      this.labelIndex = index;
    }
    return index.get(namespace)?.get(key)?.get(value) ?? 0;
  }

  clone(): MutableNodeInfo {
    // Built without the constructor: allocatable is copied, not parsed again from the Node.
    const c = Object.create(MutableNodeInfo.prototype) as MutableNodeInfo;
    c.node = this.node;
    c.name = this.name;
    c.pods = [...this.pods];
    c.podsWithAffinity = [...this.podsWithAffinity];
    c.podsWithRequiredAntiAffinity = [...this.podsWithRequiredAntiAffinity];
    c.usedPorts = this.usedPorts.clone();
    c.requested = cloneResourceVector(this.requested);
    c.nonZeroRequested = cloneResourceVector(this.nonZeroRequested);
    c.allocatable = cloneResourceVector(this.allocatable);
    c.imageStates = this.imageStates;
    c.generation = this.generation;
    // Rebuilt on the clone's first query: most clones (preemption's what-ifs) never ask.
    c.labelIndex = undefined;
    c.postings = undefined;
    return c;
  }

}

const NO_NODES: ReadonlyMap<NodeInfo, number> = new Map();

/** One distinct label set of a namespace's pods, and the NodeInfos holding such pods. */
interface LabelSet {
  readonly labels: Readonly<Record<string, string>>;
  /** How many pods with exactly these labels each NodeInfo holds. */
  readonly nodes: Map<NodeInfo, number>;
}

/** The label sets of one namespace, and for each `key=value` the sets that contain it. */
interface NamespaceLabelSets {
  readonly sets: Map<string, LabelSet>;
  readonly byLabel: Map<string, Map<string, Set<LabelSet>>>;
}

/** A canonical, unambiguous text for a label set: its entries sorted by key. */
function labelSetKey(labels: Readonly<Record<string, string>>): string {
  const keys = Object.keys(labels).filter((k) => typeof labels[k] === 'string');
  if (keys.length === 0) return '';
  keys.sort();
  const entries: string[] = [];
  for (const k of keys) entries.push(k, labels[k]!);
  return JSON.stringify(entries);
}

/**
 * A cluster-wide index of the pods' labels: per namespace, every distinct label set of the pods that
 * are not terminating, with the NodeInfos holding such pods and how many each holds. Pods of one
 * workload share one label set, so the pods a selector picks are found among a few sets rather than
 * on every node. The scheduler cache keeps one over the NodeInfos it lists (see
 * `NodeInfoLister.nodesWithPodsMatching`).
 */
export class PodLabelSets {
  private readonly byNamespace = new Map<string, NamespaceLabelSets>();

  /** Adds (`delta` 1) or removes (-1) one pod of `nodeInfo`; terminating pods are not indexed. */
  update(nodeInfo: NodeInfo, pod: DeepReadonly<Pod>, delta: 1 | -1): void {
    const meta = pod.metadata;
    if (meta === undefined || (meta.deletionTimestamp !== undefined && meta.deletionTimestamp !== null)) return;
    const labels: Readonly<Record<string, string>> = meta.labels ?? {};
    const ns = meta.namespace ?? 'default';
    let nsSets = this.byNamespace.get(ns);
    if (nsSets === undefined) this.byNamespace.set(ns, (nsSets = { sets: new Map(), byLabel: new Map() }));
    const key = labelSetKey(labels);
    let set = nsSets.sets.get(key);
    if (set === undefined) {
      if (delta < 0) return;
      const own: Record<string, string> = {};
      for (const k of Object.keys(labels)) if (typeof labels[k] === 'string') own[k] = labels[k];
      set = { labels: Object.freeze(own), nodes: new Map() };
      nsSets.sets.set(key, set);
      for (const k of Object.keys(own)) {
        let byValue = nsSets.byLabel.get(k);
        if (byValue === undefined) nsSets.byLabel.set(k, (byValue = new Map()));
        let sets = byValue.get(own[k]!);
        if (sets === undefined) byValue.set(own[k]!, (sets = new Set()));
        sets.add(set);
      }
    }
    const n = (set.nodes.get(nodeInfo) ?? 0) + delta;
    if (n > 0) {
      set.nodes.set(nodeInfo, n);
      return;
    }
    set.nodes.delete(nodeInfo);
    if (set.nodes.size > 0) return;
    // No pod has these labels any more: forget the set (old revisions of a workload).
    nsSets.sets.delete(key);
    for (const k of Object.keys(set.labels)) {
      const byValue = nsSets.byLabel.get(k);
      const sets = byValue?.get(set.labels[k]!);
      if (byValue === undefined || sets === undefined) continue;
      sets.delete(set);
      if (sets.size === 0) byValue.delete(set.labels[k]!);
      if (byValue.size === 0) nsSets.byLabel.delete(k);
    }
  }

  /**
   * The NodeInfos holding pods of `namespace` that `selector` selects, with how many each holds.
   * When one label set matches, this is that set's live map (valid until the index next changes);
   * otherwise a new map.
   */
  nodesMatching(namespace: string, selector: Selector): ReadonlyMap<NodeInfo, number> {
    const nsSets = this.byNamespace.get(namespace);
    if (nsSets === undefined) return NO_NODES;
    // The sets containing the selector's rarest `key=value`, or every set when it has none.
    let candidates: Iterable<LabelSet> = nsSets.sets.values();
    let fewest = Number.POSITIVE_INFINITY;
    for (const r of selector.requirements()) {
      const value = exactMatchValue(r);
      if (value === undefined) continue;
      const sets = nsSets.byLabel.get(r.key)?.get(value);
      if (sets === undefined) return NO_NODES;
      if (sets.size < fewest) {
        fewest = sets.size;
        candidates = sets;
      }
    }
    let only: LabelSet | undefined;
    let merged: Map<NodeInfo, number> | undefined;
    for (const set of candidates) {
      if (!selector.matches(set.labels)) continue;
      if (only === undefined) {
        only = set;
        continue;
      }
      if (merged === undefined) merged = new Map(only.nodes);
      for (const [ni, n] of set.nodes) merged.set(ni, (merged.get(ni) ?? 0) + n);
    }
    return merged ?? only?.nodes ?? NO_NODES;
  }
}

function sameResourceVector(a: Readonly<ResourceVector>, b: Readonly<ResourceVector>): boolean {
  if (a.milliCPU !== b.milliCPU || a.memory !== b.memory || a.ephemeralStorage !== b.ephemeralStorage || a.allowedPodNumber !== b.allowedPodNumber) return false;
  if (a.scalar.size !== b.scalar.size) return false;
  for (const [k, v] of a.scalar) if (b.scalar.get(k) !== v) return false;
  return true;
}

/** Whether two versions of a pod stand the same in the label indexes: namespace, labels, terminating. */
function sameIndexedLabels(a: DeepReadonly<Pod>, b: DeepReadonly<Pod>): boolean {
  const ma = a.metadata;
  const mb = b.metadata;
  if (ma === undefined || mb === undefined) return ma === mb;
  if ((ma.namespace ?? 'default') !== (mb.namespace ?? 'default')) return false;
  const ta = ma.deletionTimestamp !== undefined && ma.deletionTimestamp !== null;
  const tb = mb.deletionTimestamp !== undefined && mb.deletionTimestamp !== null;
  if (ta !== tb) return false;
  return sameLabelMaps(ma.labels, mb.labels);
}

/** Adds (`delta` 1) or removes (-1) a pod's labels in a `countPodsWithLabel` index; terminating pods are not indexed. */
function indexPodLabels(index: Map<string, Map<string, Map<string, number>>>, pod: DeepReadonly<Pod>, delta: 1 | -1): void {
  const meta = pod.metadata;
  if (meta === undefined || (meta.deletionTimestamp !== undefined && meta.deletionTimestamp !== null)) return;
  const labels = meta.labels;
  if (labels === undefined || labels === null) return;
  const ns = meta.namespace ?? 'default';
  let byKey = index.get(ns);
  if (byKey === undefined) index.set(ns, (byKey = new Map()));
  for (const key in labels) {
    const value = labels[key];
    if (typeof value !== 'string') continue;
    let byValue = byKey.get(key);
    if (byValue === undefined) byKey.set(key, (byValue = new Map()));
    const n = (byValue.get(value) ?? 0) + delta;
    if (n > 0) byValue.set(value, n);
    else byValue.delete(value);
  }
}

/** Builds a NodeInfo from a node and the pods bound to it (for tests and the what-if tools). */
export function newNodeInfo(node: DeepReadonly<Node>, pods: readonly DeepReadonly<Pod>[] = []): MutableNodeInfo {
  const ni = new MutableNodeInfo(node);
  for (const p of pods) ni.addPod(newPodInfo(p));
  return ni;
}
