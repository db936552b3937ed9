import assert from 'node:assert/strict';
import { ActionType, asStatus, createTestHandle, CycleState, newNodeInfo } from 'kubeprop';
import { frameworkOf, testNode, testPod, type PodObject } from '../test-objects.js';
import { ERR_REASON, fits, NAME, nodeNamePlugin } from './node-name.js';

const plugin = nodeNamePlugin.create(undefined, createTestHandle());

describe('NodeName', () => {
  it('is named as upstream', () => {
    assert.equal(NAME, 'NodeName');
    assert.equal(nodeNamePlugin.name, NAME);
  });

  describe('Filter', () => {
    const table: [what: string, pod: PodObject, node: string, code: string][] = [
      ['no node name', testPod('p'), 'foo', 'Success'],
      ['empty node name', testPod('p', { nodeName: '' }), 'foo', 'Success'],
      ['node name matches', testPod('p', { nodeName: 'foo' }), 'foo', 'Success'],
      ['node name differs', testPod('p', { nodeName: 'bar' }), 'foo', 'UnschedulableAndUnresolvable'],
      ['node name is case sensitive', testPod('p', { nodeName: 'Foo' }), 'foo', 'UnschedulableAndUnresolvable'],
    ];
    for (const [what, pod, node, code] of table) {
      it(`${what} ⇒ ${code}`, () => {
        const s = asStatus(plugin.filter!(new CycleState(), pod, newNodeInfo(testNode(node))));
        assert.equal(s.code, code);
        assert.deepEqual(s.reasons, code === 'Success' ? [] : ["node(s) didn't match the requested node name"]);
        assert.equal(fits(pod, node), code === 'Success');
      });
    }

    it('rejects every other node through the framework', () => {
      const fw = frameworkOf([{ name: NAME, instance: plugin }]);
      const pod = testPod('p', { nodeName: 'b' });
      const codes = ['a', 'b', 'c'].map((n) => fw.runFilterPlugins(new CycleState(), pod, newNodeInfo(testNode(n))));
      assert.deepEqual(
        codes.map((s) => s.code),
        ['UnschedulableAndUnresolvable', 'Success', 'UnschedulableAndUnresolvable'],
      );
      assert.equal(codes[0]?.plugin, NAME);
      assert.deepEqual(codes[0]?.reasons, [ERR_REASON]);
    });
  });

  describe('events', () => {
    const events = plugin.eventsToRegister!();
    const hint = events[0]!.queueingHintFn!;

    it('registers Node Add', () => {
      assert.deepEqual(
        events.map((e) => e.event),
        [{ resource: 'Node', actionType: ActionType.Add }],
      );
    });

    it('queues the pod when its node arrives, and for a pod that names no node', () => {
      assert.equal(hint(testPod('p', { nodeName: 'foo' }), undefined, testNode('foo')), 'Queue');
      assert.equal(hint(testPod('p'), undefined, testNode('foo')), 'Queue');
    });

    it('skips other nodes', () => {
      assert.equal(hint(testPod('p', { nodeName: 'foo' }), undefined, testNode('bar')), 'QueueSkip');
    });

    it('queues when the event carries no node', () => {
      assert.equal(hint(testPod('p', { nodeName: 'foo' }), undefined, undefined), 'Queue');
    });
  });
});
