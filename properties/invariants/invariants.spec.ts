/**
 * The invariants and oracles the scheduler suite relies on, shown to fail when they should: an
 * invariant that can never fail would make the suite pass vacuously.
 */
import assert from 'node:assert/strict';
import type { DeepReadonly, Node, Pod } from 'kubeprop';
import { defaultSchedulerPlugins } from '../../plugins/index.js';
import { propertyParameters, replayEnvironment } from '../runner/property-parameters.js';
import { filterOracle } from './filter-oracle.js';
import { findOvercommits } from './no-overcommit.js';

function testNode(name: string, allocatable: Record<string, string>, extra: Partial<Node> = {}): DeepReadonly<Node> {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name } }, status: { allocatable }, ...extra };
}

function testPod(name: string, spec: Partial<NonNullable<Pod['spec']>> = {}, labels?: Record<string, string>): DeepReadonly<Pod> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, ...(labels !== undefined ? { labels } : {}) },
    spec: { containers: [{ name: 'c0', image: 'busybox' }], ...spec },
  };
}

const cpu = (m: string): NonNullable<Pod['spec']>['containers'] => [{ name: 'c0', image: 'busybox', resources: { requests: { cpu: m } } }];

describe('invariants', () => {
  describe('findOvercommits', () => {
    const n = testNode('node-0', { cpu: '1', memory: '1Gi', pods: '2' });

    it('reports a node whose placed pods exceed allocatable cpu and pods', () => {
      const pods = [testPod('a', { nodeName: 'node-0', containers: cpu('600m') }), testPod('b', { nodeName: 'node-0', containers: cpu('600m') }), testPod('c', { nodeName: 'node-0' })];
      const over = findOvercommits([n], pods, new Set(['default/b']));
      assert.deepEqual(
        over.map((o) => [o.resource, o.requested, o.allocatable]),
        [
          ['cpu', 1200, 1000],
          ['pods', 3, 2],
        ],
      );
    });

    it('ignores nodes that received nothing, and resources the placed pods do not request', () => {
      const pods = [testPod('a', { nodeName: 'node-0', containers: cpu('1500m') }), testPod('b', { nodeName: 'node-0' })];
      assert.deepEqual(findOvercommits([n], pods, new Set()), []);
      assert.deepEqual(findOvercommits([n], pods, new Set(['default/b'])), []);
    });
  });

  describe('filterOracle', () => {
    const oracle = filterOracle({ plugins: defaultSchedulerPlugins });

    it('uses the default profile PreFilter and Filter plugins', () => {
      assert.deepEqual(
        [...oracle.filterPlugins].sort(),
        ['InterPodAffinity', 'NodeAffinity', 'NodeName', 'NodePorts', 'NodeResourcesFit', 'NodeUnschedulable', 'PodTopologySpread', 'TaintToleration'],
      );
    });

    it('accepts and rejects as the filters do', () => {
      const tainted = testNode('node-1', { cpu: '1', memory: '1Gi', pods: '5' }, { spec: { taints: [{ key: 'dedicated', effect: 'NoSchedule' }] } });
      const small = testNode('node-0', { cpu: '1', memory: '1Gi', pods: '5' });
      const state = { nodes: [small, tainted], pods: [] };
      assert.deepEqual(oracle.feasibleNodes(state, testPod('p')), ['node-0']);
      assert.deepEqual(oracle.feasibleNodes(state, testPod('p', { containers: cpu('2') })), []);
      const verdict = oracle.verdicts(state, testPod('p')).find((v) => v.node === 'node-1')!;
      assert.equal(verdict.status.plugin, 'TaintToleration');
    });

    it('counts bound pods, and nominated pods of equal or higher priority', () => {
      const n = testNode('node-0', { cpu: '1', memory: '1Gi', pods: '5' });
      const big = (name: string, priority: number): DeepReadonly<Pod> => testPod(name, { containers: cpu('800m'), priority });
      const pod = testPod('p', { containers: cpu('500m'), priority: 10 });
      assert.deepEqual(oracle.feasibleNodes({ nodes: [n], pods: [{ ...big('b', 0), spec: { ...big('b', 0).spec!, nodeName: 'node-0' } }] }, pod), []);
      assert.deepEqual(oracle.feasibleNodes({ nodes: [n], pods: [] }, pod, new Map([['node-0', [big('nominated', 100)]]])), []);
      assert.deepEqual(oracle.feasibleNodes({ nodes: [n], pods: [] }, pod, new Map([['node-0', [big('nominated', 1)]]])), ['node-0']);
    });
  });

  describe('propertyParameters', () => {
    const saved = { ...process.env };
    afterEach(() => {
      for (const k of ['FC_NUM_RUNS', 'FC_SEED', 'FC_PATH']) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
    });

    it('reads FC_NUM_RUNS, FC_SEED and FC_PATH, explicit options first', () => {
      process.env['FC_NUM_RUNS'] = '7';
      process.env['FC_SEED'] = '-12';
      process.env['FC_PATH'] = '3:1';
      assert.deepEqual(propertyParameters(50), { numRuns: 7, seed: -12, path: '3:1', endOnFailure: true });
      assert.deepEqual(propertyParameters(50, { numRuns: 2, seed: 5 }, { pathFromEnvironment: false }), { numRuns: 2, seed: 5 });
      delete process.env['FC_NUM_RUNS'];
      delete process.env['FC_SEED'];
      delete process.env['FC_PATH'];
      assert.deepEqual(propertyParameters(50), { numRuns: 50 });
      process.env['FC_SEED'] = 'abc';
      assert.throws(() => propertyParameters(50), /FC_SEED must be an integer/);
    });

    it('formats the replay environment', () => {
      assert.equal(replayEnvironment({ seed: 42, counterexamplePath: '1:2:3' }), 'FC_SEED=42 FC_PATH=1:2:3');
    });
  });
});
