import assert from 'node:assert/strict';
import { ActionType, asStatus, createTestHandle } from 'kubeprop';
import { frameworkOf, testPod, type PodObject } from '../test-objects.js';
import { NAME, schedulingGatesPlugin } from './scheduling-gates.js';

const plugin = schedulingGatesPlugin.create(undefined, createTestHandle());

function gated(name: string, ...gates: string[]): PodObject {
  return testPod(name, { schedulingGates: gates.map((g) => ({ name: g })) });
}

describe('SchedulingGates', () => {
  it('is named as upstream', () => {
    assert.equal(NAME, 'SchedulingGates');
    assert.equal(schedulingGatesPlugin.name, 'SchedulingGates');
  });

  describe('PreEnqueue', () => {
    const table: [what: string, pod: PodObject, code: string, reasons: string[]][] = [
      ['no schedulingGates', testPod('p'), 'Success', []],
      ['an empty schedulingGates list', testPod('p', { schedulingGates: [] }), 'Success', []],
      ['one gate', gated('p', 'example.com/quota'), 'UnschedulableAndUnresolvable', ['waiting for scheduling gates: [example.com/quota]']],
      ['two gates, in spec order', gated('p', 'gate1', 'gate2'), 'UnschedulableAndUnresolvable', ['waiting for scheduling gates: [gate1 gate2]']],
    ];
    for (const [what, pod, code, reasons] of table) {
      it(`${what} ⇒ ${code}`, () => {
        const s = asStatus(plugin.preEnqueue!(pod));
        assert.equal(s.code, code);
        assert.deepEqual(s.reasons, reasons);
      });
    }

    it('gates the pod through the framework, attributed to SchedulingGates', () => {
      const fw = frameworkOf([{ name: NAME, instance: plugin }]);
      const s = fw.runPreEnqueuePlugins(gated('p', 'gate1'));
      assert.equal(s.code, 'UnschedulableAndUnresolvable');
      assert.equal(s.plugin, NAME);
      assert.equal(fw.runPreEnqueuePlugins(testPod('q')).code, 'Success');
    });
  });

  describe('events', () => {
    const [registration] = plugin.eventsToRegister!();
    const hint = registration!.queueingHintFn!;
    const pod = gated('p', 'gate1');

    it('registers the removal of the last scheduling gate of a pod', () => {
      assert.equal(plugin.eventsToRegister!().length, 1);
      assert.equal(registration!.event.resource, 'Pod');
      assert.equal(registration!.event.actionType, ActionType.UpdatePodSchedulingGatesEliminated);
    });

    it('queues the pod when its own gates were removed', () => {
      assert.equal(hint(pod, pod, testPod('p')), 'Queue');
    });

    it("skips another pod's gate removal", () => {
      assert.equal(hint(pod, gated('other', 'gate1'), testPod('other')), 'QueueSkip');
    });

    it('queues when the event carries no new object', () => {
      assert.equal(hint(pod, pod, undefined), 'Queue');
    });
  });
});
