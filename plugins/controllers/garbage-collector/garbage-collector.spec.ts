import assert from 'node:assert/strict';
import {
  ConfigError,
  ControllerManager,
  newTestCluster,
  unwrap,
  type DeepReadonly,
  type DeletionPropagation,
  type KubeObject,
  type OwnerReference,
  type RuntimePayload,
  type TestCluster,
  type Watcher,
} from 'kubeprop';
import { gcRequest, gcTarget } from './gc-keys.js';
import {
  GARBAGE_COLLECTOR_CONTROLLER_NAME,
  GC_DEFAULT_KINDS,
  garbageCollectorController,
  indexByOwnerCoordinates,
  newGarbageCollectorController,
} from './garbage-collector.js';

type Obj = DeepReadonly<KubeObject>;

interface Harness {
  readonly c: TestCluster<RuntimePayload>;
  readonly manager: ControllerManager;
}

function start(seed: number, gc = garbageCollectorController): Harness {
  const c = newTestCluster(seed, { traceLimit: 0 });
  const manager = new ControllerManager({ sim: c.sim, network: c.network, name: 'kube-controller-manager-0', client: c.raw, controllers: [gc], leaderElection: false });
  manager.start();
  c.sim.runFor(1_000);
  return { c, manager };
}

function create(h: Harness, obj: KubeObject): Obj {
  return unwrap(h.c.client.create(obj));
}

function ref(owner: Obj, block = true, controller = true): OwnerReference {
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name ?? '', uid: owner.metadata.uid ?? '', controller, blockOwnerDeletion: block };
}

function deployment(name: string): KubeObject {
  const labels = { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: { replicas: 2, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  };
}

function replicaSet(name: string, owners: OwnerReference[]): KubeObject {
  const labels = { app: 'web' };
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: 'default', ownerReferences: owners },
    spec: { replicas: 2, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  };
}

function pod(name: string, owners: OwnerReference[], namespace = 'default'): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, ownerReferences: owners }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
}

/** Deployment web → ReplicaSet web-1 → pods web-1-a, web-1-b, every reference controlling and blocking. */
function chain(h: Harness): { d: Obj; rs: Obj; pods: Obj[] } {
  const d = create(h, deployment('web'));
  const rs = create(h, replicaSet('web-1', [ref(d)]));
  const pods = ['a', 'b'].map((x) => create(h, pod(`web-1-${x}`, [ref(rs)])));
  h.c.sim.runFor(1_000);
  return { d, rs, pods };
}

function exists(h: Harness, apiVersion: string, kind: string, name: string, namespace: string | undefined = 'default'): Obj | undefined {
  const got = h.c.store.get({ apiVersion, kind, name, ...(namespace !== undefined ? { namespace } : {}) });
  return got.ok ? got.value : undefined;
}

function del(h: Harness, obj: Obj, propagationPolicy?: DeletionPropagation): void {
  unwrap(h.c.client.delete({ apiVersion: obj.apiVersion, kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name ?? '' }, propagationPolicy === undefined ? {} : { propagationPolicy }));
}

/** Records deletions of the given kinds, in revision order. */
function deletions(h: Harness, kinds: readonly { apiVersion: string; kind: string }[]): () => string[] {
  const watchers: Watcher[] = kinds.map((k) => unwrap(h.c.store.watch({ ...k, resourceVersion: String(h.c.store.revision) })));
  return () => {
    const seen: { revision: number; what: string }[] = [];
    for (const w of watchers) {
      for (const e of w.poll()) if (e.type === 'DELETED') seen.push({ revision: e.revision, what: `${e.object.kind}/${e.object.metadata.name ?? ''}` });
    }
    return seen.sort((a, b) => a.revision - b.revision).map((s) => s.what);
  };
}

const KINDS = [
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'apps/v1', kind: 'ReplicaSet' },
  { apiVersion: 'v1', kind: 'Pod' },
];

describe('garbage collector', () => {
  it('is named as in kube-controller-manager and watches every built-in kind but events', () => {
    assert.equal(garbageCollectorController.name, GARBAGE_COLLECTOR_CONTROLLER_NAME);
    assert.equal(GARBAGE_COLLECTOR_CONTROLLER_NAME, 'garbage-collector-controller');
    assert.ok(GC_DEFAULT_KINDS.includes('apps/ReplicaSet') && GC_DEFAULT_KINDS.includes('discovery.k8s.io/EndpointSlice') && GC_DEFAULT_KINDS.includes('coordination.k8s.io/Lease'));
    assert.equal(GC_DEFAULT_KINDS.includes('Event'), false);
    assert.throws(() => newGarbageCollectorController({ kinds: ['Event'] }), ConfigError);
    assert.throws(() => newGarbageCollectorController({ kinds: ['example.com/Widget'] }), ConfigError, 'custom kinds need their scope');
    assert.throws(() => newGarbageCollectorController({ absentOwnerCacheSize: 0 }), ConfigError);
  });

  it('names its requests by kind, namespace and name', () => {
    const cases = [
      { group: 'apps', kind: 'ReplicaSet', namespace: 'default', name: 'web-1' },
      { group: '', kind: 'Node', namespace: '', name: 'node-1' },
      { group: '', kind: 'Pod', namespace: 'default', name: 'web-1-a' },
      { group: 'example.com', kind: 'Widget', namespace: 'ns', name: 'a:b.c' },
    ];
    for (const t of cases) {
      const req = gcRequest(t);
      assert.equal(req.name.includes('/'), false);
      assert.deepEqual(gcTarget(req), t);
    }
    assert.deepEqual(gcRequest(cases[2] as (typeof cases)[number]), { namespace: 'default', name: 'web-1-a' }, 'pods keep their plain key');
    const obj = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', ownerReferences: [ref({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'rs', uid: 'u' } })] } };
    assert.deepEqual(indexByOwnerCoordinates(obj), ['apps/ReplicaSet/rs']);
  });

  it('background: deleting the Deployment deletes the ReplicaSet, then its pods', () => {
    const h = start(31);
    const { d } = chain(h);
    const order = deletions(h, KINDS);
    del(h, d, 'Background');
    h.c.sim.runFor(5_000);
    assert.deepEqual(order(), ['Deployment/web', 'ReplicaSet/web-1', 'Pod/web-1-a', 'Pod/web-1-b']);
  });

  it('foreground: the pods go first, then the ReplicaSet, then the Deployment', () => {
    const h = start(32);
    const { d } = chain(h);
    const order = deletions(h, KINDS);
    del(h, d, 'Foreground');
    h.c.sim.runFor(20);
    const waiting = exists(h, 'apps/v1', 'Deployment', 'web');
    assert.ok(waiting?.metadata.deletionTimestamp !== undefined, 'the Deployment waits for its dependents');
    assert.deepEqual(waiting?.metadata.finalizers, ['foregroundDeletion']);
    h.c.sim.runFor(5_000);
    assert.deepEqual(order(), ['Pod/web-1-a', 'Pod/web-1-b', 'ReplicaSet/web-1', 'Deployment/web']);
  });

  it('foreground: a dependent holding no block does not hold the owner', () => {
    const h = start(33);
    const d = create(h, deployment('web'));
    const rs = create(h, replicaSet('web-1', [ref(d, false)]));
    create(h, pod('web-1-a', [ref(rs)]));
    h.c.sim.runFor(1_000);
    const order = deletions(h, KINDS);
    del(h, d, 'Foreground');
    h.c.sim.runFor(5_000);
    const seen = order();
    assert.deepEqual([...seen].sort(), ['Deployment/web', 'Pod/web-1-a', 'ReplicaSet/web-1']);
    assert.ok(seen.indexOf('Pod/web-1-a') < seen.indexOf('ReplicaSet/web-1'), 'the ReplicaSet itself is deleted in the foreground');
  });

  it('orphan: the ReplicaSet and pods stay, without references to the Deployment', () => {
    const h = start(34);
    const { d, rs } = chain(h);
    del(h, d, 'Orphan');
    h.c.sim.runFor(5_000);
    assert.equal(exists(h, 'apps/v1', 'Deployment', 'web'), undefined, 'the owner goes once its dependents are orphaned');
    const left = exists(h, 'apps/v1', 'ReplicaSet', 'web-1');
    assert.ok(left !== undefined);
    assert.equal(left.metadata.ownerReferences, undefined);
    for (const p of ['web-1-a', 'web-1-b']) assert.deepEqual(exists(h, 'v1', 'Pod', p)?.metadata.ownerReferences?.[0]?.uid, rs.metadata.uid, `${p} keeps its ReplicaSet`);
  });

  it('treats an owner reference with the wrong uid as dangling, and one to a missing owner too', () => {
    const h = start(35);
    const rs = create(h, replicaSet('web-1', []));
    create(h, pod('stale', [{ ...ref(rs), uid: 'not-the-uid' }]));
    create(h, pod('orphaned', [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'never', uid: 'u-never', controller: true }]));
    create(h, pod('fine', [ref(rs)]));
    h.c.sim.runFor(3_000);
    assert.equal(exists(h, 'v1', 'Pod', 'stale'), undefined);
    assert.equal(exists(h, 'v1', 'Pod', 'orphaned'), undefined);
    assert.ok(exists(h, 'v1', 'Pod', 'fine') !== undefined);
    assert.ok(exists(h, 'apps/v1', 'ReplicaSet', 'web-1') !== undefined);
  });

  it('keeps an object with another live owner and removes the reference to the gone one', () => {
    const h = start(36);
    const a = create(h, replicaSet('a', []));
    const b = create(h, replicaSet('b', []));
    create(h, pod('shared', [ref(a, true, false), ref(b, true, false)]));
    h.c.sim.runFor(1_000);
    del(h, a);
    h.c.sim.runFor(3_000);
    const left = exists(h, 'v1', 'Pod', 'shared');
    assert.ok(left !== undefined);
    assert.deepEqual(left.metadata.ownerReferences?.map((r) => r.name), ['b']);
  });

  it('does not touch a dependent whose owner appears in the API before its informer catches up', () => {
    const h = start(37);
    h.manager.informer('apps/ReplicaSet')?.pause();
    const rs = create(h, replicaSet('late', []));
    create(h, pod('p', [ref(rs)]));
    h.c.sim.runFor(2_000);
    assert.ok(exists(h, 'v1', 'Pod', 'p') !== undefined, 'the live read of the owner finds it');
  });

  it('collects across scopes: a node lease goes with its node', () => {
    const h = start(38);
    const node = create(h, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
    create(h, {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'n1', namespace: 'kube-node-lease', ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'n1', uid: node.metadata.uid ?? '' }] },
      spec: { holderIdentity: 'n1' },
    });
    h.c.sim.runFor(1_000);
    del(h, node);
    h.c.sim.runFor(3_000);
    assert.equal(exists(h, 'coordination.k8s.io/v1', 'Lease', 'n1', 'kube-node-lease'), undefined);
  });

  it('watches custom resources listed with their scope', () => {
    const widget = { group: 'example.com', versions: ['v1'], kind: 'Widget', plural: 'widgets', namespaced: true, hasStatusSubresource: false, allowUnconditionalUpdate: false, tracksGeneration: false };
    const c = newTestCluster(39, { traceLimit: 0 });
    c.store.registerKind(widget);
    const manager = new ControllerManager({
      sim: c.sim,
      network: c.network,
      name: 'kube-controller-manager-0',
      client: c.raw,
      controllers: [newGarbageCollectorController({ kinds: ['Pod', 'apps/ReplicaSet'], customKinds: [{ kind: 'example.com/Widget', namespaced: true }] })],
      leaderElection: false,
    });
    manager.start();
    const h: Harness = { c, manager };
    const w = create(h, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'default' } });
    create(h, pod('child', [ref(w)]));
    c.sim.runFor(1_000);
    del(h, w, 'Foreground');
    c.sim.runFor(3_000);
    assert.equal(exists(h, 'example.com/v1', 'Widget', 'w'), undefined);
    assert.equal(exists(h, 'v1', 'Pod', 'child'), undefined);
  });
});
