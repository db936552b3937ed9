/**
 * The store's API-server-facing extensions: graceful deletion (`gracePeriodSeconds`), the
 * spec-and-status `replace` write, the `prepare` hook of `create`, and `unregisterKind`.
 */
import { strict as assert } from 'node:assert';
import { isConflict, isNotFound } from './api-error.js';
import type { ObjectRef } from './store.js';
import { fail, metaOf, newStore, ok, pod, widget } from './store-test-kit.js';
import type { WatchEvent } from './watch-event.js';

const POD = (name: string): ObjectRef => ({ apiVersion: 'v1', kind: 'Pod', namespace: 'default', name });
const WIDGET = (name: string): ObjectRef => ({ apiVersion: 'example.com/v1', kind: 'Widget', namespace: 'default', name });

function types(events: readonly WatchEvent[]): string[] {
  return events.map((e) => e.type);
}

describe('Store extensions', () => {
  describe('graceful deletion (gracePeriodSeconds)', () => {
    it('first deletion sets deletionTimestamp = now + grace and keeps the object', () => {
      const { store, clock } = newStore();
      clock.ms = 10_500;
      const created = ok(store.create(pod('a')));
      const res = ok(store.delete(POD('a'), { gracePeriodSeconds: 30 }));
      assert.equal(res.deleted, false);
      const meta = metaOf(res.object);
      assert.equal(meta.deletionTimestamp, '2026-01-01T00:00:40Z');
      assert.equal(meta.deletionGracePeriodSeconds, 30);
      assert.equal(meta.generation, (metaOf(created).generation as number) + 1);
      assert.equal(metaOf(ok(store.get(POD('a')))).resourceVersion, meta.resourceVersion);
    });

    it('a longer or equal grace period changes nothing; a shorter one moves the deadline earlier', () => {
      const { store, clock } = newStore();
      ok(store.create(pod('a')));
      const first = ok(store.delete(POD('a'), { gracePeriodSeconds: 30 }));
      const rev = store.revision;
      clock.ms = 5_000;
      const again = ok(store.delete(POD('a'), { gracePeriodSeconds: 60 }));
      assert.equal(again.deleted, false);
      assert.equal(again.object, first.object);
      assert.equal(store.revision, rev);
      const shorter = ok(store.delete(POD('a'), { gracePeriodSeconds: 10 }));
      assert.equal(shorter.deleted, false);
      assert.equal(metaOf(shorter.object).deletionTimestamp, '2026-01-01T00:00:10Z');
      assert.equal(metaOf(shorter.object).deletionGracePeriodSeconds, 10);
      // The generation is bumped only by the first deletion.
      assert.equal(metaOf(shorter.object).generation, metaOf(first.object).generation);
    });

    it('grace 0 writes the deletion fields, then removes the object (two revisions)', () => {
      const { store } = newStore();
      ok(store.create(pod('a')));
      const w = ok(store.watch({ apiVersion: 'v1', kind: 'Pod', resourceVersion: store.resourceVersion }));
      ok(store.delete(POD('a'), { gracePeriodSeconds: 30 }));
      const res = ok(store.delete(POD('a'), { gracePeriodSeconds: 0 }));
      assert.equal(res.deleted, true);
      assert.ok(isNotFound(store.get(POD('a'))));
      const events = w.poll();
      assert.deepEqual(types(events), ['MODIFIED', 'MODIFIED', 'DELETED']);
      const last = events[2];
      assert.ok(last !== undefined && last.type === 'DELETED');
      assert.equal(metaOf(last.object).deletionGracePeriodSeconds, 0);
      assert.equal(metaOf(last.object).deletionTimestamp, '2026-01-01T00:00:00Z');
      w.stop();
    });

    it('grace 0 on an object with finalizers marks it and waits for them', () => {
      const { store } = newStore();
      ok(store.create(pod('a', { finalizers: ['example.com/hold'] })));
      const res = ok(store.delete(POD('a'), { gracePeriodSeconds: 0 }));
      assert.equal(res.deleted, false);
      assert.equal(metaOf(res.object).deletionGracePeriodSeconds, 0);
      const cur = ok(store.get(POD('a')));
      const gone = ok(store.update({ ...cur, metadata: { ...cur.metadata, finalizers: [] } }));
      assert.ok(gone !== undefined);
      assert.ok(isNotFound(store.get(POD('a'))));
    });

    it('a positive grace period keeps the object after its finalizers are gone', () => {
      const { store } = newStore();
      ok(store.create(pod('a', { finalizers: ['example.com/hold'] })));
      ok(store.delete(POD('a'), { gracePeriodSeconds: 30 }));
      const cur = ok(store.get(POD('a')));
      ok(store.update({ ...cur, metadata: { ...cur.metadata, finalizers: [] } }));
      assert.equal(metaOf(ok(store.get(POD('a')))).deletionGracePeriodSeconds, 30);
      assert.equal(ok(store.delete(POD('a'), { gracePeriodSeconds: 0 })).deleted, true);
    });

    it('negative grace periods count as one second', () => {
      const { store } = newStore();
      ok(store.create(pod('a')));
      const res = ok(store.delete(POD('a'), { gracePeriodSeconds: -5 }));
      assert.equal(metaOf(res.object).deletionGracePeriodSeconds, 1);
      assert.equal(metaOf(res.object).deletionTimestamp, '2026-01-01T00:00:01Z');
    });

    it('checks preconditions before anything else', () => {
      const { store } = newStore();
      ok(store.create(pod('a')));
      assert.ok(isConflict(store.delete(POD('a'), { gracePeriodSeconds: 30, preconditions: { uid: 'nope' } })));
      assert.equal(metaOf(ok(store.get(POD('a')))).deletionTimestamp, undefined);
    });
  });

  describe('replace', () => {
    it('writes spec and status in one revision without bumping generation', () => {
      const { store } = newStore();
      const created = ok(store.create(pod('a', { status: { phase: 'Pending' } })));
      const next = ok(
        store.replace({ ...created, spec: { ...(created['spec'] as object), nodeName: 'n1' }, status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True' }] } }),
      );
      assert.equal((next['spec'] as { nodeName?: string }).nodeName, 'n1');
      assert.deepEqual(next['status'], { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True' }] });
      assert.equal(metaOf(next).generation, metaOf(created).generation);
      assert.equal(Number(metaOf(next).resourceVersion), Number(metaOf(created).resourceVersion) + 1);
    });

    it('checks the resourceVersion like update', () => {
      const { store } = newStore();
      const created = ok(store.create(pod('a')));
      ok(store.update({ ...created, metadata: { ...created.metadata, labels: { x: 'y' } } }));
      assert.ok(isConflict(store.replace(created)));
    });
  });

  describe('create with prepare', () => {
    it('sees the generated name and the uid the object will get', () => {
      const { store } = newStore();
      let seen: [string, string] | undefined;
      const created = ok(
        store.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'cm-', namespace: 'default' } }, {
          prepare: (obj, name, uid) => {
            seen = [name, uid];
            return { ...obj, data: { name, uid } };
          },
        }),
      );
      assert.ok(seen !== undefined);
      assert.equal(metaOf(created).name, seen[0]);
      assert.equal(metaOf(created).uid, seen[1]);
      assert.deepEqual(created['data'], { name: seen[0], uid: seen[1] });
    });

    it('is not called when the create fails, and consumes no uid', () => {
      const { store } = newStore();
      ok(store.create(pod('a')));
      let calls = 0;
      fail(store.create(pod('a'), { prepare: (o) => (calls++, o) }));
      assert.equal(calls, 0);
      assert.equal(metaOf(ok(store.create(pod('b')))).uid, '00000000-0000-4000-8000-000000000002');
    });
  });

  describe('unregisterKind', () => {
    it('removes every object with DELETED events and then answers 404', () => {
      const { store } = newStore();
      ok(store.create(widget('a')));
      ok(store.create(widget('b')));
      const w = ok(store.watch({ apiVersion: 'example.com/v1', kind: 'Widget', resourceVersion: store.resourceVersion }));
      assert.equal(store.unregisterKind({ group: 'example.com', kind: 'Widget' }), 2);
      assert.deepEqual(types(w.poll()), ['DELETED', 'DELETED']);
      const err = fail(store.get(WIDGET('a')));
      assert.equal(err.code, 404);
      assert.equal(err.message, 'the server could not find the requested resource');
      assert.equal(store.kindInfo({ group: 'example.com', kind: 'Widget' }), undefined);
      assert.equal(store.unregisterKind({ group: 'example.com', kind: 'Widget' }), 0);
      w.stop();
    });

    it('registerKind serves the kind again', () => {
      const { store } = newStore();
      ok(store.create(widget('a')));
      const info = store.kindInfo({ group: 'example.com', kind: 'Widget' });
      assert.ok(info !== undefined);
      store.unregisterKind(info);
      store.registerKind(info);
      assert.ok(isNotFound(store.get(WIDGET('a'))));
      ok(store.create(widget('a')));
    });
  });
});
