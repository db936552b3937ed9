/**
 * Combining the outcomes of several pieces of one reconcile into the one result the runtime takes.
 * Upstream a sync returns one error but may also have called `AddAfter` any number of times; here
 * the earliest wanted requeue survives, and a failure (which requeues with back-off and recomputes
 * everything) wins over both.
 */
import { reconcileDone, requeueAfter, type ReconcileResult } from 'kubeprop';

/** `retry` over `requeueAfter` (the earliest) over `done`; `terminal` counts as a failure. */
export function combineResults(a: ReconcileResult, b: ReconcileResult): ReconcileResult {
  if (a.kind === 'retry' || a.kind === 'terminal') return a;
  if (b.kind === 'retry' || b.kind === 'terminal') return b;
  if (a.kind === 'requeueAfter' && b.kind === 'requeueAfter') return a.delayMs <= b.delayMs ? a : b;
  if (a.kind === 'requeueAfter') return a;
  return b;
}

/** Collects results; `result()` is their combination (`done` when none failed or asked for a requeue). */
export class ResultCollector {
  #result: ReconcileResult = reconcileDone();

  /** Adds a result. */
  add(result: ReconcileResult): void {
    this.#result = combineResults(this.#result, result);
  }

  /** Asks for a requeue after `delayMs` (negative delays count as 0). */
  requeueAfter(delayMs: number): void {
    this.add(requeueAfter(Math.max(0, Math.ceil(delayMs))));
  }

  /** The combined result. */
  result(): ReconcileResult {
    return this.#result;
  }
}
