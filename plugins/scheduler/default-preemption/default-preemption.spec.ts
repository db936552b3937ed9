import assert from 'node:assert/strict';
import {
  ActionType,
  createTestHandle,
  CycleState,
  decodeDefaultPreemptionArgs,
  decodeNodeResourcesFitArgs,
  newPodInfo,
  Rng,
  runWhatIf,
  Status,
  type DeepReadonly,
  type KubeObject,
  type Pod,
  type PodCondition,
  type PodInfo,
  type SchedulerPluginDefinition,
  type TestHandle,
} from 'kubeprop';
import { nodeResourcesFitPlugin } from '../node-resources-fit/node-resources-fit.js';
import { testNode, testPod, type NodeObject, type PodObject } from '../test-objects.js';
import {
  calculateNumCandidates,
  DefaultPreemption,
  defaultPreemptionPlugin,
  ERR_PREEMPTION_POLICY_NEVER,
  ERR_TERMINATING_POD_ON_NOMINATED_NODE,
  NAME,
  podTerminatingByPreemption,
} from './default-preemption.js';

// ---- builders ----

interface PodOpts {
  readonly priority?: number;
  readonly cpu?: string;
  readonly node?: string;
  readonly nominated?: string;
  readonly never?: boolean;
  readonly labels?: Record<string, string>;
  readonly deleting?: boolean;
  readonly conditions?: PodCondition[];
  readonly start?: string;
}

function pod(name: string, o: PodOpts = {}): PodObject {
  const p = testPod(
    name,
    {
      containers: [{ name: 'main', image: 'busybox', resources: { requests: { cpu: o.cpu ?? '0' } } }],
      ...(o.priority !== undefined ? { priority: o.priority } : {}),
      ...(o.node ? { nodeName: o.node } : {}),
      ...(o.never ? { preemptionPolicy: 'Never' } : {}),
    },
    {
      ...(o.labels ? { labels: o.labels } : {}),
      ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:05:00Z' } : {}),
    },
  );
  const status: Record<string, unknown> = {};
  if (o.nominated) status['nominatedNodeName'] = o.nominated;
  if (o.conditions) status['conditions'] = o.conditions;
  if (o.start) status['startTime'] = o.start;
  if (Object.keys(status).length > 0) p.status = status;
  return p;
}

function node(name: string, cpu = '4', pods = '110'): NodeObject {
  return testNode(name, {}, { status: { allocatable: { cpu, memory: '8Gi', pods } } });
}

const PREEMPTED: PodCondition = { type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler', message: 'default-scheduler: preempting to accommodate a higher priority pod' };

const fit = nodeResourcesFitPlugin.create(decodeNodeResourcesFitArgs(undefined), createTestHandle());

interface Setup {
  readonly handle: TestHandle;
  readonly plugin: DefaultPreemption;
}

function setup(
  nodes: readonly NodeObject[],
  pods: readonly PodObject[],
  extra: { objects?: KubeObject[]; nominated?: Map<string, PodInfo[]>; args?: unknown; seed?: number; async?: boolean } = {},
): Setup {
  const handle = createTestHandle({
    nodes,
    pods,
    filterPlugins: [{ name: 'NodeResourcesFit', instance: fit }],
    ...(extra.objects ? { objects: extra.objects } : {}),
    ...(extra.nominated ? { nominatedPods: extra.nominated } : {}),
    ...(extra.seed !== undefined ? { seed: extra.seed } : {}),
  });
  const plugin = new DefaultPreemption(decodeDefaultPreemptionArgs(extra.args), handle, extra.async === false ? { enableAsyncPreemption: false } : {});
  return { handle, plugin };
}

/** Runs PreFilter, Filter for every node, then PostFilter, as a scheduling cycle does. */
function postFilter(s: Setup, p: DeepReadonly<Pod>, override: Record<string, Status> = {}) {
  const state = new CycleState();
  const nodes = s.handle.snapshot().list();
  fit.preFilter!(state, p, nodes);
  const statuses = new Map<string, Status>();
  for (const ni of nodes) statuses.set(ni.name, override[ni.name] ?? s.handle.runFilterPluginsWithNominatedPods(state, p, ni));
  return s.plugin.postFilter(state, p, statuses);
}

describe('DefaultPreemption', () => {
  it('is named as upstream and registered with its args decoder', () => {
    assert.equal(NAME, 'DefaultPreemption');
    assert.equal(defaultPreemptionPlugin.name, NAME);
    const inst = defaultPreemptionPlugin.create(decodeDefaultPreemptionArgs(undefined), createTestHandle());
    assert.ok(inst instanceof DefaultPreemption);
    assert.equal(typeof inst.postFilter, 'function');
    assert.equal(typeof inst.preEnqueue, 'function');
  });

  describe('args', () => {
    it('defaults to 10 % and 100 nodes', () => {
      assert.deepEqual(decodeDefaultPreemptionArgs(undefined), { minCandidateNodesPercentage: 10, minCandidateNodesAbsolute: 100 });
      assert.deepEqual(defaultPreemptionPlugin.decodeArgs!({ minCandidateNodesAbsolute: 5 }, 'args'), { minCandidateNodesPercentage: 10, minCandidateNodesAbsolute: 5 });
    });

    const bad: [what: string, raw: unknown][] = [
      ['a percentage above 100', { minCandidateNodesPercentage: 101 }],
      ['a negative absolute', { minCandidateNodesAbsolute: -1 }],
      ['both zero', { minCandidateNodesPercentage: 0, minCandidateNodesAbsolute: 0 }],
    ];
    for (const [what, raw] of bad) it(`rejects ${what}`, () => assert.throws(() => decodeDefaultPreemptionArgs(raw)));
  });

  describe('numCandidates', () => {
    const table: [numNodes: number, pct: number, abs: number, want: number][] = [
      [10, 5, 50, 10],
      [100, 10, 0, 10],
      [1000, 10, 100, 100],
      [1000, 20, 100, 200],
      [10000, 10, 100, 1000],
      [10, 0, 3, 3],
      [5000, 1, 10, 50],
      [0, 10, 100, 0],
    ];
    for (const [numNodes, pct, abs, want] of table) {
      it(`${numNodes} nodes, ${pct} %, at least ${abs} ⇒ ${want}`, () => {
        assert.equal(calculateNumCandidates({ minCandidateNodesPercentage: pct, minCandidateNodesAbsolute: abs }, numNodes), want);
      });
    }

    it('draws the offset from the handle RNG', () => {
      const { plugin } = setup([], [], { seed: 42 });
      const expected = new Rng(42).below(500);
      assert.deepEqual(plugin.getOffsetAndNumCandidates(500), [expected, 100]);
    });
  });

  describe('eligibility', () => {
    const hi = (o: PodOpts = {}): PodObject => pod('hi', { priority: 10, cpu: '2', ...o });

    it('preemptionPolicy Never ⇒ not eligible', () => {
      const s = setup([node('n1')], [pod('low', { priority: 1, cpu: '4', node: 'n1' })]);
      const r = postFilter(s, hi({ never: true }));
      assert.deepEqual(r, { status: Status.unschedulable(`preemption: ${ERR_PREEMPTION_POLICY_NEVER}`) });
      assert.equal(r.status.reasons[0], 'preemption: not eligible due to preemptionPolicy=Never.');
      assert.deepEqual(s.handle.calls, []);
    });

    const onNominated: [what: string, victim: PodObject, nominatedStatus: Status | undefined, eligible: boolean][] = [
      ['a lower-priority pod terminating by preemption ⇒ wait', pod('v', { priority: 1, cpu: '2', node: 'n1', deleting: true, conditions: [PREEMPTED] }), undefined, false],
      ['a pod terminating for another reason ⇒ eligible', pod('v', { priority: 1, cpu: '2', node: 'n1', deleting: true }), undefined, true],
      [
        'a DisruptionTarget from someone else ⇒ eligible',
        pod('v', { priority: 1, cpu: '2', node: 'n1', deleting: true, conditions: [{ ...PREEMPTED, reason: 'EvictionByEvictionAPI' }] }),
        undefined,
        true,
      ],
      ['a terminating pod of equal priority ⇒ eligible', pod('v', { priority: 10, cpu: '2', node: 'n1', deleting: true, conditions: [PREEMPTED] }), undefined, true],
      [
        'the nominated node became UnschedulableAndUnresolvable ⇒ eligible',
        pod('v', { priority: 1, cpu: '2', node: 'n1', deleting: true, conditions: [PREEMPTED] }),
        Status.unschedulableAndUnresolvable('node(s) had untolerated taint {x: y}'),
        true,
      ],
    ];
    for (const [what, victim, nominatedStatus, eligible] of onNominated) {
      it(what, () => {
        const s = setup([node('n1'), node('n2')], [victim, pod('filler', { priority: 20, cpu: '2', node: 'n1' }), pod('low2', { priority: 1, cpu: '4', node: 'n2' })]);
        const p = hi({ nominated: 'n1' });
        const r = postFilter(s, p, nominatedStatus ? { n1: nominatedStatus } : {});
        if (eligible) {
          assert.notEqual(r.status.reasons[0], `preemption: ${ERR_TERMINATING_POD_ON_NOMINATED_NODE}`);
          assert.equal(r.status.code, 'Success');
        } else {
          assert.deepEqual(r, { status: Status.unschedulable(`preemption: ${ERR_TERMINATING_POD_ON_NOMINATED_NODE}`) });
        }
      });
    }

    it('podTerminatingByPreemption needs deletion and the scheduler DisruptionTarget', () => {
      assert.equal(podTerminatingByPreemption(pod('a', { deleting: true, conditions: [PREEMPTED] })), true);
      assert.equal(podTerminatingByPreemption(pod('a', { conditions: [PREEMPTED] })), false);
      assert.equal(podTerminatingByPreemption(pod('a', { deleting: true, conditions: [{ ...PREEMPTED, status: 'False' }] })), false);
    });
  });

  describe('PostFilter', () => {
    it('preempts the lowest-priority victims and nominates their node', () => {
      const s = setup(
        [node('n1'), node('n2')],
        [pod('mid', { priority: 5, cpu: '4', node: 'n1' }), pod('low-a', { priority: 1, cpu: '2', node: 'n2' }), pod('low-b', { priority: 1, cpu: '2', node: 'n2' })],
      );
      const r = postFilter(s, pod('hi', { priority: 10, cpu: '3' }));
      assert.deepEqual(r, { status: Status.success(), nominatedNodeName: 'n2', nominatingMode: 'Override' });
      assert.deepEqual(s.handle.calls, [
        { kind: 'setPodCondition', pod: 'default/low-a', type: 'DisruptionTarget', status: 'True' },
        { kind: 'deletePod', pod: 'default/low-a', reason: 'Preempted by pod uid-hi on node n2' },
        { kind: 'setPodCondition', pod: 'default/low-b', type: 'DisruptionTarget', status: 'True' },
        { kind: 'deletePod', pod: 'default/low-b', reason: 'Preempted by pod uid-hi on node n2' },
      ]);
    });

    it('keeps the older of equal-priority pods when one victim is enough', () => {
      const s = setup([node('n1')], [pod('young', { priority: 1, cpu: '2', node: 'n1', start: '2026-01-01T00:02:00Z' }), pod('old', { priority: 1, cpu: '2', node: 'n1', start: '2026-01-01T00:01:00Z' })]);
      postFilter(s, pod('hi', { priority: 10, cpu: '2' }));
      assert.deepEqual(s.handle.calls.filter((c) => c.kind === 'deletePod').map((c) => c.pod), ['default/young']);
    });

    it('prefers the node whose victims violate no PodDisruptionBudget', () => {
      const objects: KubeObject[] = [
        { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'db', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'db' } } }, status: { disruptionsAllowed: 0 } },
      ];
      const s = setup([node('n1'), node('n2')], [pod('db-0', { priority: 1, cpu: '4', node: 'n1', labels: { app: 'db' } }), pod('web-0', { priority: 3, cpu: '4', node: 'n2', labels: { app: 'web' } })], { objects });
      const r = postFilter(s, pod('hi', { priority: 10, cpu: '1' }));
      assert.equal(r.nominatedNodeName, 'n2');
    });

    it('clears the nominations of lower-priority pods on the chosen node', () => {
      const nominated = new Map([['n1', [newPodInfo(pod('nom-low', { priority: 2, nominated: 'n1' })), newPodInfo(pod('nom-peer', { priority: 10, nominated: 'n1' }))]]]);
      const s = setup([node('n1')], [pod('low', { priority: 1, cpu: '4', node: 'n1' })], { nominated });
      postFilter(s, pod('hi', { priority: 10, cpu: '2' }));
      assert.deepEqual(s.handle.calls[0], { kind: 'setNominatedNodeName', pod: 'default/nom-low', node: undefined });
      assert.equal(s.handle.calls.filter((c) => c.kind === 'setNominatedNodeName').length, 1);
    });

    it('prefixes the FitError when no node can be helped', () => {
      // small: the pod is bigger than the node (UnschedulableAndUnresolvable, never dry-run);
      // full: one pod slot, still taken by a more important pod once the low one is gone;
      // peers: only a pod of the same priority.
      const s = setup(
        [node('small', '1'), node('full', '4', '1'), node('peers')],
        [pod('same', { priority: 10, cpu: '4', node: 'peers' }), pod('filler', { priority: 20, node: 'full' }), pod('low', { priority: 1, node: 'full' })],
      );
      const r = postFilter(s, pod('hi', { priority: 10, cpu: '2' }));
      assert.equal(r.status.code, 'Unschedulable');
      assert.deepEqual(r.status.reasons, [
        'preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling, 1 Too many pods.',
      ]);
      assert.equal(r.nominatedNodeName, '');
      assert.equal(r.nominatingMode, 'Override');
      assert.deepEqual(s.handle.calls, []);
    });

    it('says preemption is not helpful when every node is UnschedulableAndUnresolvable', () => {
      const s = setup([node('a', '1'), node('b', '1')], []);
      const r = postFilter(s, pod('hi', { priority: 10, cpu: '2' }));
      assert.deepEqual(r.status.reasons, ['preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.']);
    });

    it('can be told which pods are eligible victims', () => {
      const s = setup([node('n1'), node('n2')], [pod('system', { priority: 1, cpu: '4', node: 'n1', labels: { tier: 'system' } }), pod('batch', { priority: 5, cpu: '4', node: 'n2' })]);
      s.plugin.isEligiblePod = (_ni, victim) => victim.pod.metadata?.labels?.['tier'] !== 'system';
      const r = postFilter(s, pod('hi', { priority: 10, cpu: '2' }));
      assert.equal(r.nominatedNodeName, 'n2');
    });

    it('with synchronous preemption deletes before clearing nominations', () => {
      const nominated = new Map([['n1', [newPodInfo(pod('nom-low', { priority: 2, nominated: 'n1' }))]]]);
      const s = setup([node('n1')], [pod('low', { priority: 1, cpu: '4', node: 'n1' })], { nominated, async: false });
      postFilter(s, pod('hi', { priority: 10, cpu: '2' }));
      assert.deepEqual(s.handle.calls.map((c) => c.kind), ['setPodCondition', 'deletePod', 'setNominatedNodeName']);
    });
  });

  describe('PreEnqueue and events', () => {
    it('lets every pod in: asynchronous preemption has finished by the time PostFilter returns', () => {
      const s = setup([node('n1')], [pod('low', { priority: 1, cpu: '4', node: 'n1' })]);
      const p = pod('hi', { priority: 10, cpu: '2' });
      assert.equal(s.plugin.preEnqueue(p), undefined);
      postFilter(s, p);
      assert.equal(s.plugin.preEnqueue(p), undefined);
      assert.equal(s.plugin.evaluator.isPodRunningPreemption('uid-hi'), false);
    });

    it('registers AssignedPod deletion with a QueueSkip hint, only with asynchronous preemption', () => {
      const s = setup([], []);
      const events = s.plugin.eventsToRegister();
      assert.deepEqual(events.map((e) => e.event), [{ resource: 'AssignedPod', actionType: ActionType.Delete }]);
      assert.equal(events[0]!.queueingHintFn!(pod('p'), pod('gone'), undefined), 'QueueSkip');
      assert.deepEqual(setup([], [], { async: false }).plugin.eventsToRegister(), []);
      assert.equal(setup([], [], { async: false }).plugin.preEnqueue(pod('p')), undefined);
    });
  });

  describe('in the scheduler', () => {
    it('preempts, nominates and later binds the preemptor; explains hopeless pods', async () => {
      const { defaultSchedulerPlugins } = await import('../../index.js');
      const registry = new Map<string, SchedulerPluginDefinition<unknown>>(defaultSchedulerPlugins.map((d) => [d.name, d]));
      const objects: KubeObject[] = [node('a', '2'), node('b', '2'), pod('low', { priority: 1, cpu: '2', node: 'a' }), pod('mid', { priority: 5, cpu: '2', node: 'b' }), pod('hi', { priority: 10, cpu: '2' }), pod('huge', { priority: 100, cpu: '3' })];
      const out = runWhatIf({ objects, registry });
      const hi = out.results.find((r) => r.pod === 'default/hi');
      const huge = out.results.find((r) => r.pod === 'default/huge');
      assert.equal(hi?.node, 'a');
      assert.equal(hi?.status, 'Scheduled');
      assert.equal(huge?.status, 'Unschedulable');
      assert.ok(huge?.message.includes('preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.'), huge?.message);
      assert.deepEqual(out.pluginErrors, []);
    });
  });
});
