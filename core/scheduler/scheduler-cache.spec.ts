import assert from 'node:assert/strict';
import fc from 'fast-check';
import { everything, newRequirement, nothing, parseSelector, selectorFromRequirements, selectorFromSet, type Selector } from '../api/labels.js';
import type { DeepReadonly, Node, Pod } from '../api/types.js';
import type { NodeInfo } from './node-info.js';
import { SchedulerCache, normalizedImageName, zoneKey } from './scheduler-cache.js';

// ---- builders ----

interface NodeOpts {
  readonly zone?: string;
  readonly region?: string;
  readonly labels?: Record<string, string>;
  readonly images?: readonly { readonly names: readonly string[]; readonly sizeBytes?: number }[];
  readonly cpuMilli?: number;
}

function node(name: string, o: NodeOpts = {}): DeepReadonly<Node> {
  const labels: Record<string, string> = { ...o.labels };
  if (o.zone !== undefined) labels['topology.kubernetes.io/zone'] = o.zone;
  if (o.region !== undefined) labels['topology.kubernetes.io/region'] = o.region;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels },
    status: {
      allocatable: { cpu: `${o.cpuMilli ?? 4000}m`, pods: '110' },
      ...(o.images ? { images: o.images.map((i) => ({ names: [...i.names], ...(i.sizeBytes !== undefined ? { sizeBytes: i.sizeBytes } : {}) })) } : {}),
    },
  } as DeepReadonly<Node>;
}

type AffinityKind = 'required-anti' | 'preferred';

function pod(name: string, nodeName: string, o: { cpuMilli?: number; affinity?: AffinityKind } = {}): DeepReadonly<Pod> {
  const term = { labelSelector: { matchLabels: { app: 'x' } }, topologyKey: 'kubernetes.io/hostname' };
  const affinity =
    o.affinity === 'required-anti'
      ? { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } }
      : o.affinity === 'preferred'
        ? { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, podAffinityTerm: term }] } }
        : undefined;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, labels: { app: 'x' } },
    spec: {
      ...(nodeName !== '' ? { nodeName } : {}),
      containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: `${o.cpuMilli ?? 0}m` } } }],
      ...(affinity ? { affinity } : {}),
    },
  } as DeepReadonly<Pod>;
}

const names = (c: SchedulerCache): string[] => c.list().map((n) => n.name);
const cpuOn = (c: SchedulerCache, n: string): number => c.get(n)!.requested.milliCPU;

// ---- helpers ----

describe('zoneKey (upstream utilnode.GetZoneKey)', () => {
  const Z = 'topology.kubernetes.io/zone';
  const R = 'topology.kubernetes.io/region';
  const BZ = 'failure-domain.beta.kubernetes.io/zone';
  const BR = 'failure-domain.beta.kubernetes.io/region';
  const cases: readonly [Record<string, string>, string][] = [
    [{}, ''],
    [{ [Z]: 'z1' }, ':\u0000:z1'],
    [{ [R]: 'r1' }, 'r1:\u0000:'],
    [{ [R]: 'r1', [Z]: 'z1' }, 'r1:\u0000:z1'],
    [{ [BR]: 'br', [BZ]: 'bz' }, 'br:\u0000:bz'],
    [{ [Z]: 'z1', [BZ]: 'bz' }, ':\u0000:z1'],
    // A present but empty GA label does not fall back to the beta one (Go's `, ok` lookup).
    [{ [Z]: '', [BZ]: 'bz' }, ''],
    [{ [Z]: '', [R]: '' }, ''],
  ];
  for (const [labels, want] of cases) {
    it(`${JSON.stringify(labels)} ⇒ ${JSON.stringify(want)}`, () => {
      assert.equal(zoneKey(node('n', { labels })), want);
    });
  }
  it('a node without labels has the empty zone', () => {
    assert.equal(zoneKey({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' } } as DeepReadonly<Node>), '');
  });
});

describe('normalizedImageName (upstream ImageLocality)', () => {
  const cases: readonly [string, string][] = [
    ['nginx', 'nginx:latest'],
    ['nginx:1.27', 'nginx:1.27'],
    ['docker.io/library/nginx', 'docker.io/library/nginx:latest'],
    ['registry:5000/img', 'registry:5000/img:latest'],
    ['registry:5000/img:v1', 'registry:5000/img:v1'],
    ['img@sha256:0123abcd', 'img@sha256:0123abcd'],
    ['gcr.io/a/b@sha256:ff', 'gcr.io/a/b@sha256:ff'],
  ];
  for (const [input, want] of cases) {
    it(`${input} ⇒ ${want}`, () => assert.equal(normalizedImageName(input), want));
  }
});

// ---- node tree ----

describe('SchedulerCache: node order (upstream nodeTree)', () => {
  it('nodes are interleaved zone by zone, zones in order of first appearance', () => {
    const c = new SchedulerCache();
    for (const [n, z] of [
      ['a1', 'z1'],
      ['a2', 'z1'],
      ['b1', 'z2'],
      ['c1', 'z3'],
      ['a3', 'z1'],
      ['b2', 'z2'],
    ] as const) {
      c.addNode(node(n, { zone: z }));
    }
    assert.deepEqual(names(c), ['a1', 'b1', 'c1', 'a2', 'b2', 'a3']);
    assert.equal(c.nodeCount(), 6);
  });

  it('nodes without zone labels form one zone of their own; regions make distinct zones', () => {
    const c = new SchedulerCache();
    c.addNode(node('plain1'));
    c.addNode(node('east', { region: 'r1', zone: 'z' }));
    c.addNode(node('plain2'));
    c.addNode(node('west', { region: 'r2', zone: 'z' }));
    assert.deepEqual(names(c), ['plain1', 'east', 'west', 'plain2']);
  });

  it('removing a node keeps the order of the others; an emptied zone disappears and comes back last', () => {
    const c = new SchedulerCache();
    c.addNode(node('a1', { zone: 'z1' }));
    c.addNode(node('b1', { zone: 'z2' }));
    c.addNode(node('a2', { zone: 'z1' }));
    c.addNode(node('c1', { zone: 'z3' }));
    c.removeNode('b1');
    assert.deepEqual(names(c), ['a1', 'c1', 'a2']);
    c.addNode(node('b2', { zone: 'z2' }));
    assert.deepEqual(names(c), ['a1', 'c1', 'b2', 'a2']);
    c.removeNode('nope');
    assert.equal(c.nodeCount(), 4);
  });

  it('an update that changes the zone moves the node to the end of its new zone', () => {
    const c = new SchedulerCache();
    c.addNode(node('a1', { zone: 'z1' }));
    c.addNode(node('a2', { zone: 'z1' }));
    c.addNode(node('b1', { zone: 'z2' }));
    c.updateNode(node('a1', { zone: 'z2' }));
    assert.deepEqual(names(c), ['a2', 'b1', 'a1']);
  });

  it('an update within the zone keeps the NodeInfo (and its pods), replaces the node and bumps generations', () => {
    const c = new SchedulerCache();
    c.addNode(node('a', { zone: 'z1', cpuMilli: 1000 }));
    c.addNode(node('b', { zone: 'z1' }));
    c.addPod(pod('p', 'a', { cpuMilli: 300 }));
    const before = c.get('a')!;
    const list = c.list();
    const [gen, niGen] = [c.generation, before.generation];
    c.updateNode(node('a', { zone: 'z1', cpuMilli: 2000, labels: { x: 'y' } }));
    assert.equal(c.get('a'), before);
    assert.equal(c.list(), list, 'no structural change: the same list');
    assert.deepEqual([before.allocatable.milliCPU, before.node.metadata?.labels?.['x'], before.requested.milliCPU], [2000, 'y', 300]);
    assert.ok(c.generation > gen && before.generation > niGen);
    // addNode of a known node is an update.
    c.addNode(node('a', { zone: 'z1', cpuMilli: 3000 }));
    assert.deepEqual([c.nodeCount(), c.get('a')!.allocatable.milliCPU], [2, 3000]);
    // updateNode of an unknown node adds it.
    c.updateNode(node('c', { zone: 'z2' }));
    assert.deepEqual(names(c), ['a', 'c', 'b']);
  });

  it('the list is rebuilt only after structural changes', () => {
    const c = new SchedulerCache();
    c.addNode(node('a'));
    const l1 = c.list();
    c.addPod(pod('p', 'a'));
    assert.equal(c.list(), l1);
    c.addNode(node('b'));
    assert.notEqual(c.list(), l1);
    assert.equal(c.get('zzz'), undefined);
    assert.equal(c.mutableNode('a'), c.get('a'));
  });
});

// ---- pods ----

describe('SchedulerCache: assumed and bound pods', () => {
  function cache(): SchedulerCache {
    const c = new SchedulerCache();
    c.addNode(node('n1'));
    c.addNode(node('n2'));
    return c;
  }

  it('assume accounts the pod on its node; forget undoes it', () => {
    const c = cache();
    c.assumePod(pod('p', 'n1', { cpuMilli: 500 }), 'n1');
    assert.deepEqual([c.isAssumedPod('uid-p'), c.podNodeName('uid-p'), cpuOn(c, 'n1'), c.podCount()], [true, 'n1', 500, 1]);
    // A second assume of a known pod is ignored.
    c.assumePod(pod('p', 'n2', { cpuMilli: 500 }), 'n2');
    assert.deepEqual([cpuOn(c, 'n1'), cpuOn(c, 'n2')], [500, 0]);
    c.finishBinding('uid-p');
    assert.equal(c.isAssumedPod('uid-p'), true, 'finishing the binding does not confirm it');
    c.forgetPod(pod('p', 'n1'));
    assert.deepEqual([c.isAssumedPod('uid-p'), c.podNodeName('uid-p'), cpuOn(c, 'n1'), c.podCount()], [false, undefined, 0, 0]);
  });

  it('the informer’s add confirms an assumed pod; forget then does nothing', () => {
    const c = cache();
    c.assumePod(pod('p', 'n1', { cpuMilli: 500 }), 'n1');
    c.addPod(pod('p', 'n1', { cpuMilli: 500 }));
    assert.deepEqual([c.isAssumedPod('uid-p'), cpuOn(c, 'n1'), c.get('n1')!.pods.length], [false, 500, 1]);
    c.forgetPod(pod('p', 'n1'));
    assert.deepEqual([c.podNodeName('uid-p'), cpuOn(c, 'n1')], ['n1', 500]);
  });

  it('a pod confirmed on another node than assumed moves there', () => {
    const c = cache();
    c.assumePod(pod('p', 'n1', { cpuMilli: 500 }), 'n1');
    c.addPod(pod('p', 'n2', { cpuMilli: 500 }));
    assert.deepEqual([c.podNodeName('uid-p'), cpuOn(c, 'n1'), cpuOn(c, 'n2'), c.isAssumedPod('uid-p')], ['n2', 0, 500, false]);
  });

  it('updates move a bound pod and account its new requests; removal frees the node', () => {
    const c = cache();
    c.addPod(pod('p', 'n1', { cpuMilli: 100 }));
    c.updatePod(pod('p', 'n1', { cpuMilli: 250 }));
    assert.deepEqual([cpuOn(c, 'n1'), c.get('n1')!.pods.length], [250, 1]);
    c.updatePod(pod('p', 'n2', { cpuMilli: 250 }));
    assert.deepEqual([cpuOn(c, 'n1'), cpuOn(c, 'n2')], [0, 250]);
    c.removePod(pod('p', 'n2'));
    assert.deepEqual([cpuOn(c, 'n2'), c.podCount(), c.podNodeName('uid-p')], [0, 0, undefined]);
    c.removePod(pod('p', 'n2'));
    assert.equal(c.podCount(), 0);
  });

  it('the generation moves on every change', () => {
    const c = cache();
    const seen = [c.generation];
    c.assumePod(pod('p', 'n1'), 'n1');
    seen.push(c.generation);
    c.forgetPod(pod('p', 'n1'));
    seen.push(c.generation);
    c.addPod(pod('q', 'n1'));
    seen.push(c.generation);
    c.removePod(pod('q', 'n1'));
    seen.push(c.generation);
    assert.deepEqual(seen, [...seen].sort((a, b) => a - b));
    assert.equal(new Set(seen).size, seen.length);
  });
});

describe('SchedulerCache: orphan pods (bound to nodes the cache does not know)', () => {
  it('a pod bound to an unknown node is kept aside and joins the node when it arrives', () => {
    const c = new SchedulerCache();
    c.addNode(node('n1'));
    c.addPod(pod('early', 'ghost', { cpuMilli: 700 }));
    assert.deepEqual([names(c), c.podNodeName('uid-early'), c.podCount()], [['n1'], 'ghost', 1]);
    c.addNode(node('ghost'));
    assert.deepEqual([names(c), cpuOn(c, 'ghost')], [['n1', 'ghost'], 700]);
  });

  it('a removed node leaves its pods as orphans until their own deletion; re-adding the node brings them back', () => {
    const c = new SchedulerCache();
    c.addNode(node('n1'));
    c.addPod(pod('a', 'n1', { cpuMilli: 100 }));
    c.addPod(pod('b', 'n1', { cpuMilli: 200 }));
    c.removeNode('n1');
    assert.deepEqual([names(c), c.podCount(), c.get('n1')], [[], 2, undefined]);
    c.removePod(pod('a', 'n1'));
    c.addNode(node('n1'));
    assert.deepEqual([cpuOn(c, 'n1'), c.get('n1')!.pods.map((p) => p.pod.metadata?.name)], [200, ['b']]);
  });

  it('an assumed pod on an unknown node can be forgotten', () => {
    const c = new SchedulerCache();
    c.assumePod(pod('p', 'ghost', { cpuMilli: 100 }), 'ghost');
    c.forgetPod(pod('p', 'ghost'));
    c.addNode(node('ghost'));
    assert.equal(cpuOn(c, 'ghost'), 0);
  });
});

describe('SchedulerCache: image states', () => {
  it('names are normalized; numNodes counts the nodes holding an image; the size is the first reporting node’s', () => {
    const c = new SchedulerCache();
    c.addNode(node('n1', { images: [{ names: ['nginx', 'docker.io/library/nginx:latest'], sizeBytes: 100 }, { names: ['redis:7'], sizeBytes: 50 }] }));
    c.addNode(node('n2', { images: [{ names: ['nginx:latest'], sizeBytes: 120 }] }));
    c.addNode(node('n3'));
    const states = (n: string) => [...c.get(n)!.imageStates].map(([k, v]) => [k, v.sizeBytes, v.numNodes]);
    assert.deepEqual(states('n1'), [
      ['nginx:latest', 100, 2],
      ['docker.io/library/nginx:latest', 100, 1],
      ['redis:7', 50, 1],
    ]);
    assert.deepEqual(states('n2'), [['nginx:latest', 100, 2]]);
    assert.deepEqual(states('n3'), []);
  });

  it('a name listed twice on one node counts that node once', () => {
    const c = new SchedulerCache();
    c.addNode(node('n1', { images: [{ names: ['a:1'], sizeBytes: 10 }, { names: ['a:1'], sizeBytes: 10 }] }));
    c.addNode(node('n2', { images: [{ names: ['a:1'], sizeBytes: 10 }] }));
    assert.equal(c.get('n1')!.imageStates.get('a:1')!.numNodes, 2);
  });

  it('the counts follow node removals and updates; a missing size counts as 0', () => {
    const c = new SchedulerCache();
    c.addNode(node('n1', { images: [{ names: ['a:1'] }] }));
    c.addNode(node('n2', { images: [{ names: ['a:1'] }] }));
    assert.equal(c.list()[0]!.imageStates.get('a:1')!.numNodes, 2);
    c.removeNode('n2');
    assert.deepEqual(c.get('n1')!.imageStates.get('a:1'), { sizeBytes: 0, numNodes: 1 });
    c.updateNode(node('n1', { images: [{ names: ['b:2'], sizeBytes: 7 }] }));
    assert.deepEqual([...c.get('n1')!.imageStates.keys()], ['b:2']);
  });

  it('an update with the same image list keeps the image states; a changed list is seen everywhere', () => {
    const c = new SchedulerCache();
    c.addNode(node('n1', { images: [{ names: ['a:1'], sizeBytes: 10 }] }));
    c.addNode(node('n2', { images: [{ names: ['a:1'], sizeBytes: 10 }] }));
    const before = c.get('n1')!.imageStates;
    c.updateNode(node('n1', { images: [{ names: ['a:1'], sizeBytes: 10 }], labels: { x: 'y' } }));
    assert.equal(c.get('n1')!.imageStates, before, 'kept for an equal list');
    c.updateNode(node('n1', { images: [{ names: ['a:1', 'a:latest'], sizeBytes: 10 }] }));
    assert.deepEqual([...c.get('n1')!.imageStates.keys()], ['a:1', 'a:latest']);
    assert.deepEqual(c.get('n2')!.imageStates.get('a:1'), { sizeBytes: 10, numNodes: 2 });
    c.updateNode(node('n1', { images: [] }));
    assert.deepEqual([...c.get('n1')!.imageStates.keys()], []);
    assert.deepEqual(c.get('n2')!.imageStates.get('a:1'), { sizeBytes: 10, numNodes: 1 });
  });

  it('nodes with the same image names share one image-states map until their lists differ', () => {
    const c = new SchedulerCache();
    c.addNode(node('n1', { images: [{ names: ['a:1', 'b:2'], sizeBytes: 10 }] }));
    c.addNode(node('n2', { images: [{ names: ['a:1'], sizeBytes: 10 }, { names: ['b:2'], sizeBytes: 10 }] }));
    c.addNode(node('n3', { images: [{ names: ['b:2', 'a:1'], sizeBytes: 10 }] }));
    assert.equal(c.get('n1')!.imageStates, c.get('n2')!.imageStates);
    assert.notEqual(c.get('n1')!.imageStates, c.get('n3')!.imageStates, 'another order is another map');
    assert.deepEqual(c.get('n3')!.imageStates.get('a:1'), { sizeBytes: 10, numNodes: 3 });
    c.updateNode(node('n2', { images: [{ names: ['a:1'], sizeBytes: 10 }] }));
    assert.notEqual(c.get('n1')!.imageStates, c.get('n2')!.imageStates);
    assert.deepEqual([...c.get('n1')!.imageStates.keys()], ['a:1', 'b:2'], 'the shared map is left as it was');
    assert.deepEqual(c.get('n1')!.imageStates.get('b:2'), { sizeBytes: 10, numNodes: 2 });
    c.removeNode('n1');
    c.addNode(node('n4', { images: [{ names: ['a:1', 'b:2'], sizeBytes: 10 }] }));
    assert.deepEqual(c.get('n4')!.imageStates.get('a:1'), { sizeBytes: 10, numNodes: 3 });
    c.addNode(node('n5'));
    assert.equal(c.get('n5')!.imageStates.size, 0);
  });

  it('a summary keeps the size its first node reported while other nodes hold the image (upstream)', () => {
    const c = new SchedulerCache();
    c.addNode(node('n1', { images: [{ names: ['a:1'], sizeBytes: 10 }] }));
    c.addNode(node('n2', { images: [{ names: ['a:1'], sizeBytes: 20 }] }));
    c.removeNode('n1');
    assert.deepEqual(c.get('n2')!.imageStates.get('a:1'), { sizeBytes: 10, numNodes: 1 });
    c.removeNode('n2');
    c.addNode(node('n3', { images: [{ names: ['a:1'], sizeBytes: 30 }] }));
    assert.deepEqual(c.get('n3')!.imageStates.get('a:1'), { sizeBytes: 30, numNodes: 1 }, 'a new summary once nobody held it');
  });
});

describe('SchedulerCache: nodes with affinity pods', () => {
  function cache(): SchedulerCache {
    const c = new SchedulerCache();
    for (const n of ['n1', 'n2', 'n3', 'n4']) c.addNode(node(n));
    return c;
  }
  const listNames = (l: readonly { name: string }[]): string[] => l.map((n) => n.name);

  it('the lists are in node order and follow pods being added, moved and removed', () => {
    const c = cache();
    c.list();
    assert.deepEqual([listNames(c.havePodsWithAffinityList()), listNames(c.havePodsWithRequiredAntiAffinityList())], [[], []]);
    c.addPod(pod('anti3', 'n3', { affinity: 'required-anti' }));
    c.addPod(pod('anti1', 'n1', { affinity: 'required-anti' }));
    c.addPod(pod('pref4', 'n4', { affinity: 'preferred' }));
    c.addPod(pod('plain2', 'n2'));
    const aff = c.havePodsWithAffinityList();
    const anti = c.havePodsWithRequiredAntiAffinityList();
    assert.deepEqual([listNames(aff), listNames(anti)], [
      ['n1', 'n3', 'n4'],
      ['n1', 'n3'],
    ]);
    // Unchanged membership keeps the very same arrays.
    c.addPod(pod('plain1', 'n1'));
    c.addPod(pod('anti1b', 'n1', { affinity: 'required-anti' }));
    assert.equal(c.havePodsWithAffinityList(), aff);
    assert.equal(c.havePodsWithRequiredAntiAffinityList(), anti);
    // n3 leaves both lists; the arrays handed out before stay as they were.
    c.removePod(pod('anti3', 'n3'));
    assert.deepEqual([listNames(c.havePodsWithAffinityList()), listNames(c.havePodsWithRequiredAntiAffinityList())], [
      ['n1', 'n4'],
      ['n1'],
    ]);
    assert.deepEqual(listNames(aff), ['n1', 'n3', 'n4']);
    // An assumed pod joins, a forgotten one leaves.
    c.assumePod(pod('anti2', 'n2', { affinity: 'required-anti' }), 'n2');
    assert.deepEqual(listNames(c.havePodsWithRequiredAntiAffinityList()), ['n1', 'n2']);
    c.forgetPod(pod('anti2', 'n2'));
    assert.deepEqual(listNames(c.havePodsWithRequiredAntiAffinityList()), ['n1']);
    // A pod moving between nodes.
    c.updatePod(pod('pref4', 'n2', { affinity: 'preferred' }));
    assert.deepEqual(listNames(c.havePodsWithAffinityList()), ['n1', 'n2']);
  });

  it('the informer confirming an assumed pod on its node keeps the lists (and their arrays)', () => {
    const c = cache();
    c.list();
    c.assumePod(pod('anti2', 'n2', { affinity: 'required-anti' }), 'n2');
    const aff = c.havePodsWithAffinityList();
    const anti = c.havePodsWithRequiredAntiAffinityList();
    assert.deepEqual([listNames(aff), listNames(anti)], [['n2'], ['n2']]);
    c.addPod(pod('anti2', 'n2', { affinity: 'required-anti', cpuMilli: 100 }));
    assert.equal(c.havePodsWithAffinityList(), aff);
    assert.equal(c.havePodsWithRequiredAntiAffinityList(), anti);
    assert.equal(cpuOn(c, 'n2'), 100);
    assert.equal(c.isAssumedPod('uid-anti2'), false);
  });

  it('node changes rebuild the lists; before the first list() they are built on demand', () => {
    const c = cache();
    c.addPod(pod('anti', 'n4', { affinity: 'required-anti' }));
    assert.deepEqual(listNames(c.havePodsWithRequiredAntiAffinityList()), ['n4']);
    c.updateNode(node('n4', { zone: 'z9' }));
    c.addNode(node('n0'));
    c.addPod(pod('anti0', 'n0', { affinity: 'required-anti' }));
    assert.deepEqual(names(c), ['n1', 'n4', 'n2', 'n3', 'n0']);
    assert.deepEqual(listNames(c.havePodsWithRequiredAntiAffinityList()), ['n4', 'n0']);
    c.removeNode('n4');
    assert.deepEqual(listNames(c.havePodsWithRequiredAntiAffinityList()), ['n0']);
  });
});

describe('SchedulerCache: changed nodes since a mark', () => {
  it('reports the nodes whose pods or Node changed, in order; a structural change forgets older marks', () => {
    const c = new SchedulerCache();
    for (const n of ['n1', 'n2', 'n3']) c.addNode(node(n));
    const m0 = c.changeMark();
    assert.deepEqual(c.nodesChangedSince(m0), []);
    c.addPod(pod('a', 'n2'));
    c.assumePod(pod('b', 'n3'), 'n3');
    c.addPod(pod('b', 'n3'));
    c.updateNode(node('n1', { labels: { x: 'y' } }));
    const m1 = c.changeMark();
    c.removePod(pod('a', 'n2'));
    assert.deepEqual(c.nodesChangedSince(m0)!.map((n) => n.name), ['n2', 'n3', 'n3', 'n1', 'n2']);
    assert.deepEqual(c.nodesChangedSince(m1)!.map((n) => n.name), ['n2']);
    // A pod bound to a node the cache does not know changes no listed node.
    const m2 = c.changeMark();
    c.addPod(pod('ghost', 'n9'));
    assert.deepEqual(c.nodesChangedSince(m2), []);
    // Nodes added, removed or moved to another zone: the list changed, earlier marks are unknown.
    c.addNode(node('n4'));
    assert.equal(c.nodesChangedSince(m2), undefined);
    const m3 = c.changeMark();
    c.updateNode(node('n4', { zone: 'z1' }));
    assert.equal(c.nodesChangedSince(m3), undefined);
    const m4 = c.changeMark();
    c.removeNode('n4');
    assert.equal(c.nodesChangedSince(m4), undefined);
    assert.equal(c.nodesChangedSince(c.changeMark() + 1), undefined);
    assert.equal(c.nodesChangedSince(Number.NaN), undefined);
  });

  it('keeps a bounded journal: a mark that is too old is unknown', () => {
    const c = new SchedulerCache();
    c.addNode(node('n1'));
    const old = c.changeMark();
    for (let i = 0; i < 5000; i++) c.addPod(pod(`p${i}`, 'n1'));
    const recent = c.changeMark();
    c.addPod(pod('last', 'n1'));
    assert.equal(c.nodesChangedSince(old), undefined);
    assert.deepEqual(c.nodesChangedSince(recent)!.map((n) => n.name), ['n1']);
  });
});

describe('SchedulerCache: nodes with pods matching a selector', () => {
  interface LabelledPod {
    readonly ns?: string;
    readonly labels?: Record<string, string>;
    readonly terminating?: boolean;
  }

  /** A pod of namespace `ns` (default when absent), bound to `nodeName` when not ''. */
  function lpod(name: string, nodeName: string, o: LabelledPod = {}): DeepReadonly<Pod> {
    const ns = o.ns ?? 'default';
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        ...(o.ns !== undefined ? { namespace: o.ns } : {}),
        uid: `uid-${ns}-${name}`,
        ...(o.labels !== undefined ? { labels: o.labels } : {}),
        ...(o.terminating ? { deletionTimestamp: '2025-01-01T00:00:00Z' } : {}),
      },
      spec: { ...(nodeName !== '' ? { nodeName } : {}), containers: [{ name: 'c', image: 'busybox' }] },
    } as DeepReadonly<Pod>;
  }

  /** The map as sorted `[node name, count]` pairs. */
  const entries = (m: ReadonlyMap<NodeInfo, number>): [string, number][] =>
    [...m].map(([ni, n]) => [ni.name, n] as [string, number]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const matching = (c: SchedulerCache, ns: string, s: string): [string, number][] => entries(c.nodesWithPodsMatching(ns, parseSelector(s)));

  const web = { app: 'web' };

  function cache(): SchedulerCache {
    const c = new SchedulerCache();
    for (const n of ['n1', 'n2', 'n3']) c.addNode(node(n, { zone: n === 'n3' ? 'b' : 'a' }));
    return c;
  }

  it('counts bound pods per node; the keys are the listed NodeInfos', () => {
    const c = cache();
    c.addPod(lpod('a', 'n1', { labels: web }));
    c.addPod(lpod('b', 'n1', { labels: web }));
    c.addPod(lpod('c', 'n3', { labels: web }));
    c.addPod(lpod('d', 'n2', { labels: { app: 'db' } }));
    assert.deepEqual(matching(c, 'default', 'app=web'), [
      ['n1', 2],
      ['n3', 1],
    ]);
    assert.deepEqual(matching(c, 'default', 'app in (db)'), [['n2', 1]]);
    assert.deepEqual(matching(c, 'default', 'app=cache'), []);
    const m = c.nodesWithPodsMatching('default', parseSelector('app=web'));
    assert.deepEqual(
      [...m.keys()].map((ni) => c.list().includes(ni) && c.get(ni.name) === ni),
      [true, true],
    );
  });

  it('assumed pods count; forgetting them undoes it; confirming does not count them twice', () => {
    const c = cache();
    c.assumePod(lpod('a', '', { labels: web }), 'n1');
    c.assumePod(lpod('b', '', { labels: web }), 'n2');
    assert.deepEqual(matching(c, 'default', 'app=web'), [
      ['n1', 1],
      ['n2', 1],
    ]);
    c.forgetPod(lpod('b', ''));
    assert.deepEqual(matching(c, 'default', 'app=web'), [['n1', 1]]);
    c.finishBinding('uid-default-a');
    c.addPod(lpod('a', 'n1', { labels: web }));
    assert.deepEqual(matching(c, 'default', 'app=web'), [['n1', 1]]);
    // Forgetting a confirmed pod does nothing.
    c.forgetPod(lpod('a', 'n1'));
    assert.deepEqual(matching(c, 'default', 'app=web'), [['n1', 1]]);
    // Confirmed on another node than assumed: it moves.
    c.assumePod(lpod('e', '', { labels: web }), 'n1');
    c.addPod(lpod('e', 'n3', { labels: web }));
    assert.deepEqual(matching(c, 'default', 'app=web'), [
      ['n1', 1],
      ['n3', 1],
    ]);
  });

  it('updates move pods between label sets and nodes; removals drop them', () => {
    const c = cache();
    c.addPod(lpod('a', 'n1', { labels: { app: 'web', v: '1' } }));
    c.addPod(lpod('b', 'n2', { labels: { app: 'web', v: '1' } }));
    assert.deepEqual(matching(c, 'default', 'v=1'), [
      ['n1', 1],
      ['n2', 1],
    ]);
    // Relabelled (a new revision).
    c.updatePod(lpod('a', 'n1', { labels: { app: 'web', v: '2' } }));
    assert.deepEqual(matching(c, 'default', 'v=1'), [['n2', 1]]);
    assert.deepEqual(matching(c, 'default', 'v=2'), [['n1', 1]]);
    assert.deepEqual(matching(c, 'default', 'app=web'), [
      ['n1', 1],
      ['n2', 1],
    ]);
    // Moved to another node.
    c.updatePod(lpod('b', 'n3', { labels: { app: 'web', v: '1' } }));
    assert.deepEqual(matching(c, 'default', 'v=1'), [['n3', 1]]);
    // Labels dropped altogether: the pod belongs to the empty label set.
    c.updatePod(lpod('a', 'n1'));
    assert.deepEqual(matching(c, 'default', 'v=2'), []);
    assert.deepEqual(matching(c, 'default', '!app'), [['n1', 1]]);
    c.removePod(lpod('b', 'n3'));
    c.removePod(lpod('a', 'n1'));
    assert.deepEqual(matching(c, 'default', 'app=web'), []);
    assert.deepEqual(matching(c, 'default', '!app'), []);
    // Removing an unknown pod is harmless.
    c.removePod(lpod('zz', 'n1', { labels: web }));
    assert.deepEqual(matching(c, 'default', 'app=web'), []);
  });

  it('terminating pods (deletionTimestamp set by an update) are not counted', () => {
    const c = cache();
    c.addPod(lpod('a', 'n1', { labels: web }));
    c.addPod(lpod('b', 'n1', { labels: web }));
    c.addPod(lpod('dying', 'n2', { labels: web, terminating: true }));
    assert.deepEqual(matching(c, 'default', 'app=web'), [['n1', 2]]);
    c.updatePod(lpod('b', 'n1', { labels: web, terminating: true }));
    assert.deepEqual(matching(c, 'default', 'app=web'), [['n1', 1]]);
    c.updatePod(lpod('a', 'n1', { labels: web, terminating: true }));
    assert.deepEqual(matching(c, 'default', 'app=web'), []);
    assert.deepEqual(matching(c, 'default', 'app'), []);
    // Their final deletion changes nothing more.
    c.removePod(lpod('a', 'n1'));
    c.removePod(lpod('dying', 'n2'));
    assert.deepEqual(matching(c, 'default', 'app=web'), []);
    c.addPod(lpod('c', 'n2', { labels: web }));
    assert.deepEqual(matching(c, 'default', 'app=web'), [['n2', 1]]);
  });

  it('namespaces are separate; a pod without a namespace is in default', () => {
    const c = cache();
    c.addPod(lpod('a', 'n1', { ns: 'x', labels: web }));
    c.addPod(lpod('a', 'n2', { ns: 'y', labels: web }));
    c.addPod(lpod('b', 'n2', { ns: 'y', labels: web }));
    c.addPod(lpod('c', 'n3', { labels: web }));
    assert.deepEqual(matching(c, 'x', 'app=web'), [['n1', 1]]);
    assert.deepEqual(matching(c, 'y', 'app=web'), [['n2', 2]]);
    assert.deepEqual(matching(c, 'default', 'app=web'), [['n3', 1]]);
    assert.deepEqual(matching(c, 'z', 'app=web'), []);
    assert.deepEqual(matching(c, 'x', 'app'), [['n1', 1]]);
    c.removePod(lpod('a', 'n2', { ns: 'y' }));
    assert.deepEqual(matching(c, 'y', 'app=web'), [['n2', 1]]);
    assert.deepEqual(matching(c, 'x', 'app=web'), [['n1', 1]]);
  });

  it('selectors with several requirements, with notin/exists only, and matching several label sets', () => {
    const c = cache();
    c.addPod(lpod('a', 'n1', { labels: { app: 'web', tier: 'fe', v: '1' } }));
    c.addPod(lpod('b', 'n1', { labels: { app: 'web', tier: 'fe', v: '2' } }));
    c.addPod(lpod('c', 'n2', { labels: { app: 'web', tier: 'fe', v: '2' } }));
    c.addPod(lpod('d', 'n2', { labels: { app: 'web', tier: 'be' } }));
    c.addPod(lpod('e', 'n3', { labels: { app: 'db' } }));
    c.addPod(lpod('f', 'n3', {}));
    // Several label sets, merged.
    assert.deepEqual(matching(c, 'default', 'app=web'), [
      ['n1', 2],
      ['n2', 2],
    ]);
    assert.deepEqual(matching(c, 'default', 'app=web,tier=fe'), [
      ['n1', 2],
      ['n2', 1],
    ]);
    assert.deepEqual(matching(c, 'default', 'app=web,tier=fe,v=2'), [
      ['n1', 1],
      ['n2', 1],
    ]);
    assert.deepEqual(matching(c, 'default', 'app=web,v!=2'), [
      ['n1', 1],
      ['n2', 1],
    ]);
    assert.deepEqual(matching(c, 'default', 'app=web,!v'), [['n2', 1]]);
    assert.deepEqual(matching(c, 'default', 'app in (web,db),tier notin (fe)'), [
      ['n2', 1],
      ['n3', 1],
    ]);
    // No single-valued = or in: every label set is looked at.
    assert.deepEqual(matching(c, 'default', 'tier'), [
      ['n1', 2],
      ['n2', 2],
    ]);
    assert.deepEqual(matching(c, 'default', 'app notin (web)'), [['n3', 2]]);
    assert.deepEqual(matching(c, 'default', 'app,tier notin (be),v'), [
      ['n1', 2],
      ['n2', 1],
    ]);
    assert.deepEqual(matching(c, 'default', '!app'), [['n3', 1]]);
    // An empty selector selects every pod, one that matches nothing none.
    assert.deepEqual(entries(c.nodesWithPodsMatching('default', everything())), [
      ['n1', 2],
      ['n2', 2],
      ['n3', 2],
    ]);
    assert.deepEqual(entries(c.nodesWithPodsMatching('default', nothing())), []);
    // selectorFromSet gives the same as the parsed selector.
    assert.deepEqual(entries(c.nodesWithPodsMatching('default', selectorFromSet({ tier: 'fe', app: 'web' }))), matching(c, 'default', 'app=web,tier=fe'));
    // A value nobody has.
    assert.deepEqual(matching(c, 'default', 'app=web,tier=xx'), []);
  });

  it('a removed node’s pods leave the index; re-adding the node brings them back', () => {
    const c = cache();
    c.addPod(lpod('a', 'n1', { labels: web }));
    c.addPod(lpod('b', 'n1', { labels: web }));
    c.addPod(lpod('c', 'n2', { labels: web }));
    c.removeNode('n1');
    assert.deepEqual(matching(c, 'default', 'app=web'), [['n2', 1]]);
    // Orphans change nothing while their node is away.
    c.removePod(lpod('a', 'n1'));
    c.updatePod(lpod('b', 'n1', { labels: { app: 'web', v: '2' } }));
    c.addPod(lpod('d', 'n1', { labels: web }));
    assert.deepEqual(matching(c, 'default', 'app=web'), [['n2', 1]]);
    c.addNode(node('n1'));
    assert.deepEqual(matching(c, 'default', 'app=web'), [
      ['n1', 2],
      ['n2', 1],
    ]);
    assert.deepEqual(matching(c, 'default', 'v=2'), [['n1', 1]]);
    // The new NodeInfo is the key, not the removed one.
    const keys = [...c.nodesWithPodsMatching('default', parseSelector('app=web')).keys()];
    assert.ok(keys.includes(c.get('n1')!));
    // A removed node whose last pods leave: the label set is gone.
    c.removeNode('n2');
    assert.deepEqual(matching(c, 'default', 'app=web'), [['n1', 2]]);
    c.removeNode('n1');
    assert.deepEqual(matching(c, 'default', 'app=web'), []);
    assert.deepEqual(matching(c, 'default', 'app'), []);
  });

  it('pods bound or assumed before their node arrives are counted once it does', () => {
    const c = cache();
    c.addPod(lpod('a', 'ghost', { labels: web }));
    c.assumePod(lpod('b', '', { labels: web }), 'ghost');
    c.assumePod(lpod('x', '', { labels: web }), 'ghost');
    c.forgetPod(lpod('x', ''));
    assert.deepEqual(matching(c, 'default', 'app=web'), []);
    c.addNode(node('ghost', { zone: 'b' }));
    assert.deepEqual(matching(c, 'default', 'app=web'), [['ghost', 2]]);
    c.removePod(lpod('a', 'ghost'));
    assert.deepEqual(matching(c, 'default', 'app=web'), [['ghost', 1]]);
  });

  it('node updates (labels, zone) keep the counts', () => {
    const c = cache();
    c.addPod(lpod('a', 'n1', { labels: web }));
    c.updateNode(node('n1', { zone: 'z', labels: { x: 'y' } }));
    c.addNode(node('n2', { zone: 'a', labels: { x: 'z' } }));
    assert.deepEqual(matching(c, 'default', 'app=web'), [['n1', 1]]);
    assert.ok([...c.nodesWithPodsMatching('default', parseSelector('app=web')).keys()].includes(c.get('n1')!));
  });

  // ---- property ----

  const NODES = ['n0', 'n1', 'n2', 'n3'];
  const KEYS = ['app', 'tier', 'v'];
  const VALUES = ['web', 'db', '1', ''];
  const labelsArb = fc.option(fc.dictionary(fc.constantFrom(...KEYS), fc.constantFrom(...VALUES), { maxKeys: 3 }), { nil: undefined });
  const podArb = fc.record({
    name: fc.constantFrom('p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7'),
    ns: fc.constantFrom('a', 'b', undefined),
    labels: labelsArb,
    terminating: fc.boolean(),
  });
  type PodSpec = { name: string; ns: string | undefined; labels: Record<string, string> | undefined; terminating: boolean };
  const opArb = fc.oneof(
    { weight: 2, arbitrary: fc.record({ op: fc.constant('addNode' as const), node: fc.constantFrom(...NODES), zone: fc.constantFrom('a', 'b', undefined) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('removeNode' as const), node: fc.constantFrom(...NODES) }) },
    { weight: 4, arbitrary: fc.record({ op: fc.constant('addPod' as const), node: fc.constantFrom(...NODES), pod: podArb }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('updatePod' as const), node: fc.constantFrom(...NODES), pod: podArb }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('assumePod' as const), node: fc.constantFrom(...NODES), pod: podArb }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('forgetPod' as const), pod: podArb }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('removePod' as const), pod: podArb }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('query' as const) }) },
  );
  const reqArb = fc.oneof(
    fc.record({ key: fc.constantFrom(...KEYS), op: fc.constantFrom('=', '==', '!=', 'in', 'notin'), values: fc.uniqueArray(fc.constantFrom(...VALUES), { minLength: 1, maxLength: 2 }) }),
    fc.record({ key: fc.constantFrom(...KEYS), op: fc.constantFrom('exists', '!'), values: fc.constant([] as string[]) }),
  );
  const selectorArb = fc
    .array(reqArb, { maxLength: 3 })
    .map((rs) => selectorFromRequirements(rs.map((r) => newRequirement(r.key, r.op, r.op === '=' || r.op === '==' || r.op === '!=' ? r.values.slice(0, 1) : r.values))));

  /** The brute-force answer over the listed NodeInfos (zero counts left out). */
  function brute(c: SchedulerCache, ns: string, s: Selector): [string, number][] {
    const out: [string, number][] = [];
    for (const ni of c.list()) {
      let n = 0;
      for (const { pod: p } of ni.pods) {
        const m = p.metadata;
        if (m === undefined || (m.deletionTimestamp !== undefined && m.deletionTimestamp !== null)) continue;
        if ((m.namespace ?? 'default') !== ns) continue;
        if (s.matches(m.labels)) n++;
      }
      if (n > 0) out.push([ni.name, n]);
    }
    return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  it('property: after any sequence of cache operations, equals a brute-force count over list()', () => {
    const fixed = ['app=web', 'app=db', 'app in (web)', 'app in (web,db)', 'app!=web', 'app notin (web)', 'app', '!app', 'app=web,tier=1', 'tier,v=', 'tier in (db),v!=1'].map(
      (s) => parseSelector(s),
    );
    fixed.push(everything(), nothing());
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 40 }), fc.array(selectorArb, { minLength: 1, maxLength: 6 }), (ops, randomSelectors) => {
        const c = new SchedulerCache();
        const selectors = [...fixed, ...randomSelectors];
        const check = (): void => {
          const listed = new Set<NodeInfo>(c.list());
          for (const ns of ['a', 'b', 'default']) {
            for (const s of selectors) {
              const m = c.nodesWithPodsMatching(ns, s);
              for (const [ni, n] of m) {
                assert.ok(listed.has(ni), `${ni.name} is a listed NodeInfo`);
                assert.ok(n > 0, 'no zero counts');
              }
              assert.deepEqual(entries(m), brute(c, ns, s), `${ns} / ${s.toString()}`);
            }
          }
        };
        const mk = (p: PodSpec, nodeName: string) => lpod(p.name, nodeName, { ...(p.ns !== undefined ? { ns: p.ns } : {}), ...(p.labels !== undefined ? { labels: p.labels } : {}), terminating: p.terminating });
        for (const o of ops) {
          switch (o.op) {
            case 'addNode':
              c.addNode(node(o.node, o.zone === undefined ? {} : { zone: o.zone }));
              break;
            case 'removeNode':
              c.removeNode(o.node);
              break;
            case 'addPod':
              c.addPod(mk(o.pod, o.node));
              break;
            case 'updatePod':
              c.updatePod(mk(o.pod, o.node));
              break;
            case 'assumePod':
              c.assumePod(mk(o.pod, ''), o.node);
              break;
            case 'forgetPod':
              c.forgetPod(mk(o.pod, ''));
              break;
            case 'removePod':
              c.removePod(mk(o.pod, ''));
              break;
            case 'query':
              check();
              break;
          }
        }
        check();
      }),
      { numRuns: 150, seed: 424242 },
    );
  });
});

describe('SchedulerCache: domain counts', () => {
  it('counts the distinct values of a key over the listed nodes, a missing label as the value ""', () => {
    const c = new SchedulerCache();
    c.addNode(node('n1', { zone: 'a' }));
    c.addNode(node('n2', { zone: 'b' }));
    c.addNode(node('n3', { zone: 'a' }));
    assert.equal(c.domainCount('topology.kubernetes.io/zone'), 2);
    assert.equal(c.domainCount('kubernetes.io/hostname'), 1, 'no hostname labels: every node has ""');
    c.addNode(node('n4'));
    assert.equal(c.domainCount('topology.kubernetes.io/zone'), 3, 'a node without the label adds ""');
    c.updateNode(node('n4', { labels: { rack: 'r1' } }));
    assert.equal(c.domainCount('rack'), 2);
    c.updateNode(node('n4', { labels: { rack: 'r2' } }));
    assert.equal(c.domainCount('rack'), 2, 'r2 and ""');
    c.updateNode(node('n1', { zone: 'a', labels: { rack: 'r3' } }));
    assert.equal(c.domainCount('rack'), 3, 'a label change is seen');
    c.removeNode('n2');
    assert.equal(c.domainCount('topology.kubernetes.io/zone'), 2);
  });
});
