import assert from 'node:assert/strict';
import {
  ActionType,
  asStatus,
  createTestHandle,
  CycleState,
  ERR_REASON_UNTOLERATED_TAINT,
  newNodeInfo,
  type Taint,
  type Toleration,
} from 'kubeprop';
import { frameworkOf, testNode, testPod, type PodObject, type NodeObject } from '../test-objects.js';
import { NAME, taintTolerationPlugin } from './taint-toleration.js';

const plugin = taintTolerationPlugin.create(undefined, createTestHandle());

function tainted(name: string, ...taints: Taint[]): NodeObject {
  return testNode(name, { taints });
}
function tolerating(...tolerations: Toleration[]): PodObject {
  return testPod('p', { tolerations });
}

const gpu: Taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };

describe('TaintToleration', () => {
  it('is named as upstream', () => {
    assert.equal(NAME, 'TaintToleration');
    assert.equal(taintTolerationPlugin.name, NAME);
  });

  describe('Filter', () => {
    const table: [what: string, pod: PodObject, node: NodeObject, code: string][] = [
      ['a node without taints', testPod('p'), testNode('n1'), 'Success'],
      ['an untolerated NoSchedule taint', testPod('p'), tainted('n1', gpu), 'UnschedulableAndUnresolvable'],
      ['an untolerated NoExecute taint', testPod('p'), tainted('n1', { ...gpu, effect: 'NoExecute' }), 'UnschedulableAndUnresolvable'],
      ['an untolerated PreferNoSchedule taint never blocks', testPod('p'), tainted('n1', { ...gpu, effect: 'PreferNoSchedule' }), 'Success'],
      ['tolerated by key, value and effect', tolerating({ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }), tainted('n1', gpu), 'Success'],
      ['the operator defaults to Equal', tolerating({ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }), tainted('n1', gpu), 'Success'],
      ['Equal with another value', tolerating({ key: 'dedicated', value: 'cpu', effect: 'NoSchedule' }), tainted('n1', gpu), 'UnschedulableAndUnresolvable'],
      ['Exists ignores the value', tolerating({ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }), tainted('n1', gpu), 'Success'],
      ['an empty effect tolerates every effect', tolerating({ key: 'dedicated', operator: 'Exists' }), tainted('n1', { ...gpu, effect: 'NoExecute' }), 'Success'],
      ['a NoExecute toleration does not cover NoSchedule', tolerating({ key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }), tainted('n1', gpu), 'UnschedulableAndUnresolvable'],
      ['tolerate-everything', tolerating({ operator: 'Exists' }), tainted('n1', gpu, { key: 'a', effect: 'NoExecute' }), 'Success'],
      [
        'one of two hard taints tolerated',
        tolerating({ key: 'dedicated', operator: 'Exists' }),
        tainted('n1', gpu, { key: 'zone', value: 'a', effect: 'NoExecute' }),
        'UnschedulableAndUnresolvable',
      ],
      [
        'a tolerated hard taint next to an untolerated soft one',
        tolerating({ key: 'dedicated', operator: 'Exists' }),
        tainted('n1', gpu, { key: 'spot', effect: 'PreferNoSchedule' }),
        'Success',
      ],
      // Lt/Gt are alpha in v1.35 (TaintTolerationComparisonOperators, off): such a toleration never matches.
      [
        'Gt with the comparison gate off',
        // The object model's types predate Lt/Gt, hence the cast.
        tolerating({ key: 'tier', operator: 'Gt', value: '1', effect: 'NoSchedule' } as unknown as Toleration),
        tainted('n1', { key: 'tier', value: '5', effect: 'NoSchedule' }),
        'UnschedulableAndUnresolvable',
      ],
    ];
    for (const [what, pod, node, code] of table) {
      it(`${what} ⇒ ${code}`, () => {
        const s = asStatus(plugin.filter!(new CycleState(), pod, newNodeInfo(node)));
        assert.equal(s.code, code);
        assert.deepEqual(s.reasons, code === 'Success' ? [] : [ERR_REASON_UNTOLERATED_TAINT]);
      });
    }

    it("uses v1.35's generic reason, which does not name the taint", () => {
      const fw = frameworkOf([{ name: NAME, instance: plugin }]);
      const s = fw.runFilterPlugins(new CycleState(), testPod('p'), newNodeInfo(tainted('n1', gpu)));
      assert.equal(s.code, 'UnschedulableAndUnresolvable');
      assert.equal(s.plugin, NAME);
      assert.deepEqual(s.reasons, ['node(s) had untolerated taint(s)']);
    });
  });

  describe('Score and NormalizeScore', () => {
    /** Normalized scores per node, and the weighted totals with the default weight 3. */
    function scoresFor(pod: PodObject, nodes: readonly NodeObject[]): { scores: number[]; totals: number[] } {
      const fw = frameworkOf([{ name: NAME, instance: plugin, weight: 3 }]);
      const infos = nodes.map((n) => newNodeInfo(n));
      const state = new CycleState();
      assert.equal(fw.runPreScorePlugins(state, pod, infos).code, 'Success');
      const out = fw.runScorePlugins(state, pod, infos);
      assert.equal(out.status.code, 'Success', out.status.reasons.join('; '));
      return { scores: out.scores.map((s) => s.scores.get(NAME)!), totals: out.scores.map((s) => s.totalScore) };
    }
    const soft = (key: string, value = 'v'): Taint => ({ key, value, effect: 'PreferNoSchedule' });

    const table: [what: string, pod: PodObject, nodes: NodeObject[], expected: number[]][] = [
      ['no taints and no tolerations: every node 100', testPod('p'), [testNode('a'), testNode('b')], [100, 100]],
      [
        'all soft taints tolerated: 100 however many there are',
        tolerating({ key: 'k1', operator: 'Exists', effect: 'PreferNoSchedule' }, { key: 'k2', operator: 'Exists' }),
        [tainted('a', soft('k1')), tainted('b', soft('k1'), soft('k2'))],
        [100, 100],
      ],
      [
        'more untolerated soft taints score lower',
        tolerating({ key: 'k1', operator: 'Equal', value: 'v', effect: 'PreferNoSchedule' }),
        [testNode('a'), tainted('b', soft('k1'), soft('k2')), tainted('c', soft('k2'), soft('k3'))],
        [100, 50, 0],
      ],
      [
        'only PreferNoSchedule taints count, and only tolerations with effect PreferNoSchedule or empty',
        tolerating({ key: 'k1', operator: 'Exists', effect: 'NoSchedule' }, { key: 'k2', operator: 'Exists', effect: 'NoExecute' }),
        [tainted('a', { key: 'k1', effect: 'NoSchedule' }), tainted('b', soft('k1')), tainted('c', soft('k1'), soft('k2'), soft('k3'))],
        [100, 67, 0],
      ],
    ];
    for (const [what, pod, nodes, expected] of table) {
      it(`${what} ⇒ ${JSON.stringify(expected)}`, () => {
        const { scores, totals } = scoresFor(pod, nodes);
        assert.deepEqual(scores, expected);
        assert.deepEqual(
          totals,
          expected.map((s) => 3 * s),
        );
      });
    }

    it('raw score is the number of untolerated PreferNoSchedule taints', () => {
      const state = new CycleState();
      const pod = tolerating({ key: 'k1', operator: 'Exists' });
      plugin.preScore!(state, pod, []);
      assert.equal(plugin.score!(state, pod, newNodeInfo(tainted('a', soft('k1'), soft('k2'), soft('k3'), gpu))), 2);
    });

    it('Score without PreScore is an Error, as upstream', () => {
      const s = plugin.score!(new CycleState(), testPod('p'), newNodeInfo(testNode('a')));
      assert.ok(typeof s !== 'number');
      assert.equal(s.code, 'Error');
      assert.deepEqual(s.reasons, ['failed to read "PreScoreTaintToleration" from cycleState: not found']);
    });
  });

  describe('events', () => {
    const events = plugin.eventsToRegister!();
    const nodeHint = events[0]!.queueingHintFn!;
    const podHint = events[1]!.queueingHintFn!;
    const pod = testPod('p');

    it('registers Node Add|UpdateNodeTaint and Pod UpdatePodToleration', () => {
      assert.deepEqual(
        events.map((e) => e.event),
        [
          { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeTaint },
          { resource: 'Pod', actionType: ActionType.UpdatePodToleration },
        ],
      );
    });

    const nodeTable: [what: string, oldNode: NodeObject | undefined, newNode: NodeObject | undefined, hint: string][] = [
      ['an untainted node was added', undefined, testNode('a'), 'Queue'],
      ['a node with an untolerated taint was added', undefined, tainted('a', gpu), 'QueueSkip'],
      ['a node with only a soft taint was added', undefined, tainted('a', { ...gpu, effect: 'PreferNoSchedule' }), 'Queue'],
      ['the untolerated taint was removed', tainted('a', gpu), testNode('a'), 'Queue'],
      ['a taint was added', testNode('a'), tainted('a', gpu), 'QueueSkip'],
      ['the node was already tolerated', testNode('a'), testNode('a', { unschedulable: true }), 'QueueSkip'],
      ['still an untolerated taint', tainted('a', gpu), tainted('a', { ...gpu, value: 'tpu' }), 'QueueSkip'],
      ['no new object', tainted('a', gpu), undefined, 'Queue'],
    ];
    for (const [what, oldNode, newNode, hint] of nodeTable) {
      it(`node event: ${what} ⇒ ${hint}`, () => {
        assert.equal(nodeHint(pod, oldNode, newNode), hint);
      });
    }

    it('pod event: queues only the pod itself', () => {
      assert.equal(podHint(pod, pod, tolerating({ operator: 'Exists' })), 'Queue');
      assert.equal(podHint(pod, undefined, testPod('other')), 'QueueSkip');
      assert.equal(podHint(pod, pod, undefined), 'Queue');
    });
  });
});
