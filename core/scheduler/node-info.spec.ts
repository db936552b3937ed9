import assert from 'node:assert/strict';
import type { DeepReadonly, Pod } from '../api/types.js';
import { newPodInfo, podInfoFor } from './node-info.js';

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    for (const x of Object.values(v as object)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

function pod(cpu: string, o: { anti?: boolean; frozen?: boolean } = {}): Pod {
  const p: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'ns', uid: 'u1', labels: { app: 'a' } },
    spec: {
      containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu, memory: '1Gi' } } }],
      ...(o.anti ? { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'a' } } }] } } } : {}),
    },
  };
  return o.frozen === false ? p : deepFreeze(p);
}

describe('PodInfo', () => {
  it('newPodInfo computes requests and terms once per frozen pod object', () => {
    const p = pod('250m', { anti: true });
    const a = newPodInfo(p);
    assert.equal(newPodInfo(p), a);
    assert.equal(a.requests.milliCPU, 250);
    assert.equal(a.requiredAntiAffinityTerms.length, 1);
  });

  it('newPodInfo recomputes for a pod that is not frozen, since it may change', () => {
    const p = pod('250m', { frozen: false });
    const a = newPodInfo(p);
    (p.spec!.containers[0]!.resources!.requests as Record<string, string>)['cpu'] = '500m';
    const b = newPodInfo(p);
    assert.notEqual(b, a);
    assert.equal(b.requests.milliCPU, 500);
  });

  it('podInfoFor reuses the PodInfo of an earlier version when only other fields changed', () => {
    const p = pod('250m', { anti: true }) as DeepReadonly<Pod>;
    const before = newPodInfo(p);
    // Bound, nominated, with a condition: what a PodInfo is computed from is shared.
    const bound = deepFreeze({ ...p, spec: { ...p.spec!, nodeName: 'n1' }, status: { nominatedNodeName: 'n1', conditions: [{ type: 'PodScheduled', status: 'True' }] } }) as DeepReadonly<Pod>;
    const after = podInfoFor(bound, before);
    assert.equal(after.pod, bound);
    assert.equal(after.requests, before.requests);
    assert.equal(after.requiredAntiAffinityTerms, before.requiredAntiAffinityTerms);
    assert.deepEqual({ ...after, pod: undefined }, { ...newPodInfo(bound), pod: undefined });
    assert.equal(podInfoFor(p, before), before);
    assert.equal(podInfoFor(p, undefined), before);
  });

  it('podInfoFor recomputes when requests, terms or the namespace changed', () => {
    const p = pod('250m') as DeepReadonly<Pod>;
    const before = newPodInfo(p);
    const resized = pod('750m') as DeepReadonly<Pod>;
    assert.equal(podInfoFor(resized, before).requests.milliCPU, 750);
    const withAnti = deepFreeze({ ...p, spec: { ...p.spec!, affinity: pod('1', { anti: true }).spec!.affinity } }) as DeepReadonly<Pod>;
    assert.equal(podInfoFor(withAnti, before).requiredAntiAffinityTerms.length, 1);
    const moved = deepFreeze({ ...p, metadata: { ...p.metadata, namespace: 'other' } }) as DeepReadonly<Pod>;
    const terms = podInfoFor(deepFreeze({ ...withAnti, metadata: { ...withAnti.metadata, namespace: 'other' } }) as DeepReadonly<Pod>, newPodInfo(withAnti));
    assert.deepEqual([...terms.requiredAntiAffinityTerms[0]!.namespaces], ['other']);
    assert.notEqual(podInfoFor(moved, before), before);
  });

  it('podInfoFor recomputes when container statuses with resized resources differ', () => {
    const p = pod('250m') as DeepReadonly<Pod>;
    const before = newPodInfo(p);
    const resized = deepFreeze({
      ...p,
      status: { containerStatuses: [{ name: 'c', image: 'busybox', imageID: '', ready: true, restartCount: 0, resources: { requests: { cpu: '1' } } }] },
    }) as DeepReadonly<Pod>;
    assert.equal(podInfoFor(resized, before).requests.milliCPU, 1000);
  });
});
