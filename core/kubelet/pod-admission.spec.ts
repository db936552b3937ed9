import assert from 'node:assert/strict';
import { emptyResourceVector, podRequests, resourceVectorFromList } from '../api/pod-resources.js';
import type { DeepReadonly, Node, Pod } from '../api/types.js';
import { HostPortInfo } from '../scheduler/node-info.js';
import { boundPod, newKubeletHarness } from './kubelet-test-kit.js';
import { admitPod, type NodeUsage } from './pod-admission.js';

function node(extra: { labels?: Record<string, string>; taints?: NonNullable<Node['spec']>['taints']; allocatable?: Record<string, string> } = {}): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'node-a', labels: { 'kubernetes.io/hostname': 'node-a', ...extra.labels } },
    spec: extra.taints === undefined ? {} : { taints: extra.taints },
    status: { allocatable: extra.allocatable ?? { cpu: '4', memory: '8Gi', pods: '3', 'ephemeral-storage': '10Gi', 'example.com/gpu': '1' } },
  };
}

function pod(spec: Partial<NonNullable<Pod['spec']>> = {}, labels?: Record<string, string>): Pod {
  return boundPod('p', 'node-a', spec, labels === undefined ? {} : { labels });
}

function requesting(requests: Record<string, string>, extra: Partial<NonNullable<Pod['spec']>> = {}): Pod {
  return pod({ containers: [{ name: 'app', image: 'nginx', resources: { requests } }], ...extra });
}

function usage(used: Record<string, string> = {}, podCount = 0, ports?: HostPortInfo): NodeUsage {
  return { requested: resourceVectorFromList(used), podCount, usedPorts: ports ?? new HostPortInfo() };
}

function admit(p: Pod, n: Node = node(), u: NodeUsage = usage()): ReturnType<typeof admitPod> {
  return admitPod(p as DeepReadonly<Pod>, n as DeepReadonly<Node>, resourceVectorFromList(n.status?.allocatable as Record<string, string>), u);
}

describe('admitPod (upstream GeneralPredicates)', () => {
  it('admits a pod that fits', () => {
    assert.deepEqual(admit(requesting({ cpu: '1', memory: '1Gi' })), { admit: true });
  });

  it('rejects with OutOfcpu and upstream’s message (millicores)', () => {
    assert.deepEqual(admit(requesting({ cpu: '600m' }), node(), usage({ cpu: '3500m' }, 1)), {
      admit: false,
      reason: 'OutOfcpu',
      message: "Node didn't have enough resource: cpu, requested: 600, used: 3500, capacity: 4000",
    });
  });

  it('rejects with OutOfmemory (bytes)', () => {
    assert.deepEqual(admit(requesting({ memory: '9Gi' })), {
      admit: false,
      reason: 'OutOfmemory',
      message: `Node didn't have enough resource: memory, requested: ${9 * 1024 ** 3}, used: 0, capacity: ${8 * 1024 ** 3}`,
    });
  });

  it('rejects with OutOfephemeral-storage and OutOf<extended resource>', () => {
    assert.equal((admit(requesting({ 'ephemeral-storage': '20Gi' })) as { reason: string }).reason, 'OutOfephemeral-storage');
    assert.deepEqual(admit(requesting({ 'example.com/gpu': '2' })), {
      admit: false,
      reason: 'OutOfexample.com/gpu',
      message: "Node didn't have enough resource: example.com/gpu, requested: 2, used: 0, capacity: 1",
    });
  });

  it('ignores extended resources the node does not have at all (cluster-level resources)', () => {
    assert.deepEqual(admit(requesting({ 'example.com/fpga': '1' })), { admit: true });
  });

  it('rejects with OutOfpods first when the node is full', () => {
    assert.deepEqual(admit(requesting({ cpu: '100' }), node(), usage({}, 3)), {
      admit: false,
      reason: 'OutOfpods',
      message: "Node didn't have enough resource: pods, requested: 1, used: 3, capacity: 3",
    });
  });

  it('rejects a node selector or required node affinity mismatch with NodeAffinity', () => {
    const expected = { admit: false, reason: 'NodeAffinity', message: "Predicate NodeAffinity failed: node(s) didn't match Pod's node affinity/selector" };
    assert.deepEqual(admit(pod({ nodeSelector: { disk: 'ssd' } })), expected);
    assert.deepEqual(admit(pod({ nodeSelector: { disk: 'ssd' } }), node({ labels: { disk: 'ssd' } })), { admit: true });
    const affinity: NonNullable<NonNullable<Pod['spec']>['affinity']> = {
      nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In' as const, values: ['b'] }] }] } },
    };
    assert.deepEqual(admit(pod({ affinity })), expected);
  });

  it('rejects an untolerated NoExecute taint with TaintToleration, but not a NoSchedule one', () => {
    const noExecute = node({ taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoExecute' }] });
    assert.deepEqual(admit(pod(), noExecute), {
      admit: false,
      reason: 'TaintToleration',
      message: "Predicate TaintToleration failed: node(s) had taints that the pod didn't tolerate",
    });
    assert.deepEqual(admit(pod({ tolerations: [{ key: 'dedicated', operator: 'Exists' }] }), noExecute), { admit: true });
    assert.deepEqual(admit(pod(), node({ taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] })), { admit: true });
  });

  it('rejects a host port in use with NodePorts', () => {
    const ports = new HostPortInfo();
    ports.add(undefined, 'TCP', 8080);
    const p = pod({ containers: [{ name: 'app', image: 'nginx', ports: [{ containerPort: 80, hostPort: 8080 }] }] });
    assert.deepEqual(admit(p, node(), usage({}, 1, ports)), {
      admit: false,
      reason: 'NodePorts',
      message: "Predicate NodePorts failed: node(s) didn't have free ports for the requested pod ports",
    });
  });

  it('rejects a pod for another node with NodeName, and OS mismatches', () => {
    assert.equal((admit(boundPod('p', 'node-b')) as { reason: string }).reason, 'NodeName');
    assert.equal((admit(pod({}, { 'kubernetes.io/os': 'windows' })) as { reason: string }).reason, 'PodOSSelectorNodeLabelDoesNotMatch');
    assert.equal((admit(pod({ os: { name: 'windows' } })) as { reason: string }).reason, 'PodOSNotSupported');
  });

  it('reports resources before node affinity and taints (the first failure wins)', () => {
    const p = requesting({ cpu: '8' }, { nodeSelector: { disk: 'ssd' } });
    assert.equal((admit(p, node({ taints: [{ key: 'x', effect: 'NoExecute' }] })) as { reason: string }).reason, 'OutOfcpu');
  });

  it('takes the effective requests of init containers and sidecars', () => {
    const p = pod({
      initContainers: [{ name: 'init', image: 'busybox', resources: { requests: { cpu: '3' } } }],
      containers: [{ name: 'app', image: 'nginx', resources: { requests: { cpu: '1' } } }],
    });
    assert.equal(podRequests(p as DeepReadonly<Pod>).milliCPU, 3000);
    assert.deepEqual(admit(p, node(), usage({ cpu: '2' }, 1)), {
      admit: false,
      reason: 'OutOfcpu',
      message: "Node didn't have enough resource: cpu, requested: 3000, used: 2000, capacity: 4000",
    });
    assert.deepEqual(emptyResourceVector().milliCPU, 0);
  });
});

describe('Kubelet admission', () => {
  it('fails a rejected pod with the reason and `Pod was rejected: <message>`, and runs nothing', () => {
    const h = newKubeletHarness({ capacity: { cpu: '1', memory: '2Gi', pods: '110' } });
    h.sim.runFor(1000);
    h.createPod(boundPod('big', 'node-0', { containers: [{ name: 'app', image: 'nginx', resources: { requests: { cpu: '2' } } }] }));
    h.sim.runFor(5000);
    const p = h.pod('default/big');
    assert.equal(p?.status?.phase, 'Failed');
    assert.equal(p?.status?.reason, 'OutOfcpu');
    assert.equal(p?.status?.message, "Pod was rejected: Node didn't have enough resource: cpu, requested: 2000, used: 0, capacity: 1000");
    assert.equal(p?.status?.containerStatuses, undefined);
    assert.equal(h.kubelet('node-0').stats().rejected, 1);
    assert.equal(h.kubelet('node-0').stats().activePods, 0);
  });

  it('counts the pods it runs: with maxPods 2 the third pod is OutOfpods, and a finished pod frees its slot', () => {
    const h = newKubeletHarness({ config: { maxPods: 2, plegRelistPeriodMs: 0 } });
    h.sim.runFor(1000);
    h.createPod(boundPod('a', 'node-0'));
    h.createPod(boundPod('job', 'node-0', { restartPolicy: 'Never' }, { annotations: { 'kubeprop.io/run-for': '5s' } }));
    h.sim.runFor(100);
    h.createPod(boundPod('c', 'node-0'));
    h.sim.runFor(1000);
    assert.equal(h.pod('default/c')?.status?.reason, 'OutOfpods');
    h.sim.runFor(20_000);
    assert.equal(h.pod('default/job')?.status?.phase, 'Succeeded');
    h.createPod(boundPod('d', 'node-0'));
    h.sim.runFor(10_000);
    assert.equal(h.pod('default/d')?.status?.phase, 'Running');
  });

  it('rejects a pod that does not tolerate the node’s NoExecute taint', () => {
    const h = newKubeletHarness({ config: { registerWithTaints: [{ key: 'maintenance', effect: 'NoExecute' }] } });
    h.sim.runFor(1000);
    h.createPod(boundPod('web', 'node-0'));
    h.createPod(boundPod('ok', 'node-0', { tolerations: [{ key: 'maintenance', operator: 'Exists', effect: 'NoExecute' }] }));
    h.sim.runFor(10_000);
    assert.equal(h.pod('default/web')?.status?.reason, 'TaintToleration');
    assert.equal(h.pod('default/ok')?.status?.phase, 'Running');
  });

  it('admits pods present at start-up in creation order', () => {
    const h = newKubeletHarness({ capacity: { cpu: '1', memory: '2Gi', pods: '110' }, start: false });
    const req = { containers: [{ name: 'app', image: 'nginx', resources: { requests: { cpu: '600m' } } }] };
    h.createPod(boundPod('z-first', 'node-0', req));
    h.sim.runFor(1000);
    h.createPod(boundPod('a-second', 'node-0', req));
    h.kubelet('node-0').start();
    h.sim.runFor(10_000);
    assert.equal(h.pod('default/z-first')?.status?.phase, 'Running');
    assert.equal(h.pod('default/a-second')?.status?.reason, 'OutOfcpu');
  });
});
