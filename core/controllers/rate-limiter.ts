/**
 * Work queue rate limiters in virtual time, upstream `staging/src/k8s.io/client-go/util/workqueue/
 * default_rate_limiters.go`: per-item exponential back-off, an overall token bucket
 * (`golang.org/x/time/rate`), the maximum of several, and `DefaultControllerRateLimiter`.
 *
 * Everything is integer milliseconds; the token bucket keeps its balance in thousandths of a token
 * so that refilling at an integer rate per second is exact, where upstream uses floating point.
 */
import { ConfigError } from '../errors.js';

/** Upstream `workqueue.TypedRateLimiter`. */
export interface RateLimiter<K = string> {
  /**
   * How long `item` should wait before it is processed again, at virtual time `nowMs`. Each call
   * counts as one failure (exponential limiters) or takes one token (buckets).
   */
  when(item: K, nowMs: number): number;
  /** Stops tracking `item`: its back-off starts over next time. */
  forget(item: K): void;
  /** How many times `item` has been rate-limited since it was last forgotten. */
  numRequeues(item: K): number;
}

/**
 * Upstream `ItemExponentialFailureRateLimiter`: the n-th failure of an item waits
 * `baseDelayMs * 2^(n-1)`, capped at `maxDelayMs`.
 */
export class ItemExponentialFailureRateLimiter<K = string> implements RateLimiter<K> {
  readonly #failures = new Map<K, number>();

  constructor(
    readonly baseDelayMs: number,
    readonly maxDelayMs: number,
  ) {
    if (!Number.isSafeInteger(baseDelayMs) || !Number.isSafeInteger(maxDelayMs) || baseDelayMs < 0 || maxDelayMs < 0) {
      throw new ConfigError(`ItemExponentialFailureRateLimiter: invalid delays base=${String(baseDelayMs)} max=${String(maxDelayMs)} ms`);
    }
  }

  when(item: K): number {
    const exp = this.#failures.get(item) ?? 0;
    this.#failures.set(item, exp + 1);
    // 2^exp overflows to Infinity long after any real cap is passed; the comparison handles it.
    const backoff = this.baseDelayMs * 2 ** exp;
    return backoff > this.maxDelayMs ? this.maxDelayMs : backoff;
  }

  forget(item: K): void {
    this.#failures.delete(item);
  }

  numRequeues(item: K): number {
    return this.#failures.get(item) ?? 0;
  }
}

/** Thousandths of a token per token: the bucket's fixed-point unit. */
const MILLI = 1000;

/**
 * Upstream `BucketRateLimiter` over `rate.NewLimiter(qps, burst)`: one bucket for all items,
 * holding up to `burst` tokens and refilled at `qps` tokens per second; every `when` reserves a
 * token, and the delay is how long until that token exists. The bucket starts full, as a fresh
 * `rate.Limiter` does. It does not track items: `forget` does nothing and `numRequeues` is 0.
 */
export class BucketRateLimiter<K = string> implements RateLimiter<K> {
  /** Balance in thousandths of a token; negative when tokens are reserved ahead. */
  #balance: number;
  #lastMs: number | undefined = undefined;

  constructor(
    readonly qps: number,
    readonly burst: number,
  ) {
    if (!Number.isSafeInteger(qps) || qps < 1 || !Number.isSafeInteger(burst) || burst < 1) {
      throw new ConfigError(`BucketRateLimiter: qps and burst must be positive integers, got qps=${String(qps)} burst=${String(burst)}`);
    }
    this.#balance = burst * MILLI;
  }

  when(_item: K, nowMs: number): number {
    this.#refill(nowMs);
    this.#balance -= MILLI;
    // Refill is `qps` thousandths of a token per millisecond; round up so no one acts early.
    return this.#balance >= 0 ? 0 : Math.ceil(-this.#balance / this.qps);
  }

  forget(_item: K): void {}

  numRequeues(_item: K): number {
    return 0;
  }

  /** Tokens available at `nowMs` (negative when reserved ahead), for tests and reports. */
  tokensAt(nowMs: number): number {
    this.#refill(nowMs);
    return this.#balance / MILLI;
  }

  #refill(nowMs: number): void {
    const last = this.#lastMs;
    // Upstream treats a time before `last` as `last` (no refill, no going back).
    if (last !== undefined && nowMs > last) this.#balance = Math.min(this.burst * MILLI, this.#balance + (nowMs - last) * this.qps);
    if (last === undefined || nowMs > last) this.#lastMs = nowMs;
  }
}

/**
 * Upstream `MaxOfRateLimiter`: asks every limiter (so each one counts the failure or takes its
 * token) and waits for the longest.
 */
export class MaxOfRateLimiter<K = string> implements RateLimiter<K> {
  readonly #limiters: readonly RateLimiter<K>[];

  constructor(...limiters: RateLimiter<K>[]) {
    if (limiters.length === 0) throw new ConfigError('MaxOfRateLimiter: at least one limiter is required');
    this.#limiters = limiters;
  }

  when(item: K, nowMs: number): number {
    let max = 0;
    for (const l of this.#limiters) {
      const d = l.when(item, nowMs);
      if (d > max) max = d;
    }
    return max;
  }

  forget(item: K): void {
    for (const l of this.#limiters) l.forget(item);
  }

  numRequeues(item: K): number {
    let max = 0;
    for (const l of this.#limiters) {
      const n = l.numRequeues(item);
      if (n > max) max = n;
    }
    return max;
  }
}

/** Upstream default per-item base delay: 5 ms. */
export const DEFAULT_ITEM_BASE_DELAY_MS = 5;
/** Upstream default per-item maximum delay: 1000 s. */
export const DEFAULT_ITEM_MAX_DELAY_MS = 1_000_000;
/** Upstream default overall rate: 10 requeues per second. */
export const DEFAULT_BUCKET_QPS = 10;
/** Upstream default overall burst: 100. */
export const DEFAULT_BUCKET_BURST = 100;

/**
 * Upstream `DefaultControllerRateLimiter` (what controller-runtime and most built-in controllers
 * use): the maximum of per-item exponential back-off (5 ms doubling to 1000 s) and an overall
 * 10 qps token bucket with burst 100. A fresh instance per queue: limiters hold state.
 */
export function defaultControllerRateLimiter<K = string>(): RateLimiter<K> {
  return new MaxOfRateLimiter<K>(
    new ItemExponentialFailureRateLimiter<K>(DEFAULT_ITEM_BASE_DELAY_MS, DEFAULT_ITEM_MAX_DELAY_MS),
    new BucketRateLimiter<K>(DEFAULT_BUCKET_QPS, DEFAULT_BUCKET_BURST),
  );
}
