import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import {
  ActionType,
  CycleState,
  SchedulerConfigError,
  createTestHandle,
  decodePodTopologySpreadArgs,
  loadSchedulerConfig,
  newPodInfo,
  type DeepReadonly,
  type KubeObject,
  type LabelSelector,
  type Node,
  type NodeInfo,
  type NodeScore,
  type Pod,
  type PodTopologySpreadArgs,
  type SchedulerPluginInstance,
  type Status,
  type StatusLike,
  type Taint,
  type TestHandle,
  type Toleration,
  type TopologySpreadConstraint,
} from 'kubeprop';
import { NAME, podTopologySpreadPlugin } from './pod-topology-spread.js';
import { PRE_FILTER_STATE_KEY, type PreFilterState } from './filtering.js';
import { PRE_SCORE_STATE_KEY } from './scoring.js';

/** The shared fixtures live next to the repository (`../shared/fixtures`). */
const FIXTURES = fileURLToPath(new URL('../../../../shared/fixtures/', import.meta.url));
const HAVE_FIXTURES = existsSync(FIXTURES);

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

const ZONE = 'topology.kubernetes.io/zone';
const REGION = 'topology.kubernetes.io/region';
const HOST = 'kubernetes.io/hostname';
const NOT_MATCH = "node(s) didn't match pod topology spread constraints";
const MISSING_LABEL = "node(s) didn't match pod topology spread constraints (missing required label)";

function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as Record<string, unknown>)) deepFreeze(v);
  }
  return o;
}

function mkNode(name: string, labels: Record<string, string> = {}, taints?: Taint[]): DeepReadonly<Node> {
  const n: Node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { [HOST]: name, ...labels } },
    status: { allocatable: { cpu: '4', memory: '8Gi', pods: '110' } },
  };
  if (taints !== undefined) n.spec = { taints };
  return deepFreeze(n);
}

/** A node without the hostname label (so it can miss every label). */
function bareNode(name: string, labels: Record<string, string> = {}): DeepReadonly<Node> {
  return deepFreeze({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels } } as Node);
}

interface PodOpts {
  ns?: string;
  labels?: Record<string, string>;
  node?: string;
  constraints?: TopologySpreadConstraint[];
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  terminating?: boolean;
  owner?: { apiVersion: string; kind: string; name: string; controller?: boolean };
  priority?: number;
}

function mkPod(name: string, o: PodOpts = {}): DeepReadonly<Pod> {
  const ns = o.ns ?? 'default';
  const p: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, uid: `${ns}/${name}`, labels: o.labels ?? {} },
    spec: { containers: [{ name: 'c', image: 'img' }] },
  };
  if (o.node !== undefined) p.spec!.nodeName = o.node;
  if (o.constraints !== undefined) p.spec!.topologySpreadConstraints = o.constraints;
  if (o.nodeSelector !== undefined) p.spec!.nodeSelector = o.nodeSelector;
  if (o.tolerations !== undefined) p.spec!.tolerations = o.tolerations;
  if (o.priority !== undefined) p.spec!.priority = o.priority;
  if (o.terminating) p.metadata!.deletionTimestamp = '2025-01-01T00:00:00Z';
  if (o.owner !== undefined) p.metadata!.ownerReferences = [{ uid: 'owner-uid', controller: true, ...o.owner }];
  return deepFreeze(p);
}

/** `n` pods labelled `labels` bound to `node`. */
function podsOn(node: string, n: number, labels: Record<string, string> = { foo: '' }, o: PodOpts = {}): DeepReadonly<Pod>[] {
  return Array.from({ length: n }, (_, i) => mkPod(`${node}-p${i}-${Object.keys(labels).join('')}${o.ns ?? ''}`, { ...o, labels, node }));
}

function tsc(
  maxSkew: number,
  topologyKey: string,
  whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway',
  labelSelector: LabelSelector | null | undefined,
  extra: Partial<TopologySpreadConstraint> = {},
): TopologySpreadConstraint {
  const c: TopologySpreadConstraint = { maxSkew, topologyKey, whenUnsatisfiable, ...extra };
  if (labelSelector !== undefined) (c as { labelSelector?: LabelSelector | null }).labelSelector = labelSelector;
  return c;
}

const FOO_EXISTS: LabelSelector = { matchExpressions: [{ key: 'foo', operator: 'Exists' }] };

interface Env {
  readonly handle: TestHandle;
  readonly pl: SchedulerPluginInstance;
}

function env(nodes: readonly DeepReadonly<Node>[], pods: readonly DeepReadonly<Pod>[] = [], objects: readonly KubeObject[] = [], rawArgs?: unknown): Env {
  const handle = createTestHandle({ nodes, pods, objects: objects.map((o) => deepFreeze(o)) });
  const args: PodTopologySpreadArgs = decodePodTopologySpreadArgs(rawArgs, 'args');
  return { handle, pl: podTopologySpreadPlugin.create(args, handle) };
}

function code(s: StatusLike): string {
  return s == null ? 'Success' : s.code;
}

/** PreFilter over all nodes; returns the state and the PreFilter status. */
function preFilter(e: Env, pod: DeepReadonly<Pod>): { state: CycleState; status: StatusLike } {
  const state = new CycleState();
  const r = e.pl.preFilter!(state, pod, e.handle.snapshot().list());
  return { state, status: r as StatusLike };
}

/** Filter result per node: 'Success' or `code: reason`. */
function filterAll(e: Env, pod: DeepReadonly<Pod>, state: CycleState): Record<string, string> {
  const out: Record<string, string> = {};
  for (const ni of e.handle.snapshot().list()) {
    const s = e.pl.filter!(state, pod, ni);
    out[ni.name] = s == null || s.code === 'Success' ? 'Success' : `${s.code}: ${s.reasons.join(', ')}`;
  }
  return out;
}

function sortedRecord(m: ReadonlyMap<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of [...m.keys()].sort()) out[k] = m.get(k)!;
  return out;
}

function pfState(state: CycleState): PreFilterState {
  const s = state.read(PRE_FILTER_STATE_KEY);
  assert.ok(s, 'PreFilter state written');
  return s;
}

/** PreScore on `filtered` (default: all nodes), then Score and NormalizeScore. */
function scoreAll(e: Env, pod: DeepReadonly<Pod>, filtered?: readonly string[]): { status: StatusLike; raw: Record<string, number>; normalized: Record<string, number> } {
  const state = new CycleState();
  const all = e.handle.snapshot().list();
  const nodes = filtered === undefined ? all : filtered.map((n) => e.handle.snapshot().get(n)!);
  const status = e.pl.preScore!(state, pod, nodes);
  if (status != null && status.code !== 'Success') return { status, raw: {}, normalized: {} };
  const list: NodeScore[] = nodes.map((ni) => {
    const r = e.pl.score!(state, pod, ni);
    assert.equal(typeof r, 'number');
    return { name: ni.name, score: r as number };
  });
  const raw: Record<string, number> = {};
  for (const s of list) raw[s.name] = s.score;
  assert.equal(code(e.pl.normalizeScore!(state, pod, list)), 'Success');
  const normalized: Record<string, number> = {};
  for (const s of list) normalized[s.name] = s.score;
  return { status, raw, normalized };
}

// Four nodes in two zones; pods with label `foo`: n1 2, n2 1, n3 1, n4 0 (zone a 3, zone b 1).
const fourNodes = [mkNode('n1', { [ZONE]: 'a' }), mkNode('n2', { [ZONE]: 'a' }), mkNode('n3', { [ZONE]: 'b' }), mkNode('n4', { [ZONE]: 'b' })];
const fourPods = [...podsOn('n1', 2), ...podsOn('n2', 1), ...podsOn('n3', 1)];

// ---------------------------------------------------------------------------------------------
// Specs
// ---------------------------------------------------------------------------------------------

describe('PodTopologySpread', () => {
  it('is named as upstream and implements the upstream extension points', () => {
    assert.equal(NAME, 'PodTopologySpread');
    assert.equal(podTopologySpreadPlugin.name, 'PodTopologySpread');
    const { pl } = env(fourNodes);
    for (const m of ['preFilter', 'filter', 'preScore', 'score', 'normalizeScore', 'eventsToRegister'] as const) assert.equal(typeof pl[m], 'function', m);
    assert.equal(typeof pl.preFilterExtensions?.addPod, 'function');
    assert.equal(typeof pl.preFilterExtensions?.removePod, 'function');
  });

  describe('PreFilter', () => {
    const cases: { name: string; pod: DeepReadonly<Pod>; status: string }[] = [
      { name: 'no constraints (System defaults are all soft)', pod: mkPod('p', { labels: { foo: '' } }), status: 'Skip' },
      {
        name: 'only ScheduleAnyway constraints',
        pod: mkPod('p', { labels: { foo: '' }, constraints: [tsc(1, ZONE, 'ScheduleAnyway', FOO_EXISTS)] }),
        status: 'Skip',
      },
      {
        name: 'a DoNotSchedule constraint',
        pod: mkPod('p', { labels: { foo: '' }, constraints: [tsc(1, ZONE, 'DoNotSchedule', FOO_EXISTS), tsc(1, HOST, 'ScheduleAnyway', FOO_EXISTS)] }),
        status: 'Success',
      },
    ];
    for (const c of cases) {
      it(`returns ${c.status} for ${c.name}`, () => {
        const e = env(fourNodes, fourPods);
        const { state, status } = preFilter(e, c.pod);
        assert.equal(code(status), c.status);
        assert.equal(state.has(PRE_FILTER_STATE_KEY), c.status === 'Success');
      });
    }

    it('counts the selected pods per domain and keeps only the hard constraints', () => {
      const e = env(fourNodes, fourPods);
      const pod = mkPod('p', {
        labels: { foo: '' },
        constraints: [tsc(1, ZONE, 'DoNotSchedule', FOO_EXISTS), tsc(2, HOST, 'ScheduleAnyway', FOO_EXISTS), tsc(1, HOST, 'DoNotSchedule', FOO_EXISTS)],
      });
      const s = pfState(preFilter(e, pod).state);
      assert.deepEqual(
        s.constraints.map((c) => [c.topologyKey, c.maxSkew, c.minDomains, c.nodeAffinityPolicy, c.nodeTaintsPolicy, c.selector.toString()]),
        [
          [ZONE, 1, 1, 'Honor', 'Ignore', 'foo'],
          [HOST, 1, 1, 'Honor', 'Ignore', 'foo'],
        ],
      );
      assert.deepEqual(s.tpValueToMatchNum.map(sortedRecord), [{ a: 3, b: 1 }, { n1: 2, n2: 1, n3: 1, n4: 0 }]);
      assert.deepEqual(s.minMatchNum, [1, 0]);
      assert.deepEqual(s.selfMatchNum, [1, 1]);
    });

    it('counts only pods of the same namespace that are not terminating and are selected', () => {
      const pods = [
        ...podsOn('n1', 1),
        ...podsOn('n1', 2, { foo: '' }, { ns: 'other' }),
        mkPod('dying', { labels: { foo: '' }, node: 'n1', terminating: true }),
        ...podsOn('n1', 3, { bar: '' }),
        ...podsOn('n3', 1),
      ];
      const e = env(fourNodes, pods);
      const s = pfState(preFilter(e, mkPod('p', { labels: { foo: '' }, constraints: [tsc(1, ZONE, 'DoNotSchedule', FOO_EXISTS)] })).state);
      assert.deepEqual(sortedRecord(s.tpValueToMatchNum[0]!), { a: 1, b: 1 });
    });

    it('counts only nodes that have every hard topology key', () => {
      const nodes = [...fourNodes, mkNode('n5'), bareNode('n6', { [ZONE]: 'c' })];
      const e = env(nodes, [...fourPods, ...podsOn('n5', 4), ...podsOn('n6', 4)]);
      const pod = mkPod('p', { labels: { foo: '' }, constraints: [tsc(1, ZONE, 'DoNotSchedule', FOO_EXISTS), tsc(1, HOST, 'DoNotSchedule', FOO_EXISTS)] });
      const s = pfState(preFilter(e, pod).state);
      // n5 has no zone and n6 no hostname: neither is a domain of either constraint.
      assert.deepEqual(s.tpValueToMatchNum.map(sortedRecord), [{ a: 3, b: 1 }, { n1: 2, n2: 1, n3: 1, n4: 0 }]);
    });

    it('nil selector: nothing is counted and the pod does not self-match', () => {
      const e = env(fourNodes, fourPods);
      const s = pfState(preFilter(e, mkPod('p', { labels: { foo: '' }, constraints: [tsc(1, ZONE, 'DoNotSchedule', undefined)] })).state);
      assert.deepEqual(sortedRecord(s.tpValueToMatchNum[0]!), { a: 0, b: 0 });
      assert.deepEqual(s.selfMatchNum, [0]);
    });

    it('empty selector {}: existing pods count 0 while the pod self-matches (countPodsMatchSelector)', () => {
      const e = env(fourNodes, fourPods);
      const pod = mkPod('p', { labels: { foo: '' }, constraints: [tsc(1, ZONE, 'DoNotSchedule', {})] });
      const { state } = preFilter(e, pod);
      const s = pfState(state);
      assert.deepEqual(sortedRecord(s.tpValueToMatchNum[0]!), { a: 0, b: 0 });
      assert.deepEqual(s.selfMatchNum, [1]);
      assert.deepEqual(filterAll(e, pod, state), { n1: 'Success', n2: 'Success', n3: 'Success', n4: 'Success' });
    });

    it('sees every change between cycles (pods bound or removed, node labels, node list order)', () => {
      const e = env(fourNodes, fourPods);
      const pod = mkPod('p', { labels: { foo: '' }, constraints: [tsc(1, ZONE, 'DoNotSchedule', FOO_EXISTS), tsc(1, HOST, 'DoNotSchedule', FOO_EXISTS)] });
      const counts = (nodes?: readonly NodeInfo[]): Record<string, number>[] => {
        const state = new CycleState();
        assert.equal(code(e.pl.preFilter!(state, pod, nodes ?? e.handle.snapshot().list()) as StatusLike), 'Success');
        return pfState(state).tpValueToMatchNum.map(sortedRecord);
      };
      assert.deepEqual(counts(), [{ a: 3, b: 1 }, { n1: 2, n2: 1, n3: 1, n4: 0 }]);
      const added = mkPod('added', { labels: { foo: '' }, node: 'n4' });
      e.handle.cache.addPod(added);
      assert.deepEqual(counts(), [{ a: 3, b: 2 }, { n1: 2, n2: 1, n3: 1, n4: 1 }]);
      e.handle.cache.removePod(fourPods[0]!);
      e.handle.cache.updatePod(mkPod('added', { labels: { bar: '' }, node: 'n4' }));
      assert.deepEqual(counts(), [{ a: 2, b: 1 }, { n1: 1, n2: 1, n3: 1, n4: 0 }]);
      e.handle.cache.updateNode(mkNode('n2', { [ZONE]: 'b' }));
      assert.deepEqual(counts(), [{ a: 1, b: 2 }, { n1: 1, n2: 1, n3: 1, n4: 0 }]);
      assert.deepEqual(counts([...e.handle.snapshot().list()].reverse()), [{ a: 1, b: 2 }, { n1: 1, n2: 1, n3: 1, n4: 0 }]);
      assert.deepEqual(counts(e.handle.snapshot().list().map((ni) => ni.clone())), [{ a: 1, b: 2 }, { n1: 1, n2: 1, n3: 1, n4: 0 }]);
    });

    it('an invalid selector is an Error', () => {
      const e = env(fourNodes, fourPods);
      const bad = { matchExpressions: [{ key: 'foo', operator: 'In' as const, values: [] }] };
      const { status } = preFilter(e, mkPod('p', { constraints: [tsc(1, ZONE, 'DoNotSchedule', bad)] }));
      assert.equal(code(status), 'Error');
      assert.match((status as Status).reasons[0]!, /^get constraints from pod: obtaining pod's hard topology spread constraints: /);
    });

    describe('matchLabelKeys (selectors the apiserver did not merge)', () => {
      const pods = [
        ...podsOn('n1', 2, { app: 'web', rev: '1' }),
        ...podsOn('n3', 2, { app: 'web', rev: '2' }),
        ...podsOn('n4', 1, { app: 'web', rev: '2' }),
      ];
      const web: LabelSelector = { matchLabels: { app: 'web' } };

      it('ANDs the pod label values into the selector', () => {
        const e = env(fourNodes, pods);
        const pod = mkPod('p', { labels: { app: 'web', rev: '2' }, constraints: [tsc(1, ZONE, 'DoNotSchedule', web, { matchLabelKeys: ['rev'] })] });
        const s = pfState(preFilter(e, pod).state);
        assert.equal(s.constraints[0]!.selector.toString(), 'app=web,rev=2');
        assert.deepEqual(sortedRecord(s.tpValueToMatchNum[0]!), { a: 0, b: 3 });
      });

      it('is idempotent on a selector the apiserver already merged', () => {
        const e = env(fourNodes, pods);
        const merged: LabelSelector = { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'rev', operator: 'In', values: ['2'] }] };
        const pod = mkPod('p', { labels: { app: 'web', rev: '2' }, constraints: [tsc(1, ZONE, 'DoNotSchedule', merged, { matchLabelKeys: ['rev'] })] });
        assert.deepEqual(sortedRecord(pfState(preFilter(e, pod).state).tpValueToMatchNum[0]!), { a: 0, b: 3 });
      });

      it('ignores keys the pod does not have, and never widens a nil selector', () => {
        const e = env(fourNodes, pods);
        const p1 = mkPod('p', { labels: { app: 'web' }, constraints: [tsc(1, ZONE, 'DoNotSchedule', web, { matchLabelKeys: ['rev'] })] });
        assert.deepEqual(sortedRecord(pfState(preFilter(e, p1).state).tpValueToMatchNum[0]!), { a: 2, b: 3 });
        const p2 = mkPod('q', { labels: { app: 'web', rev: '2' }, constraints: [tsc(1, ZONE, 'DoNotSchedule', null, { matchLabelKeys: ['rev'] })] });
        const s2 = pfState(preFilter(e, p2).state);
        assert.deepEqual(sortedRecord(s2.tpValueToMatchNum[0]!), { a: 0, b: 0 });
        assert.deepEqual(s2.selfMatchNum, [0]);
      });
    });
  });

  describe('Filter: skew = count(domain) + selfMatch − globalMin ≤ maxSkew', () => {
    const cases: {
      name: string;
      labels?: Record<string, string>;
      constraints: TopologySpreadConstraint[];
      nodes?: DeepReadonly<Node>[];
      want: Record<string, string>;
    }[] = [
      {
        name: 'zones, maxSkew 1: zone a (3) is too far above zone b (1)',
        constraints: [tsc(1, ZONE, 'DoNotSchedule', FOO_EXISTS)],
        want: { n1: `Unschedulable: ${NOT_MATCH}`, n2: `Unschedulable: ${NOT_MATCH}`, n3: 'Success', n4: 'Success' },
      },
      {
        name: 'zones, maxSkew 3: 3 + 1 − 1 = 3 fits',
        constraints: [tsc(3, ZONE, 'DoNotSchedule', FOO_EXISTS)],
        want: { n1: 'Success', n2: 'Success', n3: 'Success', n4: 'Success' },
      },
      {
        name: 'zones, maxSkew 2, pod not selected by its own constraint (selfMatch 0)',
        labels: { bar: '' },
        constraints: [tsc(2, ZONE, 'DoNotSchedule', FOO_EXISTS)],
        want: { n1: 'Success', n2: 'Success', n3: 'Success', n4: 'Success' },
      },
      {
        name: 'zones, maxSkew 1, pod not selected: 3 − 1 = 2 > 1',
        labels: { bar: '' },
        constraints: [tsc(1, ZONE, 'DoNotSchedule', FOO_EXISTS)],
        want: { n1: `Unschedulable: ${NOT_MATCH}`, n2: `Unschedulable: ${NOT_MATCH}`, n3: 'Success', n4: 'Success' },
      },
      {
        name: 'hostnames, maxSkew 1: only the empty node (min 0)',
        constraints: [tsc(1, HOST, 'DoNotSchedule', FOO_EXISTS)],
        want: { n1: `Unschedulable: ${NOT_MATCH}`, n2: `Unschedulable: ${NOT_MATCH}`, n3: `Unschedulable: ${NOT_MATCH}`, n4: 'Success' },
      },
      {
        name: 'hostnames, maxSkew 2',
        constraints: [tsc(2, HOST, 'DoNotSchedule', FOO_EXISTS)],
        want: { n1: `Unschedulable: ${NOT_MATCH}`, n2: 'Success', n3: 'Success', n4: 'Success' },
      },
      {
        name: 'zone and hostname together: both must hold',
        constraints: [tsc(2, ZONE, 'DoNotSchedule', FOO_EXISTS), tsc(1, HOST, 'DoNotSchedule', FOO_EXISTS)],
        want: { n1: `Unschedulable: ${NOT_MATCH}`, n2: `Unschedulable: ${NOT_MATCH}`, n3: `Unschedulable: ${NOT_MATCH}`, n4: 'Success' },
      },
      {
        name: 'nodes without the topology label are unresolvable',
        constraints: [tsc(1, ZONE, 'DoNotSchedule', FOO_EXISTS)],
        nodes: [...fourNodes, mkNode('n5')],
        want: {
          n1: `Unschedulable: ${NOT_MATCH}`,
          n2: `Unschedulable: ${NOT_MATCH}`,
          n3: 'Success',
          n4: 'Success',
          n5: `UnschedulableAndUnresolvable: ${MISSING_LABEL}`,
        },
      },
      {
        name: 'minDomains 3 with 2 zones: the global minimum is 0',
        constraints: [tsc(1, ZONE, 'DoNotSchedule', FOO_EXISTS, { minDomains: 3 })],
        want: { n1: `Unschedulable: ${NOT_MATCH}`, n2: `Unschedulable: ${NOT_MATCH}`, n3: `Unschedulable: ${NOT_MATCH}`, n4: `Unschedulable: ${NOT_MATCH}` },
      },
      {
        name: 'minDomains 2 with 2 zones: the real minimum',
        constraints: [tsc(1, ZONE, 'DoNotSchedule', FOO_EXISTS, { minDomains: 2 })],
        want: { n1: `Unschedulable: ${NOT_MATCH}`, n2: `Unschedulable: ${NOT_MATCH}`, n3: 'Success', n4: 'Success' },
      },
      {
        name: 'minDomains 3 with a third, empty zone: the minimum is that zone',
        constraints: [tsc(1, ZONE, 'DoNotSchedule', FOO_EXISTS, { minDomains: 3 })],
        nodes: [...fourNodes, mkNode('n5', { [ZONE]: 'c' })],
        want: { n1: `Unschedulable: ${NOT_MATCH}`, n2: `Unschedulable: ${NOT_MATCH}`, n3: `Unschedulable: ${NOT_MATCH}`, n4: `Unschedulable: ${NOT_MATCH}`, n5: 'Success' },
      },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const e = env(c.nodes ?? fourNodes, fourPods);
        const pod = mkPod('p', { labels: c.labels ?? { foo: '' }, constraints: c.constraints });
        const { state, status } = preFilter(e, pod);
        assert.equal(code(status), 'Success');
        assert.deepEqual(filterAll(e, pod, state), c.want);
      });
    }

    it('without a PreFilter state, Filter is an Error', () => {
      const e = env(fourNodes);
      const s = e.pl.filter!(new CycleState(), mkPod('p'), e.handle.snapshot().get('n1')!);
      assert.equal(code(s), 'Error');
      assert.deepEqual((s as Status).reasons, ['reading "PreFilterPodTopologySpread" from cycleState: not found']);
    });
  });

  describe('node inclusion policies', () => {
    // a1 (zone a, ssd) 1 pod, b1 (zone b, ssd) 2 pods, c1 (zone c, no ssd) 0 pods.
    const nodes = [mkNode('a1', { [ZONE]: 'a', disk: 'ssd' }), mkNode('b1', { [ZONE]: 'b', disk: 'ssd' }), mkNode('c1', { [ZONE]: 'c' })];
    const pods = [...podsOn('a1', 1), ...podsOn('b1', 2)];
    const cases: { name: string; extra: Partial<TopologySpreadConstraint>; domains: Record<string, number>; want: Record<string, string> }[] = [
      {
        name: 'nodeAffinityPolicy nil ⇒ Honor: nodes outside the pod nodeSelector are not domains',
        extra: {},
        domains: { a: 1, b: 2 },
        want: { a1: 'Success', b1: `Unschedulable: ${NOT_MATCH}`, c1: 'Success' },
      },
      {
        name: 'nodeAffinityPolicy Ignore: every node is a domain',
        extra: { nodeAffinityPolicy: 'Ignore' },
        domains: { a: 1, b: 2, c: 0 },
        want: { a1: `Unschedulable: ${NOT_MATCH}`, b1: `Unschedulable: ${NOT_MATCH}`, c1: 'Success' },
      },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const e = env(nodes, pods);
        const pod = mkPod('p', { labels: { foo: '' }, nodeSelector: { disk: 'ssd' }, constraints: [tsc(1, ZONE, 'DoNotSchedule', FOO_EXISTS, c.extra)] });
        const { state } = preFilter(e, pod);
        assert.deepEqual(sortedRecord(pfState(state).tpValueToMatchNum[0]!), c.domains);
        assert.deepEqual(filterAll(e, pod, state), c.want);
      });
    }

    const tainted = [mkNode('a1', { [ZONE]: 'a' }), mkNode('b1', { [ZONE]: 'b' }), mkNode('c1', { [ZONE]: 'c' }, [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }])];
    const taintCases: { name: string; extra: Partial<TopologySpreadConstraint>; tolerations?: Toleration[]; node?: DeepReadonly<Node>; domains: Record<string, number>; want: Record<string, string> }[] = [
      {
        name: 'nodeTaintsPolicy nil ⇒ Ignore: the tainted node is a domain',
        extra: {},
        domains: { a: 1, b: 2, c: 0 },
        want: { a1: `Unschedulable: ${NOT_MATCH}`, b1: `Unschedulable: ${NOT_MATCH}`, c1: 'Success' },
      },
      {
        name: 'nodeTaintsPolicy Honor: an untolerated NoSchedule taint removes the domain',
        extra: { nodeTaintsPolicy: 'Honor' },
        domains: { a: 1, b: 2 },
        want: { a1: 'Success', b1: `Unschedulable: ${NOT_MATCH}`, c1: 'Success' },
      },
      {
        name: 'nodeTaintsPolicy Honor with a matching toleration: the domain stays',
        extra: { nodeTaintsPolicy: 'Honor' },
        tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'x', effect: 'NoSchedule' }],
        domains: { a: 1, b: 2, c: 0 },
        want: { a1: `Unschedulable: ${NOT_MATCH}`, b1: `Unschedulable: ${NOT_MATCH}`, c1: 'Success' },
      },
      {
        name: 'nodeTaintsPolicy Honor: PreferNoSchedule taints do not count',
        extra: { nodeTaintsPolicy: 'Honor' },
        node: mkNode('c1', { [ZONE]: 'c' }, [{ key: 'dedicated', value: 'x', effect: 'PreferNoSchedule' }]),
        domains: { a: 1, b: 2, c: 0 },
        want: { a1: `Unschedulable: ${NOT_MATCH}`, b1: `Unschedulable: ${NOT_MATCH}`, c1: 'Success' },
      },
      {
        name: 'nodeTaintsPolicy Honor: NoExecute taints count',
        extra: { nodeTaintsPolicy: 'Honor' },
        node: mkNode('c1', { [ZONE]: 'c' }, [{ key: 'dedicated', effect: 'NoExecute' }]),
        domains: { a: 1, b: 2 },
        want: { a1: 'Success', b1: `Unschedulable: ${NOT_MATCH}`, c1: 'Success' },
      },
    ];
    for (const c of taintCases) {
      it(c.name, () => {
        const ns = c.node === undefined ? tainted : [tainted[0]!, tainted[1]!, c.node];
        const e = env(ns, pods);
        const pod = mkPod('p', { labels: { foo: '' }, ...(c.tolerations ? { tolerations: c.tolerations } : {}), constraints: [tsc(1, ZONE, 'DoNotSchedule', FOO_EXISTS, c.extra)] });
        const { state } = preFilter(e, pod);
        assert.deepEqual(sortedRecord(pfState(state).tpValueToMatchNum[0]!), c.domains);
        assert.deepEqual(filterAll(e, pod, state), c.want);
      });
    }
  });

  describe('PreFilterExtensions', () => {
    const pod = mkPod('p', { labels: { foo: '' }, constraints: [tsc(1, ZONE, 'DoNotSchedule', FOO_EXISTS)] });

    it('RemovePod lowers the domain count on a clone and leaves the original alone', () => {
      const e = env(fourNodes, fourPods);
      const { state } = preFilter(e, pod);
      const copy = state.clone();
      const n1 = e.handle.snapshot().get('n1')!;
      const n2 = e.handle.snapshot().get('n2')!;
      for (const victim of [...n1.pods, ...n2.pods]) assert.equal(code(e.pl.preFilterExtensions!.removePod(copy, pod, victim, victim.pod.spec?.nodeName === 'n1' ? n1 : n2)), 'Success');
      assert.deepEqual(sortedRecord(pfState(copy).tpValueToMatchNum[0]!), { a: 0, b: 1 });
      assert.deepEqual(pfState(copy).minMatchNum, [0]);
      assert.deepEqual(filterAll(e, pod, copy), { n1: 'Success', n2: 'Success', n3: `Unschedulable: ${NOT_MATCH}`, n4: `Unschedulable: ${NOT_MATCH}` });
      assert.deepEqual(sortedRecord(pfState(state).tpValueToMatchNum[0]!), { a: 3, b: 1 });
      assert.deepEqual(filterAll(e, pod, state), { n1: `Unschedulable: ${NOT_MATCH}`, n2: `Unschedulable: ${NOT_MATCH}`, n3: 'Success', n4: 'Success' });
    });

    it('AddPod raises the count only for selected pods of the same namespace on nodes with every key', () => {
      const nodes = [...fourNodes, mkNode('n5')];
      const e = env(nodes, fourPods);
      const { state } = preFilter(e, pod);
      const ext = e.pl.preFilterExtensions!;
      const snap = e.handle.snapshot();
      const add = (p: DeepReadonly<Pod>, node: string): void => assert.equal(code(ext.addPod(state, pod, newPodInfo(p), snap.get(node)!)), 'Success');
      add(mkPod('x1', { labels: { foo: '' }, ns: 'other' }), 'n3');
      add(mkPod('x2', { labels: { bar: '' } }), 'n3');
      add(mkPod('x3', { labels: { foo: '' } }), 'n5');
      assert.deepEqual(sortedRecord(pfState(state).tpValueToMatchNum[0]!), { a: 3, b: 1 });
      add(mkPod('x4', { labels: { foo: '' } }), 'n3');
      add(mkPod('x5', { labels: { foo: '' } }), 'n4');
      assert.deepEqual(sortedRecord(pfState(state).tpValueToMatchNum[0]!), { a: 3, b: 3 });
      assert.deepEqual(pfState(state).minMatchNum, [3]);
      assert.deepEqual(filterAll(e, pod, state), { n1: 'Success', n2: 'Success', n3: 'Success', n4: 'Success', n5: `UnschedulableAndUnresolvable: ${MISSING_LABEL}` });
    });

    it('AddPod counts pods an empty selector would not count initially (as upstream)', () => {
      const e = env(fourNodes, fourPods);
      const p = mkPod('p', { labels: { foo: '' }, constraints: [tsc(1, ZONE, 'DoNotSchedule', {})] });
      const { state } = preFilter(e, p);
      e.pl.preFilterExtensions!.addPod(state, p, newPodInfo(mkPod('x', { labels: {} })), e.handle.snapshot().get('n1')!);
      assert.deepEqual(sortedRecord(pfState(state).tpValueToMatchNum[0]!), { a: 1, b: 0 });
      assert.deepEqual(filterAll(e, p, state), { n1: `Unschedulable: ${NOT_MATCH}`, n2: `Unschedulable: ${NOT_MATCH}`, n3: 'Success', n4: 'Success' });
    });

    it('keeps the global minimum exact over any sequence of additions and removals', () => {
      const zones = ['a', 'b', 'c', 'd'];
      const nodes = zones.map((z) => mkNode(`n-${z}`, { [ZONE]: z }));
      const e = env(nodes, [...podsOn('n-a', 2), ...podsOn('n-c', 1)]);
      const { state } = preFilter(e, pod);
      const s = pfState(state);
      const counts = new Map([['a', 2], ['b', 0], ['c', 1], ['d', 0]]);
      let seed = 7;
      for (let step = 0; step < 400; step++) {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        const z = zones[seed % 4]!;
        const add = (counts.get(z)! === 0 || (seed >> 8) % 3 !== 0);
        const node = e.handle.snapshot().get(`n-${z}`)!;
        const pi = newPodInfo(mkPod(`s${step}`, { labels: { foo: '' } }));
        if (add) e.pl.preFilterExtensions!.addPod(state, pod, pi, node);
        else e.pl.preFilterExtensions!.removePod(state, pod, pi, node);
        counts.set(z, counts.get(z)! + (add ? 1 : -1));
        assert.deepEqual(sortedRecord(s.tpValueToMatchNum[0]!), Object.fromEntries([...counts].sort()));
        assert.equal(s.minMatchNum[0], Math.min(...counts.values()), `step ${step}`);
      }
    });

    it('runs under the framework with nominated pods (both passes must succeed)', () => {
      // Two nominated pods on n4 (empty otherwise): 2 + 1 − 1 > 1 with them, 0 + 1 − 0 without.
      const nominated = [1, 2].map((i) => newPodInfo(mkPod(`nominated-${i}`, { labels: { foo: '' }, priority: 10 })));
      const handle = createTestHandle({ nodes: fourNodes, pods: fourPods, nominatedPods: new Map([['n4', nominated]]) });
      const pl = podTopologySpreadPlugin.create(decodePodTopologySpreadArgs(undefined, 'args'), handle);
      handle.setFilterPlugins([{ name: NAME, instance: pl }]);
      const p = mkPod('p', { labels: { foo: '' }, priority: 0, constraints: [tsc(1, HOST, 'DoNotSchedule', FOO_EXISTS)] });
      const state = new CycleState();
      assert.equal(code(pl.preFilter!(state, p, handle.snapshot().list()) as StatusLike), 'Success');
      const s = handle.runFilterPluginsWithNominatedPods(state, p, handle.snapshot().get('n4')!);
      assert.equal(s.code, 'Unschedulable');
      assert.deepEqual(s.reasons, [NOT_MATCH]);
      assert.equal(s.plugin, NAME);
      // The nominated pod was added to a copy of the state only.
      assert.deepEqual(sortedRecord(pfState(state).tpValueToMatchNum[0]!), { n1: 2, n2: 1, n3: 1, n4: 0 });
    });

    it('without a PreFilter state, AddPod and RemovePod are Errors', () => {
      const e = env(fourNodes);
      const ni = e.handle.snapshot().get('n1')!;
      const pi = newPodInfo(mkPod('x'));
      assert.equal(code(e.pl.preFilterExtensions!.addPod(new CycleState(), mkPod('p'), pi, ni)), 'Error');
      assert.equal(code(e.pl.preFilterExtensions!.removePod(new CycleState(), mkPod('p'), pi, ni)), 'Error');
    });
  });

  describe('PreScore', () => {
    const cases: { name: string; pod: DeepReadonly<Pod>; nodes?: DeepReadonly<Node>[]; args?: unknown; status: string }[] = [
      { name: 'only hard constraints', pod: mkPod('p', { labels: { foo: '' }, constraints: [tsc(1, ZONE, 'DoNotSchedule', FOO_EXISTS)] }), status: 'Skip' },
      { name: 'no nodes at all', pod: mkPod('p', { labels: { foo: '' }, constraints: [tsc(1, ZONE, 'ScheduleAnyway', FOO_EXISTS)] }), nodes: [], status: 'Skip' },
      { name: 'no constraints and nothing selects the pod (System)', pod: mkPod('p', { labels: { foo: '' } }), status: 'Skip' },
      { name: 'no constraints and defaultingType List without defaults', pod: mkPod('p', { labels: { app: 'web' } }), args: { defaultingType: 'List', defaultConstraints: [] }, status: 'Skip' },
      { name: 'a soft constraint', pod: mkPod('p', { labels: { foo: '' }, constraints: [tsc(1, ZONE, 'ScheduleAnyway', FOO_EXISTS)] }), status: 'Success' },
    ];
    for (const c of cases) {
      it(`returns ${c.status} for ${c.name}`, () => {
        const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'default' }, spec: { selector: { app: 'web' } } };
        const e = env(c.nodes ?? fourNodes, fourPods, [svc], c.args);
        const state = new CycleState();
        assert.equal(code(e.pl.preScore!(state, c.pod, e.handle.snapshot().list())), c.status);
        assert.equal(state.has(PRE_SCORE_STATE_KEY), c.status === 'Success');
      });
    }

    it('an invalid soft selector is an Error', () => {
      const e = env(fourNodes);
      const bad = { matchExpressions: [{ key: 'foo', operator: 'Exists' as const, values: ['x'] }] };
      const s = e.pl.preScore!(new CycleState(), mkPod('p', { constraints: [tsc(1, ZONE, 'ScheduleAnyway', bad)] }), e.handle.snapshot().list());
      assert.equal(code(s), 'Error');
      assert.match((s as Status).reasons[0]!, /^calculating preScoreState: obtaining pod's soft topology spread constraints: /);
    });

    it('without a PreScore state, Score and NormalizeScore are Errors', () => {
      const e = env(fourNodes);
      const r = e.pl.score!(new CycleState(), mkPod('p'), e.handle.snapshot().get('n1')!);
      assert.equal(typeof r === 'number' ? 'Success' : r.code, 'Error');
      assert.equal(code(e.pl.normalizeScore!(new CycleState(), mkPod('p'), [])), 'Error');
    });
  });

  describe('Score and NormalizeScore: round(Σ cnt·ln(#domains+2) + maxSkew − 1), 100·(max+min−raw)/max', () => {
    const cases: {
      name: string;
      labels?: Record<string, string>;
      constraints: TopologySpreadConstraint[];
      nodes?: DeepReadonly<Node>[];
      pods?: DeepReadonly<Pod>[];
      nodeSelector?: Record<string, string>;
      filtered?: string[];
      raw: Record<string, number>;
      normalized: Record<string, number>;
    }[] = [
      {
        // weight ln 4; a: 3·1.386 = 4.159 → 4, b: 1.386 → 1.
        name: 'zones, maxSkew 1',
        constraints: [tsc(1, ZONE, 'ScheduleAnyway', FOO_EXISTS)],
        raw: { n1: 4, n2: 4, n3: 1, n4: 1 },
        normalized: { n1: 25, n2: 25, n3: 100, n4: 100 },
      },
      {
        // + maxSkew − 1 = 2: a 6.159 → 6, b 3.386 → 3; 100·(9−6)/6 = 50.
        name: 'zones, maxSkew 3',
        constraints: [tsc(3, ZONE, 'ScheduleAnyway', FOO_EXISTS)],
        raw: { n1: 6, n2: 6, n3: 3, n4: 3 },
        normalized: { n1: 50, n2: 50, n3: 100, n4: 100 },
      },
      {
        // weight ln 6 = 1.792: 2 → 3.58 → 4, 1 → 2, 0 → 0.
        name: 'hostnames, maxSkew 1 (counted on the node itself)',
        constraints: [tsc(1, HOST, 'ScheduleAnyway', FOO_EXISTS)],
        raw: { n1: 4, n2: 2, n3: 2, n4: 0 },
        normalized: { n1: 0, n2: 50, n3: 50, n4: 100 },
      },
      {
        // n1 4.159+1+3.584 = 8.74 → 9; n2 4.159+1+1.792 = 6.95 → 7; n3 1.386+1+1.792 = 4.18 → 4; n4 2.39 → 2.
        name: 'zone maxSkew 2 and hostname maxSkew 1',
        constraints: [tsc(2, ZONE, 'ScheduleAnyway', FOO_EXISTS), tsc(1, HOST, 'ScheduleAnyway', FOO_EXISTS)],
        raw: { n1: 9, n2: 7, n3: 4, n4: 2 },
        normalized: { n1: 22, n2: 44, n3: 77, n4: 100 },
      },
      {
        name: 'no selected pods anywhere: max 0 ⇒ 100',
        constraints: [tsc(1, ZONE, 'ScheduleAnyway', { matchLabels: { none: 'x' } })],
        raw: { n1: 0, n2: 0, n3: 0, n4: 0 },
        normalized: { n1: 100, n2: 100, n3: 100, n4: 100 },
      },
      {
        // Domains come from the filtered nodes, counts from all nodes: a 3, b 1, weight ln 4.
        name: 'counts cover every node, domains only the filtered ones',
        constraints: [tsc(1, ZONE, 'ScheduleAnyway', FOO_EXISTS)],
        filtered: ['n1', 'n3'],
        raw: { n1: 4, n3: 1 },
        normalized: { n1: 25, n3: 100 },
      },
      {
        // One domain: weight ln 3 = 1.099; 3·1.099 = 3.30 → 3.
        name: 'a single filtered domain',
        constraints: [tsc(1, ZONE, 'ScheduleAnyway', FOO_EXISTS)],
        filtered: ['n1', 'n2'],
        raw: { n1: 3, n2: 3 },
        normalized: { n1: 100, n2: 100 },
      },
      {
        // n5 lacks the zone: ignored (0), and the hostname weight is ln(4 + 2).
        name: 'nodes missing a topology key are ignored and score 0',
        constraints: [tsc(1, ZONE, 'ScheduleAnyway', FOO_EXISTS), tsc(1, HOST, 'ScheduleAnyway', FOO_EXISTS)],
        nodes: [...fourNodes, mkNode('n5')],
        pods: [...fourPods, ...podsOn('n5', 5)],
        raw: { n1: 8, n2: 6, n3: 3, n4: 1, n5: 0 },
        normalized: { n1: 12, n2: 37, n3: 75, n4: 100, n5: 0 },
      },
      {
        // Honor: n2 (no ssd, 3 pods) is not counted, a = 1 = b.
        name: 'nodeAffinityPolicy Honor in scoring',
        constraints: [tsc(1, ZONE, 'ScheduleAnyway', FOO_EXISTS)],
        nodes: [mkNode('n1', { [ZONE]: 'a', disk: 'ssd' }), mkNode('n2', { [ZONE]: 'a' }), mkNode('n3', { [ZONE]: 'b', disk: 'ssd' })],
        pods: [...podsOn('n1', 1), ...podsOn('n2', 3), ...podsOn('n3', 1)],
        nodeSelector: { disk: 'ssd' },
        filtered: ['n1', 'n3'],
        raw: { n1: 1, n3: 1 },
        normalized: { n1: 100, n3: 100 },
      },
      {
        // Ignore: a = 4: 5.545 → 6; 100·(7−6)/6 = 16.
        name: 'nodeAffinityPolicy Ignore in scoring',
        constraints: [tsc(1, ZONE, 'ScheduleAnyway', FOO_EXISTS, { nodeAffinityPolicy: 'Ignore' })],
        nodes: [mkNode('n1', { [ZONE]: 'a', disk: 'ssd' }), mkNode('n2', { [ZONE]: 'a' }), mkNode('n3', { [ZONE]: 'b', disk: 'ssd' })],
        pods: [...podsOn('n1', 1), ...podsOn('n2', 3), ...podsOn('n3', 1)],
        nodeSelector: { disk: 'ssd' },
        filtered: ['n1', 'n3'],
        raw: { n1: 6, n3: 1 },
        normalized: { n1: 16, n3: 100 },
      },
      {
        // Only the default namespace's pods count; the other namespace's 4 pods on n4 do not.
        name: 'other namespaces and terminating pods do not count',
        constraints: [tsc(1, HOST, 'ScheduleAnyway', FOO_EXISTS)],
        pods: [...fourPods, ...podsOn('n4', 4, { foo: '' }, { ns: 'other' }), mkPod('dying', { labels: { foo: '' }, node: 'n4', terminating: true })],
        raw: { n1: 4, n2: 2, n3: 2, n4: 0 },
        normalized: { n1: 0, n2: 50, n3: 50, n4: 100 },
      },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const e = env(c.nodes ?? fourNodes, c.pods ?? fourPods);
        const pod = mkPod('p', { labels: c.labels ?? { foo: '' }, constraints: c.constraints, ...(c.nodeSelector ? { nodeSelector: c.nodeSelector } : {}) });
        const r = scoreAll(e, pod, c.filtered);
        assert.equal(code(r.status), 'Success');
        assert.deepEqual(r.raw, c.raw);
        assert.deepEqual(r.normalized, c.normalized);
      });
    }

    it('computes the exact weights', () => {
      const e = env([...fourNodes, mkNode('n5')], fourPods);
      const pod = mkPod('p', { labels: { foo: '' }, constraints: [tsc(1, ZONE, 'ScheduleAnyway', FOO_EXISTS), tsc(1, HOST, 'ScheduleAnyway', FOO_EXISTS)] });
      const state = new CycleState();
      assert.equal(code(e.pl.preScore!(state, pod, e.handle.snapshot().list())), 'Success');
      const s = state.read(PRE_SCORE_STATE_KEY)!;
      assert.deepEqual([...s.ignoredNodes], ['n5']);
      assert.deepEqual(s.topologyNormalizingWeight, [Math.log(4), Math.log(6)]);
      assert.deepEqual(s.topologyValueToPodCounts.map(sortedRecord), [{ a: 3, b: 1 }, {}]);
    });
  });

  describe('default constraints', () => {
    const svc = (name: string, selector: Record<string, string> | undefined, ns = 'default'): KubeObject =>
      ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: selector === undefined ? {} : { selector } }) as KubeObject;
    const rs = (name: string, selector: LabelSelector): KubeObject =>
      ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name, namespace: 'default' }, spec: { selector } }) as KubeObject;
    const sts = (name: string, selector: LabelSelector): KubeObject =>
      ({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name, namespace: 'default' }, spec: { selector } }) as KubeObject;
    const rc = (name: string, selector: Record<string, string>): KubeObject =>
      ({ apiVersion: 'v1', kind: 'ReplicationController', metadata: { name, namespace: 'default' }, spec: { selector } }) as KubeObject;

    /** The soft default constraints' selectors, or 'Skip'. */
    function defaultsOf(pod: DeepReadonly<Pod>, objects: KubeObject[]): string[] | 'Skip' {
      const e = env(fourNodes, [], objects);
      const state = new CycleState();
      const s = e.pl.preScore!(state, pod, e.handle.snapshot().list());
      if (code(s) === 'Skip') return 'Skip';
      assert.equal(code(s), 'Success');
      return state.read(PRE_SCORE_STATE_KEY)!.constraints.map((c) => `${c.topologyKey}/${c.maxSkew}: ${c.selector.toString()}`);
    }

    const labels = { app: 'web', tier: 'fe', pod: 'x' };
    const cases: { name: string; pod: DeepReadonly<Pod>; objects: KubeObject[]; want: string[] | 'Skip' }[] = [
      {
        name: 'a Service selecting the pod',
        pod: mkPod('p', { labels }),
        objects: [svc('s', { app: 'web' })],
        want: [`${HOST}/3: app=web`, `${ZONE}/5: app=web`],
      },
      {
        name: 'several Services merge',
        pod: mkPod('p', { labels }),
        objects: [svc('s1', { app: 'web' }), svc('s2', { tier: 'fe' })],
        want: [`${HOST}/3: app=web,tier=fe`, `${ZONE}/5: app=web,tier=fe`],
      },
      {
        name: 'Services without selector, not matching, or in another namespace are ignored',
        pod: mkPod('p', { labels }),
        objects: [svc('none', undefined), svc('other', { app: 'db' }), svc('elsewhere', { app: 'web' }, 'other-ns')],
        want: 'Skip',
      },
      {
        name: 'the controlling ReplicaSet',
        pod: mkPod('p', { labels, owner: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-rs' } }),
        objects: [rs('web-rs', { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['fe'] }] }), rs('other', { matchLabels: { pod: 'x' } })],
        want: [`${HOST}/3: app=web,tier in (fe)`, `${ZONE}/5: app=web,tier in (fe)`],
      },
      {
        name: 'a Service plus the controlling StatefulSet',
        pod: mkPod('p', { labels, owner: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web-ss' } }),
        objects: [svc('s', { pod: 'x' }), sts('web-ss', { matchLabels: { app: 'web' } })],
        want: [`${HOST}/3: app=web,pod=x`, `${ZONE}/5: app=web,pod=x`],
      },
      {
        name: 'the controlling ReplicationController',
        pod: mkPod('p', { labels, owner: { apiVersion: 'v1', kind: 'ReplicationController', name: 'web-rc' } }),
        objects: [rc('web-rc', { app: 'web' })],
        want: [`${HOST}/3: app=web`, `${ZONE}/5: app=web`],
      },
      {
        name: 'an owner that is not the controller, or of another API version, is ignored',
        pod: mkPod('p', { labels, owner: { apiVersion: 'apps/v1beta2', kind: 'ReplicaSet', name: 'web-rs' } }),
        objects: [rs('web-rs', { matchLabels: { app: 'web' } })],
        want: 'Skip',
      },
      {
        name: 'a non-controller owner reference is ignored',
        pod: mkPod('p', { labels, owner: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-rs', controller: false } }),
        objects: [rs('web-rs', { matchLabels: { app: 'web' } })],
        want: 'Skip',
      },
    ];
    for (const c of cases) {
      it(`System: ${c.name}`, () => assert.deepEqual(defaultsOf(c.pod, c.objects), c.want));
    }

    it('System: nodes without a zone are not ignored and still get hostname spreading', () => {
      // Filtered zone domains a, b and "" (n4 has no zone): weight ln 5; hostname weight ln 6.
      const nodes = [mkNode('n1', { [ZONE]: 'a' }), mkNode('n2', { [ZONE]: 'a' }), mkNode('n3', { [ZONE]: 'b' }), mkNode('n4')];
      const web = { app: 'web' };
      const e = env(nodes, [...podsOn('n1', 2, web), ...podsOn('n3', 1, web), ...podsOn('n4', 1, web)], [svc('s', web)]);
      const pod = mkPod('p', { labels: web });
      assert.equal(code(preFilter(e, pod).status), 'Skip');
      const r = scoreAll(e, pod);
      // n1: 2·ln6+2 + 2·ln5+4 = 12.80 → 13; n2: 2 + 7.22 → 9; n3: 3.79 + 5.61 → 9; n4: 3.79 → 4.
      assert.deepEqual(r.raw, { n1: 13, n2: 9, n3: 9, n4: 4 });
      assert.deepEqual(r.normalized, { n1: 30, n2: 61, n3: 61, n4: 100 });
    });

    it('List: hard default constraints filter with the deduced selector', () => {
      const args = { defaultingType: 'List', defaultConstraints: [{ maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'DoNotSchedule' }] };
      const web = { app: 'web' };
      const e = env(fourNodes, [...podsOn('n1', 2, web), ...podsOn('n3', 0, web)], [svc('s', web)], args);
      const pod = mkPod('p', { labels: web });
      const { state, status } = preFilter(e, pod);
      assert.equal(code(status), 'Success');
      assert.equal(pfState(state).constraints[0]!.selector.toString(), 'app=web');
      assert.deepEqual(filterAll(e, pod, state), { n1: `Unschedulable: ${NOT_MATCH}`, n2: `Unschedulable: ${NOT_MATCH}`, n3: 'Success', n4: 'Success' });
      // A pod nothing selects gets no default constraint.
      assert.equal(code(preFilter(e, mkPod('q', { labels: { app: 'db' } })).status), 'Skip');
    });

    it('List: a pod with its own constraints does not get the defaults', () => {
      const args = { defaultingType: 'List', defaultConstraints: [{ maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'DoNotSchedule' }] };
      const e = env(fourNodes, [], [svc('s', { app: 'web' })], args);
      const pod = mkPod('p', { labels: { app: 'web' }, constraints: [tsc(1, HOST, 'ScheduleAnyway', FOO_EXISTS)] });
      assert.equal(code(preFilter(e, pod).status), 'Skip');
    });
  });

  describe('args and the website configurations', function () {
    before(function () {
      if (!HAVE_FIXTURES) this.skip();
    });
    function argsFrom(file: string): PodTopologySpreadArgs {
      const text = readFileSync(`${FIXTURES}scheduler-config/${file}`, 'utf8');
      const cfg = loadSchedulerConfig(text, file);
      const entry = cfg.profiles[0]!.pluginConfig.find((p) => p.name === NAME);
      assert.ok(entry, 'PodTopologySpread pluginConfig entry');
      return decodePodTopologySpreadArgs(entry.args, `${entry.path}.args`);
    }

    it('website-topologyspread-default-constraints.yaml: List with one soft zone constraint', () => {
      const args = argsFrom('website-topologyspread-default-constraints.yaml');
      assert.deepEqual(args, { defaultingType: 'List', defaultConstraints: [{ maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'ScheduleAnyway' }] });
      // The defaults are not the system ones: nodes without a zone are ignored.
      const handle = createTestHandle({
        nodes: [...fourNodes, mkNode('n5')],
        pods: [...podsOn('n1', 2, { app: 'web' })],
        objects: [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'default' }, spec: { selector: { app: 'web' } } } as KubeObject],
      });
      const pl = podTopologySpreadPlugin.create(args, handle);
      const e = { handle, pl };
      const pod = mkPod('p', { labels: { app: 'web' } });
      assert.equal(code(preFilter(e, pod).status), 'Skip');
      const r = scoreAll(e, pod);
      // a: 2·ln4 = 2.77 → 3, b: 0; n5 ignored.
      assert.deepEqual(r.raw, { n1: 3, n2: 3, n3: 0, n4: 0, n5: 0 });
      assert.deepEqual(r.normalized, { n1: 0, n2: 0, n3: 100, n4: 100, n5: 0 });
    });

    it('website-topologyspread-no-default-constraints.yaml: List with no defaults', () => {
      const args = argsFrom('website-topologyspread-no-default-constraints.yaml');
      assert.deepEqual(args, { defaultingType: 'List', defaultConstraints: [] });
      const handle = createTestHandle({
        nodes: fourNodes,
        objects: [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'default' }, spec: { selector: { app: 'web' } } } as KubeObject],
      });
      const pl = podTopologySpreadPlugin.create(args, handle);
      assert.equal(code(pl.preScore!(new CycleState(), mkPod('p', { labels: { app: 'web' } }), handle.snapshot().list())), 'Skip');
    });

    it('defaults to System; rejects System with constraints and unknown types', () => {
      assert.deepEqual(decodePodTopologySpreadArgs(undefined, 'args'), { defaultingType: 'System', defaultConstraints: [] });
      assert.equal(podTopologySpreadPlugin.decodeArgs, decodePodTopologySpreadArgs);
      assert.throws(
        () => decodePodTopologySpreadArgs({ defaultingType: 'System', defaultConstraints: [{ maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'ScheduleAnyway' }] }, 'args'),
        SchedulerConfigError,
      );
      assert.throws(() => decodePodTopologySpreadArgs({ defaultingType: 'Cluster' }, 'args'), SchedulerConfigError);
    });
  });

  describe('events and queueing hints', () => {
    const e = env(fourNodes);
    const events = e.pl.eventsToRegister!();
    const podHint = events[0]!.queueingHintFn!;
    const nodeHint = events[1]!.queueingHintFn!;
    const pending = mkPod('pending', {
      labels: { foo: '' },
      constraints: [tsc(1, ZONE, 'DoNotSchedule', FOO_EXISTS), tsc(1, HOST, 'ScheduleAnyway', { matchLabels: { soft: 'x' } })],
    });
    const honoring = mkPod('pending', { labels: { foo: '' }, constraints: [tsc(1, ZONE, 'DoNotSchedule', FOO_EXISTS, { nodeTaintsPolicy: 'Honor' })] });
    const ko = (o: unknown): DeepReadonly<KubeObject> => o as DeepReadonly<KubeObject>;

    it('registers Pod add/label/toleration/delete and Node add/delete/label/taint, as upstream', () => {
      assert.deepEqual(
        events.map((x) => [x.event.resource, x.event.actionType]),
        [
          ['Pod', ActionType.Add | ActionType.UpdatePodLabel | ActionType.UpdatePodToleration | ActionType.Delete],
          ['Node', ActionType.Add | ActionType.Delete | ActionType.UpdateNodeLabel | ActionType.UpdateNodeTaint],
        ],
      );
    });

    const podCases: { name: string; pod?: DeepReadonly<Pod>; oldObj?: DeepReadonly<Pod>; newObj?: DeepReadonly<Pod>; want: string }[] = [
      { name: 'a bound matching pod was added', newObj: mkPod('x', { labels: { foo: '' }, node: 'n1' }), want: 'Queue' },
      { name: 'a bound pod not matching the hard constraints was added', newObj: mkPod('x', { labels: { soft: 'x' }, node: 'n1' }), want: 'QueueSkip' },
      { name: 'a matching pod of another namespace was added', newObj: mkPod('x', { labels: { foo: '' }, node: 'n1', ns: 'other' }), want: 'QueueSkip' },
      { name: 'an unbound matching pod was added', newObj: mkPod('x', { labels: { foo: '' } }), want: 'QueueSkip' },
      { name: 'a bound matching pod was deleted', oldObj: mkPod('x', { labels: { foo: '' }, node: 'n1' }), want: 'Queue' },
      { name: 'a bound non-matching pod was deleted', oldObj: mkPod('x', { labels: {}, node: 'n1' }), want: 'QueueSkip' },
      {
        name: 'a bound pod stopped matching',
        oldObj: mkPod('x', { labels: { foo: '' }, node: 'n1' }),
        newObj: mkPod('x', { labels: { bar: '' }, node: 'n1' }),
        want: 'Queue',
      },
      {
        name: 'a bound pod label change unrelated to the selectors',
        oldObj: mkPod('x', { labels: { foo: '', a: '1' }, node: 'n1' }),
        newObj: mkPod('x', { labels: { foo: '', a: '2' }, node: 'n1' }),
        want: 'QueueSkip',
      },
      {
        name: 'a bound pod update without label change',
        oldObj: mkPod('x', { labels: { foo: '' }, node: 'n1' }),
        newObj: mkPod('x', { labels: { foo: '' }, node: 'n1', tolerations: [{ operator: 'Exists' }] }),
        want: 'QueueSkip',
      },
      {
        name: 'the pending pod got a toleration and honors taints',
        pod: honoring,
        oldObj: honoring,
        newObj: mkPod('pending', { labels: { foo: '' }, tolerations: [{ operator: 'Exists' }], constraints: honoring.spec!.topologySpreadConstraints as TopologySpreadConstraint[] }),
        want: 'Queue',
      },
      {
        name: 'the pending pod got a toleration but ignores taints',
        oldObj: pending,
        newObj: mkPod('pending', { labels: { foo: '' }, tolerations: [{ operator: 'Exists' }], constraints: pending.spec!.topologySpreadConstraints as TopologySpreadConstraint[] }),
        want: 'QueueSkip',
      },
    ];
    for (const c of podCases) {
      it(`Pod: ${c.name} ⇒ ${c.want}`, () => {
        assert.equal(podHint(c.pod ?? pending, c.oldObj === undefined ? undefined : ko(c.oldObj), c.newObj === undefined ? undefined : ko(c.newObj)), c.want);
      });
    }

    const withZone = mkNode('n9', { [ZONE]: 'c' });
    const nodeCases: { name: string; oldObj?: DeepReadonly<Node>; newObj?: DeepReadonly<Node>; want: string }[] = [
      { name: 'a node with every key was added', newObj: withZone, want: 'Queue' },
      { name: 'a node without the zone was added', newObj: mkNode('n9'), want: 'QueueSkip' },
      { name: 'a node with every key was deleted', oldObj: withZone, want: 'Queue' },
      { name: 'a node without the zone was deleted', oldObj: mkNode('n9'), want: 'QueueSkip' },
      { name: 'a node got the zone label', oldObj: mkNode('n9'), newObj: withZone, want: 'Queue' },
      { name: 'a node changed zone', oldObj: withZone, newObj: mkNode('n9', { [ZONE]: 'd' }), want: 'Queue' },
      { name: 'a matching node got a taint', oldObj: withZone, newObj: mkNode('n9', { [ZONE]: 'c' }, [{ key: 'k', effect: 'NoSchedule' }]), want: 'Queue' },
      { name: 'an unrelated label changed', oldObj: withZone, newObj: mkNode('n9', { [ZONE]: 'c', other: 'x' }), want: 'QueueSkip' },
      { name: 'a node without the zone got a taint', oldObj: mkNode('n9'), newObj: mkNode('n9', {}, [{ key: 'k', effect: 'NoSchedule' }]), want: 'QueueSkip' },
    ];
    for (const c of nodeCases) {
      it(`Node: ${c.name} ⇒ ${c.want}`, () => {
        assert.equal(nodeHint(pending, c.oldObj === undefined ? undefined : ko(c.oldObj), c.newObj === undefined ? undefined : ko(c.newObj)), c.want);
      });
    }
  });

  // Registered only when the shared fixtures are present (they are read while the suite is built).
  (HAVE_FIXTURES ? describe : describe.skip)('fixture apps/topology-spread-deployment.yaml: 4 nodes, 2 per region, 4 replicas', () => {
    const path = `${FIXTURES}apps/topology-spread-deployment.yaml`;
    const deployment = parseYaml(existsSync(path) ? readFileSync(path, 'utf8') : 'metadata: {name: missing}\nspec: {replicas: 0, template: {metadata: {labels: {}}, spec: {containers: []}}}\n') as {
      metadata: { name: string };
      spec: { replicas: number; template: { metadata: { labels: Record<string, string> }; spec: Pod['spec'] } };
    };
    const nodes = [
      mkNode('r1-a', { [REGION]: 'r1', [ZONE]: 'r1-z1' }),
      mkNode('r1-b', { [REGION]: 'r1', [ZONE]: 'r1-z2' }),
      mkNode('r2-a', { [REGION]: 'r2', [ZONE]: 'r2-z1' }),
      mkNode('r2-b', { [REGION]: 'r2', [ZONE]: 'r2-z2' }),
    ];
    const replicas = (soft: boolean): DeepReadonly<Pod>[] =>
      Array.from({ length: deployment.spec.replicas }, (_, i) => {
        const spec = structuredClone(deployment.spec.template.spec)!;
        if (soft) for (const c of spec.topologySpreadConstraints ?? []) c.whenUnsatisfiable = 'ScheduleAnyway';
        const name = `${deployment.metadata.name}-${i}`;
        return deepFreeze({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name, namespace: 'default', uid: `uid-${name}`, labels: { ...deployment.spec.template.metadata.labels } },
          spec,
        } as Pod);
      });

    /** Schedules the replicas one by one; returns the feasible node count per step and the placement. */
    function drive(soft: boolean): { feasible: number[]; regions: Record<string, number> } {
      const handle = createTestHandle({ nodes });
      const pl = podTopologySpreadPlugin.create(decodePodTopologySpreadArgs(undefined, 'args'), handle);
      const feasibleCounts: number[] = [];
      for (const pod of replicas(soft)) {
        const state = new CycleState();
        const all = handle.snapshot().list();
        const pf = pl.preFilter!(state, pod, all) as StatusLike;
        assert.equal(code(pf), soft ? 'Skip' : 'Success');
        const feasible = code(pf) === 'Skip' ? [...all] : all.filter((ni) => code(pl.filter!(state, pod, ni)) === 'Success');
        feasibleCounts.push(feasible.length);
        let best: NodeInfo = feasible[0]!;
        const ps = pl.preScore!(state, pod, feasible);
        assert.equal(code(ps), soft ? 'Success' : 'Skip');
        if (code(ps) === 'Success') {
          const list: NodeScore[] = feasible.map((ni) => ({ name: ni.name, score: pl.score!(state, pod, ni) as number }));
          assert.equal(code(pl.normalizeScore!(state, pod, list)), 'Success');
          // Highest score; ties go to the first node in snapshot order.
          let bi = 0;
          list.forEach((s, i) => {
            if (s.score > list[bi]!.score) bi = i;
          });
          best = feasible[bi]!;
        }
        handle.cache.addPod(deepFreeze({ ...pod, spec: { ...pod.spec!, nodeName: best.name } } as Pod));
      }
      const regions: Record<string, number> = {};
      for (const ni of handle.snapshot().list()) {
        const r = ni.node.metadata!.labels![REGION]!;
        regions[r] = (regions[r] ?? 0) + ni.pods.length;
      }
      return { feasible: feasibleCounts, regions };
    }

    it('the template carries one hard region constraint', () => {
      const [c] = deployment.spec.template.spec!.topologySpreadConstraints!;
      assert.deepEqual(c, { maxSkew: 1, topologyKey: REGION, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'fake-app' } } });
    });

    it('DoNotSchedule: every other replica has only the other region feasible; 2 per region', () => {
      const r = drive(false);
      assert.deepEqual(r.feasible, [4, 2, 4, 2]);
      assert.deepEqual(r.regions, { r1: 2, r2: 2 });
    });

    it('the same constraint as ScheduleAnyway also ends 2 per region through Score', () => {
      const r = drive(true);
      assert.deepEqual(r.feasible, [4, 4, 4, 4]);
      assert.deepEqual(r.regions, { r1: 2, r2: 2 });
    });
  });

  it('is deterministic and does not mutate frozen inputs', () => {
    const run = (): string => {
      const e = env(fourNodes, fourPods);
      const pod = mkPod('p', { labels: { foo: '' }, constraints: [tsc(1, ZONE, 'DoNotSchedule', FOO_EXISTS), tsc(1, HOST, 'ScheduleAnyway', FOO_EXISTS)] });
      const { state } = preFilter(e, pod);
      return JSON.stringify([filterAll(e, pod, state), scoreAll(e, pod)]);
    };
    assert.equal(run(), run());
  });
});
