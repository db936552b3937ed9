import { strict as assert } from 'node:assert';
import { BUILTIN_KINDS } from '../api/kinds.js';
import { parseFieldSelector, type FieldGetter, type FieldSelector } from '../api/labels.js';
import { ModelBug } from '../errors.js';
import type { Store, WatchRequest } from './store.js';
import { newStore, ok, pod, WIDGET, widget } from './store-test-kit.js';
import type { WatchEvent, Watcher } from './watch-event.js';

const PODS = { apiVersion: 'v1', kind: 'Pod' } as const;
const POD_REF = (name: string, namespace = 'default') => ({ ...PODS, namespace, name });

function show(events: readonly WatchEvent[]): string[] {
  return events.map((e) => (e.type === 'BOOKMARK' || e.type === 'ERROR' ? e.type : `${e.type} ${e.object.metadata.namespace ?? ''}/${e.object.metadata.name ?? ''}@${e.revision}`));
}

function watch(store: Store, req: Partial<WatchRequest>): Watcher {
  return ok(store.watch({ ...PODS, ...req } as WatchRequest));
}

function bound(name: string, node: string | undefined, namespace = 'default') {
  return pod(name, { namespace, spec: node === undefined ? { containers: [] } : { nodeName: node, containers: [] } });
}

/** `spec.nodeName=<node>` as a parsed selector that counts how often it is asked to match. */
function countingSelector(node: string): FieldSelector & { calls: number } {
  const inner = parseFieldSelector(`spec.nodeName=${node}`);
  const sel = {
    calls: 0,
    matches(get: FieldGetter): boolean {
      sel.calls++;
      return inner.matches(get);
    },
    matchesFields: (f: Readonly<Record<string, string>>) => inner.matchesFields(f),
    toString: () => inner.toString(),
    isEmpty: () => inner.isEmpty(),
    requirements: () => inner.requirements(),
    requiresExactMatch: (field: string) => inner.requiresExactMatch(field),
  };
  return sel;
}

describe('Store trigger index (pods by spec.nodeName)', () => {
  it('is declared by the Pod kind', () => {
    assert.equal(BUILTIN_KINDS.find((k) => k.group === '' && k.kind === 'Pod')?.watchTriggerField, 'spec.nodeName');
  });

  it('a watcher pinned to a node never looks at other nodes\' changes', () => {
    const { store } = newStore();
    const sel = countingSelector('n1');
    const w = watch(store, { fieldSelector: sel, resourceVersion: store.resourceVersion });
    for (let i = 0; i < 50; i++) ok(store.create(bound(`p${i}`, `n${2 + (i % 5)}`)));
    assert.equal(w.hasPending(), false);
    assert.deepEqual(w.poll(), []);
    assert.equal(sel.calls, 0, 'no change of another node reached the selector');
    ok(store.create(bound('mine', 'n1')));
    assert.equal(w.hasPending(), true);
    assert.deepEqual(show(w.poll()), ['ADDED default/mine@52']);
    assert.ok(sel.calls <= 2, `only its own change was matched (${sel.calls} calls)`);
  });

  it('the same selection on a kind without a trigger field looks at every change (and selects the same)', () => {
    const { store } = newStore();
    const sel = countingSelector('n1');
    const w = ok(store.watch({ apiVersion: 'example.com/v1', kind: 'Widget', fieldSelector: sel, resourceVersion: store.resourceVersion }));
    for (let i = 0; i < 10; i++) ok(store.create(widget(`w${i}`, { nodeName: `n${i % 2}` })));
    assert.deepEqual(
      w.poll().map((e) => (e.type === 'ADDED' ? e.object.metadata.name : e.type)),
      ['w1', 'w3', 'w5', 'w7', 'w9'],
    );
    assert.ok(sel.calls >= 10);
  });

  it('a pod moving between nodes leaves the old node (DELETED) and enters the new one (ADDED)', () => {
    const { store } = newStore();
    const n1 = watch(store, { fieldSelector: { 'spec.nodeName': 'n1' }, resourceVersion: store.resourceVersion });
    const n2 = watch(store, { fieldSelector: parseFieldSelector('spec.nodeName=n2'), resourceVersion: store.resourceVersion });
    const unbound = watch(store, { fieldSelector: { 'spec.nodeName': '' }, resourceVersion: store.resourceVersion });
    const all = watch(store, { resourceVersion: store.resourceVersion });
    ok(store.create(bound('a', undefined))); // 2
    ok(store.patch(POD_REF('a'), { spec: { nodeName: 'n1' } })); // 3
    ok(store.patch(POD_REF('a'), { metadata: { labels: { x: '1' } } })); // 4
    ok(store.patch(POD_REF('a'), { spec: { nodeName: 'n2' } })); // 5
    ok(store.delete(POD_REF('a'))); // 6
    assert.deepEqual(show(unbound.poll()), ['ADDED default/a@2', 'DELETED default/a@3']);
    assert.deepEqual(show(n1.poll()), ['ADDED default/a@3', 'MODIFIED default/a@4', 'DELETED default/a@5']);
    assert.deepEqual(show(n2.poll()), ['ADDED default/a@5', 'DELETED default/a@6']);
    assert.deepEqual(show(all.poll()), ['ADDED default/a@2', 'MODIFIED default/a@3', 'MODIFIED default/a@4', 'MODIFIED default/a@5', 'DELETED default/a@6']);
  });

  it('an indexed watcher from an older resourceVersion reads the history before its start, then what is pushed to it', () => {
    const { store } = newStore();
    ok(store.create(bound('a', 'n1'))); // 2
    ok(store.create(bound('b', 'n2'))); // 3
    const w = watch(store, { fieldSelector: { 'spec.nodeName': 'n1' }, resourceVersion: '1' });
    ok(store.create(bound('c', 'n1'))); // 4
    assert.deepEqual(show(w.poll(1)), ['ADDED default/a@2']);
    ok(store.create(bound('d', 'n1'))); // 5
    assert.deepEqual(show(w.poll()), ['ADDED default/c@4', 'ADDED default/d@5']);
    // Its hold on history ends once it has read it, though it keeps watching: compaction keeps
    // only the compacted revision itself (for watches from the revision before it).
    store.compact(store.revision);
    assert.equal(store.stats().historyEntries, 1);
  });

  it('an odd field value (not a string) is still found by every selector form that matches it', () => {
    const { store } = newStore();
    const w = watch(store, { fieldSelector: { 'spec.nodeName': '7' }, resourceVersion: store.resourceVersion });
    ok(store.create(pod('odd', { spec: { nodeName: 7, containers: [] } })));
    ok(store.create(bound('n7', '7')));
    assert.deepEqual(show(w.poll()), ['ADDED default/odd@2', 'ADDED default/n7@3']);
    assert.deepEqual(
      ok(store.list({ ...PODS, fieldSelector: parseFieldSelector('spec.nodeName=7') })).items.map((o) => o.metadata.name),
      ['n7', 'odd'],
    );
    ok(store.patch(POD_REF('odd'), { spec: { nodeName: 'n1' } }));
    assert.deepEqual(show(w.poll()), ['DELETED default/odd@4']);
  });

  it('lists pinned to a node read the index: key order, namespace, other selectors', () => {
    const { store } = newStore();
    ok(store.create(bound('z', 'n1')));
    ok(store.create(bound('a', 'n1', 'other')));
    ok(store.create(bound('m', 'n1')));
    ok(store.create(bound('b', 'n2')));
    ok(store.create(pod('web', { labels: { app: 'web' }, spec: { nodeName: 'n1', containers: [] } })));
    const names = (req: object): string[] => ok(store.list({ ...PODS, ...req })).items.map((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`);
    assert.deepEqual(names({ fieldSelector: { 'spec.nodeName': 'n1' } }), ['default/m', 'default/web', 'default/z', 'other/a']);
    assert.deepEqual(names({ fieldSelector: { 'spec.nodeName': 'n1' }, namespace: 'other' }), ['other/a']);
    assert.deepEqual(names({ fieldSelector: { 'spec.nodeName': 'n1' }, labelSelector: { matches: (l: Readonly<Record<string, string>>) => l.app === 'web' } }), ['default/web']);
    assert.deepEqual(names({ fieldSelector: { 'spec.nodeName': 'n3' } }), []);
    // The initial events of a watch started now come from the same index.
    assert.deepEqual(show(watch(store, { fieldSelector: { 'spec.nodeName': 'n2' } }).poll()), ['ADDED default/b@5']);
    ok(store.delete(POD_REF('z')));
    assert.deepEqual(names({ fieldSelector: parseFieldSelector('spec.nodeName=n1,metadata.namespace=default') }), ['default/m', 'default/web']);
  });

  it('signals its consumer when something may be pending; unindexed watchers cannot', () => {
    const { store } = newStore();
    const indexed = watch(store, { fieldSelector: { 'spec.nodeName': 'n1' }, resourceVersion: store.resourceVersion, allowBookmarks: true });
    const plain = watch(store, { resourceVersion: store.resourceVersion });
    let signals = 0;
    assert.equal(indexed.notifyPending?.(() => signals++), true);
    assert.equal(plain.notifyPending?.(() => assert.fail('an unindexed watcher does not signal')), false);
    ok(store.create(bound('other', 'n2')));
    assert.equal(signals, 0, 'another node\'s pod is no news');
    ok(store.create(bound('mine', 'n1')));
    assert.equal(signals, 1);
    indexed.poll();
    store.bookmark();
    assert.equal(signals, 2, 'a progress notification is news');
    indexed.poll();
    indexed.stop();
    assert.equal(signals, 3, 'so is the end of the stream');
    ok(store.create(bound('late', 'n1')));
    assert.equal(signals, 3, 'a stopped watcher is no longer indexed');
    assert.equal(store.stats().watchers, 1);
  });

  it('a kind\'s trigger field cannot change on re-registration', () => {
    const { store } = newStore();
    const podInfo = BUILTIN_KINDS.find((k) => k.group === '' && k.kind === 'Pod');
    assert.ok(podInfo !== undefined);
    store.registerKind(podInfo);
    const { watchTriggerField: _, ...untriggered } = podInfo;
    assert.throws(() => store.registerKind(untriggered), ModelBug);
    assert.throws(() => store.registerKind({ ...WIDGET, watchTriggerField: 'spec.nodeName' }), ModelBug);
  });
});
