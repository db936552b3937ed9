import assert from 'node:assert/strict';
import type { KubeObject } from '../api/types.js';
import { unwrap } from '../store/api-result.js';
import { StoreApiClient, newTestCluster, type TestCluster } from './controller-test-kit.js';
import { ControllerManager } from './controller-manager.js';
import { defineController, reconcileDone, retryReconcile, type ControllerDefinition } from './reconciler.js';
import type { RuntimePayload } from './runtime-host.js';

function cm(name: string, data: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data };
}

/**
 * A controller that copies each ConfigMap's `data.want` to `data.have` (a write that triggers
 * another reconcile, which then has nothing to do).
 */
const mirror: ControllerDefinition = defineController({
  name: 'mirror',
  for: 'ConfigMap',
  reconcile: (req, ctx) => {
    const got = ctx.client.get<KubeObject>('ConfigMap', req.namespace, req.name);
    if (!got.ok) return got.error.code === 404 ? reconcileDone() : retryReconcile(got.error.reason);
    const data = (got.value.data ?? {}) as Record<string, string>;
    if (data['want'] === data['have']) return reconcileDone();
    const res = ctx.client.update({ ...got.value, data: { ...data, have: data['want'] ?? '' } });
    return res.ok ? reconcileDone() : retryReconcile(res.error.reason);
  },
});

interface Replica {
  readonly manager: ControllerManager;
  readonly raw: StoreApiClient;
}

function replica(c: TestCluster<RuntimePayload>, i: number, restartAfterLostLeaseMs = 10_000): Replica {
  const raw = new StoreApiClient(c.store, `kube-controller-manager-${i}`);
  const manager = new ControllerManager({
    sim: c.sim,
    network: c.network,
    name: `kube-controller-manager-${i}`,
    client: raw,
    controllers: [mirror],
    restartAfterLostLeaseMs,
  });
  return { manager, raw };
}

function settled(c: TestCluster<RuntimePayload>): boolean {
  const items = unwrap(c.store.list({ apiVersion: 'v1', kind: 'ConfigMap' })).items;
  return items.every((o) => {
    const d = (o.data ?? {}) as Record<string, string>;
    return d['want'] === d['have'];
  });
}

/** Two replicas, a workload, the leader crashes at 30 s and comes back 20 s after the takeover. */
function scenario(seed: number) {
  const c = newTestCluster(seed, { traceLimit: 0 });
  const r0 = replica(c, 0);
  const r1 = replica(c, 1);
  r0.manager.start();
  r1.manager.start();
  for (let i = 0; i < 5; i++) unwrap(c.client.create(cm(`cm-${i}`, { want: 'v1' })));
  c.sim.runFor(30_000);
  const leaderBefore = r0.manager.leading ? r0 : r1;
  const follower = leaderBefore === r0 ? r1 : r0;
  leaderBefore.manager.crash();
  for (let i = 0; i < 5; i++) {
    const o = unwrap(c.store.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: `cm-${i}` }));
    unwrap(c.client.update({ ...o, data: { ...(o.data as Record<string, string>), want: 'v2' } }));
  }
  const crashAt = c.sim.nowMs;
  c.sim.runUntil(() => follower.manager.leading, { maxMs: 60_000 });
  const takeoverMs = c.sim.nowMs - crashAt;
  c.sim.runFor(20_000);
  leaderBefore.manager.restart();
  c.sim.runFor(30_000);
  return { c, leaderBefore, follower, takeoverMs };
}

describe('ControllerManager', () => {
  it('only the leader runs its controllers', () => {
    const c = newTestCluster(2);
    const r0 = replica(c, 0);
    const r1 = replica(c, 1);
    r0.manager.start();
    r1.manager.start();
    for (let i = 0; i < 3; i++) unwrap(c.client.create(cm(`cm-${i}`, { want: 'x' })));
    c.sim.runFor(20_000);
    assert.ok(settled(c));
    const [leader, other] = r0.manager.leading ? [r0, r1] : [r1, r0];
    assert.equal(leader.manager.leading, true);
    assert.equal(other.manager.leading, false);
    assert.equal(other.manager.observedLeader, leader.manager.identity);
    assert.ok(leader.manager.counts('mirror').reconciles >= 6);
    assert.equal(other.manager.counts('mirror').reconciles, 0);
    assert.equal(other.manager.informer('ConfigMap'), undefined, 'a follower starts no informers');
  });

  it('fails over: the follower takes over within a lease duration (+ retry slack) and reconciles what changed meanwhile', () => {
    const { c, leaderBefore, follower, takeoverMs } = scenario(7);
    assert.ok(takeoverMs <= 15_000 + 2 * 4_400, `takeover took ${takeoverMs} ms`);
    assert.ok(settled(c));
    assert.equal(follower.manager.leading, true);
    // The restarted replica is a new candidate (new identity) and waits as a follower.
    assert.equal(leaderBefore.manager.incarnation, 2);
    assert.equal(leaderBefore.manager.identity, `${leaderBefore.manager.name}_2`);
    assert.equal(leaderBefore.manager.leading, false);
    const lease = unwrap(c.store.get({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: 'kube-system', name: 'kube-controller-manager' }));
    assert.equal((lease.spec as { holderIdentity?: string }).holderIdentity, follower.manager.identity);
    assert.equal((lease.spec as { leaseTransitions?: number }).leaseTransitions, 1);
  });

  it('a crash drops the incarnation: its watches are released and nothing more is delivered to it', () => {
    const c = newTestCluster(3);
    const r0 = replica(c, 0);
    r0.manager.start();
    unwrap(c.client.create(cm('a', { want: '1' })));
    c.sim.runFor(5_000);
    assert.ok(c.network.streams > 0);
    r0.manager.crash();
    assert.equal(r0.manager.running, false);
    assert.equal(c.network.streams, 0);
    assert.equal(c.store.stats().watchers, 0);
    const reconciles = r0.manager.counts('mirror').reconciles;
    unwrap(c.client.create(cm('b', { want: '1' })));
    c.sim.runFor(5_000);
    assert.equal(r0.manager.counts('mirror').reconciles, reconciles);
  });

  it('steps down when it cannot renew, and its kubelet restarts it as a fresh incarnation', () => {
    const c = newTestCluster(4);
    const r0 = replica(c, 0, 5_000);
    const r1 = replica(c, 1, 5_000);
    r0.manager.start();
    c.sim.runFor(3_000);
    r1.manager.start();
    c.sim.runFor(10_000);
    assert.equal(r0.manager.leading, true);
    r0.raw.available = false;
    c.sim.runUntil(() => !r0.manager.leading, { maxMs: 20_000 });
    assert.ok(c.sim.nowMs <= 13_000 + 12_000);
    assert.equal(r0.manager.incarnation, 2);
    assert.ok(c.sim.trace.entries().some((e) => e.kind === 'leaderelection-lost'));
    r0.raw.available = true;
    c.sim.runUntil(() => r1.manager.leading, { maxMs: 30_000 });
    c.sim.runFor(10_000);
    assert.equal(r0.manager.leading, false);
    assert.equal(r1.manager.leading, true);
  });

  it('is deterministic: the same seed gives the same trace digest, another seed another one', () => {
    const d1 = scenario(11).c.sim.trace.digest();
    const d2 = scenario(11).c.sim.trace.digest();
    const d3 = scenario(12).c.sim.trace.digest();
    assert.equal(d1, d2);
    assert.notEqual(d1, d3);
  });

  it('forks random streams per incarnation, so a restart does not replay its predecessor', () => {
    const c = newTestCluster(5);
    const draws: number[][] = [[], []];
    const probe = defineController({
      name: 'probe',
      for: 'ConfigMap',
      reconcile: (_req, ctx) => {
        draws[r.manager.incarnation - 1]?.push(ctx.rng.int(0, 1_000_000));
        return reconcileDone();
      },
    });
    const r = { manager: new ControllerManager({ sim: c.sim, network: c.network, name: 'kcm', client: c.raw, controllers: [probe], leaderElection: false }) };
    unwrap(c.client.create(cm('a')));
    r.manager.start();
    c.sim.runFor(1_000);
    r.manager.restart();
    c.sim.runFor(1_000);
    assert.equal(draws[0]?.length, 1);
    assert.equal(draws[1]?.length, 1);
    assert.notEqual(draws[0]?.[0], draws[1]?.[0]);
  });
});
