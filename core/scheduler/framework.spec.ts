import assert from 'node:assert/strict';
import type { DeepReadonly, Node, Pod } from '../api/types.js';
import { PluginError } from '../errors.js';
import { ActionType } from './cluster-event.js';
import { CycleState, StateKey } from './cycle-state.js';
import { Framework, type EnabledPlugin, type PluginsByPoint } from './framework.js';
import { MutableNodeInfo, newNodeInfo, newPodInfo, type NodeInfo, type PodInfo } from './node-info.js';
import {
  defineSchedulerPlugin,
  EXTENSION_POINTS,
  implementedExtensionPoints,
  MAX_PERMIT_TIMEOUT_MS,
  type ExtensionPoint,
  type NodeScore,
  type QueuedPodInfo,
  type SchedulerPluginDefinition,
  type SchedulerPluginInstance,
} from './plugin.js';
import { Status } from './status.js';
import { createTestHandle } from './testing.js';

// ---- builders ----

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    for (const x of Object.values(v as object)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

function pod(name: string, o: { cpuMilli?: number; priority?: number; node?: string } = {}): DeepReadonly<Pod> {
  const p: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}` },
    spec: {
      containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: `${o.cpuMilli ?? 0}m` } } }],
      ...(o.priority !== undefined ? { priority: o.priority } : {}),
      ...(o.node !== undefined ? { nodeName: o.node } : {}),
    },
  };
  return deepFreeze(p) as DeepReadonly<Pod>;
}

function node(name: string, cpuMilli = 1000): DeepReadonly<Node> {
  return deepFreeze({ apiVersion: 'v1', kind: 'Node', metadata: { name }, status: { allocatable: { cpu: `${cpuMilli}m`, pods: '110' } } }) as DeepReadonly<Node>;
}

type Entry = SchedulerPluginDefinition<unknown> | readonly [SchedulerPluginDefinition<unknown>, number];

/**
 * A framework with the given plugins per extension point. A plugin named at several points is one
 * instance, as upstream's MultiPoint expansion makes it.
 */
function frameworkOf(points: Partial<Record<ExtensionPoint, readonly Entry[]>>): Framework {
  const handle = createTestHandle();
  const instances = new Map<string, SchedulerPluginInstance>();
  const byPoint = {} as Record<ExtensionPoint, EnabledPlugin[]>;
  for (const point of EXTENSION_POINTS) {
    byPoint[point] = (points[point] ?? []).map((e) => {
      const [def, weight] = Array.isArray(e) ? (e as readonly [SchedulerPluginDefinition<unknown>, number]) : [e as SchedulerPluginDefinition<unknown>, 1];
      let instance = instances.get(def.name);
      if (!instance) instances.set(def.name, (instance = def.create(undefined, handle)));
      return { name: def.name, instance, weight };
    });
  }
  return new Framework('test', byPoint as PluginsByPoint);
}

/** The PluginError recorded for `status`. */
function pluginErrorOf(status: Status): PluginError {
  assert.equal(status.code, 'Error');
  assert.ok(status.error instanceof PluginError, `expected a PluginError, got ${String(status.error)}`);
  return status.error;
}

const POD = pod('p', { cpuMilli: 500, priority: 10 });
const NODES = [newNodeInfo(node('n1')), newNodeInfo(node('n2')), newNodeInfo(node('n3'))];

// ---- plugin.ts ----

describe('defineSchedulerPlugin and implementedExtensionPoints', () => {
  it('a stateless definition yields one frozen instance; a factory definition is kept as is', () => {
    const d = defineSchedulerPlugin({ name: 'A', filter: () => undefined, score: () => 1 });
    const h = createTestHandle();
    const i1 = d.create(undefined, h);
    assert.equal(i1, d.create(undefined, h));
    assert.ok(Object.isFrozen(i1) && Object.isFrozen(d));
    assert.deepEqual(implementedExtensionPoints(i1), ['filter', 'score']);
    const created: unknown[] = [];
    const f = defineSchedulerPlugin<{ n: number }>({ name: 'B', create: (args) => (created.push(args), { permit: () => undefined }) });
    assert.deepEqual(implementedExtensionPoints(f.create({ n: 1 }, h)), ['permit']);
    assert.deepEqual(created, [{ n: 1 }]);
  });

  it('an empty name is rejected', () => {
    assert.throws(() => defineSchedulerPlugin({ name: '', filter: () => undefined }), /non-empty name/);
  });

  it('maps every method to its extension point (unreserve alone means reserve, preBindPreFlight alone means preBind)', () => {
    const all: SchedulerPluginInstance = {
      preEnqueue: () => undefined,
      less: () => false,
      preFilter: () => undefined,
      filter: () => undefined,
      postFilter: () => undefined,
      preScore: () => undefined,
      score: () => 0,
      reserve: () => undefined,
      permit: () => undefined,
      preBind: () => undefined,
      bind: () => undefined,
      postBind: () => undefined,
    };
    assert.deepEqual(implementedExtensionPoints(all), [...EXTENSION_POINTS]);
    assert.deepEqual(implementedExtensionPoints({ unreserve: () => undefined }), ['reserve']);
    assert.deepEqual(implementedExtensionPoints({ preBindPreFlight: () => undefined }), ['preBind']);
    assert.deepEqual(implementedExtensionPoints({ normalizeScore: () => undefined }), []);
  });
});

// ---- PreEnqueue, QueueSort, EnqueueExtensions ----

describe('Framework: queue-side extension points', () => {
  it('PreEnqueue: the first non-Success gates the pod and names the plugin', () => {
    const calls: string[] = [];
    const a = defineSchedulerPlugin({ name: 'A', preEnqueue: () => (calls.push('A'), undefined) });
    const b = defineSchedulerPlugin({ name: 'B', preEnqueue: () => (calls.push('B'), Status.unschedulableAndUnresolvable('gated')) });
    const c = defineSchedulerPlugin({ name: 'C', preEnqueue: () => (calls.push('C'), undefined) });
    const s = frameworkOf({ preEnqueue: [a, b, c] }).runPreEnqueuePlugins(POD);
    assert.deepEqual([s.code, s.reasons, s.plugin], ['UnschedulableAndUnresolvable', ['gated'], 'B']);
    assert.deepEqual(calls, ['A', 'B']);
    assert.equal(frameworkOf({ preEnqueue: [a, c] }).runPreEnqueuePlugins(POD).code, 'Success');
  });

  it('PreEnqueue: Skip and Wait are not allowed there', () => {
    const fw = frameworkOf({ preEnqueue: [defineSchedulerPlugin({ name: 'W', preEnqueue: () => Status.wait() })] });
    const e = pluginErrorOf(fw.runPreEnqueuePlugins(POD));
    assert.equal(e.message, 'plugin W (PreEnqueue): returned status code Wait, which is not allowed at PreEnqueue');
  });

  it('QueueSort: the plugin decides; a throwing or non-boolean comparator counts as "not less" and is reported', () => {
    const qp = (name: string, priority: number): QueuedPodInfo =>
      ({ pod: pod(name, { priority }), podInfo: newPodInfo(pod(name, { priority })), timestampMs: 0, attempts: 0, unschedulablePlugins: new Set(), pendingPlugins: new Set(), gated: false }) as QueuedPodInfo;
    const sort = defineSchedulerPlugin({ name: 'Sort', less: (a, b) => (a.pod.spec?.priority ?? 0) > (b.pod.spec?.priority ?? 0) });
    const fw = frameworkOf({ queueSort: [sort] });
    assert.equal(fw.queueSortLess(qp('a', 2), qp('b', 1)), true);
    assert.equal(fw.queueSortLess(qp('a', 1), qp('b', 2)), false);
    const bad = frameworkOf({ queueSort: [defineSchedulerPlugin({ name: 'Bad', less: () => { throw new Error('nope'); } })] });
    assert.equal(bad.queueSortLess(qp('a', 2), qp('b', 1)), false);
    assert.equal(bad.pluginErrors[0]?.message, 'plugin Bad (QueueSort): nope');
    const odd = frameworkOf({ queueSort: [defineSchedulerPlugin({ name: 'Odd', less: () => 1 as unknown as boolean })] });
    assert.equal(odd.queueSortLess(qp('a', 2), qp('b', 1)), false);
    assert.equal(odd.pluginErrors[0]?.message, 'plugin Odd (QueueSort): returned 1 where a boolean was expected');
    assert.equal(frameworkOf({}).queueSortLess(qp('a', 2), qp('b', 1)), false);
  });

  it('eventsToRegister: once per plugin over the rejecting points, garbage reported', () => {
    const ev = [{ event: { resource: 'Node' as const, actionType: ActionType.Add } }];
    const a = defineSchedulerPlugin({ name: 'A', preFilter: () => undefined, filter: () => undefined, eventsToRegister: () => ev });
    const b = defineSchedulerPlugin({ name: 'B', filter: () => undefined });
    const c = defineSchedulerPlugin({ name: 'C', reserve: () => undefined, eventsToRegister: () => 'x' as never });
    const fw = frameworkOf({ preFilter: [a], filter: [a, b], reserve: [c] });
    const m = fw.eventsToRegister();
    assert.deepEqual([...m.keys()], ['A']);
    assert.equal(m.get('A'), ev);
    assert.deepEqual(fw.pluginErrors.map((e) => e.message), ['plugin C (EnqueueExtensions): returned "x" where an array was expected']);
  });
});

// ---- PreFilter ----

describe('Framework.runPreFilterPlugins', () => {
  const recorder = (name: string, calls: string[], ret: () => unknown = () => undefined): SchedulerPluginDefinition<unknown> =>
    defineSchedulerPlugin({ name, preFilter: () => (calls.push(name), ret() as never) });

  it('Skip ⇒ that plugin is recorded in skipFilterPlugins and its Filter does not run this cycle', () => {
    const filterCalls: string[] = [];
    const skipper = defineSchedulerPlugin({
      name: 'Skipper',
      preFilter: () => Status.skip(),
      filter: () => (filterCalls.push('Skipper'), Status.unschedulable('would reject')),
    });
    const other = defineSchedulerPlugin({ name: 'Other', filter: () => (filterCalls.push('Other'), undefined) });
    const fw = frameworkOf({ preFilter: [skipper], filter: [skipper, other] });
    const state = new CycleState();
    const out = fw.runPreFilterPlugins(state, POD, NODES);
    assert.equal(out.status.code, 'Success');
    assert.deepEqual([...state.skipFilterPlugins], ['Skipper']);
    assert.equal(fw.runFilterPlugins(state, POD, NODES[0]!).code, 'Success');
    assert.deepEqual(filterCalls, ['Other']);
    // A fresh cycle without the skip runs it again.
    assert.equal(fw.runFilterPlugins(new CycleState(), POD, NODES[0]!).reasons[0], 'would reject');
  });

  it('UnschedulableAndUnresolvable stops at once', () => {
    const calls: string[] = [];
    const fw = frameworkOf({
      preFilter: [recorder('A', calls, () => Status.unschedulable('a')), recorder('B', calls, () => Status.unschedulableAndUnresolvable('b')), recorder('C', calls)],
    });
    const out = fw.runPreFilterPlugins(new CycleState(), POD, NODES);
    assert.deepEqual(calls, ['A', 'B']);
    assert.deepEqual([out.status.code, out.status.reasons, out.status.plugin], ['UnschedulableAndUnresolvable', ['b'], 'B']);
    assert.equal(out.nodeNames, undefined);
    assert.deepEqual([...out.unschedulablePlugins].sort(), ['A', 'B']);
  });

  it('Unschedulable keeps running the rest; the status returned is the last rejection (upstream returnStatus)', () => {
    const calls: string[] = [];
    const fw = frameworkOf({
      preFilter: [recorder('A', calls, () => Status.unschedulable('a')), recorder('B', calls), recorder('C', calls, () => Status.unschedulable('c')), recorder('D', calls)],
    });
    const out = fw.runPreFilterPlugins(new CycleState(), POD, NODES);
    assert.deepEqual(calls, ['A', 'B', 'C', 'D']);
    assert.deepEqual([out.status.code, out.status.reasons, out.status.plugin], ['Unschedulable', ['c'], 'C']);
    assert.deepEqual([...out.unschedulablePlugins].sort(), ['A', 'C']);
  });

  it('node sets are intersected; the restricting plugins are reported sorted by name', () => {
    const fw = frameworkOf({
      preFilter: [
        defineSchedulerPlugin({ name: 'Zeta', preFilter: () => ({ nodeNames: new Set(['n1', 'n2', 'n3']) }) }),
        defineSchedulerPlugin({ name: 'Plain', preFilter: () => undefined }),
        defineSchedulerPlugin({ name: 'Alpha', preFilter: () => ({ nodeNames: new Set(['n4', 'n3', 'n2']) }) }),
      ],
    });
    const out = fw.runPreFilterPlugins(new CycleState(), POD, NODES);
    assert.equal(out.status.code, 'Success');
    assert.deepEqual([...(out.nodeNames ?? [])].sort(), ['n2', 'n3']);
    assert.deepEqual(out.restrictingPlugins, ['Alpha', 'Zeta']);
    assert.deepEqual([...out.unschedulablePlugins], []);
  });

  it('no plugin restricting ⇒ nodeNames undefined (all nodes)', () => {
    const out = frameworkOf({ preFilter: [defineSchedulerPlugin({ name: 'A', preFilter: () => undefined })] }).runPreFilterPlugins(new CycleState(), POD, NODES);
    assert.deepEqual([out.status.code, out.nodeNames, out.restrictingPlugins], ['Success', undefined, []]);
  });

  const emptyCases: readonly { name: string; sets: readonly (readonly [string, readonly string[]])[]; message: string; plugin: string | undefined }[] = [
    { name: 'one plugin returning an empty set', sets: [['Only', []]], message: "node(s) didn't satisfy plugin Only", plugin: 'Only' },
    {
      name: 'two disjoint sets',
      sets: [['Zeta', ['n1']], ['Alpha', ['n2']]],
      message: "node(s) didn't satisfy plugin(s) [Alpha Zeta] simultaneously",
      plugin: undefined,
    },
    {
      name: 'three plugins, the third empties the intersection',
      sets: [['B', ['n1', 'n2']], ['C', ['n2']], ['A', ['n1']]],
      message: "node(s) didn't satisfy plugin(s) [A B C] simultaneously",
      plugin: undefined,
    },
  ];
  for (const c of emptyCases) {
    it(`an empty intersection is UnschedulableAndUnresolvable: ${c.name}`, () => {
      const fw = frameworkOf({ preFilter: c.sets.map(([n, s]) => defineSchedulerPlugin({ name: n, preFilter: () => ({ nodeNames: new Set(s) }) })) });
      const out = fw.runPreFilterPlugins(new CycleState(), POD, NODES);
      assert.deepEqual([out.status.code, out.status.reasons, out.status.plugin], ['UnschedulableAndUnresolvable', [c.message], c.plugin]);
      assert.equal(out.nodeNames?.size, 0);
      assert.deepEqual([...out.unschedulablePlugins].sort(), c.sets.map(([n]) => n).sort());
    });
  }

  it('an empty intersection returns at once: later plugins do not run and are not named', () => {
    const calls: string[] = [];
    const fw = frameworkOf({
      preFilter: [
        defineSchedulerPlugin({ name: 'A', preFilter: () => (calls.push('A'), { nodeNames: new Set(['n1']) }) }),
        defineSchedulerPlugin({ name: 'B', preFilter: () => (calls.push('B'), { nodeNames: new Set(['n2']) }) }),
        defineSchedulerPlugin({ name: 'C', preFilter: () => (calls.push('C'), { nodeNames: new Set(['n3']) }) }),
      ],
    });
    const out = fw.runPreFilterPlugins(new CycleState(), POD, NODES);
    assert.deepEqual(calls, ['A', 'B']);
    assert.deepEqual(out.status.reasons, ["node(s) didn't satisfy plugin(s) [A B] simultaneously"]);
    assert.deepEqual(out.restrictingPlugins, ['A', 'B']);
  });

  it('an empty intersection wins over an earlier Unschedulable (it returns from inside the loop)', () => {
    const fw = frameworkOf({
      preFilter: [
        defineSchedulerPlugin({ name: 'U', preFilter: () => Status.unschedulable('u') }),
        defineSchedulerPlugin({ name: 'R', preFilter: () => ({ nodeNames: new Set<string>() }) }),
      ],
    });
    const out = fw.runPreFilterPlugins(new CycleState(), POD, NODES);
    assert.deepEqual([out.status.code, out.status.reasons, out.status.plugin], ['UnschedulableAndUnresolvable', ["node(s) didn't satisfy plugin R"], 'R']);
  });

  it('Error stops and is wrapped as upstream; Wait is not allowed; garbage and throws are PluginErrors', () => {
    const calls: string[] = [];
    const err = frameworkOf({ preFilter: [recorder('E', calls, () => Status.error('boom')), recorder('After', calls)] }).runPreFilterPlugins(new CycleState(), POD, NODES);
    assert.deepEqual([err.status.code, err.status.reasons, err.status.plugin], ['Error', ['running PreFilter plugin "E": boom'], 'E']);
    assert.deepEqual(calls, ['E']);
    assert.equal(err.status.error instanceof PluginError, false);

    const wait = frameworkOf({ preFilter: [recorder('W', calls, () => Status.wait())] }).runPreFilterPlugins(new CycleState(), POD, NODES);
    assert.equal(pluginErrorOf(wait.status).message, 'plugin W (PreFilter): returned status code Wait, which is not allowed at PreFilter');

    const garbage = frameworkOf({ preFilter: [recorder('G', calls, () => ({}))] }).runPreFilterPlugins(new CycleState(), POD, NODES);
    const ge = pluginErrorOf(garbage.status);
    assert.deepEqual([ge.plugin, ge.extensionPoint, ge.message], ['G', 'PreFilter', 'plugin G (PreFilter): returned {}: expected a Status or { nodeNames: Set }']);
    assert.equal(garbage.status.plugin, 'G');

    const arr = frameworkOf({ preFilter: [recorder('L', calls, () => ({ nodeNames: ['n1'] }))] }).runPreFilterPlugins(new CycleState(), POD, NODES);
    assert.equal(pluginErrorOf(arr.status).message, 'plugin L (PreFilter): returned {"nodeNames":["n1"]}: expected a Status or { nodeNames: Set }');

    const thrown = frameworkOf({ preFilter: [recorder('T', calls, () => { throw new RangeError('out of range'); })] }).runPreFilterPlugins(new CycleState(), POD, NODES);
    const te = pluginErrorOf(thrown.status);
    assert.equal(te.message, 'plugin T (PreFilter): out of range');
    assert.ok(te.cause instanceof RangeError);
  });
});

// ---- Filter ----

describe('Framework.runFilterPlugins', () => {
  it('runs in order and stops at the first failure, naming the plugin', () => {
    const calls: string[] = [];
    const mk = (name: string, ret: () => Status | undefined) => defineSchedulerPlugin({ name, filter: () => (calls.push(name), ret()) });
    const fw = frameworkOf({ filter: [mk('A', () => Status.success()), mk('B', () => Status.unschedulable('b1', 'b2')), mk('C', () => undefined)] });
    const s = fw.runFilterPlugins(new CycleState(), POD, NODES[0]!);
    assert.deepEqual([s.code, s.reasons, s.plugin], ['Unschedulable', ['b1', 'b2'], 'B']);
    assert.deepEqual(calls, ['A', 'B']);
  });

  it('every plugin passing (undefined, null or Success) is Success', () => {
    const fw = frameworkOf({
      filter: [
        defineSchedulerPlugin({ name: 'U', filter: () => undefined }),
        defineSchedulerPlugin({ name: 'N', filter: () => null }),
        defineSchedulerPlugin({ name: 'S', filter: () => Status.success() }),
      ],
    });
    assert.equal(fw.runFilterPlugins(new CycleState(), POD, NODES[0]!).code, 'Success');
    assert.equal(frameworkOf({}).runFilterPlugins(new CycleState(), POD, NODES[0]!).code, 'Success');
  });

  const conversions: readonly { code: Status; want: readonly [string, readonly string[]] }[] = [
    { code: Status.unschedulableAndUnresolvable('uu'), want: ['UnschedulableAndUnresolvable', ['uu']] },
    { code: Status.pending('waiting for a driver'), want: ['Pending', ['waiting for a driver']] },
    { code: Status.wait('w'), want: ['Error', ['running "X" filter plugin: w']] },
    { code: Status.skip(), want: ['Error', ['running "X" filter plugin: ']] },
    { code: Status.error('boom'), want: ['Error', ['running "X" filter plugin: boom']] },
  ];
  for (const c of conversions) {
    it(`a Filter returning ${c.code.code} gives ${c.want[0]} (rejections are kept, other codes become Error)`, () => {
      const s = frameworkOf({ filter: [defineSchedulerPlugin({ name: 'X', filter: () => c.code })] }).runFilterPlugins(new CycleState(), POD, NODES[0]!);
      assert.deepEqual([s.code, s.reasons, s.plugin], [...c.want, 'X']);
      assert.equal(s.error instanceof PluginError, false);
    });
  }

  it('garbage, a throw, a mutated NodeInfo and a write to the frozen pod are PluginErrors naming plugin and point', () => {
    const cases: readonly { name: string; fn: (p: DeepReadonly<Pod>, ni: NodeInfo) => unknown; message: RegExp }[] = [
      { name: 'Garbage', fn: () => ({}), message: /^plugin Garbage \(Filter\): returned \{\} where a Status was expected$/ },
      { name: 'Number', fn: () => 3, message: /^plugin Number \(Filter\): returned 3 where a Status was expected$/ },
      { name: 'Thrower', fn: () => { throw new Error('kaput'); }, message: /^plugin Thrower \(Filter\): kaput$/ },
      { name: 'StringThrower', fn: () => { throw 'just a string'; }, message: /^plugin StringThrower \(Filter\): threw "just a string"$/ },
      {
        name: 'Bumper',
        fn: (_p, ni) => (ni as MutableNodeInfo).addPod(newPodInfo(pod('sneaky'))),
        message: /^plugin Bumper \(Filter\): mutated its inputs: NodeInfo n1 changed during the call$/,
      },
      {
        name: 'Writer',
        fn: (p) => {
          (p.metadata as { name: string }).name = 'renamed';
        },
        message: /^plugin Writer \(Filter\): mutated its inputs: Cannot assign to read only property 'name'/,
      },
    ];
    for (const c of cases) {
      const fw = frameworkOf({ filter: [defineSchedulerPlugin({ name: c.name, filter: (_s, p, ni) => c.fn(p, ni) as never })] });
      const ni = newNodeInfo(node('n1'));
      const s = fw.runFilterPlugins(new CycleState(), POD, ni);
      const e = pluginErrorOf(s);
      assert.match(e.message, c.message, c.name);
      assert.deepEqual([e.plugin, e.extensionPoint, s.plugin], [c.name, 'Filter', c.name]);
      assert.deepEqual(fw.pluginErrors, [e]);
    }
  });

  it('the skip list follows changes of skipFilterPlugins within a cycle', () => {
    const calls: string[] = [];
    const a = defineSchedulerPlugin({ name: 'A', filter: () => (calls.push('A'), undefined) });
    const b = defineSchedulerPlugin({ name: 'B', filter: () => (calls.push('B'), undefined) });
    const fw = frameworkOf({ filter: [a, b] });
    const state = new CycleState();
    state.skipFilterPlugins.add('A');
    fw.runFilterPlugins(state, POD, NODES[0]!);
    state.skipFilterPlugins.delete('A');
    state.skipFilterPlugins.add('B');
    fw.runFilterPlugins(state, POD, NODES[0]!);
    assert.deepEqual(calls, ['B', 'A']);
  });
});

// ---- Filter with nominated pods ----

describe('Framework.runFilterPluginsWithNominatedPods', () => {
  /** Fits when the node's cpu has room for the pod. */
  const cpuFit = defineSchedulerPlugin({
    name: 'CpuFit',
    filter: (_s, p, ni) => {
      const req = newPodInfo(p).requests.milliCPU;
      return ni.requested.milliCPU + req > ni.allocatable.milliCPU ? Status.unschedulable('Insufficient cpu') : undefined;
    },
  });
  /** Passes only when the node already has a pod (an affinity-like filter). */
  const needsCompany = defineSchedulerPlugin({
    name: 'NeedsCompany',
    filter: (_s, _p, ni) => (ni.pods.length === 0 ? Status.unschedulable('no company') : undefined),
  });

  const nominated = (name: string, cpuMilli: number, priority: number): PodInfo => newPodInfo(pod(name, { cpuMilli, priority }));

  const cases: readonly { name: string; podPriority: number; nominated: readonly PodInfo[]; want: string }[] = [
    { name: 'no nominated pods', podPriority: 10, nominated: [], want: 'Success' },
    { name: 'a nominated pod of equal priority takes its room', podPriority: 10, nominated: [nominated('nom', 600, 10)], want: 'Unschedulable' },
    { name: 'a nominated pod of higher priority takes its room', podPriority: 5, nominated: [nominated('nom', 600, 10)], want: 'Unschedulable' },
    { name: 'a nominated pod of lower priority is ignored', podPriority: 20, nominated: [nominated('nom', 600, 10)], want: 'Success' },
    { name: 'the pod itself (same uid) is ignored', podPriority: 10, nominated: [newPodInfo(pod('me', { cpuMilli: 900, priority: 10 }))], want: 'Success' },
    { name: 'two small nominated pods add up', podPriority: 10, nominated: [nominated('a', 300, 10), nominated('b', 300, 11)], want: 'Unschedulable' },
  ];
  for (const c of cases) {
    it(`resource accounting: ${c.name} ⇒ ${c.want}`, () => {
      const fw = frameworkOf({ filter: [cpuFit] });
      const me = pod('me', { cpuMilli: 500, priority: c.podPriority });
      const ni = newNodeInfo(node('n1', 1000));
      const gen = ni.generation;
      const s = fw.runFilterPluginsWithNominatedPods(new CycleState(), me, ni, c.nominated);
      assert.equal(s.code, c.want);
      // The node the scheduler owns is never changed: the nominated pods go into a clone.
      assert.deepEqual([ni.generation, ni.pods.length], [gen, 0]);
    });
  }

  it('both passes must succeed: a filter that passes only with the nominated pods fails on the second pass', () => {
    const fw = frameworkOf({ filter: [needsCompany] });
    const s = fw.runFilterPluginsWithNominatedPods(new CycleState(), POD, newNodeInfo(node('n1')), [nominated('friend', 0, 100)]);
    assert.deepEqual([s.code, s.reasons, s.plugin], ['Unschedulable', ['no company'], 'NeedsCompany']);
    const withPod = newNodeInfo(node('n1'), [pod('resident', { node: 'n1' })]);
    assert.equal(fw.runFilterPluginsWithNominatedPods(new CycleState(), POD, withPod, [nominated('friend', 0, 100)]).code, 'Success');
  });

  it('AddPod extensions update a cloned state; the caller’s state is untouched; skipped plugins are not asked', () => {
    const key = new StateKey<{ count: number; clone(): { count: number; clone(): unknown } }>('count');
    const mkCount = (count: number): { count: number; clone(): never } => ({ count, clone: () => mkCount(count) as never });
    const seen: string[] = [];
    const counting = defineSchedulerPlugin({
      name: 'Counting',
      preFilter: (state) => (state.write(key, mkCount(0)), undefined),
      preFilterExtensions: {
        addPod: (state, _p, added) => {
          seen.push(`Counting+${added.pod.metadata?.name ?? ''}`);
          const v = state.read(key)!;
          v.count++;
          return undefined;
        },
        removePod: () => undefined,
      },
      filter: (state) => (seen.push(`filter:${state.read(key)!.count}`), undefined),
    });
    const skipped = defineSchedulerPlugin({
      name: 'Skipped',
      preFilter: () => Status.skip(),
      preFilterExtensions: { addPod: () => (seen.push('Skipped+'), undefined), removePod: () => undefined },
    });
    const fw = frameworkOf({ preFilter: [counting, skipped], filter: [counting] });
    const state = new CycleState();
    fw.runPreFilterPlugins(state, POD, NODES);
    const s = fw.runFilterPluginsWithNominatedPods(state, POD, newNodeInfo(node('n1')), [nominated('x', 0, 50), nominated('y', 0, 50)]);
    assert.equal(s.code, 'Success');
    assert.deepEqual(seen, ['Counting+x', 'Counting+y', 'filter:2', 'filter:0']);
    assert.equal(state.read(key)!.count, 0);
  });

  it('an AddPod failure is an Error that stops the evaluation', () => {
    const calls: string[] = [];
    const failing = defineSchedulerPlugin({
      name: 'Failing',
      preFilter: () => undefined,
      preFilterExtensions: { addPod: () => Status.unschedulable('cannot add'), removePod: () => Status.unschedulable('cannot remove') },
      filter: () => (calls.push('filter'), undefined),
    });
    const fw = frameworkOf({ preFilter: [failing], filter: [failing] });
    const s = fw.runFilterPluginsWithNominatedPods(new CycleState(), POD, newNodeInfo(node('n1')), [nominated('x', 0, 50)]);
    assert.deepEqual([s.code, s.reasons, s.plugin], ['Error', ['running AddPod on PreFilter plugin "Failing": cannot add'], 'Failing']);
    assert.deepEqual(calls, []);
    const r = fw.runPreFilterExtensionRemovePod(new CycleState(), POD, nominated('x', 0, 50), newNodeInfo(node('n1')));
    assert.deepEqual([r.code, r.reasons, r.plugin], ['Error', ['running RemovePod on PreFilter plugin "Failing": cannot remove'], 'Failing']);
  });

  it('RemovePod extensions run in PreFilter order and skip plugins whose PreFilter skipped', () => {
    const seen: string[] = [];
    const ext = (name: string) => ({ addPod: () => undefined, removePod: () => (seen.push(name), undefined) });
    const a = defineSchedulerPlugin({ name: 'A', preFilter: () => undefined, preFilterExtensions: ext('A') });
    const b = defineSchedulerPlugin({ name: 'B', preFilter: () => Status.skip(), preFilterExtensions: ext('B') });
    const c = defineSchedulerPlugin({ name: 'C', preFilter: () => undefined, preFilterExtensions: ext('C') });
    const fw = frameworkOf({ preFilter: [a, b, c] });
    const state = new CycleState();
    fw.runPreFilterPlugins(state, POD, NODES);
    assert.equal(fw.runPreFilterExtensionRemovePod(state, POD, nominated('v', 0, 0), newNodeInfo(node('n1'))).code, 'Success');
    assert.deepEqual(seen, ['A', 'C']);
  });
});

// ---- PostFilter ----

describe('Framework.runPostFilterPlugins', () => {
  const statuses = new Map([['n1', Status.unschedulable('x')]]);

  it('the first Success wins and carries its nomination; later plugins do not run', () => {
    const calls: string[] = [];
    const fw = frameworkOf({
      postFilter: [
        defineSchedulerPlugin({ name: 'A', postFilter: () => (calls.push('A'), Status.unschedulable('a')) }),
        defineSchedulerPlugin({ name: 'B', postFilter: () => (calls.push('B'), { status: Status.success(), nominatedNodeName: 'n2', nominatingMode: 'Override' as const }) }),
        defineSchedulerPlugin({ name: 'C', postFilter: () => (calls.push('C'), Status.success()) }),
      ],
    });
    const r = fw.runPostFilterPlugins(new CycleState(), POD, statuses);
    assert.deepEqual(calls, ['A', 'B']);
    assert.deepEqual([r.status.code, r.nominatedNodeName, r.nominatingMode], ['Success', 'n2', 'Override']);
  });

  it('a plugin returning undefined is a Success without nomination', () => {
    const r = frameworkOf({ postFilter: [defineSchedulerPlugin({ name: 'A', postFilter: () => undefined })] }).runPostFilterPlugins(new CycleState(), POD, statuses);
    assert.deepEqual(r, { status: Status.success() });
  });

  it('rejections are collected; the status is Unschedulable with every reason, attributed to the first rejector', () => {
    const fw = frameworkOf({
      postFilter: [
        defineSchedulerPlugin({ name: 'A', postFilter: () => Status.unschedulable('a1', 'a2') }),
        defineSchedulerPlugin({ name: 'B', postFilter: () => Status.unschedulable('b') }),
      ],
    });
    const r = fw.runPostFilterPlugins(new CycleState(), POD, statuses);
    assert.deepEqual([r.status.code, r.status.reasons, r.status.plugin], ['Unschedulable', ['a1', 'a2', 'b'], 'A']);
  });

  it('UnschedulableAndUnresolvable stops at once, attributed to its plugin', () => {
    const calls: string[] = [];
    const fw = frameworkOf({
      postFilter: [
        defineSchedulerPlugin({ name: 'A', postFilter: () => (calls.push('A'), Status.unschedulableAndUnresolvable('hopeless')) }),
        defineSchedulerPlugin({ name: 'B', postFilter: () => (calls.push('B'), Status.success()) }),
      ],
    });
    const r = fw.runPostFilterPlugins(new CycleState(), POD, statuses);
    assert.deepEqual(calls, ['A']);
    assert.deepEqual([r.status.code, r.status.reasons, r.status.plugin], ['UnschedulableAndUnresolvable', ['hopeless'], 'A']);
  });

  it('an Unschedulable result that clears the nomination (mode Override) is returned with the final status', () => {
    // DefaultPreemption's "no candidate" answer: the pod's stale nominatedNodeName must be cleared.
    const fw = frameworkOf({
      postFilter: [
        defineSchedulerPlugin({ name: 'Preempt', postFilter: () => ({ status: Status.unschedulable('preemption: not helpful'), nominatedNodeName: '', nominatingMode: 'Override' as const }) }),
        defineSchedulerPlugin({ name: 'Noop', postFilter: () => ({ status: Status.unschedulable('noop'), nominatingMode: 'Noop' as const }) }),
      ],
    });
    const r = fw.runPostFilterPlugins(new CycleState(), POD, statuses);
    assert.deepEqual([r.status.code, r.status.reasons, r.status.plugin], ['Unschedulable', ['preemption: not helpful', 'noop'], 'Preempt']);
    assert.deepEqual([r.nominatedNodeName, r.nominatingMode], ['', 'Override']);
  });

  it('Error stops and names the plugin; an unexpected code or garbage is a PluginError', () => {
    const calls: string[] = [];
    const err = frameworkOf({
      postFilter: [
        defineSchedulerPlugin({ name: 'E', postFilter: () => (calls.push('E'), Status.error('api down')) }),
        defineSchedulerPlugin({ name: 'F', postFilter: () => (calls.push('F'), Status.success()) }),
      ],
    }).runPostFilterPlugins(new CycleState(), POD, statuses);
    assert.deepEqual([err.status.code, err.status.reasons, err.status.plugin, calls], ['Error', ['api down'], 'E', ['E']]);
    const wait = frameworkOf({ postFilter: [defineSchedulerPlugin({ name: 'W', postFilter: () => Status.wait() })] }).runPostFilterPlugins(new CycleState(), POD, statuses);
    assert.equal(pluginErrorOf(wait.status).message, 'plugin W (PostFilter): returned status code Wait, which is not allowed at PostFilter');
    const garbage = frameworkOf({ postFilter: [defineSchedulerPlugin({ name: 'G', postFilter: () => 42 as never })] }).runPostFilterPlugins(new CycleState(), POD, statuses);
    assert.equal(pluginErrorOf(garbage.status).message, 'plugin G (PostFilter): returned 42: expected a Status or { status, nominatedNodeName }');
  });
});

// ---- PreScore and Score ----

describe('Framework.runPreScorePlugins and scoring', () => {
  it('PreScore Skip ⇒ that plugin’s Score is not called this cycle', () => {
    const calls: string[] = [];
    const skipper = defineSchedulerPlugin({ name: 'Skipper', preScore: () => Status.skip(), score: () => (calls.push('Skipper'), 50) });
    const other = defineSchedulerPlugin({ name: 'Other', preScore: () => undefined, score: (_s, _p, ni) => (calls.push(`Other:${ni.name}`), 10) });
    const fw = frameworkOf({ preScore: [skipper, other], score: [skipper, other] });
    const state = new CycleState();
    assert.equal(fw.runPreScorePlugins(state, POD, NODES).code, 'Success');
    assert.deepEqual([...state.skipScorePlugins], ['Skipper']);
    const r = fw.runScorePlugins(state, POD, NODES.slice(0, 2));
    assert.equal(r.status.code, 'Success');
    assert.deepEqual(calls, ['Other:n1', 'Other:n2']);
    assert.deepEqual(r.scores.map((s) => [s.name, [...s.scores], s.totalScore]), [
      ['n1', [['Other', 10]], 10],
      ['n2', [['Other', 10]], 10],
    ]);
  });

  it('PreScore failures are Errors naming the plugin; a PluginError passes through', () => {
    const s = frameworkOf({ preScore: [defineSchedulerPlugin({ name: 'P', preScore: () => Status.unschedulable('no') })] }).runPreScorePlugins(new CycleState(), POD, NODES);
    assert.deepEqual([s.code, s.reasons, s.plugin], ['Error', ['running PreScore plugin "P": no'], 'P']);
    const t = frameworkOf({ preScore: [defineSchedulerPlugin({ name: 'T', preScore: () => { throw new Error('x'); } })] }).runPreScorePlugins(new CycleState(), POD, NODES);
    assert.equal(pluginErrorOf(t).message, 'plugin T (PreScore): x');
  });

  it('total = Σ weight × normalized score; NormalizeScore rewrites the list in place; the breakdown is unweighted', () => {
    // Raw scores by node: A = 10, 20, 30 (no normalize), B = 10, 20, 40 normalized to 100·raw/max.
    const raw = new Map([
      ['n1', [10, 10]],
      ['n2', [20, 20]],
      ['n3', [30, 40]],
    ]);
    const a = defineSchedulerPlugin({ name: 'A', score: (_s, _p, ni) => raw.get(ni.name)![0]! });
    const b = defineSchedulerPlugin({
      name: 'B',
      score: (_s, _p, ni) => raw.get(ni.name)![1]!,
      normalizeScore: (_s, _p, scores) => {
        const max = Math.max(...scores.map((x) => x.score));
        for (const x of scores) x.score = Math.trunc((100 * x.score) / max);
        return undefined;
      },
    });
    const fw = frameworkOf({ score: [[a, 2], [b, 3]] });
    const r = fw.runScorePlugins(new CycleState(), POD, NODES);
    assert.equal(r.status.code, 'Success');
    assert.deepEqual(
      r.scores.map((s) => [s.name, Object.fromEntries(s.scores), s.totalScore]),
      [
        ['n1', { A: 10, B: 25 }, 10 * 2 + 25 * 3],
        ['n2', { A: 20, B: 50 }, 20 * 2 + 50 * 3],
        ['n3', { A: 30, B: 100 }, 30 * 2 + 100 * 3],
      ],
    );
    // scoreNodes without a breakdown gives the same totals.
    assert.deepEqual([...fw.scoreNodes(new CycleState(), POD, NODES).totals], [95, 190, 360]);
  });

  it('NormalizeScore lists are reused across cycles of any size, and a plugin that breaks one gets a new one', () => {
    const seen: NodeScore[][] = [];
    let freeze = false;
    const b = defineSchedulerPlugin({
      name: 'B',
      score: (_s, _p, ni) => Number(ni.name.slice(1)),
      normalizeScore: (_s, _p, scores) => {
        seen.push(scores);
        for (const x of scores) x.score *= 10;
        if (freeze) {
          Object.freeze(scores[0]);
          Object.freeze(scores);
        }
        return undefined;
      },
    });
    const fw = frameworkOf({ score: [b] });
    const totals = (nodes: readonly NodeInfo[]): number[] => [...fw.scoreNodes(new CycleState(), POD, nodes).totals];
    assert.deepEqual(totals(NODES), [10, 20, 30]);
    assert.deepEqual(totals(NODES.slice(1)), [20, 30], 'a shorter list, names of the new nodes');
    assert.equal(seen[1], seen[0], 'the same list object');
    assert.deepEqual(seen[1]!.map((x) => x.name), ['n2', 'n3']);
    freeze = true;
    assert.deepEqual(totals(NODES), [10, 20, 30], 'a longer list');
    freeze = false;
    assert.deepEqual(totals(NODES), [10, 20, 30], 'a frozen list is not reused');
    assert.notEqual(seen[3], seen[2]);
  });

  it('fractional scores are truncated toward zero (Score returns an int64 upstream)', () => {
    const fw = frameworkOf({ score: [defineSchedulerPlugin({ name: 'F', score: () => 49.9 })] });
    assert.deepEqual([...fw.scoreNodes(new CycleState(), POD, NODES.slice(0, 1)).totals], [49]);
  });

  const invalid: readonly { name: string; def: SchedulerPluginDefinition<unknown>; message: string }[] = [
    {
      name: 'a raw score above 100 without NormalizeScore',
      def: defineSchedulerPlugin({ name: 'Big', score: (_s, _p, ni) => (ni.name === 'n2' ? 101 : 50) }),
      message: 'plugin Big (Score): returns an invalid score 101 for node n2, it should be in the range of [0, 100] after normalizing',
    },
    {
      name: 'a negative raw score',
      def: defineSchedulerPlugin({ name: 'Neg', score: (_s, _p, ni) => (ni.name === 'n3' ? -1 : 0) }),
      message: 'plugin Neg (Score): returns an invalid score -1 for node n3, it should be in the range of [0, 100] after normalizing',
    },
    { name: 'NaN', def: defineSchedulerPlugin({ name: 'Nan', score: () => Number.NaN }), message: 'plugin Nan (Score): returned NaN for node n1: scores must be finite integers' },
    {
      name: 'Infinity',
      def: defineSchedulerPlugin({ name: 'Inf', score: () => Number.POSITIVE_INFINITY }),
      message: 'plugin Inf (Score): returned Infinity for node n1: scores must be finite integers',
    },
    { name: 'a string', def: defineSchedulerPlugin({ name: 'Str', score: () => '7' as never }), message: 'plugin Str (Score): returned "7" for node n1: expected a number' },
    { name: 'undefined', def: defineSchedulerPlugin({ name: 'Undef', score: () => undefined as never }), message: 'plugin Undef (Score): returned undefined for node n1: expected a number' },
    {
      name: 'NormalizeScore producing an out-of-range score',
      def: defineSchedulerPlugin({
        name: 'Norm',
        score: () => 1,
        normalizeScore: (_s, _p, scores) => {
          scores[1]!.score = 250;
          return undefined;
        },
      }),
      message: 'plugin Norm (NormalizeScore): returns an invalid score 250 for node n2, it should be in the range of [0, 100] after normalizing',
    },
    {
      name: 'NormalizeScore producing NaN',
      def: defineSchedulerPlugin({
        name: 'NormNan',
        score: () => 1,
        normalizeScore: (_s, _p, scores) => {
          scores[0]!.score = Number.NaN;
          return undefined;
        },
      }),
      message: 'plugin NormNan (NormalizeScore): returns an invalid score NaN for node n1, it should be in the range of [0, 100] after normalizing',
    },
    {
      name: 'NormalizeScore reordering the list',
      def: defineSchedulerPlugin({ name: 'Reorder', score: () => 1, normalizeScore: (_s, _p, scores) => (scores.reverse(), undefined) }),
      message: 'plugin Reorder (NormalizeScore): reordered, added or removed entries of the score list; only `score` may change',
    },
    {
      name: 'NormalizeScore adding an entry',
      def: defineSchedulerPlugin({ name: 'Adder', score: () => 1, normalizeScore: (_s, _p, scores) => (scores.push({ name: 'n9', score: 1 }), undefined) }),
      message: 'plugin Adder (NormalizeScore): reordered, added or removed entries of the score list; only `score` may change',
    },
    {
      name: 'NormalizeScore throwing',
      def: defineSchedulerPlugin({ name: 'NormThrow', score: () => 1, normalizeScore: () => { throw new Error('div by zero'); } }),
      message: 'plugin NormThrow (NormalizeScore): div by zero',
    },
    {
      name: 'Score mutating the NodeInfo',
      def: defineSchedulerPlugin({ name: 'Mut', score: (_s, _p, ni) => ((ni as MutableNodeInfo).addPod(newPodInfo(pod('x'))), 1) }),
      message: 'plugin Mut (Score): mutated its inputs: NodeInfo n1 changed during the call',
    },
  ];
  for (const c of invalid) {
    it(`${c.name} is a PluginError naming the plugin and point`, () => {
      const nodes = [newNodeInfo(node('n1')), newNodeInfo(node('n2')), newNodeInfo(node('n3'))];
      const fw = frameworkOf({ score: [c.def] });
      const r = fw.runScorePlugins(new CycleState(), POD, nodes);
      assert.equal(pluginErrorOf(r.status).message, c.message);
      assert.equal(r.status.plugin, c.def.name);
      assert.equal(fw.pluginErrors.length, 1);
    });
  }

  it('a Score or NormalizeScore returning a failure status is an Error naming the plugin (not a PluginError)', () => {
    const s = frameworkOf({ score: [defineSchedulerPlugin({ name: 'S', score: () => Status.error('no data') })] }).runScorePlugins(new CycleState(), POD, NODES);
    assert.deepEqual([s.status.code, s.status.reasons, s.status.plugin, s.status.error instanceof PluginError], ['Error', ['running Score plugin "S": no data'], 'S', false]);
    const n = frameworkOf({ score: [defineSchedulerPlugin({ name: 'N', score: () => 1, normalizeScore: () => Status.error('bad') })] }).runScorePlugins(new CycleState(), POD, NODES);
    assert.deepEqual([n.status.code, n.status.reasons, n.status.plugin], ['Error', ['running Normalize on Score plugin "N": bad'], 'N']);
    const w = frameworkOf({ score: [defineSchedulerPlugin({ name: 'W', score: () => 1, normalizeScore: () => Status.skip() })] }).runScorePlugins(new CycleState(), POD, NODES);
    assert.equal(pluginErrorOf(w.status).message, 'plugin W (NormalizeScore): returned status code Skip, which is not allowed at NormalizeScore');
  });
});

// ---- Reserve, Permit ----

describe('Framework: Reserve, Unreserve and Permit', () => {
  it('Reserve stops at the first failure; Unreserve runs every plugin in reverse order, even those not reserved', () => {
    const calls: string[] = [];
    const r = (name: string, ret: () => Status | undefined) =>
      defineSchedulerPlugin({ name, reserve: () => (calls.push(`reserve:${name}`), ret()), unreserve: () => void calls.push(`unreserve:${name}`) });
    const fw = frameworkOf({ reserve: [r('A', () => undefined), r('B', () => Status.unschedulable('full')), r('C', () => undefined)] });
    const s = fw.runReservePluginsReserve(new CycleState(), POD, 'n1');
    assert.deepEqual([s.code, s.reasons, s.plugin], ['Unschedulable', ['full'], 'B']);
    fw.runReservePluginsUnreserve(new CycleState(), POD, 'n1');
    assert.deepEqual(calls, ['reserve:A', 'reserve:B', 'unreserve:C', 'unreserve:B', 'unreserve:A']);
  });

  it('Reserve errors are wrapped; an Unreserve that throws is recorded and the others still run', () => {
    const calls: string[] = [];
    const fw = frameworkOf({
      reserve: [
        defineSchedulerPlugin({ name: 'A', unreserve: () => void calls.push('A') }),
        defineSchedulerPlugin({ name: 'B', reserve: () => Status.error('disk'), unreserve: () => { throw new Error('oops'); } }),
      ],
    });
    const s = fw.runReservePluginsReserve(new CycleState(), POD, 'n1');
    assert.deepEqual([s.code, s.reasons, s.plugin], ['Error', ['running Reserve plugin "B": disk'], 'B']);
    fw.runReservePluginsUnreserve(new CycleState(), POD, 'n1');
    assert.deepEqual(calls, ['A']);
    assert.deepEqual(fw.pluginErrors.map((e) => e.message), ['plugin B (Unreserve): oops']);
  });

  it('Permit: Wait from several plugins collects every timeout, capped at 15 minutes', () => {
    const fw = frameworkOf({
      permit: [
        defineSchedulerPlugin({ name: 'Short', permit: () => ({ status: Status.wait(), timeoutMs: 5_000.7 }) }),
        defineSchedulerPlugin({ name: 'Ok', permit: () => undefined }),
        defineSchedulerPlugin({ name: 'Long', permit: () => ({ status: Status.wait(), timeoutMs: 20 * 60_000 }) }),
        defineSchedulerPlugin({ name: 'Plain', permit: () => Status.wait() }),
      ],
    });
    const r = fw.runPermitPlugins(new CycleState(), POD, 'n1');
    assert.deepEqual([r.status.code, r.status.reasons], ['Wait', ['one or more plugins asked to wait and no plugin rejected pod "p"']]);
    assert.deepEqual([...r.waiting], [
      ['Short', 5_000],
      ['Long', MAX_PERMIT_TIMEOUT_MS],
      ['Plain', 0],
    ]);
    assert.equal(MAX_PERMIT_TIMEOUT_MS, 900_000);
  });

  it('Permit: a rejection stops at once even after a Wait; errors are wrapped; bad timeouts are PluginErrors', () => {
    const calls: string[] = [];
    const rej = frameworkOf({
      permit: [
        defineSchedulerPlugin({ name: 'W', permit: () => (calls.push('W'), { status: Status.wait(), timeoutMs: 1000 }) }),
        defineSchedulerPlugin({ name: 'R', permit: () => (calls.push('R'), Status.unschedulable('not now')) }),
        defineSchedulerPlugin({ name: 'X', permit: () => (calls.push('X'), undefined) }),
      ],
    }).runPermitPlugins(new CycleState(), POD, 'n1');
    assert.deepEqual([rej.status.code, rej.status.reasons, rej.status.plugin, calls], ['Unschedulable', ['not now'], 'R', ['W', 'R']]);
    const err = frameworkOf({ permit: [defineSchedulerPlugin({ name: 'E', permit: () => Status.error('quota') })] }).runPermitPlugins(new CycleState(), POD, 'n1');
    assert.deepEqual([err.status.code, err.status.reasons, err.status.plugin], ['Error', ['running Permit plugin "E": quota'], 'E']);
    for (const t of [Number.NaN, -1, Number.POSITIVE_INFINITY]) {
      const bad = frameworkOf({ permit: [defineSchedulerPlugin({ name: 'T', permit: () => ({ status: Status.wait(), timeoutMs: t }) })] }).runPermitPlugins(new CycleState(), POD, 'n1');
      assert.equal(pluginErrorOf(bad.status).message, `plugin T (Permit): returned Wait with an invalid timeout ${String(t)}`);
    }
    const skip = frameworkOf({ permit: [defineSchedulerPlugin({ name: 'S', permit: () => Status.skip() })] }).runPermitPlugins(new CycleState(), POD, 'n1');
    assert.equal(pluginErrorOf(skip.status).message, 'plugin S (Permit): returned status code Skip, which is not allowed at Permit');
  });

  it('Permit: all plugins passing is Success with no waiting plugins', () => {
    const r = frameworkOf({ permit: [defineSchedulerPlugin({ name: 'A', permit: () => ({ status: Status.success(), timeoutMs: 0 }) })] }).runPermitPlugins(new CycleState(), POD, 'n1');
    assert.deepEqual([r.status.code, r.waiting.size], ['Success', 0]);
  });
});

// ---- PreBind, Bind, PostBind ----

describe('Framework: PreBind, Bind and PostBind', () => {
  it('PreBindPreFlight Skip ⇒ PreBind is not called; Success ⇒ it is; a plugin without preflight always runs', () => {
    const calls: string[] = [];
    const mk = (name: string, flight: (() => Status | undefined) | undefined) =>
      defineSchedulerPlugin({
        name,
        ...(flight ? { preBindPreFlight: () => (calls.push(`flight:${name}`), flight()) } : {}),
        preBind: () => void calls.push(`preBind:${name}`),
      });
    const fw = frameworkOf({ preBind: [mk('Skip', () => Status.skip()), mk('Go', () => undefined), mk('NoFlight', undefined)] });
    assert.equal(fw.runPreBindPlugins(new CycleState(), POD, 'n1').code, 'Success');
    assert.deepEqual(calls, ['flight:Skip', 'flight:Go', 'preBind:Go', 'preBind:NoFlight']);
  });

  it('PreBind: a preflight Error stops; a rejection keeps its code; an Error is wrapped', () => {
    const flight = frameworkOf({ preBind: [defineSchedulerPlugin({ name: 'F', preBindPreFlight: () => Status.error('no csi'), preBind: () => undefined })] }).runPreBindPlugins(new CycleState(), POD, 'n1');
    assert.deepEqual([flight.code, flight.reasons, flight.plugin], ['Error', ['no csi'], 'F']);
    const rej = frameworkOf({ preBind: [defineSchedulerPlugin({ name: 'R', preBind: () => Status.unschedulable('volume gone') })] }).runPreBindPlugins(new CycleState(), POD, 'n1');
    assert.deepEqual([rej.code, rej.reasons, rej.plugin], ['Unschedulable', ['volume gone'], 'R']);
    const err = frameworkOf({ preBind: [defineSchedulerPlugin({ name: 'E', preBind: () => Status.error('timeout') })] }).runPreBindPlugins(new CycleState(), POD, 'n1');
    assert.deepEqual([err.code, err.reasons, err.plugin], ['Error', ['running PreBind plugin "E": timeout'], 'E']);
    const bad = frameworkOf({ preBind: [defineSchedulerPlugin({ name: 'B', preBindPreFlight: () => Status.unschedulable('x') })] }).runPreBindPlugins(new CycleState(), POD, 'n1');
    assert.equal(pluginErrorOf(bad).message, 'plugin B (PreBindPreFlight): returned status code Unschedulable, which is not allowed at PreBindPreFlight');
  });

  it('Bind: binders in order until one does not Skip', () => {
    const calls: string[] = [];
    const b = (name: string, ret: () => Status | undefined) => defineSchedulerPlugin({ name, bind: () => (calls.push(name), ret()) });
    const ok = frameworkOf({ bind: [b('S1', () => Status.skip()), b('B', () => undefined), b('C', () => undefined)] }).runBindPlugins(new CycleState(), POD, 'n1');
    assert.equal(ok.code, 'Success');
    assert.deepEqual(calls, ['S1', 'B']);
    assert.equal(frameworkOf({ bind: [b('S2', () => Status.skip())] }).runBindPlugins(new CycleState(), POD, 'n1').code, 'Skip');
    assert.equal(frameworkOf({}).runBindPlugins(new CycleState(), POD, 'n1').code, 'Skip');
    const err = frameworkOf({ bind: [b('E', () => Status.error('conflict'))] }).runBindPlugins(new CycleState(), POD, 'n1');
    assert.deepEqual([err.code, err.reasons, err.plugin], ['Error', ['running Bind plugin "E": conflict'], 'E']);
    const rej = frameworkOf({ bind: [b('R', () => Status.unschedulable('gone'))] }).runBindPlugins(new CycleState(), POD, 'n1');
    assert.deepEqual([rej.code, rej.reasons, rej.plugin], ['Unschedulable', ['gone'], 'R']);
  });

  it('PostBind: every plugin runs; a throwing one is recorded', () => {
    const calls: string[] = [];
    const fw = frameworkOf({
      postBind: [
        defineSchedulerPlugin({ name: 'A', postBind: () => { throw new Error('log full'); } }),
        defineSchedulerPlugin({ name: 'B', postBind: () => void calls.push('B') }),
      ],
    });
    fw.runPostBindPlugins(new CycleState(), POD, 'n1');
    assert.deepEqual(calls, ['B']);
    assert.deepEqual(fw.pluginErrors.map((e) => [e.plugin, e.extensionPoint, e.message]), [['A', 'PostBind', 'plugin A (PostBind): log full']]);
  });
});

describe('Framework: plugin errors', () => {
  it('are kept in order and bounded at 1000', () => {
    const fw = frameworkOf({ filter: [defineSchedulerPlugin({ name: 'T', filter: () => { throw new Error('x'); } })] });
    for (let i = 0; i < 1005; i++) fw.runFilterPlugins(new CycleState(), POD, NODES[0]!);
    assert.equal(fw.pluginErrors.length, 1000);
  });

  it('has() and the handle reflect the construction', () => {
    const fw = frameworkOf({ filter: [defineSchedulerPlugin({ name: 'F', filter: () => undefined })] });
    assert.deepEqual([fw.has('filter'), fw.has('score'), fw.handle], [true, false, undefined]);
  });
});
