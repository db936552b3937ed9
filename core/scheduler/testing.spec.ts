import assert from 'node:assert/strict';
import type { DeepReadonly, KubeObject, Node, Pod } from '../api/types.js';
import { CycleState } from './cycle-state.js';
import { newPodInfo } from './node-info.js';
import type { SchedulerPluginInstance } from './plugin.js';
import { Status } from './status.js';
import { createTestHandle } from './testing.js';

function node(name: string): DeepReadonly<Node> {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name }, status: { allocatable: { cpu: '1', pods: '10' } } } as DeepReadonly<Node>;
}

function pod(name: string, o: { node?: string; cpuMilli?: number; priority?: number; ns?: string } = {}): DeepReadonly<Pod> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: o.ns ?? 'default', uid: `uid-${name}` },
    spec: {
      containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: `${o.cpuMilli ?? 0}m` } } }],
      ...(o.node ? { nodeName: o.node } : {}),
      ...(o.priority !== undefined ? { priority: o.priority } : {}),
    },
  } as DeepReadonly<Pod>;
}

const cpuFit: SchedulerPluginInstance = {
  filter: (_s, p, ni) => (ni.requested.milliCPU + newPodInfo(p).requests.milliCPU > ni.allocatable.milliCPU ? Status.unschedulable('Insufficient cpu') : undefined),
};

describe('createTestHandle', () => {
  it('a snapshot of the nodes with the bound pods placed; unbound pods are left out', () => {
    const h = createTestHandle({ nodes: [node('n1'), node('n2')], pods: [pod('a', { node: 'n1', cpuMilli: 300 }), pod('pending')] });
    assert.deepEqual(h.snapshot().list().map((n) => [n.name, n.requested.milliCPU]), [
      ['n1', 300],
      ['n2', 0],
    ]);
    assert.equal(h.cache.podCount(), 1);
    assert.deepEqual([h.schedulerName, h.nowMs()], ['default-scheduler', 0]);
    const h2 = createTestHandle({ schedulerName: 'mine', nowMs: 1234, seed: 9 });
    assert.deepEqual([h2.schedulerName, h2.nowMs(), h2.rng.seed], ['mine', 1234, 9]);
  });

  it('objects are listed and fetched by group/Kind and namespace', () => {
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'a' } } as DeepReadonly<KubeObject>;
    const rs = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'r', namespace: 'a' } } as DeepReadonly<KubeObject>;
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a' } } as DeepReadonly<KubeObject>;
    const h = createTestHandle({ objects: [svc, rs, ns] });
    assert.deepEqual(h.objects.list('Service'), [svc]);
    assert.deepEqual(h.objects.list('Service', 'b'), []);
    assert.deepEqual(h.objects.list('apps/ReplicaSet', 'a'), [rs]);
    assert.equal(h.objects.get('Namespace', undefined, 'a'), ns);
    assert.equal(h.objects.get('Service', 'a', 's'), svc);
    assert.equal(h.objects.get('Service', 'a', 'nope'), undefined);
  });

  it('the client records the calls a plugin makes', () => {
    const h = createTestHandle();
    const p = pod('x', { ns: 'team' });
    assert.equal(h.client.bind(p, 'n1').code, 'Success');
    h.client.deletePod(p, 'preempted');
    h.client.setNominatedNodeName(p, 'n2');
    h.client.setNominatedNodeName(p, undefined);
    h.client.setPodCondition(p, { type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler' });
    assert.deepEqual(h.calls, [
      { kind: 'bind', pod: 'team/x', node: 'n1' },
      { kind: 'deletePod', pod: 'team/x', reason: 'preempted' },
      { kind: 'setNominatedNodeName', pod: 'team/x', node: 'n2' },
      { kind: 'setNominatedNodeName', pod: 'team/x', node: undefined },
      { kind: 'setPodCondition', pod: 'team/x', type: 'DisruptionTarget', status: 'True' },
    ]);
  });

  it('runFilterPluginsWithNominatedPods uses the filter plugins given and the nominated pods per node', () => {
    const nominated = new Map([['n1', [newPodInfo(pod('nom', { cpuMilli: 800, priority: 50 }))]]]);
    const h = createTestHandle({ nodes: [node('n1'), node('n2')], filterPlugins: [{ name: 'CpuFit', instance: cpuFit }], nominatedPods: nominated });
    const me = pod('me', { cpuMilli: 500, priority: 10 });
    assert.equal(h.runFilterPluginsWithNominatedPods(new CycleState(), me, h.snapshot().get('n1')!).code, 'Unschedulable');
    assert.equal(h.runFilterPluginsWithNominatedPods(new CycleState(), me, h.snapshot().get('n2')!).code, 'Success');
    assert.deepEqual(h.nominator.nominatedPodsForNode('n1').map((pi) => pi.pod.metadata?.name), ['nom']);
    assert.deepEqual(h.nominator.nominatedPodsForNode('n2'), []);
    // Without filter plugins everything passes; setFilterPlugins swaps them.
    h.setFilterPlugins([]);
    assert.equal(h.runFilterPluginsWithNominatedPods(new CycleState(), me, h.snapshot().get('n1')!).code, 'Success');
  });

  it('PreFilter extensions of the filter plugins are reachable through the handle', () => {
    const seen: string[] = [];
    const ext: SchedulerPluginInstance = {
      preFilter: () => undefined,
      preFilterExtensions: {
        addPod: (_s, _p, pi) => (seen.push(`add ${pi.pod.metadata?.name ?? ''}`), undefined),
        removePod: (_s, _p, pi) => (seen.push(`remove ${pi.pod.metadata?.name ?? ''}`), Status.unschedulable('no')),
      },
    };
    const h = createTestHandle({ nodes: [node('n1')], filterPlugins: [{ name: 'Ext', instance: ext }] });
    const ni = h.snapshot().get('n1')!;
    assert.equal(h.runPreFilterExtensionAddPod(new CycleState(), pod('me'), newPodInfo(pod('v')), ni).code, 'Success');
    const r = h.runPreFilterExtensionRemovePod(new CycleState(), pod('me'), newPodInfo(pod('v')), ni);
    assert.deepEqual([r.code, r.reasons], ['Error', ['running RemovePod on PreFilter plugin "Ext": no']]);
    assert.deepEqual(seen, ['add v', 'remove v']);
  });

  it('has no waiting pods', () => {
    const h = createTestHandle();
    assert.equal(h.getWaitingPod('uid-x'), undefined);
    assert.equal(h.rejectWaitingPod('uid-x'), false);
    let n = 0;
    h.iterateOverWaitingPods(() => n++);
    assert.equal(n, 0);
  });
});
