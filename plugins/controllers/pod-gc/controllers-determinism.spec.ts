import assert from 'node:assert/strict';
import { unwrap } from 'kubeprop';
import { garbageCollectorController } from '../garbage-collector/garbage-collector.js';
import { nodeLifecycleController } from '../node-lifecycle/node-lifecycle.js';
import { addNode, addPod, advance, defaultTolerations, startNodeHarness } from '../node-lifecycle/node-spec-kit.js';
import { taintEvictionController } from '../node-lifecycle/taint-eviction.js';
import { podGcController } from './pod-gc.js';

/** Node failure, evictions, node deletion and cascading deletion with all four controllers. */
function run(seed: number): { digest: string; objects: number } {
  const h = startNodeHarness(seed, [nodeLifecycleController, taintEvictionController, podGcController, garbageCollectorController]);
  for (const n of ['n1', 'n2', 'n3', 'n4']) addNode(h, n);
  const owner = unwrap(h.c.client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owner', namespace: 'default' } }));
  for (let i = 0; i < 12; i++) addPod(h, `p${i}`, { nodeName: `n${(i % 4) + 1}`, tolerations: defaultTolerations(i % 3 === 0 ? 30 : 300) });
  unwrap(
    h.c.client.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'dep', namespace: 'default', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata.uid ?? '' }] },
    }),
  );
  advance(h, 20_000, 500);
  h.alive.delete('n1');
  h.alive.delete('n2');
  unwrap(h.c.client.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'owner' }));
  advance(h, 120_000, 500);
  unwrap(h.c.client.delete({ apiVersion: 'v1', kind: 'Node', name: 'n2' }));
  advance(h, 120_000, 500);
  return { digest: h.c.sim.trace.digest(), objects: h.c.store.stats().objects };
}

describe('node lifecycle, taint eviction, pod GC and garbage collector together', () => {
  it('replay identically from the same seed', () => {
    const a = run(7);
    const b = run(7);
    assert.equal(a.digest, b.digest);
    assert.equal(a.objects, b.objects);
  });
});
