import assert from 'node:assert/strict';
import { podRequests } from '../api/pod-resources.js';
import type { DeepReadonly, KubeObject, LabelSelector, Node, Pod, PodCondition, PodDisruptionBudget } from '../api/types.js';
import { CycleState, StateKey } from './cycle-state.js';
import { newNodeInfo, newPodInfo, type MutableNodeInfo, type PodInfo } from './node-info.js';
import type { Handle, SchedulerPluginInstance, WaitingPod } from './plugin.js';
import {
  earliestPodStartTimeMs,
  ERR_NO_PREEMPTION_VICTIMS,
  Evaluator,
  filterPodsWithPDBViolation,
  moreImportantPod,
  pickOneNodeForPreemption,
  podStartTimeMs,
  preemptionFitErrorMessage,
  selectVictimsOnNode,
  type Candidate,
  type PreemptionEligibility,
  type PreemptionInterface,
  type PreemptionScoreFunc,
  type SelectVictimsResult,
  type Victims,
} from './preemption.js';
import { Status } from './status.js';
import { createTestHandle, type TestHandle } from './testing.js';

// ---- builders ----

interface PodOpts {
  readonly priority?: number;
  readonly cpu?: number;
  readonly node?: string;
  readonly start?: string;
  readonly created?: string;
  readonly labels?: Record<string, string>;
  readonly ns?: string;
  readonly deleting?: boolean;
  readonly conditions?: PodCondition[];
  readonly nominated?: string;
  readonly schedulerName?: string;
}

function pod(name: string, o: PodOpts = {}): Pod & KubeObject {
  const p: Pod & KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: o.ns ?? 'default',
      uid: `uid-${name}`,
      ...(o.labels ? { labels: o.labels } : {}),
      ...(o.created ? { creationTimestamp: o.created } : {}),
      ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:10:00Z' } : {}),
    },
    spec: {
      containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: `${o.cpu ?? 0}m` } } }],
      ...(o.priority !== undefined ? { priority: o.priority } : {}),
      ...(o.node ? { nodeName: o.node } : {}),
      ...(o.schedulerName ? { schedulerName: o.schedulerName } : {}),
    },
  };
  const status: Record<string, unknown> = {};
  if (o.start) status['startTime'] = o.start;
  if (o.conditions) status['conditions'] = o.conditions;
  if (o.nominated) status['nominatedNodeName'] = o.nominated;
  if (Object.keys(status).length > 0) p.status = status;
  return p;
}

function node(name: string, cpuMilli = 4000, pods = 110, labels: Record<string, string> = {}): Node & KubeObject {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels }, status: { allocatable: { cpu: `${cpuMilli}m`, pods: String(pods) } } };
}

function pdb(name: string, o: { selector?: LabelSelector; allowed: number; ns?: string; disrupted?: string[] }): PodDisruptionBudget & KubeObject {
  const spec: Record<string, unknown> = {};
  if (o.selector !== undefined) spec['selector'] = o.selector;
  const status: Record<string, unknown> = { disruptionsAllowed: o.allowed, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
  if (o.disrupted) status['disruptedPods'] = Object.fromEntries(o.disrupted.map((p) => [p, '2026-01-01T00:00:00Z']));
  return { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name, namespace: o.ns ?? 'default' }, spec, status } as unknown as PodDisruptionBudget & KubeObject;
}

// ---- fake filter plugins ----

/** A cpu filter: UnschedulableAndUnresolvable when the pod is bigger than the node, else Unschedulable when full. */
const cpuFilter: SchedulerPluginInstance = {
  filter(_state, p, ni) {
    const req = podRequests(p).milliCPU;
    if (req > ni.allocatable.milliCPU) return Status.unschedulableAndUnresolvable('Insufficient cpu');
    if (ni.requested.milliCPU + req > ni.allocatable.milliCPU) return Status.unschedulable('Insufficient cpu');
    return undefined;
  },
};

/** A pod-count filter, as NodeResourcesFit's "Too many pods". */
const podCountFilter: SchedulerPluginInstance = {
  filter(_state, _p, ni) {
    return ni.pods.length + 1 > ni.allocatable.allowedPodNumber ? Status.unschedulable('Too many pods') : undefined;
  },
};

/** Nodes labelled `blocked=true` reject every pod, unresolvably (as an untolerated taint). */
const blockedFilter: SchedulerPluginInstance = {
  filter(_state, _p, ni) {
    return ni.node.metadata?.labels?.['blocked'] === 'true' ? Status.unschedulableAndUnresolvable('node(s) had untolerated taint {blocked: true}') : undefined;
  },
};

const FILTERS = [
  { name: 'Blocked', instance: blockedFilter },
  { name: 'PodCount', instance: podCountFilter },
  { name: 'Cpu', instance: cpuFilter },
];

// ---- a policy for the evaluator ----

interface TestPolicyOptions {
  readonly offset?: number;
  readonly numCandidates?: number;
  readonly eligibility?: PreemptionEligibility;
  readonly scoreFuncs?: readonly PreemptionScoreFunc[];
  readonly select?: (state: CycleState, p: DeepReadonly<Pod>, ni: MutableNodeInfo, pdbs: readonly DeepReadonly<PodDisruptionBudget>[]) => SelectVictimsResult;
}

class TestPolicy implements PreemptionInterface {
  readonly visited: string[] = [];
  constructor(
    readonly handle: Handle,
    readonly opts: TestPolicyOptions = {},
  ) {}
  getOffsetAndNumCandidates(n: number): readonly [number, number] {
    return [this.opts.offset ?? this.handle.rng.below(n), Math.min(this.opts.numCandidates ?? n, n)];
  }
  candidatesToVictimsMap(candidates: readonly Candidate[]): ReadonlyMap<string, Victims> {
    return new Map(candidates.map((c) => [c.name, c.victims]));
  }
  podEligibleToPreemptOthers(): PreemptionEligibility {
    return this.opts.eligibility ?? { eligible: true, message: '' };
  }
  selectVictimsOnNode(state: CycleState, p: DeepReadonly<Pod>, ni: MutableNodeInfo, pdbs: readonly DeepReadonly<PodDisruptionBudget>[]): SelectVictimsResult {
    this.visited.push(ni.name);
    return this.opts.select ? this.opts.select(state, p, ni, pdbs) : selectVictimsOnNode(this.handle, state, p, ni, pdbs);
  }
  orderedScoreFuncs(): readonly PreemptionScoreFunc[] | undefined {
    return this.opts.scoreFuncs;
  }
}

/** The filter status of every node, as the scheduler passes it to PostFilter. */
function statusesFor(h: Handle, p: DeepReadonly<Pod>): Map<string, Status> {
  const m = new Map<string, Status>();
  for (const ni of h.snapshot().list()) m.set(ni.name, h.runFilterPluginsWithNominatedPods(new CycleState(), p, ni));
  return m;
}

function handleOf(nodes: readonly (Node & KubeObject)[], pods: readonly (Pod & KubeObject)[], extra: { objects?: KubeObject[]; nominated?: Map<string, PodInfo[]>; seed?: number } = {}): TestHandle {
  return createTestHandle({
    nodes,
    pods,
    filterPlugins: FILTERS,
    ...(extra.objects ? { objects: extra.objects } : {}),
    ...(extra.nominated ? { nominatedPods: extra.nominated } : {}),
    ...(extra.seed !== undefined ? { seed: extra.seed } : {}),
  });
}

/** A handle whose client also captures the full conditions set on victims. */
function capturing(h: TestHandle): { handle: Handle; conditions: { pod: string; reason?: string; message?: string }[] } {
  const conditions: { pod: string; reason?: string; message?: string }[] = [];
  const client = {
    ...h.client,
    setPodCondition(p: DeepReadonly<Pod>, c: { type: string; status: 'True' | 'False' | 'Unknown'; reason?: string; message?: string }) {
      conditions.push({ pod: p.metadata?.name ?? '', ...(c.reason !== undefined ? { reason: c.reason } : {}), ...(c.message !== undefined ? { message: c.message } : {}) });
      return h.client.setPodCondition(p, c);
    },
  };
  return { handle: { ...h, client }, conditions };
}

function names(pods: readonly DeepReadonly<Pod>[]): string[] {
  return pods.map((p) => p.metadata?.name ?? '');
}

const T0 = '2026-01-01T00:00:00Z';
const T1 = '2026-01-01T00:01:00Z';
const T2 = '2026-01-01T00:02:00Z';

describe('preemption', () => {
  describe('pod importance', () => {
    it('reads the start time from status.startTime, else creationTimestamp', () => {
      assert.equal(podStartTimeMs(pod('a', { start: T1, created: T0 })), 60_000);
      assert.equal(podStartTimeMs(pod('a', { created: T2 })), 120_000);
      assert.equal(podStartTimeMs(pod('a')), Number.NEGATIVE_INFINITY);
    });

    const table: [what: string, a: Pod, b: Pod, aMore: boolean, bMore: boolean][] = [
      ['higher priority', pod('a', { priority: 2 }), pod('b', { priority: 1 }), true, false],
      ['nil priority is 0', pod('a'), pod('b', { priority: -1 }), true, false],
      ['equal priority, earlier start', pod('a', { priority: 1, start: T0 }), pod('b', { priority: 1, start: T1 }), true, false],
      ['priority beats start time', pod('a', { priority: 1, start: T1 }), pod('b', { priority: 2, start: T0 }), false, true],
      ['full tie', pod('a', { priority: 1, start: T0 }), pod('b', { priority: 1, start: T0 }), false, false],
    ];
    for (const [what, a, b, aMore, bMore] of table) {
      it(`moreImportantPod: ${what}`, () => {
        assert.equal(moreImportantPod(a, b), aMore);
        assert.equal(moreImportantPod(b, a), bMore);
      });
    }

    it('takes the earliest start time among the most important victims', () => {
      const v: Victims = {
        pods: [pod('a', { priority: 5, start: T2 }), pod('b', { priority: 5, start: T1 }), pod('c', { priority: 1, start: T0 })],
        numPDBViolations: 0,
      };
      assert.equal(earliestPodStartTimeMs(v), 60_000);
      assert.equal(earliestPodStartTimeMs({ pods: [], numPDBViolations: 0 }), undefined);
    });
  });

  describe('filterPodsWithPDBViolation', () => {
    const app = { app: 'web' };
    const table: [what: string, pods: Pod[], pdbs: PodDisruptionBudget[], violating: string[]][] = [
      ['budget 1, two matching pods: the second violates', [pod('a', { labels: app }), pod('b', { labels: app })], [pdb('p', { selector: { matchLabels: app }, allowed: 1 })], ['b']],
      ['budget 0: every matching pod violates', [pod('a', { labels: app }), pod('b', { labels: app })], [pdb('p', { selector: { matchLabels: app }, allowed: 0 })], ['a', 'b']],
      ['a nil selector matches nothing', [pod('a', { labels: app })], [pdb('p', { allowed: 0 })], []],
      ['an empty selector matches nothing', [pod('a', { labels: app })], [pdb('p', { selector: {}, allowed: 0 })], []],
      ['an invalid selector matches nothing', [pod('a', { labels: app })], [pdb('p', { selector: { matchExpressions: [{ key: 'app', operator: 'Bogus' }] }, allowed: 0 })], []],
      ['another namespace does not count', [pod('a', { labels: app })], [pdb('p', { selector: { matchLabels: app }, allowed: 0, ns: 'other' })], []],
      ['a pod without labels matches no PDB', [pod('a')], [pdb('p', { selector: { matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, allowed: 0 })], []],
      ['pods in disruptedPods are skipped', [pod('a', { labels: app }), pod('b', { labels: app })], [pdb('p', { selector: { matchLabels: app }, allowed: 1, disrupted: ['a'] })], []],
      [
        'any exhausted budget makes the pod violating',
        [pod('a', { labels: { app: 'web', tier: 'x' } })],
        [pdb('p1', { selector: { matchLabels: app }, allowed: 3 }), pdb('p2', { selector: { matchLabels: { tier: 'x' } }, allowed: 0 })],
        ['a'],
      ],
    ];
    for (const [what, pods, pdbs, violating] of table) {
      it(what, () => {
        const infos = pods.map(newPodInfo);
        const r = filterPodsWithPDBViolation(infos, pdbs);
        assert.deepEqual(names(r.violating.map((p) => p.pod)), violating);
        assert.deepEqual(
          names(r.nonViolating.map((p) => p.pod)),
          names(pods).filter((n) => !violating.includes(n)),
        );
      });
    }
  });

  describe('pickOneNodeForPreemption', () => {
    const v = (numPDBViolations: number, ...pods: Pod[]): Victims => ({ pods, numPDBViolations });
    const MIN_INT32 = -2147483648;
    const table: [what: string, victims: [string, Victims][], want: string][] = [
      ['fewest PDB violations', [['a', v(1, pod('x', { priority: 1 }))], ['b', v(0, pod('y', { priority: 9 }), pod('z', { priority: 9 }))]], 'b'],
      ['lowest highest-victim priority', [['a', v(0, pod('x', { priority: 5 }))], ['b', v(0, pod('y', { priority: 4 }), pod('z', { priority: 4 }), pod('w', { priority: 4 }))]], 'b'],
      ['smallest sum of priorities', [['a', v(0, pod('x', { priority: 5 }), pod('y', { priority: 3 }))], ['b', v(0, pod('z', { priority: 5 }), pod('w', { priority: 2 }))]], 'b'],
      [
        'sum shifted by MaxInt32+1: more negative-priority victims cost more',
        [['a', v(0, pod('x', { priority: -5 }), pod('y', { priority: -5 }))], ['b', v(0, pod('z', { priority: -5 }))]],
        'b',
      ],
      [
        'fewest victims when the shifted sums tie',
        [['a', v(0, pod('x', { priority: 7 }), pod('y', { priority: MIN_INT32 }))], ['b', v(0, pod('z', { priority: 7 }))]],
        'b',
      ],
      [
        'latest earliest start time of the most important victims',
        [['a', v(0, pod('x', { priority: 3, start: T0 }), pod('y', { priority: 1, start: T2 }))], ['b', v(0, pod('z', { priority: 3, start: T1 }), pod('w', { priority: 1, start: T0 }))]],
        'b',
      ],
      ['the first node in candidate order on a full tie', [['b', v(0, pod('x', { priority: 3, start: T0 }))], ['a', v(0, pod('y', { priority: 3, start: T0 }))]], 'b'],
      ['a single candidate', [['only', v(2, pod('x'))]], 'only'],
    ];
    for (const [what, victims, want] of table) {
      it(what, () => assert.equal(pickOneNodeForPreemption(new Map(victims)), want));
    }

    it('returns "" without candidates', () => assert.equal(pickOneNodeForPreemption(new Map()), ''));

    it('uses the given score functions instead of the default cascade', () => {
      const m = new Map<string, Victims>([
        ['a', v(0, pod('x', { priority: 1 }))],
        ['b', v(5, pod('y', { priority: 9 }))],
        ['c', v(5, pod('z', { priority: 8 }))],
      ]);
      assert.equal(pickOneNodeForPreemption(m, [(n) => (n === 'a' ? 0 : 1)]), 'b');
      assert.equal(pickOneNodeForPreemption(m, [(n) => (n === 'a' ? 0 : 1), (n) => (n === 'c' ? 1 : 0)]), 'c');
    });
  });

  describe('selectVictimsOnNode', () => {
    function run(
      pods: (Pod & KubeObject)[],
      preemptor: Pod,
      opts: { pdbs?: PodDisruptionBudget[]; cpu?: number; isEligiblePod?: (v: PodInfo) => boolean } = {},
    ): { r: SelectVictimsResult; original: MutableNodeInfo } {
      const n = node('n1', opts.cpu ?? 4000);
      const h = handleOf([n], pods);
      const original = h.snapshot().get('n1') as MutableNodeInfo;
      const r = selectVictimsOnNode(
        h,
        new CycleState(),
        preemptor,
        original.clone(),
        opts.pdbs ?? [],
        opts.isEligiblePod ? { isEligiblePod: (_ni, v) => opts.isEligiblePod!(v) } : {},
      );
      return { r, original };
    }

    it('reprieves the most important pods first', () => {
      const { r } = run(
        [pod('p1', { priority: 1, cpu: 1000, node: 'n1' }), pod('p2', { priority: 2, cpu: 1000, node: 'n1' }), pod('p3', { priority: 3, cpu: 2000, node: 'n1' })],
        pod('hi', { priority: 10, cpu: 2000 }),
      );
      assert.equal(r.status.code, 'Success');
      assert.deepEqual(names(r.victims), ['p2', 'p1']);
      assert.equal(r.numPDBViolations, 0);
    });

    it('at equal priority keeps the older pod and preempts the younger', () => {
      const { r } = run(
        [pod('young', { priority: 1, cpu: 2000, node: 'n1', start: T2 }), pod('old', { priority: 1, cpu: 2000, node: 'n1', start: T0 })],
        pod('hi', { priority: 10, cpu: 2000 }),
      );
      assert.deepEqual(names(r.victims), ['young']);
    });

    it('never preempts pods of equal or higher priority', () => {
      const { r } = run(
        [pod('same', { priority: 10, cpu: 1000, node: 'n1' }), pod('higher', { priority: 11, cpu: 1000, node: 'n1' }), pod('low', { priority: 1, cpu: 2000, node: 'n1' })],
        pod('hi', { priority: 10, cpu: 2000 }),
      );
      assert.deepEqual(names(r.victims), ['low']);
    });

    it('reprieves PDB-violating pods before the others', () => {
      const pods = [pod('guarded', { priority: 1, cpu: 2000, node: 'n1', labels: { app: 'db' } }), pod('free', { priority: 5, cpu: 2000, node: 'n1' })];
      const preemptor = pod('hi', { priority: 10, cpu: 2000 });
      // Without a PDB the more important pod is reprieved and the other preempted...
      assert.deepEqual(names(run(pods, preemptor).r.victims), ['guarded']);
      // ...with one, the PDB-protected pod is reprieved first and the other one goes.
      const { r } = run(pods, preemptor, { pdbs: [pdb('db', { selector: { matchLabels: { app: 'db' } }, allowed: 0 })] });
      assert.deepEqual(names(r.victims), ['free']);
      assert.equal(r.numPDBViolations, 0);
    });

    it('counts the PDB-violating pods that must go, and sorts all victims by importance', () => {
      const { r } = run(
        [
          pod('guarded', { priority: 1, cpu: 2000, node: 'n1', labels: { app: 'db' } }),
          pod('free', { priority: 5, cpu: 2000, node: 'n1' }),
        ],
        pod('hi', { priority: 10, cpu: 4000 }),
        { pdbs: [pdb('db', { selector: { matchLabels: { app: 'db' } }, allowed: 0 })] },
      );
      assert.deepEqual(names(r.victims), ['free', 'guarded']);
      assert.equal(r.numPDBViolations, 1);
    });

    it('is UnschedulableAndUnresolvable without lower-priority pods', () => {
      const { r } = run([pod('same', { priority: 10, cpu: 4000, node: 'n1' })], pod('hi', { priority: 10, cpu: 1000 }));
      assert.equal(r.status.code, 'UnschedulableAndUnresolvable');
      assert.deepEqual(r.status.reasons, [ERR_NO_PREEMPTION_VICTIMS]);
      assert.deepEqual(r.victims, []);
    });

    it('returns the filter status when removing every lower-priority pod is not enough', () => {
      const { r } = run([pod('big', { priority: 20, cpu: 3000, node: 'n1' }), pod('low', { priority: 1, cpu: 1000, node: 'n1' })], pod('hi', { priority: 10, cpu: 2000 }));
      assert.equal(r.status.code, 'Unschedulable');
      assert.deepEqual(r.status.reasons, ['Insufficient cpu']);
      assert.equal(r.status.plugin, 'Cpu');
    });

    it('honours isEligiblePod', () => {
      const { r } = run(
        [pod('protected', { priority: 1, cpu: 2000, node: 'n1' }), pod('other', { priority: 2, cpu: 2000, node: 'n1' })],
        pod('hi', { priority: 10, cpu: 2000 }),
        { isEligiblePod: (v) => v.pod.metadata?.name !== 'protected' },
      );
      assert.deepEqual(names(r.victims), ['other']);
    });

    it('works on the copy it is given', () => {
      const { original } = run([pod('low', { priority: 1, cpu: 4000, node: 'n1' })], pod('hi', { priority: 10, cpu: 2000 }));
      assert.deepEqual(names(original.pods.map((p) => p.pod)), ['low']);
      assert.equal(original.requested.milliCPU, 4000);
    });
  });

  describe('Evaluator.preempt', () => {
    it('returns the policy message when the pod is not eligible, leaving the nomination alone', () => {
      const h = handleOf([node('n1')], [pod('low', { priority: 1, cpu: 4000, node: 'n1' })]);
      const ev = new Evaluator('Test', h, new TestPolicy(h, { eligibility: { eligible: false, message: 'nope' } }));
      const p = pod('hi', { priority: 10, cpu: 1000 });
      const r = ev.preempt(new CycleState(), p, statusesFor(h, p));
      assert.deepEqual(r, { status: Status.unschedulable('nope') });
      assert.deepEqual(h.calls, []);
    });

    it('dry-runs only nodes whose status is Unschedulable and explains the others', () => {
      const nodes = [node('n1'), node('n2', 4000, 110, { blocked: 'true' }), node('n3')];
      const pods = [
        pod('eq', { priority: 10, cpu: 4000, node: 'n1' }),
        pod('low2', { priority: 1, cpu: 4000, node: 'n2' }),
        pod('big', { priority: 20, cpu: 3000, node: 'n3' }),
        pod('low3', { priority: 1, cpu: 1000, node: 'n3' }),
      ];
      const h = handleOf(nodes, pods);
      const policy = new TestPolicy(h, { offset: 0 });
      const p = pod('hi', { priority: 10, cpu: 2000 });
      const r = new Evaluator('Test', h, policy).preempt(new CycleState(), p, statusesFor(h, p));
      assert.deepEqual(policy.visited, ['n1', 'n3']);
      assert.equal(r.status.code, 'Unschedulable');
      assert.deepEqual(r.status.reasons, [
        '0/3 nodes are available: 1 Insufficient cpu, 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.',
      ]);
      assert.equal(r.nominatedNodeName, '');
      assert.equal(r.nominatingMode, 'Override');
      assert.deepEqual(h.calls, []);
    });

    it('says preemption is not helpful anywhere when no node is merely Unschedulable', () => {
      const h = handleOf([node('n1', 4000, 110, { blocked: 'true' }), node('n2', 1000)], [pod('low', { priority: 1, cpu: 1000, node: 'n2' })]);
      const policy = new TestPolicy(h);
      const p = pod('hi', { priority: 10, cpu: 2000 });
      const r = new Evaluator('Test', h, policy).preempt(new CycleState(), p, statusesFor(h, p));
      assert.deepEqual(policy.visited, []);
      assert.deepEqual(r.status.reasons, ['0/2 nodes are available: 2 Preemption is not helpful for scheduling.']);
    });

    it('treats nodes missing from the status map as not helped by preemption', () => {
      const h = handleOf([node('n1'), node('n2')], [pod('a', { priority: 1, cpu: 4000, node: 'n1' }), pod('b', { priority: 1, cpu: 4000, node: 'n2' })]);
      const policy = new TestPolicy(h, { offset: 0 });
      const p = pod('hi', { priority: 10, cpu: 2000 });
      const r = new Evaluator('Test', h, policy).preempt(new CycleState(), p, new Map([['n2', Status.unschedulable('Insufficient cpu')]]));
      assert.deepEqual(policy.visited, ['n2']);
      assert.equal(r.nominatedNodeName, 'n2');
    });

    it('preempts the victims of the chosen node and nominates the pod there (asynchronous order)', () => {
      const nodes = [node('n1'), node('n2')];
      const pods = [
        pod('a1', { priority: 5, cpu: 2000, node: 'n1' }),
        pod('a2', { priority: 5, cpu: 2000, node: 'n1' }),
        pod('b1', { priority: 1, cpu: 2000, node: 'n2', start: T0 }),
        pod('b2', { priority: 1, cpu: 2000, node: 'n2', start: T1 }),
      ];
      const nominatedLow = pod('nom-low', { priority: 3, nominated: 'n2' });
      const nominatedHigh = pod('nom-high', { priority: 50, nominated: 'n2' });
      const h = handleOf(nodes, pods, { nominated: new Map([['n2', [newPodInfo(nominatedLow), newPodInfo(nominatedHigh)]]]) });
      const { handle, conditions } = capturing(h);
      const p = pod('hi', { priority: 100, cpu: 4000, schedulerName: 'my-scheduler' });
      const r = new Evaluator('Test', handle, new TestPolicy(handle)).preempt(new CycleState(), p, statusesFor(h, p));
      // n2's victims have the lower priority; both nominated pods rank below the preemptor, so their
      // nominations are cleared first, then the victims go, most important (oldest) first.
      assert.deepEqual(r, { status: Status.success(), nominatedNodeName: 'n2', nominatingMode: 'Override' });
      assert.deepEqual(h.calls, [
        { kind: 'setNominatedNodeName', pod: 'default/nom-low', node: undefined },
        { kind: 'setNominatedNodeName', pod: 'default/nom-high', node: undefined },
        { kind: 'setPodCondition', pod: 'default/b1', type: 'DisruptionTarget', status: 'True' },
        { kind: 'deletePod', pod: 'default/b1', reason: 'Preempted by pod uid-hi on node n2' },
        { kind: 'setPodCondition', pod: 'default/b2', type: 'DisruptionTarget', status: 'True' },
        { kind: 'deletePod', pod: 'default/b2', reason: 'Preempted by pod uid-hi on node n2' },
      ]);
      assert.deepEqual(conditions, [
        { pod: 'b1', reason: 'PreemptionByScheduler', message: 'my-scheduler: preempting to accommodate a higher priority pod' },
        { pod: 'b2', reason: 'PreemptionByScheduler', message: 'my-scheduler: preempting to accommodate a higher priority pod' },
      ]);
    });

    it('deletes first and clears nominations afterwards when preemption is synchronous', () => {
      const h = handleOf([node('n1')], [pod('low', { priority: 1, cpu: 4000, node: 'n1' })], {
        nominated: new Map([['n1', [newPodInfo(pod('nom', { priority: 2, nominated: 'n1' })), newPodInfo(pod('peer', { priority: 10, nominated: 'n1' }))]]]),
      });
      const p = pod('hi', { priority: 10, cpu: 1000 });
      const r = new Evaluator('Test', h, new TestPolicy(h), { enableAsyncPreemption: false }).preempt(new CycleState(), p, statusesFor(h, p));
      assert.equal(r.nominatedNodeName, 'n1');
      assert.deepEqual(
        h.calls.map((c) => `${c.kind} ${c.pod}`),
        ['setPodCondition default/low', 'deletePod default/low', 'setNominatedNodeName default/nom'],
      );
    });

    it('uses the handle scheduler name when the preemptor has none', () => {
      const h = handleOf([node('n1')], [pod('low', { priority: 1, cpu: 4000, node: 'n1' })]);
      const { handle, conditions } = capturing(h);
      const p = pod('hi', { priority: 10, cpu: 1000 });
      new Evaluator('Test', handle, new TestPolicy(handle)).preempt(new CycleState(), p, statusesFor(h, p));
      assert.equal(conditions[0]?.message, 'default-scheduler: preempting to accommodate a higher priority pod');
    });

    it('skips victims already terminating, and does nothing at all when every victim is', () => {
      const disruption: PodCondition = { type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler', message: 'x' };
      const h = handleOf([node('n1')], [pod('gone', { priority: 1, cpu: 2000, node: 'n1', deleting: true, conditions: [disruption] }), pod('low', { priority: 2, cpu: 2000, node: 'n1' })]);
      const p = pod('hi', { priority: 10, cpu: 4000 });
      const r = new Evaluator('Test', h, new TestPolicy(h)).preempt(new CycleState(), p, statusesFor(h, p));
      assert.equal(r.nominatedNodeName, 'n1');
      assert.deepEqual(h.calls.map((c) => `${c.kind} ${c.pod}`), ['setPodCondition default/low', 'deletePod default/low']);

      const h2 = handleOf([node('n1')], [pod('gone', { priority: 1, cpu: 4000, node: 'n1', deleting: true })], {
        nominated: new Map([['n1', [newPodInfo(pod('nom', { priority: 2, nominated: 'n1' }))]]]),
      });
      const r2 = new Evaluator('Test', h2, new TestPolicy(h2)).preempt(new CycleState(), p, statusesFor(h2, p));
      assert.equal(r2.nominatedNodeName, 'n1');
      assert.deepEqual(h2.calls, []);
    });

    it('does not set the DisruptionTarget condition again when it is already there', () => {
      const message = 'default-scheduler: preempting to accommodate a higher priority pod';
      const h = handleOf([node('n1')], [pod('low', { priority: 1, cpu: 4000, node: 'n1', conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler', message }] })]);
      const p = pod('hi', { priority: 10, cpu: 1000 });
      new Evaluator('Test', h, new TestPolicy(h)).preempt(new CycleState(), p, statusesFor(h, p));
      assert.deepEqual(h.calls.map((c) => c.kind), ['deletePod']);
    });

    it('rejects a victim waiting at Permit instead of deleting it', () => {
      const h = handleOf([node('n1')], [pod('waiting', { priority: 1, cpu: 2000, node: 'n1' }), pod('low', { priority: 2, cpu: 2000, node: 'n1' })]);
      const rejected: string[] = [];
      const wp: WaitingPod = { pod: pod('waiting'), nodeName: 'n1', pendingPlugins: () => ['Gate'], allow: () => undefined, reject: () => undefined };
      const handle: Handle = {
        ...h,
        getWaitingPod: (uid) => (uid === 'uid-waiting' ? wp : undefined),
        rejectWaitingPod: (uid) => {
          rejected.push(uid);
          return true;
        },
      };
      const p = pod('hi', { priority: 10, cpu: 4000 });
      new Evaluator('Test', handle, new TestPolicy(handle)).preempt(new CycleState(), p, statusesFor(h, p));
      assert.deepEqual(rejected, ['uid-waiting']);
      assert.deepEqual(h.calls.map((c) => `${c.kind} ${c.pod}`), ['setPodCondition default/low', 'deletePod default/low']);
    });

    it('respects the capacity reserved by nominated pods of equal or higher priority', () => {
      const nodes = [node('n1'), node('n2')];
      const pods = [pod('a', { priority: 1, cpu: 4000, node: 'n1' }), pod('b', { priority: 1, cpu: 4000, node: 'n2' })];
      // A nominated pod of higher priority holds n1 entirely, so only n2 can be a candidate.
      const h = handleOf(nodes, pods, { nominated: new Map([['n1', [newPodInfo(pod('reserved', { priority: 50, cpu: 4000, nominated: 'n1' }))]]]) });
      const p = pod('hi', { priority: 10, cpu: 2000 });
      const policy = new TestPolicy(h, { offset: 0 });
      const r = new Evaluator('Test', h, policy).preempt(new CycleState(), p, statusesFor(h, p));
      assert.deepEqual(policy.visited, ['n1', 'n2']);
      assert.equal(r.nominatedNodeName, 'n2');
      // A lower-priority nominated pod reserves nothing against the preemptor.
      const h2 = handleOf(nodes, pods, { nominated: new Map([['n1', [newPodInfo(pod('reserved', { priority: 5, cpu: 4000, nominated: 'n1' }))]]]) });
      const r2 = new Evaluator('Test', h2, new TestPolicy(h2, { offset: 0, numCandidates: 1 })).preempt(new CycleState(), p, statusesFor(h2, p));
      assert.equal(r2.nominatedNodeName, 'n1');
    });

    it('starts the dry run at the offset and stops after numCandidates candidates', () => {
      const nodes = [node('n1'), node('n2'), node('n3'), node('n4')];
      const pods = nodes.map((n, i) => pod(`low${i + 1}`, { priority: 1, cpu: 4000, node: n.metadata.name ?? '' }));
      const h = handleOf(nodes, pods);
      const p = pod('hi', { priority: 10, cpu: 1000 });
      const policy = new TestPolicy(h, { offset: 2, numCandidates: 2 });
      const r = new Evaluator('Test', h, policy).preempt(new CycleState(), p, statusesFor(h, p));
      assert.deepEqual(policy.visited, ['n3', 'n4']);
      // Both candidates tie on every criterion: the first in candidate order wins.
      assert.equal(r.nominatedNodeName, 'n3');
      const wrap = new TestPolicy(h, { offset: 3, numCandidates: 2 });
      new Evaluator('Test', h, wrap).preempt(new CycleState(), p, statusesFor(h, p));
      assert.deepEqual(wrap.visited, ['n4', 'n1']);
    });

    it('keeps searching until a candidate without PDB violations is found', () => {
      const nodes = [node('n1'), node('n2'), node('n3')];
      const pods = [
        pod('guarded', { priority: 1, cpu: 4000, node: 'n1', labels: { app: 'db' } }),
        pod('free2', { priority: 1, cpu: 4000, node: 'n2' }),
        pod('free3', { priority: 1, cpu: 4000, node: 'n3' }),
      ];
      const h = handleOf(nodes, pods, { objects: [pdb('db', { selector: { matchLabels: { app: 'db' } }, allowed: 0 })] });
      const p = pod('hi', { priority: 10, cpu: 1000 });
      const policy = new TestPolicy(h, { offset: 0, numCandidates: 1 });
      const r = new Evaluator('Test', h, policy).preempt(new CycleState(), p, statusesFor(h, p));
      assert.deepEqual(policy.visited, ['n1', 'n2']);
      assert.equal(r.nominatedNodeName, 'n2');
    });

    it('draws the offset from the handle RNG, reproducibly', () => {
      const nodes = Array.from({ length: 8 }, (_, i) => node(`n${i}`));
      const pods = nodes.map((n, i) => pod(`low${i}`, { priority: 1, cpu: 4000, node: n.metadata.name ?? '' }));
      const choose = (seed: number): string | undefined => {
        const h = handleOf(nodes, pods, { seed });
        const p = pod('hi', { priority: 10, cpu: 1000 });
        return new Evaluator('Test', h, new TestPolicy(h, { numCandidates: 1 })).preempt(new CycleState(), p, statusesFor(h, p)).nominatedNodeName;
      };
      assert.equal(choose(7), choose(7));
      const seen = new Set(Array.from({ length: 12 }, (_, s) => choose(s)));
      assert.ok(seen.size > 1, 'different seeds should start at different nodes');
    });

    it('dry-runs on copies: neither the snapshot nor the cycle state changes', () => {
      const key = new StateKey<{ n: number; clone(): unknown }>('Counter');
      const log: string[] = [];
      const counting: SchedulerPluginInstance = {
        preFilter: () => undefined,
        preFilterExtensions: {
          addPod(state, _p, pi) {
            log.push(`add ${pi.pod.metadata?.name}`);
            state.read(key)!.n++;
            return undefined;
          },
          removePod(state, _p, pi) {
            log.push(`remove ${pi.pod.metadata?.name}`);
            state.read(key)!.n--;
            return undefined;
          },
        },
      };
      const h = createTestHandle({
        nodes: [node('n1')],
        pods: [pod('a', { priority: 1, cpu: 2000, node: 'n1' }), pod('b', { priority: 2, cpu: 2000, node: 'n1' })],
        filterPlugins: [{ name: 'Counting', instance: counting }, ...FILTERS],
      });
      const state = new CycleState();
      const counter = { n: 0, clone() { return { ...this }; } };
      state.write(key, counter);
      const before = h.snapshot().get('n1')!;
      const generation = before.generation;
      const p = pod('hi', { priority: 10, cpu: 2000 });
      const r = new Evaluator('Test', h, new TestPolicy(h)).preempt(state, p, statusesFor(h, p));
      assert.equal(r.nominatedNodeName, 'n1');
      assert.deepEqual(log, ['remove a', 'remove b', 'add b', 'add a', 'remove a']);
      assert.equal(counter.n, 0);
      assert.equal(state.read(key), counter);
      assert.equal(h.snapshot().get('n1')!.generation, generation);
      assert.equal(h.snapshot().get('n1')!.pods.length, 2);
    });

    it('reports a node where the policy found no victims as an error', () => {
      const h = handleOf([node('n1')], [pod('low', { priority: 1, cpu: 4000, node: 'n1' })]);
      const policy = new TestPolicy(h, { select: () => ({ victims: [], numPDBViolations: 0, status: Status.success() }) });
      const p = pod('hi', { priority: 10, cpu: 1000 });
      const r = new Evaluator('Test', h, policy).preempt(new CycleState(), p, statusesFor(h, p));
      assert.equal(r.status.code, 'Error');
      assert.deepEqual(r.status.reasons, ['expected at least one victim pod on node "n1"']);
      assert.equal(r.nominatedNodeName, undefined);
    });

    it('aggregates distinct errors of several nodes', () => {
      const h = handleOf([node('n1'), node('n2'), node('n3')], [
        pod('a', { priority: 1, cpu: 4000, node: 'n1' }),
        pod('b', { priority: 1, cpu: 4000, node: 'n2' }),
        pod('c', { priority: 1, cpu: 4000, node: 'n3' }),
      ]);
      const policy = new TestPolicy(h, { offset: 0, select: (_s, _p, ni) => ({ victims: [], numPDBViolations: 0, status: Status.error(ni.name === 'n3' ? 'boom' : 'bang') }) });
      const p = pod('hi', { priority: 10, cpu: 1000 });
      const r = new Evaluator('Test', h, policy).preempt(new CycleState(), p, statusesFor(h, p));
      assert.deepEqual(r.status.reasons, ['[bang, boom]']);
    });

    it('uses the policy score functions to choose among candidates', () => {
      const nodes = [node('n1'), node('n2')];
      const pods = [pod('a', { priority: 1, cpu: 4000, node: 'n1' }), pod('b', { priority: 9, cpu: 4000, node: 'n2' })];
      const h = handleOf(nodes, pods);
      const p = pod('hi', { priority: 10, cpu: 1000 });
      const r = new Evaluator('Test', h, new TestPolicy(h, { offset: 0, scoreFuncs: [(n) => (n === 'n2' ? 1 : 0)] })).preempt(new CycleState(), p, statusesFor(h, p));
      assert.equal(r.nominatedNodeName, 'n2');
      const d = new Evaluator('Test', h, new TestPolicy(h, { offset: 0 })).preempt(new CycleState(), p, statusesFor(h, p));
      assert.equal(d.nominatedNodeName, 'n1');
    });

    it('is never in flight outside preempt, since actuation completes at once', () => {
      const h = handleOf([node('n1')], [pod('a', { priority: 1, cpu: 2000, node: 'n1' }), pod('b', { priority: 1, cpu: 2000, node: 'n1' })]);
      let during: boolean | undefined;
      const handle: Handle = {
        ...h,
        client: {
          ...h.client,
          deletePod(victim, reason) {
            if (victim.metadata?.name === 'a') during = ev.isPodRunningPreemption('uid-hi');
            return h.client.deletePod(victim, reason);
          },
        },
      };
      const ev = new Evaluator('Test', handle, new TestPolicy(handle));
      const p = pod('hi', { priority: 10, cpu: 4000 });
      ev.preempt(new CycleState(), p, statusesFor(h, p));
      assert.equal(during, true, 'in flight while victims other than the last are deleted');
      assert.equal(ev.isPodRunningPreemption('uid-hi'), false);
    });
  });

  it('formats the FitError of a preemption without candidates', () => {
    const statuses = new Map([
      ['a', Status.unschedulable('Insufficient cpu', 'Insufficient memory')],
      ['b', Status.unschedulable('Insufficient cpu')],
    ]);
    assert.equal(
      preemptionFitErrorMessage(5, statuses),
      '0/5 nodes are available: 1 Insufficient memory, 2 Insufficient cpu, 3 Preemption is not helpful for scheduling.',
    );
    assert.equal(preemptionFitErrorMessage(0, new Map()), '0/0 nodes are available:');
  });
});
