import assert from 'node:assert/strict';
import fc from 'fast-check';
import { everything, nothing, parseSelector } from '../api/labels.js';
import type { DeepReadonly, Node, Pod } from '../api/types.js';
import { MutableNodeInfo, PodLabelSets, newNodeInfo, newPodInfo, podInfoFor, type NodeInfo } from './node-info.js';

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    for (const x of Object.values(v as object)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

function pod(cpu: string, o: { anti?: boolean; frozen?: boolean } = {}): Pod {
  const p: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'ns', uid: 'u1', labels: { app: 'a' } },
    spec: {
      containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu, memory: '1Gi' } } }],
      ...(o.anti ? { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'a' } } }] } } } : {}),
    },
  };
  return o.frozen === false ? p : deepFreeze(p);
}

describe('PodInfo', () => {
  it('newPodInfo computes requests and terms once per frozen pod object', () => {
    const p = pod('250m', { anti: true });
    const a = newPodInfo(p);
    assert.equal(newPodInfo(p), a);
    assert.equal(a.requests.milliCPU, 250);
    assert.equal(a.requiredAntiAffinityTerms.length, 1);
  });

  it('newPodInfo recomputes for a pod that is not frozen, since it may change', () => {
    const p = pod('250m', { frozen: false });
    const a = newPodInfo(p);
    (p.spec!.containers[0]!.resources!.requests as Record<string, string>)['cpu'] = '500m';
    const b = newPodInfo(p);
    assert.notEqual(b, a);
    assert.equal(b.requests.milliCPU, 500);
  });

  it('podInfoFor reuses the PodInfo of an earlier version when only other fields changed', () => {
    const p = pod('250m', { anti: true }) as DeepReadonly<Pod>;
    const before = newPodInfo(p);
    // Bound, nominated, with a condition: what a PodInfo is computed from is shared.
    const bound = deepFreeze({ ...p, spec: { ...p.spec!, nodeName: 'n1' }, status: { nominatedNodeName: 'n1', conditions: [{ type: 'PodScheduled', status: 'True' }] } }) as DeepReadonly<Pod>;
    const after = podInfoFor(bound, before);
    assert.equal(after.pod, bound);
    assert.equal(after.requests, before.requests);
    assert.equal(after.requiredAntiAffinityTerms, before.requiredAntiAffinityTerms);
    assert.deepEqual({ ...after, pod: undefined }, { ...newPodInfo(bound), pod: undefined });
    assert.equal(podInfoFor(p, before), before);
    assert.equal(podInfoFor(p, undefined), before);
  });

  it('podInfoFor recomputes when requests, terms or the namespace changed', () => {
    const p = pod('250m') as DeepReadonly<Pod>;
    const before = newPodInfo(p);
    const resized = pod('750m') as DeepReadonly<Pod>;
    assert.equal(podInfoFor(resized, before).requests.milliCPU, 750);
    const withAnti = deepFreeze({ ...p, spec: { ...p.spec!, affinity: pod('1', { anti: true }).spec!.affinity } }) as DeepReadonly<Pod>;
    assert.equal(podInfoFor(withAnti, before).requiredAntiAffinityTerms.length, 1);
    const moved = deepFreeze({ ...p, metadata: { ...p.metadata, namespace: 'other' } }) as DeepReadonly<Pod>;
    const terms = podInfoFor(deepFreeze({ ...withAnti, metadata: { ...withAnti.metadata, namespace: 'other' } }) as DeepReadonly<Pod>, newPodInfo(withAnti));
    assert.deepEqual([...terms.requiredAntiAffinityTerms[0]!.namespaces], ['other']);
    assert.notEqual(podInfoFor(moved, before), before);
  });

  it('podInfoFor recomputes when container statuses with resized resources differ', () => {
    const p = pod('250m') as DeepReadonly<Pod>;
    const before = newPodInfo(p);
    const resized = deepFreeze({
      ...p,
      status: { containerStatuses: [{ name: 'c', image: 'busybox', imageID: '', ready: true, restartCount: 0, resources: { requests: { cpu: '1' } } }] },
    }) as DeepReadonly<Pod>;
    assert.equal(podInfoFor(resized, before).requests.milliCPU, 1000);
  });
});

// ---- countPodsWithLabel and PodLabelSets ----

interface LPod {
  readonly name: string;
  readonly ns?: string | undefined;
  readonly labels?: Record<string, string> | undefined;
  readonly terminating?: boolean;
}

function lpod(o: LPod): DeepReadonly<Pod> {
  const p: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: o.name, uid: `uid-${o.ns ?? '-'}-${o.name}`, ...(o.ns !== undefined ? { namespace: o.ns } : {}), ...(o.labels ? { labels: o.labels } : {}) },
    spec: { containers: [{ name: 'c', image: 'busybox' }] },
  };
  if (o.terminating) p.metadata!.deletionTimestamp = '2025-01-01T00:00:00Z';
  return deepFreeze(p);
}

const lnode = (name: string): DeepReadonly<Node> => deepFreeze({ apiVersion: 'v1', kind: 'Node', metadata: { name } } as Node);

/** The brute-force count `countPodsWithLabel` must equal. */
function bruteCount(ni: { readonly pods: readonly { readonly pod: DeepReadonly<Pod> }[] }, ns: string, key: string, value: string): number {
  let n = 0;
  for (const { pod: p } of ni.pods) {
    const m = p.metadata;
    if (m === undefined || (m.deletionTimestamp !== undefined && m.deletionTimestamp !== null)) continue;
    if ((m.namespace ?? 'default') !== ns) continue;
    if (m.labels?.[key] === value) n++;
  }
  return n;
}

describe('MutableNodeInfo.countPodsWithLabel', () => {
  it('counts the pods of one namespace labelled key=value, separately per namespace, key and value', () => {
    const ni = newNodeInfo(lnode('n1'), [
      lpod({ name: 'a1', ns: 'a', labels: { app: 'web', tier: 'fe' } }),
      lpod({ name: 'a2', ns: 'a', labels: { app: 'web' } }),
      lpod({ name: 'a3', ns: 'a', labels: { app: 'db' } }),
      lpod({ name: 'b1', ns: 'b', labels: { app: 'web' } }),
      lpod({ name: 'd1', labels: { app: 'web' } }),
      lpod({ name: 'none', ns: 'a' }),
    ]);
    assert.equal(ni.countPodsWithLabel('a', 'app', 'web'), 2);
    assert.equal(ni.countPodsWithLabel('a', 'app', 'db'), 1);
    assert.equal(ni.countPodsWithLabel('a', 'tier', 'fe'), 1);
    assert.equal(ni.countPodsWithLabel('b', 'app', 'web'), 1);
    assert.equal(ni.countPodsWithLabel('b', 'app', 'db'), 0);
    // No namespace is the default namespace.
    assert.equal(ni.countPodsWithLabel('default', 'app', 'web'), 1);
    assert.equal(ni.countPodsWithLabel('c', 'app', 'web'), 0);
    assert.equal(ni.countPodsWithLabel('a', 'app', 'Web'), 0);
    assert.equal(ni.countPodsWithLabel('a', 'tier', ''), 0);
    // Inherited members of plain objects are not labels.
    assert.equal(ni.countPodsWithLabel('a', 'constructor', 'web'), 0);
  });

  it('an empty label value is a value like any other', () => {
    const ni = newNodeInfo(lnode('n1'), [lpod({ name: 'x', ns: 'a', labels: { foo: '' } }), lpod({ name: 'y', ns: 'a', labels: { foo: 'bar' } })]);
    assert.equal(ni.countPodsWithLabel('a', 'foo', ''), 1);
    assert.equal(ni.countPodsWithLabel('a', 'foo', 'bar'), 1);
  });

  it('does not count terminating pods', () => {
    const ni = newNodeInfo(lnode('n1'), [
      lpod({ name: 'live', ns: 'a', labels: { app: 'web' } }),
      lpod({ name: 'dying', ns: 'a', labels: { app: 'web' }, terminating: true }),
      lpod({ name: 'dying2', ns: 'a', labels: { app: 'web' }, terminating: true }),
    ]);
    assert.equal(ni.countPodsWithLabel('a', 'app', 'web'), 1);
    // Removing a terminating pod after the index is built leaves the count alone.
    assert.equal(ni.removePod(lpod({ name: 'dying', ns: 'a' })), true);
    assert.equal(ni.countPodsWithLabel('a', 'app', 'web'), 1);
    ni.addPod(newPodInfo(lpod({ name: 'dying3', ns: 'a', labels: { app: 'web' }, terminating: true })));
    assert.equal(ni.countPodsWithLabel('a', 'app', 'web'), 1);
    // A pod that starts terminating is a new version: removed, then added back.
    assert.equal(ni.removePod(lpod({ name: 'live', ns: 'a' })), true);
    ni.addPod(newPodInfo(lpod({ name: 'live', ns: 'a', labels: { app: 'web' }, terminating: true })));
    assert.equal(ni.countPodsWithLabel('a', 'app', 'web'), 0);
  });

  it('follows addPod and removePod once the index is built', () => {
    const ni = newNodeInfo(lnode('n1'), [lpod({ name: 'p1', ns: 'a', labels: { app: 'web' } })]);
    assert.equal(ni.countPodsWithLabel('a', 'app', 'web'), 1);
    ni.addPod(newPodInfo(lpod({ name: 'p2', ns: 'a', labels: { app: 'web' } })));
    ni.addPod(newPodInfo(lpod({ name: 'p3', ns: 'a', labels: { app: 'db' } })));
    assert.equal(ni.countPodsWithLabel('a', 'app', 'web'), 2);
    assert.equal(ni.countPodsWithLabel('a', 'app', 'db'), 1);
    assert.equal(ni.removePod(lpod({ name: 'p1', ns: 'a' })), true);
    assert.equal(ni.countPodsWithLabel('a', 'app', 'web'), 1);
    // Removing an unknown pod changes nothing.
    assert.equal(ni.removePod(lpod({ name: 'zz', ns: 'a' })), false);
    assert.equal(ni.countPodsWithLabel('a', 'app', 'web'), 1);
    assert.equal(ni.removePod(lpod({ name: 'p2', ns: 'a' })), true);
    assert.equal(ni.removePod(lpod({ name: 'p3', ns: 'a' })), true);
    assert.equal(ni.countPodsWithLabel('a', 'app', 'web'), 0);
    assert.equal(ni.countPodsWithLabel('a', 'app', 'db'), 0);
    ni.addPod(newPodInfo(lpod({ name: 'p4', ns: 'a', labels: { app: 'db' } })));
    assert.equal(ni.countPodsWithLabel('a', 'app', 'db'), 1);
  });

  it('sees changes made before the index is first built', () => {
    const ni = newNodeInfo(lnode('n1'), [lpod({ name: 'p1', ns: 'a', labels: { app: 'web' } }), lpod({ name: 'p2', ns: 'a', labels: { app: 'web' } })]);
    ni.removePod(lpod({ name: 'p1', ns: 'a' }));
    ni.addPod(newPodInfo(lpod({ name: 'p3', ns: 'a', labels: { app: 'web', v: '2' } })));
    ni.addPod(newPodInfo(lpod({ name: 'p4', ns: 'b', labels: { app: 'web' } })));
    assert.equal(ni.countPodsWithLabel('a', 'app', 'web'), 2);
    assert.equal(ni.countPodsWithLabel('a', 'v', '2'), 1);
    assert.equal(ni.countPodsWithLabel('b', 'app', 'web'), 1);
  });

  it('a clone counts its own pods; changing the clone or the original does not affect the other', () => {
    const ni = newNodeInfo(lnode('n1'), [lpod({ name: 'p1', ns: 'a', labels: { app: 'web' } }), lpod({ name: 'p2', ns: 'a', labels: { app: 'web' } })]);
    assert.equal(ni.countPodsWithLabel('a', 'app', 'web'), 2);
    const c = ni.clone();
    assert.equal(c.postings, undefined);
    assert.equal(c.countPodsWithLabel('a', 'app', 'web'), 2);
    c.removePod(lpod({ name: 'p1', ns: 'a' }));
    c.addPod(newPodInfo(lpod({ name: 'p9', ns: 'a', labels: { app: 'db' } })));
    assert.equal(c.countPodsWithLabel('a', 'app', 'web'), 1);
    assert.equal(c.countPodsWithLabel('a', 'app', 'db'), 1);
    assert.equal(ni.countPodsWithLabel('a', 'app', 'web'), 2);
    assert.equal(ni.countPodsWithLabel('a', 'app', 'db'), 0);
    ni.addPod(newPodInfo(lpod({ name: 'p5', ns: 'a', labels: { app: 'web' } })));
    assert.equal(ni.countPodsWithLabel('a', 'app', 'web'), 3);
    assert.equal(c.countPodsWithLabel('a', 'app', 'web'), 1);
  });

  it('a clone taken before the index is built, then changed, counts its own pods', () => {
    const ni = newNodeInfo(lnode('n1'), [lpod({ name: 'p1', ns: 'a', labels: { app: 'web' } })]);
    const c = ni.clone();
    c.addPod(newPodInfo(lpod({ name: 'p2', ns: 'a', labels: { app: 'web' } })));
    assert.equal(c.countPodsWithLabel('a', 'app', 'web'), 2);
    assert.equal(ni.countPodsWithLabel('a', 'app', 'web'), 1);
    // A clone of a clone whose index is built.
    const cc = c.clone();
    cc.removePod(lpod({ name: 'p1', ns: 'a' }));
    assert.equal(cc.countPodsWithLabel('a', 'app', 'web'), 1);
    assert.equal(c.countPodsWithLabel('a', 'app', 'web'), 2);
  });

  it('property: equals a brute-force count over any sequence of adds, removes, clones and queries', () => {
    const podArb = fc.record({
      name: fc.constantFrom('p0', 'p1', 'p2', 'p3', 'p4', 'p5'),
      ns: fc.constantFrom('a', 'b', undefined),
      labels: fc.option(fc.dictionary(fc.constantFrom('app', 'tier', 'v'), fc.constantFrom('', 'x', 'y'), { maxKeys: 3 }), { nil: undefined }),
      terminating: fc.boolean(),
    });
    const opArb = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), pod: podArb }),
      fc.record({ kind: fc.constant('remove' as const), pod: podArb }),
      fc.record({ kind: fc.constant('clone' as const) }),
      fc.record({ kind: fc.constant('query' as const) }),
    );
    const queries: [string, string, string][] = [];
    for (const ns of ['a', 'b', 'default']) for (const k of ['app', 'tier', 'v']) for (const v of ['', 'x', 'y']) queries.push([ns, k, v]);
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 30 }), (ops) => {
        let ni: MutableNodeInfo = newNodeInfo(lnode('n1'));
        const others: MutableNodeInfo[] = [];
        const check = (x: MutableNodeInfo): void => {
          for (const [ns, k, v] of queries) assert.equal(x.countPodsWithLabel(ns, k, v), bruteCount(x, ns, k, v), `${ns} ${k}=${v}`);
        };
        for (const op of ops) {
          if (op.kind === 'add') {
            // One pod per uid, as the cache keeps them.
            const p = lpod(op.pod);
            if (!ni.pods.some((q) => q.pod.metadata?.uid === p.metadata?.uid)) ni.addPod(newPodInfo(p));
          } else if (op.kind === 'remove') {
            ni.removePod(lpod(op.pod));
          } else if (op.kind === 'clone') {
            others.push(ni);
            ni = ni.clone();
          } else {
            check(ni);
          }
        }
        check(ni);
        for (const o of others) check(o);
      }),
      { numRuns: 100, seed: 20250101 },
    );
  });
});

describe('PodLabelSets', () => {
  const sel = (s: string) => parseSelector(s);
  const entries = (m: ReadonlyMap<NodeInfo, number>): [string, number][] => [...m].map(([ni, n]) => [ni.name, n] as [string, number]).sort((x, y) => (x[0] < y[0] ? -1 : 1));

  it('NodeInfos that report to it keep it up to date; clones report to none', () => {
    const sets = new PodLabelSets();
    const n1 = newNodeInfo(lnode('n1'));
    const n2 = newNodeInfo(lnode('n2'));
    n1.postings = sets;
    n2.postings = sets;
    n1.addPod(newPodInfo(lpod({ name: 'a', ns: 'ns', labels: { app: 'web' } })));
    n1.addPod(newPodInfo(lpod({ name: 'b', ns: 'ns', labels: { app: 'web' } })));
    n2.addPod(newPodInfo(lpod({ name: 'c', ns: 'ns', labels: { app: 'web' } })));
    n2.addPod(newPodInfo(lpod({ name: 'd', ns: 'other', labels: { app: 'web' } })));
    n2.addPod(newPodInfo(lpod({ name: 'e', ns: 'ns', labels: { app: 'web' }, terminating: true })));
    assert.deepEqual(entries(sets.nodesMatching('ns', sel('app=web'))), [
      ['n1', 2],
      ['n2', 1],
    ]);
    assert.deepEqual(entries(sets.nodesMatching('other', sel('app=web'))), [['n2', 1]]);
    assert.deepEqual(entries(sets.nodesMatching('nope', sel('app=web'))), []);
    const c = n1.clone();
    c.addPod(newPodInfo(lpod({ name: 'f', ns: 'ns', labels: { app: 'web' } })));
    c.removePod(lpod({ name: 'a', ns: 'ns' }));
    assert.deepEqual(entries(sets.nodesMatching('ns', sel('app=web'))), [
      ['n1', 2],
      ['n2', 1],
    ]);
    n1.removePod(lpod({ name: 'a', ns: 'ns' }));
    n2.removePod(lpod({ name: 'e', ns: 'ns' }));
    assert.deepEqual(entries(sets.nodesMatching('ns', sel('app=web'))), [
      ['n1', 1],
      ['n2', 1],
    ]);
  });

  it('one matching label set gives its live map; several give a new merged map', () => {
    const sets = new PodLabelSets();
    const n1 = newNodeInfo(lnode('n1'));
    const n2 = newNodeInfo(lnode('n2'));
    sets.update(n1, lpod({ name: 'a', ns: 'ns', labels: { app: 'web', v: '1' } }), 1);
    sets.update(n2, lpod({ name: 'b', ns: 'ns', labels: { app: 'web', v: '1' } }), 1);
    sets.update(n2, lpod({ name: 'c', ns: 'ns', labels: { app: 'web', v: '2' } }), 1);
    const one = sets.nodesMatching('ns', sel('v=1'));
    assert.deepEqual(entries(one), [
      ['n1', 1],
      ['n2', 1],
    ]);
    // The same live map, which follows the index.
    assert.equal(sets.nodesMatching('ns', sel('app=web,v=1')), one);
    sets.update(n1, lpod({ name: 'd', ns: 'ns', labels: { v: '1', app: 'web' } }), 1);
    assert.deepEqual(entries(one), [
      ['n1', 2],
      ['n2', 1],
    ]);
    const merged = sets.nodesMatching('ns', sel('app=web'));
    assert.deepEqual(entries(merged), [
      ['n1', 2],
      ['n2', 2],
    ]);
    assert.notEqual(merged, one);
    // Merging did not change the sets' own maps.
    assert.deepEqual(entries(sets.nodesMatching('ns', sel('v=2'))), [['n2', 1]]);
    assert.deepEqual(entries(one), [
      ['n1', 2],
      ['n2', 1],
    ]);
  });

  it('pods without labels form the empty label set; empty sets are forgotten', () => {
    const sets = new PodLabelSets();
    const n1 = newNodeInfo(lnode('n1'));
    sets.update(n1, lpod({ name: 'a', ns: 'ns' }), 1);
    sets.update(n1, lpod({ name: 'b', ns: 'ns', labels: {} }), 1);
    sets.update(n1, lpod({ name: 'c', ns: 'ns', labels: { app: 'web' } }), 1);
    assert.deepEqual(entries(sets.nodesMatching('ns', sel('!app'))), [['n1', 2]]);
    assert.deepEqual(entries(sets.nodesMatching('ns', everything())), [['n1', 3]]);
    assert.deepEqual(entries(sets.nodesMatching('ns', nothing())), []);
    sets.update(n1, lpod({ name: 'c', ns: 'ns', labels: { app: 'web' } }), -1);
    assert.deepEqual(entries(sets.nodesMatching('ns', sel('app=web'))), []);
    assert.deepEqual(entries(sets.nodesMatching('ns', sel('app'))), []);
    // A set re-created after being forgotten starts from zero.
    sets.update(n1, lpod({ name: 'c', ns: 'ns', labels: { app: 'web' } }), 1);
    assert.deepEqual(entries(sets.nodesMatching('ns', sel('app in (web)'))), [['n1', 1]]);
    // Removing what was never added is ignored.
    sets.update(n1, lpod({ name: 'z', ns: 'ns', labels: { app: 'db' } }), -1);
    assert.deepEqual(entries(sets.nodesMatching('ns', sel('app'))), [['n1', 1]]);
  });

  it('selectors without a single-valued =/in requirement look through every label set', () => {
    const sets = new PodLabelSets();
    const n1 = newNodeInfo(lnode('n1'));
    const n2 = newNodeInfo(lnode('n2'));
    sets.update(n1, lpod({ name: 'a', ns: 'ns', labels: { app: 'web' } }), 1);
    sets.update(n2, lpod({ name: 'b', ns: 'ns', labels: { app: 'db' } }), 1);
    sets.update(n2, lpod({ name: 'c', ns: 'ns', labels: { app: 'cache', tier: 'x' } }), 1);
    assert.deepEqual(entries(sets.nodesMatching('ns', sel('app notin (web)'))), [['n2', 2]]);
    assert.deepEqual(entries(sets.nodesMatching('ns', sel('app in (web,db)'))), [
      ['n1', 1],
      ['n2', 1],
    ]);
    assert.deepEqual(entries(sets.nodesMatching('ns', sel('app!=db,tier'))), [['n2', 1]]);
    assert.deepEqual(entries(sets.nodesMatching('ns', sel('app=web,tier'))), []);
    assert.deepEqual(entries(sets.nodesMatching('ns', sel('app==cache,tier in (x)'))), [['n2', 1]]);
  });
});
