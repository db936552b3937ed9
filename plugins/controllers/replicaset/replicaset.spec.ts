import assert from 'node:assert/strict';
import { forbidden, formatRfc3339, unwrap, type KubeObject, type Pod, type ReplicaSet } from 'kubeprop';
import {
  markReady,
  pluginErrors,
  readyAll,
  replicaSetObject,
  runWithKubelet,
  startControllers,
  stored,
  storedPods,
  traceOf,
  type ControllerCluster,
  type StoredPod,
} from '../test-support.js';
import { CONTROLLER_UID_INDEX, ORPHANS_BY_NAMESPACE_INDEX, OWNERSHIP_INDEXERS, indexOrphansByNamespace } from './controller-indexes.js';
import { ControllerExpectations, EXPECTATIONS_TIMEOUT_MS } from './expectations.js';
import { getPodsToDelete, podDeletionCost } from './pod-deletion-order.js';
import { isPodAvailable } from './pod-state.js';
import {
  BURST_REPLICAS,
  CONCURRENT_REPLICASET_SYNCS,
  ORPHAN_POD_REQUEST_PREFIX,
  REPLICASET_CONTROLLER_NAME,
  newReplicaSetController,
  orphanPodRequests,
  replicaSetController,
} from './replicaset.js';
import { slowStartBatch } from './slow-start-batch.js';

type RS = DeepRS;
type DeepRS = NonNullable<ReturnType<typeof getRs>>;

function getRs(cl: ControllerCluster, name: string) {
  return stored<ReplicaSet & KubeObject>(cl.c, 'apps/v1', 'ReplicaSet', name);
}

function rs(cl: ControllerCluster, name: string): RS {
  const got = getRs(cl, name);
  assert.ok(got, `ReplicaSet ${name} exists`);
  return got;
}

function ownedPods(cl: ControllerCluster, owner: RS): StoredPod[] {
  return storedPods(cl.c).filter((p) => p.metadata.ownerReferences?.some((r) => r.controller === true && r.uid === owner.metadata.uid));
}

function create(cl: ControllerCluster, obj: KubeObject): void {
  unwrap(cl.c.client.create(obj));
}

function scale(cl: ControllerCluster, name: string, replicas: number): void {
  unwrap(cl.c.client.patch({ apiVersion: 'apps/v1', kind: 'ReplicaSet', namespace: 'default', name }, { spec: { replicas } }));
}

/** A bare pod as a test would build one for the ranking table. */
function rankPod(name: string, o: { node?: string; phase?: string; readyAtMs?: number; restarts?: number; createdMs?: number; cost?: number; uid?: string } = {}): StoredPod {
  const conditions = o.readyAtMs === undefined ? [] : [{ type: 'Ready', status: 'True', lastTransitionTime: formatRfc3339(o.readyAtMs) }];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      uid: o.uid ?? `uid-${name}`,
      creationTimestamp: formatRfc3339(o.createdMs ?? 0),
      ...(o.cost !== undefined ? { annotations: { 'controller.kubernetes.io/pod-deletion-cost': String(o.cost) } } : {}),
    },
    spec: { containers: [{ name: 'c', image: 'x' }], ...(o.node !== undefined ? { nodeName: o.node } : {}) },
    status: { phase: o.phase ?? 'Running', conditions, containerStatuses: [{ name: 'c', image: 'x', imageID: '', ready: true, restartCount: o.restarts ?? 0 }] },
  } as unknown as StoredPod;
}

describe('ReplicaSet controller', () => {
  it('is named and tuned as upstream', () => {
    assert.equal(replicaSetController.name, REPLICASET_CONTROLLER_NAME);
    assert.equal(REPLICASET_CONTROLLER_NAME, 'replicaset-controller');
    assert.equal(replicaSetController.for, 'apps/ReplicaSet');
    assert.deepEqual(replicaSetController.owns, ['Pod']);
    assert.equal(replicaSetController.maxConcurrentReconciles, CONCURRENT_REPLICASET_SYNCS);
    assert.equal(BURST_REPLICAS, 500);
    assert.equal(EXPECTATIONS_TIMEOUT_MS, 300_000);
    assert.equal(replicaSetController.indexers?.['Pod'], OWNERSHIP_INDEXERS);
  });

  describe('slowStartBatch', () => {
    const table: [count: number, failAt: number | undefined, batches: number[], successes: number][] = [
      [0, undefined, [], 0],
      [1, undefined, [1], 1],
      [3, undefined, [1, 2], 3],
      [10, undefined, [1, 2, 4, 3], 10],
      [500, undefined, [1, 2, 4, 8, 16, 32, 64, 128, 245], 500],
      // The first call fails: nothing more is tried.
      [10, 1, [1], 0],
      // The third call (second of batch 2) fails: the batch completes, no batch 3.
      [10, 3, [1, 2], 2],
      // A failure in batch 3 (calls 4..7): all four are made.
      [10, 5, [1, 2, 4], 6],
    ];
    for (const [count, failAt, batches, successes] of table) {
      it(`${count} calls${failAt === undefined ? '' : `, call ${failAt} fails`} ⇒ batches [${batches.join(', ')}], ${successes} successes`, () => {
        let call = 0;
        const r = slowStartBatch(count, 1, () => (++call === failAt ? 'quota' : undefined));
        assert.deepEqual(r.batches, batches);
        assert.equal(r.successes, successes);
        assert.equal(r.attempted, batches.reduce((a, b) => a + b, 0));
        assert.equal(r.error, failAt === undefined ? undefined : 'quota');
      });
    }
  });

  describe('scale up', () => {
    it('creates the missing pods from the template in slow-start batches, owned by the ReplicaSet', () => {
      const cl = startControllers(1, [replicaSetController]);
      create(cl, replicaSetObject('web', { replicas: 10 }));
      cl.c.sim.runFor(2_000);
      const owner = rs(cl, 'web');
      const pods = ownedPods(cl, owner);
      assert.equal(pods.length, 10);
      for (const p of pods) {
        assert.match(p.metadata.name ?? '', /^web-[a-z0-9]{5}$/);
        assert.deepEqual(p.metadata.labels, { app: 'web' });
        assert.deepEqual(p.metadata.ownerReferences, [
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: owner.metadata.uid, controller: true, blockOwnerDeletion: true },
        ]);
        assert.equal(p.spec?.containers[0]?.image, 'nginx:1.27');
      }
      const starts = traceOf(cl.c, 'slow-start');
      assert.equal(starts.length, 1, 'one sync created them all');
      assert.equal(starts[0]?.['batches'], '1,2,4,3');
      assert.deepEqual(owner.status, { replicas: 10, fullyLabeledReplicas: 10, terminatingReplicas: 0, observedGeneration: 1 });
      assert.equal(traceOf(cl.c, 'event').filter((e) => e['reason'] === 'SuccessfulCreate').length, 10);
      assert.deepEqual(pluginErrors(cl), []);
    });

    it('reports ready and available pods', () => {
      const cl = startControllers(2, [replicaSetController]);
      create(cl, replicaSetObject('web', { replicas: 3 }));
      runWithKubelet(cl, 2_000);
      assert.deepEqual(rs(cl, 'web').status, { replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 3, availableReplicas: 3, terminatingReplicas: 0, observedGeneration: 1 });
    });

    it('creates at most burstReplicas (500) pods per sync, and the rest once those are observed', () => {
      const cl = startControllers(3, [replicaSetController]);
      create(cl, replicaSetObject('big', { replicas: 620 }));
      cl.c.sim.runFor(5_000);
      assert.equal(ownedPods(cl, rs(cl, 'big')).length, 620);
      const starts = traceOf(cl.c, 'slow-start');
      assert.deepEqual(
        starts.map((s) => s['created']),
        [500, 120],
      );
      assert.equal(starts[0]?.['batches'], '1,2,4,8,16,32,64,128,245');
    });

    it('stops at the first failed batch, reports ReplicaFailure/FailedCreate, and recovers', () => {
      const cl = startControllers(4, [replicaSetController]);
      let allowed = 2;
      cl.c.raw.interceptor = (verb, t) => {
        if (verb !== 'create' || t.kind !== 'Pod') return undefined;
        if (allowed > 0) {
          allowed--;
          return undefined;
        }
        return forbidden({ group: '', resource: 'pods' }, t.name ?? '', 'exceeded quota: pods, requested: pods=1, used: pods=2, limited: pods=2');
      };
      create(cl, replicaSetObject('web', { replicas: 5 }));
      cl.c.sim.runFor(300);
      const first = traceOf(cl.c, 'slow-start')[0];
      assert.equal(first?.['batches'], '1,2', 'batch 2 failed, so no batch of 4');
      assert.equal(first?.['created'], 2);
      assert.equal(first?.['skipped'], 2);
      const failed = rs(cl, 'web');
      const cond = failed.status?.conditions?.[0];
      assert.equal(cond?.type, 'ReplicaFailure');
      assert.equal(cond?.status, 'True');
      assert.equal(cond?.reason, 'FailedCreate');
      assert.match(cond?.message ?? '', /is forbidden: exceeded quota/);
      // Quota raised: the rate-limited retries create the rest and clear the condition.
      cl.c.raw.interceptor = undefined;
      cl.c.sim.runFor(10_000);
      const healed = rs(cl, 'web');
      assert.equal(ownedPods(cl, healed).length, 5);
      assert.equal(healed.status?.conditions, undefined);
      assert.deepEqual(pluginErrors(cl), []);
    });
  });

  describe('scale down', () => {
    const now = 100_000_000;
    const table: [rule: string, pods: StoredPod[], related: StoredPod[], first: string][] = [
      ['unassigned before assigned', [rankPod('a', { node: 'n1' }), rankPod('b')], [], 'b'],
      ['Pending before Running', [rankPod('a', { node: 'n1', phase: 'Running' }), rankPod('b', { node: 'n1', phase: 'Pending' })], [], 'b'],
      ['Unknown before Running', [rankPod('a', { node: 'n1', phase: 'Running' }), rankPod('b', { node: 'n1', phase: 'Unknown' })], [], 'b'],
      ['Pending before Unknown', [rankPod('a', { node: 'n1', phase: 'Unknown' }), rankPod('b', { node: 'n1', phase: 'Pending' })], [], 'b'],
      ['not ready before ready', [rankPod('a', { node: 'n1', readyAtMs: 0 }), rankPod('b', { node: 'n1' })], [], 'b'],
      ['lower deletion cost first', [rankPod('a', { node: 'n1', cost: 10 }), rankPod('b', { node: 'n1', cost: -5 })], [], 'b'],
      [
        'doubled up before alone',
        [rankPod('a', { node: 'n1', readyAtMs: 0 }), rankPod('b', { node: 'n2', readyAtMs: 0 })],
        [rankPod('a', { node: 'n1' }), rankPod('b', { node: 'n2' }), rankPod('c', { node: 'n2' })],
        'b',
      ],
      ['ready more recently first', [rankPod('a', { node: 'n1', readyAtMs: 0 }), rankPod('b', { node: 'n1', readyAtMs: now - 1_000 })], [], 'b'],
      ['more restarts first', [rankPod('a', { node: 'n1', restarts: 1 }), rankPod('b', { node: 'n1', restarts: 4 })], [], 'b'],
      ['newer first', [rankPod('a', { node: 'n1', createdMs: 0 }), rankPod('b', { node: 'n1', createdMs: now - 60_000 })], [], 'b'],
      // 60 s and 61 s ago fall in the same power-of-two bucket of nanoseconds: the uid decides.
      ['same log2 age bucket: by uid', [rankPod('a', { node: 'n1', createdMs: now - 61_000, uid: 'u1' }), rankPod('b', { node: 'n1', createdMs: now - 60_000, uid: 'u2' })], [], 'a'],
      ['full tie: by uid', [rankPod('b', { node: 'n1', uid: 'u2' }), rankPod('a', { node: 'n1', uid: 'u1' })], [], 'a'],
    ];
    for (const [rule, pods, related, first] of table) {
      it(`victim order: ${rule}`, () => {
        assert.equal(getPodsToDelete(pods, related, 1, now)[0]?.metadata.name, first);
        assert.equal(getPodsToDelete([...pods].reverse(), related, 1, now)[0]?.metadata.name, first, 'independent of input order');
      });
    }

    it('reads the deletion cost as a 32-bit integer, 0 when invalid', () => {
      assert.equal(podDeletionCost(rankPod('a', { cost: -7 })), -7);
      const bad = { ...rankPod('b'), metadata: { ...rankPod('b').metadata, annotations: { 'controller.kubernetes.io/pod-deletion-cost': '1.5' } } } as StoredPod;
      assert.equal(podDeletionCost(bad), 0);
      const big = { ...rankPod('c'), metadata: { ...rankPod('c').metadata, annotations: { 'controller.kubernetes.io/pod-deletion-cost': '3000000000' } } } as StoredPod;
      assert.equal(podDeletionCost(big), 0);
    });

    it('deletes surplus pods, not-ready ones first, and observes the deletions', () => {
      const cl = startControllers(5, [replicaSetController]);
      create(cl, replicaSetObject('web', { replicas: 5 }));
      cl.c.sim.runFor(1_000);
      const pods = ownedPods(cl, rs(cl, 'web'));
      // Three pods become ready; two stay pending.
      const readyNames = pods.slice(0, 3).map((p) => p.metadata.name);
      for (const p of pods.slice(0, 3)) markReady(cl.c, p);
      cl.c.sim.runFor(1_000);
      scale(cl, 'web', 3);
      cl.c.sim.runFor(1_000);
      const left = ownedPods(cl, rs(cl, 'web'));
      assert.deepEqual(left.map((p) => p.metadata.name).sort(), [...readyNames].sort());
      assert.deepEqual(rs(cl, 'web').status, { replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 3, availableReplicas: 3, terminatingReplicas: 0, observedGeneration: 2 });
      assert.equal(traceOf(cl.c, 'event').filter((e) => e['reason'] === 'SuccessfulDelete').length, 2);
      assert.deepEqual(pluginErrors(cl), []);
    });

    it('counts terminating pods apart and replaces them at once', () => {
      const cl = startControllers(6, [replicaSetController]);
      create(cl, replicaSetObject('web', { replicas: 2 }));
      runWithKubelet(cl, 1_000);
      const victim = ownedPods(cl, rs(cl, 'web'))[0] as StoredPod;
      // A graceful deletion: the pod stays, marked, for its grace period.
      unwrap(cl.c.store.delete({ apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: victim.metadata.name ?? '' }, { gracePeriodSeconds: 30 }));
      cl.c.network.notify('Pod');
      cl.c.sim.runFor(1_000);
      const status = rs(cl, 'web').status;
      assert.equal(status?.replicas, 2, 'a replacement was created');
      assert.equal(status?.terminatingReplicas, 1);
      assert.equal(ownedPods(cl, rs(cl, 'web')).length, 3);
    });
  });

  describe('adoption and release', () => {
    function bare(name: string, labels: Record<string, string>): KubeObject {
      return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels }, spec: { containers: [{ name: 'c', image: 'x' }] } };
    }

    it('adopts matching orphans instead of creating pods', () => {
      const cl = startControllers(7, [replicaSetController]);
      create(cl, bare('orphan-1', { app: 'web' }));
      create(cl, bare('other', { app: 'db' }));
      create(cl, replicaSetObject('web', { replicas: 3 }));
      cl.c.sim.runFor(1_000);
      const owner = rs(cl, 'web');
      const owned = ownedPods(cl, owner).map((p) => p.metadata.name);
      assert.equal(owned.length, 3);
      assert.ok(owned.includes('orphan-1'));
      const other = stored<Pod & KubeObject>(cl.c, 'v1', 'Pod', 'other');
      assert.equal(other?.metadata.ownerReferences, undefined);
      assert.equal(traceOf(cl.c, 'adopt').length, 1);
      assert.deepEqual(pluginErrors(cl), []);
    });

    it('adopts an orphan that appears later, then deletes the surplus', () => {
      const cl = startControllers(8, [replicaSetController]);
      create(cl, replicaSetObject('web', { replicas: 2 }));
      runWithKubelet(cl, 1_000);
      create(cl, bare('late', { app: 'web' }));
      cl.c.sim.runFor(1_000);
      const owned = ownedPods(cl, rs(cl, 'web'));
      assert.equal(owned.length, 2);
      // The adopted pod is not ready, so it is the one deleted.
      assert.equal(stored(cl.c, 'v1', 'Pod', 'late'), undefined);
      assert.equal(traceOf(cl.c, 'adopt').length, 1);
    });

    it('releases a pod whose labels stop matching, and replaces it', () => {
      const cl = startControllers(9, [replicaSetController]);
      create(cl, replicaSetObject('web', { replicas: 2 }));
      runWithKubelet(cl, 1_000);
      const moved = ownedPods(cl, rs(cl, 'web'))[0] as StoredPod;
      unwrap(cl.c.client.patch({ apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: moved.metadata.name ?? '' }, { metadata: { labels: { app: 'debug' } } }));
      cl.c.sim.runFor(1_000);
      const released = stored<Pod & KubeObject>(cl.c, 'v1', 'Pod', moved.metadata.name ?? '');
      assert.equal(released?.metadata.ownerReferences, undefined, 'released: no owner reference left');
      assert.equal(ownedPods(cl, rs(cl, 'web')).length, 2);
      assert.equal(storedPods(cl.c).length, 3);
      assert.equal(traceOf(cl.c, 'release').length, 1);
      assert.deepEqual(pluginErrors(cl), []);
    });

    it('a ReplicaSet being deleted neither adopts nor releases', () => {
      const cl = startControllers(10, [replicaSetController]);
      const obj = replicaSetObject('web', { replicas: 1 });
      create(cl, { ...obj, metadata: { ...obj.metadata, finalizers: ['example.com/hold'] } });
      runWithKubelet(cl, 1_000);
      unwrap(cl.c.client.delete({ apiVersion: 'apps/v1', kind: 'ReplicaSet', namespace: 'default', name: 'web' }));
      create(cl, bare('orphan', { app: 'web' }));
      cl.c.sim.runFor(1_000);
      assert.equal(stored<Pod & KubeObject>(cl.c, 'v1', 'Pod', 'orphan')?.metadata.ownerReferences, undefined);
      assert.equal(storedPods(cl.c).length, 2, 'and it neither creates nor deletes');
    });

    it('maps only orphan pod events to orphan-claim requests', () => {
      const orphan = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns' } } as KubeObject;
      assert.deepEqual(orphanPodRequests(orphan), [{ namespace: 'ns', name: `${ORPHAN_POD_REQUEST_PREFIX}p` }]);
      const owned = { ...orphan, metadata: { ...orphan.metadata, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'r', uid: 'u', controller: true }] } };
      assert.deepEqual(orphanPodRequests(owned), []);
      const deleting = { ...orphan, metadata: { ...orphan.metadata, deletionTimestamp: formatRfc3339(0) } };
      assert.deepEqual(orphanPodRequests(deleting), []);
      // Bound orphans (bare pods, whose status updates are frequent) wait for the next sync.
      assert.deepEqual(orphanPodRequests({ ...orphan, spec: { nodeName: 'n1' } }), []);
      assert.deepEqual(indexOrphansByNamespace(orphan), ['ns']);
      assert.deepEqual(indexOrphansByNamespace(owned), []);
      assert.equal(CONTROLLER_UID_INDEX, 'controllerUid');
      assert.equal(ORPHANS_BY_NAMESPACE_INDEX, 'orphansByNamespace');
    });
  });

  describe('expectations', () => {
    it('hold until every expected creation and deletion is seen, or 5 minutes pass', () => {
      const e = new ControllerExpectations();
      const pods = new Map<string, StoredPod>();
      const lookup = (name: string) => pods.get(name);
      assert.equal(e.satisfied('ns/rs', 0), true, 'no expectations: sync');
      e.expectCreations('ns/rs', [{ name: 'a', uid: '1' }, { name: 'b', uid: '2' }], 0);
      assert.equal(e.satisfied('ns/rs', 10), false);
      pods.set('a', rankPod('a', { uid: '1' }));
      e.observe('ns/rs', lookup);
      assert.deepEqual(e.pending('ns/rs'), { creates: 1, deletes: 0 });
      assert.equal(e.satisfied('ns/rs', 10), false);
      assert.equal(e.satisfied('ns/rs', EXPECTATIONS_TIMEOUT_MS + 1), true, 'expired');
      pods.set('b', rankPod('b', { uid: '2' }));
      e.observe('ns/rs', lookup);
      assert.equal(e.satisfied('ns/rs', 20), true);
      e.expectDeletions('ns/rs', [{ name: 'a', uid: '1' }, { name: 'b', uid: '2' }], 30);
      pods.delete('a');
      const marked = rankPod('b', { uid: '2' });
      pods.set('b', { ...marked, metadata: { ...marked.metadata, deletionTimestamp: formatRfc3339(30) } } as StoredPod);
      e.observe('ns/rs', lookup);
      assert.equal(e.satisfied('ns/rs', 40), true, 'gone, or marked for deletion, counts as observed');
    });

    /** Runs a 5-replica ReplicaSet with a slow informer and returns the most pods ever seen at once. */
    function peakPods(definition = replicaSetController, seed = 11): { peak: number; final: number } {
      const cl = startControllers(seed, [definition], { informerLatencyMs: { minMs: 500, maxMs: 3_000 } });
      create(cl, replicaSetObject('web', { replicas: 5 }));
      let peak = 0;
      runWithKubelet(cl, 30_000, {
        sliceMs: 500,
        check: () => {
          peak = Math.max(peak, storedPods(cl.c).filter((p) => p.metadata.deletionTimestamp === undefined).length);
        },
      });
      return { peak, final: storedPods(cl.c).length };
    }

    it('with a lagging informer (0.5-3 s), never create more pods than wanted', () => {
      for (const seed of [11, 12, 13]) {
        const { peak, final } = peakPods(replicaSetController, seed);
        assert.equal(peak, 5, `seed ${seed}`);
        assert.equal(final, 5);
      }
    });

    it('are what prevents it: without them (timeout 0) the same run over-creates', () => {
      const careless = newReplicaSetController({ name: 'careless', expectationsTimeoutMs: 0 });
      const peaks = [11, 12, 13].map((seed) => peakPods(careless, seed).peak);
      assert.ok(
        peaks.some((p) => p > 5),
        `expected over-creation, peaks ${peaks.join(',')}`,
      );
    });
  });

  describe('minReadySeconds', () => {
    it('counts a pod available only minReadySeconds after it became ready, and comes back by itself', () => {
      const cl = startControllers(14, [replicaSetController]);
      create(cl, replicaSetObject('web', { replicas: 2, minReadySeconds: 10 }));
      cl.c.sim.runFor(1_000);
      readyAll(cl.c);
      cl.c.sim.runFor(2_000);
      assert.equal(rs(cl, 'web').status?.readyReplicas, 2);
      assert.equal(rs(cl, 'web').status?.availableReplicas, undefined);
      cl.c.sim.runFor(10_000);
      assert.equal(rs(cl, 'web').status?.availableReplicas, 2, 'no pod event needed');
    });

    it('isPodAvailable: strictly more than minReadySeconds since the ready transition', () => {
      const p = rankPod('a', { readyAtMs: 10_000 });
      assert.equal(isPodAvailable(p, 0, 10_000), true);
      assert.equal(isPodAvailable(p, 5, 15_000), false);
      assert.equal(isPodAvailable(p, 5, 15_001), true);
      assert.equal(isPodAvailable(rankPod('b'), 0, 0), false);
    });
  });

  it('is deterministic: same seed, same trace', () => {
    const digest = (seed: number) => {
      const cl = startControllers(seed, [replicaSetController], { informerLatencyMs: { minMs: 1, maxMs: 200 } });
      create(cl, replicaSetObject('web', { replicas: 20 }));
      runWithKubelet(cl, 3_000);
      scale(cl, 'web', 7);
      runWithKubelet(cl, 3_000);
      return cl.c.sim.trace.digest();
    };
    assert.equal(digest(21), digest(21));
    assert.notEqual(digest(21), digest(22));
  });
});
