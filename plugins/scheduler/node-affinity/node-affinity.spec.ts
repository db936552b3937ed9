import assert from 'node:assert/strict';
import {
  ActionType,
  asStatus,
  ConfigError,
  createTestHandle,
  CycleState,
  newNodeInfo,
  type Affinity,
  type NodeAffinity,
  type NodeSelectorRequirement,
  type NodeSelectorTerm,
  type SchedulerPluginInstance,
} from 'kubeprop';
import { frameworkOf, testNode, testPod, type NodeObject, type PodObject } from '../test-objects.js';
import { ERR_REASON_CONFLICT, ERR_REASON_ENFORCED, ERR_REASON_POD, NAME, nodeAffinityPlugin } from './node-affinity.js';

/** A plugin instance, with `addedAffinity` decoded from raw args as a configuration would give them. */
function instance(rawArgs?: unknown): SchedulerPluginInstance {
  return nodeAffinityPlugin.create(nodeAffinityPlugin.decodeArgs!(rawArgs, 'args'), createTestHandle());
}

const expr = (key: string, operator: string, ...values: string[]): NodeSelectorRequirement =>
  (values.length > 0 ? { key, operator, values } : { key, operator }) as NodeSelectorRequirement;
const nameIs = (...names: string[]): NodeSelectorRequirement => ({ key: 'metadata.name', operator: 'In', values: names });

function requiring(...terms: NodeSelectorTerm[]): PodObject {
  return testPod('p', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } } });
}
function preferring(...terms: { weight: number; preference: NodeSelectorTerm }[]): PodObject {
  return testPod('p', { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: terms } } });
}

const nodes: NodeObject[] = [
  testNode('n1', {}, { labels: { zone: 'a', disk: 'ssd', cores: '8' } }),
  testNode('n2', {}, { labels: { zone: 'b', disk: 'hdd', cores: '32' } }),
  testNode('n3', {}, { labels: { zone: 'c' } }),
];

/** PreFilter, then Filter on every node through the framework: the PreFilter outcome and each node's result. */
function filterAll(pod: PodObject, rawArgs?: unknown): { preFilter: string; nodeNames: string[] | undefined; results: string[] } {
  const plugin = instance(rawArgs);
  const fw = frameworkOf([{ name: NAME, instance: plugin }]);
  const state = new CycleState();
  const infos = nodes.map((n) => newNodeInfo(n));
  const pre = fw.runPreFilterPlugins(state, pod, infos);
  const preFilter = state.skipFilterPlugins.has(NAME) ? 'Skip' : pre.status.code === 'Success' ? 'Success' : `${pre.status.code}: ${pre.status.reasons.join(', ')}`;
  const results = infos.map((ni) => {
    if (pre.nodeNames !== undefined && !pre.nodeNames.has(ni.name)) return 'excluded';
    const s = fw.runFilterPlugins(state, pod, ni);
    return s.code === 'Success' ? 'ok' : `${s.code}: ${s.reasons.join(', ')}`;
  });
  return { preFilter, nodeNames: pre.nodeNames === undefined ? undefined : [...pre.nodeNames], results };
}

const POD = `UnschedulableAndUnresolvable: ${ERR_REASON_POD}`;
const ENFORCED = `UnschedulableAndUnresolvable: ${ERR_REASON_ENFORCED}`;

describe('NodeAffinity', () => {
  it('is named as upstream, with upstream reasons', () => {
    assert.equal(NAME, 'NodeAffinity');
    assert.equal(nodeAffinityPlugin.name, NAME);
    assert.equal(ERR_REASON_POD, "node(s) didn't match Pod's node affinity/selector");
    assert.equal(ERR_REASON_ENFORCED, "node(s) didn't match scheduler-enforced node affinity");
    assert.equal(ERR_REASON_CONFLICT, 'pod affinity terms conflict');
  });

  describe('PreFilter and Filter', () => {
    const table: [what: string, pod: PodObject, preFilter: string, results: string[]][] = [
      ['no node selector and no required affinity', testPod('p'), 'Skip', ['ok', 'ok', 'ok']],
      ['only preferred terms', preferring({ weight: 1, preference: { matchExpressions: [expr('zone', 'In', 'a')] } }), 'Skip', ['ok', 'ok', 'ok']],
      ['an empty nodeSelector map is not skipped, and matches every node', testPod('p', { nodeSelector: {} }), 'Success', ['ok', 'ok', 'ok']],
      ['nodeSelector', testPod('p', { nodeSelector: { zone: 'a' } }), 'Success', ['ok', POD, POD]],
      ['nodeSelector pairs are ANDed', testPod('p', { nodeSelector: { zone: 'a', disk: 'hdd' } }), 'Success', [POD, POD, POD]],
      ['nodeSelector with a missing label', testPod('p', { nodeSelector: { gpu: 'true' } }), 'Success', [POD, POD, POD]],
      ['required In', requiring({ matchExpressions: [expr('zone', 'In', 'a', 'b')] }), 'Success', ['ok', 'ok', POD]],
      ['required NotIn also matches nodes without the label', requiring({ matchExpressions: [expr('disk', 'NotIn', 'ssd')] }), 'Success', [POD, 'ok', 'ok']],
      ['required Exists', requiring({ matchExpressions: [expr('disk', 'Exists')] }), 'Success', ['ok', 'ok', POD]],
      ['required DoesNotExist', requiring({ matchExpressions: [expr('disk', 'DoesNotExist')] }), 'Success', [POD, POD, 'ok']],
      ['required Gt compares integers', requiring({ matchExpressions: [expr('cores', 'Gt', '10')] }), 'Success', [POD, 'ok', POD]],
      ['required Lt compares integers', requiring({ matchExpressions: [expr('cores', 'Lt', '10')] }), 'Success', ['ok', POD, POD]],
      ['expressions within a term are ANDed', requiring({ matchExpressions: [expr('zone', 'In', 'a', 'b'), expr('disk', 'In', 'hdd')] }), 'Success', [POD, 'ok', POD]],
      [
        'terms are ORed',
        requiring({ matchExpressions: [expr('zone', 'In', 'a')] }, { matchExpressions: [expr('zone', 'In', 'c')] }),
        'Success',
        ['ok', POD, 'ok'],
      ],
      ['no terms match nothing', requiring(), 'Success', [POD, POD, POD]],
      ['only empty terms match nothing', requiring({}, { matchExpressions: [] }), 'Success', [POD, POD, POD]],
      [
        'a term that does not parse never matches; the others still do',
        requiring({ matchExpressions: [expr('zone', 'Matches', 'a')] }, { matchExpressions: [expr('zone', 'In', 'b')] }),
        'Success',
        [POD, 'ok', POD],
      ],
      [
        'nodeSelector AND required affinity',
        testPod('p', {
          nodeSelector: { disk: 'ssd' },
          affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [expr('zone', 'In', 'a', 'b')] }] } } },
        }),
        'Success',
        ['ok', POD, POD],
      ],
      ['matchFields NotIn does not restrict PreFilter, but filters', requiring({ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['n2'] }] }), 'Success', ['ok', POD, 'ok']],
    ];
    for (const [what, pod, preFilter, results] of table) {
      it(`${what}: PreFilter ${preFilter}, Filter ${JSON.stringify(results)}`, () => {
        const out = filterAll(pod);
        assert.equal(out.preFilter, preFilter);
        assert.deepEqual(out.results, results);
      });
    }

    describe('PreFilterResult from metadata.name matchFields', () => {
      const table: [what: string, pod: PodObject, preFilter: string, nodeNames: string[] | undefined, results: string[]][] = [
        ['one name', requiring({ matchFields: [nameIs('n2')] }), 'Success', ['n2'], ['excluded', 'ok', 'excluded']],
        ['names are unioned across terms', requiring({ matchFields: [nameIs('n1')] }, { matchFields: [nameIs('n3')] }), 'Success', ['n1', 'n3'], ['ok', 'excluded', 'ok']],
        ['names are intersected within a term', requiring({ matchFields: [nameIs('n2'), nameIs('n2')] }), 'Success', ['n2'], ['excluded', 'ok', 'excluded']],
        [
          // PreFilter takes every value, as upstream; but a field requirement must have exactly one
          // value, so the term does not parse and Filter rejects the nodes.
          'several values in one name requirement',
          requiring({ matchFields: [nameIs('n1', 'n2'), nameIs('n2', 'n3')] }),
          'Success',
          ['n2'],
          ['excluded', POD, 'excluded'],
        ],
        [
          'a term without a name requirement lifts the restriction',
          requiring({ matchFields: [nameIs('n1')] }, { matchExpressions: [expr('zone', 'In', 'b')] }),
          'Success',
          undefined,
          ['ok', 'ok', POD],
        ],
        [
          'the names restrict, the expressions still filter',
          requiring({ matchFields: [nameIs('n1')], matchExpressions: [expr('disk', 'In', 'hdd')] }, { matchFields: [nameIs('n2')], matchExpressions: [expr('disk', 'In', 'hdd')] }),
          'Success',
          ['n1', 'n2'],
          [POD, 'ok', 'excluded'],
        ],
        [
          'disjoint names within a term conflict',
          requiring({ matchFields: [nameIs('n1'), nameIs('n2')] }),
          `UnschedulableAndUnresolvable: ${ERR_REASON_CONFLICT}`,
          undefined,
          // The framework stops at the PreFilter rejection; Filter would reject every node too.
          [POD, POD, POD],
        ],
        ['a name no node has', requiring({ matchFields: [nameIs('n9')] }), 'Success', ['n9'], ['excluded', 'excluded', 'excluded']],
      ];
      for (const [what, pod, preFilter, nodeNames, results] of table) {
        it(`${what}: ${preFilter}, nodes ${JSON.stringify(nodeNames)}`, () => {
          const out = filterAll(pod);
          assert.equal(out.preFilter, preFilter);
          assert.deepEqual(out.nodeNames, nodeNames);
          assert.deepEqual(out.results, results);
        });
      }
    });

    describe('addedAffinity', () => {
      const added = { addedAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [expr('zone', 'In', 'a', 'b')] }] } } };

      it('applies to a pod without constraints (PreFilter is not skipped)', () => {
        assert.deepEqual(filterAll(testPod('p'), added), { preFilter: 'Success', nodeNames: undefined, results: ['ok', 'ok', ENFORCED] });
      });

      it('is checked first, then the pod’s own constraints', () => {
        const pod = testPod('p', { nodeSelector: { disk: 'ssd' } });
        assert.deepEqual(filterAll(pod, added).results, ['ok', POD, ENFORCED]);
      });

      it('with only preferred terms, does not filter', () => {
        const args = { addedAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchExpressions: [expr('zone', 'In', 'a')] } }] } };
        assert.deepEqual(filterAll(testPod('p'), args).preFilter, 'Skip');
      });

      it('with empty required terms, admits no node', () => {
        const args = { addedAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } };
        assert.deepEqual(filterAll(testPod('p'), args).results, [ENFORCED, ENFORCED, ENFORCED]);
      });

      it('rejects args that do not parse at decode time', () => {
        const bad = { addedAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [expr('zone', 'Matches', 'a')] }] } } };
        assert.throws(() => nodeAffinityPlugin.decodeArgs!(bad, 'profiles[0].pluginConfig[0].args'), ConfigError);
      });

      it('rejects an addedAffinity that does not parse when built without the decoder', () => {
        const addedAffinity: NodeAffinity = { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [expr('zone', 'Matches', 'a')] }] } };
        assert.throws(() => nodeAffinityPlugin.create({ addedAffinity }, createTestHandle()), (err: unknown) => {
          assert.ok(err instanceof ConfigError);
          assert.match(err.message, /^parsing addedAffinity\.requiredDuringSchedulingIgnoredDuringExecution: /);
          return true;
        });
      });
    });

    it('Filter without PreFilter compiles the constraints itself', () => {
      const plugin = instance();
      const pod = testPod('p', { nodeSelector: { zone: 'b' } });
      assert.equal(asStatus(plugin.filter!(new CycleState(), pod, newNodeInfo(nodes[0]!))).code, 'UnschedulableAndUnresolvable');
      assert.equal(asStatus(plugin.filter!(new CycleState(), pod, newNodeInfo(nodes[1]!))).code, 'Success');
    });
  });

  describe('PreScore, Score and NormalizeScore', () => {
    /** PreScore's code, then the normalized scores and weighted totals (weight 2) of the three nodes. */
    function scoreAll(pod: PodObject, rawArgs?: unknown): { preScore: string; raw: number[]; scores: number[] | undefined; totals: number[] } {
      const plugin = instance(rawArgs);
      const fw = frameworkOf([{ name: NAME, instance: plugin, weight: 2 }]);
      const state = new CycleState();
      const infos = nodes.map((n) => newNodeInfo(n));
      const pre = fw.runPreScorePlugins(state, pod, infos);
      if (pre.code !== 'Success') return { preScore: `${pre.code}: ${pre.reasons.join(', ')}`, raw: [], scores: undefined, totals: [] };
      const preScore = state.skipScorePlugins.has(NAME) ? 'Skip' : 'Success';
      const raw = state.skipScorePlugins.has(NAME) ? [] : infos.map((ni) => plugin.score!(state, pod, ni) as number);
      const out = fw.runScorePlugins(state, pod, infos);
      assert.equal(out.status.code, 'Success', out.status.reasons.join('; '));
      const scores = out.scores.every((s) => s.scores.has(NAME)) ? out.scores.map((s) => s.scores.get(NAME)!) : undefined;
      return { preScore, raw, scores, totals: out.scores.map((s) => s.totalScore) };
    }
    const prefer = (weight: number, ...exprs: NodeSelectorRequirement[]) => ({ weight, preference: { matchExpressions: exprs } });

    it('skips a pod without preferred terms', () => {
      assert.deepEqual(scoreAll(testPod('p')), { preScore: 'Skip', raw: [], scores: undefined, totals: [0, 0, 0] });
    });

    it('sums the weights of the matching terms, then scales to 100', () => {
      const pod = preferring(prefer(2, expr('zone', 'In', 'a')), prefer(4, expr('disk', 'Exists')), prefer(5, expr('cores', 'Gt', '16')));
      // n1: 2 + 4; n2: 4 + 5; n3: nothing.
      assert.deepEqual(scoreAll(pod), { preScore: 'Success', raw: [6, 9, 0], scores: [66, 100, 0], totals: [132, 200, 0] });
    });

    it('ignores terms with weight 0 and empty preferences', () => {
      const pod = preferring(prefer(0, expr('zone', 'In', 'a')), { weight: 7, preference: {} }, prefer(3, expr('zone', 'In', 'b')));
      assert.deepEqual(scoreAll(pod).raw, [0, 3, 0]);
    });

    it('an empty preferred list is not skipped; every node scores 0', () => {
      assert.deepEqual(scoreAll(preferring()), { preScore: 'Success', raw: [0, 0, 0], scores: [0, 0, 0], totals: [0, 0, 0] });
    });

    it('adds addedAffinity’s preferred terms, even for a pod without its own', () => {
      const args = { addedAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [prefer(10, expr('zone', 'In', 'c'))] } };
      assert.deepEqual(scoreAll(testPod('p'), args), { preScore: 'Success', raw: [0, 0, 10], scores: [0, 0, 100], totals: [0, 0, 200] });
      assert.deepEqual(scoreAll(preferring(prefer(5, expr('zone', 'In', 'a'))), args).raw, [5, 0, 10]);
    });

    it('a preferred term that does not parse is an Error at PreScore', () => {
      const out = scoreAll(preferring(prefer(1, expr('zone', 'In')), prefer(1, expr('zone', 'In', 'a'))));
      assert.match(out.preScore, /^Error: /);
      assert.match(out.preScore, /\[0\]\.matchExpressions\[0\]\.values: Invalid value/);
    });

    it('Score without PreScore compiles the terms itself', () => {
      const plugin = instance();
      const pod = preferring(prefer(3, expr('zone', 'In', 'b')));
      assert.equal(plugin.score!(new CycleState(), pod, newNodeInfo(nodes[1]!)), 3);
      const bad = plugin.score!(new CycleState(), preferring(prefer(1, expr('zone', 'In'))), newNodeInfo(nodes[1]!));
      assert.ok(typeof bad !== 'number' && bad.code === 'Error');
    });
  });

  describe('events', () => {
    const pod = testPod('p', { nodeSelector: { zone: 'a' } });

    it('registers Node Add|UpdateNodeLabel', () => {
      assert.deepEqual(
        instance()
          .eventsToRegister!()
          .map((e) => e.event),
        [{ resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeLabel }],
      );
    });

    const hint = instance().eventsToRegister!()[0]!.queueingHintFn!;
    const a = testNode('x', {}, { labels: { zone: 'a' } });
    const b = testNode('x', {}, { labels: { zone: 'b' } });
    const table: [what: string, oldNode: NodeObject | undefined, newNode: NodeObject | undefined, hint: string][] = [
      ['a matching node was added', undefined, a, 'Queue'],
      ['a non-matching node was added', undefined, b, 'QueueSkip'],
      ['a node started to match', b, a, 'Queue'],
      ['a node already matched', a, testNode('x', {}, { labels: { zone: 'a', extra: '1' } }), 'QueueSkip'],
      ['a node stopped matching', a, b, 'QueueSkip'],
      ['no new object', a, undefined, 'Queue'],
    ];
    for (const [what, oldNode, newNode, expected] of table) {
      it(`${what} ⇒ ${expected}`, () => {
        assert.equal(hint(pod, oldNode, newNode), expected);
      });
    }

    it('a node outside addedAffinity never helps', () => {
      const args = { addedAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [expr('zone', 'In', 'b')] }] } } };
      const h = instance(args).eventsToRegister!()[0]!.queueingHintFn!;
      assert.equal(h(testPod('p'), undefined, a), 'QueueSkip');
      assert.equal(h(testPod('p'), undefined, b), 'Queue');
    });

    it('queues when the pod’s required affinity does not parse and nothing matches', () => {
      const affinity: Affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [expr('zone', 'Matches', 'a')] }] } } };
      assert.equal(hint(testPod('p', { affinity }), undefined, b), 'Queue');
    });
  });
});
