import assert from 'node:assert/strict';
import { boundPod, newKubeletHarness } from './kubelet-test-kit.js';

describe('scratch', () => {
  it('runs a pod', () => {
    const h = newKubeletHarness({ seed: 7 });
    h.sim.runFor(1000);
    console.log(JSON.stringify(h.node('node-0'), null, 1).slice(0, 3000));
    h.createPod(boundPod('web', 'node-0'));
    h.sim.runFor(30_000);
    console.log(JSON.stringify(h.pod('default/web')?.status, null, 1));
    for (const e of h.entries()) if (!String(e.kind).startsWith('informer') && e.kind !== 'watch-pump') console.log(JSON.stringify(e));
    assert.ok(true);
  });
});
