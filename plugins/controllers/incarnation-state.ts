/**
 * In-memory state a controller keeps between reconciles (upstream keeps it in the controller
 * struct: expectations, back-off records, trackers), scoped to one incarnation of one controller.
 *
 * A controller definition is a frozen value shared by every manager replica and every incarnation
 * that runs it, so its state cannot live in the definition. The runtime gives each running
 * controller (one incarnation, one manager) a single `ReconcileContext` that every reconcile of
 * that incarnation receives; keying the state on it makes the state die with the incarnation, as
 * upstream's dies with the process, and keeps two simulations in one process apart.
 */
import type { ReconcileContext } from 'kubeprop';

/**
 * A getter for per-incarnation state: the first call with a context creates the state with
 * `create`, later calls with the same context return it. Nothing outlives the context.
 */
export function perIncarnation<T>(create: () => T): (ctx: ReconcileContext) => T {
  const states = new WeakMap<ReconcileContext, T>();
  return (ctx) => {
    let state = states.get(ctx);
    if (state === undefined) {
      state = create();
      states.set(ctx, state);
    }
    return state;
  };
}
