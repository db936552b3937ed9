import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import {
  ActionType,
  ConfigError,
  CycleState,
  newNodeInfo,
  type Container,
  type DeepReadonly,
  type KubeObject,
  type Node,
  type NodeInfo,
  type NodeResourcesFitArgs,
  type Pod,
  type SchedulerPluginInstance,
  type Status,
} from 'kubeprop';
import {
  NAME,
  computeFitRequest,
  fits,
  nodeResourcesFitPlugin,
  nodeResourcesFitQueueingHints,
} from './node-resources-fit.js';
import {
  buildBrokenLinearFunction,
  leastRequestedScore,
  mostRequestedScore,
  mulDiv100,
  roundHalfAwayFromZero,
} from './resource-allocation.js';

const FIXTURES = fileURLToPath(new URL('../../../../shared/fixtures/scheduler-config/', import.meta.url));

type Resources = Readonly<Record<string, string | number>>;

interface PodInput {
  readonly name?: string;
  readonly uid?: string;
  readonly nodeName?: string;
  readonly nominatedNodeName?: string;
  /** One entry per regular container; `undefined` means a container without requests. */
  readonly containers?: readonly (Resources | undefined)[];
  readonly initContainers?: readonly { readonly requests: Resources; readonly sidecar?: boolean }[];
  readonly overhead?: Resources;
}

let podCounter = 0;

function pod(input: PodInput = {}): Pod {
  const n = ++podCounter;
  const containers: Container[] = (input.containers ?? [undefined]).map((r, i) => {
    const c: Container = { name: `c${i}`, image: 'registry.k8s.io/pause:3.10' };
    if (r !== undefined) c.resources = { requests: { ...r } };
    return c;
  });
  const p: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: input.name ?? `p${n}`, namespace: 'default', uid: input.uid ?? `uid-${n}` },
    spec: { containers },
  };
  if (input.initContainers) {
    p.spec!.initContainers = input.initContainers.map((ic, i) => {
      const c: Container = { name: `init${i}`, image: 'registry.k8s.io/pause:3.10', resources: { requests: { ...ic.requests } } };
      if (ic.sidecar) c.restartPolicy = 'Always';
      return c;
    });
  }
  if (input.nodeName !== undefined) p.spec!.nodeName = input.nodeName;
  if (input.overhead !== undefined) p.spec!.overhead = { ...input.overhead };
  if (input.nominatedNodeName !== undefined) p.status = { nominatedNodeName: input.nominatedNodeName };
  return p;
}

function node(name: string, allocatable: Resources): Node {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name }, status: { allocatable: { ...allocatable }, capacity: { ...allocatable } } };
}

/** A NodeInfo holding `existing` pods (as if bound to it). */
function nodeInfo(allocatable: Resources, existing: readonly Pod[] = []): NodeInfo {
  return newNodeInfo(node('n1', allocatable), existing);
}

function instance(rawArgs?: unknown): SchedulerPluginInstance {
  const args = nodeResourcesFitPlugin.decodeArgs!(rawArgs, 'args') as NodeResourcesFitArgs;
  return nodeResourcesFitPlugin.create(args, undefined as never);
}

/** PreFilter then Filter; the status as `{ code, reasons }` (`Success` for undefined). */
function runFilter(p: SchedulerPluginInstance, incoming: Pod, ni: NodeInfo): { code: string; reasons: readonly string[] } {
  const state = new CycleState();
  const pre = p.preFilter!(state, incoming, [ni]);
  assert.equal(pre, undefined, 'PreFilter succeeds');
  const st = p.filter!(state, incoming, ni) as Status | undefined;
  return st === undefined ? { code: 'Success', reasons: [] } : { code: st.code, reasons: [...st.reasons] };
}

/** PreScore then Score on each node. */
function runScore(p: SchedulerPluginInstance, incoming: Pod, nis: readonly NodeInfo[]): number[] {
  const state = new CycleState();
  assert.equal(p.preScore!(state, incoming, nis), undefined, 'PreScore succeeds');
  return nis.map((ni) => p.score!(state, incoming, ni) as number);
}

// The node of the Filter table (upstream fit_test's makeResources(10, 20, 32, 5, 20, 5) in spirit):
// 10 millicores, 20 bytes of memory, 32 pods, 20 bytes of ephemeral storage, 5 of each scalar.
const NODE: Resources = {
  cpu: '10m',
  memory: '20',
  pods: '32',
  'ephemeral-storage': '20',
  'example.com/aaa': '5',
  'kubernetes.io/bbb': '5',
  'hugepages-2Mi': '5',
};

describe('NodeResourcesFit', () => {
  it('exports the upstream name and the default args', () => {
    assert.equal(NAME, 'NodeResourcesFit');
    assert.equal(nodeResourcesFitPlugin.name, 'NodeResourcesFit');
    assert.deepEqual(nodeResourcesFitPlugin.decodeArgs!(undefined, 'args'), {
      ignoredResources: [],
      ignoredResourceGroups: [],
      scoringStrategy: { type: 'LeastAllocated', resources: [{ name: 'cpu', weight: 1 }, { name: 'memory', weight: 1 }] },
    });
  });

  it('rejects invalid args through the args decoder', () => {
    assert.throws(
      () => nodeResourcesFitPlugin.decodeArgs!({ scoringStrategy: { type: 'MostAllocated', resources: [{ name: 'cpu', weight: 101 }] } }, 'args'),
      (err: unknown) => err instanceof ConfigError && /weight/.test(err.message),
    );
    assert.throws(
      () => nodeResourcesFitPlugin.decodeArgs!({ scoringStrategy: { type: 'RequestedToCapacityRatio' } }, 'args'),
      (err: unknown) => err instanceof ConfigError && /requestedToCapacityRatio/.test(err.message),
    );
  });

  describe('Filter', () => {
    const used = (r: Resources): Pod => pod({ containers: [r] });
    interface Row {
      readonly name: string;
      readonly incoming: PodInput;
      readonly existing?: readonly Pod[];
      readonly allocatable?: Resources;
      readonly args?: unknown;
      readonly code: string;
      readonly reasons?: readonly string[];
    }
    const rows: readonly Row[] = [
      {
        name: 'a pod requesting nothing fits a full node',
        incoming: {},
        existing: [used({ cpu: '10m', memory: '20' })],
        code: 'Success',
      },
      {
        name: 'too many resources: every insufficiency is reported, Unschedulable while the empty node would fit',
        incoming: { containers: [{ cpu: '1m', memory: '1' }] },
        existing: [used({ cpu: '10m', memory: '20' })],
        code: 'Unschedulable',
        reasons: ['Insufficient cpu', 'Insufficient memory'],
      },
      {
        name: 'exactly filling the node fits',
        incoming: { containers: [{ cpu: '5m', memory: '10' }] },
        existing: [used({ cpu: '5m', memory: '10' })],
        code: 'Success',
      },
      {
        name: 'a request larger than the allocatable is UnschedulableAndUnresolvable (v1.34+), even on an empty node',
        incoming: { containers: [{ cpu: '11m' }] },
        code: 'UnschedulableAndUnresolvable',
        reasons: ['Insufficient cpu'],
      },
      {
        name: 'one unresolvable insufficiency makes the whole status unresolvable',
        incoming: { containers: [{ cpu: '3m', memory: '21' }] },
        existing: [used({ cpu: '8m' })],
        code: 'UnschedulableAndUnresolvable',
        reasons: ['Insufficient cpu', 'Insufficient memory'],
      },
      {
        name: 'a request equal to the allocatable but above the free amount stays Unschedulable',
        incoming: { containers: [{ memory: '20' }] },
        existing: [used({ memory: '1' })],
        code: 'Unschedulable',
        reasons: ['Insufficient memory'],
      },
      {
        name: 'an overcommitted dimension is not checked when the pod requests 0 of it',
        incoming: { containers: [{ memory: '1' }] },
        existing: [used({ cpu: '12m' })],
        code: 'Success',
      },
      {
        name: 'init containers: the largest init request counts (max of sum and init)',
        incoming: { containers: [{ cpu: '1m' }], initContainers: [{ requests: { cpu: '3m' } }] },
        existing: [used({ cpu: '8m' })],
        code: 'Unschedulable',
        reasons: ['Insufficient cpu'],
      },
      {
        name: 'sidecars add to the containers (SidecarContainers is GA: no PreFilter rejection)',
        incoming: { containers: [{ cpu: '1m' }], initContainers: [{ requests: { cpu: '2m' }, sidecar: true }] },
        existing: [used({ cpu: '7m' })],
        code: 'Success',
      },
      {
        name: 'sidecars add to the containers: one millicore too many',
        incoming: { containers: [{ cpu: '2m' }], initContainers: [{ requests: { cpu: '2m' }, sidecar: true }] },
        existing: [used({ cpu: '7m' })],
        code: 'Unschedulable',
        reasons: ['Insufficient cpu'],
      },
      {
        name: 'pod overhead is added to the requests',
        incoming: { containers: [{ cpu: '1m' }], overhead: { cpu: '2m' } },
        existing: [used({ cpu: '8m' })],
        code: 'Unschedulable',
        reasons: ['Insufficient cpu'],
      },
      {
        name: 'ephemeral storage',
        incoming: { containers: [{ 'ephemeral-storage': '10' }] },
        existing: [used({ 'ephemeral-storage': '11' })],
        code: 'Unschedulable',
        reasons: ['Insufficient ephemeral-storage'],
      },
      {
        name: 'reasons in upstream order: pods, cpu, memory, ephemeral-storage, scalar resources',
        incoming: { containers: [{ 'example.com/aaa': '6', 'ephemeral-storage': '21', memory: '21', cpu: '11m' }] },
        allocatable: { ...NODE, pods: '1' },
        existing: [used({})],
        code: 'UnschedulableAndUnresolvable',
        reasons: ['Too many pods', 'Insufficient cpu', 'Insufficient memory', 'Insufficient ephemeral-storage', 'Insufficient example.com/aaa'],
      },
      {
        name: 'too many pods is checked even for a pod requesting nothing',
        incoming: {},
        allocatable: { ...NODE, pods: '1' },
        existing: [used({})],
        code: 'Unschedulable',
        reasons: ['Too many pods'],
      },
      {
        name: 'too many pods never makes the status unresolvable (even with allocatable pods 0)',
        incoming: { containers: [{ cpu: '1m' }] },
        allocatable: { ...NODE, pods: '0' },
        code: 'Unschedulable',
        reasons: ['Too many pods'],
      },
      {
        name: 'a node without a pods allocatable accepts no pod',
        incoming: {},
        allocatable: { cpu: '10m', memory: '20' },
        code: 'Unschedulable',
        reasons: ['Too many pods'],
      },
      {
        name: 'extended resource: not enough free',
        incoming: { containers: [{ 'example.com/aaa': '3' }] },
        existing: [used({ 'example.com/aaa': '3' })],
        code: 'Unschedulable',
        reasons: ['Insufficient example.com/aaa'],
      },
      {
        name: 'extended resource: more than the node has',
        incoming: { containers: [{ 'example.com/aaa': '6' }] },
        code: 'UnschedulableAndUnresolvable',
        reasons: ['Insufficient example.com/aaa'],
      },
      {
        name: 'extended resource the node does not have: allocatable 0, unresolvable',
        incoming: { containers: [{ 'example.com/unknown': '1' }] },
        code: 'UnschedulableAndUnresolvable',
        reasons: ['Insufficient example.com/unknown'],
      },
      {
        name: 'a zero request of an unknown scalar resource is skipped',
        incoming: { containers: [{ 'example.com/unknown': '0', cpu: '1m' }] },
        code: 'Success',
      },
      {
        name: 'ignoredResources skips an extended resource',
        incoming: { containers: [{ 'example.com/aaa': '10' }] },
        args: { ignoredResources: ['example.com/aaa'] },
        code: 'Success',
      },
      {
        name: 'ignoredResourceGroups skips every extended resource of the group',
        incoming: { containers: [{ 'example.com/aaa': '10', 'example.com/unknown': '1', 'other.io/x': '1' }] },
        args: { ignoredResourceGroups: ['example.com'] },
        code: 'UnschedulableAndUnresolvable',
        reasons: ['Insufficient other.io/x'],
      },
      {
        name: 'hugepages cannot be ignored',
        incoming: { containers: [{ 'hugepages-2Mi': '6' }] },
        args: { ignoredResources: ['hugepages-2Mi'] },
        code: 'UnschedulableAndUnresolvable',
        reasons: ['Insufficient hugepages-2Mi'],
      },
      {
        name: 'kubernetes.io/ resources cannot be ignored, by name or by group',
        incoming: { containers: [{ 'kubernetes.io/bbb': '2' }] },
        existing: [used({ 'kubernetes.io/bbb': '4' })],
        args: { ignoredResources: ['kubernetes.io/bbb'], ignoredResourceGroups: ['kubernetes.io'] },
        code: 'Unschedulable',
        reasons: ['Insufficient kubernetes.io/bbb'],
      },
      {
        name: 'ignored resources do not affect cpu and memory',
        incoming: { containers: [{ 'example.com/aaa': '10', cpu: '11m' }] },
        args: { ignoredResources: ['example.com/aaa'] },
        code: 'UnschedulableAndUnresolvable',
        reasons: ['Insufficient cpu'],
      },
    ];
    for (const row of rows) {
      it(row.name, () => {
        const got = runFilter(instance(row.args), pod(row.incoming), nodeInfo(row.allocatable ?? NODE, row.existing ?? []));
        assert.deepEqual(got, { code: row.code, reasons: row.reasons ?? [] });
      });
    }

    it('compares integer vectors: cpu in millicores rounded up, memory in whole bytes rounded up', () => {
      // 0.5m is 1 millicore; 1.5 bytes of memory is 2 bytes.
      assert.deepEqual(runFilter(instance(), pod({ containers: [{ cpu: '0.5m' }] }), nodeInfo({ cpu: '1m', memory: '1', pods: '1' })), {
        code: 'Success',
        reasons: [],
      });
      assert.deepEqual(runFilter(instance(), pod({ containers: [{ memory: '1500m' }] }), nodeInfo({ cpu: '1m', memory: '1', pods: '1' })), {
        code: 'UnschedulableAndUnresolvable',
        reasons: ['Insufficient memory'],
      });
    });

    it('reuses one status object for the same rejection on many nodes', () => {
      const p = instance();
      const incoming = pod({ containers: [{ cpu: '3m' }] });
      const a = nodeInfo(NODE, [used({ cpu: '8m' })]);
      const b = nodeInfo(NODE, [used({ cpu: '9m' })]);
      const state = new CycleState();
      p.preFilter!(state, incoming, [a, b]);
      const sa = p.filter!(state, incoming, a);
      const sb = p.filter!(state, incoming, b);
      assert.ok(sa && sb);
      assert.equal(sa, sb);
      assert.equal(Object.isFrozen(sa), true);
    });

    it('handles pods with more scalar resources than the fast path encodes', () => {
      const many: Record<string, string> = {};
      for (let i = 0; i < 30; i++) many[`example.com/r${i}`] = '1';
      const alloc: Record<string, string> = { cpu: '1', memory: '1Gi', pods: '10' };
      for (let i = 0; i < 30; i++) if (i !== 28) alloc[`example.com/r${i}`] = '1';
      assert.deepEqual(runFilter(instance(), pod({ containers: [many] }), nodeInfo(alloc)), {
        code: 'UnschedulableAndUnresolvable',
        reasons: ['Insufficient example.com/r28'],
      });
    });

    it('returns Error when PreFilter did not run', () => {
      const st = instance().filter!(new CycleState(), pod(), nodeInfo(NODE)) as Status;
      assert.equal(st.code, 'Error');
      assert.deepEqual(st.reasons, ['error reading "PreFilterNodeResourcesFit" from cycleState: not found']);
    });

    it('does not read in-place resize status for the incoming pod (upstream computePodResourceRequest)', () => {
      const incoming = pod({ containers: [{ cpu: '1m' }] });
      incoming.status = { containerStatuses: [{ name: 'c0', image: 'x', imageID: '', ready: false, restartCount: 0, resources: { requests: { cpu: '9m' } } }] };
      assert.deepEqual(computeFitRequest(incoming).milliCPU, 1);
    });

    it('fits() lists the insufficiencies with their amounts (upstream Fits)', () => {
      const ni = nodeInfo(NODE, [used({ cpu: '8m', memory: '4' })]);
      assert.deepEqual(fits(pod({ containers: [{ cpu: '3m', memory: '30', 'example.com/aaa': '1' }] }), ni), [
        { resourceName: 'cpu', reason: 'Insufficient cpu', requested: 3, used: 8, capacity: 10, unresolvable: false },
        { resourceName: 'memory', reason: 'Insufficient memory', requested: 30, used: 4, capacity: 20, unresolvable: true },
      ]);
      assert.deepEqual(fits(pod(), nodeInfo(NODE)), []);
    });
  });

  describe('Score: formulas', () => {
    it('leastRequestedScore: (capacity − requested)·100 / capacity, integer division; 0 over capacity', () => {
      assert.equal(leastRequestedScore(1000, 3000), 66);
      assert.equal(leastRequestedScore(2, 3), 33);
      assert.equal(leastRequestedScore(3000, 3000), 0);
      assert.equal(leastRequestedScore(3001, 3000), 0);
      assert.equal(leastRequestedScore(0, 0), 0);
    });

    it('mostRequestedScore: min(requested, capacity)·100 / capacity, integer division', () => {
      assert.equal(mostRequestedScore(1000, 3000), 33);
      assert.equal(mostRequestedScore(2, 3), 66);
      assert.equal(mostRequestedScore(5000, 3000), 100);
      assert.equal(mostRequestedScore(1, 0), 0);
    });

    it('stays exact for amounts whose ·100 exceeds 2^53', () => {
      const cap = 2 ** 52; // 4 PiB
      assert.equal(mulDiv100(cap - 1, cap), 99);
      assert.equal(leastRequestedScore(1, cap), 99);
      assert.equal(mostRequestedScore(cap - 1, cap), 99);
      assert.equal(mulDiv100(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER), 100);
    });

    it('BuildBrokenLinearFunction: clamps outside the points and interpolates with truncating division', () => {
      const rising = buildBrokenLinearFunction([{ utilization: 0, score: 0 }, { utilization: 30, score: 100 }]);
      assert.equal(rising(10), 33); // 100·10/30 = 33.3 → 33
      assert.equal(rising(30), 100);
      assert.equal(rising(80), 100);
      const falling = buildBrokenLinearFunction([{ utilization: 0, score: 100 }, { utilization: 30, score: 0 }]);
      assert.equal(falling(10), 67); // 100 + trunc(−33.3) = 67 (floor would give 66)
      const offset = buildBrokenLinearFunction([{ utilization: 20, score: 50 }, { utilization: 80, score: 100 }]);
      assert.equal(offset(10), 50);
      assert.equal(offset(20), 50);
      assert.equal(offset(50), 75);
      assert.equal(offset(90), 100);
      const three = buildBrokenLinearFunction([
        { utilization: 0, score: 0 },
        { utilization: 50, score: 100 },
        { utilization: 100, score: 0 },
      ]);
      assert.equal(three(25), 50);
      assert.equal(three(50), 100);
      assert.equal(three(75), 50);
      assert.equal(three(99), 2); // 100 + trunc(−100·49/50) = 100 − 98
    });

    it('math.Round rounds half away from zero', () => {
      assert.equal(roundHalfAwayFromZero(50.5), 51);
      assert.equal(roundHalfAwayFromZero(50.49), 50);
      assert.equal(roundHalfAwayFromZero(-2.5), -3);
    });
  });

  describe('Score: LeastAllocated (default)', () => {
    it('differently sized nodes: cpu 25 and memory 50 → 37; 50 and 50 → 50', () => {
      const incoming = pod({ containers: [{ cpu: '3000m', memory: '5000' }] });
      const scores = runScore(instance(), incoming, [
        nodeInfo({ cpu: '4000m', memory: '10000', pods: '10' }),
        nodeInfo({ cpu: '6000m', memory: '10000', pods: '10' }),
      ]);
      assert.deepEqual(scores, [37, 50]);
    });

    it('truncates each resource score and the weighted mean: (66 + 33) / 2 = 49', () => {
      const incoming = pod({ containers: [{ cpu: '1000m', memory: '2' }] });
      assert.deepEqual(runScore(instance(), incoming, [nodeInfo({ cpu: '3000m', memory: '3', pods: '10' })]), [49]);
    });

    it('weights: (66·1 + 33·3) / 4 = 41', () => {
      const args = { scoringStrategy: { type: 'LeastAllocated', resources: [{ name: 'cpu', weight: 1 }, { name: 'memory', weight: 3 }] } };
      const incoming = pod({ containers: [{ cpu: '1000m', memory: '2' }] });
      assert.deepEqual(runScore(instance(args), incoming, [nodeInfo({ cpu: '3000m', memory: '3', pods: '10' })]), [41]);
    });

    it('uses the non-zero defaults (100m, 200Mi) for the pod and for the pods on the node', () => {
      const ni = nodeInfo({ cpu: '1000m', memory: '1Gi', pods: '10' }, [pod()]);
      // cpu: 1000 − 200 → 80; memory: 1Gi − 400Mi → 60.9 → 60; (80 + 60) / 2 = 70.
      assert.deepEqual(runScore(instance(), pod(), [ni]), [70]);
      // An explicit 0 stays 0: cpu 1000 − 100 → 90; memory 1Gi − 200Mi → 80.4 → 80; 85.
      assert.deepEqual(runScore(instance(), pod({ containers: [{ cpu: '0', memory: '0' }] }), [ni]), [85]);
    });

    it('applies the defaults per container, init containers included', () => {
      // Two containers without requests: 2 × 100m = 200m, 2 × 200Mi = 400Mi; an init container
      // without requests (100m, 200Mi) is below that. cpu: (1000 − 200)·100/1000 = 80; memory 60.
      const incoming = pod({ containers: [undefined, undefined], initContainers: [{ requests: {} }] });
      assert.deepEqual(runScore(instance(), incoming, [nodeInfo({ cpu: '1000m', memory: '1Gi', pods: '10' })]), [70]);
    });

    it('a requested amount above the allocatable scores 0 for that resource', () => {
      const incoming = pod({ containers: [{ cpu: '5000m', memory: '5000' }] });
      assert.deepEqual(runScore(instance(), incoming, [nodeInfo({ cpu: '4000m', memory: '10000', pods: '10' })]), [25]);
    });

    it('skips a scalar resource the pod does not request, and resources the node lacks', () => {
      const args = {
        scoringStrategy: {
          type: 'LeastAllocated',
          resources: [
            { name: 'cpu', weight: 1 },
            { name: 'memory', weight: 1 },
            { name: 'example.com/gpu', weight: 3 },
          ],
        },
      };
      const ni = nodeInfo({ cpu: '4000m', memory: '10000', pods: '10', 'example.com/gpu': '4' });
      // Without a gpu request: the gpu is left out, (25 + 50) / 2 = 37.
      assert.deepEqual(runScore(instance(args), pod({ containers: [{ cpu: '3000m', memory: '5000' }] }), [ni]), [37]);
      // With one gpu: gpu (4 − 1)·100/4 = 75, (25 + 50 + 75·3) / 5 = 60.
      assert.deepEqual(runScore(instance(args), pod({ containers: [{ cpu: '3000m', memory: '5000', 'example.com/gpu': '1' }] }), [ni]), [60]);
      // A node without the gpu leaves it out even when requested.
      const noGpu = nodeInfo({ cpu: '4000m', memory: '10000', pods: '10' });
      assert.deepEqual(runScore(instance(args), pod({ containers: [{ cpu: '3000m', memory: '5000', 'example.com/gpu': '1' }] }), [noGpu]), [37]);
    });

    it('a node with nothing allocatable scores 0', () => {
      assert.deepEqual(runScore(instance(), pod(), [nodeInfo({ pods: '10' })]), [0]);
    });

    it('ephemeral-storage is scored on the actual requests of the node', () => {
      const args = { scoringStrategy: { type: 'LeastAllocated', resources: [{ name: 'ephemeral-storage', weight: 1 }] } };
      const ni = nodeInfo({ 'ephemeral-storage': '100', pods: '10' }, [pod({ containers: [{ 'ephemeral-storage': '30' }] }), pod()]);
      assert.deepEqual(runScore(instance(args), pod({ containers: [{ 'ephemeral-storage': '3' }] }), [ni]), [67]);
    });

    it('recomputes the pod requests when PreScore did not run', () => {
      const p = instance();
      const incoming = pod({ containers: [{ cpu: '3000m', memory: '5000' }] });
      assert.equal(p.score!(new CycleState(), incoming, nodeInfo({ cpu: '4000m', memory: '10000', pods: '10' })), 37);
    });

    it('PreScore never skips (every pod requests cpu and memory through the defaults)', () => {
      const state = new CycleState();
      assert.equal(instance().preScore!(state, pod(), []), undefined);
    });
  });

  describe('Score: MostAllocated', () => {
    const most = { scoringStrategy: { type: 'MostAllocated' } };
    it('used share: (2000·100/4000 + 4000·100/10000) / 2 = 45', () => {
      const ni = nodeInfo({ cpu: '4000m', memory: '10000', pods: '10' }, [pod({ containers: [{ cpu: '1000m', memory: '2000' }] })]);
      assert.deepEqual(runScore(instance(most), pod({ containers: [{ cpu: '1000m', memory: '2000' }] }), [ni]), [45]);
    });

    it('truncates: (33 + 66) / 2 = 49', () => {
      assert.deepEqual(runScore(instance(most), pod({ containers: [{ cpu: '1000m', memory: '2' }] }), [nodeInfo({ cpu: '3000m', memory: '3', pods: '10' })]), [49]);
    });

    it('caps a request above the allocatable (the 200Mi default on a tiny node) at 100', () => {
      // cpu: 100·100/4000 = 2; memory: 200Mi > 10000 → 100; (2 + 100) / 2 = 51.
      assert.deepEqual(runScore(instance(most), pod(), [nodeInfo({ cpu: '4000m', memory: '10000', pods: '10' })]), [51]);
    });
  });

  describe('Score: RequestedToCapacityRatio', () => {
    const ratio = (shape: readonly [number, number][], resources = [{ name: 'cpu', weight: 1 }, { name: 'memory', weight: 1 }]): unknown => ({
      scoringStrategy: {
        type: 'RequestedToCapacityRatio',
        resources,
        requestedToCapacityRatio: { shape: shape.map(([utilization, score]) => ({ utilization, score })) },
      },
    });

    it('rounds the weighted mean with math.Round: (50 + 51) / 2 = 50.5 → 51', () => {
      const incoming = pod({ containers: [{ cpu: '500m', memory: '51' }] });
      const ni = nodeInfo({ cpu: '1000m', memory: '100', pods: '10' });
      assert.deepEqual(runScore(instance(ratio([[0, 0], [100, 10]])), incoming, [ni]), [51]);
      // The same node under LeastAllocated truncates instead: (50 + 49) / 2 = 49.
      assert.deepEqual(runScore(instance(), incoming, [ni]), [49]);
    });

    it('scales the shape scores by 10 and interpolates with integer division', () => {
      // Utilization 10 on the falling segment (0,10)→(30,0): 100 + trunc(−100·10/30) = 67.
      const incoming = pod({ containers: [{ cpu: '100m' }] });
      const ni = nodeInfo({ cpu: '1000m', memory: '1Gi', pods: '10' });
      assert.deepEqual(runScore(instance(ratio([[0, 10], [30, 0], [100, 0]], [{ name: 'cpu', weight: 1 }])), incoming, [ni]), [67]);
      // Rising segment (0,0)→(30,10) at 10: trunc(100·10/30) = 33.
      assert.deepEqual(runScore(instance(ratio([[0, 0], [30, 10]], [{ name: 'cpu', weight: 1 }])), incoming, [ni]), [33]);
    });

    it('truncates the utilization before the shape: 1·100/3 = 33', () => {
      const incoming = pod({ containers: [{ cpu: '1000m' }] });
      const ni = nodeInfo({ cpu: '3000m', memory: '1Gi', pods: '10' });
      assert.deepEqual(runScore(instance(ratio([[0, 0], [100, 10]], [{ name: 'cpu', weight: 1 }])), incoming, [ni]), [33]);
    });

    it('leaves resources scoring 0 out of the mean', () => {
      // cpu: utilization 40 → 40; memory: 200Mi of 1Ti → utilization 0 → score 0, left out: 40, not 10.
      const incoming = pod({ containers: [{ cpu: '400m' }] });
      const ni = nodeInfo({ cpu: '1000m', memory: '1Ti', pods: '10' });
      assert.deepEqual(
        runScore(instance(ratio([[0, 0], [100, 10]], [{ name: 'cpu', weight: 1 }, { name: 'memory', weight: 3 }])), incoming, [ni]),
        [40],
      );
    });

    it('scores f(100) when the request exceeds the allocatable', () => {
      const incoming = pod({ containers: [{ cpu: '2000m' }] });
      const ni = nodeInfo({ cpu: '1000m', memory: '1Gi', pods: '10' });
      assert.deepEqual(runScore(instance(ratio([[0, 0], [100, 10]], [{ name: 'cpu', weight: 1 }])), incoming, [ni]), [100]);
      assert.deepEqual(runScore(instance(ratio([[0, 10], [100, 0]], [{ name: 'cpu', weight: 1 }])), incoming, [ni]), [0]);
    });

    it('a shape starting at score 10 favours the least requested node (least-requested shape)', () => {
      const incoming = pod({ containers: [{ cpu: '250m', memory: '1Gi' }] });
      const scores = runScore(instance(ratio([[0, 10], [100, 0]])), incoming, [
        nodeInfo({ cpu: '1000m', memory: '4Gi', pods: '10' }),
        nodeInfo({ cpu: '2000m', memory: '8Gi', pods: '10' }),
      ]);
      // Node 1: cpu 25 → 75, memory 25 → 75: 75. Node 2: cpu 12 → 88, memory 12 → 88: 88.
      assert.deepEqual(scores, [75, 88]);
    });
  });

  describe('website bin-packing configurations', () => {
    function fixtureArgs(file: string): unknown {
      const doc = parse(readFileSync(FIXTURES + file, 'utf8')) as { profiles: { pluginConfig: { name: string; args: unknown }[] }[] };
      const entry = doc.profiles[0]?.pluginConfig.find((c) => c.name === NAME);
      assert.ok(entry, `${file} configures ${NAME}`);
      return entry.args;
    }

    before(function () {
      if (!existsSync(FIXTURES)) this.skip();
    });

    it('MostAllocated with intel.com/foo and intel.com/bar (weight 3)', () => {
      const raw = fixtureArgs('website-binpacking-mostallocated.yaml');
      const args = nodeResourcesFitPlugin.decodeArgs!(raw, 'profiles[0].pluginConfig[0].args') as NodeResourcesFitArgs;
      assert.deepEqual(args.scoringStrategy, {
        type: 'MostAllocated',
        resources: [
          { name: 'cpu', weight: 1 },
          { name: 'memory', weight: 1 },
          { name: 'intel.com/foo', weight: 3 },
          { name: 'intel.com/bar', weight: 3 },
        ],
      });
      const p = nodeResourcesFitPlugin.create(args, undefined as never);
      const incoming = pod({ containers: [{ cpu: '2', memory: '256Mi', 'intel.com/foo': '2' }] });
      const busy = nodeInfo({ cpu: '8', memory: '1Gi', pods: '110', 'intel.com/foo': '4', 'intel.com/bar': '4' }, [
        pod({ containers: [{ cpu: '1', memory: '256Mi', 'intel.com/foo': '1' }] }),
      ]);
      const idle = nodeInfo({ cpu: '8', memory: '1Gi', pods: '110', 'intel.com/foo': '4', 'intel.com/bar': '4' });
      // busy: cpu 3000·100/8000 = 37, memory 512Mi/1Gi = 50, foo 3·100/4 = 75; bar is not requested
      // and left out: (37 + 50 + 75·3) / 5 = 312/5 = 62.
      // idle: cpu 25, memory 25, foo 50: (25 + 25 + 150) / 5 = 40.
      assert.deepEqual(runScore(p, incoming, [busy, idle]), [62, 40]);
    });

    it('RequestedToCapacityRatio over intel.com/foo and intel.com/bar, shape 0→0, 100→10', () => {
      const raw = fixtureArgs('website-binpacking-requestedtocapacityratio.yaml');
      const args = nodeResourcesFitPlugin.decodeArgs!(raw, 'profiles[0].pluginConfig[0].args') as NodeResourcesFitArgs;
      assert.deepEqual(args.scoringStrategy, {
        type: 'RequestedToCapacityRatio',
        resources: [
          { name: 'intel.com/foo', weight: 3 },
          { name: 'intel.com/bar', weight: 3 },
        ],
        requestedToCapacityRatio: { shape: [{ utilization: 0, score: 0 }, { utilization: 100, score: 10 }] },
      });
      const p = nodeResourcesFitPlugin.create(args, undefined as never);
      const alloc = { cpu: '8', memory: '1Gi', pods: '110', 'intel.com/foo': '4', 'intel.com/bar': '8' };
      const busy = nodeInfo(alloc, [pod({ containers: [{ 'intel.com/foo': '1', 'intel.com/bar': '3' }] })]);
      const idle = nodeInfo(alloc);
      // foo only: busy 3·100/4 = 75, idle 2·100/4 = 50; bar and cpu/memory do not count.
      assert.deepEqual(runScore(p, pod({ containers: [{ cpu: '2', 'intel.com/foo': '2' }] }), [busy, idle]), [75, 50]);
      // foo and bar: busy (75·3 + 5·100/8=62·3) / 6 = 68.5 → 69; idle (50·3 + 25·3) / 6 = 37.5 → 38.
      assert.deepEqual(runScore(p, pod({ containers: [{ 'intel.com/foo': '2', 'intel.com/bar': '2' }] }), [busy, idle]), [69, 38]);
      // A pod requesting neither: every resource is left out, score 0.
      assert.deepEqual(runScore(p, pod({ containers: [{ cpu: '1' }] }), [busy, idle]), [0, 0]);
    });
  });

  describe('eventsToRegister and queueing hints', () => {
    const { isSchedulableAfterPodEvent: podHint, isSchedulableAfterNodeChange: nodeHint } = nodeResourcesFitQueueingHints;
    const asObj = (o: Pod | Node): DeepReadonly<KubeObject> => o as unknown as DeepReadonly<KubeObject>;

    it('registers pod Delete|UpdatePodScaleDown and node Add|UpdateNodeAllocatable, with hints', () => {
      const events = instance().eventsToRegister!();
      assert.deepEqual(
        events.map((e) => ({ ...e.event, hint: typeof e.queueingHintFn })),
        [
          { resource: 'Pod', actionType: ActionType.Delete | ActionType.UpdatePodScaleDown, hint: 'function' },
          { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeAllocatable, hint: 'function' },
        ],
      );
      assert.equal(events[0]?.queueingHintFn, podHint);
      assert.equal(events[1]?.queueingHintFn, nodeHint);
    });

    const target = pod({ uid: 'target', containers: [{ cpu: '2', memory: '1Gi' }] });

    it('pod deleted: Queue if it was bound or nominated, else QueueSkip', () => {
      assert.equal(podHint(target, asObj(pod({ nodeName: 'n1' })), undefined), 'Queue');
      assert.equal(podHint(target, asObj(pod({ nominatedNodeName: 'n1' })), undefined), 'Queue');
      assert.equal(podHint(target, asObj(pod()), undefined), 'QueueSkip');
    });

    it('pod scaled down: Queue for the pod itself or a bound pod freeing a resource the pod requests', () => {
      const before = pod({ uid: 'other', nodeName: 'n1', containers: [{ cpu: '2', memory: '1Gi', 'example.com/gpu': '2' }] });
      const cpuDown = { ...before, spec: { ...before.spec!, containers: [{ name: 'c0', image: 'x', resources: { requests: { cpu: '1', memory: '1Gi', 'example.com/gpu': '2' } } }] } } as Pod;
      const memDown = { ...before, spec: { ...before.spec!, containers: [{ name: 'c0', image: 'x', resources: { requests: { cpu: '2', memory: '512Mi', 'example.com/gpu': '2' } } }] } } as Pod;
      const gpuDown = { ...before, spec: { ...before.spec!, containers: [{ name: 'c0', image: 'x', resources: { requests: { cpu: '2', memory: '1Gi', 'example.com/gpu': '1' } } }] } } as Pod;
      assert.equal(podHint(target, asObj(target), asObj(target)), 'Queue');
      assert.equal(podHint(target, asObj(before), asObj(cpuDown)), 'Queue');
      assert.equal(podHint(target, asObj(before), asObj(memDown)), 'Queue');
      const cpuOnly = pod({ uid: 'cpu-only', containers: [{ cpu: '2' }] });
      assert.equal(podHint(cpuOnly, asObj(before), asObj(memDown)), 'QueueSkip');
      assert.equal(podHint(target, asObj(before), asObj(gpuDown)), 'QueueSkip');
      const gpuPod = pod({ uid: 'gpu', containers: [{ 'example.com/gpu': '1' }] });
      assert.equal(podHint(gpuPod, asObj(before), asObj(gpuDown)), 'Queue');
      const unbound = { ...cpuDown, spec: { ...cpuDown.spec!, nodeName: '' } } as Pod;
      assert.equal(podHint(target, asObj(before), asObj(unbound)), 'QueueSkip');
    });

    it('node added: Queue only if the pod fits the empty node', () => {
      assert.equal(nodeHint(target, undefined, asObj(node('big', { cpu: '4', memory: '4Gi', pods: '10' }))), 'Queue');
      assert.equal(nodeHint(target, undefined, asObj(node('small', { cpu: '1', memory: '4Gi', pods: '10' }))), 'QueueSkip');
      assert.equal(nodeHint(target, undefined, asObj(node('nopods', { cpu: '4', memory: '4Gi' }))), 'QueueSkip');
      assert.equal(nodeHint(target, undefined, undefined), 'QueueSkip');
    });

    it('node allocatable changed: Queue only if it fits and a requested resource or the pod count grew', () => {
      const before = node('n', { cpu: '2', memory: '4Gi', pods: '10' });
      assert.equal(nodeHint(target, asObj(before), asObj(node('n', { cpu: '3', memory: '4Gi', pods: '10' }))), 'Queue');
      assert.equal(nodeHint(target, asObj(before), asObj(node('n', { cpu: '2', memory: '4Gi', pods: '11' }))), 'Queue');
      assert.equal(nodeHint(target, asObj(before), asObj(node('n', { cpu: '2', memory: '4Gi', pods: '10', 'example.com/gpu': '1' }))), 'QueueSkip');
      assert.equal(nodeHint(target, asObj(before), asObj(node('n', { cpu: '2', memory: '8Gi', pods: '10' }))), 'Queue');
      const cpuOnly = pod({ containers: [{ cpu: '2' }] });
      assert.equal(nodeHint(cpuOnly, asObj(before), asObj(node('n', { cpu: '2', memory: '8Gi', pods: '10' }))), 'QueueSkip');
      assert.equal(nodeHint(target, asObj(before), asObj(node('n', { cpu: '1', memory: '8Gi', pods: '10' }))), 'QueueSkip');
    });
  });
});
