import assert from 'node:assert/strict';
import { ConfigError, unwrap } from 'kubeprop';
import { addNode, addPod, advance, advanceUntil, condition, getPod, startNodeHarness, type NodeHarness } from '../node-lifecycle/node-spec-kit.js';
import {
  DELETION_BY_POD_GC_MESSAGE,
  DELETION_BY_POD_GC_REASON,
  POD_GC_CONTROLLER_NAME,
  POD_GC_DEFAULTS,
  compareForCollection,
  isPodTerminated,
  newPodGcController,
  podGcController,
} from './pod-gc.js';

const KEEP = 'example.com/keep';

function start(seed: number, threshold?: number): NodeHarness {
  return startNodeHarness(seed, [threshold === undefined ? podGcController : newPodGcController({ terminatedPodThreshold: threshold })]);
}

function deletePod(h: NodeHarness, name: string): void {
  unwrap(h.c.client.delete({ apiVersion: 'v1', kind: 'Pod', namespace: 'default', name }));
}

describe('pod garbage collector', () => {
  it('is named and timed as kube-controller-manager v1.35', () => {
    assert.equal(podGcController.name, POD_GC_CONTROLLER_NAME);
    assert.equal(POD_GC_CONTROLLER_NAME, 'pod-garbage-collector-controller');
    assert.deepEqual({ ...POD_GC_DEFAULTS }, { terminatedPodThreshold: 12_500, gcCheckPeriodMs: 20_000, quarantineTimeMs: 40_000 });
    assert.throws(() => newPodGcController({ gcCheckPeriodMs: 0 }), ConfigError);
  });

  it('deletes the pods of a deleted node after the 40 s quarantine, marked Failed with DisruptionTarget', () => {
    const h = start(41);
    addNode(h, 'n1');
    addNode(h, 'n2');
    addPod(h, 'on-n1', { nodeName: 'n1' });
    addPod(h, 'held', { nodeName: 'n1', finalizers: [KEEP] });
    addPod(h, 'on-n2', { nodeName: 'n2' });
    addPod(h, 'on-ghost', { nodeName: 'ghost' });
    advance(h, 1_000);
    unwrap(h.c.client.delete({ apiVersion: 'v1', kind: 'Node', name: 'n1' }));
    const deletedAt = h.c.sim.nowMs;
    const goneAt = advanceUntil(h, () => getPod(h, 'on-n1') === undefined, 120_000);
    // Seen missing at the next pass (at most 20 s later), deleted at the first pass 40 s after that.
    assert.ok(goneAt - deletedAt >= 40_000 && goneAt - deletedAt <= 60_000 + 200, `deleted ${goneAt - deletedAt} ms after the node`);
    const held = getPod(h, 'held');
    assert.equal(held?.status?.phase, 'Failed');
    const target = condition(held, 'DisruptionTarget');
    assert.equal(target?.status, 'True');
    assert.equal(target?.reason, DELETION_BY_POD_GC_REASON);
    assert.equal(target?.message, DELETION_BY_POD_GC_MESSAGE);
    assert.ok(held?.metadata.deletionTimestamp !== undefined);
    assert.equal(getPod(h, 'on-ghost'), undefined, 'a pod bound to a node that never existed goes too');
    assert.ok(getPod(h, 'on-n2') !== undefined);
  });

  it('deletes terminated pods beyond the threshold, evicted first, then oldest first', () => {
    const h = start(42, 3);
    addNode(h, 'n1');
    for (const [i, name] of ['old', 'mid', 'new', 'newer'].entries()) {
      addPod(h, name, { nodeName: 'n1', phase: i % 2 === 0 ? 'Succeeded' : 'Failed' });
      advance(h, 2_000);
    }
    addPod(h, 'evicted', { nodeName: 'n1', phase: 'Failed', reason: 'Evicted' });
    addPod(h, 'running', { nodeName: 'n1' });
    advance(h, 25_000);
    assert.equal(getPod(h, 'evicted'), undefined);
    assert.equal(getPod(h, 'old'), undefined);
    for (const name of ['mid', 'new', 'newer', 'running']) assert.ok(getPod(h, name) !== undefined, name);
  });

  it('leaves terminated pods alone with a threshold of 0', () => {
    const h = start(43, 0);
    addNode(h, 'n1');
    for (const name of ['a', 'b']) addPod(h, name, { nodeName: 'n1', phase: 'Succeeded' });
    advance(h, 45_000);
    assert.ok(getPod(h, 'a') !== undefined && getPod(h, 'b') !== undefined);
  });

  it('force-deletes terminating pods that were never scheduled', () => {
    const h = start(44);
    addNode(h, 'n1');
    addPod(h, 'pending', { phase: 'Pending', finalizers: [KEEP] });
    addPod(h, 'waiting', { phase: 'Pending' });
    advance(h, 1_000);
    deletePod(h, 'pending');
    advance(h, 21_000);
    assert.equal(getPod(h, 'pending')?.status?.phase, 'Failed');
    assert.equal(condition(getPod(h, 'pending'), 'DisruptionTarget'), undefined, 'no condition for this case');
    assert.equal(getPod(h, 'waiting')?.status?.phase, 'Pending', 'a pending pod that is not being deleted stays');
  });

  it('force-deletes terminating pods of a not-ready node tainted out-of-service', () => {
    const h = start(45);
    addNode(h, 'down', { taints: [{ key: 'node.kubernetes.io/out-of-service', value: 'nodeshutdown', effect: 'NoExecute' }] });
    addNode(h, 'slow');
    for (const [pod, node] of [
      ['stuck', 'down'],
      ['stuck-elsewhere', 'slow'],
    ] as const) {
      addPod(h, pod, { nodeName: node, finalizers: [KEEP] });
    }
    // Both nodes are not ready; only one is out of service.
    for (const n of ['down', 'slow']) {
      const node = unwrap(h.c.store.get({ apiVersion: 'v1', kind: 'Node', name: n }));
      const status = node.status as { conditions: { type: string; status: string }[] };
      unwrap(h.c.client.updateStatus({ ...node, status: { ...status, conditions: status.conditions.map((c) => ({ ...c, status: 'False' })) } }));
    }
    deletePod(h, 'stuck');
    deletePod(h, 'stuck-elsewhere');
    advance(h, 21_000);
    assert.equal(getPod(h, 'stuck')?.status?.phase, 'Failed');
    assert.equal(getPod(h, 'stuck-elsewhere')?.status?.phase, 'Running');
  });

  it('orders and classifies pods as upstream', () => {
    const pod = (name: string, created: string, phase = 'Succeeded', reason?: string) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default', creationTimestamp: created },
      status: { phase, ...(reason !== undefined ? { reason } : {}) },
    });
    const list = [pod('c', '2026-01-01T00:00:02Z'), pod('b', '2026-01-01T00:00:01Z'), pod('a', '2026-01-01T00:00:02Z'), pod('z', '2026-01-01T00:00:09Z', 'Failed', 'Evicted')];
    assert.deepEqual(list.sort(compareForCollection).map((p) => p.metadata.name), ['z', 'b', 'a', 'c']);
    assert.equal(isPodTerminated(pod('x', '', 'Running')), false);
    assert.equal(isPodTerminated(pod('x', '', 'Unknown')), false);
    assert.equal(isPodTerminated({ apiVersion: 'v1', kind: 'Pod', metadata: {} }), true, 'upstream counts an empty phase as terminated');
  });
});
