import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import {
  ActionType,
  asStatus,
  createTestHandle,
  CycleState,
  decodeInterPodAffinityArgs,
  isSkip,
  newPodInfo,
  Rng,
  type Affinity,
  type DeepReadonly,
  type KubeObject,
  type LabelSelector,
  type Node,
  type NodeInfo,
  type NodeScore,
  type Pod,
  type PodAffinityTerm,
  type SchedulerPluginInstance,
  type TestHandle,
} from 'kubeprop';
import { frameworkOf, testNode, testPod } from '../test-objects.js';
import {
  ERR_REASON_AFFINITY_RULES_NOT_MATCH,
  ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH,
  ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH,
  interPodAffinityPlugin,
  isSchedulableAfterNodeChange,
  NAME,
  normalizeInterPodAffinityScores,
  PRE_FILTER_STATE_KEY,
  PRE_SCORE_STATE_KEY,
  TopologyPairCounts,
} from './inter-pod-affinity.js';
import { existingAntiAffinityCounts, incomingAffinityAntiAffinityCounts, sumContributions } from './counts-memo.js';
import { mergeTermsNamespaces, namespaceLabels, podNamespace, TopologyValueTables } from './filtering.js';
import { scoreContributor, type IncomingPodScoring } from './scoring.js';

const ZONE = 'topology.kubernetes.io/zone';
const REGION = 'topology.kubernetes.io/region';
const HOST = 'kubernetes.io/hostname';

// ---- builders ----

function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === 'object' && !Object.isFrozen(o)) {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

function node(name: string, labels: Record<string, string> = {}): Node {
  return testNode(name, {}, { labels: { [HOST]: name, ...labels } });
}

interface PodOpts {
  readonly labels?: Record<string, string>;
  readonly ns?: string;
  readonly on?: string;
  readonly affinity?: Affinity;
  readonly priority?: number;
}

function pod(name: string, opts: PodOpts = {}): Pod {
  const spec: Parameters<typeof testPod>[1] = {};
  if (opts.on !== undefined) spec.nodeName = opts.on;
  if (opts.affinity !== undefined) spec.affinity = opts.affinity;
  if (opts.priority !== undefined) spec.priority = opts.priority;
  const meta: { labels?: Record<string, string>; namespace?: string } = {};
  if (opts.labels !== undefined) meta.labels = opts.labels;
  if (opts.ns !== undefined) meta.namespace = opts.ns;
  return testPod(name, spec, meta);
}

/** A term selecting `matchLabels` (or `null`: no label selector) in `topologyKey`. */
function term(
  matchLabels: Record<string, string> | null,
  topologyKey: string,
  extra: { namespaces?: string[]; namespaceSelector?: LabelSelector } = {},
): PodAffinityTerm {
  const t: PodAffinityTerm = { topologyKey, ...extra };
  if (matchLabels !== null) t.labelSelector = { matchLabels };
  return t;
}

function affinity(...terms: PodAffinityTerm[]): Affinity {
  return { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: terms } };
}

function antiAffinity(...terms: PodAffinityTerm[]): Affinity {
  return { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: terms } };
}

function preferred(aff: [number, PodAffinityTerm][], anti: [number, PodAffinityTerm][] = []): Affinity {
  const out: Affinity = {};
  if (aff.length > 0) out.podAffinity = { preferredDuringSchedulingIgnoredDuringExecution: aff.map(([weight, podAffinityTerm]) => ({ weight, podAffinityTerm })) };
  if (anti.length > 0) out.podAntiAffinity = { preferredDuringSchedulingIgnoredDuringExecution: anti.map(([weight, podAffinityTerm]) => ({ weight, podAffinityTerm })) };
  return out;
}

function namespace(name: string, labels?: Record<string, string>): KubeObject {
  const metadata: { name: string; labels?: Record<string, string> } = { name };
  if (labels !== undefined) metadata.labels = labels;
  return { apiVersion: 'v1', kind: 'Namespace', metadata } as KubeObject;
}

interface Setup {
  readonly handle: TestHandle;
  readonly plugin: SchedulerPluginInstance;
}

function setup(nodes: readonly Node[], pods: readonly Pod[], objects: readonly KubeObject[] = [], args: unknown = undefined): Setup {
  const handle = createTestHandle({ nodes: deepFreeze([...nodes]), pods: deepFreeze([...pods]), objects: deepFreeze([...objects]) });
  return { handle, plugin: interPodAffinityPlugin.create(decodeInterPodAffinityArgs(args), handle) };
}

/** Runs PreFilter; `'Skip'` or the status of Filter on every node, as `code` or `code: reason`. */
function filterAll(s: Setup, incoming: Pod): 'Skip' | Record<string, string> {
  const p = deepFreeze(incoming);
  const state = new CycleState();
  const nodes = s.handle.snapshot().list();
  const pre = s.plugin.preFilter!(state, p, nodes);
  if (isSkip(pre as never)) return 'Skip';
  assert.equal(asStatus(pre as never).code, 'Success');
  const out: Record<string, string> = {};
  for (const ni of nodes) {
    const st = asStatus(s.plugin.filter!(state, p, ni));
    out[ni.name] = st.code === 'Success' ? 'ok' : `${st.code}: ${st.reasons.join(', ')}`;
  }
  return out;
}

const AFF = `UnschedulableAndUnresolvable: ${ERR_REASON_AFFINITY_RULES_NOT_MATCH}`;
const ANTI = `Unschedulable: ${ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH}`;
const EXIST = `Unschedulable: ${ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH}`;

/** Runs PreScore and, unless it skips, Score and NormalizeScore over `nodeNames` (all nodes by default). */
function scoreAll(s: Setup, incoming: Pod, nodeNames?: readonly string[]): 'Skip' | { raw: Record<string, number>; normalized: Record<string, number> } {
  const p = deepFreeze(incoming);
  const state = new CycleState();
  const all = s.handle.snapshot().list();
  const nodes = nodeNames === undefined ? all : nodeNames.map((n) => all.find((ni) => ni.name === n)!);
  const pre = s.plugin.preScore!(state, p, nodes);
  if (isSkip(pre as never)) return 'Skip';
  assert.equal(asStatus(pre as never).code, 'Success');
  const list: NodeScore[] = nodes.map((ni) => ({ name: ni.name, score: s.plugin.score!(state, p, ni) as number }));
  const raw = Object.fromEntries(list.map((e) => [e.name, e.score]));
  assert.equal(asStatus(s.plugin.normalizeScore!(state, p, list)).code, 'Success');
  return { raw, normalized: Object.fromEntries(list.map((e) => [e.name, e.score])) };
}

// Nodes a, b in zone z1, c in zone z2, d without a zone; every node has its hostname label.
const ZONED = [node('a', { [ZONE]: 'z1' }), node('b', { [ZONE]: 'z1' }), node('c', { [ZONE]: 'z2' }), node('d')];

describe('InterPodAffinity', () => {
  it('is named as upstream and decodes its args with the defaults', () => {
    assert.equal(NAME, 'InterPodAffinity');
    assert.equal(interPodAffinityPlugin.name, NAME);
    assert.deepEqual(interPodAffinityPlugin.decodeArgs!(undefined, 'args'), { hardPodAffinityWeight: 1, ignorePreferredTermsOfExistingPods: false });
    assert.throws(() => interPodAffinityPlugin.decodeArgs!({ hardPodAffinityWeight: 101 }, 'args'));
  });

  describe('PreFilter and Filter', () => {
    const db = { app: 'db' };
    const table: [what: string, incoming: Pod, existing: Pod[], expected: 'Skip' | Record<string, string>][] = [
      ['no required terms and no existing anti-affinity ⇒ Skip', pod('p', { labels: { app: 'web' } }), [pod('x', { labels: db, on: 'a' })], 'Skip'],
      [
        'existing anti-affinity that the pod does not match ⇒ Skip',
        pod('p', { labels: { app: 'web' } }),
        [pod('x', { on: 'a', affinity: antiAffinity(term(db, ZONE)) })],
        'Skip',
      ],
      [
        'affinity on zone: the matching pod’s zone passes, other zones and nodes without the key fail',
        pod('p', { affinity: affinity(term(db, ZONE)) }),
        [pod('x', { labels: db, on: 'a' })],
        { a: 'ok', b: 'ok', c: AFF, d: AFF },
      ],
      [
        'affinity on hostname: only the matching pod’s node passes',
        pod('p', { affinity: affinity(term(db, HOST)) }),
        [pod('x', { labels: db, on: 'a' }), pod('y', { labels: { app: 'other' }, on: 'b' })],
        { a: 'ok', b: AFF, c: AFF, d: AFF },
      ],
      ['affinity that nothing matches, pod not self-affine ⇒ every node fails', pod('p', { affinity: affinity(term(db, ZONE)) }), [], { a: AFF, b: AFF, c: AFF, d: AFF }],
      [
        'self-affinity exception: nothing matches and the pod matches its own terms ⇒ every node with the key passes',
        pod('p', { labels: db, affinity: affinity(term(db, ZONE)) }),
        [pod('x', { labels: { app: 'other' }, on: 'a' })],
        { a: 'ok', b: 'ok', c: 'ok', d: AFF },
      ],
      [
        'no self-affinity exception once a matching pod exists: only its domain passes',
        pod('p', { labels: db, affinity: affinity(term(db, ZONE)) }),
        [pod('x', { labels: db, on: 'c' })],
        { a: AFF, b: AFF, c: 'ok', d: AFF },
      ],
      [
        'a matching pod on a node without the topology key is not counted, so the exception still applies',
        pod('p', { labels: db, affinity: affinity(term(db, ZONE)) }),
        [pod('x', { labels: db, on: 'd' })],
        { a: 'ok', b: 'ok', c: 'ok', d: AFF },
      ],
      [
        'self-affinity exception needs the pod to match all of its terms',
        pod('p', { labels: db, affinity: affinity(term(db, ZONE), term({ tier: 'be' }, ZONE)) }),
        [],
        { a: AFF, b: AFF, c: AFF, d: AFF },
      ],
      [
        'several affinity terms: a pod matching only one of them counts for none',
        pod('p', { affinity: affinity(term(db, ZONE), term({ tier: 'be' }, HOST)) }),
        [pod('x', { labels: db, on: 'a' }), pod('y', { labels: { tier: 'be' }, on: 'a' })],
        { a: AFF, b: AFF, c: AFF, d: AFF },
      ],
      [
        'several affinity terms: a pod matching all counts for each term’s domain',
        pod('p', { affinity: affinity(term(db, ZONE), term({ tier: 'be' }, HOST)) }),
        [pod('x', { labels: { app: 'db', tier: 'be' }, on: 'a' })],
        { a: 'ok', b: AFF, c: AFF, d: AFF },
      ],
      [
        'affinity with a nil label selector matches no pod (not even itself)',
        pod('p', { labels: db, affinity: affinity(term(null, ZONE)) }),
        [pod('x', { labels: db, on: 'a' })],
        { a: AFF, b: AFF, c: AFF, d: AFF },
      ],
      [
        'anti-affinity on zone: the whole zone fails, a node without the key passes',
        pod('p', { affinity: antiAffinity(term(db, ZONE)) }),
        [pod('x', { labels: db, on: 'a' })],
        { a: ANTI, b: ANTI, c: 'ok', d: 'ok' },
      ],
      [
        'anti-affinity on hostname: only the matching pod’s node fails',
        pod('p', { affinity: antiAffinity(term(db, HOST)) }),
        [pod('x', { labels: db, on: 'd' })],
        { a: 'ok', b: 'ok', c: 'ok', d: ANTI },
      ],
      [
        'anti-affinity with an empty label selector avoids every pod of the namespace',
        pod('p', { affinity: antiAffinity({ topologyKey: ZONE, labelSelector: {} }) }),
        [pod('x', { labels: { any: 'thing' }, on: 'c' }), pod('y', { ns: 'other', on: 'a' })],
        { a: 'ok', b: 'ok', c: ANTI, d: 'ok' },
      ],
      [
        'an anti-affinity term matching the pod itself does not count the pod itself',
        pod('p', { labels: db, affinity: antiAffinity(term(db, HOST)) }),
        [],
        { a: 'ok', b: 'ok', c: 'ok', d: 'ok' },
      ],
      [
        'existing pods’ anti-affinity (symmetry): the existing pod’s domain fails',
        pod('p', { labels: { app: 'web' } }),
        [pod('x', { labels: db, on: 'c', affinity: antiAffinity(term({ app: 'web' }, ZONE)) })],
        { a: 'ok', b: 'ok', c: EXIST, d: 'ok' },
      ],
      [
        'existing pods’ anti-affinity on hostname',
        pod('p', { labels: { app: 'web' } }),
        [pod('x', { on: 'a', affinity: antiAffinity(term({ app: 'web' }, HOST)) })],
        { a: EXIST, b: 'ok', c: 'ok', d: 'ok' },
      ],
      [
        'an existing pod on a node without the key blocks nothing',
        pod('p', { labels: { app: 'web' }, affinity: antiAffinity(term(db, HOST)) }),
        [pod('x', { on: 'd', affinity: antiAffinity(term({ app: 'web' }, ZONE)) })],
        { a: 'ok', b: 'ok', c: 'ok', d: 'ok' },
      ],
      [
        'affinity is checked before anti-affinity',
        pod('p', { affinity: { ...affinity(term(db, HOST)), ...antiAffinity(term({ app: 'cache' }, ZONE)) } }),
        [pod('x', { labels: db, on: 'c' }), pod('y', { labels: { app: 'cache' }, on: 'a' })],
        { a: AFF, b: AFF, c: 'ok', d: AFF },
      ],
      [
        'the pod’s anti-affinity is checked before the existing pods’',
        pod('p', { labels: { app: 'web' }, affinity: antiAffinity(term(db, ZONE)) }),
        [pod('x', { labels: db, on: 'a', affinity: antiAffinity(term({ app: 'web' }, ZONE)) }), pod('y', { on: 'c', affinity: antiAffinity(term({ app: 'web' }, ZONE)) })],
        { a: ANTI, b: ANTI, c: EXIST, d: 'ok' },
      ],
    ];
    for (const [what, incoming, existing, expected] of table) {
      it(what, () => {
        assert.deepEqual(filterAll(setup(ZONED, existing), incoming), expected);
      });
    }

    it('returns an Error from Filter, AddPod and RemovePod when PreFilter did not run', () => {
      const s = setup(ZONED, []);
      const ni = s.handle.snapshot().list()[0]!;
      const p = pod('p');
      const msg = `error reading "PreFilterInterPodAffinity" from cycleState: not found`;
      assert.deepEqual(asStatus(s.plugin.filter!(new CycleState(), p, ni)).reasons, [msg]);
      assert.equal(asStatus(s.plugin.filter!(new CycleState(), p, ni)).code, 'Error');
      assert.equal(asStatus(s.plugin.preFilterExtensions!.addPod(new CycleState(), p, newPodInfo(p), ni)).code, 'Error');
      assert.equal(asStatus(s.plugin.preFilterExtensions!.removePod(new CycleState(), p, newPodInfo(p), ni)).code, 'Error');
    });

    it('rejects a pod whose terms do not parse as UnschedulableAndUnresolvable', () => {
      const s = setup(ZONED, []);
      const bad = pod('p', { affinity: affinity({ topologyKey: ZONE, labelSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: [] }] } }) });
      const st = asStatus(s.plugin.preFilter!(new CycleState(), bad, s.handle.snapshot().list()) as never);
      assert.equal(st.code, 'UnschedulableAndUnresolvable');
      assert.match(st.reasons[0]!, /^parsing pod: /);
    });

    it('is attributed to the plugin through the framework', () => {
      const s = setup(ZONED, [pod('x', { labels: { app: 'db' }, on: 'a' })]);
      const fw = frameworkOf([{ name: NAME, instance: s.plugin }]);
      const state = new CycleState();
      const p = pod('p', { affinity: antiAffinity(term({ app: 'db' }, ZONE)) });
      const nodes = s.handle.snapshot().list();
      assert.equal(fw.runPreFilterPlugins(state, p, nodes).status.code, 'Success');
      const st = fw.runFilterPlugins(state, p, nodes.find((n) => n.name === 'b')!);
      assert.deepEqual([st.code, st.plugin, st.reasons], ['Unschedulable', NAME, [ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH]]);
      assert.equal(fw.runFilterPlugins(state, p, nodes.find((n) => n.name === 'c')!).code, 'Success');
    });
  });

  describe('namespaces and namespaceSelector', () => {
    const NODES = [node('n1'), node('n2')];
    const OBJECTS = [namespace('team-a', { team: 'a' }), namespace('team-b', { team: 'b' }), namespace('plain'), namespace('default')];
    const db = { app: 'db' };
    // A db pod on n1 in `ns`; a pod avoiding db on the hostname with the term's namespace fields.
    const table: [what: string, dbNamespace: string, termExtra: { namespaces?: string[]; namespaceSelector?: LabelSelector }, n1: string][] = [
      ['no namespaces and no selector ⇒ only the pod’s own namespace (other ns)', 'team-a', {}, 'ok'],
      ['no namespaces and no selector ⇒ only the pod’s own namespace (same ns)', 'default', {}, ANTI],
      ['namespaces lists the namespace', 'team-a', { namespaces: ['team-a'] }, ANTI],
      ['namespaces lists another namespace', 'team-b', { namespaces: ['team-a'] }, 'ok'],
      ['namespaces given ⇒ the pod’s own namespace is not implied', 'default', { namespaces: ['team-a'] }, 'ok'],
      ['namespaceSelector {} ⇒ every namespace', 'team-b', { namespaceSelector: {} }, ANTI],
      ['namespaceSelector {} ⇒ even one without a Namespace object', 'ghost', { namespaceSelector: {} }, ANTI],
      ['namespaceSelector by label selects the namespace', 'team-a', { namespaceSelector: { matchLabels: { team: 'a' } } }, ANTI],
      ['namespaceSelector by label skips other namespaces', 'team-b', { namespaceSelector: { matchLabels: { team: 'a' } } }, 'ok'],
      ['namespaces ∪ namespaceSelector', 'team-b', { namespaces: ['team-b'], namespaceSelector: { matchLabels: { team: 'a' } } }, ANTI],
      [
        'a NotIn selector selects existing namespaces without the label',
        'plain',
        { namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'NotIn', values: ['a'] }] } },
        ANTI,
      ],
      [
        'a NotIn selector cannot select a namespace that has no Namespace object',
        'ghost',
        { namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'NotIn', values: ['a'] }] } },
        'ok',
      ],
    ];
    for (const [what, dbNamespace, extra, n1] of table) {
      it(what, () => {
        const s = setup(NODES, [pod('x', { labels: db, ns: dbNamespace, on: 'n1' })], OBJECTS);
        assert.deepEqual(filterAll(s, pod('p', { affinity: antiAffinity(term(db, HOST, extra)) })), { n1, n2: 'ok' });
      });
    }

    it('the same namespace rules apply to the affinity counts', () => {
      const s = setup(NODES, [pod('x', { labels: db, ns: 'team-a', on: 'n1' })], OBJECTS);
      assert.deepEqual(filterAll(s, pod('p', { affinity: affinity(term(db, HOST, { namespaceSelector: { matchLabels: { team: 'a' } } })) })), { n1: 'ok', n2: AFF });
      assert.deepEqual(filterAll(s, pod('p', { affinity: affinity(term(db, HOST)) })), { n1: AFF, n2: AFF });
    });

    // Existing pods' terms are matched against the incoming pod with its namespace's labels.
    const existingTable: [what: string, incomingNamespace: string, selector: LabelSelector, expected: 'Skip' | Record<string, string>][] = [
      ['incoming pod in a selected namespace', 'team-a', { matchLabels: { team: 'a' } }, { n1: EXIST, n2: 'ok' }],
      ['incoming pod in another namespace', 'team-b', { matchLabels: { team: 'a' } }, 'Skip'],
      ['incoming pod in a namespace without a Namespace object has no labels (NotIn matches)', 'ghost', { matchExpressions: [{ key: 'team', operator: 'NotIn', values: ['a'] }] }, { n1: EXIST, n2: 'ok' }],
      ['incoming pod in a namespace without a Namespace object has no labels (In does not)', 'ghost', { matchLabels: { team: 'a' } }, 'Skip'],
    ];
    for (const [what, ns, selector, expected] of existingTable) {
      it(`existing pod’s anti-affinity with a namespaceSelector: ${what}`, () => {
        const s = setup(NODES, [pod('x', { ns: 'plain', on: 'n1', affinity: antiAffinity(term({ app: 'web' }, HOST, { namespaceSelector: selector })) })], OBJECTS);
        assert.deepEqual(filterAll(s, pod('p', { labels: { app: 'web' }, ns })), expected);
      });
    }
  });

  describe('PreFilterExtensions', () => {
    const NODES = ZONED;
    const incoming = pod('p', {
      labels: { app: 'web' },
      affinity: { ...affinity(term({ app: 'db' }, ZONE)), ...antiAffinity(term({ app: 'cache' }, HOST)) },
    });
    const base = [
      pod('db1', { labels: { app: 'db' }, on: 'a' }),
      pod('guard', { on: 'c', affinity: antiAffinity(term({ app: 'web' }, ZONE)) }),
      pod('cache1', { labels: { app: 'cache' }, on: 'b' }),
    ];
    const extras: [what: string, extra: Pod][] = [
      ['a pod matching the affinity', pod('db2', { labels: { app: 'db' }, on: 'c' })],
      ['a pod matching the anti-affinity', pod('cache2', { labels: { app: 'cache' }, on: 'a' })],
      ['a pod whose anti-affinity the pod matches', pod('guard2', { on: 'b', affinity: antiAffinity(term({ app: 'web' }, HOST), term({ app: 'web' }, ZONE)) })],
      ['a pod matching everything at once', pod('all', { labels: { app: 'db' }, on: 'd', affinity: antiAffinity(term({ app: 'web' }, HOST)) })],
      ['a pod matching nothing', pod('noise', { labels: { app: 'noise' }, on: 'a' })],
      ['a pod on a node without the zone', pod('db3', { labels: { app: 'db' }, on: 'd' })],
    ];

    function stateOf(pods: readonly Pod[]): { state: CycleState; s: Setup } {
      const s = setup(NODES, pods);
      const state = new CycleState();
      assert.equal(asStatus(s.plugin.preFilter!(state, incoming, s.handle.snapshot().list()) as never).code, 'Success');
      return { state, s };
    }

    function counts(state: CycleState): unknown {
      const st = state.read(PRE_FILTER_STATE_KEY)!;
      return {
        existing: st.existingAntiAffinityCounts.entries(),
        affinity: st.affinityCounts.entries(),
        anti: st.antiAffinityCounts.entries(),
      };
    }

    for (const [what, extra] of extras) {
      it(`AddPod of ${what} equals a PreFilter that saw it; RemovePod undoes it`, () => {
        const withIt = stateOf([...base, extra]);
        const without = stateOf(base);
        const ni = withIt.s.handle.snapshot().get(extra.spec!.nodeName!)!;
        const added = without.state.clone();
        assert.equal(asStatus(without.s.plugin.preFilterExtensions!.addPod(added, incoming, newPodInfo(extra), ni)).code, 'Success');
        assert.deepEqual(counts(added), counts(withIt.state));
        const removed = withIt.state.clone();
        assert.equal(asStatus(withIt.s.plugin.preFilterExtensions!.removePod(removed, incoming, newPodInfo(extra), ni)).code, 'Success');
        assert.deepEqual(counts(removed), counts(without.state));
      });
    }

    it('clones are deep: updating a clone leaves the original alone', () => {
      const { state, s } = stateOf(base);
      const before = counts(state);
      const c = state.clone();
      const extra = pod('cache2', { labels: { app: 'cache' }, on: 'a', affinity: antiAffinity(term({ app: 'web' }, HOST)) });
      s.plugin.preFilterExtensions!.addPod(c, incoming, newPodInfo(extra), s.handle.snapshot().get('a')!);
      assert.deepEqual(counts(state), before);
      assert.notDeepEqual(counts(c), before);
    });

    it('removing the only matching pod makes room, and the self-affinity exception reappears', () => {
      const selfAffine = pod('p', { labels: { app: 'db' }, affinity: affinity(term({ app: 'db' }, ZONE)) });
      const dbPod = pod('db1', { labels: { app: 'db' }, on: 'c' });
      const s = setup(NODES, [dbPod]);
      const state = new CycleState();
      s.plugin.preFilter!(state, selfAffine, s.handle.snapshot().list());
      const a = s.handle.snapshot().get('a')!;
      assert.equal(asStatus(s.plugin.filter!(state, selfAffine, a)).code, 'UnschedulableAndUnresolvable');
      s.plugin.preFilterExtensions!.removePod(state, selfAffine, newPodInfo(dbPod), s.handle.snapshot().get('c')!);
      assert.equal(state.read(PRE_FILTER_STATE_KEY)!.affinityCounts.size, 0);
      assert.equal(asStatus(s.plugin.filter!(state, selfAffine, a)).code, 'Success');
    });

    it('nominated pods count through the framework (RunFilterPluginsWithNominatedPods)', () => {
      const s = setup(NODES, []);
      const fw = frameworkOf([{ name: NAME, instance: s.plugin }]);
      const p = pod('p', { affinity: antiAffinity(term({ app: 'db' }, ZONE)) });
      const state = new CycleState();
      assert.equal(fw.runPreFilterPlugins(state, p, s.handle.snapshot().list()).status.code, 'Success');
      const nominated = [newPodInfo(pod('n', { labels: { app: 'db' }, priority: 10 }))];
      const a = s.handle.snapshot().get('a')!;
      const st = fw.runFilterPluginsWithNominatedPods(state, p, a, nominated);
      assert.deepEqual([st.code, st.reasons], ['Unschedulable', [ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH]]);
      // The cycle's own state was not changed by the what-if evaluation.
      assert.equal(state.read(PRE_FILTER_STATE_KEY)!.antiAffinityCounts.size, 0);
      assert.equal(fw.runFilterPluginsWithNominatedPods(state, p, a, []).code, 'Success');
    });
  });

  describe('TopologyPairCounts', () => {
    it('drops a pair that returns to zero and keeps negative counts', () => {
      const c = new TopologyPairCounts();
      c.add('k', 'v', 1);
      c.add('k', 'w', -1);
      assert.equal(c.size, 2);
      c.add('k', 'v', -1);
      assert.deepEqual(c.entries(), [['k', 'w', -1]]);
      assert.equal(c.size, 1);
      c.add('k', 'w', 1);
      assert.equal(c.size, 0);
      c.add('k', 'x', 0);
      assert.equal(c.size, 0);
      assert.deepEqual(c.entries(), []);
    });

    it('never reads a label from the object prototype', () => {
      const c = new TopologyPairCounts();
      c.addForNode({}, 'constructor', 1);
      assert.equal(c.size, 0);
    });
  });

  describe('PreScore, Score and NormalizeScore', () => {
    // a, b in region r1 (zones z1, z2), c in region r2 (zone z3), d without labels but its hostname.
    const NODES = [node('a', { [REGION]: 'r1', [ZONE]: 'z1' }), node('b', { [REGION]: 'r1', [ZONE]: 'z2' }), node('c', { [REGION]: 'r2', [ZONE]: 'z3' }), node('d')];
    const web = { app: 'web' };

    const table: [what: string, incoming: Pod, existing: Pod[], args: unknown, expected: 'Skip' | { raw: Record<string, number>; normalized: Record<string, number> }][] = [
      ['no terms anywhere ⇒ Skip', pod('p', { labels: web }), [pod('x', { on: 'a' })], undefined, 'Skip'],
      [
        'preferred affinity (+w) and anti-affinity (−w) of the incoming pod, with a negative raw score',
        pod('p', { affinity: preferred([[5, term({ app: 'db' }, REGION)]], [[3, term({ app: 'cache' }, ZONE)]]) }),
        [pod('x', { labels: { app: 'db' }, on: 'a' }), pod('y', { labels: { app: 'cache' }, on: 'b' }), pod('z', { labels: { app: 'cache' }, on: 'c' })],
        undefined,
        { raw: { a: 5, b: 2, c: -3, d: 0 }, normalized: { a: 100, b: 62, c: 0, d: 37 } },
      ],
      [
        'every matching pod adds its weight again',
        pod('p', { affinity: preferred([[6, term({ app: 'db' }, REGION)]]) }),
        [
          pod('x1', { labels: { app: 'db' }, on: 'a' }),
          pod('x2', { labels: { app: 'db' }, on: 'a' }),
          pod('x3', { labels: { app: 'db' }, on: 'b' }),
          pod('x4', { labels: { app: 'db' }, on: 'b' }),
          pod('x5', { labels: { app: 'db' }, on: 'c' }),
          pod('x6', { labels: { app: 'db' }, on: 'c' }),
        ],
        undefined,
        { raw: { a: 24, b: 24, c: 12, d: 0 }, normalized: { a: 100, b: 100, c: 50, d: 0 } },
      ],
      [
        'existing pods’ required affinity matched by the pod adds hardPodAffinityWeight (default 1)',
        pod('p', { labels: web }),
        [pod('x', { on: 'c', affinity: affinity(term(web, ZONE), term(web, REGION)) })],
        undefined,
        { raw: { a: 0, b: 0, c: 2, d: 0 }, normalized: { a: 0, b: 0, c: 100, d: 0 } },
      ],
      [
        'hardPodAffinityWeight 5',
        pod('p', { labels: web }),
        [pod('x', { on: 'c', affinity: affinity(term(web, ZONE)) }), pod('y', { on: 'a', affinity: affinity(term({ app: 'other' }, ZONE)) })],
        { hardPodAffinityWeight: 5 },
        { raw: { a: 0, b: 0, c: 5, d: 0 }, normalized: { a: 0, b: 0, c: 100, d: 0 } },
      ],
      ['hardPodAffinityWeight 0 ignores required terms ⇒ Skip', pod('p', { labels: web }), [pod('x', { on: 'c', affinity: affinity(term(web, ZONE)) })], { hardPodAffinityWeight: 0 }, 'Skip'],
      [
        'existing pods’ preferred affinity (+w) and anti-affinity (−w) matched by the pod',
        pod('p', { labels: web }),
        [pod('x', { on: 'a', affinity: preferred([[7, term(web, REGION)]]) }), pod('y', { on: 'c', affinity: preferred([], [[2, term(web, ZONE)]]) })],
        undefined,
        { raw: { a: 7, b: 7, c: -2, d: 0 }, normalized: { a: 100, b: 100, c: 0, d: 22 } },
      ],
      [
        'ignorePreferredTermsOfExistingPods and no preferred terms on the pod ⇒ Skip (required terms of existing pods too)',
        pod('p', { labels: web }),
        [pod('x', { on: 'a', affinity: { ...preferred([[7, term(web, REGION)]]), ...affinity(term(web, ZONE)) } })],
        { ignorePreferredTermsOfExistingPods: true },
        'Skip',
      ],
      [
        'ignorePreferredTermsOfExistingPods with preferred terms on the pod still counts existing pods’ terms',
        pod('p', { labels: web, affinity: preferred([[1, term({ app: 'db' }, HOST)]]) }),
        [pod('x', { on: 'a', affinity: preferred([[7, term(web, REGION)]]) }), pod('y', { labels: { app: 'db' }, on: 'c' })],
        { ignorePreferredTermsOfExistingPods: true },
        { raw: { a: 7, b: 7, c: 1, d: 0 }, normalized: { a: 100, b: 100, c: 14, d: 0 } },
      ],
      [
        'terms whose topology key the existing pod’s node lacks contribute nothing ⇒ Skip',
        pod('p', { labels: web, affinity: preferred([[5, term({ app: 'db' }, ZONE)]]) }),
        [pod('x', { labels: { app: 'db' }, on: 'd', affinity: preferred([[7, term(web, REGION)]]) })],
        undefined,
        'Skip',
      ],
      [
        'matches summing to zero still score (not Skip), all nodes 0',
        pod('p', { affinity: preferred([[4, term({ app: 'db' }, ZONE)]], [[4, term({ app: 'db' }, ZONE)]]) }),
        [pod('x', { labels: { app: 'db' }, on: 'a' })],
        undefined,
        { raw: { a: 0, b: 0, c: 0, d: 0 }, normalized: { a: 0, b: 0, c: 0, d: 0 } },
      ],
      [
        'float truncation as upstream: 100·(29/100) = 28.999… ⇒ 28',
        pod('p', { affinity: preferred([[100, term({ app: 'x' }, HOST)], [29, term({ app: 'y' }, HOST)]]) }),
        [pod('x', { labels: { app: 'x' }, on: 'a' }), pod('y', { labels: { app: 'y' }, on: 'b' })],
        undefined,
        { raw: { a: 100, b: 29, c: 0, d: 0 }, normalized: { a: 100, b: 28, c: 0, d: 0 } },
      ],
      [
        'preferred terms honour namespaces: a pod of another namespace does not count',
        pod('p', { affinity: preferred([[5, term({ app: 'db' }, HOST)]]) }),
        [pod('x', { labels: { app: 'db' }, ns: 'other', on: 'a' }), pod('y', { labels: { app: 'db' }, on: 'b' })],
        undefined,
        { raw: { a: 0, b: 5, c: 0, d: 0 }, normalized: { a: 0, b: 100, c: 0, d: 0 } },
      ],
    ];
    for (const [what, incoming, existing, args, expected] of table) {
      it(what, () => {
        assert.deepEqual(scoreAll(setup(NODES, existing, [], args), incoming), expected);
      });
    }

    it('normalizes with the true minimum and maximum of the scored nodes (all positive ⇒ the lowest gets 0)', () => {
      const s = setup(NODES, [pod('x1', { labels: { app: 'db' }, on: 'a' }), pod('x2', { labels: { app: 'db' }, on: 'a' }), pod('x3', { labels: { app: 'db' }, on: 'c' })]);
      const r = scoreAll(s, pod('p', { affinity: preferred([[6, term({ app: 'db' }, REGION)]]) }), ['a', 'b', 'c']);
      assert.deepEqual(r, { raw: { a: 12, b: 12, c: 6 }, normalized: { a: 100, b: 100, c: 0 } });
    });

    it('NormalizeScore on its own: all equal ⇒ 0; negatives ⇒ min–max', () => {
      const equal: NodeScore[] = [{ name: 'a', score: 7 }, { name: 'b', score: 7 }];
      normalizeInterPodAffinityScores(equal);
      assert.deepEqual(equal.map((e) => e.score), [0, 0]);
      const mixed: NodeScore[] = [{ name: 'a', score: -10 }, { name: 'b', score: -4 }, { name: 'c', score: 20 }];
      normalizeInterPodAffinityScores(mixed);
      assert.deepEqual(mixed.map((e) => e.score), [0, 20, 100]);
    });

    it('returns an Error from Score and NormalizeScore when PreScore did not run', () => {
      const s = setup(NODES, []);
      const ni = s.handle.snapshot().list()[0]!;
      const st = s.plugin.score!(new CycleState(), pod('p'), ni);
      assert.ok(typeof st !== 'number');
      assert.deepEqual([st.code, st.reasons], ['Error', [`failed to read "${PRE_SCORE_STATE_KEY.name}" from cycleState: not found`]]);
      assert.equal(asStatus(s.plugin.normalizeScore!(new CycleState(), pod('p'), [])).code, 'Error');
    });

    it('weights the normalized score through the framework', () => {
      const s = setup(NODES, [pod('x', { labels: { app: 'db' }, on: 'a' })]);
      const fw = frameworkOf([{ name: NAME, instance: s.plugin, weight: 2 }]);
      const state = new CycleState();
      const p = pod('p', { affinity: preferred([[5, term({ app: 'db' }, REGION)]]) });
      const nodes = s.handle.snapshot().list();
      assert.equal(fw.runPreScorePlugins(state, p, nodes).code, 'Success');
      const r = fw.runScorePlugins(state, p, nodes);
      assert.equal(r.status.code, 'Success');
      assert.deepEqual(
        r.scores.map((n) => [n.name, n.scores.get(NAME), n.totalScore]),
        [
          ['a', 100, 200],
          ['b', 100, 200],
          ['c', 0, 0],
          ['d', 0, 0],
        ],
      );
    });
  });

  describe('events and queueing hints', () => {
    const s = setup([], [], [namespace('team-a', { team: 'a' })]);
    const events = s.plugin.eventsToRegister!();
    const podHint = events[0]!.queueingHintFn!;

    it('registers Pod Add|UpdatePodLabel|Delete and Node Add|UpdateNodeLabel', () => {
      assert.deepEqual(
        events.map((e) => e.event),
        [
          { resource: 'Pod', actionType: ActionType.Add | ActionType.UpdatePodLabel | ActionType.Delete },
          { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeLabel },
        ],
      );
      assert.equal(events[1]!.queueingHintFn, isSchedulableAfterNodeChange);
    });

    const withAffinity = pod('p', { affinity: affinity(term({ app: 'db' }, ZONE)) });
    const withAnti = pod('p', { affinity: antiAffinity(term({ app: 'db' }, ZONE)) });
    const withTwoTerms = pod('p', { affinity: affinity(term({ a: 'x' }, HOST), term({ b: 'y' }, HOST)) });
    const plain = pod('p', { labels: { app: 'web' } });
    const bound = (labels: Record<string, string>, aff?: Affinity, ns?: string): Pod =>
      pod('other', { labels, on: 'n1', ...(aff === undefined ? {} : { affinity: aff }), ...(ns === undefined ? {} : { ns }) });
    const podTable: [what: string, target: Pod, oldPod: Pod | undefined, newPod: Pod | undefined, hint: string][] = [
      ['add a bound pod matching the affinity', withAffinity, undefined, bound({ app: 'db' }), 'Queue'],
      ['add an unscheduled pod', withAffinity, undefined, pod('other', { labels: { app: 'db' } }), 'QueueSkip'],
      ['add a bound pod not matching the affinity', withAffinity, undefined, bound({ app: 'x' }), 'QueueSkip'],
      ['add a bound pod to a pod without affinity', withAnti, undefined, bound({ app: 'db' }), 'QueueSkip'],
      ['update a pod to match the affinity', withAffinity, bound({ app: 'x' }), bound({ app: 'db' }), 'Queue'],
      ['update a pod that matched before and after', withAffinity, bound({ app: 'db', v: '1' }), bound({ app: 'db', v: '2' }), 'QueueSkip'],
      ['update a pod to stop matching the affinity', withAffinity, bound({ app: 'db' }), bound({ app: 'x' }), 'QueueSkip'],
      ['update an unscheduled pod', withAffinity, pod('other', { labels: { app: 'x' } }), pod('other', { labels: { app: 'db' } }), 'QueueSkip'],
      ['update a pod to match one of two affinity terms', withTwoTerms, bound({ z: 'z' }), bound({ a: 'x' }), 'QueueSkip'],
      ['update a pod to match both affinity terms', withTwoTerms, bound({ a: 'x' }), bound({ a: 'x', b: 'y' }), 'Queue'],
      ['the rejected pod itself was relabelled', plain, pod('p', { labels: { app: 'x' } }), pod('p', { labels: { app: 'web' } }), 'Queue'],
      ['update a pod to stop matching the anti-affinity', withAnti, bound({ app: 'db' }), bound({ app: 'x' }), 'Queue'],
      ['update a pod to start matching the anti-affinity', withAnti, bound({ app: 'x' }), bound({ app: 'db' }), 'QueueSkip'],
      ['delete a pod not matching the anti-affinity', withAnti, bound({ app: 'x' }), undefined, 'QueueSkip'],
      ['delete a pod matching the anti-affinity', withAnti, bound({ app: 'db' }), undefined, 'Queue'],
      ['delete a pod whose anti-affinity matches the rejected pod', plain, bound({}, antiAffinity(term({ app: 'web' }, ZONE))), undefined, 'Queue'],
      ['delete a pod whose anti-affinity does not match the rejected pod', plain, bound({}, antiAffinity(term({ app: 'x' }, ZONE))), undefined, 'QueueSkip'],
      [
        'delete a pod whose anti-affinity selects the rejected pod’s namespace by label',
        pod('p', { labels: { app: 'web' }, ns: 'team-a' }),
        bound({}, antiAffinity(term({ app: 'web' }, ZONE, { namespaceSelector: { matchLabels: { team: 'a' } } }))),
        undefined,
        'Queue',
      ],
      [
        'delete a pod matching neither way',
        pod('p', { labels: { app: 'web' }, affinity: antiAffinity(term({ app: 'db' }, ZONE)) }),
        bound({ app: 'x' }, antiAffinity(term({ app: 'x' }, ZONE))),
        undefined,
        'QueueSkip',
      ],
      ['delete an unscheduled pod', withAnti, pod('other', { labels: { app: 'db' } }), undefined, 'QueueSkip'],
    ];
    for (const [what, target, oldPod, newPod, hint] of podTable) {
      it(`pod hint: ${what} ⇒ ${hint}`, () => {
        assert.equal(podHint(target, oldPod as DeepReadonly<KubeObject> | undefined, newPod as DeepReadonly<KubeObject> | undefined), hint);
      });
    }

    const zoneAffinity = pod('p', { affinity: affinity(term({ app: 'db' }, ZONE)) });
    const zoneAnti = pod('p', { affinity: antiAffinity(term({ app: 'db' }, ZONE)) });
    const n = (labels: Record<string, string>): Node => testNode('n', {}, { labels });
    const nodeTable: [what: string, target: Pod, oldNode: Node | undefined, newNode: Node, hint: string][] = [
      ['affinity: add a node with the topology key', zoneAffinity, undefined, n({ [ZONE]: 'z1' }), 'Queue'],
      ['affinity: add a node without the topology key', zoneAffinity, undefined, n({ other: 'x' }), 'QueueSkip'],
      ['affinity: an unrelated label changes', zoneAffinity, n({ x: 'a' }), n({ x: 'b' }), 'QueueSkip'],
      ['affinity: a label is added next to an unchanged key', zoneAffinity, n({ [ZONE]: 'z1' }), n({ [ZONE]: 'z1', x: 'y' }), 'QueueSkip'],
      ['affinity: the key’s value changes', zoneAffinity, n({ [ZONE]: 'z1' }), n({ [ZONE]: 'z2' }), 'Queue'],
      ['affinity: the node gains the key', zoneAffinity, n({ x: 'a' }), n({ [ZONE]: 'z1' }), 'Queue'],
      ['affinity: the node loses the key', zoneAffinity, n({ [ZONE]: 'z1' }), n({ x: 'a' }), 'QueueSkip'],
      ['anti-affinity: add a node with the topology key', zoneAnti, undefined, n({ [ZONE]: 'z1' }), 'Queue'],
      ['anti-affinity: add a node without the topology key', zoneAnti, undefined, n({}), 'Queue'],
      ['anti-affinity: an unrelated label is added', zoneAnti, n({ [ZONE]: 'z1' }), n({ [ZONE]: 'z1', x: 'y' }), 'QueueSkip'],
      ['anti-affinity: the key’s value changes', zoneAnti, n({ [ZONE]: 'z1' }), n({ [ZONE]: 'z2' }), 'Queue'],
      ['anti-affinity: the node gains the key', zoneAnti, n({ x: 'a' }), n({ [ZONE]: 'z1' }), 'QueueSkip'],
      ['anti-affinity: the node loses the key', zoneAnti, n({ [ZONE]: 'z1' }), n({ x: 'a' }), 'Queue'],
      ['no required terms: a node is added', plain, undefined, n({ [ZONE]: 'z1' }), 'QueueSkip'],
    ];
    for (const [what, target, oldNode, newNode, hint] of nodeTable) {
      it(`node hint: ${what} ⇒ ${hint}`, () => {
        assert.equal(isSchedulableAfterNodeChange(target, oldNode as unknown as DeepReadonly<KubeObject> | undefined, newNode as unknown as DeepReadonly<KubeObject>), hint);
      });
    }
  });

  describe('counts kept across cycles', () => {
    // Random cluster changes between cycles; after each, the counts and scores the plugin keeps
    // from cycle to cycle must equal a count from scratch over the same snapshot.
    const keys = [ZONE, REGION];
    const apps = ['db', 'web', 'cache'];
    const namespaces = ['default', 'team-a', 'ghost'];
    const objects = [namespace('default'), namespace('team-a', { team: 'a' })];

    function randomTerm(rng: Rng): PodAffinityTerm {
      const key = [HOST, ZONE, REGION][rng.below(3)]!;
      const extra: { namespaces?: string[]; namespaceSelector?: LabelSelector } = {};
      switch (rng.below(4)) {
        case 0:
          extra.namespaces = [namespaces[rng.below(namespaces.length)]!];
          break;
        case 1:
          extra.namespaceSelector = {};
          break;
        case 2:
          extra.namespaceSelector = { matchLabels: { team: 'a' } };
          break;
        default:
          break;
      }
      return term({ app: apps[rng.below(apps.length)]! }, key, extra);
    }

    function randomAffinity(rng: Rng): Affinity | undefined {
      const out: Affinity = {};
      if (rng.chance(1, 3)) out.podAffinity = { requiredDuringSchedulingIgnoredDuringExecution: [randomTerm(rng)] };
      if (rng.chance(1, 2)) out.podAntiAffinity = { requiredDuringSchedulingIgnoredDuringExecution: [randomTerm(rng)] };
      if (rng.chance(1, 3)) {
        out.podAffinity = { ...out.podAffinity, preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1 + rng.below(100), podAffinityTerm: randomTerm(rng) }] };
      }
      if (rng.chance(1, 3)) {
        out.podAntiAffinity = {
          ...out.podAntiAffinity,
          preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1 + rng.below(100), podAffinityTerm: randomTerm(rng) }],
        };
      }
      return out.podAffinity === undefined && out.podAntiAffinity === undefined ? undefined : out;
    }

    function randomNode(rng: Rng, name: string): Node {
      const labels: Record<string, string> = {};
      for (const k of keys) if (rng.chance(3, 4)) labels[k] = `${k.slice(-4)}-${rng.below(3)}`;
      return node(name, labels);
    }

    function randomPod(rng: Rng, name: string, on?: string): Pod {
      const aff = randomAffinity(rng);
      return pod(name, {
        labels: { app: apps[rng.below(apps.length)]! },
        ns: namespaces[rng.below(namespaces.length)]!,
        ...(on === undefined ? {} : { on }),
        ...(aff === undefined ? {} : { affinity: aff }),
      });
    }

    for (const seed of [1, 2, 3, 4, 5]) {
      it(`equal a count from scratch after every change (seed ${seed})`, () => {
        const rng = new Rng(seed);
        const nodeNames = ['n0', 'n1', 'n2', 'n3', 'n4', 'n5'];
        const s = setup(
          nodeNames.map((n) => randomNode(rng, n)),
          [],
          objects,
        );
        const incomingPods = [0, 1, 2, 3].map((i) => deepFreeze(randomPod(rng, `incoming-${i}`)));
        const bound: Pod[] = [];
        let serial = 0;
        for (let step = 0; step < 120; step++) {
          // One change of the cluster.
          const op = rng.below(10);
          const live = s.handle.snapshot().list().map((n) => n.name);
          if (op < 5 && live.length > 0) {
            const p = deepFreeze(randomPod(rng, `p${serial++}`, live[rng.below(live.length)]!));
            s.handle.cache.addPod(p);
            bound.push(p);
          } else if (op < 7 && bound.length > 0) {
            const [p] = bound.splice(rng.below(bound.length), 1);
            s.handle.cache.removePod(p!);
          } else if (op < 8 && live.length > 0) {
            s.handle.cache.updateNode(deepFreeze(randomNode(rng, live[rng.below(live.length)]!)));
          } else if (op < 9 && live.length > 1) {
            s.handle.cache.removeNode(live[rng.below(live.length)]!);
          } else {
            s.handle.cache.addNode(deepFreeze(randomNode(rng, nodeNames[rng.below(nodeNames.length)]!)));
          }
          // A cycle for a few incoming pods (several cycles in a row with the same pod hit the memo).
          const incoming = incomingPods[rng.below(incomingPods.length)]!;
          const nodes = s.handle.snapshot().list();
          const info = newPodInfo(incoming);
          const affinityTerms = mergeTermsNamespaces(info.requiredAffinityTerms, s.handle.objects);
          const antiTerms = mergeTermsNamespaces(info.requiredAntiAffinityTerms, s.handle.objects);
          const nsLabels = namespaceLabels(s.handle.objects, podNamespace(incoming));
          const fresh = {
            existing: existingAntiAffinityCounts(incoming, nsLabels, s.handle.snapshot().havePodsWithRequiredAntiAffinityList()).entries(),
            ...(({ affinityCounts, antiAffinityCounts }) => ({ affinity: affinityCounts.entries(), anti: antiAffinityCounts.entries() }))(
              incomingAffinityAntiAffinityCounts(affinityTerms, antiTerms, nodes),
            ),
          };
          for (let repeat = 0; repeat < 2; repeat++) {
            const state = new CycleState();
            const pre = s.plugin.preFilter!(state, incoming, nodes);
            const st = state.read(PRE_FILTER_STATE_KEY);
            if (isSkip(pre as never)) {
              assert.deepEqual([fresh.existing, affinityTerms.length, antiTerms.length], [[], 0, 0]);
            } else {
              assert.deepEqual(
                { existing: st!.existingAntiAffinityCounts.entries(), affinity: st!.affinityCounts.entries(), anti: st!.antiAffinityCounts.entries() },
                fresh,
                `step ${step}`,
              );
            }
            // Scores: the plugin's raw score of every node against a table summed from scratch.
            const scoring: IncomingPodScoring = {
              pod: incoming,
              preferredAffinityTerms: mergeTermsNamespaces(info.preferredAffinityTerms, s.handle.objects),
              preferredAntiAffinityTerms: mergeTermsNamespaces(info.preferredAntiAffinityTerms, s.handle.objects),
              namespaceLabels: nsLabels,
              hardPodAffinityWeight: 1,
            };
            const [scores, matches] = sumContributions(nodes, 2, new TopologyValueTables(), scoreContributor(scoring)) as [TopologyPairCounts, TopologyPairCounts];
            const scoreState = new CycleState();
            const ps = s.plugin.preScore!(scoreState, incoming, nodes);
            assert.equal(isSkip(ps as never), matches.size === 0, `step ${step}`);
            if (!isSkip(ps as never)) {
              for (const ni of nodes) {
                assert.equal(s.plugin.score!(scoreState, incoming, ni), scores.sumForNode(ni.node.metadata?.labels), `step ${step} node ${ni.name}`);
              }
            }
          }
        }
      });
    }
  });

  const FIXTURE = fileURLToPath(new URL('../../../../shared/fixtures/apps/admission-webhook-deployment.yaml', import.meta.url));
  // Registered only when the shared fixtures are present (the file is read while the suite is built).
  (existsSync(FIXTURE) ? describe : describe.skip)('fixture: admission-webhook Deployment (2 replicas, required anti-affinity on hostname)', () => {
    const deployment = parse(
      existsSync(FIXTURE) ? readFileSync(FIXTURE, 'utf8') : 'metadata: {name: missing, namespace: default}\nspec: {replicas: 0, template: {metadata: {labels: {}}, spec: {containers: []}}}\n',
    ) as {
      metadata: { name: string; namespace: string };
      spec: { replicas: number; template: { metadata: { labels: Record<string, string> }; spec: Pod['spec'] } };
    };
    const replica = (i: number, on?: string): Pod => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `${deployment.metadata.name}-${i}`,
        namespace: deployment.metadata.namespace,
        uid: `uid-replica-${i}`,
        labels: { ...deployment.spec.template.metadata.labels },
      },
      spec: { ...structuredClone(deployment.spec.template.spec)!, ...(on === undefined ? {} : { nodeName: on }) },
    });
    const twoNodes = [node('node-1'), node('node-2')];

    it('has 2 replicas whose template avoids itself on the hostname', () => {
      assert.equal(deployment.spec.replicas, 2);
      const info = newPodInfo(replica(0));
      assert.equal(info.requiredAntiAffinityTerms.length, 1);
      assert.equal(info.requiredAntiAffinityTerms[0]!.topologyKey, HOST);
    });

    it('2 nodes: the first replica fits anywhere, the second only on the other node', () => {
      assert.deepEqual(filterAll(setup(twoNodes, []), replica(0)), { 'node-1': 'ok', 'node-2': 'ok' });
      const s = setup(twoNodes, [replica(0, 'node-1')]);
      assert.deepEqual(filterAll(s, replica(1)), { 'node-1': ANTI, 'node-2': 'ok' });
      // Both directions are counted: the bound replica's anti-affinity matches the pending one.
      const state = new CycleState();
      s.plugin.preFilter!(state, replica(1), s.handle.snapshot().list());
      const st = state.read(PRE_FILTER_STATE_KEY)!;
      assert.deepEqual(st.antiAffinityCounts.entries(), [[HOST, 'node-1', 1]]);
      assert.deepEqual(st.existingAntiAffinityCounts.entries(), [[HOST, 'node-1', 1]]);
      assert.deepEqual(st.affinityCounts.entries(), []);
      // Neither replica has preferred terms, nor the bound one required affinity: nothing to score.
      assert.equal(scoreAll(s, replica(1)), 'Skip');
    });

    it('1 node: the second replica cannot be placed (Unschedulable, so preemption may consider the node)', () => {
      const s = setup([node('node-1')], [replica(0, 'node-1')]);
      assert.deepEqual(filterAll(s, replica(1)), { 'node-1': ANTI });
      const fw = frameworkOf([{ name: NAME, instance: s.plugin }]);
      const state = new CycleState();
      const nodes: readonly NodeInfo[] = s.handle.snapshot().list();
      assert.equal(fw.runPreFilterPlugins(state, replica(1), nodes).status.code, 'Success');
      const st = fw.runFilterPlugins(state, replica(1), nodes[0]!);
      assert.deepEqual([st.code, st.plugin, st.reasons], ['Unschedulable', NAME, [ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH]]);
      // Without the bound replica (as preemption would evaluate), the node fits.
      const victim = newPodInfo(replica(0, 'node-1'));
      const whatIf = state.clone();
      assert.equal(fw.runPreFilterExtensionRemovePod(whatIf, replica(1), victim, nodes[0]!).code, 'Success');
      assert.equal(fw.runFilterPlugins(whatIf, replica(1), nodes[0]!).code, 'Success');
      assert.equal(fw.runFilterPlugins(state, replica(1), nodes[0]!).code, 'Unschedulable');
    });
  });
});
