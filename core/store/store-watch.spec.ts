import { strict as assert } from 'node:assert';
import { parseFieldSelector, parseSelector } from '../api/labels.js';
import type { DeepReadonly, KubeObject } from '../api/types.js';
import { isInvalid, isNotFound } from './api-error.js';
import type { Store, WatchRequest } from './store.js';
import { fail, metaOf, newStore, ok, pod, widget } from './store-test-kit.js';
import { INITIAL_EVENTS_ANNOTATION, type WatchEvent, type Watcher } from './watch-event.js';

const PODS = { apiVersion: 'v1', kind: 'Pod' } as const;
const POD_REF = (name: string, namespace = 'default') => ({ ...PODS, namespace, name });
const isWeb = { matches: (l: Readonly<Record<string, string>>) => l.app === 'web' };

/** `TYPE ns/name@rv` per event, `BOOKMARK@rv`, `ERROR code reason`: compact and exact. */
function show(events: readonly WatchEvent[]): string[] {
  return events.map((e) => {
    switch (e.type) {
      case 'BOOKMARK':
        return `BOOKMARK@${e.object.metadata.resourceVersion}`;
      case 'ERROR':
        return `ERROR ${e.error.code} ${e.error.reason}`;
      default:
        return `${e.type} ${e.object.metadata.namespace ?? ''}/${e.object.metadata.name ?? ''}@${e.object.metadata.resourceVersion ?? ''}`;
    }
  });
}

function watch(store: Store, req: Partial<WatchRequest> = {}): Watcher {
  return ok(store.watch({ ...PODS, ...req } as WatchRequest));
}

function label(store: Store, name: string, app: string): void {
  ok(store.patch(POD_REF(name), { metadata: { labels: { app } } }));
}

describe('Store.watch', () => {
  describe('start point', () => {
    it('from now ("0" or absent): synthetic ADDED for existing objects in key order, then every change', () => {
      for (const resourceVersion of [undefined, '', '0']) {
        const { store } = newStore();
        ok(store.create(pod('b')));
        ok(store.create(pod('a', { namespace: 'z' })));
        ok(store.create(pod('a')));
        const w = watch(store, resourceVersion === undefined ? {} : { resourceVersion });
        assert.equal(w.resourceVersion, '4');
        ok(store.create(pod('c')));
        assert.deepEqual(show(w.poll()), ['ADDED default/a@4', 'ADDED default/b@2', 'ADDED z/a@3', 'ADDED default/c@5']);
      }
    });

    it('from a resourceVersion: exactly the changes after it, no synthetic events', () => {
      const { store } = newStore();
      ok(store.create(pod('a')));
      ok(store.create(pod('b')));
      ok(store.patch(POD_REF('a'), { metadata: { labels: { x: '1' } } }));
      ok(store.delete(POD_REF('b')));
      assert.deepEqual(show(watch(store, { resourceVersion: '1' }).poll()), ['ADDED default/a@2', 'ADDED default/b@3', 'MODIFIED default/a@4', 'DELETED default/b@5']);
      assert.deepEqual(show(watch(store, { resourceVersion: '3' }).poll()), ['MODIFIED default/a@4', 'DELETED default/b@5']);
      assert.deepEqual(show(watch(store, { resourceVersion: '5' }).poll()), []);
    });

    it('a list followed by a watch from the list resourceVersion misses nothing and repeats nothing', () => {
      const { store } = newStore();
      ok(store.create(pod('a')));
      const list = ok(store.list(PODS));
      ok(store.create(pod('b')));
      const w = watch(store, { resourceVersion: list.resourceVersion });
      ok(store.create(pod('c')));
      assert.deepEqual(show(w.poll()), ['ADDED default/b@3', 'ADDED default/c@4']);
    });

    it('from a future resourceVersion: changes up to it are skipped', () => {
      const { store } = newStore();
      const w = watch(store, { resourceVersion: '3' });
      ok(store.create(pod('a')));
      ok(store.create(pod('b')));
      ok(store.create(pod('c')));
      assert.deepEqual(show(w.poll()), ['ADDED default/c@4']);
    });

    it('sendInitialEvents: current state, then the initial-events-end bookmark, then changes', () => {
      const { store } = newStore();
      ok(store.create(pod('a')));
      ok(store.create(pod('b')));
      const w = watch(store, { sendInitialEvents: true, allowBookmarks: true, resourceVersion: '2' });
      ok(store.delete(POD_REF('a')));
      const events = w.poll();
      assert.deepEqual(show(events), ['ADDED default/a@2', 'ADDED default/b@3', 'BOOKMARK@3', 'DELETED default/a@4']);
      const bookmark = events[2];
      assert.ok(bookmark?.type === 'BOOKMARK');
      assert.deepEqual(bookmark.object, { apiVersion: 'v1', kind: 'Pod', metadata: { resourceVersion: '3', annotations: { [INITIAL_EVENTS_ANNOTATION]: 'true' } } });
    });

    it('sendInitialEvents requires allowBookmarks (422), as upstream validation does', () => {
      const { store } = newStore();
      const err = fail(store.watch({ ...PODS, sendInitialEvents: true }));
      assert.equal(err.message, 'ListOptions.meta.k8s.io "" is invalid: allowWatchBookmarks: Forbidden: allowWatchBookmarks must be set to true when sendInitialEvents is set');
    });

    it('sendInitialEvents false from "0": starts now without the current state', () => {
      const { store } = newStore();
      ok(store.create(pod('a')));
      const w = watch(store, { sendInitialEvents: false, resourceVersion: '0' });
      ok(store.create(pod('b')));
      assert.deepEqual(show(w.poll()), ['ADDED default/b@3']);
    });

    it('rejects a malformed resourceVersion (422) and unknown kinds (404)', () => {
      const { store } = newStore();
      const err = fail(store.watch({ ...PODS, resourceVersion: 'x1' }));
      assert.ok(isInvalid(err));
      assert.equal(err.message, 'pods "" is invalid: resourceVersion: Invalid value: "x1": strconv.ParseUint: parsing "x1": invalid syntax');
      assert.ok(isNotFound(store.watch({ apiVersion: 'v1', kind: 'Nope' })));
    });
  });

  describe('delivery', () => {
    it('delivers each change exactly once across polls, in revision order, frozen', () => {
      const { store } = newStore();
      const w = watch(store);
      ok(store.create(pod('a')));
      const first = w.poll();
      ok(store.create(pod('b')));
      ok(store.delete(POD_REF('a')));
      const second = w.poll();
      assert.deepEqual(show(first), ['ADDED default/a@2']);
      assert.deepEqual(show(second), ['ADDED default/b@3', 'DELETED default/a@4']);
      assert.deepEqual(w.poll(), []);
      for (const e of [...first, ...second]) assert.ok(Object.isFrozen(e));
      assert.deepEqual(
        [...first, ...second].map((e) => (e.type === 'ERROR' ? -1 : e.revision)),
        [2, 3, 4],
      );
    });

    it('hands every watcher the same stored object (no copies)', () => {
      const { store } = newStore();
      const w1 = watch(store);
      const w2 = watch(store, { labelSelector: isWeb });
      const created = ok(store.create(pod('a', { labels: { app: 'web' } })));
      const [e1] = w1.poll();
      const [e2] = w2.poll();
      assert.ok(e1?.type === 'ADDED' && e2?.type === 'ADDED');
      assert.equal(e1.object, created);
      assert.equal(e2.object, created);
    });

    it('poll(max) pages through pending events; hasPending tells whether any is left', () => {
      const { store } = newStore();
      const w = watch(store, { labelSelector: isWeb });
      assert.equal(w.hasPending(), false);
      ok(store.create(pod('x', { labels: { app: 'db' } })));
      assert.equal(w.hasPending(), false, 'a change the watch does not select is not pending');
      for (const n of ['a', 'b', 'c']) ok(store.create(pod(n, { labels: { app: 'web' } })));
      assert.equal(w.hasPending(), true);
      assert.deepEqual(show(w.poll(2)), ['ADDED default/a@3', 'ADDED default/b@4']);
      assert.deepEqual(show(w.poll(0)), []);
      assert.deepEqual(show(w.poll(5)), ['ADDED default/c@5']);
      assert.equal(w.hasPending(), false);
    });

    it('resourceVersion tracks the last delivered event', () => {
      const { store } = newStore();
      const w = watch(store, { resourceVersion: '1' });
      assert.equal(w.resourceVersion, '1');
      ok(store.create(pod('a')));
      w.poll();
      assert.equal(w.resourceVersion, '2');
    });

    it('a deletion through finalizer removal carries the last stored state at the deletion revision', () => {
      const { store } = newStore();
      const w = watch(store);
      const created = ok(store.create(pod('a', { finalizers: ['x.io/f'] })));
      const marked = ok(store.delete(POD_REF('a'))).object;
      ok(store.update({ ...marked, metadata: { ...marked.metadata, finalizers: [] } }));
      const events = w.poll();
      assert.deepEqual(show(events), ['ADDED default/a@2', 'MODIFIED default/a@3', 'DELETED default/a@4']);
      const del = events[2] as { object: DeepReadonly<KubeObject> };
      assert.deepEqual(metaOf(del.object).finalizers, ['x.io/f']);
      assert.equal(metaOf(del.object).deletionTimestamp, '2026-01-01T00:00:00Z');
      assert.equal(del.object.spec, created.spec);
    });

    it('watchers of one kind never see another kind', () => {
      const { store } = newStore();
      const w = watch(store);
      ok(store.create(widget('w')));
      ok(store.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' } }));
      assert.deepEqual(w.poll(), []);
    });
  });

  describe('selection', () => {
    it('label selector: entering is ADDED, leaving is DELETED (previous state at the change revision)', () => {
      const { store } = newStore();
      const w = watch(store, { labelSelector: isWeb });
      ok(store.create(pod('a', { labels: { app: 'db' } }))); // 2: not selected
      label(store, 'a', 'web'); // 3: enters
      ok(store.patch(POD_REF('a'), { metadata: { annotations: { n: '1' } } })); // 4: stays
      label(store, 'a', 'db'); // 5: leaves
      ok(store.patch(POD_REF('a'), { metadata: { annotations: { n: '2' } } })); // 6: outside
      ok(store.delete(POD_REF('a'))); // 7: deleted while outside: nothing
      ok(store.create(pod('b', { labels: { app: 'web' } }))); // 8
      ok(store.delete(POD_REF('b'))); // 9
      const events = w.poll();
      assert.deepEqual(show(events), ['ADDED default/a@3', 'MODIFIED default/a@4', 'DELETED default/a@5', 'ADDED default/b@8', 'DELETED default/b@9']);
      const left = events[2] as { object: DeepReadonly<KubeObject> };
      assert.equal(left.object.metadata.labels?.app, 'web', 'the state before it left');
      assert.equal(left.object.metadata.resourceVersion, '5');
      assert.ok(Object.isFrozen(left.object) && Object.isFrozen(left.object.metadata));
    });

    it('field selector on spec.nodeName: a pod appears on its node when bound', () => {
      const { store } = newStore();
      const kubelet = watch(store, { fieldSelector: { 'spec.nodeName': 'n1' } });
      const scheduler = watch(store, { fieldSelector: { 'spec.nodeName': '' } });
      ok(store.create(pod('a', { spec: { containers: [] } })));
      ok(store.patch(POD_REF('a'), { spec: { nodeName: 'n1' } }));
      assert.deepEqual(show(kubelet.poll()), ['ADDED default/a@3']);
      assert.deepEqual(show(scheduler.poll()), ['ADDED default/a@2', 'DELETED default/a@3']);
    });

    it('accepts parsed selectors from core/api', () => {
      const { store } = newStore();
      const w = watch(store, { labelSelector: parseSelector('app=web'), fieldSelector: parseFieldSelector('spec.nodeName=n1') });
      ok(store.create(pod('a', { labels: { app: 'web' }, spec: { nodeName: 'n1' } })));
      ok(store.create(pod('b', { labels: { app: 'web' }, spec: { nodeName: 'n2' } })));
      ok(store.create(pod('c', { labels: { app: 'db' }, spec: { nodeName: 'n1' } })));
      assert.deepEqual(show(w.poll()), ['ADDED default/a@2']);
      assert.deepEqual(
        ok(store.list({ ...PODS, labelSelector: parseSelector('app=web') })).items.map((o) => o.metadata.name),
        ['a', 'b'],
      );
    });

    it('namespace: only that namespace', () => {
      const { store } = newStore();
      const w = watch(store, { namespace: 'a' });
      ok(store.create(pod('x', { namespace: 'a' })));
      ok(store.create(pod('x', { namespace: 'a-b' })));
      ok(store.create(pod('y', { namespace: 'b' })));
      assert.deepEqual(show(w.poll()), ['ADDED a/x@2']);
    });

    it('synthetic ADDED events respect the selection', () => {
      const { store } = newStore();
      ok(store.create(pod('a', { labels: { app: 'web' } })));
      ok(store.create(pod('b', { labels: { app: 'db' } })));
      ok(store.create(pod('c', { labels: { app: 'web' }, namespace: 'other' })));
      assert.deepEqual(show(watch(store, { labelSelector: isWeb, namespace: 'default' }).poll()), ['ADDED default/a@2']);
    });
  });

  describe('bookmarks', () => {
    it('are delivered only to watchers that allow them, at the current revision', () => {
      const { store } = newStore();
      const plain = watch(store);
      const marked = watch(store, { allowBookmarks: true });
      ok(store.create(pod('a')));
      store.bookmark();
      assert.deepEqual(show(plain.poll()), ['ADDED default/a@2']);
      const events = marked.poll();
      assert.deepEqual(show(events), ['ADDED default/a@2'], 'nothing new to tell after the change itself');
      ok(store.create(widget('w'))); // another kind moves the revision
      store.bookmark();
      const [bm] = marked.poll();
      assert.ok(bm?.type === 'BOOKMARK');
      assert.deepEqual(bm.object, { apiVersion: 'v1', kind: 'Pod', metadata: { resourceVersion: '3' } });
      assert.equal(bm.revision, 3);
      assert.equal(marked.resourceVersion, '3');
      store.bookmark();
      assert.deepEqual(marked.poll(), [], 'no news, no bookmark');
    });

    it('sit after the changes up to their revision and before later ones', () => {
      const { store } = newStore();
      const w = watch(store, { allowBookmarks: true, labelSelector: isWeb });
      ok(store.create(pod('a', { labels: { app: 'web' } }))); // 2
      ok(store.create(pod('b', { labels: { app: 'db' } }))); // 3, filtered
      store.bookmark(); // at 3
      ok(store.create(pod('c', { labels: { app: 'web' } }))); // 4
      assert.deepEqual(show(w.poll()), ['ADDED default/a@2', 'BOOKMARK@3', 'ADDED default/c@4']);
    });

    it('coalesce: an undelivered bookmark is replaced by a later one', () => {
      const { store } = newStore();
      const w = watch(store, { allowBookmarks: true, labelSelector: isWeb });
      ok(store.create(pod('b', { labels: { app: 'db' } })));
      store.bookmark();
      ok(store.create(pod('c', { labels: { app: 'db' } })));
      store.bookmark();
      assert.equal(w.hasPending(), true);
      assert.deepEqual(show(w.poll()), ['BOOKMARK@3']);
    });

    it('use the watch request apiVersion', () => {
      const { store } = newStore();
      const w = ok(store.watch({ apiVersion: 'example.com/v1beta1', kind: 'Widget', allowBookmarks: true }));
      ok(store.create(pod('a')));
      store.bookmark();
      const [bm] = w.poll();
      assert.ok(bm?.type === 'BOOKMARK');
      assert.equal(bm.object.apiVersion, 'example.com/v1beta1');
      assert.equal(bm.object.kind, 'Widget');
    });
  });

  describe('compaction', () => {
    function history(): Store {
      const { store } = newStore();
      for (const n of ['a', 'b', 'c', 'd', 'e']) ok(store.create(pod(n))); // revisions 2..6
      return store;
    }

    const cases: readonly { from: string; compact: number; expired?: string }[] = [
      { from: '1', compact: 2 },
      { from: '2', compact: 3 },
      { from: '2', compact: 4, expired: 'too old resource version: 2 (3)' },
      { from: '1', compact: 6, expired: 'too old resource version: 1 (5)' },
      { from: '5', compact: 6 },
      { from: '6', compact: 6 },
      { from: '0', compact: 6 },
    ];
    for (const c of cases) {
      it(`watch from ${c.from} after compact(${c.compact}): ${c.expired ? '410 Expired' : 'ok'}`, () => {
        const store = history();
        store.compact(c.compact);
        const w = watch(store, { resourceVersion: c.from });
        const events = w.poll();
        if (c.expired !== undefined) {
          assert.equal(events.length, 1);
          const [e] = events;
          assert.ok(e?.type === 'ERROR');
          assert.deepEqual(e.error, { code: 410, reason: 'Expired', message: c.expired });
          assert.equal(w.stopped, true);
          assert.deepEqual(w.poll(), []);
        } else {
          const from = Number(c.from);
          const want = from === 0 ? 5 : 6 - from;
          assert.equal(events.length, want);
          assert.equal(w.stopped, false);
          w.stop();
        }
      });
    }

    it('does not disturb a running watcher, and history is released once read', () => {
      const { store } = newStore();
      const w = watch(store);
      for (const n of ['a', 'b', 'c']) ok(store.create(pod(n)));
      store.compact(4);
      assert.equal(store.stats().historyEntries, 3, 'held for the running watcher');
      assert.deepEqual(show(w.poll()), ['ADDED default/a@2', 'ADDED default/b@3', 'ADDED default/c@4']);
      store.compact(4);
      assert.equal(store.stats().historyEntries, 3, 'compacting to the same revision again is a no-op');
      ok(store.create(pod('d')));
      store.compact(5);
      assert.equal(store.stats().historyEntries, 1, 'only revision 5 remains');
      w.stop();
      assert.equal(store.stats().watchers, 0);
    });

    it('a stopped watcher releases its hold on history', () => {
      const { store } = newStore();
      const w = watch(store);
      for (const n of ['a', 'b', 'c']) ok(store.create(pod(n)));
      store.compact(4);
      assert.equal(store.stats().historyEntries, 3);
      w.stop();
      w.stop();
      assert.equal(store.stats().historyEntries, 1);
      assert.equal(store.stats().watchers, 0);
      assert.equal(w.stopped, true);
      assert.equal(w.hasPending(), false);
      assert.deepEqual(w.poll(), []);
    });

    it('an expired watcher holds nothing and can be stopped', () => {
      const store = history();
      store.compact(6);
      const w = watch(store, { resourceVersion: '2' });
      assert.equal(store.stats().watchers, 0);
      assert.equal(w.hasPending(), true);
      w.stop();
      assert.equal(w.hasPending(), false);
      assert.deepEqual(w.poll(), []);
    });
  });

  it('many watchers stopped leave nothing behind', () => {
    const { store } = newStore();
    const watchers = Array.from({ length: 50 }, (_, i) => watch(store, i % 2 === 0 ? {} : { labelSelector: isWeb }));
    ok(store.create(pod('a')));
    for (const w of watchers) w.stop();
    assert.equal(store.stats().watchers, 0);
    store.compact(store.revision);
    assert.equal(store.stats().historyEntries, 1);
  });
});
