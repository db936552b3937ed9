/**
 * Several API server instances over one store: crash and restart, 503 from a down instance,
 * watches that end with ERROR, and the failover client.
 */
import { strict as assert } from 'node:assert';
import { ConfigError } from '../errors.js';
import { isServiceUnavailable } from '../store/api-error.js';
import { fail, harness, ok, pod } from './apiserver-test-kit.js';

const POD = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', namespace: 'default', name }) as const;
const UNAVAILABLE = { code: 503, reason: 'ServiceUnavailable', message: 'the server is currently unable to handle the request' };

describe('HA: several API server instances', () => {
  it('instances share the store and report themselves in request records', () => {
    const h = harness({ instances: 3 });
    assert.deepEqual(h.api.servers.map((s) => s.name), ['apiserver-0', 'apiserver-1', 'apiserver-2']);
    ok(h.api.client('a', 0).create(pod('p')));
    assert.equal(ok(h.api.client('b', 'apiserver-2').get(POD('p'))).metadata.name, 'p');
    assert.deepEqual(h.records.slice(-2).map((r) => [r.instance, r.userAgent, r.verb]), [
      ['apiserver-0', 'a', 'create'],
      ['apiserver-2', 'b', 'get'],
    ]);
    assert.throws(() => h.api.server('apiserver-7'), ConfigError);
  });

  it('a crashed instance answers every call with 503 until it restarts', () => {
    const h = harness({ instances: 3 });
    const c1 = h.api.client('c1', 1);
    h.api.server(1).crash();
    assert.equal(h.api.server(1).isUp, false);
    assert.deepEqual(fail(c1.create(pod('p'))), UNAVAILABLE);
    assert.ok(isServiceUnavailable(c1.get(POD('p'))));
    assert.equal(fail(c1.watch({ apiVersion: 'v1', kind: 'Pod' })).code, 503);
    assert.equal(fail(c1.bind({ namespace: 'default', podName: 'p', nodeName: 'n' })).code, 503);
    assert.equal(h.records.at(-1)?.code, 503);
    ok(h.api.client('c0', 0).create(pod('p')));
    h.api.server(1).restart();
    assert.equal(ok(c1.get(POD('p'))).metadata.name, 'p');
  });

  it("a crash ends the instance's watches with one ERROR event; other instances' watches go on", () => {
    const h = harness({ instances: 2 });
    const on1 = ok(h.api.client('w', 1).watch({ apiVersion: 'v1', kind: 'Pod' }));
    const on0 = ok(h.api.client('w', 0).watch({ apiVersion: 'v1', kind: 'Pod' }));
    ok(h.client.create(pod('a')));
    h.api.server(1).crash();
    ok(h.client.create(pod('b')));
    const events = on1.poll();
    assert.deepEqual(events, [{ type: 'ERROR', error: UNAVAILABLE }]);
    assert.equal(on1.stopped, true);
    assert.deepEqual(on1.poll(), []);
    assert.equal(h.api.server(1).watchCount, 0);
    assert.deepEqual(on0.poll().map((e) => (e.type === 'ERROR' || e.type === 'BOOKMARK' ? e.type : `${e.type} ${e.object.metadata.name ?? ''}`)), ['ADDED a', 'ADDED b']);
    on0.stop();
    assert.equal(h.api.server(0).watchCount, 0);
    assert.equal(h.store.stats().watchers, 0);
  });

  it("an instance's watch signals news as the store's watcher does, and its end on a crash", () => {
    const h = harness({ instances: 2 });
    const kubelet = ok(h.api.client('w', 1).watch({ apiVersion: 'v1', kind: 'Pod', fieldSelector: { 'spec.nodeName': 'n1' } }));
    const all = ok(h.api.client('w', 1).watch({ apiVersion: 'v1', kind: 'Pod' }));
    let signals = 0;
    assert.equal(kubelet.notifyPending?.(() => signals++), true);
    assert.equal(all.notifyPending?.(() => undefined), false, 'an unindexed watch cannot signal');
    ok(h.client.create(pod('elsewhere', { spec: { nodeName: 'n2' } })));
    assert.equal(signals, 0);
    ok(h.client.create(pod('here', { spec: { nodeName: 'n1' } })));
    assert.equal(signals, 1);
    h.api.server(1).crash();
    assert.ok(signals >= 2, 'the ERROR that ends it is news');
    assert.deepEqual(kubelet.poll().map((e) => e.type), ['ERROR']);
  });

  it('the failover client uses its instance, then the next healthy one in order', () => {
    const h = harness({ instances: 3 });
    const c = h.api.failoverClient('kube-scheduler', 1);
    assert.equal(c.instance, 'apiserver-1');
    ok(c.create(pod('a')));
    h.api.server(1).crash();
    assert.equal(c.instance, 'apiserver-2');
    ok(c.create(pod('b')));
    h.api.server(2).crash();
    assert.equal(c.instance, 'apiserver-0');
    ok(c.bind({ namespace: 'default', podName: 'b', nodeName: 'n1' }));
    h.api.server(0).crash();
    assert.equal(c.instance, undefined);
    assert.deepEqual(fail(c.get(POD('a'))), UNAVAILABLE);
    h.api.server(1).restart();
    assert.equal(c.instance, 'apiserver-1');
    assert.deepEqual(
      h.records.filter((r) => r.userAgent === 'kube-scheduler').map((r) => [r.instance, r.verb, r.subresource ?? '']),
      [
        ['apiserver-1', 'create', ''],
        ['apiserver-2', 'create', ''],
        ['apiserver-0', 'create', 'binding'],
      ],
    );
  });

  it('an informer-style client relists through the failover client after its watch ends', () => {
    const h = harness({ instances: 2 });
    const c = h.api.failoverClient('controller', 0);
    const w = ok(c.watch({ apiVersion: 'v1', kind: 'Pod' }));
    ok(h.client.create(pod('a')));
    h.api.server(0).crash();
    assert.equal(w.poll().at(-1)?.type, 'ERROR');
    const list = ok(c.list({ apiVersion: 'v1', kind: 'Pod' }));
    assert.deepEqual(list.items.map((p) => p.metadata.name), ['a']);
    const again = ok(c.watch({ apiVersion: 'v1', kind: 'Pod', resourceVersion: list.resourceVersion }));
    ok(c.create(pod('b')));
    assert.deepEqual(again.poll().map((e) => e.type), ['ADDED']);
    again.stop();
  });
});
