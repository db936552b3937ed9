/**
 * Upstream `slowStartBatch` (`pkg/controller/replicaset/replica_set.go`) with
 * `controller.SlowStartInitialBatchSize`: calls are grouped in batches of 1, 2, 4, 8, ... (each
 * batch twice the previous, capped by what remains); every call of a batch is made, and if any of
 * them failed no further batch starts. A project whose quota forbids pods thus costs one failed
 * create, not hundreds.
 */
/** Upstream `controller.SlowStartInitialBatchSize`. */
export const SLOW_START_INITIAL_BATCH_SIZE = 1;

/** What `slowStartBatch` did. */
export interface SlowStartResult<E> {
  /** Calls that succeeded. */
  readonly successes: number;
  /** Calls made (successes and failures); the rest were skipped. */
  readonly attempted: number;
  /** The batch sizes used, in order (the last one may have had failures). */
  readonly batches: readonly number[];
  /** The first failure, if any. */
  readonly error: E | undefined;
}

/**
 * Calls `fn` up to `count` times in slow-start batches starting at `initialBatchSize`. `fn`
 * returns the error of a failed call, `undefined` on success. Upstream runs a batch's calls in
 * parallel goroutines; here they run one after the other at the same virtual instant, which is
 * the same thing to every other component.
 */
export function slowStartBatch<E>(count: number, initialBatchSize: number, fn: () => E | undefined): SlowStartResult<E> {
  let remaining = count;
  let successes = 0;
  let attempted = 0;
  const batches: number[] = [];
  for (let batch = Math.min(remaining, initialBatchSize); batch > 0; batch = Math.min(2 * batch, remaining)) {
    batches.push(batch);
    let firstError: E | undefined;
    for (let i = 0; i < batch; i++) {
      const err = fn();
      attempted++;
      if (err === undefined) successes++;
      else firstError ??= err;
    }
    if (firstError !== undefined) return { successes, attempted, batches, error: firstError };
    remaining -= batch;
  }
  return { successes, attempted, batches, error: undefined };
}
