import assert from 'node:assert/strict';
import {
  ConfigError,
  CycleState,
  EXTENSION_POINTS,
  Framework,
  newNodeInfo,
  type Container,
  type EnabledPlugin,
  type ExtensionPoint,
  type NodeInfo,
  type NodeResourcesBalancedAllocationArgs,
  type Pod,
  type SchedulerPluginInstance,
  type Status,
} from 'kubeprop';
import { nodeResourcesFitPlugin } from '../node-resources-fit/node-resources-fit.js';
import { balancedResourceScorer } from '../node-resources-fit/resource-allocation.js';
import { NAME, nodeResourcesBalancedAllocationPlugin } from './node-resources-balanced-allocation.js';

type Resources = Readonly<Record<string, string | number>>;

let podCounter = 0;

/** A pod with one container per entry (`undefined`: a container without requests). */
function pod(containers: readonly (Resources | undefined)[] = [undefined], podLevel?: Resources): Pod {
  const n = ++podCounter;
  const p: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `p${n}`, namespace: 'default', uid: `uid-${n}` },
    spec: {
      containers: containers.map((r, i) => {
        const c: Container = { name: `c${i}`, image: 'registry.k8s.io/pause:3.10' };
        if (r !== undefined) c.resources = { requests: { ...r } };
        return c;
      }),
    },
  };
  if (podLevel !== undefined) p.spec!.resources = { requests: { ...podLevel } };
  return p;
}

function nodeInfo(allocatable: Resources, existing: readonly Pod[] = []): NodeInfo {
  return newNodeInfo({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, status: { allocatable: { ...allocatable } } }, existing);
}

function instance(rawArgs?: unknown): SchedulerPluginInstance {
  const args = nodeResourcesBalancedAllocationPlugin.decodeArgs!(rawArgs, 'args') as NodeResourcesBalancedAllocationArgs;
  return nodeResourcesBalancedAllocationPlugin.create(args, undefined as never);
}

/** PreScore, then Score on each node; `'Skip'` when PreScore skips. */
function runScore(p: SchedulerPluginInstance, incoming: Pod, nis: readonly NodeInfo[]): number[] | 'Skip' {
  const state = new CycleState();
  const pre = p.preScore!(state, incoming, nis) as Status | undefined;
  if (pre !== undefined) {
    assert.equal(pre.code, 'Skip');
    return 'Skip';
  }
  return nis.map((ni) => p.score!(state, incoming, ni) as number);
}

const NODE: Resources = { cpu: '1000m', memory: '100', pods: '10' };

describe('NodeResourcesBalancedAllocation', () => {
  it('exports the upstream name, a PreScore/Score plugin without events', () => {
    assert.equal(NAME, 'NodeResourcesBalancedAllocation');
    assert.equal(nodeResourcesBalancedAllocationPlugin.name, NAME);
    const p = instance();
    assert.equal(typeof p.preScore, 'function');
    assert.equal(typeof p.score, 'function');
    assert.equal(p.filter, undefined);
    assert.equal(p.normalizeScore, undefined);
    assert.equal(p.eventsToRegister, undefined);
  });

  it('decodes args: cpu and memory by default; weights other than 1 and duplicates are rejected', () => {
    assert.deepEqual(nodeResourcesBalancedAllocationPlugin.decodeArgs!(undefined, 'args'), {
      resources: [{ name: 'cpu', weight: 1 }, { name: 'memory', weight: 1 }],
    });
    assert.deepEqual(nodeResourcesBalancedAllocationPlugin.decodeArgs!({ resources: [{ name: 'example.com/gpu' }] }, 'args'), {
      resources: [{ name: 'example.com/gpu', weight: 1 }],
    });
    assert.throws(
      () => nodeResourcesBalancedAllocationPlugin.decodeArgs!({ resources: [{ name: 'cpu', weight: 2 }] }, 'args'),
      (err: unknown) => err instanceof ConfigError && /weight/.test(err.message),
    );
    assert.throws(
      () => nodeResourcesBalancedAllocationPlugin.decodeArgs!({ resources: [{ name: 'cpu' }, { name: 'cpu' }] }, 'args'),
      (err: unknown) => err instanceof ConfigError && /[Dd]uplicate/.test(err.message),
    );
  });

  describe('balancedResourceScorer (v1.30–v1.35 formula)', () => {
    it('two fractions: std = |f0 − f1| / 2, score int64((1 − std)·100)', () => {
      assert.equal(balancedResourceScorer([250, 75], [1000, 100]), 75);
      assert.equal(balancedResourceScorer([1, 2], [3, 3]), 83); // std 1/6 → 83.33 → 83
      assert.equal(balancedResourceScorer([1000, 0], [1000, 100]), 50);
      assert.equal(balancedResourceScorer([30, 30], [100, 100]), 100);
    });

    it('truncates the float64 result: 0.1 and 0.8 give 64, not 65', () => {
      // (0.1 − 0.8) / 2 is −0.35000000000000003 in float64, so (1 − std)·100 = 64.99999999999999.
      assert.equal(balancedResourceScorer([100, 80], [1000, 100]), 64);
    });

    it('caps each fraction at 1', () => {
      assert.equal(balancedResourceScorer([2000, 50], [1000, 100]), 75);
    });

    it('more than two fractions: population standard deviation', () => {
      // 0.2, 0.4, 0.6: mean 0.4, std sqrt(0.08/3) = 0.1633 → 83.67 → 83.
      assert.equal(balancedResourceScorer([2, 4, 6], [10, 10, 10]), 83);
      // 0.25, 0.75, 0.5: std sqrt(0.125/3) = 0.2041 → 79.59 → 79.
      assert.equal(balancedResourceScorer([1, 3, 2], [4, 4, 4]), 79);
    });

    it('leaves out resources with allocatable 0; one fraction or none scores 100', () => {
      assert.equal(balancedResourceScorer([250, 75, 5], [1000, 100, 0]), 75);
      assert.equal(balancedResourceScorer([250, 0], [1000, 0]), 100);
      assert.equal(balancedResourceScorer([0, 0], [0, 0]), 100);
    });
  });

  describe('PreScore', () => {
    it('skips a best-effort pod (no request for any configured resource)', () => {
      assert.equal(runScore(instance(), pod(), [nodeInfo(NODE)]), 'Skip');
      assert.equal(runScore(instance(), pod([{ cpu: '0', memory: '0' }]), [nodeInfo(NODE)]), 'Skip');
      // Requests only of resources that are not configured count as best effort too.
      assert.equal(runScore(instance(), pod([{ 'example.com/gpu': '1', 'ephemeral-storage': '1Gi' }]), [nodeInfo(NODE)]), 'Skip');
    });

    it('does not skip a pod requesting one configured resource', () => {
      // memory 50/100 = 0.5, cpu 0/1000 = 0: std 0.25 → 75.
      assert.deepEqual(runScore(instance(), pod([{ memory: '50' }]), [nodeInfo(NODE)]), [75]);
    });
  });

  describe('Score', () => {
    it('uses the actual requests of the pod and of the pods on the node (no 100m/200Mi defaults)', () => {
      const ni = nodeInfo(NODE, [pod(), pod([{ cpu: '200m', memory: '10' }])]);
      // cpu (200 + 100)/1000 = 0.3, memory (10 + 20)/100 = 0.3 → 100.
      assert.deepEqual(runScore(instance(), pod([{ cpu: '100m', memory: '20' }]), [ni]), [100]);
    });

    it('scores several nodes: balanced 100, unbalanced 75, full imbalance 50', () => {
      const incoming = pod([{ cpu: '250m', memory: '25' }]);
      const scores = runScore(instance(), incoming, [
        nodeInfo(NODE),
        nodeInfo(NODE, [pod([{ memory: '50' }])]),
        nodeInfo(NODE, [pod([{ cpu: '750m' }]), pod([{ memory: '0' }])]),
      ]);
      // n1: 0.25/0.25 → 100. n2: 0.25/0.75 → 75. n3: cpu 1.0, memory 0.25 → std 0.375 → 62.
      assert.deepEqual(scores, [100, 75, 62]);
      assert.deepEqual(runScore(instance(), pod([{ cpu: '1000m' }]), [nodeInfo(NODE)]), [50]);
    });

    it('pins float64 truncation end to end: 0.1 and 0.8 → 64', () => {
      assert.deepEqual(runScore(instance(), pod([{ cpu: '100m', memory: '80' }]), [nodeInfo(NODE)]), [64]);
    });

    it('caps a fraction above 1', () => {
      assert.deepEqual(runScore(instance(), pod([{ cpu: '2000m', memory: '50' }]), [nodeInfo(NODE)]), [75]);
    });

    it('skips a scalar resource the pod does not request', () => {
      const args = { resources: [{ name: 'cpu' }, { name: 'memory' }, { name: 'example.com/gpu' }] };
      const ni = nodeInfo({ ...NODE, 'example.com/gpu': '4' });
      // Without a gpu request: two fractions 0.25 and 0.75 → 75 (a 0 gpu fraction would give 79).
      assert.deepEqual(runScore(instance(args), pod([{ cpu: '250m', memory: '75' }]), [ni]), [75]);
      // With 2 of 4 gpus: 0.25, 0.75, 0.5 → 79.
      assert.deepEqual(runScore(instance(args), pod([{ cpu: '250m', memory: '75', 'example.com/gpu': '2' }]), [ni]), [79]);
    });

    it('three configured resources use the population standard deviation', () => {
      const args = { resources: [{ name: 'cpu' }, { name: 'memory' }, { name: 'ephemeral-storage' }] };
      const ni = nodeInfo({ ...NODE, 'ephemeral-storage': '10' });
      assert.deepEqual(runScore(instance(args), pod([{ cpu: '200m', memory: '40', 'ephemeral-storage': '6' }]), [ni]), [83]);
    });

    it('leaves out a resource the node does not have', () => {
      assert.deepEqual(runScore(instance(), pod([{ cpu: '250m', memory: '75' }]), [nodeInfo({ cpu: '1000m', pods: '10' })]), [100]);
    });

    it('counts pod-level requests (PodLevelResources is on in v1.35)', () => {
      // Pod-level cpu and memory replace the container aggregate: 0.5 and 0.5 → 100.
      assert.deepEqual(runScore(instance(), pod([{ cpu: '100m', memory: '10' }], { cpu: '500m', memory: '50' }), [nodeInfo(NODE)]), [100]);
    });

    it('recomputes the pod requests when PreScore did not run; a best-effort pod then scores 0', () => {
      const p = instance();
      assert.equal(p.score!(new CycleState(), pod([{ cpu: '250m', memory: '75' }]), nodeInfo(NODE)), 75);
      assert.equal(p.score!(new CycleState(), pod(), nodeInfo(NODE)), 0);
    });
  });
});

describe('NodeResourcesBalancedAllocation with NodeResourcesFit in the framework runtime', () => {
  function deepFreeze<T>(v: T): T {
    if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
      Object.freeze(v);
      for (const x of Object.values(v)) deepFreeze(x);
    }
    return v;
  }

  function framework(): Framework {
    const fit = nodeResourcesFitPlugin.create(nodeResourcesFitPlugin.decodeArgs!(undefined, 'args'), undefined as never);
    const balanced = instance();
    const byPoint = {} as Record<ExtensionPoint, EnabledPlugin[]>;
    for (const point of EXTENSION_POINTS) byPoint[point] = [];
    byPoint.preFilter.push({ name: 'NodeResourcesFit', instance: fit, weight: 1 });
    byPoint.filter.push({ name: 'NodeResourcesFit', instance: fit, weight: 1 });
    byPoint.preScore.push({ name: 'NodeResourcesFit', instance: fit, weight: 1 }, { name: NAME, instance: balanced, weight: 1 });
    byPoint.score.push({ name: 'NodeResourcesFit', instance: fit, weight: 1 }, { name: NAME, instance: balanced, weight: 1 });
    return new Framework('default-scheduler', byPoint);
  }

  it('scores frozen inputs; a best-effort pod is scored by NodeResourcesFit only', () => {
    const fw = framework();
    const nodes = [nodeInfo({ cpu: '1000m', memory: '1Gi', pods: '10' }), nodeInfo({ cpu: '1000m', memory: '1Gi', pods: '1' }, [pod()])];
    const incoming = deepFreeze(pod([{ cpu: '250m', memory: '256Mi' }]));
    const state = new CycleState();
    assert.equal(fw.runPreFilterPlugins(state, incoming, nodes).status.code, 'Success');
    assert.equal(fw.runFilterPlugins(state, incoming, nodes[0]!).code, 'Success');
    const rejected = fw.runFilterPlugins(state, incoming, nodes[1]!);
    assert.deepEqual([rejected.code, rejected.plugin, rejected.reasons], ['Unschedulable', 'NodeResourcesFit', ['Too many pods']]);
    assert.equal(fw.runPreScorePlugins(state, incoming, [nodes[0]!]).code, 'Success');
    const { status, scores } = fw.runScorePlugins(state, incoming, [nodes[0]!]);
    assert.equal(status.code, 'Success');
    // Fit: cpu 75, memory 75 → 75. Balanced: 0.25 and 0.25 → 100.
    assert.deepEqual([...scores[0]!.scores], [['NodeResourcesFit', 75], [NAME, 100]]);
    assert.equal(scores[0]!.totalScore, 175);
    assert.deepEqual(fw.pluginErrors, []);

    const bestEffort = deepFreeze(pod());
    const state2 = new CycleState();
    fw.runPreFilterPlugins(state2, bestEffort, nodes);
    assert.equal(fw.runPreScorePlugins(state2, bestEffort, [nodes[0]!]).code, 'Success');
    assert.equal(state2.skipScorePlugins.has(NAME), true);
    const second = fw.runScorePlugins(state2, bestEffort, [nodes[0]!]);
    // Fit with the defaults: cpu (1000 − 100)·100/1000 = 90, memory (1Gi − 200Mi) → 80; 85.
    assert.deepEqual([...second.scores[0]!.scores], [['NodeResourcesFit', 85]]);
    assert.deepEqual(fw.pluginErrors, []);
  });
});
