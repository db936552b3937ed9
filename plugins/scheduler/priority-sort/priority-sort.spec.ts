import assert from 'node:assert/strict';
import { createTestHandle, newPodInfo, type QueuedPodInfo } from 'kubeprop';
import { frameworkOf, testPod } from '../test-objects.js';
import { NAME, prioritySortPlugin } from './priority-sort.js';

const plugin = prioritySortPlugin.create(undefined, createTestHandle());
const less = plugin.less!;

/** A queued pod with the given priority (undefined ⇒ unset) and queue timestamp. */
function queued(name: string, priority: number | undefined, timestampMs: number): QueuedPodInfo {
  const pod = testPod(name, priority === undefined ? {} : { priority });
  return {
    podInfo: newPodInfo(pod),
    pod,
    timestampMs,
    attempts: 0,
    unschedulablePlugins: new Set(),
    pendingPlugins: new Set(),
    gated: false,
  };
}

describe('PrioritySort', () => {
  it('is named as upstream', () => {
    assert.equal(NAME, 'PrioritySort');
    assert.equal(prioritySortPlugin.name, 'PrioritySort');
  });

  const table: [what: string, a: QueuedPodInfo, b: QueuedPodInfo, expected: boolean][] = [
    ['higher priority first', queued('a', 100, 20), queued('b', 10, 10), true],
    ['lower priority after', queued('a', 10, 10), queued('b', 100, 20), false],
    ['same priority: earlier timestamp first', queued('a', 5, 10), queued('b', 5, 20), true],
    ['same priority: later timestamp after', queued('a', 5, 20), queued('b', 5, 10), false],
    ['same priority and timestamp: neither is less', queued('a', 5, 10), queued('b', 5, 10), false],
    ['unset priority counts as 0 (vs 1)', queued('a', undefined, 10), queued('b', 1, 20), false],
    ['unset priority counts as 0 (vs -1)', queued('a', undefined, 20), queued('b', -1, 10), true],
    ['unset and 0 tie, then timestamp', queued('a', undefined, 10), queued('b', 0, 20), true],
    ['negative priorities', queued('a', -5, 20), queued('b', -10, 10), true],
    ['system-node-critical above everything user-defined', queued('a', 2_000_001_000, 99), queued('b', 1_000_000_000, 1), true],
  ];
  for (const [what, a, b, expected] of table) {
    it(`${what} ⇒ less is ${expected}`, () => {
      assert.equal(less(a, b), expected);
    });
  }

  it('is a strict weak order on a sample (irreflexive and asymmetric)', () => {
    const pods = [queued('a', 1, 5), queued('b', 1, 6), queued('c', undefined, 5), queued('d', 3, 1), queued('e', 3, 1)];
    for (const x of pods) {
      assert.equal(less(x, x), false);
      for (const y of pods) assert.ok(!(less(x, y) && less(y, x)), `${x.pod.metadata?.name} and ${y.pod.metadata?.name}`);
    }
  });

  it('is the QueueSort of a framework that enables it', () => {
    const fw = frameworkOf([{ name: NAME, instance: plugin }]);
    assert.equal(fw.queueSortLess(queued('a', 2, 9), queued('b', 1, 1)), true);
    assert.equal(fw.queueSortLess(queued('a', 1, 9), queued('b', 1, 1)), false);
  });
});
