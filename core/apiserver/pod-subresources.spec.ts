/**
 * Pod subresources and pod deletion: `pods/binding`, `pods/eviction` with PodDisruptionBudgets,
 * and graceful deletion.
 */
import { strict as assert } from 'node:assert';
import type { KubeObject } from '../api/types.js';
import { isConflict, isNotFound, isTooManyRequests } from '../store/api-error.js';
import { fail, field, harness, ok, pod, type Harness } from './apiserver-test-kit.js';
import { EVICTION_BUDGET_MESSAGE, EVICTION_MULTIPLE_PDBS_MESSAGE } from './pod-eviction.js';

const POD = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', namespace: 'default', name }) as const;
const PDB = (name: string) => ({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', namespace: 'default', name }) as const;

/** A pod bound to `node-a` and (optionally) running and Ready. */
function runningPod(h: Harness, name: string, labels: Record<string, string>, ready = true): void {
  ok(h.client.create(pod(name, { labels })));
  ok(h.client.bind({ namespace: 'default', podName: name, nodeName: 'node-a' }));
  const cur = ok(h.client.get(POD(name)));
  const conditions = [...((field(cur, 'status', 'conditions') as unknown[]) ?? []), { type: 'Ready', status: ready ? 'True' : 'False' }];
  ok(h.client.updateStatus({ ...cur, status: { ...(field(cur, 'status') as object), phase: 'Running', conditions } }));
}

/** A PDB with the given status (written through the status subresource, as the disruption controller does). */
function budget(h: Harness, name: string, selector: Record<string, unknown> | undefined, status: Record<string, unknown>, spec: Record<string, unknown> = {}): KubeObject {
  const body: KubeObject = { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name, namespace: 'default' }, spec: { minAvailable: 1, ...spec } };
  if (selector !== undefined) (body['spec'] as Record<string, unknown>)['selector'] = selector;
  const created = ok(h.client.create(body));
  return ok(h.client.updateStatus({ ...created, status: { observedGeneration: created.metadata.generation, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0, ...status } })) as KubeObject;
}

describe('pod subresources', () => {
  describe('pods/binding', () => {
    it('sets spec.nodeName and PodScheduled=True in one write', () => {
      const h = harness();
      h.clock.ms = 3_000;
      ok(h.client.create(pod('web')));
      const w = ok(h.client.watch({ apiVersion: 'v1', kind: 'Pod', resourceVersion: h.store.resourceVersion }));
      ok(h.client.bind({ namespace: 'default', podName: 'web', nodeName: 'node-a' }));
      const events = w.poll();
      assert.equal(events.length, 1);
      const bound = ok(h.client.get(POD('web')));
      assert.equal(field(bound, 'spec', 'nodeName'), 'node-a');
      assert.deepEqual(field(bound, 'status', 'conditions'), [{ type: 'PodScheduled', status: 'True', lastTransitionTime: '2026-01-01T00:00:03Z' }]);
      assert.equal(bound.metadata.generation, 1);
      w.stop();
    });

    it('a pod already bound: 409 on pods/binding, pod X is already assigned to node "Y"', () => {
      const h = harness();
      ok(h.client.create(pod('web')));
      ok(h.client.bind({ namespace: 'default', podName: 'web', nodeName: 'node-a' }));
      const err = fail(h.client.bind({ namespace: 'default', podName: 'web', nodeName: 'node-b' }));
      assert.ok(isConflict(err));
      assert.equal(err.message, 'Operation cannot be fulfilled on pods/binding "web": pod web is already assigned to node "node-a"');
      assert.deepEqual(err.details, { name: 'web', group: '', kind: 'pods/binding' });
    });

    it('a pod with nodeName set at creation is already assigned', () => {
      const h = harness();
      ok(h.client.create(pod('static', { spec: { nodeName: 'node-a' } })));
      assert.equal(fail(h.client.bind({ namespace: 'default', podName: 'static', nodeName: 'node-b' })).message, 'Operation cannot be fulfilled on pods/binding "static": pod static is already assigned to node "node-a"');
    });

    it('a missing pod (404), a terminating pod, a uid mismatch and a gated pod (409)', () => {
      const h = harness();
      assert.equal(fail(h.client.bind({ namespace: 'default', podName: 'nope', nodeName: 'n' })).message, 'pods "nope" not found');
      ok(h.client.create(pod('gated', { spec: { schedulingGates: [{ name: 'wait' }] } })));
      assert.equal(fail(h.client.bind({ namespace: 'default', podName: 'gated', nodeName: 'n' })).message, 'Operation cannot be fulfilled on pods/binding "gated": pod gated has non-empty .spec.schedulingGates');
      const p = ok(h.client.create(pod('p')));
      const wrongUid = fail(h.client.bind({ namespace: 'default', podName: 'p', nodeName: 'n', uid: 'other' }));
      assert.ok(isConflict(wrongUid));
      assert.match(wrongUid.message, /^Operation cannot be fulfilled on pods "p": StorageError: invalid object, Code: 4, Key: \/registry\/pods\/default\/p, .*Precondition failed: UID in precondition: other, UID in object meta: /);
      ok(h.client.bind({ namespace: 'default', podName: 'p', nodeName: 'n', uid: p.metadata.uid }));
      ok(h.client.create({ ...pod('held'), metadata: { name: 'held', namespace: 'default', finalizers: ['example.com/hold'] } }));
      ok(h.client.delete(POD('held')));
      assert.equal(fail(h.client.bind({ namespace: 'default', podName: 'held', nodeName: 'n' })).message, 'Operation cannot be fulfilled on pods/binding "held": pod held is being deleted, cannot be assigned to a host');
    });
  });

  describe('graceful deletion', () => {
    it('a bound pod gets deletionTimestamp = now + terminationGracePeriodSeconds and stays', () => {
      const h = harness();
      ok(h.client.create(pod('web', { spec: { nodeName: 'node-a' } })));
      h.clock.ms = 10_000;
      const res = ok(h.client.delete(POD('web')));
      assert.equal(res.deleted, false);
      assert.equal(res.object.metadata.deletionTimestamp, '2026-01-01T00:00:40Z');
      assert.equal(res.object.metadata.deletionGracePeriodSeconds, 30);
      assert.equal(res.object.metadata.generation, 2);
      // The kubelet finishes with a second delete, grace 0.
      const done = ok(h.client.delete(POD('web'), { gracePeriodSeconds: 0, preconditions: { uid: res.object.metadata.uid } }));
      assert.equal(done.deleted, true);
      assert.ok(isNotFound(h.client.get(POD('web'))));
    });

    it('gracePeriodSeconds overrides the pod default; the pod default is honoured', () => {
      const h = harness();
      ok(h.client.create(pod('a', { spec: { nodeName: 'node-a' } })));
      ok(h.client.create(pod('b', { spec: { nodeName: 'node-a', terminationGracePeriodSeconds: 5 } })));
      assert.equal(ok(h.client.delete(POD('a'), { gracePeriodSeconds: 12 })).object.metadata.deletionGracePeriodSeconds, 12);
      assert.equal(ok(h.client.delete(POD('b'))).object.metadata.deletionGracePeriodSeconds, 5);
    });

    it('a terminating pod: a plain delete changes nothing, a shorter grace period shortens it', () => {
      const h = harness();
      ok(h.client.create(pod('a', { spec: { nodeName: 'node-a' } })));
      const first = ok(h.client.delete(POD('a')));
      const rev = h.store.revision;
      const again = ok(h.client.delete(POD('a')));
      assert.equal(again.deleted, false);
      assert.equal(h.store.revision, rev);
      assert.equal(again.object.metadata.deletionTimestamp, first.object.metadata.deletionTimestamp);
      const shorter = ok(h.client.delete(POD('a'), { gracePeriodSeconds: 10 }));
      assert.equal(shorter.object.metadata.deletionTimestamp, '2026-01-01T00:00:10Z');
    });

    const immediate: [string, KubeObject][] = [
      ['an unbound pod', pod('u')],
      ['a pod that succeeded', pod('s', { spec: { nodeName: 'node-a' } })],
    ];
    for (const [what, body] of immediate) {
      it(`${what} is deleted at once`, () => {
        const h = harness();
        const created = ok(h.client.create(body));
        if (body.metadata.name === 's') ok(h.client.updateStatus({ ...created, status: { phase: 'Succeeded' } }));
        const res = ok(h.client.delete(POD(body.metadata.name ?? '')));
        assert.equal(res.deleted, true);
        assert.equal(res.object.metadata.deletionGracePeriodSeconds, 0);
      });
    }

    it('other kinds ignore gracePeriodSeconds', () => {
      const h = harness();
      ok(h.client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' } }));
      assert.equal(ok(h.client.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'c' }, { gracePeriodSeconds: 30 })).deleted, true);
    });
  });

  describe('pods/eviction', () => {
    it('no budget: the pod is deleted gracefully', () => {
      const h = harness();
      runningPod(h, 'web-1', { app: 'web' });
      ok(h.client.evict({ namespace: 'default', name: 'web-1' }));
      const p = ok(h.client.get(POD('web-1')));
      assert.equal(p.metadata.deletionGracePeriodSeconds, 30);
    });

    it('a budget with no disruptions allowed: 429 TooManyRequests with the DisruptionBudget cause', () => {
      const h = harness();
      runningPod(h, 'web-1', { app: 'web' });
      budget(h, 'web-pdb', { matchLabels: { app: 'web' } }, { disruptionsAllowed: 0, currentHealthy: 2, desiredHealthy: 2, expectedPods: 2 });
      const err = fail(h.client.evict({ namespace: 'default', name: 'web-1' }));
      assert.ok(isTooManyRequests(err));
      assert.equal(err.code, 429);
      assert.equal(err.message, EVICTION_BUDGET_MESSAGE);
      assert.equal(err.message, "Cannot evict pod as it would violate the pod's disruption budget.");
      assert.deepEqual(err.details?.causes, [{ reason: 'DisruptionBudget', message: 'The disruption budget web-pdb needs 2 healthy pods and has 2 currently', field: '' }]);
      assert.equal(ok(h.client.get(POD('web-1'))).metadata.deletionTimestamp, undefined);
    });

    it('a budget that allows a disruption: decremented, pod recorded with the time, pod deleted', () => {
      const h = harness();
      runningPod(h, 'web-1', { app: 'web' });
      budget(h, 'web-pdb', { matchLabels: { app: 'web' } }, { disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3 });
      h.clock.ms = 7_000;
      ok(h.client.evict({ namespace: 'default', name: 'web-1' }));
      const pdb = ok(h.client.get(PDB('web-pdb')));
      assert.equal(field(pdb, 'status', 'disruptionsAllowed'), 0);
      assert.deepEqual(field(pdb, 'status', 'disruptedPods'), { 'web-1': '2026-01-01T00:00:07Z' });
      assert.deepEqual(field(pdb, 'status', 'conditions'), [
        { type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods', message: '', observedGeneration: 1, lastTransitionTime: '2026-01-01T00:00:07Z' },
      ]);
      assert.equal(ok(h.client.get(POD('web-1'))).metadata.deletionTimestamp, '2026-01-01T00:00:37Z');
      runningPod(h, 'web-2', { app: 'web' });
      assert.equal(fail(h.client.evict({ namespace: 'default', name: 'web-2' })).code, 429);
    });

    it('an empty selector covers every pod of the namespace (policy/v1); a missing one none', () => {
      const h = harness();
      runningPod(h, 'web-1', { app: 'web' });
      budget(h, 'none', undefined, { disruptionsAllowed: 0 });
      ok(h.client.evict({ namespace: 'default', name: 'web-1' }));
      runningPod(h, 'web-2', { app: 'web' });
      budget(h, 'all', {}, { disruptionsAllowed: 0 });
      assert.equal(fail(h.client.evict({ namespace: 'default', name: 'web-2' })).code, 429);
    });

    it('more than one budget: 500 with upstream text', () => {
      const h = harness();
      runningPod(h, 'web-1', { app: 'web', tier: 'fe' });
      budget(h, 'a', { matchLabels: { app: 'web' } }, { disruptionsAllowed: 1 });
      budget(h, 'b', { matchLabels: { tier: 'fe' } }, { disruptionsAllowed: 1 });
      const err = fail(h.client.evict({ namespace: 'default', name: 'web-1' }));
      assert.deepEqual(err, { code: 500, reason: '', message: EVICTION_MULTIPLE_PDBS_MESSAGE });
    });

    it('a pending pod is evicted without checking budgets', () => {
      const h = harness();
      ok(h.client.create(pod('web-1', { labels: { app: 'web' } })));
      budget(h, 'web-pdb', { matchLabels: { app: 'web' } }, { disruptionsAllowed: 0 });
      ok(h.client.evict({ namespace: 'default', name: 'web-1' }));
      assert.ok(isNotFound(h.client.get(POD('web-1'))));
    });

    it('a budget the controller has not caught up with: 429 still being processed', () => {
      const h = harness();
      runningPod(h, 'web-1', { app: 'web' });
      const pdb = budget(h, 'web-pdb', { matchLabels: { app: 'web' } }, { disruptionsAllowed: 1 });
      ok(h.client.update({ ...pdb, spec: { ...(pdb['spec'] as object), minAvailable: 2 } }));
      const err = fail(h.client.evict({ namespace: 'default', name: 'web-1' }));
      assert.equal(err.code, 429);
      assert.deepEqual(err.details, { retryAfterSeconds: 10, causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget web-pdb is still being processed by the server.', field: '' }] });
    });

    it('an unready pod: evicted without spending budget under AlwaysAllow or when the budget is healthy', () => {
      const h = harness();
      runningPod(h, 'web-1', { app: 'web' }, false);
      budget(h, 'web-pdb', { matchLabels: { app: 'web' } }, { disruptionsAllowed: 0 }, { unhealthyPodEvictionPolicy: 'AlwaysAllow' });
      ok(h.client.evict({ namespace: 'default', name: 'web-1' }));
      assert.equal(field(ok(h.client.get(PDB('web-pdb'))), 'status', 'disruptionsAllowed'), 0);
      const h2 = harness();
      runningPod(h2, 'web-1', { app: 'web' }, false);
      budget(h2, 'web-pdb', { matchLabels: { app: 'web' } }, { disruptionsAllowed: 0, currentHealthy: 2, desiredHealthy: 2 });
      ok(h2.client.evict({ namespace: 'default', name: 'web-1' }));
      const h3 = harness();
      runningPod(h3, 'web-1', { app: 'web' }, false);
      budget(h3, 'web-pdb', { matchLabels: { app: 'web' } }, { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 2 });
      assert.equal(fail(h3.client.evict({ namespace: 'default', name: 'web-1' })).code, 429);
    });

    it('a missing pod: 404', () => {
      const h = harness();
      assert.equal(fail(h.client.evict({ namespace: 'default', name: 'nope' })).message, 'pods "nope" not found');
    });
  });
});
