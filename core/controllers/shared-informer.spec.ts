import assert from 'node:assert/strict';
import { objectKey, type DeepReadonly, type KubeObject } from '../api/types.js';
import { PluginError } from '../errors.js';
import { unwrap } from '../store/api-result.js';
import { newTestCluster, type TestCluster } from './controller-test-kit.js';
import { indexByNodeName } from './indexer.js';
import { RuntimeHost, type DelayRange, type RuntimePayload } from './runtime-host.js';
import { SharedInformer, type InformerHandler, type SharedInformerOptions } from './shared-informer.js';

function cm(name: string, data: Record<string, string> = {}, namespace = 'default'): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data };
}

/**
 * Handler events as readable strings: `add:name@rv`, `update:name@oldRv->newRv`, `delete:name@rv[!]`.
 * Every event must carry the object's cache key.
 */
class Recorder implements InformerHandler {
  readonly log: string[] = [];
  onAdd(obj: DeepReadonly<KubeObject>, initial: boolean, key: string): void {
    assert.equal(key, objectKey(obj));
    this.log.push(`add:${obj.metadata.name}@${obj.metadata.resourceVersion}${initial ? '(initial)' : ''}`);
  }
  onUpdate(old: DeepReadonly<KubeObject>, obj: DeepReadonly<KubeObject>, key: string): void {
    assert.equal(key, objectKey(obj));
    this.log.push(`update:${obj.metadata.name}@${old.metadata.resourceVersion}->${obj.metadata.resourceVersion}`);
  }
  onDelete(obj: DeepReadonly<KubeObject>, unknown: boolean, key: string): void {
    assert.equal(key, objectKey(obj));
    this.log.push(`delete:${obj.metadata.name}@${obj.metadata.resourceVersion}${unknown ? '!' : ''}`);
  }
}

interface Fixture {
  readonly c: TestCluster<RuntimePayload>;
  readonly informer: SharedInformer;
  readonly rec: Recorder;
  readonly host: RuntimeHost;
}

function setup(latencyMs: DelayRange, extra: Partial<SharedInformerOptions> = {}, seed = 1): Fixture {
  const c = newTestCluster(seed);
  let host: RuntimeHost | undefined;
  const actor = c.sim.addActor('component', (p) => host?.dispatch(p));
  host = new RuntimeHost(actor);
  const informer = new SharedInformer({ host, network: c.network, client: c.client, kind: 'ConfigMap', latencyMs, ...extra });
  const rec = new Recorder();
  informer.addEventHandler(rec);
  return { c, informer, rec, host };
}

function dataOf(obj: DeepReadonly<KubeObject> | undefined): Readonly<Record<string, string>> {
  return (obj?.data ?? {}) as Readonly<Record<string, string>>;
}

function cacheState(informer: SharedInformer): string[] {
  return informer.cache.list().map((o) => `${o.metadata.name}@${o.metadata.resourceVersion}`);
}

function storeState(c: TestCluster<RuntimePayload>): string[] {
  return unwrap(c.store.list({ apiVersion: 'v1', kind: 'ConfigMap' })).items.map((o) => `${o.metadata.name}@${o.metadata.resourceVersion}`);
}

describe('SharedInformer', () => {
  it('syncs from the initial list after the drawn latency', () => {
    const { c, informer, rec } = setup({ minMs: 20, maxMs: 20 });
    unwrap(c.client.create(cm('a')));
    unwrap(c.client.create(cm('b')));
    informer.start();
    assert.equal(informer.hasSynced, false);
    c.sim.runFor(19);
    assert.equal(informer.hasSynced, false);
    c.sim.runFor(1);
    assert.equal(informer.hasSynced, true);
    assert.deepEqual(rec.log, ['add:a@2(initial)', 'add:b@3(initial)']);
    assert.equal(informer.lastSyncResourceVersion, '3');
  });

  it('is stale until the event is delivered: a read right after a write sees the old object', () => {
    const { c, informer, rec } = setup({ minMs: 50, maxMs: 50 });
    const a = unwrap(c.client.create(cm('a', { v: '1' })));
    informer.start();
    c.sim.runUntilQuiet({ maxMs: 1000 });
    const t0 = c.sim.nowMs;
    const a2 = unwrap(c.client.update({ ...a, data: { v: '2' } }));
    assert.equal(dataOf(informer.cache.get('default', 'a'))['v'], '1', 'still the old object right after the write');
    c.sim.runFor(49);
    assert.equal(informer.cache.get('default', 'a')?.metadata.resourceVersion, a.metadata.resourceVersion, 'still stale before the latency has passed');
    c.sim.runFor(1);
    assert.equal(c.sim.nowMs, t0 + 50);
    assert.equal(informer.cache.get('default', 'a')?.metadata.resourceVersion, a2.metadata.resourceVersion);
    assert.deepEqual(rec.log, ['add:a@2(initial)', 'update:a@2->3']);
  });

  it('delivers events in revision order whatever latencies are drawn', () => {
    const { c, informer, rec } = setup({ minMs: 0, maxMs: 200 }, {}, 42);
    informer.start();
    c.sim.runUntilQuiet({ maxMs: 1000 });
    let obj = unwrap(c.client.create(cm('x', { n: '0' })));
    for (let i = 1; i <= 40; i++) {
      c.sim.runFor(3);
      obj = unwrap(c.client.update({ ...obj, data: { n: String(i) } }));
    }
    c.sim.runUntilQuiet({ maxMs: 10_000 });
    const rvs = rec.log.map((l) => Number(l.slice(l.lastIndexOf('@') + 1).split('->').pop()));
    assert.equal(rec.log.length, 41);
    for (let i = 1; i < rvs.length; i++) assert.ok((rvs[i] as number) > (rvs[i - 1] as number), `out of order: ${rec.log.join(' ')}`);
    assert.deepEqual(cacheState(informer), storeState(c));
  });

  it('resumes a watch that ended from its last resourceVersion, without relisting', () => {
    const { c, informer, rec } = setup({ minMs: 10, maxMs: 10 });
    const a = unwrap(c.client.create(cm('a')));
    informer.start();
    c.sim.runUntilQuiet({ maxMs: 1000 });
    c.raw.dropWatches();
    c.network.notify();
    // Written after the watch broke: the resumed watch replays it from history.
    unwrap(c.client.update({ ...a, data: { v: '2' } }));
    c.sim.runUntilQuiet({ maxMs: 1000 });
    assert.deepEqual(rec.log, ['add:a@2(initial)', 'update:a@2->3']);
    assert.equal(informer.stats().relists, 0);
    assert.equal(informer.stats().watches, 2);
    assert.ok(c.sim.trace.entries().some((e) => e.kind === 'informer-rewatch'));
  });

  it('relists after 410 Expired and delivers the differences, with DeletedFinalStateUnknown', () => {
    const { c, informer, rec } = setup({ minMs: 10, maxMs: 10 });
    const keep = unwrap(c.client.create(cm('keep')));
    const change = unwrap(c.client.create(cm('change')));
    unwrap(c.client.create(cm('gone')));
    informer.start();
    c.sim.runUntilQuiet({ maxMs: 1000 });
    rec.log.length = 0;
    // The API server restarts: watches end; meanwhile objects change and history is compacted.
    c.raw.dropWatches();
    c.network.notify();
    unwrap(c.client.update({ ...change, data: { v: '2' } }));
    unwrap(c.client.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'gone' }));
    unwrap(c.client.create(cm('new')));
    c.store.compact(c.store.revision);
    c.sim.runUntilQuiet({ maxMs: 1000 });
    assert.deepEqual(rec.log, ['update:change@3->5', 'add:new@7', 'delete:gone@4!']);
    assert.equal(informer.stats().relists, 1);
    assert.deepEqual(cacheState(informer), storeState(c));
    assert.equal(informer.cache.get('default', 'keep'), keep, 'unchanged objects are not re-delivered');
    const kinds = c.sim.trace.entries().map((e) => e.kind);
    assert.ok(kinds.includes('informer-watch-error') && kinds.includes('informer-relist'));
  });

  it('retries a failed list with the reflector back-off and syncs once the API is back', () => {
    const { c, informer } = setup({ minMs: 1, maxMs: 1 });
    c.raw.available = false;
    informer.start();
    c.sim.runFor(5000);
    assert.equal(informer.hasSynced, false);
    const attempts = informer.stats().lists;
    // 800 ms, then 1.6 s, then 3.2 s (each with up to 100% jitter): 2 or 3 retries within 5 s.
    assert.ok(attempts >= 2 && attempts <= 4, `list attempts: ${attempts}`);
    c.raw.available = true;
    c.sim.runFor(30_000);
    assert.equal(informer.hasSynced, true);
  });

  it('pause holds events back (unobserved state) until resume', () => {
    const { c, informer, rec } = setup({ minMs: 5, maxMs: 5 });
    informer.start();
    c.sim.runUntilQuiet({ maxMs: 1000 });
    informer.pause();
    unwrap(c.client.create(cm('a')));
    c.sim.runFor(1000);
    assert.equal(informer.cache.size, 0);
    informer.resume();
    c.sim.runUntilQuiet({ maxMs: 1000 });
    assert.deepEqual(rec.log, ['add:a@2']);
  });

  it('replays the cache to a handler added late, and maintains custom indexes', () => {
    const c = newTestCluster(3);
    let host: RuntimeHost | undefined;
    const actor = c.sim.addActor('kubelet', (p) => host?.dispatch(p));
    host = new RuntimeHost(actor);
    const pods = new SharedInformer({ host, network: c.network, client: c.client, kind: 'Pod', latencyMs: { minMs: 1, maxMs: 3 }, indexers: { node: indexByNodeName } });
    const pod = (name: string, nodeName?: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default' },
      spec: { containers: [{ name: 'c', image: 'x' }], ...(nodeName ? { nodeName } : {}) },
    });
    unwrap(c.client.create(pod('p1', 'n1')));
    unwrap(c.client.create(pod('p2', 'n2')));
    const p3 = unwrap(c.client.create(pod('p3')));
    pods.start();
    c.sim.runUntilQuiet({ maxMs: 100 });
    unwrap(c.client.bind({ namespace: 'default', podName: 'p3', nodeName: 'n1' }));
    c.sim.runUntilQuiet({ maxMs: 100 });
    assert.deepEqual(pods.cache.byIndex('node', 'n1').map((p) => p.metadata.name), ['p1', 'p3']);
    assert.deepEqual(pods.cache.indexKeys('node', 'n2'), ['default/p2']);
    assert.notEqual(pods.cache.get('default', 'p3'), p3);
    const late = new Recorder();
    pods.addEventHandler(late);
    assert.deepEqual(late.log, ['add:p1@2(initial)', 'add:p2@3(initial)', 'add:p3@5(initial)']);
  });

  it('re-delivers every object as an update each resync period', () => {
    const { c, informer, rec } = setup({ minMs: 1, maxMs: 1 }, { resyncPeriodMs: 1000 });
    unwrap(c.client.create(cm('a')));
    informer.start();
    c.sim.runFor(2500);
    assert.deepEqual(rec.log, ['add:a@2(initial)', 'update:a@2->2', 'update:a@2->2']);
  });

  it('reports a throwing handler as a PluginError and keeps going', () => {
    const errors: PluginError[] = [];
    const { c, informer, rec } = setup({ minMs: 1, maxMs: 1 }, { onError: (e) => errors.push(e) });
    informer.addEventHandler({
      onAdd: () => {
        throw new Error('boom');
      },
    });
    unwrap(c.client.create(cm('a')));
    informer.start();
    c.sim.runUntilQuiet({ maxMs: 100 });
    assert.equal(informer.cache.size, 1);
    assert.deepEqual(rec.log, ['add:a@2(initial)']);
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof PluginError);
    assert.match(errors[0]?.message ?? '', /informer\/ConfigMap.*boom/);
  });

  it('reports a throwing index function and leaves the object out of that index', () => {
    const errors: PluginError[] = [];
    const { c, informer } = setup(
      { minMs: 1, maxMs: 1 },
      {
        onError: (e) => errors.push(e),
        indexers: {
          bad: () => {
            throw new Error('no index');
          },
        },
      },
    );
    unwrap(c.client.create(cm('a')));
    informer.start();
    c.sim.runUntilQuiet({ maxMs: 100 });
    assert.equal(informer.cache.size, 1);
    assert.deepEqual(informer.cache.indexKeys('bad', 'x'), []);
    assert.equal(errors[0]?.plugin, 'bad');
    assert.equal(errors[0]?.extensionPoint, 'IndexFunc');
  });

  it('stops cleanly: no more deliveries, watch released', () => {
    const { c, informer } = setup({ minMs: 10, maxMs: 10 });
    informer.start();
    c.sim.runUntilQuiet({ maxMs: 100 });
    unwrap(c.client.create(cm('a')));
    c.sim.runFor(1);
    informer.stop();
    c.sim.runUntilQuiet({ maxMs: 100 });
    assert.equal(informer.cache.size, 0);
    assert.equal(c.network.streams, 0);
    assert.equal(c.store.stats().watchers, 0);
  });
});
