/**
 * The scheduler's cache of nodes and pods, and the snapshot a scheduling cycle reads.
 *
 * Mirrors `pkg/scheduler/backend/cache/cache.go`, `node_tree.go` and `snapshot.go`: pods are added
 * from informer events or *assumed* when the scheduler decides a placement (before the binding is
 * confirmed); the node list is ordered by upstream's `nodeTree` (nodes interleaved zone by zone, in
 * order of first appearance), because that order decides which nodes the sampling visits first.
 *
 * kubeprop runs a scheduling cycle atomically (nothing else happens in the simulation while it runs),
 * so the snapshot is a view of the cache rather than a copy; it is refreshed lazily when the cache
 * changed since the last cycle.
 */
import type { DeepReadonly, Node, Pod } from '../api/types.js';
import { sameLabelMaps, type Selector } from '../api/labels.js';
import { MutableNodeInfo, PodLabelSets, podInfoFor, type ImageStateSummary, type NodeInfo, type PodInfo } from './node-info.js';
import type { NodeInfoLister } from './plugin.js';

/** Bit 1: the node has pods with affinity; bit 2: pods with required anti-affinity. */
function affinityMembership(ni: MutableNodeInfo): number {
  return (ni.podsWithAffinity.length > 0 ? 1 : 0) | (ni.podsWithRequiredAntiAffinity.length > 0 ? 2 : 0);
}

/**
 * A copy of `list` (ordered by `index`) with `ni` added or removed; `undefined` stays undefined (the
 * list is built on demand).
 */
function withMembership(
  list: MutableNodeInfo[] | undefined,
  ni: MutableNodeInfo,
  member: boolean,
  index: ReadonlyMap<MutableNodeInfo, number>,
): MutableNodeInfo[] | undefined {
  if (list === undefined) return undefined;
  const pos = index.get(ni);
  if (pos === undefined) return undefined;
  // Binary search for the first element at or after `ni`'s position in the node list.
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((index.get(list[mid]!) ?? -1) < pos) lo = mid + 1;
    else hi = mid;
  }
  const present = lo < list.length && list[lo] === ni;
  if (member === present) return list;
  // slice and splice move the elements in bulk.
  const out = list.slice();
  if (member) out.splice(lo, 0, ni);
  else out.splice(lo, 1);
  return out;
}

/** Upstream `utilnode.GetZoneKey`: region and zone labels joined (empty when neither is set). */
export function zoneKey(node: DeepReadonly<Node>): string {
  const labels = node.metadata?.labels ?? {};
  const region = labels['topology.kubernetes.io/region'] ?? labels['failure-domain.beta.kubernetes.io/region'] ?? '';
  const zone = labels['topology.kubernetes.io/zone'] ?? labels['failure-domain.beta.kubernetes.io/zone'] ?? '';
  if (region === '' && zone === '') return '';
  return `${region}:\u0000:${zone}`;
}

/** Upstream `normalizedImageName`: appends `:latest` when the image has no tag or digest. */
export function normalizedImageName(name: string): string {
  const lastSlash = name.lastIndexOf('/');
  const lastPart = name.slice(lastSlash + 1);
  if (!lastPart.includes(':') && !lastPart.includes('@')) return `${name}:latest`;
  return name;
}

interface PodState {
  podInfo: PodInfo;
  nodeName: string;
  assumed: boolean;
  bindingFinished: boolean;
}

/** Upstream `nodeTree`: node names per zone, listed round-robin across zones. */
class NodeTree {
  private readonly zones: string[] = [];
  private readonly tree = new Map<string, string[]>();
  private count = 0;

  add(zone: string, name: string): void {
    let list = this.tree.get(zone);
    if (!list) {
      list = [];
      this.tree.set(zone, list);
      this.zones.push(zone);
    }
    if (list.includes(name)) return;
    list.push(name);
    this.count++;
  }

  remove(zone: string, name: string): void {
    const list = this.tree.get(zone);
    if (!list) return;
    const i = list.indexOf(name);
    if (i < 0) return;
    list.splice(i, 1);
    this.count--;
    if (list.length === 0) {
      this.tree.delete(zone);
      this.zones.splice(this.zones.indexOf(zone), 1);
    }
  }

  list(): string[] {
    const out: string[] = [];
    for (let idx = 0; out.length < this.count; idx++) {
      for (const z of this.zones) {
        const l = this.tree.get(z)!;
        if (idx < l.length) out.push(l[idx]!);
      }
    }
    return out;
  }
}

/** The image states of a node without images (shared, never changed). */
const NO_IMAGES: Map<string, ImageStateSummary> = new Map();

type ContainerImages = NonNullable<NonNullable<Node['status']>['images']>;

/** Whether two image lists of a node are equal (names in order and sizes). */
function sameImages(a: DeepReadonly<ContainerImages> | undefined, b: DeepReadonly<ContainerImages> | undefined): boolean {
  if (a === b) return true;
  const la = a ?? [];
  const lb = b ?? [];
  if (la.length !== lb.length) return false;
  for (let i = 0; i < la.length; i++) {
    const x = la[i]!;
    const y = lb[i]!;
    if (x === y) continue;
    if ((x.sizeBytes ?? 0) !== (y.sizeBytes ?? 0)) return false;
    const nx = x.names ?? [];
    const ny = y.names ?? [];
    if (nx.length !== ny.length) return false;
    for (let j = 0; j < nx.length; j++) if (nx[j] !== ny[j]) return false;
  }
  return true;
}

/** The scheduler cache. All methods are synchronous and deterministic. */
export class SchedulerCache implements NodeInfoLister {
  private readonly nodes = new Map<string, MutableNodeInfo>();
  private readonly nodeZones = new Map<string, string>();
  private readonly tree = new NodeTree();
  private readonly pods = new Map<string, PodState>();
  /** Pods bound to nodes the cache has not seen yet (upstream keeps "ghost" NodeInfos). */
  private readonly orphanPods = new Map<string, Map<string, PodInfo>>();
  private listCache: MutableNodeInfo[] | undefined;
  /** Position of each node in `listCache` (built with it), to keep the lists below in its order. */
  private listIndex: Map<MutableNodeInfo, number> | undefined;
  private affinityListCache: MutableNodeInfo[] | undefined;
  private antiAffinityListCache: MutableNodeInfo[] | undefined;
  /** `domainCount` answers by topology key; dropped when nodes come, go or change labels. */
  private readonly domainCounts = new Map<string, number>();
  /** Image summaries by normalized name, shared by the NodeInfos holding the image. */
  private readonly imageSummaries = new Map<string, { sizeBytes: number; numNodes: number }>();
  /** The `imageStates` maps in use, by their names (in order), with how many nodes share each. */
  private readonly imageStateMaps = new Map<string, { states: Map<string, ImageStateSummary>; nodes: number }>();
  /** Pod label sets over the listed NodeInfos (see `nodesWithPodsMatching`); each NodeInfo reports to it. */
  private readonly postings = new PodLabelSets();
  /** Bumped on every change. */
  generation = 0;
  /**
   * The journal behind `nodesChangedSince`: the NodeInfos changed since the last structural change,
   * in order; `journalStart` is the mark of its first entry, `mark` the mark after its last one.
   */
  private journal: MutableNodeInfo[] = [];
  private journalStart = 0;
  private mark = 0;
  /** Entries kept in the journal; older marks get `undefined` (a full look at every node). */
  private static readonly JOURNAL_MAX = 4096;

  /**
   * Records a change. The node list is rebuilt only after a structural change. The lists of nodes
   * with (anti-)affinity pods are dropped here only for changes of nodes; pod changes keep them up
   * to date in `attach`/`detach`, since most pods have no affinity and leave them as they are.
   */
  private changed(structural: boolean, podChange = false): void {
    this.generation++;
    if (structural) {
      this.domainCounts.clear();
      this.listCache = undefined;
      this.listIndex = undefined;
      // The node list changed: marks taken before say nothing about the new one.
      this.mark++;
      this.journal = [];
      this.journalStart = this.mark;
    }
    if (!podChange) {
      this.affinityListCache = undefined;
      this.antiAffinityListCache = undefined;
    }
  }

  /**
   * Bookkeeping after the pods of a listed node changed: journals the node, and keeps the cached
   * lists of nodes with (anti-)affinity pods in step (`before` is `affinityMembership(ni)` before the
   * change). A node joining or leaving a list makes a new array (lists already handed out stay as
   * they were), in node-list order.
   */
  private nodePodsChanged(ni: MutableNodeInfo, before: number): void {
    this.recordNodeChange(ni);
    const after = affinityMembership(ni);
    if (after === before) return;
    const index = this.listIndex;
    const changedBits = after ^ before;
    if (changedBits & 1) this.affinityListCache = index === undefined ? undefined : withMembership(this.affinityListCache, ni, (after & 1) !== 0, index);
    if (changedBits & 2) this.antiAffinityListCache = index === undefined ? undefined : withMembership(this.antiAffinityListCache, ni, (after & 2) !== 0, index);
  }

  /** Journals a change of a listed node's NodeInfo (see `nodesChangedSince`). */
  private recordNodeChange(ni: MutableNodeInfo): void {
    if (this.journal.length >= SchedulerCache.JOURNAL_MAX) {
      const drop = this.journal.length >> 1;
      this.journal = this.journal.slice(drop);
      this.journalStart += drop;
    }
    this.journal.push(ni);
    this.mark++;
  }

  /** See `NodeInfoLister.changeMark`. */
  changeMark(): number {
    return this.mark;
  }

  /** See `NodeInfoLister.domainCount`. */
  domainCount(topologyKey: string): number {
    let n = this.domainCounts.get(topologyKey);
    if (n === undefined) {
      const values = new Set<string>();
      for (const ni of this.nodes.values()) {
        const v: unknown = ni.node.metadata?.labels?.[topologyKey];
        values.add(typeof v === 'string' ? v : '');
      }
      n = values.size;
      this.domainCounts.set(topologyKey, n);
    }
    return n;
  }

  /** See `NodeInfoLister.nodesWithPodsMatching`. */
  nodesWithPodsMatching(namespace: string, selector: Selector): ReadonlyMap<NodeInfo, number> {
    return this.postings.nodesMatching(namespace, selector);
  }

  /** See `NodeInfoLister.nodesChangedSince`. */
  nodesChangedSince(mark: number): readonly NodeInfo[] | undefined {
    if (!Number.isSafeInteger(mark) || mark < this.journalStart || mark > this.mark) return undefined;
    return this.journal.slice(mark - this.journalStart);
  }

  // ---- nodes ----

  addNode(node: DeepReadonly<Node>): void {
    const name = node.metadata?.name ?? '';
    const existing = this.nodes.get(name);
    if (existing) {
      this.updateNode(node);
      return;
    }
    const ni = new MutableNodeInfo(node);
    ni.postings = this.postings;
    const orphans = this.orphanPods.get(name);
    if (orphans) {
      for (const pi of orphans.values()) ni.addPod(pi);
      this.orphanPods.delete(name);
    }
    this.nodes.set(name, ni);
    const z = zoneKey(node);
    this.nodeZones.set(name, z);
    this.tree.add(z, name);
    this.addNodeImages(ni);
    this.changed(true);
  }

  updateNode(node: DeepReadonly<Node>): void {
    const name = node.metadata?.name ?? '';
    const ni = this.nodes.get(name);
    if (!ni) {
      this.addNode(node);
      return;
    }
    const oldZone = this.nodeZones.get(name) ?? '';
    const z = zoneKey(node);
    if (!sameLabelMaps(ni.node.metadata?.labels, node.metadata?.labels)) this.domainCounts.clear();
    // Kubelets' status updates rarely change the image list.
    const imagesChanged = !sameImages(ni.node.status?.images, node.status?.images);
    if (imagesChanged) this.removeNodeImages(ni);
    ni.setNode(node);
    if (imagesChanged) this.addNodeImages(ni);
    if (z !== oldZone) {
      this.tree.remove(oldZone, name);
      this.tree.add(z, name);
      this.nodeZones.set(name, z);
      this.changed(true);
    } else {
      this.recordNodeChange(ni);
      this.changed(false);
    }
  }

  removeNode(name: string): void {
    const ni = this.nodes.get(name);
    if (!ni) return;
    this.tree.remove(this.nodeZones.get(name) ?? '', name);
    this.nodes.delete(name);
    this.nodeZones.delete(name);
    // Pods still bound to a deleted node stay known until their own deletion arrives.
    if (ni.pods.length > 0) this.orphanPods.set(name, new Map(ni.pods.map((p) => [p.pod.metadata?.uid ?? '', p])));
    for (const p of ni.pods) this.postings.update(ni, p.pod, -1);
    ni.postings = undefined;
    this.removeNodeImages(ni);
    this.changed(true);
  }

  // ---- pods ----

  private attach(nodeName: string, pi: PodInfo): void {
    const ni = this.nodes.get(nodeName);
    if (ni) {
      const before = affinityMembership(ni);
      ni.addPod(pi);
      this.nodePodsChanged(ni, before);
    } else {
      let m = this.orphanPods.get(nodeName);
      if (!m) this.orphanPods.set(nodeName, (m = new Map()));
      m.set(pi.pod.metadata?.uid ?? '', pi);
    }
  }

  private detach(nodeName: string, pod: DeepReadonly<Pod>, known?: PodInfo): void {
    const ni = this.nodes.get(nodeName);
    if (ni) {
      const before = affinityMembership(ni);
      ni.removePod(pod, known);
      this.nodePodsChanged(ni, before);
    } else {
      this.orphanPods.get(nodeName)?.delete(pod.metadata?.uid ?? '');
    }
  }

  /** Whether the pod is assumed (placed by this scheduler, binding not yet confirmed). */
  isAssumedPod(uid: string): boolean {
    return this.pods.get(uid)?.assumed ?? false;
  }

  /** The node a known pod is on. */
  podNodeName(uid: string): string | undefined {
    return this.pods.get(uid)?.nodeName;
  }

  /** Upstream `AssumePod`: account the pod on `nodeName` before the binding is confirmed. */
  assumePod(pod: DeepReadonly<Pod>, nodeName: string, podInfo?: PodInfo): void {
    const uid = pod.metadata?.uid ?? '';
    if (this.pods.has(uid)) return;
    const pi = podInfoFor(pod, podInfo);
    this.pods.set(uid, { podInfo: pi, nodeName, assumed: true, bindingFinished: false });
    this.attach(nodeName, pi);
    this.changed(false, true);
  }

  /** Upstream `FinishBinding`. */
  finishBinding(uid: string): void {
    const st = this.pods.get(uid);
    if (st?.assumed) st.bindingFinished = true;
  }

  /** Upstream `ForgetPod`: undo an assumption (binding failed or was rejected). */
  forgetPod(pod: DeepReadonly<Pod>): void {
    const uid = pod.metadata?.uid ?? '';
    const st = this.pods.get(uid);
    if (!st || !st.assumed) return;
    this.detach(st.nodeName, st.podInfo.pod, st.podInfo);
    this.pods.delete(uid);
    this.changed(false, true);
  }

  /** Upstream `AddPod` (an assigned pod from the informer); confirms an assumed pod. */
  addPod(pod: DeepReadonly<Pod>): void {
    const uid = pod.metadata?.uid ?? '';
    const nodeName = pod.spec?.nodeName ?? '';
    const st = this.pods.get(uid);
    const pi = podInfoFor(pod, st?.podInfo);
    const same = st !== undefined ? this.nodes.get(st.nodeName) : undefined;
    if (same !== undefined && st!.nodeName === nodeName) {
      // The usual confirmation of an assumed pod on its node: the node's membership in the
      // affinity lists is compared across the swap, not after each half of it.
      const before = affinityMembership(same);
      same.replacePod(st!.podInfo, pi);
      this.nodePodsChanged(same, before);
    } else {
      // The informer confirms an assumed pod, possibly on another node than assumed.
      if (st) this.detach(st.nodeName, st.podInfo.pod, st.podInfo);
      this.attach(nodeName, pi);
    }
    this.pods.set(uid, { podInfo: pi, nodeName, assumed: false, bindingFinished: true });
    this.changed(false, true);
  }

  updatePod(pod: DeepReadonly<Pod>): void {
    this.addPod(pod);
  }

  removePod(pod: DeepReadonly<Pod>): void {
    const uid = pod.metadata?.uid ?? '';
    const st = this.pods.get(uid);
    if (!st) return;
    this.detach(st.nodeName, st.podInfo.pod, st.podInfo);
    this.pods.delete(uid);
    this.changed(false, true);
  }

  podCount(): number {
    return this.pods.size;
  }

  // ---- snapshot (NodeInfoLister) ----

  /**
   * Upstream `addNodeImageStates`: the node's images (names normalized, a name listed twice counted
   * once) join the cluster-wide summaries, which every NodeInfo holding an image shares, so that
   * `numNodes` is current on all of them. A new summary takes the size the first node reports.
   * Nodes with the same image names share one (never changed) `imageStates` map, as most nodes of a
   * cluster do: score loops then read the same few maps.
   */
  private addNodeImages(ni: MutableNodeInfo): void {
    const names: string[] = [];
    const sizes: number[] = [];
    const seen = new Set<string>();
    for (const img of ni.node.status?.images ?? []) {
      for (const n of img.names ?? []) {
        const name = normalizedImageName(n);
        if (seen.has(name)) continue;
        seen.add(name);
        names.push(name);
        sizes.push(img.sizeBytes ?? 0);
      }
    }
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      let summary = this.imageSummaries.get(name);
      if (summary === undefined) this.imageSummaries.set(name, (summary = { sizeBytes: sizes[i]!, numNodes: 0 }));
      summary.numNodes++;
    }
    if (names.length === 0) {
      ni.imageStates = NO_IMAGES;
      return;
    }
    const key = JSON.stringify(names);
    let shared = this.imageStateMaps.get(key);
    if (shared === undefined) {
      const states = new Map<string, ImageStateSummary>();
      for (const name of names) states.set(name, this.imageSummaries.get(name)!);
      this.imageStateMaps.set(key, (shared = { states, nodes: 0 }));
    }
    shared.nodes++;
    ni.imageStates = shared.states;
  }

  /** Upstream `removeNodeImageStates`: the node leaves its images' summaries; unused ones go. */
  private removeNodeImages(ni: MutableNodeInfo): void {
    if (ni.imageStates.size === 0) return;
    for (const [name, summary] of ni.imageStates) {
      const s = summary as { numNodes: number };
      s.numNodes--;
      if (s.numNodes === 0) this.imageSummaries.delete(name);
    }
    const key = JSON.stringify([...ni.imageStates.keys()]);
    const shared = this.imageStateMaps.get(key);
    if (shared !== undefined && --shared.nodes === 0) this.imageStateMaps.delete(key);
    ni.imageStates = NO_IMAGES;
  }

  list(): readonly NodeInfo[] {
    if (!this.listCache) {
      this.listCache = this.tree.list().map((n) => this.nodes.get(n)!);
      this.listIndex = new Map(this.listCache.map((n, i) => [n, i]));
    }
    return this.listCache;
  }

  get(nodeName: string): NodeInfo | undefined {
    return this.nodes.get(nodeName);
  }

  /** The mutable NodeInfo (for the scheduler's own bookkeeping only). */
  mutableNode(nodeName: string): MutableNodeInfo | undefined {
    return this.nodes.get(nodeName);
  }

  havePodsWithAffinityList(): readonly NodeInfo[] {
    this.affinityListCache ??= (this.list() as MutableNodeInfo[]).filter((n) => n.podsWithAffinity.length > 0);
    return this.affinityListCache;
  }

  havePodsWithRequiredAntiAffinityList(): readonly NodeInfo[] {
    this.antiAffinityListCache ??= (this.list() as MutableNodeInfo[]).filter((n) => n.podsWithRequiredAntiAffinity.length > 0);
    return this.antiAffinityListCache;
  }

  nodeCount(): number {
    return this.nodes.size;
  }
}
