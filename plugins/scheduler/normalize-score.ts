/**
 * The shared NormalizeScore helper of the default score plugins.
 *
 * Mirrors upstream `pkg/scheduler/framework/plugins/helper/normalize_score.go`
 * (`DefaultNormalizeScore`), which TaintToleration and NodeAffinity use, and which a user's score
 * plugin may use the same way.
 */
import type { NodeScore } from 'kubeprop';

/**
 * Rescales `scores` in place from `[0, max(scores)]` to `[0, maxPriority]` with integer (truncating)
 * division, as upstream `DefaultNormalizeScore(maxPriority, reverse, scores)`:
 * - `max` is the largest score, but never below 0;
 * - `max == 0`: with `reverse` every node gets `maxPriority`; without it the scores are left as
 *   they are (all 0 for non-negative input);
 * - otherwise `score = maxPriority · score / max` (truncated toward zero, as Go's int64 division),
 *   and with `reverse`, `maxPriority − score`.
 *
 * Like upstream it assumes non-negative integer scores; a negative input yields a negative output,
 * which the framework then reports as out of range.
 */
export function defaultNormalizeScore(maxPriority: number, reverse: boolean, scores: NodeScore[]): void {
  let maxCount = 0;
  for (let i = 0; i < scores.length; i++) {
    const s = (scores[i] as NodeScore).score;
    if (s > maxCount) maxCount = s;
  }
  if (maxCount === 0) {
    if (reverse) for (let i = 0; i < scores.length; i++) (scores[i] as NodeScore).score = maxPriority;
    return;
  }
  for (let i = 0; i < scores.length; i++) {
    const entry = scores[i] as NodeScore;
    const score = truncatingDivide(maxPriority * entry.score, maxCount);
    entry.score = reverse ? maxPriority - score : score;
  }
}

/** Go's int64 `a / b`: the quotient truncated toward zero (never `-0`). */
function truncatingDivide(a: number, b: number): number {
  const q = Math.trunc(a / b);
  return q === 0 ? 0 : q;
}
