import { boundPod, newKubeletHarness } from './kubelet-test-kit.js';

const fixed = {
  plegRelistPeriodMs: 0,
  runtime: {
    sandboxCreateMs: { minMs: 100, maxMs: 100 },
    cachedImagePullMs: { minMs: 10, maxMs: 10 },
    containerStartMs: { minMs: 200, maxMs: 200 },
    crashRatio: { numerator: 1, denominator: 1 },
    crashAfterMs: { minMs: 1000, maxMs: 1000 },
    preloadedImages: ['registry.k8s.io/pause:3.10.1', 'nginx:1.25', 'busybox:1.36'],
  },
};

function dump(h: ReturnType<typeof newKubeletHarness>, kinds: string[]) {
  for (const e of h.entries()) if (kinds.includes(String(e.kind))) console.log(JSON.stringify(e));
}

describe('scratch', () => {
  it('crash loop', () => {
    const h = newKubeletHarness({ seed: 7, config: fixed });
    h.sim.runFor(1000);
    h.createPod(boundPod('web', 'node-0'));
    h.sim.runFor(1_000_000);
    dump(h, ['pod-event']);
    console.log(JSON.stringify(h.pod('default/web')?.status?.containerStatuses, null, 1));
  });
  it('init + sidecar', () => {
    const h = newKubeletHarness({ seed: 7, config: { ...fixed, runtime: { ...fixed.runtime, crashRatio: { numerator: 0, denominator: 1 } } } });
    h.sim.runFor(1000);
    h.createPod(boundPod('web', 'node-0', {
      initContainers: [{ name: 'setup', image: 'busybox:1.36' }, { name: 'proxy', image: 'nginx:1.25', restartPolicy: 'Always' }],
    }));
    const w = h.sim.store.watch({ apiVersion: 'v1', kind: 'Pod', resourceVersion: String(h.sim.store.revision) });
    h.sim.runFor(10_000);
    if (!w.ok) throw new Error();
    for (const ev of w.value.poll()) if (ev.type !== 'BOOKMARK' && ev.type !== 'ERROR') {
      const st = (ev.object as any).status;
      console.log(ev.type, st?.phase, JSON.stringify(st?.conditions?.map((c: any) => [c.type, c.status, c.reason, c.message])), JSON.stringify(st?.initContainerStatuses?.map((c: any) => [c.name, c.state, c.ready, c.started])), JSON.stringify(st?.containerStatuses?.map((c: any) => [c.name, c.state, c.ready])));
    }
    h.client.delete({ apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'web' });
    h.sim.runFor(5_000);
    for (const ev of w.value.poll()) if (ev.type !== 'BOOKMARK' && ev.type !== 'ERROR') {
      const st = (ev.object as any).status;
      console.log(ev.type, (ev.object as any).metadata.deletionTimestamp, st?.phase, JSON.stringify(st?.conditions?.map((c: any) => [c.type, c.status, c.reason])), JSON.stringify(st?.initContainerStatuses?.map((c: any) => [c.name, c.state])), JSON.stringify(st?.containerStatuses?.map((c: any) => [c.name, c.state])));
    }
    dump(h, ['pod-event', 'pod-deleted']);
  });
});
