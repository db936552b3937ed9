import assert from 'node:assert/strict';
import type { KubeObject } from '../api/types.js';
import { ConfigError } from '../errors.js';
import { unwrap } from '../store/api-result.js';
import type { WatchEvent } from '../store/watch-event.js';
import { newTestCluster } from './controller-test-kit.js';
import { Indexer, indexByNodeName, indexReading } from './indexer.js';
import { kindKeyOf, parseKindKey } from './kind-key.js';
import { WatchNetwork, type WatchSubscriber } from './watch-network.js';

/** A subscriber that records what it is handed and when. */
class Probe implements WatchSubscriber {
  paused = false;
  readonly got: string[] = [];
  constructor(readonly clock: () => number) {}
  arrive(events: WatchEvent[], ended: boolean): void {
    this.got.push(`${this.clock()}:${events.map((e) => (e.type === 'ERROR' ? 'ERROR' : `${e.type}@${e.revision}`)).join(',')}${ended ? ':end' : ''}`);
  }
}

function cm(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' } };
}

describe('WatchNetwork', () => {
  it('polls the streams of a written kind once per instant, after the write', () => {
    const c = newTestCluster(1);
    const probe = new Probe(() => c.sim.nowMs);
    const secrets = new Probe(() => c.sim.nowMs);
    c.network.register('ConfigMap', unwrap(c.raw.watch({ apiVersion: 'v1', kind: 'ConfigMap', resourceVersion: c.store.resourceVersion })), probe);
    c.network.register('Secret', unwrap(c.raw.watch({ apiVersion: 'v1', kind: 'Secret', resourceVersion: c.store.resourceVersion })), secrets);
    c.sim.runFor(10);
    unwrap(c.client.create(cm('a')));
    unwrap(c.client.create(cm('b')));
    assert.deepEqual(probe.got, [], 'nothing is delivered inside the writer');
    c.sim.runFor(0);
    assert.deepEqual(probe.got, ['10:ADDED@2,ADDED@3']);
    assert.deepEqual(secrets.got, []);
    assert.equal(c.network.stats().pumps, 1);
    assert.equal(c.network.stats().polls, 1, 'only the ConfigMap stream was polled');
  });

  it('does not see writes that bypass wrapped clients until notified', () => {
    const c = newTestCluster(1);
    const probe = new Probe(() => c.sim.nowMs);
    c.network.register('ConfigMap', unwrap(c.raw.watch({ apiVersion: 'v1', kind: 'ConfigMap', resourceVersion: c.store.resourceVersion })), probe);
    unwrap(c.raw.create(cm('a')));
    c.sim.runFor(100);
    assert.deepEqual(probe.got, []);
    c.network.notify();
    c.sim.runFor(0);
    assert.deepEqual(probe.got, ['100:ADDED@2']);
  });

  it('skips paused subscribers and reports the end of a stopped stream once', () => {
    const c = newTestCluster(1);
    const probe = new Probe(() => c.sim.nowMs);
    const w = unwrap(c.raw.watch({ apiVersion: 'v1', kind: 'ConfigMap', resourceVersion: c.store.resourceVersion }));
    c.network.register('ConfigMap', w, probe);
    probe.paused = true;
    unwrap(c.client.create(cm('a')));
    c.sim.runFor(5);
    assert.deepEqual(probe.got, []);
    probe.paused = false;
    w.stop();
    c.network.notify('ConfigMap');
    c.sim.runFor(5);
    assert.deepEqual(probe.got, ['5::end']);
    c.network.notify();
    c.sim.runFor(5);
    assert.equal(probe.got.length, 1);
    assert.equal(c.network.streams, 0);
  });

  it('asks a signalling stream only after it signalled, in registration order with the others', () => {
    const c = newTestCluster(1);
    const order: string[] = [];
    const probe = (name: string): Probe => {
      const p = new Probe(() => c.sim.nowMs);
      const arrive = p.arrive.bind(p);
      p.arrive = (events, ended) => {
        order.push(name);
        arrive(events, ended);
      };
      return p;
    };
    const rv = c.store.resourceVersion;
    const streams: [string, Probe][] = [];
    for (const [name, fieldSelector] of [['all-1', undefined], ['n1', { 'spec.nodeName': 'n1' }], ['n2', { 'spec.nodeName': 'n2' }], ['all-2', undefined]] as const) {
      const p = probe(name);
      c.network.register('Pod', unwrap(c.raw.watch({ apiVersion: 'v1', kind: 'Pod', resourceVersion: rv, ...(fieldSelector ? { fieldSelector } : {}) })), p);
      streams.push([name, p]);
    }
    // The first pump asks every stream, as anything may have been pending before it was registered.
    c.network.notify('Pod');
    c.sim.runFor(1);
    assert.equal(c.network.stats().polls, 4);
    const pod = (name: string, node: string): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName: node, containers: [{ name: 'c', image: 'x' }] } });
    unwrap(c.client.create(pod('a', 'n2')));
    c.sim.runFor(1);
    assert.deepEqual(order, ['all-1', 'n2', 'all-2'], "n1's stream was not asked, and the others in registration order");
    assert.equal(c.network.stats().polls, 7);
    // A paused stream keeps its signal until it is polled.
    const n1 = (streams[1] as [string, Probe])[1];
    n1.paused = true;
    unwrap(c.client.create(pod('b', 'n1')));
    c.sim.runFor(1);
    assert.deepEqual(n1.got, []);
    n1.paused = false;
    unwrap(c.client.create(pod('c', 'n2')));
    c.sim.runFor(1);
    assert.deepEqual(n1.got, ['3:ADDED@3']);
    assert.deepEqual(order.slice(3), ['all-1', 'all-2', 'all-1', 'n1', 'n2', 'all-2']);
    // Stopping a signalling watcher is news: its end is reported at the next pump of its kind.
    const n2Stream = streams[2] as [string, Probe];
    c.network.notify('Pod');
    c.sim.runFor(1);
    const before = n2Stream[1].got.length;
    const w = unwrap(c.raw.watch({ apiVersion: 'v1', kind: 'Pod', fieldSelector: { 'spec.nodeName': 'n9' } }));
    const ending = new Probe(() => c.sim.nowMs);
    c.network.register('Pod', w, ending);
    c.network.notify('Pod');
    c.sim.runFor(1);
    w.stop();
    c.network.notify('Pod');
    c.sim.runFor(1);
    assert.deepEqual(ending.got, ['6::end']);
    assert.equal(n2Stream[1].got.length, before);
  });

  it('sweeps every stream periodically when asked to', () => {
    const c = newTestCluster(1);
    const net = new WatchNetwork({ sim: c.sim, name: 'sweeper', sweepIntervalMs: 50 });
    const probe = new Probe(() => c.sim.nowMs);
    net.register('ConfigMap', unwrap(c.raw.watch({ apiVersion: 'v1', kind: 'ConfigMap', resourceVersion: c.store.resourceVersion })), probe);
    c.sim.runFor(10);
    unwrap(c.raw.create(cm('a')));
    c.sim.runFor(100);
    assert.deepEqual(probe.got, ['50:ADDED@2']);
    assert.throws(() => new WatchNetwork({ sim: c.sim, name: 'bad', sweepIntervalMs: 0 }), ConfigError);
  });

  it('announces every successful write verb of a wrapped client under its kind', () => {
    const c = newTestCluster(1);
    const pods = new Probe(() => c.sim.nowMs);
    c.network.register('Pod', unwrap(c.raw.watch({ apiVersion: 'v1', kind: 'Pod', resourceVersion: c.store.resourceVersion })), pods);
    const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'x' }] } };
    unwrap(c.raw.create(pod));
    unwrap(c.client.bind({ namespace: 'default', podName: 'p', nodeName: 'n1' }));
    c.sim.runFor(1);
    unwrap(c.client.patch({ apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'p' }, { metadata: { labels: { a: 'b' } } }));
    c.sim.runFor(1);
    unwrap(c.client.evict({ namespace: 'default', name: 'p' }));
    c.sim.runFor(1);
    assert.deepEqual(pods.got, ['0:ADDED@2,MODIFIED@3', '1:MODIFIED@4', '2:DELETED@5']);
    // A failed write announces nothing.
    assert.equal(c.client.delete({ apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'p' }).ok, false);
    const before = c.network.stats().pumps;
    c.sim.runFor(1);
    assert.equal(c.network.stats().pumps, before);
  });
});

describe('kind keys and the Indexer', () => {
  it('parses group/Kind and Kind, and rejects versions', () => {
    assert.deepEqual(parseKindKey('apps/ReplicaSet'), { group: 'apps', kind: 'ReplicaSet' });
    assert.deepEqual(parseKindKey('Pod'), { group: '', kind: 'Pod' });
    assert.throws(() => parseKindKey('apps/v1/Deployment'), ConfigError);
    assert.throws(() => parseKindKey(''), ConfigError);
    assert.equal(kindKeyOf({ apiVersion: 'apps/v1', kind: 'Deployment' }), 'apps/Deployment');
    assert.equal(kindKeyOf({ apiVersion: 'v1', kind: 'Pod' }), 'Pod');
  });

  it('keeps namespace and custom indexes in step with updates and deletes, and reads in key order', () => {
    const idx = new Indexer({ node: indexByNodeName });
    const pod = (ns: string, name: string, node?: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: ns },
      spec: node === undefined ? {} : { nodeName: node },
    });
    idx.set('b/p2', pod('b', 'p2', 'n1'));
    idx.set('a/p1', pod('a', 'p1'));
    idx.set('a/p0', pod('a', 'p0', 'n1'));
    assert.deepEqual(idx.keys(), ['a/p0', 'a/p1', 'b/p2']);
    assert.deepEqual(idx.byIndex('node', 'n1').map((p) => p.metadata.name), ['p0', 'p2']);
    idx.set('a/p1', pod('a', 'p1', 'n2'));
    idx.set('a/p0', pod('a', 'p0', 'n2'));
    assert.deepEqual(idx.indexKeys('node', 'n1'), ['b/p2']);
    assert.deepEqual(idx.indexKeys('node', 'n2'), ['a/p0', 'a/p1']);
    idx.delete('a/p1');
    assert.deepEqual(idx.listNamespace('a').map((p) => p.metadata.name), ['p0']);
    assert.deepEqual(idx.indexKeys('namespace', 'b'), ['b/p2']);
    assert.equal(idx.get('b', 'p2')?.metadata.name, 'p2');
    assert.deepEqual(idx.indexNames, ['namespace', 'node']);
    assert.throws(() => idx.byIndex('missing', 'x'), /does not exist/);
    idx.clear();
    assert.equal(idx.size, 0);
  });

  it('upsert and remove key objects as set and delete with objectKey do, slashes included', () => {
    const idx = new Indexer({ node: indexByNodeName });
    const obj = (ns: string | undefined, name: string, node?: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: ns === undefined ? { name } : { name, namespace: ns },
      spec: node === undefined ? {} : { nodeName: node },
    });
    const p0 = obj('a', 'p0', 'n1');
    assert.equal(idx.upsert(p0), undefined);
    assert.equal(idx.upsert(obj('a', 'p0', 'n2')), p0);
    assert.deepEqual(idx.getByKey('a/p0')?.spec, { nodeName: 'n2' });
    idx.upsert(obj(undefined, 'x', 'n2'));
    assert.equal(idx.get(undefined, 'x'), idx.get('', 'x'));
    assert.equal(idx.getByKey('x')?.metadata.name, 'x');
    // A cluster-scoped name with a slash has the key a namespaced object could have.
    const slashed = obj(undefined, 'a/p1');
    idx.upsert(slashed);
    assert.equal(idx.get('a', 'p1'), slashed);
    assert.equal(idx.get('', 'a/p1'), slashed);
    idx.set('b/c/d', obj('b/c', 'd'));
    assert.equal(idx.get('b/c', 'd')?.metadata.name, 'd');
    assert.equal(idx.get('b', 'c/d')?.metadata.name, 'd');
    assert.deepEqual(idx.keys(), ['a/p0', 'a/p1', 'b/c/d', 'x']);
    assert.deepEqual(idx.indexKeys('node', 'n2'), ['a/p0', 'x']);
    assert.deepEqual(idx.byIndexInNamespace('node', 'n2', 'a').map((o) => o.metadata.name), ['p0']);
    idx.upsert(obj('a', 'p2', 'n2'));
    assert.deepEqual(idx.byIndexInNamespace('node', 'n2', 'a').map((o) => o.metadata.name), ['p0', 'p2']);
    assert.deepEqual(idx.byIndexInNamespace('node', 'n3', 'a'), []);
    const stored = idx.getByKey('a/p0');
    assert.equal(idx.remove(obj('a', 'p0')), stored);
    assert.equal(idx.remove(slashed), slashed);
    assert.equal(idx.remove(obj('a', 'missing')), undefined);
    assert.equal(idx.delete('b/c/d')?.metadata.name, 'd');
    assert.equal(idx.get('b/c', 'd'), undefined);
    assert.deepEqual(idx.keys(), ['a/p2', 'x']);
    assert.deepEqual(idx.indexKeys('node', 'n2'), ['a/p2', 'x']);
  });

  it('asks an index function that declares its reads again only when one of them changed', () => {
    const asked: string[] = [];
    const byNode = indexReading(['spec'], (o) => {
      asked.push(o.metadata.resourceVersion ?? '');
      return indexByNodeName(o);
    });
    const idx = new Indexer({ node: byNode });
    const spec = Object.freeze({ nodeName: 'n1' });
    const pod = (rv: string, s: object): KubeObject => Object.freeze({ apiVersion: 'v1', kind: 'Pod', metadata: Object.freeze({ name: 'p', namespace: 'a', resourceVersion: rv }), spec: s });
    idx.upsert(pod('1', spec));
    assert.equal(idx.lastKey, 'a/p');
    // A status-like update keeps the frozen spec: the function is not asked.
    idx.upsert(pod('2', spec));
    assert.deepEqual(asked, ['1']);
    idx.upsert(pod('3', Object.freeze({ nodeName: 'n2' })));
    assert.deepEqual(asked, ['1', '3']);
    assert.deepEqual(idx.indexKeys('node', 'n2'), ['a/p']);
    // A spec that is not frozen may have changed in place: the function is asked.
    const mutable = { nodeName: 'n2' };
    idx.upsert(pod('4', mutable));
    mutable.nodeName = 'n3';
    idx.upsert(pod('5', mutable));
    assert.deepEqual(asked, ['1', '3', '4', '5']);
    assert.deepEqual(idx.indexKeys('node', 'n3'), ['a/p']);
    assert.equal(idx.delete('a/missing'), undefined);
    assert.equal(idx.lastKey, undefined);
  });

  it('asks a failing index function about the old object again, as often as it did', () => {
    const errors: string[] = [];
    const idx = new Indexer(
      {
        node: (o) => {
          if (o.metadata.labels?.['bad'] === 'yes') throw new Error(`bad ${o.metadata.name ?? ''}`);
          return indexByNodeName(o);
        },
      },
      (e) => errors.push(e.message),
    );
    const pod = (bad: boolean): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'a', labels: { bad: bad ? 'yes' : 'no' } }, spec: { nodeName: 'n1' } });
    idx.upsert(pod(true));
    assert.equal(errors.length, 1);
    assert.deepEqual(idx.indexKeys('node', 'n1'), []);
    idx.upsert(pod(true));
    assert.equal(errors.length, 3);
    idx.upsert(pod(false));
    assert.equal(errors.length, 4);
    assert.deepEqual(idx.indexKeys('node', 'n1'), ['a/p']);
    idx.upsert(pod(true));
    assert.equal(errors.length, 5);
    assert.deepEqual(idx.indexKeys('node', 'n1'), []);
    idx.delete('a/p');
    assert.equal(errors.length, 6);
  });
});
