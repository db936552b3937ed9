import assert from 'node:assert/strict';
import { Rng } from '../sim/rng.js';
import { ContainerRuntime, effectivePullPolicy, formatGoDuration, hex64, normalizeImageReference, parseGoDurationMs } from './container-runtime.js';
import { DEFAULT_CONTAINER_RUNTIME_CONFIG, type ContainerRuntimeConfig } from './kubelet-config.js';

const MiB = 1024 * 1024;

function runtime(config: Partial<ContainerRuntimeConfig> = {}, serialize = true): ContainerRuntime {
  return new ContainerRuntime({ nodeName: 'n', config: { ...DEFAULT_CONTAINER_RUNTIME_CONFIG, ...config }, serializeImagePulls: serialize, rng: new Rng(1, ['test']) });
}

const FIXED: Partial<ContainerRuntimeConfig> = {
  cachedImagePullMs: { minMs: 5, maxMs: 5 },
  imagePullOverheadMs: { minMs: 100, maxMs: 100 },
  imagePullBytesPerSecond: { min: 10 * MiB, max: 10 * MiB },
  imageSizesBytes: { a: 10 * MiB, b: 20 * MiB },
};

describe('ContainerRuntime', () => {
  it('normalizes image references as containerd names them', () => {
    assert.equal(normalizeImageReference('nginx'), 'docker.io/library/nginx:latest');
    assert.equal(normalizeImageReference('nginx:1.25'), 'docker.io/library/nginx:1.25');
    assert.equal(normalizeImageReference('bitnami/redis:7'), 'docker.io/bitnami/redis:7');
    assert.equal(normalizeImageReference('registry.k8s.io/pause:3.10.1'), 'registry.k8s.io/pause:3.10.1');
    assert.equal(normalizeImageReference('localhost:5000/app'), 'localhost:5000/app:latest');
    assert.equal(normalizeImageReference('nginx@sha256:abc'), 'docker.io/library/nginx@sha256:abc');
  });

  it('defaults the pull policy as the API server does', () => {
    assert.equal(effectivePullPolicy({ name: 'c', image: 'nginx' }), 'Always');
    assert.equal(effectivePullPolicy({ name: 'c', image: 'nginx:latest' }), 'Always');
    assert.equal(effectivePullPolicy({ name: 'c', image: 'nginx:1.25' }), 'IfNotPresent');
    assert.equal(effectivePullPolicy({ name: 'c', image: 'nginx:1.25', imagePullPolicy: 'Never' }), 'Never');
  });

  it('pulls absent images one at a time (serializeImagePulls), by size over bandwidth plus overhead', () => {
    const rt = runtime(FIXED);
    assert.deepEqual(rt.ensureImage('a', 'IfNotPresent', 0), { ok: true, readyAtMs: 1100, pulled: true });
    // b waits for a's pull: starts at 1100, takes 100 + 2000 ms.
    assert.deepEqual(rt.ensureImage('b', 'IfNotPresent', 50), { ok: true, readyAtMs: 3200, pulled: true });
    // a second request for an image being pulled waits for that pull.
    assert.deepEqual(rt.ensureImage('b', 'IfNotPresent', 60), { ok: true, readyAtMs: 3200, pulled: true });
    // once present, a pull is a cached one.
    assert.deepEqual(rt.ensureImage('a', 'Always', 5000), { ok: true, readyAtMs: 5005, pulled: false });
    assert.equal(rt.hasImage('b', 3199), false);
    assert.equal(rt.hasImage('b', 3200), true);
  });

  it('pulls in parallel when pulls are not serialized', () => {
    const rt = runtime(FIXED, false);
    rt.ensureImage('a', 'IfNotPresent', 0);
    assert.deepEqual(rt.ensureImage('b', 'IfNotPresent', 50), { ok: true, readyAtMs: 2150, pulled: true });
  });

  it('fails an absent image with pull policy Never', () => {
    assert.deepEqual(runtime(FIXED).ensureImage('a', 'Never', 0), {
      ok: false,
      reason: 'ErrImageNeverPull',
      message: 'Container image "a" is not present with pull policy of Never',
    });
  });

  it('reports present images largest first, digests then tags, and reuses the list while it is unchanged', () => {
    const rt = runtime(FIXED);
    rt.ensureImage('a', 'IfNotPresent', 0);
    rt.ensureImage('b', 'IfNotPresent', 0);
    const atStart = rt.statusImages(0, 50);
    assert.deepEqual(atStart.map((i) => i.names?.[1]), ['registry.k8s.io/pause:3.10.1']);
    assert.equal(rt.statusImages(10, 50), atStart);
    const later = rt.statusImages(5000, 50);
    assert.deepEqual(later.map((i) => [i.names?.[1], i.sizeBytes]), [
      ['docker.io/library/b:latest', 20 * MiB],
      ['docker.io/library/a:latest', 10 * MiB],
      ['registry.k8s.io/pause:3.10.1', 320_368],
    ]);
    assert.match(later[0]?.names?.[0] ?? '', /^docker\.io\/library\/b@sha256:[0-9a-f]{64}$/);
    assert.equal(rt.statusImages(5000, 1).length, 1);
  });

  it('gives every node the same size and digest for an image', () => {
    const a = runtime();
    const b = new ContainerRuntime({ nodeName: 'other', config: DEFAULT_CONTAINER_RUNTIME_CONFIG, serializeImagePulls: true, rng: new Rng(9) });
    assert.equal(a.imageId('nginx:1.25'), b.imageId('nginx:1.25'));
    a.ensureImage('nginx:1.25', 'IfNotPresent', 0);
    b.ensureImage('nginx:1.25', 'IfNotPresent', 0);
    assert.deepEqual(a.statusImages(1e9, 50), b.statusImages(1e9, 50));
  });

  it('decides behaviours: crash ratio, annotations, job-like defaults, hook', () => {
    const base = { namespace: 'd', podName: 'p', containerName: 'c', restartCount: 0, annotations: {} } as const;
    const rt = runtime({ jobRunMs: { minMs: 7, maxMs: 7 }, initContainerRunMs: { minMs: 3, maxMs: 3 } });
    assert.deepEqual(rt.decideBehavior({ ...base, containerKind: 'regular', restartPolicy: 'Always' }), { kind: 'run-forever' });
    assert.deepEqual(rt.decideBehavior({ ...base, containerKind: 'regular', restartPolicy: 'Never' }), { kind: 'exit', runForMs: 7, exitCode: 0 });
    assert.deepEqual(rt.decideBehavior({ ...base, containerKind: 'init', restartPolicy: 'Always' }), { kind: 'exit', runForMs: 3, exitCode: 0 });
    assert.deepEqual(rt.decideBehavior({ ...base, containerKind: 'sidecar', restartPolicy: 'Never' }), { kind: 'run-forever' });
    assert.deepEqual(
      rt.decideBehavior({ ...base, containerKind: 'regular', restartPolicy: 'Always', annotations: { 'kubeprop.io/run-for': '1m30s', 'kubeprop.io/exit-code': '4' } }),
      { kind: 'exit', runForMs: 90_000, exitCode: 4 },
    );
    const crashing = runtime({ crashRatio: { numerator: 1, denominator: 1 }, crashAfterMs: { minMs: 9, maxMs: 9 }, crashExitCodes: [2] });
    assert.deepEqual(crashing.decideBehavior({ ...base, containerKind: 'regular', restartPolicy: 'Always' }), { kind: 'exit', runForMs: 9, exitCode: 2 });
    const hooked = runtime({ behavior: (q) => (q.containerName === 'c' ? { kind: 'exit', runForMs: 1, exitCode: 5 } : undefined) });
    assert.deepEqual(hooked.decideBehavior({ ...base, containerKind: 'regular', restartPolicy: 'Always' }), { kind: 'exit', runForMs: 1, exitCode: 5 });
  });

  it('stops within the grace period, or is killed at its end with 137', () => {
    const rt = runtime({ containerStopMs: { minMs: 3000, maxMs: 3000 }, stopExitCode: 143 });
    assert.deepEqual(rt.stopDuration(5000), { durationMs: 3000, exitCode: 143 });
    assert.deepEqual(rt.stopDuration(2000), { durationMs: 2000, exitCode: 137 });
  });

  it('mints deterministic IDs', () => {
    assert.equal(hex64('x'), hex64('x'));
    assert.notEqual(hex64('x'), hex64('y'));
    assert.match(hex64('x'), /^[0-9a-f]{64}$/);
    const a = runtime();
    const b = runtime();
    assert.equal(a.newContainerId(), b.newContainerId());
    assert.notEqual(a.newContainerId(), runtime().newSandboxId());
  });

  it('parses and prints Go durations', () => {
    assert.equal(parseGoDurationMs('30s'), 30_000);
    assert.equal(parseGoDurationMs('1m30s'), 90_000);
    assert.equal(parseGoDurationMs('250ms'), 250);
    assert.equal(parseGoDurationMs('1.5h'), 5_400_000);
    assert.equal(parseGoDurationMs('soon'), undefined);
    assert.equal(parseGoDurationMs(''), undefined);
    assert.deepEqual([10_000, 20_000, 80_000, 160_000, 300_000, 1500, 250].map(formatGoDuration), ['10s', '20s', '1m20s', '2m40s', '5m0s', '1.5s', '250ms']);
  });
});
