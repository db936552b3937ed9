import assert from 'node:assert/strict';
import type { NodeScore } from 'kubeprop';
import { defaultNormalizeScore } from './normalize-score.js';

function scoresOf(values: readonly number[]): NodeScore[] {
  return values.map((score, i) => ({ name: `node-${i}`, score }));
}

describe('defaultNormalizeScore', () => {
  const table: [what: string, maxPriority: number, reverse: boolean, input: number[], expected: number[]][] = [
    ['scales to [0, maxPriority]', 100, false, [10, 20, 30, 40, 50], [20, 40, 60, 80, 100]],
    ['reverse subtracts from maxPriority', 100, true, [10, 20, 30, 40, 50], [80, 60, 40, 20, 0]],
    ['truncates the integer division', 100, false, [1, 2, 3], [33, 66, 100]],
    ['truncates before reversing', 100, true, [1, 2, 3], [67, 34, 0]],
    ['all zero stays zero', 100, false, [0, 0, 0], [0, 0, 0]],
    ['all zero, reversed, is maxPriority everywhere', 100, true, [0, 0, 0], [100, 100, 100]],
    ['another maxPriority', 10, false, [5, 10, 0], [5, 10, 0]],
    ['another maxPriority, reversed', 10, true, [5, 10, 0], [5, 0, 10]],
    ['one node', 100, false, [7], [100]],
    ['one node, reversed', 100, true, [7], [0]],
    ['large raw scores', 100, false, [1_000_000, 250_000, 999_999], [100, 25, 99]],
    // Upstream assumes non-negative input; max is taken from 0, so negatives pass through scaled.
    ['negative scores with a positive max', 100, false, [-5, 10], [-50, 100]],
    ['only negative scores are left alone', 100, false, [-5, -10], [-5, -10]],
    ['only negative scores, reversed, become maxPriority', 100, true, [-5, -10], [100, 100]],
  ];
  for (const [what, maxPriority, reverse, input, expected] of table) {
    it(`${what}: ${JSON.stringify(input)} ⇒ ${JSON.stringify(expected)}`, () => {
      const scores = scoresOf(input);
      defaultNormalizeScore(maxPriority, reverse, scores);
      assert.deepEqual(
        scores.map((s) => s.score),
        expected,
      );
    });
  }

  it('keeps names and order, rewrites only `score`', () => {
    const scores = scoresOf([3, 1, 2]);
    const before = scores.map((s) => s.name);
    defaultNormalizeScore(100, false, scores);
    assert.deepEqual(
      scores.map((s) => s.name),
      before,
    );
  });

  it('accepts an empty list', () => {
    const scores: NodeScore[] = [];
    defaultNormalizeScore(100, true, scores);
    assert.deepEqual(scores, []);
  });

  it('never produces -0', () => {
    const scores = scoresOf([-1, 1000]);
    defaultNormalizeScore(100, false, scores);
    assert.ok(Object.is(scores[0]?.score, 0), `expected +0, got ${String(scores[0]?.score)}`);
  });
});
