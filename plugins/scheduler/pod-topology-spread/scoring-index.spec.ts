/**
 * PodTopologySpread's scoring must not depend on which shortcuts the snapshot offers: the counts
 * taken from the snapshot's pod label index (`nodesWithPodsMatching`), from the journalled domain
 * totals (`changeMark`/`nodesChangedSince`), or by walking every node give the same scores.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  CycleState,
  createTestHandle,
  decodePodTopologySpreadArgs,
  type DeepReadonly,
  type Handle,
  type KubeObject,
  type LabelSelector,
  type Node,
  type NodeInfoLister,
  type NodeScore,
  type Pod,
  type SchedulerCache,
  type SchedulerPluginInstance,
  type TopologySpreadConstraint,
} from 'kubeprop';
import { podTopologySpreadPlugin } from './pod-topology-spread.js';
import { PRE_SCORE_STATE_KEY } from './scoring.js';

const ZONE = 'topology.kubernetes.io/zone';
const HOST = 'kubernetes.io/hostname';
const NAMESPACES = ['default', 'other'] as const;

function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === 'object' && !Object.isFrozen(o)) {
    for (const v of Object.values(o as Record<string, unknown>)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

// ---- the cluster ----

/** Pod label sets: two revisions of web, a web tier, db, and no labels. */
const LABEL_SETS: readonly Readonly<Record<string, string>>[] = [{ app: 'web', v: '1' }, { app: 'web', v: '2' }, { app: 'web', tier: 'fe', v: '1' }, { app: 'db' }, {}];

interface NodeSpec {
  readonly zone: string | undefined;
  readonly hostLabel: boolean;
  readonly tainted: boolean;
  readonly ssd: boolean;
}

function mkNode(i: number, s: NodeSpec): DeepReadonly<Node> {
  const name = `n${i}`;
  const labels: Record<string, string> = {};
  if (s.hostLabel) labels[HOST] = name;
  if (s.zone !== undefined) labels[ZONE] = s.zone;
  if (s.ssd) labels['disk'] = 'ssd';
  const n: Node = { apiVersion: 'v1', kind: 'Node', metadata: { name, labels }, status: { allocatable: { cpu: '4', memory: '8Gi', pods: '110' } } };
  if (s.tainted) n.spec = { taints: [{ key: 't', value: 'x', effect: 'NoSchedule' }] };
  return deepFreeze(n);
}

interface PodSpec {
  readonly name: number;
  readonly ns: number;
  readonly labels: number;
  readonly terminating: boolean;
}

function mkPod(s: PodSpec, nodeName: string | undefined): DeepReadonly<Pod> {
  const ns = NAMESPACES[s.ns]!;
  const name = `p${s.name}`;
  const p: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, uid: `${ns}/${name}`, labels: { ...LABEL_SETS[s.labels]! } },
    spec: { containers: [{ name: 'c', image: 'img' }] },
  };
  if (nodeName !== undefined) p.spec!.nodeName = nodeName;
  if (s.terminating) p.metadata!.deletionTimestamp = '2025-01-01T00:00:00Z';
  return deepFreeze(p);
}

/** The controllers the system default constraints take their selectors from. */
const OBJECTS: readonly KubeObject[] = NAMESPACES.flatMap((ns) => [
  { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'rs-web', namespace: ns }, spec: { selector: { matchLabels: { app: 'web' } } } },
  {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'rs-web-v1', namespace: ns },
    spec: { selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'v', operator: 'In', values: ['1'] }] } },
  },
  { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'rs-db', namespace: ns }, spec: { selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['db', 'cache'] }] } } },
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc-fe', namespace: ns }, spec: { selector: { tier: 'fe' } } },
]) as KubeObject[];

// ---- the incoming pod ----

const SELECTORS: readonly (LabelSelector | null | undefined)[] = [
  { matchLabels: { app: 'web' } },
  { matchLabels: { app: 'web', v: '1' } },
  { matchLabels: { app: 'db' }, matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] },
  { matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }] },
  { matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'db'] }] },
  { matchExpressions: [{ key: 'app', operator: 'Exists' }] },
  { matchExpressions: [{ key: 'v', operator: 'NotIn', values: ['2'] }] },
  { matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }, { key: 'tier', operator: 'Exists' }] },
  { matchLabels: { app: 'nobody' } },
  {},
  null,
];

const constraintArb = fc.record({
  maxSkew: fc.integer({ min: 1, max: 3 }),
  key: fc.constantFrom(HOST, ZONE),
  selector: fc.integer({ min: 0, max: SELECTORS.length - 1 }),
  taints: fc.constantFrom('Honor', 'Ignore', undefined),
  affinity: fc.constantFrom('Honor', 'Ignore', undefined),
  matchLabelKeys: fc.constantFrom(undefined, ['v']),
});
type ConstraintSpec = typeof constraintArb extends fc.Arbitrary<infer T> ? T : never;

function mkConstraint(c: ConstraintSpec): TopologySpreadConstraint {
  const out: TopologySpreadConstraint = { maxSkew: c.maxSkew, topologyKey: c.key, whenUnsatisfiable: 'ScheduleAnyway' };
  const sel = SELECTORS[c.selector];
  if (sel !== undefined) (out as { labelSelector?: LabelSelector | null }).labelSelector = sel;
  if (c.taints !== undefined) out.nodeTaintsPolicy = c.taints;
  if (c.affinity !== undefined) out.nodeAffinityPolicy = c.affinity;
  if (c.matchLabelKeys !== undefined) out.matchLabelKeys = [...c.matchLabelKeys];
  return out;
}

const incomingArb = fc.record({
  ns: fc.integer({ min: 0, max: 1 }),
  labels: fc.integer({ min: 0, max: LABEL_SETS.length - 1 }),
  /** Own soft constraints, or none (then the defaults apply). */
  constraints: fc.oneof(fc.constant([] as ConstraintSpec[]), fc.array(constraintArb, { minLength: 1, maxLength: 3 })),
  owner: fc.constantFrom(undefined, 'rs-web', 'rs-web-v1', 'rs-db', 'rs-missing'),
  ssdOnly: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  tolerates: fc.boolean(),
  /** Which listed nodes passed Filter (bit per position). */
  filteredMask: fc.integer({ min: 0, max: 255 }),
});
type IncomingSpec = typeof incomingArb extends fc.Arbitrary<infer T> ? T : never;

function mkIncoming(s: IncomingSpec, round: number): DeepReadonly<Pod> {
  const ns = NAMESPACES[s.ns]!;
  const p: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `incoming-${round}`, namespace: ns, uid: `incoming-${round}`, labels: { ...LABEL_SETS[s.labels]! } },
    spec: { containers: [{ name: 'c', image: 'img' }] },
  };
  if (s.constraints.length > 0) p.spec!.topologySpreadConstraints = s.constraints.map(mkConstraint);
  if (s.owner !== undefined) p.metadata!.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: s.owner, uid: `uid-${s.owner}`, controller: true }];
  if (s.ssdOnly) p.spec!.nodeSelector = { disk: 'ssd' };
  if (s.tolerates) p.spec!.tolerations = [{ key: 't', operator: 'Exists', effect: 'NoSchedule' }];
  return deepFreeze(p);
}

// ---- changes between scheduling cycles ----

const podSpecArb = fc.record({
  name: fc.integer({ min: 0, max: 15 }),
  ns: fc.integer({ min: 0, max: 1 }),
  labels: fc.integer({ min: 0, max: LABEL_SETS.length - 1 }),
  terminating: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
});
const nodeSpecArb = fc.record({
  zone: fc.constantFrom('a', 'b', 'c', undefined),
  hostLabel: fc.oneof({ weight: 6, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  tainted: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  ssd: fc.boolean(),
});
const MAX_NODES = 6;
const nodeIdxArb = fc.integer({ min: 0, max: MAX_NODES - 1 });

const changeArb = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('addPod' as const), pod: podSpecArb, node: nodeIdxArb }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('assumePod' as const), pod: podSpecArb, node: nodeIdxArb }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('forgetPod' as const), pod: podSpecArb }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('removePod' as const), pod: podSpecArb }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('addNode' as const), node: nodeIdxArb, spec: nodeSpecArb }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('removeNode' as const), node: nodeIdxArb }) },
);
type Change = typeof changeArb extends fc.Arbitrary<infer T> ? T : never;

function apply(cache: SchedulerCache, c: Change): void {
  switch (c.op) {
    case 'addPod':
      cache.addPod(mkPod(c.pod, `n${c.node}`));
      break;
    case 'assumePod':
      cache.assumePod(mkPod(c.pod, undefined), `n${c.node}`);
      break;
    case 'forgetPod':
      cache.forgetPod(mkPod(c.pod, undefined));
      break;
    case 'removePod':
      cache.removePod(mkPod(c.pod, undefined));
      break;
    case 'addNode':
      cache.addNode(mkNode(c.node, c.spec));
      break;
    case 'removeNode':
      cache.removeNode(`n${c.node}`);
      break;
  }
}

// ---- the listers ----

/** The cache without its pod label index. */
function withoutIndex(cache: SchedulerCache): NodeInfoLister {
  return {
    list: () => cache.list(),
    get: (n) => cache.get(n),
    havePodsWithAffinityList: () => cache.havePodsWithAffinityList(),
    havePodsWithRequiredAntiAffinityList: () => cache.havePodsWithRequiredAntiAffinityList(),
    changeMark: () => cache.changeMark(),
    nodesChangedSince: (m) => cache.nodesChangedSince(m),
  };
}

/** The cache with none of the optional shortcuts. */
function plain(cache: SchedulerCache): NodeInfoLister {
  return {
    list: () => cache.list(),
    get: (n) => cache.get(n),
    havePodsWithAffinityList: () => cache.havePodsWithAffinityList(),
    havePodsWithRequiredAntiAffinityList: () => cache.havePodsWithRequiredAntiAffinityList(),
  };
}

interface Outcome {
  readonly preScore: string;
  readonly constraints?: readonly string[];
  readonly raw?: Record<string, number>;
  readonly normalized?: Record<string, number>;
}

/** Which shortcut the last PreScore took: counts from the label index, or journalled totals. */
const took = { index: false, totals: false };

/** PreScore on the filtered nodes, Score on each, then NormalizeScore. */
function scoreWith(handle: Handle, pl: SchedulerPluginInstance, pod: DeepReadonly<Pod>, mask: number): Outcome {
  took.index = false;
  took.totals = false;
  const all = handle.snapshot().list();
  const filtered = all.filter((_, i) => ((mask >> i) & 1) === 1);
  const state = new CycleState();
  const st = pl.preScore!(state, pod, filtered);
  if (st != null && st.code !== 'Success') return { preScore: `${st.code}: ${st.reasons.join(', ')}` };
  const pre = state.read(PRE_SCORE_STATE_KEY)!;
  took.index = [...(pre.selected?.values() ?? [])].some((m) => m.size > 0);
  took.totals = (pre.refreshedTotals?.size ?? 0) > 0;
  const constraints = pre.constraints.map((c) => `${c.topologyKey}/${c.maxSkew}/${c.nodeTaintsPolicy}/${c.nodeAffinityPolicy}: ${c.selector.toString()}`);
  const scores: NodeScore[] = filtered.map((ni) => {
    const r = pl.score!(state, pod, ni);
    assert.equal(typeof r, 'number', `score of ${ni.name}`);
    return { name: ni.name, score: r as number };
  });
  const raw: Record<string, number> = {};
  for (const s of scores) raw[s.name] = s.score;
  const ns = pl.normalizeScore!(state, pod, scores);
  assert.ok(ns == null || ns.code === 'Success');
  const normalized: Record<string, number> = {};
  for (const s of scores) normalized[s.name] = s.score;
  return { preScore: 'Success', constraints, raw, normalized };
}

describe('PodTopologySpread scoring with and without the snapshot’s pod label index', () => {
  it('gives the expected scores over every lister as pods and nodes change between cycles', () => {
    const node = (name: string, zone: string): DeepReadonly<Node> =>
      deepFreeze({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { [HOST]: name, [ZONE]: zone } } } as Node);
    const pod = (name: string, nodeName: string, o: { ns?: string; app?: string; terminating?: boolean } = {}): DeepReadonly<Pod> => {
      const ns = o.ns ?? 'default';
      const p: Pod = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: ns, uid: `${ns}/${name}`, labels: { app: o.app ?? 'web' } },
        spec: { nodeName, containers: [{ name: 'c', image: 'img' }] },
      };
      if (o.terminating) p.metadata!.deletionTimestamp = '2025-01-01T00:00:00Z';
      return deepFreeze(p);
    };
    const handle = createTestHandle({
      nodes: [node('n1', 'a'), node('n2', 'a'), node('n3', 'b'), node('n4', 'b')],
      pods: [
        pod('w1', 'n1'),
        pod('w2', 'n1'),
        pod('w3', 'n3'),
        pod('o1', 'n4', { ns: 'other' }),
        pod('o2', 'n4', { ns: 'other' }),
        pod('o3', 'n4', { ns: 'other' }),
        pod('dying', 'n4', { terminating: true }),
        pod('db', 'n2', { app: 'db' }),
      ],
    });
    const cache = handle.cache;
    const handles: Handle[] = [handle, { ...handle, snapshot: () => withoutIndex(cache) }, { ...handle, snapshot: () => plain(cache) }];
    const plugins = handles.map((h) => podTopologySpreadPlugin.create(decodePodTopologySpreadArgs(undefined, 'args'), h));
    const web = { matchLabels: { app: 'web' } };
    const incoming = deepFreeze({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'in', namespace: 'default', uid: 'in', labels: { app: 'web' } },
      spec: {
        containers: [{ name: 'c', image: 'img' }],
        topologySpreadConstraints: [
          { maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'ScheduleAnyway', labelSelector: web },
          { maxSkew: 1, topologyKey: HOST, whenUnsatisfiable: 'ScheduleAnyway', labelSelector: web },
        ],
      },
    } as Pod);
    const normalized = (): Record<string, number>[] => handles.map((h, i) => scoreWith(h, plugins[i]!, incoming, 0xff).normalized!);

    // Zones a 2, b 1 (weight ln 4); hosts n1 2, n3 1 (weight ln 6). Other namespaces, other apps
    // and terminating pods do not count. Raw: n1 6, n2 3, n3 3, n4 1.
    const first = { n1: 16, n2: 66, n3: 66, n4: 100 };
    assert.deepEqual(normalized(), [first, first, first]);

    // w2 starts terminating, a new web pod lands on n4: zones a 1, b 2; hosts n1, n3, n4 1.
    cache.updatePod(pod('w2', 'n1', { terminating: true }));
    cache.addPod(pod('w4', 'n4'));
    // Raw: n1 3, n2 1, n3 5, n4 5.
    const second = { n1: 60, n2: 100, n3: 20, n4: 20 };
    assert.deepEqual(normalized(), [second, second, second]);

    // n3 goes away (its pod with it): zones a 1, b 1 (weight ln 4); hosts weigh ln 5. Raw: n1 3, n2 1, n4 3.
    cache.removeNode('n3');
    const third = { n1: 33, n2: 100, n4: 33 };
    assert.deepEqual(normalized(), [third, third, third]);
  });

  it('property: PreScore+Score+NormalizeScore give the same scores over every lister, cycle after cycle', () => {
    let scored = 0;
    let varied = 0;
    let defaulted = 0;
    let viaIndex = 0;
    let viaTotals = 0;
    fc.assert(
      fc.property(
        fc.array(nodeSpecArb, { minLength: 2, maxLength: MAX_NODES }),
        fc.array(fc.record({ pod: podSpecArb, node: nodeIdxArb }), { maxLength: 24 }),
        fc.boolean(),
        fc.array(fc.record({ changes: fc.array(changeArb, { maxLength: 6 }), incoming: incomingArb }), { minLength: 1, maxLength: 3 }),
        (nodes, pods, listDefaults, rounds) => {
          const handle = createTestHandle({ objects: OBJECTS.map((o) => deepFreeze(structuredClone(o))) });
          const cache = handle.cache;
          nodes.forEach((s, i) => cache.addNode(mkNode(i, s)));
          for (const p of pods) cache.addPod(mkPod(p.pod, `n${p.node}`));
          const rawArgs = listDefaults ? { defaultingType: 'List', defaultConstraints: [{ maxSkew: 2, topologyKey: ZONE, whenUnsatisfiable: 'ScheduleAnyway' }] } : undefined;
          const args = decodePodTopologySpreadArgs(rawArgs, 'args');
          const handles: Handle[] = [handle, { ...handle, snapshot: () => withoutIndex(cache) }, { ...handle, snapshot: () => plain(cache) }];
          assert.equal(typeof handle.snapshot().nodesWithPodsMatching, 'function');
          const plugins = handles.map((h) => podTopologySpreadPlugin.create(args, h));
          rounds.forEach((round, r) => {
            for (const c of round.changes) apply(cache, c);
            const pod = mkIncoming(round.incoming, r);
            const indexed = scoreWith(handles[0]!, plugins[0]!, pod, round.incoming.filteredMask);
            if (took.index) viaIndex++;
            const journalled = scoreWith(handles[1]!, plugins[1]!, pod, round.incoming.filteredMask);
            if (took.totals) viaTotals++;
            const walked = scoreWith(handles[2]!, plugins[2]!, pod, round.incoming.filteredMask);
            assert.ok(!took.index && !took.totals, 'the plain lister offers no shortcut');
            assert.deepEqual(journalled, walked, 'journalled totals vs walk');
            assert.deepEqual(indexed, walked, 'label index vs walk');
            if (walked.preScore === 'Success') {
              scored++;
              if (round.incoming.constraints.length === 0) defaulted++;
              if (new Set(Object.values(walked.raw!)).size > 1) varied++;
            }
          });
        },
      ),
      { numRuns: 200, seed: 7 },
    );
    // The property saw real work: scored cycles, with and without own constraints, telling nodes
    // apart, with nonzero counts taken through each shortcut.
    assert.ok(scored > 100, `scored ${scored}`);
    assert.ok(defaulted > 10, `defaulted ${defaulted}`);
    assert.ok(varied > 30, `varied ${varied}`);
    assert.ok(viaIndex > 30, `via the label index ${viaIndex}`);
    assert.ok(viaTotals > 30, `via journalled totals ${viaTotals}`);
  });
});
