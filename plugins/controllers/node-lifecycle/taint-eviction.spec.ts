import assert from 'node:assert/strict';
import { unwrap } from 'kubeprop';
import { nodeLifecycleController } from './node-lifecycle.js';
import { TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE } from './node-objects.js';
import { addNode, addPod, advance, advanceUntil, condition, defaultTolerations, getNode, getPod, hasTaint, startNodeHarness, type NodeHarness } from './node-spec-kit.js';
import {
  DELETION_BY_TAINT_MANAGER_MESSAGE,
  DELETION_BY_TAINT_MANAGER_REASON,
  TAINT_EVICTION_CONTROLLER_NAME,
  minTolerationMs,
  newTaintEvictionController,
  taintEvictionController,
} from './taint-eviction.js';

const NO_EXECUTE = 'NoExecute';
const KEEP = 'example.com/keep';

function gone(h: NodeHarness, pod: string): () => boolean {
  return () => getPod(h, pod) === undefined;
}

/** Sets the node's taints directly (an operator's `kubectl taint`). */
function setTaints(h: NodeHarness, node: string, taints: { key: string; effect: string; value?: string }[]): void {
  const got = unwrap(h.c.store.get({ apiVersion: 'v1', kind: 'Node', name: node }));
  unwrap(h.c.client.update({ ...got, spec: { ...(got.spec as object), taints } }));
}

describe('taint eviction controller', () => {
  it('is named as in kube-controller-manager', () => {
    assert.equal(taintEvictionController.name, TAINT_EVICTION_CONTROLLER_NAME);
    assert.equal(TAINT_EVICTION_CONTROLLER_NAME, 'taint-eviction-controller');
  });

  it('evicts from an unreachable node: untolerating pods at once, tolerationSeconds 60 after 60 s, the default 300 s after 300 s', () => {
    const h = startNodeHarness(21, [nodeLifecycleController, taintEvictionController]);
    for (const n of ['n1', 'n2', 'n3']) addNode(h, n);
    addPod(h, 'none', { nodeName: 'n1' });
    addPod(h, 'kept', { nodeName: 'n1', finalizers: [KEEP] });
    addPod(h, 'sixty', { nodeName: 'n1', tolerations: defaultTolerations(60) });
    addPod(h, 'default', { nodeName: 'n1', tolerations: defaultTolerations() });
    addPod(h, 'forever', { nodeName: 'n1', tolerations: [{ key: TAINT_NODE_UNREACHABLE, operator: 'Exists', effect: NO_EXECUTE }] });
    addPod(h, 'elsewhere', { nodeName: 'n2' });
    advance(h, 20_000);
    h.alive.delete('n1');

    const taintedAt = advanceUntil(h, () => hasTaint(getNode(h, 'n1'), TAINT_NODE_UNREACHABLE, NO_EXECUTE), 120_000, 10);
    const noneGoneAt = advanceUntil(h, gone(h, 'none'), 1_000, 10);
    assert.ok(noneGoneAt - taintedAt <= 100, `untolerating pod deleted ${noneGoneAt - taintedAt} ms after the taint`);
    const kept = getPod(h, 'kept');
    assert.ok(kept?.metadata.deletionTimestamp !== undefined, 'the pod held by a finalizer is being deleted');
    const target = condition(kept, 'DisruptionTarget');
    assert.equal(target?.status, 'True');
    assert.equal(target?.reason, DELETION_BY_TAINT_MANAGER_REASON);
    assert.equal(target?.message, DELETION_BY_TAINT_MANAGER_MESSAGE);

    advance(h, 59_000 - (h.c.sim.nowMs - taintedAt), 10);
    assert.ok(getPod(h, 'sixty') !== undefined, 'still there 59 s after the taint');
    const sixtyAt = advanceUntil(h, gone(h, 'sixty'), 2_000, 10);
    assert.ok(Math.abs(sixtyAt - taintedAt - 60_000) <= 100, `tolerationSeconds 60 pod deleted ${sixtyAt - taintedAt} ms after the taint`);

    advance(h, 299_000 - (h.c.sim.nowMs - taintedAt), 100);
    assert.ok(getPod(h, 'default') !== undefined, 'still there 299 s after the taint');
    const defaultAt = advanceUntil(h, gone(h, 'default'), 2_000, 10);
    assert.ok(Math.abs(defaultAt - taintedAt - 300_000) <= 100, `default-toleration pod deleted ${defaultAt - taintedAt} ms after the taint`);

    advance(h, 600_000, 1_000);
    assert.ok(getPod(h, 'forever') !== undefined, 'a toleration without seconds tolerates forever');
    assert.ok(getPod(h, 'elsewhere') !== undefined, 'pods of healthy nodes stay');
  });

  it('evicts a pod bound to a node that is already tainted, and cancels when the taint goes', () => {
    const h = startNodeHarness(22, [taintEvictionController]);
    addNode(h, 'n1');
    advance(h, 2_000);
    setTaints(h, 'n1', [{ key: 'maintenance', effect: NO_EXECUTE }]);
    advance(h, 1_000);
    addPod(h, 'late', { nodeName: 'n1' });
    addPod(h, 'patient', { nodeName: 'n1', tolerations: [{ key: 'maintenance', operator: 'Exists', effect: NO_EXECUTE, tolerationSeconds: 30 }] });
    advanceUntil(h, gone(h, 'late'), 1_000, 10);
    advance(h, 20_000);
    setTaints(h, 'n1', []);
    advance(h, 60_000);
    assert.ok(getPod(h, 'patient') !== undefined, 'the deletion was cancelled with the taint');
  });

  it('keeps the deletion time of an earlier schedule when another tolerated taint is added', () => {
    const h = startNodeHarness(23, [taintEvictionController]);
    addNode(h, 'n1');
    addPod(h, 'p', {
      nodeName: 'n1',
      tolerations: [
        { key: 'a', operator: 'Exists', effect: NO_EXECUTE, tolerationSeconds: 100 },
        { key: 'b', operator: 'Exists', effect: NO_EXECUTE, tolerationSeconds: 10 },
      ],
    });
    advance(h, 2_000);
    setTaints(h, 'n1', [{ key: 'a', effect: NO_EXECUTE }]);
    const start = h.c.sim.nowMs;
    advance(h, 20_000);
    // Upstream keeps the work created earlier: its start plus the new minimum (10 s) is before now plus it.
    setTaints(h, 'n1', [{ key: 'a', effect: NO_EXECUTE }, { key: 'b', effect: NO_EXECUTE }]);
    const at = advanceUntil(h, gone(h, 'p'), 200_000, 10);
    assert.ok(Math.abs(at - start - 100_000) <= 100, `deleted ${at - start} ms after the first taint`);
  });

  it('re-evaluates a pod whose tolerations change', () => {
    const h = startNodeHarness(24, [taintEvictionController]);
    addNode(h, 'n1', { taints: [{ key: TAINT_NODE_NOT_READY, effect: NO_EXECUTE }] });
    addPod(h, 'p', { nodeName: 'n1', tolerations: [{ key: TAINT_NODE_NOT_READY, operator: 'Exists', effect: NO_EXECUTE }] });
    advance(h, 5_000);
    assert.ok(getPod(h, 'p') !== undefined);
    const pod = unwrap(h.c.store.get({ apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'p' }));
    unwrap(h.c.client.update({ ...pod, spec: { ...(pod.spec as object), tolerations: defaultTolerations(5) } }));
    const changedAt = h.c.sim.nowMs;
    const at = advanceUntil(h, gone(h, 'p'), 10_000, 10);
    assert.ok(Math.abs(at - changedAt - 5_000) <= 100, `deleted ${at - changedAt} ms after the change`);
  });

  it('survives a restart with upstream semantics: deletions are rescheduled from the new incarnation\'s first look', () => {
    const h = startNodeHarness(25, [newTaintEvictionController({ workers: 2 })]);
    addNode(h, 'n1');
    addPod(h, 'p', { nodeName: 'n1', tolerations: defaultTolerations(60) });
    advance(h, 2_000);
    setTaints(h, 'n1', [{ key: TAINT_NODE_UNREACHABLE, effect: NO_EXECUTE }]);
    advance(h, 40_000);
    h.manager.restart();
    const restartAt = h.c.sim.nowMs;
    const at = advanceUntil(h, gone(h, 'p'), 120_000, 10);
    assert.ok(at - restartAt >= 60_000 && at - restartAt <= 60_200, `deleted ${at - restartAt} ms after the restart`);
  });

  it('computes the toleration period as upstream', () => {
    const t = (key: string, seconds?: number) => ({ key, operator: 'Exists', effect: NO_EXECUTE, ...(seconds !== undefined ? { tolerationSeconds: seconds } : {}) });
    const taint = (key: string) => ({ key, effect: NO_EXECUTE });
    assert.equal(minTolerationMs([taint('a')], []), undefined, 'untolerated');
    assert.equal(minTolerationMs([taint('a')], [t('a')]), -1, 'forever');
    assert.equal(minTolerationMs([taint('a'), taint('b')], [t('a', 30), t('b', 20)]), 20_000);
    assert.equal(minTolerationMs([taint('a')], [t('a', 0)]), 0);
    assert.equal(minTolerationMs([taint('a')], [t('a', -5)]), 0, 'a negative period means now');
    assert.equal(minTolerationMs([taint('a')], [t('a', 30), t('a', 5)]), 30_000, 'the first matching toleration counts');
    assert.equal(minTolerationMs([taint('a'), taint('b')], [t('a')]), undefined, 'b untolerated');
  });
});
