/**
 * Whole clusters: nodes with unique names, pods already bound to existing nodes, pending pods, and
 * the namespaces, PriorityClasses and PodDisruptionBudgets they refer to.
 */
import fc from 'fast-check';
import type { KubeObject } from 'kubeprop';
import { list, range, vocabulary } from './compose.js';
import { namespace, type NamespaceObject } from './namespace.js';
import { node, nodeNames, renameNode, type NodeConstraints, type NodeObject } from './node.js';
import { pod, type PodConstraints, type PodObject } from './pod.js';
import { podDisruptionBudget, type PodDisruptionBudgetObject } from './pod-disruption-budget.js';
import type { PriorityClassObject } from './priority-class.js';
import { DEFAULT_NAMESPACES, DEFAULT_PRIORITY_LEVELS } from './vocabulary.js';

/** A consistent cluster. Every name and uid is unique; every bound pod is on a node of `nodes`. */
export interface Cluster {
  readonly nodes: readonly NodeObject[];
  /** Pods with `spec.nodeName` set to one of `nodes`. */
  readonly boundPods: readonly PodObject[];
  /** Pods without `spec.nodeName`, in the order they would be created. */
  readonly pendingPods: readonly PodObject[];
  /** One per namespace of the vocabulary, whether or not a pod uses it. */
  readonly namespaces: readonly NamespaceObject[];
  /** The PriorityClasses the pods refer to. */
  readonly priorityClasses: readonly PriorityClassObject[];
  readonly podDisruptionBudgets: readonly PodDisruptionBudgetObject[];
}

/** Pod options a cluster passes on; names, namespaces, uids and binding are the cluster's. */
export type ClusterPodConstraints = Omit<PodConstraints, 'name' | 'namespace' | 'namespaces' | 'uid' | 'nodeName' | 'nodeNames'>;

/** Options of {@link cluster}. */
export interface ClusterConstraints {
  /** Fewest nodes. Default 1. */
  readonly minNodes?: number;
  /** Most nodes. Default 4. */
  readonly maxNodes?: number;
  /** Most pods already bound to nodes. Default 4. */
  readonly maxBoundPods?: number;
  /** Fewest pending pods. Default 0. */
  readonly minPendingPods?: number;
  /** Most pending pods. Default 3. */
  readonly maxPendingPods?: number;
  /** Namespaces. Default {@link DEFAULT_NAMESPACES}. */
  readonly namespaces?: readonly string[];
  /** Most PodDisruptionBudgets. Default 1. */
  readonly maxPodDisruptionBudgets?: number;
  /** Options for every node (the cluster names them `node-0`, `node-1`, ...). */
  readonly node?: Omit<NodeConstraints, 'name'>;
  /** Options for every pod. */
  readonly pod?: ClusterPodConstraints;
  /** Options for pending pods only, on top of `pod`. */
  readonly pendingPod?: ClusterPodConstraints;
}

/**
 * A cluster. Nodes are named `node-0` … in order; bound pods `bound-0` …, pending pods
 * `pending-0` …; uids are `uid-<namespace>-<name>`. Pods' hostname selectors and affinities refer
 * to the names nodes can have, so they match existing nodes or not depending on the node count.
 * Shrinks towards one node and no pods.
 */
export function cluster(constraints: ClusterConstraints = {}): fc.Arbitrary<Cluster> {
  const nodes = range('cluster nodes', constraints.minNodes ?? 1, constraints.maxNodes ?? 4);
  const bound = range('cluster bound pods', 0, constraints.maxBoundPods ?? 4);
  const pending = range('cluster pending pods', constraints.minPendingPods ?? 0, constraints.maxPendingPods ?? 3);
  const namespaces = vocabulary('cluster.namespaces', constraints.namespaces ?? DEFAULT_NAMESPACES);
  const names = nodeNames(Math.max(nodes.max, 1));
  const podBase: PodConstraints = { ...(constraints.pod ?? {}), namespaces, nodeNames: names };
  const levels = constraints.pod?.priorityLevels ?? DEFAULT_PRIORITY_LEVELS;

  return fc
    .record({
      nodes: list(node(constraints.node ?? {}), { minLength: nodes.min, maxLength: nodes.max }),
      // A bound pod carries the index of its node; the node count is only known after shrinking.
      bound: list(fc.tuple(pod({ ...podBase, schedulingGatesPercent: 0 }), fc.nat({ max: Math.max(nodes.max - 1, 0) })), {
        maxLength: bound.max,
      }),
      pending: list(pod({ ...podBase, ...(constraints.pendingPod ?? {}) }), { minLength: pending.min, maxLength: pending.max }),
      namespaces: fc.tuple(...namespaces.map((name) => namespace({ name }))),
      pdbs: list(podDisruptionBudget({ namespaces }), { maxLength: constraints.maxPodDisruptionBudgets ?? 1 }),
    })
    .map((d) => {
      const nodeList = d.nodes.map((n, i) => renameNode(n, `node-${i}`));
      const named = (p: PodObject, name: string, nodeName?: string): PodObject => {
        const ns = p.metadata.namespace ?? 'default';
        const spec = nodeName === undefined ? p.spec : { ...p.spec!, nodeName };
        return { ...p, metadata: { ...p.metadata, name, uid: `uid-${ns}-${name}` }, ...(spec !== undefined ? { spec } : {}) };
      };
      const boundPods = nodeList.length === 0 ? [] : d.bound.map(([p, idx], i) => named(p, `bound-${i}`, nodeList[idx % nodeList.length]!.metadata.name!));
      const pendingPods = d.pending.map((p, i) => named(p, `pending-${i}`));
      const used = new Set([...boundPods, ...pendingPods].map((p) => p.spec?.priorityClassName).filter((n): n is string => n !== undefined));
      const priorityClasses: PriorityClassObject[] = levels
        .filter((l) => used.has(l.name))
        .map((l) => ({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: l.name }, value: l.value }));
      const podDisruptionBudgets = d.pdbs.map((b, i) => ({ ...b, metadata: { ...b.metadata, name: `pdb-${i}` } }));
      return { nodes: nodeList, boundPods, pendingPods, namespaces: d.namespaces, priorityClasses, podDisruptionBudgets };
    });
}

/**
 * Every object of a cluster in an order the API server would accept them (namespaces and classes
 * before the pods that use them), as input for `runWhatIf` or a simulation.
 */
export function clusterObjects(c: Cluster): KubeObject[] {
  return [...c.namespaces, ...c.priorityClasses, ...c.nodes, ...c.podDisruptionBudgets, ...c.boundPods, ...c.pendingPods];
}
