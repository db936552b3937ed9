/**
 * Invariant: the scheduler never overcommits a node. For every node that received a pod from the
 * scheduler, the requests of all pods on it fit its allocatable cpu, memory and pod count.
 *
 * Only resources the placed pods actually request are checked: NodeResourcesFit (like upstream)
 * does not look at a resource a pod requests none of, so a node that was already overcommitted
 * before the run may legitimately receive a pod that requests none of the exhausted resource.
 */
import { podRequests, resourceVectorFromList, type DeepReadonly, type Node, type Pod } from 'kubeprop';

/** A node whose pods' requests exceed its allocatable. */
export interface Overcommit {
  readonly node: string;
  readonly resource: 'cpu' | 'memory' | 'pods';
  /** Sum of the requests (millicores, bytes or pods). */
  readonly requested: number;
  readonly allocatable: number;
  /** The pods on the node, `namespace/name`. */
  readonly pods: readonly string[];
}

function ref(p: DeepReadonly<Pod>): string {
  return `${p.metadata?.namespace ?? 'default'}/${p.metadata?.name ?? ''}`;
}

/**
 * The overcommitted nodes. `pods` are all pods bound at the end; `placed` are the `namespace/name`
 * keys of the pods the scheduler bound (the others were bound before it ran).
 */
export function findOvercommits(nodes: readonly DeepReadonly<Node>[], pods: readonly DeepReadonly<Pod>[], placed: ReadonlySet<string>): Overcommit[] {
  const out: Overcommit[] = [];
  for (const n of nodes) {
    const name = n.metadata?.name ?? '';
    const on = pods.filter((p) => p.spec?.nodeName === name);
    const mine = on.filter((p) => placed.has(ref(p)));
    if (mine.length === 0) continue;
    const alloc = resourceVectorFromList(n.status?.allocatable as Record<string, string> | undefined);
    const sum = { cpu: 0, memory: 0 };
    for (const p of on) {
      const r = podRequests(p);
      sum.cpu += r.milliCPU;
      sum.memory += r.memory;
    }
    const requestsCpu = mine.some((p) => podRequests(p).milliCPU > 0);
    const requestsMemory = mine.some((p) => podRequests(p).memory > 0);
    const names = on.map(ref);
    if (requestsCpu && sum.cpu > alloc.milliCPU) out.push({ node: name, resource: 'cpu', requested: sum.cpu, allocatable: alloc.milliCPU, pods: names });
    if (requestsMemory && sum.memory > alloc.memory) out.push({ node: name, resource: 'memory', requested: sum.memory, allocatable: alloc.memory, pods: names });
    if (on.length > alloc.allowedPodNumber) out.push({ node: name, resource: 'pods', requested: on.length, allocatable: alloc.allowedPodNumber, pods: names });
  }
  return out;
}
