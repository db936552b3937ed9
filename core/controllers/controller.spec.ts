import assert from 'node:assert/strict';
import type { KubeObject } from '../api/types.js';
import { PluginError } from '../errors.js';
import { conflict, isConflict, isNotFound } from '../store/api-error.js';
import { unwrap } from '../store/api-result.js';
import { newTestCluster, type TestCluster } from './controller-test-kit.js';
import { ControllerManager } from './controller-manager.js';
import { indexByControllerUid } from './indexer.js';
import { newControllerRef } from './owner-references.js';
import {
  defineController,
  reconcileDone,
  requeueAfter,
  retryReconcile,
  terminalReconcile,
  type ControllerDefinition,
  type ReconcileContext,
  type ReconcileRequest,
  type ReconcileResult,
} from './reconciler.js';
import type { RuntimePayload } from './runtime-host.js';

function cm(name: string, data: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data };
}

/** A manager without leader election, its controllers' reconciles logged as `key@time`. */
function run(defs: readonly ControllerDefinition[], seed = 1, c: TestCluster<RuntimePayload> = newTestCluster(seed)) {
  const manager = new ControllerManager({
    sim: c.sim,
    network: c.network,
    name: 'kube-controller-manager-0',
    client: c.raw,
    controllers: defs,
    leaderElection: false,
    informerLatencyMs: { minMs: 1, maxMs: 1 },
  });
  manager.start();
  return { c, manager };
}

/** A ConfigMap controller whose result is chosen per call by `decide`. */
function configMapController(log: string[], decide: (req: ReconcileRequest, n: number, ctx: ReconcileContext) => ReconcileResult, extra: Partial<ControllerDefinition> = {}) {
  let n = 0;
  return defineController({
    name: 'cm',
    for: 'ConfigMap',
    reconcileDurationMs: { minMs: 1, maxMs: 1 },
    reconcile: (req, ctx) => {
      log.push(`${req.name}@${ctx.nowMs()}`);
      return decide(req, n++, ctx);
    },
    ...extra,
  });
}

describe('Controller', () => {
  it('reconciles each object once after the caches sync, and again on each change', () => {
    const log: string[] = [];
    const c = newTestCluster(1);
    const a = unwrap(c.client.create(cm('a')));
    unwrap(c.client.create(cm('b')));
    const { manager } = run([configMapController(log, () => reconcileDone())], 1, c);
    c.sim.runUntilQuiet({ maxMs: 1000 });
    assert.deepEqual(log, ['a@1', 'b@2']);
    unwrap(c.client.update({ ...a, data: { v: '2' } }));
    c.sim.runUntilQuiet({ maxMs: 1000 });
    assert.deepEqual(log.length, 3);
    assert.deepEqual(manager.counts('cm'), { reconciles: 3, done: 3, requeueAfter: 0, retry: 0, terminal: 0, errors: 0 });
  });

  it('requeueAfter comes back after the delay; terminal is recorded and not requeued', () => {
    const log: string[] = [];
    const c = newTestCluster(1);
    unwrap(c.client.create(cm('later')));
    unwrap(c.client.create(cm('broken')));
    const { manager } = run(
      [configMapController(log, (req, n) => (req.name === 'broken' ? terminalReconcile('spec is invalid') : n < 3 ? requeueAfter(500) : reconcileDone()))],
      1,
      c,
    );
    c.sim.runUntilQuiet({ maxMs: 10_000 });
    // Sorted by key: 'broken' first (t=1, worker busy 1 ms), then 'later' at 2, 2+1+500, ...
    assert.deepEqual(log, ['broken@1', 'later@2', 'later@503', 'later@1004']);
    assert.equal(manager.reports.length, 1);
    const r = manager.reports[0];
    assert.ok(r?.kind === 'terminal' && r.key === 'default/broken' && r.reason === 'spec is invalid');
    assert.deepEqual(manager.counts('cm'), { reconciles: 4, done: 1, requeueAfter: 2, retry: 0, terminal: 1, errors: 0 });
  });

  it('reports a throwing reconcile as a PluginError naming the controller and retries it', () => {
    const log: string[] = [];
    const c = newTestCluster(1);
    unwrap(c.client.create(cm('a')));
    const { manager } = run(
      [
        configMapController(log, (_req, n) => {
          if (n < 2) throw new Error('nil pointer');
          return reconcileDone();
        }),
      ],
      1,
      c,
    );
    c.sim.runUntilQuiet({ maxMs: 10_000 });
    // Attempts at 1, then 1 + 1 (duration) + 5 ms back-off, then + 1 + 10 ms.
    assert.deepEqual(log, ['a@1', 'a@7', 'a@18']);
    assert.equal(manager.reports.length, 2);
    const r = manager.reports[0];
    assert.ok(r?.kind === 'plugin-error');
    assert.ok(r.error instanceof PluginError);
    assert.equal(r.error.plugin, 'cm');
    assert.equal(r.error.extensionPoint, 'Reconcile');
    assert.match(r.error.message, /nil pointer/);
    assert.equal(manager.counts('cm').errors, 2);
  });

  it('treats a value outside the ReconcileResult contract as a PluginError and a retry', () => {
    const log: string[] = [];
    const c = newTestCluster(1);
    unwrap(c.client.create(cm('a')));
    const { manager } = run([configMapController(log, (_r, n) => (n === 0 ? ({ kind: 'requeueAfter', delayMs: -1 } as ReconcileResult) : reconcileDone()))], 1, c);
    c.sim.runUntilQuiet({ maxMs: 10_000 });
    assert.equal(log.length, 2);
    assert.match(manager.reports[0]?.kind === 'plugin-error' ? manager.reports[0].error.message : '', /invalid delay/);
  });

  it('backs off a controller that always hits Conflict instead of hot-looping (60 virtual seconds)', () => {
    const log: string[] = [];
    const c = newTestCluster(1);
    unwrap(c.client.create(cm('a')));
    const def = configMapController(log, (req, _n, ctx) => {
      const got = ctx.client.get<KubeObject>('ConfigMap', req.namespace, req.name);
      if (!got.ok) return retryReconcile(got.error.message);
      // A stale resourceVersion: the write always conflicts.
      const res = ctx.client.update({ ...got.value, metadata: { ...got.value.metadata, resourceVersion: '1' }, data: { touched: 'yes' } });
      return isConflict(res) ? retryReconcile('conflict') : reconcileDone();
    });
    const { manager } = run([def], 1, c);
    c.sim.runUntil(() => log.length > 0, { maxMs: 1000 });
    const start = c.sim.nowMs;
    c.sim.runFor(60_000);
    // Expected from the limiter: attempt n+1 starts 1 ms (the reconcile) + 5 ms · 2^n after attempt n.
    let t = 0;
    let expected = 1;
    for (let n = 0; ; n++) {
      const next = t + 1 + 5 * 2 ** n;
      if (next > 60_000) break;
      t = next;
      expected++;
    }
    const attempts = log.map((l) => Number(l.split('@')[1]) - start).filter((x) => x <= 60_000);
    assert.equal(attempts.length, expected);
    assert.equal(expected, 14);
    assert.deepEqual(attempts.slice(0, 5), [0, 6, 17, 38, 79]);
    assert.equal(manager.counts('cm').retry, manager.counts('cm').reconciles);
  });

  it('reconciles an object changed during a reconcile exactly once more (dedup while processing)', () => {
    const log: string[] = [];
    const c = newTestCluster(1);
    let a = unwrap(c.client.create(cm('a')));
    run([configMapController(log, () => reconcileDone(), { reconcileDurationMs: { minMs: 100, maxMs: 100 } })], 1, c);
    c.sim.runUntil(() => log.length === 1, { maxMs: 1000 });
    // Three changes land while the worker is busy with the first reconcile.
    for (let i = 0; i < 3; i++) {
      c.sim.runFor(10);
      a = unwrap(c.client.update({ ...a, data: { v: String(i) } }));
    }
    c.sim.runUntilQuiet({ maxMs: 10_000 });
    assert.deepEqual(log, ['a@1', 'a@101']);
  });

  it('runs up to maxConcurrentReconciles keys at once', () => {
    const log: string[] = [];
    const c = newTestCluster(1);
    for (const n of ['a', 'b', 'c']) unwrap(c.client.create(cm(n)));
    run([configMapController(log, () => reconcileDone(), { maxConcurrentReconciles: 2, reconcileDurationMs: { minMs: 50, maxMs: 50 } })], 1, c);
    c.sim.runUntilQuiet({ maxMs: 10_000 });
    assert.deepEqual(log, ['a@1', 'b@1', 'c@51']);
  });

  it('Owns: a change of a dependent enqueues its controller owner of the For kind only', () => {
    const log: string[] = [];
    const c = newTestCluster(1);
    const rs = unwrap(
      c.client.create({
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: { name: 'web', namespace: 'default' },
        spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [] } } },
      }),
    );
    const pod = (name: string, owners: NonNullable<KubeObject['metadata']['ownerReferences']>): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default', ownerReferences: owners },
      spec: { containers: [{ name: 'c', image: 'x' }] },
    });
    const def = defineController({
      name: 'replicaset',
      for: 'apps/ReplicaSet',
      owns: ['Pod'],
      indexers: { Pod: { byController: indexByControllerUid } },
      reconcileDurationMs: { minMs: 1, maxMs: 1 },
      reconcile: (req, ctx) => {
        const pods = ctx.client.list('Pod', { index: { name: 'byController', value: rs.metadata.uid ?? '' } });
        log.push(`${req.namespace}/${req.name}:${pods.ok ? pods.value.length : -1}`);
        return reconcileDone();
      },
    });
    run([def], 1, c);
    c.sim.runUntilQuiet({ maxMs: 1000 });
    assert.deepEqual(log, ['default/web:0']);
    unwrap(c.client.create(pod('owned', [newControllerRef(rs)])));
    c.sim.runUntilQuiet({ maxMs: 1000 });
    assert.deepEqual(log, ['default/web:0', 'default/web:1']);
    // Not a controller reference, and a controller of another kind: neither enqueues anything.
    unwrap(c.client.create(pod('weak', [{ ...newControllerRef(rs), controller: false }])));
    unwrap(c.client.create(pod('other', [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'x', controller: true }])));
    c.sim.runUntilQuiet({ maxMs: 1000 });
    assert.equal(log.length, 2);
  });

  it('Watches: a mapping function routes changes of another kind', () => {
    const log: string[] = [];
    const c = newTestCluster(1);
    unwrap(c.client.create(cm('app')));
    const def = configMapController(log, () => reconcileDone(), {
      watches: [{ kind: 'Secret', map: (s) => [{ namespace: s.metadata.namespace ?? '', name: s.metadata.labels?.['app'] ?? 'none' }] }],
    });
    run([def], 1, c);
    c.sim.runUntilQuiet({ maxMs: 1000 });
    unwrap(c.client.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default', labels: { app: 'app' } } }));
    c.sim.runUntilQuiet({ maxMs: 1000 });
    assert.deepEqual(log.map((l) => l.split('@')[0]), ['app', 'app']);
  });

  it('reads from the cache: a get right after its own write still sees the old object', () => {
    const seen: string[] = [];
    const c = newTestCluster(1);
    unwrap(c.client.create(cm('a', { v: '0' })));
    const def = defineController({
      name: 'bump',
      for: 'ConfigMap',
      reconcileDurationMs: { minMs: 1, maxMs: 1 },
      reconcile: (req, ctx) => {
        const got = ctx.client.get<KubeObject>('ConfigMap', req.namespace, req.name);
        if (!got.ok) return isNotFound(got) ? reconcileDone() : retryReconcile('cache');
        const v = Number((got.value.data as Record<string, string>)['v']);
        seen.push(`${v}`);
        if (v >= 2) return reconcileDone();
        const res = ctx.client.update({ ...got.value, data: { v: String(v + 1) } });
        if (!res.ok) return retryReconcile(res.error.reason);
        const again = ctx.client.get<KubeObject>('ConfigMap', req.namespace, req.name);
        seen.push(`after-write:${(again.ok ? (again.value.data as Record<string, string>) : {})['v']}`);
        return reconcileDone();
      },
    });
    run([def], 1, c);
    c.sim.runUntilQuiet({ maxMs: 1000 });
    assert.deepEqual(seen, ['0', 'after-write:0', '1', 'after-write:1', '2']);
  });

  it('does not reconcile before its caches have synced, and fails reads of an unsynced kind', () => {
    const log: string[] = [];
    const c = newTestCluster(1);
    unwrap(c.client.create(cm('a')));
    const def = configMapController(log, (req, _n, ctx) => {
      const s = ctx.client.list('Secret');
      return s.ok ? reconcileDone() : retryReconcile(s.error.reason);
    });
    const manager = new ControllerManager({
      sim: c.sim,
      network: c.network,
      name: 'kcm',
      client: c.raw,
      controllers: [def],
      leaderElection: false,
      informerLatencyMs: { minMs: 30, maxMs: 30 },
    });
    manager.start();
    c.sim.runFor(29);
    assert.equal(log.length, 0);
    c.sim.runUntilQuiet({ maxMs: 1000 });
    // The first reconcile started the Secret informer lazily and had to retry until it synced.
    assert.equal(log[0], 'a@30');
    // It synced 30 ms later: attempts at 30, 36, 47 failed, the one at 68 succeeded.
    assert.deepEqual(log, ['a@30', 'a@36', 'a@47', 'a@68']);
    assert.equal(manager.counts('cm').retry, 3);
    assert.equal(manager.counts('cm').done, 1);
  });

  it('rejects invalid definitions with a ConfigError', () => {
    assert.throws(() => defineController({ name: '', for: 'Pod', reconcile: () => reconcileDone() }), /name is required/);
    assert.throws(() => defineController({ name: 'x', for: 'apps/v1/ReplicaSet', reconcile: () => reconcileDone() }), /invalid kind/);
    assert.throws(() => defineController({ name: 'x', for: 'Pod', maxConcurrentReconciles: 0, reconcile: () => reconcileDone() }), /maxConcurrentReconciles/);
  });

  it('an interceptor-injected Conflict is an ApiResult, not an exception', () => {
    const c = newTestCluster(1);
    c.raw.interceptor = (verb, t) => (verb === 'update' ? conflict({ group: '', resource: 'configmaps' }, t.name ?? '', 'injected') : undefined);
    const a = unwrap(c.client.create(cm('a')));
    const res = c.client.update({ ...a, data: { x: 'y' } });
    assert.ok(isConflict(res));
  });
});
