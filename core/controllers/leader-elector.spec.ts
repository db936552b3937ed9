import assert from 'node:assert/strict';
import type { Lease } from '../api/types.js';
import { ConfigError } from '../errors.js';
import { formatRfc3339Micro } from '../sim/clock.js';
import { unwrap } from '../store/api-result.js';
import { StoreApiClient, newTestCluster, type TestCluster } from './controller-test-kit.js';
import { LeaderElector } from './leader-elector.js';
import { RuntimeHost, type RuntimePayload } from './runtime-host.js';

interface Candidate {
  readonly name: string;
  readonly elector: LeaderElector;
  readonly raw: StoreApiClient;
  /** `started@t`, `stopped@t`, `leader:<id>@t`. */
  readonly events: string[];
}

function candidate(c: TestCluster<RuntimePayload>, name: string): Candidate {
  let host: RuntimeHost | undefined;
  const actor = c.sim.addActor(name, (p) => host?.dispatch(p));
  host = new RuntimeHost(actor);
  const raw = new StoreApiClient(c.store, name);
  const events: string[] = [];
  const elector = new LeaderElector({
    host,
    client: c.network.wrap(raw),
    identity: `${name}_1`,
    leaseName: 'kube-controller-manager',
    callbacks: {
      onStartedLeading: () => events.push(`started@${c.sim.nowMs}`),
      onStoppedLeading: () => events.push(`stopped@${c.sim.nowMs}`),
      onNewLeader: (id) => events.push(`leader:${id}@${c.sim.nowMs}`),
    },
  });
  return { name, elector, raw, events };
}

function lease(c: TestCluster<RuntimePayload>): Lease {
  return unwrap(c.store.get({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: 'kube-system', name: 'kube-controller-manager' })) as Lease;
}

function at(events: readonly string[], what: string): number {
  const e = events.find((x) => x.startsWith(`${what}@`));
  assert.ok(e !== undefined, `no ${what} in ${events.join(' ')}`);
  return Number(e.slice(e.indexOf('@') + 1));
}

/** The crash of a candidate's process: its elector stops, no callbacks, nothing written. */
function crash(c: TestCluster<RuntimePayload>, cand: Candidate): void {
  cand.elector.stop();
  c.sim.removeActor(cand.name);
}

describe('LeaderElector', () => {
  it('creates the lease, then renews it every retry period', () => {
    const c = newTestCluster(1);
    const a = candidate(c, 'kcm-0');
    a.elector.run();
    assert.deepEqual(a.events, ['leader:kcm-0_1@0', 'started@0']);
    assert.equal(a.elector.leading, true);
    assert.equal(a.elector.isLeader, true);
    const l0 = lease(c);
    assert.deepEqual(l0.spec, {
      holderIdentity: 'kcm-0_1',
      leaseDurationSeconds: 15,
      acquireTime: '2026-01-01T00:00:00.000000Z',
      renewTime: '2026-01-01T00:00:00.000000Z',
      leaseTransitions: 0,
    });
    c.sim.runFor(10_001);
    const l1 = lease(c);
    assert.equal(l1.spec?.renewTime, formatRfc3339Micro(10_000));
    assert.equal(l1.spec?.acquireTime, l0.spec?.acquireTime);
    assert.equal(l1.spec?.leaseTransitions, 0);
  });

  it('two candidates: one leads; when it crashes the other takes over within a lease duration plus retry slack', () => {
    const c = newTestCluster(5);
    const a = candidate(c, 'kcm-0');
    const b = candidate(c, 'kcm-1');
    a.elector.run();
    b.elector.run();
    c.sim.runFor(20_000);
    assert.equal(a.elector.leading, true);
    assert.equal(b.elector.leading, false);
    assert.equal(b.elector.leader, 'kcm-0_1');
    const crashAt = c.sim.nowMs;
    crash(c, a);
    c.sim.runUntil(() => b.elector.leading, { maxMs: 60_000 });
    const takeover = at(b.events, 'started') - crashAt;
    // b may take the lease once 15 s have passed since it last saw it change (a renewed at most
    // one retry period before the crash), and tries every 2 s + [0, 2.4 s) of jitter.
    assert.ok(takeover >= 15_000 - 2_000, `took over too early: ${takeover} ms`);
    assert.ok(takeover <= 15_000 + 2 * 4_400, `took over too late: ${takeover} ms`);
    const l = lease(c);
    assert.equal(l.spec?.holderIdentity, 'kcm-1_1');
    assert.equal(l.spec?.leaseTransitions, 1);
    assert.equal(l.spec?.acquireTime, formatRfc3339Micro(crashAt + takeover));
  });

  it('a leader that cannot renew steps down within the renew deadline, before anyone else may lead', () => {
    const c = newTestCluster(9);
    const a = candidate(c, 'kcm-0');
    const b = candidate(c, 'kcm-1');
    a.elector.run();
    b.elector.run();
    c.sim.runFor(20_000);
    // a is cut off from the API server (a partition): its renewals fail.
    a.raw.available = false;
    const cutAt = c.sim.nowMs;
    c.sim.runUntil(() => b.elector.leading, { maxMs: 60_000 });
    const stopped = at(a.events, 'stopped');
    const started = at(b.events, 'started');
    assert.ok(stopped <= cutAt + 2_000 + 10_000, `a kept leading until ${stopped}`);
    assert.ok(stopped < started, `overlap: a stopped at ${stopped}, b started at ${started}`);
    assert.equal(a.elector.leading, false);
  });

  it('release hands the lease over at the next attempt', () => {
    const c = newTestCluster(3);
    const a = candidate(c, 'kcm-0');
    const b = candidate(c, 'kcm-1');
    a.elector.run();
    b.elector.run();
    c.sim.runFor(5_000);
    assert.equal(a.elector.release(), true);
    assert.deepEqual(a.events.slice(-1), [`stopped@5000`]);
    assert.equal(lease(c).spec?.holderIdentity, '');
    c.sim.runUntil(() => b.elector.leading, { maxMs: 10_000 });
    assert.ok(at(b.events, 'started') - 5_000 <= 4_400);
    assert.equal(lease(c).spec?.leaseTransitions, 1);
  });

  it('exactly one of two candidates waiting on an expired lease takes it', () => {
    const c = newTestCluster(4);
    const a = candidate(c, 'kcm-0');
    a.elector.run();
    crash(c, a);
    const b = candidate(c, 'kcm-1');
    const d = candidate(c, 'kcm-2');
    b.elector.run();
    d.elector.run();
    c.sim.runFor(60_000);
    const leaders = [b, d].filter((x) => x.elector.leading);
    assert.equal(leaders.length, 1);
    assert.equal(lease(c).spec?.leaseTransitions, 1);
  });

  it('validates its timing as upstream does', () => {
    const c = newTestCluster(1);
    const host = new RuntimeHost(c.sim.addActor('x', () => {}));
    const base = { host, client: c.client, identity: 'x', leaseName: 'l', callbacks: { onStartedLeading: () => {}, onStoppedLeading: () => {} } };
    assert.throws(() => new LeaderElector({ ...base, leaseDurationMs: 10_000, renewDeadlineMs: 10_000 }), ConfigError);
    assert.throws(() => new LeaderElector({ ...base, renewDeadlineMs: 2_000, retryPeriodMs: 2_000 }), ConfigError);
    assert.throws(() => new LeaderElector({ ...base, identity: '' }), ConfigError);
  });
});
