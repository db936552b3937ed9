import assert from 'node:assert/strict';
import type { DeepReadonly, Node, NodeCondition } from '../api/types.js';
import { allocatableFromCapacity, kubeletNodeConditions, nodeCapacity, nodeStatusHasChanged, reconcileExistingNodeMeta } from './node-status.js';

describe('node status', () => {
  it('computes allocatable from capacity minus the default hard eviction thresholds', () => {
    assert.deepEqual(allocatableFromCapacity({ cpu: '8', memory: '32Gi', pods: '110', 'ephemeral-storage': '1000' }), {
      cpu: '8',
      memory: '32668Mi',
      pods: '110',
      'ephemeral-storage': '900',
    });
    assert.deepEqual(nodeCapacity({ cpu: 2, memory: '4Gi' }, 50), { cpu: '2', 'hugepages-1Gi': '0', 'hugepages-2Mi': '0', memory: '4Gi', pods: '50' });
  });

  it('refreshes heartbeats, keeps transition times while the status holds, and keeps foreign conditions', () => {
    const first = kubeletNodeConditions([{ type: 'NetworkUnavailable', status: 'False', reason: 'RouteCreated' }], 0);
    assert.deepEqual(first.map((c) => c.type), ['NetworkUnavailable', 'MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready']);
    const later = kubeletNodeConditions(first, 60_000);
    const ready = later.find((c) => c.type === 'Ready');
    assert.equal(ready?.lastHeartbeatTime, '2026-01-01T00:01:00Z');
    assert.equal(ready?.lastTransitionTime, '2026-01-01T00:00:00Z');
    assert.equal(later.find((c) => c.type === 'NetworkUnavailable')?.reason, 'RouteCreated');
    // The node lifecycle controller marked the node Unknown: Ready transitions back to True now.
    const unknown = later.map((c): NodeCondition => (c.type === 'Ready' ? { ...c, status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' } : c));
    const back = kubeletNodeConditions(unknown, 120_000).find((c) => c.type === 'Ready');
    assert.deepEqual([back?.status, back?.reason, back?.lastTransitionTime], ['True', 'KubeletReady', '2026-01-01T00:02:00Z']);
  });

  it('sees no change when only heartbeat times differ', () => {
    const a = { conditions: kubeletNodeConditions(undefined, 0), capacity: { cpu: '1' } };
    const b = { conditions: kubeletNodeConditions(a.conditions, 50_000), capacity: { cpu: '1' } };
    assert.equal(nodeStatusHasChanged(a, b), false);
    assert.equal(nodeStatusHasChanged(a, { ...b, capacity: { cpu: '2' } }), true);
    assert.equal(nodeStatusHasChanged(undefined, b), true);
  });

  it('reconciles the default labels of an existing Node', () => {
    const node: DeepReadonly<Node> = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n', labels: { 'kubernetes.io/hostname': 'other', team: 'x' } } };
    const meta = reconcileExistingNodeMeta(node);
    assert.equal(meta?.labels['kubernetes.io/hostname'], 'n');
    assert.equal(meta?.labels.team, 'x');
    assert.equal(meta?.labels['kubernetes.io/os'], 'linux');
    assert.equal(reconcileExistingNodeMeta({ ...node, metadata: { name: 'n', labels: meta?.labels ?? {}, annotations: meta?.annotations ?? {} } }), undefined);
  });
});
