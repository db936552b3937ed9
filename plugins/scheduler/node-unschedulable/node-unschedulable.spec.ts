import assert from 'node:assert/strict';
import { ActionType, asStatus, createTestHandle, CycleState, newNodeInfo, type Toleration } from 'kubeprop';
import { frameworkOf, testNode, testPod, type PodObject, type NodeObject } from '../test-objects.js';
import { ERR_REASON_UNSCHEDULABLE, NAME, nodeUnschedulablePlugin } from './node-unschedulable.js';

const plugin = nodeUnschedulablePlugin.create(undefined, createTestHandle());

function withTolerations(name: string, ...tolerations: Toleration[]): PodObject {
  return testPod(name, { tolerations });
}

const cordoned = testNode('n1', { unschedulable: true });

describe('NodeUnschedulable', () => {
  it('is named as upstream', () => {
    assert.equal(NAME, 'NodeUnschedulable');
    assert.equal(nodeUnschedulablePlugin.name, NAME);
  });

  describe('Filter', () => {
    const table: [what: string, pod: PodObject, node: NodeObject, code: string][] = [
      ['schedulable node (unset)', testPod('p'), testNode('n1'), 'Success'],
      ['schedulable node (false)', testPod('p'), testNode('n1', { unschedulable: false }), 'Success'],
      ['cordoned node, no tolerations', testPod('p'), cordoned, 'UnschedulableAndUnresolvable'],
      [
        'cordoned node, the DaemonSet toleration (Exists, NoSchedule)',
        withTolerations('p', { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }),
        cordoned,
        'Success',
      ],
      ['cordoned node, Exists without effect', withTolerations('p', { key: 'node.kubernetes.io/unschedulable', operator: 'Exists' }), cordoned, 'Success'],
      ['cordoned node, tolerate-everything', withTolerations('p', { operator: 'Exists' }), cordoned, 'Success'],
      // The taint has an empty value, so Equal with no value tolerates it too.
      ['cordoned node, Equal with empty value', withTolerations('p', { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }), cordoned, 'Success'],
      [
        'cordoned node, Equal with a value',
        withTolerations('p', { key: 'node.kubernetes.io/unschedulable', value: 'true', effect: 'NoSchedule' }),
        cordoned,
        'UnschedulableAndUnresolvable',
      ],
      [
        'cordoned node, the right key with effect NoExecute',
        withTolerations('p', { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoExecute' }),
        cordoned,
        'UnschedulableAndUnresolvable',
      ],
      ['cordoned node, an unrelated toleration', withTolerations('p', { key: 'dedicated', operator: 'Exists' }), cordoned, 'UnschedulableAndUnresolvable'],
      // The filter reads spec.unschedulable only; the taint itself is TaintToleration's business.
      [
        'the unschedulable taint without spec.unschedulable',
        testPod('p'),
        testNode('n1', { taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] }),
        'Success',
      ],
    ];
    for (const [what, pod, node, code] of table) {
      it(`${what} ⇒ ${code}`, () => {
        const s = asStatus(plugin.filter!(new CycleState(), pod, newNodeInfo(node)));
        assert.equal(s.code, code);
        assert.deepEqual(s.reasons, code === 'Success' ? [] : [ERR_REASON_UNSCHEDULABLE]);
      });
    }

    it('reports "node(s) were unschedulable" through the framework', () => {
      const fw = frameworkOf([{ name: NAME, instance: plugin }]);
      const s = fw.runFilterPlugins(new CycleState(), testPod('p'), newNodeInfo(cordoned));
      assert.equal(s.code, 'UnschedulableAndUnresolvable');
      assert.equal(s.plugin, NAME);
      assert.deepEqual(s.reasons, ['node(s) were unschedulable']);
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
      ['a schedulable node was added', undefined, testNode('n1'), 'Queue'],
      ['a cordoned node was added', undefined, cordoned, 'QueueSkip'],
      ['a node was uncordoned', cordoned, testNode('n1', { unschedulable: false }), 'Queue'],
      ['a node was cordoned', testNode('n1'), cordoned, 'QueueSkip'],
      ['a schedulable node stayed schedulable', testNode('n1'), testNode('n1', { taints: [{ key: 'k', effect: 'NoSchedule' }] }), 'QueueSkip'],
      ['a cordoned node stayed cordoned', cordoned, cordoned, 'QueueSkip'],
      ['no new object', cordoned, undefined, 'Queue'],
    ];
    for (const [what, oldNode, newNode, hint] of nodeTable) {
      it(`node event: ${what} ⇒ ${hint}`, () => {
        assert.equal(nodeHint(pod, oldNode, newNode), hint);
      });
    }

    const tolerating = withTolerations('p', { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' });
    const podTable: [what: string, newPod: PodObject | undefined, hint: string][] = [
      ['the pod now tolerates the unschedulable taint', tolerating, 'Queue'],
      ['the pod gained an unrelated toleration', withTolerations('p', { key: 'other', operator: 'Exists' }), 'QueueSkip'],
      ['another pod gained the toleration', withTolerations('q', { key: 'node.kubernetes.io/unschedulable', operator: 'Exists' }), 'QueueSkip'],
      ['no new object', undefined, 'Queue'],
    ];
    for (const [what, newPod, hint] of podTable) {
      it(`pod event: ${what} ⇒ ${hint}`, () => {
        assert.equal(podHint(pod, pod, newPod), hint);
      });
    }
  });
});
