import assert from 'node:assert/strict';
import { tryLabelSelectorAsSelector, type Selector } from 'kubeprop';
import { POD_ACTIVE, POD_FULLY_LABELED, POD_MATCHED, POD_READY, POD_TERMINATING, podFacts, scanOwnedPods } from './owned-pods.js';
import type { CachedPod } from './pod-state.js';

function selector(matchLabels: Record<string, string>): Selector {
  const r = tryLabelSelectorAsSelector(Object.freeze({ matchLabels: Object.freeze(matchLabels) }));
  assert.ok(r.ok);
  return r.selector;
}

function pod(name: string, labels: Record<string, string>, opts: { ready?: boolean; deleting?: boolean; phase?: string } = {}): CachedPod {
  return Object.freeze({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: Object.freeze({ name, namespace: 'default', labels: Object.freeze(labels), ...(opts.deleting === true ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) }),
    status: Object.freeze({ phase: opts.phase ?? 'Running', conditions: Object.freeze([Object.freeze({ type: 'Ready', status: opts.ready === true ? 'True' : 'False' })]) }),
  }) as CachedPod;
}

describe('owned pod scan', () => {
  const template = Object.freeze({ app: 'web', tier: 'front' });
  const sel = selector({ app: 'web' });

  it('reads the facts a ReplicaSet sync needs off a pod', () => {
    assert.equal(podFacts(pod('a', { app: 'web', tier: 'front' }, { ready: true }), sel, template), POD_ACTIVE | POD_MATCHED | POD_READY | POD_FULLY_LABELED);
    assert.equal(podFacts(pod('b', { app: 'web' }), sel, template), POD_ACTIVE | POD_MATCHED);
    assert.equal(podFacts(pod('c', { app: 'db' }), sel, template), POD_ACTIVE);
    assert.equal(podFacts(pod('d', { app: 'web' }, { deleting: true }), sel, template), POD_TERMINATING | POD_MATCHED);
    assert.equal(podFacts(pod('e', { app: 'web' }, { phase: 'Succeeded' }), sel, template), 0);
  });

  it('keeps the facts of the pods still at the same place, and reads the others', () => {
    const a = pod('a', { app: 'web' });
    const b = pod('b', { app: 'web' });
    const first = scanOwnedPods(undefined, 'uid-1', sel, template, [a, b]);
    assert.deepEqual(first.facts, [POD_ACTIVE | POD_MATCHED, POD_ACTIVE | POD_MATCHED]);
    // A forged previous scan shows which facts are reused: only those of the very same objects.
    const forged = { ...first, facts: [0, 0] };
    const bReady = pod('b', { app: 'web' }, { ready: true });
    const next = scanOwnedPods(forged, 'uid-1', sel, template, [a, bReady, pod('c', { app: 'db' })]);
    assert.deepEqual(next.facts, [0, POD_ACTIVE | POD_MATCHED | POD_READY, POD_ACTIVE]);
    // Nothing is reused for another ReplicaSet, selector or template.
    assert.deepEqual(scanOwnedPods(forged, 'uid-2', sel, template, [a]).facts, [POD_ACTIVE | POD_MATCHED]);
    assert.deepEqual(scanOwnedPods(forged, 'uid-1', selector({ app: 'db' }), template, [a]).facts, [POD_ACTIVE]);
    assert.deepEqual(scanOwnedPods(forged, 'uid-1', sel, Object.freeze({ app: 'web' }), [a]).facts, [POD_ACTIVE | POD_MATCHED | POD_FULLY_LABELED]);
  });

  it('counts the active matched pods and says whether every pod is one', () => {
    const web = pod('a', { app: 'web', tier: 'front' }, { ready: true });
    const plain = scanOwnedPods(undefined, 'uid-1', sel, template, [web, pod('b', { app: 'web' })]);
    assert.deepEqual([plain.allActiveMatched, plain.fullyLabeled, plain.ready], [true, 1, 1]);
    const mixed = scanOwnedPods(undefined, 'uid-1', sel, template, [web, pod('c', { app: 'db' }, { ready: true }), pod('d', { app: 'web' }, { deleting: true, ready: true })]);
    assert.deepEqual([mixed.allActiveMatched, mixed.fullyLabeled, mixed.ready], [false, 1, 1]);
  });
});
