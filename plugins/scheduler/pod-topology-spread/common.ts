/**
 * What PodTopologySpread's filtering, scoring and queueing hints share: the parsed constraint, the
 * node inclusion policies, the default selector deduced from a pod's Services and controller, and
 * the pod counting rule.
 *
 * Mirrors `pkg/scheduler/framework/plugins/podtopologyspread/common.go` and
 * `pkg/scheduler/framework/plugins/helper/spread.go` (`DefaultSelector`, `GetPodServices`).
 */
import {
  doNotScheduleTaintsFilter,
  exactMatchValue,
  findMatchingUntoleratedTaint,
  matchesNothing,
  selectorFromSet,
  tryLabelSelectorAsSelector,
  type DeepReadonly,
  type KubeObject,
  type Node,
  type NodeInfo,
  type ObjectLister,
  type Pod,
  type PodInfo,
  type RequiredNodeAffinity,
  type Selector,
  type TopologySpreadConstraint,
} from 'kubeprop';

/** Upstream `v1.LabelHostname`: per-node domains, counted on the node itself when scoring. */
export const LABEL_HOSTNAME = 'kubernetes.io/hostname';

/** A node inclusion policy as written; anything but `Honor` behaves as `Ignore`, as upstream. */
export type NodeInclusionPolicy = 'Honor' | 'Ignore' | (string & {});

/**
 * Upstream `topologySpreadConstraint`: a pod's constraint with its selector compiled and the
 * optional fields defaulted (`minDomains` 1, `nodeAffinityPolicy` Honor, `nodeTaintsPolicy` Ignore).
 */
export interface SpreadConstraint {
  readonly maxSkew: number;
  readonly topologyKey: string;
  readonly selector: Selector;
  readonly minDomains: number;
  readonly nodeAffinityPolicy: NodeInclusionPolicy;
  readonly nodeTaintsPolicy: NodeInclusionPolicy;
}

/** `whenUnsatisfiable` values (upstream `UnsatisfiableConstraintAction`). */
export type UnsatisfiableAction = 'DoNotSchedule' | 'ScheduleAnyway';

/** Constraints, or the error upstream would return while parsing them. */
export type ConstraintsResult =
  | { readonly ok: true; readonly constraints: readonly SpreadConstraint[] }
  | { readonly ok: false; readonly error: string };

const NO_CONSTRAINTS: ConstraintsResult = Object.freeze({ ok: true, constraints: Object.freeze([]) as readonly SpreadConstraint[] });

/** The namespace of a pod as the counting rules compare it. */
export function podNamespace(pod: DeepReadonly<Pod>): string {
  return pod.metadata?.namespace ?? 'default';
}

/**
 * Whether `labels` has `key` as an own label. Label values are strings, while every inherited
 * member of a plain object (`constructor`, `toString`, ...) is not, so this is an exact test.
 */
export function hasLabel(labels: Readonly<Record<string, string>> | undefined, key: string): boolean {
  return labels !== undefined && typeof labels[key] === 'string';
}

/** The value of an own label, or `undefined`. */
export function labelValue(labels: Readonly<Record<string, string>> | undefined, key: string): string | undefined {
  if (labels === undefined) return undefined;
  const v: unknown = labels[key];
  return typeof v === 'string' ? v : undefined;
}

/** Upstream `nodeLabelsMatchSpreadConstraints`: the node has every constraint's topology key. */
export function nodeLabelsMatchSpreadConstraints(
  labels: Readonly<Record<string, string>> | undefined,
  constraints: readonly SpreadConstraint[],
): boolean {
  for (let i = 0; i < constraints.length; i++) {
    if (!hasLabel(labels, (constraints[i] as SpreadConstraint).topologyKey)) return false;
  }
  return true;
}

/**
 * Upstream `matchNodeInclusionPolicies`: with `nodeAffinityPolicy: Honor` the node must satisfy the
 * pod's node selector and required node affinity (parse errors ignored); with
 * `nodeTaintsPolicy: Honor` it must have no untolerated `NoSchedule`/`NoExecute` taint.
 */
export function matchNodeInclusionPolicies(
  c: SpreadConstraint,
  pod: DeepReadonly<Pod>,
  node: DeepReadonly<Node>,
  requiredNodeAffinity: RequiredNodeAffinity,
): boolean {
  if (c.nodeAffinityPolicy === 'Honor' && !requiredNodeAffinity.match(node)) return false;
  if (c.nodeTaintsPolicy === 'Honor' && hasUntoleratedTaint(pod, node)) return false;
  return true;
}

/** Whether `node` has a `NoSchedule`/`NoExecute` taint that `pod` does not tolerate. */
export function hasUntoleratedTaint(pod: DeepReadonly<Pod>, node: DeepReadonly<Node>): boolean {
  return findMatchingUntoleratedTaint(node.spec?.taints, pod.spec?.tolerations, doNotScheduleTaintsFilter) !== undefined;
}

/**
 * Upstream `countPodsMatchSelector`: the pods of one node that are in namespace `ns`, not
 * terminating, and selected. An empty selector (`{}`, i.e. everything) counts 0, exactly as
 * upstream's early return on `selector.Empty()`; a selector that matches nothing counts 0 too.
 */
export function countPodsMatchSelector(pods: readonly PodInfo[], selector: Selector, ns: string): number {
  if (selector.isEmpty() || matchesNothing(selector)) return 0;
  let count = 0;
  for (let i = 0; i < pods.length; i++) {
    const p = (pods[i] as PodInfo).pod;
    const meta = p.metadata;
    // Terminating pods are bypassed (upstream #87621).
    if (meta === undefined || (meta.deletionTimestamp !== undefined && meta.deletionTimestamp !== null)) continue;
    if ((meta.namespace ?? 'default') !== ns) continue;
    if (selector.matches(meta.labels)) count++;
  }
  return count;
}

/**
 * {@link countPodsMatchSelector} over a node's pods, answered from the node's label index
 * (`countPodsWithLabel`) when the selector allows: one `key=value` requirement is the count itself,
 * and a node with no pod for some `key=value` requirement counts 0. Other selectors scan the pods.
 */
export function countNodePodsMatchSelector(nodeInfo: NodeInfo, selector: Selector, ns: string): number {
  if (selector.isEmpty() || matchesNothing(selector)) return 0;
  if (nodeInfo.countPodsWithLabel !== undefined) {
    const reqs = selector.requirements();
    for (let i = 0; i < reqs.length; i++) {
      const r = reqs[i] as (typeof reqs)[number];
      const value = exactMatchValue(r);
      if (value === undefined) continue;
      const c = nodeInfo.countPodsWithLabel(ns, r.key, value);
      if (c === 0 || reqs.length === 1) return c;
    }
  }
  return countPodsMatchSelector(nodeInfo.pods, selector, ns);
}

/**
 * The per-node counts of one `(namespace, selector)`, by position in a node list, reused across
 * scheduling cycles while the NodeInfo at that position is the same object with the same
 * `generation` (NodeInfos bump it on every pod or node change). A pure cache: results are exactly
 * those of {@link countPodsMatchSelector}.
 */
export class SelectorCountMemo {
  private readonly nodes: (NodeInfo | undefined)[] = [];
  private readonly generations: number[] = [];
  private readonly counts: number[] = [];

  constructor(
    readonly selector: Selector,
    readonly namespace: string,
  ) {}

  /** Makes room for `n` positions (keeps the arrays packed). */
  reserve(n: number): void {
    while (this.nodes.length < n) {
      this.nodes.push(undefined);
      this.generations.push(-1);
      this.counts.push(0);
    }
  }

  /** The count for `nodeInfo`, at position `index` (< the reserved size) of the caller's list. */
  count(index: number, nodeInfo: NodeInfo): number {
    if (this.nodes[index] === nodeInfo && this.generations[index] === nodeInfo.generation) return this.counts[index] as number;
    const c = countNodePodsMatchSelector(nodeInfo, this.selector, this.namespace);
    this.nodes[index] = nodeInfo;
    this.generations[index] = nodeInfo.generation;
    this.counts[index] = c;
    return c;
  }
}

/** A bounded set of {@link SelectorCountMemo}s, one per `(namespace, selector)`; oldest evicted first. */
export class PodCountCache {
  private readonly memos = new Map<string, SelectorCountMemo>();

  constructor(private readonly max = 32) {}

  /** The memo for `selector` in `namespace`, sized for `nodeCount` positions. */
  memo(selector: Selector, namespace: string, nodeCount: number): SelectorCountMemo {
    const key = `${namespace}\u0000${selector.toString()}`;
    let m = this.memos.get(key);
    if (m === undefined) {
      if (this.memos.size >= this.max) {
        const oldest = this.memos.keys().next();
        if (oldest.done !== true) this.memos.delete(oldest.value);
      }
      m = new SelectorCountMemo(selector, namespace);
      this.memos.set(key, m);
    }
    m.reserve(nodeCount);
    return m;
  }
}

/** Upstream `podLabelsMatchSpreadConstraints`: some constraint's selector matches `labels`. */
export function podLabelsMatchSpreadConstraints(
  constraints: readonly SpreadConstraint[],
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  for (const c of constraints) if (c.selector.matches(labels)) return true;
  return false;
}

/**
 * Upstream `mergeLabelSetWithSelector`: the `key=value` pairs first, then the selector's own
 * requirements. A selector that matches nothing (a nil `labelSelector`) stays as it is.
 */
function mergeLabelSetWithSelector(matchLabels: Record<string, string>, s: Selector): Selector {
  if (matchesNothing(s)) return s;
  return selectorFromSet(matchLabels).add(...s.requirements());
}

/**
 * Upstream `filterTopologySpreadConstraints`: the constraints with `whenUnsatisfiable === action`,
 * parsed. `matchLabelKeys` (feature `MatchLabelKeysInPodTopologySpread`, beta and on in v1.35)
 * are still resolved here against the pod's labels and ANDed into the selector: kube-apiserver
 * v1.34+ already merges them at pod creation, and merging the same `key=value` again changes
 * nothing, while pods created without that merge keep working.
 */
export function filterTopologySpreadConstraints(
  constraints: readonly DeepReadonly<TopologySpreadConstraint>[],
  podLabels: Readonly<Record<string, string>> | undefined,
  action: UnsatisfiableAction,
): ConstraintsResult {
  let out: SpreadConstraint[] | undefined;
  for (const c of constraints) {
    if (c.whenUnsatisfiable !== action) continue;
    const parsed = tryLabelSelectorAsSelector(c.labelSelector);
    if (!parsed.ok) return { ok: false, error: parsed.error };
    let selector = parsed.selector;
    const keys = c.matchLabelKeys;
    if (keys !== undefined && keys !== null && keys.length > 0) {
      let matchLabels: Record<string, string> | undefined;
      for (const k of keys) {
        const v = labelValue(podLabels, k);
        if (v === undefined) continue;
        matchLabels ??= {};
        matchLabels[k] = v;
      }
      if (matchLabels !== undefined) selector = mergeLabelSetWithSelector(matchLabels, selector);
    }
    const minDomains = c.minDomains;
    const nodeAffinityPolicy = c.nodeAffinityPolicy;
    const nodeTaintsPolicy = c.nodeTaintsPolicy;
    (out ??= []).push({
      maxSkew: c.maxSkew,
      topologyKey: c.topologyKey,
      selector,
      minDomains: minDomains === undefined || minDomains === null ? 1 : minDomains,
      nodeAffinityPolicy: nodeAffinityPolicy === undefined || nodeAffinityPolicy === null ? 'Honor' : nodeAffinityPolicy,
      nodeTaintsPolicy: nodeTaintsPolicy === undefined || nodeTaintsPolicy === null ? 'Ignore' : nodeTaintsPolicy,
    });
  }
  return out === undefined ? NO_CONSTRAINTS : { ok: true, constraints: out };
}

interface OwnerReferenceLike {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly name?: string;
  readonly controller?: boolean;
}

/** `metav1.GetControllerOfNoCopy`: the owner reference with `controller: true`, if any. */
function controllerOf(pod: DeepReadonly<Pod>): OwnerReferenceLike | undefined {
  for (const ref of pod.metadata?.ownerReferences ?? []) if (ref.controller === true) return ref;
  return undefined;
}

/** Finds a namespaced object by name (upstream's lister `Get`). */
function findByName(objects: ObjectLister, kind: string, ns: string, name: string | undefined): DeepReadonly<KubeObject> | undefined {
  if (name === undefined) return undefined;
  return objects.get(kind, ns, name);
}

function mergeInto(set: Record<string, string>, from: unknown): void {
  if (from === undefined || from === null || typeof from !== 'object') return;
  for (const [k, v] of Object.entries(from as Record<string, unknown>)) if (typeof v === 'string') set[k] = v;
}

function specSelectorOf(obj: DeepReadonly<KubeObject>): unknown {
  return (obj as { spec?: { selector?: unknown } }).spec?.selector;
}

/**
 * Upstream `helper.DefaultSelector`: the union of the selectors of the Services in the pod's
 * namespace that select it, plus the selector of its controller when that is a
 * ReplicationController (`v1`), ReplicaSet or StatefulSet (`apps/v1`) found by name. Services with
 * no selector match nothing. The result is `everything()` when nothing contributes.
 */
export function defaultSelector(pod: DeepReadonly<Pod>, objects: ObjectLister): Selector {
  const ns = podNamespace(pod);
  const podLabels = pod.metadata?.labels;
  const labelSet: Record<string, string> = {};
  for (const svc of objects.list('Service', ns)) {
    const sel = specSelectorOf(svc);
    if (sel === undefined || sel === null || typeof sel !== 'object') continue;
    if (!selectorFromSet(sel as Record<string, string>).matches(podLabels)) continue;
    mergeInto(labelSet, sel);
  }
  let selector = selectorFromSet(labelSet);

  const owner = controllerOf(pod);
  if (owner === undefined) return selector;
  const apiVersion = owner.apiVersion ?? '';
  // `schema.ParseGroupVersion` rejects more than one slash.
  const parts = apiVersion.split('/');
  if (parts.length > 2) return selector;
  const gv = parts.length === 2 ? `${parts[0]}/${parts[1]}` : apiVersion === '' ? '' : `/${apiVersion}`;
  if (gv === '/v1' && owner.kind === 'ReplicationController') {
    const rc = findByName(objects, 'ReplicationController', ns, owner.name);
    if (rc !== undefined) {
      mergeInto(labelSet, specSelectorOf(rc));
      selector = selectorFromSet(labelSet);
    }
  } else if (gv === 'apps/v1' && (owner.kind === 'ReplicaSet' || owner.kind === 'StatefulSet')) {
    const obj = findByName(objects, `apps/${owner.kind}`, ns, owner.name);
    if (obj !== undefined) {
      const other = tryLabelSelectorAsSelector(specSelectorOf(obj) as Parameters<typeof tryLabelSelectorAsSelector>[0]);
      // With nothing from Services the result is the controller's own selector (already sorted).
      if (other.ok && !matchesNothing(other.selector)) selector = selector.isEmpty() ? other.selector : selector.add(...other.selector.requirements());
    }
  }
  return selector;
}

/**
 * Upstream `buildDefaultConstraints`: the default constraints with `whenUnsatisfiable === action`,
 * all with the pod's default selector; none when that selector is empty.
 */
export function buildDefaultConstraints(
  pod: DeepReadonly<Pod>,
  defaults: readonly DeepReadonly<TopologySpreadConstraint>[],
  action: UnsatisfiableAction,
  objects: ObjectLister,
): ConstraintsResult {
  const filtered = filterTopologySpreadConstraints(defaults, pod.metadata?.labels, action);
  if (!filtered.ok || filtered.constraints.length === 0) return filtered;
  const selector = defaultSelector(pod, objects);
  if (selector.isEmpty()) return NO_CONSTRAINTS;
  return { ok: true, constraints: filtered.constraints.map((c) => ({ ...c, selector })) };
}

/**
 * Go's `equality.Semantic.DeepEqual` as far as the hints need it: a missing field, `null`, `''`,
 * `0`, `false`, `[]` and `{}` are all the zero value and equal to each other.
 */
export function semanticDeepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const za = isZero(a);
  const zb = isZero(b);
  if (za || zb) return za && zb;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    for (let i = 0; i < a.length; i++) if (!semanticDeepEqual(a[i], bb[i])) return false;
    return true;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  for (const k of Object.keys(ao)) if (!semanticDeepEqual(ao[k], bo[k])) return false;
  for (const k of Object.keys(bo)) if (!Object.hasOwn(ao, k) && !isZero(bo[k])) return false;
  return true;
}

/** Go's semantic equality of two label maps: a missing map equals an empty one; values compare exactly. */
export function sameLabels(a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>> | undefined): boolean {
  const ak = a === undefined ? [] : Object.keys(a);
  const bk = b === undefined ? [] : Object.keys(b);
  if (ak.length !== bk.length) return false;
  for (const k of ak) if (labelValue(b, k) !== labelValue(a, k)) return false;
  return true;
}

function isZero(v: unknown): boolean {
  if (v === undefined || v === null || v === '' || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v).length === 0;
  return false;
}
