import assert from 'node:assert/strict';
import { ConfigError } from '../errors.js';
import { DEFAULT_KUBELET_CONFIG, leaseRenewIntervalMs, resolveKubeletConfig } from './kubelet-config.js';

describe('kubelet configuration', () => {
  it('has upstream v1.35 defaults', () => {
    const c = resolveKubeletConfig();
    assert.equal(c.nodeStatusUpdateFrequencyMs, 10_000);
    assert.equal(c.nodeStatusReportFrequencyMs, 300_000);
    assert.equal(c.nodeLeaseDurationSeconds, 40);
    assert.equal(leaseRenewIntervalMs(c), 10_000);
    assert.equal(c.maxPods, 110);
    assert.equal(c.serializeImagePulls, true);
    assert.equal(c.crashLoopBackOffInitialMs, 10_000);
    assert.equal(c.crashLoopBackOffMaxMs, 300_000);
    assert.deepEqual(c, DEFAULT_KUBELET_CONFIG);
  });

  it('merges partial runtime settings over the defaults', () => {
    const c = resolveKubeletConfig({ maxPods: 20, runtime: { containerStartMs: { minMs: 1, maxMs: 2 } } });
    assert.equal(c.maxPods, 20);
    assert.deepEqual(c.runtime.containerStartMs, { minMs: 1, maxMs: 2 });
    assert.deepEqual(c.runtime.sandboxCreateMs, DEFAULT_KUBELET_CONFIG.runtime.sandboxCreateMs);
  });

  it('rejects invalid values with ConfigError', () => {
    const bad = [
      { maxPods: 0 },
      { nodeStatusUpdateFrequencyMs: 1.5 },
      { plegRelistPeriodMs: -1 },
      { runtime: { containerStartMs: { minMs: 5, maxMs: 1 } } },
      { runtime: { imagePullBytesPerSecond: { min: 0, max: 1 } } },
      { runtime: { defaultImageSizeBytes: { min: 2, max: 1 } } },
      { runtime: { crashRatio: { numerator: 2, denominator: 1 } } },
      { runtime: { crashExitCodes: [] } },
      { runtime: { crashExitCodes: [0] } },
      { runtime: { stopExitCode: -1 } },
    ];
    for (const input of bad) assert.throws(() => resolveKubeletConfig(input), ConfigError, JSON.stringify(input));
  });
});
