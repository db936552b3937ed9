import assert from 'node:assert/strict';
import type { KubeletConfigInput } from './kubelet-config.js';
import { boundPod, newKubeletHarness, type KubeletHarness } from './kubelet-test-kit.js';

const FAST: KubeletConfigInput = {
  plegRelistPeriodMs: 0,
  runtime: {
    sandboxCreateMs: { minMs: 100, maxMs: 100 },
    cachedImagePullMs: { minMs: 10, maxMs: 10 },
    containerStartMs: { minMs: 200, maxMs: 200 },
    containerStopMs: { minMs: 100, maxMs: 100 },
    preloadedImages: ['registry.k8s.io/pause:3.10.1', 'nginx:1.25'],
  },
};

function leaseRenewTimes(h: KubeletHarness, node: string, forMs: number, stepMs = 100): number[] {
  const times: number[] = [];
  let last = h.lease(node)?.spec?.renewTime ?? '';
  for (let t = 0; t < forMs; t += stepMs) {
    h.sim.runFor(stepMs);
    const renew = h.lease(node)?.spec?.renewTime ?? '';
    if (renew !== last) {
      last = renew;
      times.push(h.sim.nowMs);
    }
  }
  return times;
}

describe('Kubelet faults', () => {
  it('KubeletStop: no heartbeats and no status writes; containers keep running; catches up on restart', () => {
    const h = newKubeletHarness({ config: FAST });
    h.sim.runFor(1000);
    h.createPod(boundPod('web', 'node-0'));
    h.createPod(boundPod('job', 'node-0', { restartPolicy: 'Never' }, { annotations: { 'kubeprop.io/run-for': '30s' } }));
    h.sim.runFor(5000);
    assert.equal(h.pod('default/job')?.status?.phase, 'Running');
    const kubelet = h.kubelet('node-0');
    kubelet.stop();
    assert.equal(kubelet.state, 'stopped');
    const writesBefore = h.links.get('node-0')?.writes.length ?? 0;
    assert.deepEqual(leaseRenewTimes(h, 'node-0', 60_000), []);
    assert.equal(h.links.get('node-0')?.writes.length, writesBefore, 'nothing written while stopped');
    // The job finished meanwhile, but nobody reported it.
    assert.equal(h.pod('default/job')?.status?.phase, 'Running');
    kubelet.restart();
    h.sim.runFor(2000);
    assert.equal(kubelet.state, 'running');
    assert.equal(h.pod('default/job')?.status?.phase, 'Succeeded');
    const finishedAt = h.pod('default/job')?.status?.containerStatuses?.[0]?.state?.terminated?.finishedAt;
    // Started at 1.315 s, ran 30 s: the exit time is the runtime's, not the restart's.
    assert.equal(finishedAt, '2026-01-01T00:00:31Z');
    assert.equal(h.pod('default/web')?.status?.containerStatuses?.[0]?.restartCount, 0, 'the running container was not restarted');
    assert.ok(leaseRenewTimes(h, 'node-0', 30_000).length >= 2, 'heartbeats resume');
  });

  it('NodeCrash: containers die; after the restart the node has a new boot ID, pods new sandboxes and restarted containers', () => {
    const h = newKubeletHarness({ config: FAST });
    h.sim.runFor(1000);
    h.createPod(boundPod('web', 'node-0'));
    h.createPod(boundPod('once', 'node-0', { restartPolicy: 'Never' }));
    h.sim.runFor(5000);
    const bootBefore = h.node('node-0')?.status?.nodeInfo?.bootID;
    const ipBefore = h.pod('default/web')?.status?.podIP;
    const kubelet = h.kubelet('node-0');
    kubelet.crash();
    assert.equal(kubelet.state, 'crashed');
    assert.deepEqual(leaseRenewTimes(h, 'node-0', 60_000), []);
    kubelet.restart();
    h.sim.runFor(15_000);
    assert.notEqual(h.node('node-0')?.status?.nodeInfo?.bootID, bootBefore);
    const web = h.pod('default/web');
    assert.equal(web?.status?.phase, 'Running');
    const cs = web?.status?.containerStatuses?.[0];
    assert.equal(cs?.restartCount, 1);
    assert.equal(cs?.ready, true);
    assert.deepEqual([cs?.lastState?.terminated?.exitCode, cs?.lastState?.terminated?.reason], [255, 'Unknown']);
    assert.notEqual(web?.status?.podIP, ipBefore, 'a new sandbox, a new address');
    // A Never pod is not started again in a new sandbox: it fails.
    const once = h.pod('default/once');
    assert.equal(once?.status?.phase, 'Failed');
    assert.equal(once?.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 255);
  });

  it('runs init containers again in the new sandbox after a node crash', () => {
    const h = newKubeletHarness({ config: FAST });
    h.sim.runFor(1000);
    h.createPod(boundPod('web', 'node-0', { initContainers: [{ name: 'setup', image: 'nginx:1.25' }] }));
    h.sim.runFor(10_000);
    assert.equal(h.pod('default/web')?.status?.phase, 'Running');
    h.kubelet('node-0').crash();
    h.sim.runFor(1000);
    h.kubelet('node-0').restart();
    h.sim.runFor(10_000);
    const pod = h.pod('default/web');
    assert.equal(pod?.status?.phase, 'Running');
    assert.equal(pod?.status?.initContainerStatuses?.[0]?.restartCount, 1);
    assert.equal(pod?.status?.initContainerStatuses?.[0]?.state?.terminated?.reason, 'Completed');
    assert.equal(pod?.status?.containerStatuses?.[0]?.restartCount, 1);
  });

  it('partition: failed calls are retried; heartbeats, admissions and statuses catch up after healing', () => {
    const h = newKubeletHarness({ config: FAST });
    h.sim.runFor(1000);
    h.createPod(boundPod('web', 'node-0'));
    h.sim.runFor(5000);
    const link = h.links.get('node-0');
    assert.ok(link !== undefined);
    link.partitioned = true;
    h.kubelet('node-0').podInformer?.interruptWatch();
    h.createPod(boundPod('late', 'node-0'));
    assert.deepEqual(leaseRenewTimes(h, 'node-0', 40_000), []);
    assert.equal(h.pod('default/late')?.status?.phase, 'Pending');
    assert.equal(h.pod('default/late')?.status?.conditions?.find((c) => c.type === 'Ready'), undefined, 'not seen by the kubelet yet');
    link.partitioned = false;
    const renewals = leaseRenewTimes(h, 'node-0', 40_000);
    assert.ok(renewals.length >= 3, `renewals after healing: ${renewals.length}`);
    // The lease controller retries after its back-off (at most 7 s).
    assert.ok((renewals[0] as number) - 46_000 <= 7000);
    // The pod watch retries on the informer's back-off (800 ms doubling to 30 s, with jitter).
    h.sim.runFor(60_000);
    assert.equal(h.pod('default/late')?.status?.phase, 'Running');
    assert.equal(h.pod('default/web')?.status?.phase, 'Running');
  });

  it('retries a failed pod status write with the status manager’s resync', () => {
    const h = newKubeletHarness({ config: FAST });
    h.sim.runFor(1000);
    h.createPod(boundPod('web', 'node-0'));
    // Cut the link right after admission: the Running status cannot be written.
    h.sim.runFor(50);
    const link = h.links.get('node-0');
    assert.ok(link !== undefined);
    link.partitioned = true;
    h.sim.runFor(5000);
    assert.equal(h.pod('default/web')?.status?.phase, 'Pending');
    link.partitioned = false;
    h.sim.runFor(10_000);
    assert.equal(h.pod('default/web')?.status?.phase, 'Running');
  });

  it('PodCrash: kills the pod’s containers now; the restart policy decides', () => {
    const h = newKubeletHarness({ config: FAST });
    h.sim.runFor(1000);
    h.createPod(boundPod('web', 'node-0'));
    h.createPod(boundPod('once', 'node-0', { restartPolicy: 'Never' }));
    h.sim.runFor(5000);
    assert.equal(h.kubelet('node-0').crashPod('default/web'), true);
    assert.equal(h.kubelet('node-0').crashPod('default/once'), true);
    assert.equal(h.kubelet('node-0').crashPod('default/absent'), false);
    h.sim.runFor(2000);
    const web = h.pod('default/web')?.status?.containerStatuses?.[0];
    assert.equal(web?.restartCount, 1);
    assert.deepEqual([web?.lastState?.terminated?.exitCode, web?.lastState?.terminated?.reason], [137, 'Error']);
    assert.equal(h.pod('default/once')?.status?.phase, 'Failed');
  });

  it('is deterministic: the same seed gives the same trace digest, another seed another', () => {
    const run = (seed: number): string => {
      const h = newKubeletHarness({
        seed,
        nodes: ['node-0', 'node-1'],
        config: { runtime: { crashRatio: { numerator: 1, denominator: 3 } } },
      });
      h.sim.runFor(1000);
      for (let i = 0; i < 6; i++) h.createPod(boundPod(`p-${i}`, `node-${i % 2}`));
      h.sim.runFor(120_000);
      h.client.delete({ apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'p-0' });
      h.kubelet('node-1').crash();
      h.sim.runFor(30_000);
      h.kubelet('node-1').restart();
      h.sim.runFor(60_000);
      return h.sim.trace.digest();
    };
    assert.equal(run(42), run(42));
    assert.notEqual(run(42), run(43));
  });
});
