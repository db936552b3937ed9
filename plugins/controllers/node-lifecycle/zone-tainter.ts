/**
 * Per-zone rate limiting of NoExecute tainting: a token bucket with burst 1 (upstream
 * `flowcontrol.NewTokenBucketRateLimiter(qps, EvictionRateLimiterBurst)`), the unique timed queue
 * of nodes waiting to be tainted (upstream `RateLimitedTimedQueue` over `UniqueQueue`), and the zone
 * states that choose the rate.
 *
 * Upstream: `pkg/controller/nodelifecycle/scheduler/rate_limited_queue.go` and
 * `pkg/controller/nodelifecycle/node_lifecycle_controller.go` (`ComputeZoneState`,
 * `setLimiterInZone`, `ReducedQPSFunc`, `HealthyQPSFunc`).
 */

/** Upstream `ZoneState`. */
export type ZoneState = 'Initial' | 'Normal' | 'PartialDisruption' | 'FullDisruption';

/** Upstream `EvictionRateLimiterBurst`. */
export const EVICTION_RATE_LIMITER_BURST = 1;

/**
 * A token bucket holding at most one token. A rate of 0 or less never accepts (upstream
 * `NewFakeNeverRateLimiter`, which reports a QPS of 1).
 */
export class TokenBucket {
  /** The configured rate in tokens per second (0 for the never-accepting limiter). */
  readonly qps: number;
  /** When the next token is available (virtual ms); `-Infinity` while the bucket is full. */
  #availableAtMs = Number.NEGATIVE_INFINITY;
  readonly #periodMs: number;

  constructor(qps: number) {
    this.qps = qps > 0 ? qps : 0;
    this.#periodMs = qps > 0 ? Math.max(1, Math.round(1000 / qps)) : Number.POSITIVE_INFINITY;
  }

  /** The rate upstream's `QPS()` reports: the never-accepting limiter says 1. */
  get reportedQps(): number {
    return this.qps > 0 ? this.qps : 1;
  }

  /** Upstream `TryAccept`: takes the token if there is one. */
  tryAccept(nowMs: number): boolean {
    if (this.qps <= 0 || nowMs < this.#availableAtMs) return false;
    this.#availableAtMs = nowMs + this.#periodMs;
    return true;
  }

  /** When a token is next available (`Infinity` for the never-accepting limiter). */
  nextTokenAtMs(nowMs: number): number {
    if (this.qps <= 0) return Number.POSITIVE_INFINITY;
    return Math.max(nowMs, this.#availableAtMs);
  }
}

/** A node waiting to be tainted (upstream `TimedValue`). */
export interface TimedValue {
  readonly value: string;
  readonly uid: string;
  readonly addedAtMs: number;
  processAtMs: number;
  /** Insertion order, the tie-breaker of equal `processAtMs`. */
  seq: number;
}

/** What the action passed to `tryProcess` says about one value. */
export type TryOutcome = { readonly done: true } | { readonly done: false; readonly retryAfterMs: number };

/**
 * Upstream `RateLimitedTimedQueue`: values ordered by the time they should be processed, each at
 * most once until `remove`d (a processed value stays in the set, so it is not added again), and a
 * rate limiter that `tryProcess` consults before each value.
 */
export class ZoneTainter {
  readonly #queue: TimedValue[] = [];
  readonly #set = new Set<string>();
  #limiter: TokenBucket;
  #seq = 0;

  constructor(qps: number) {
    this.#limiter = new TokenBucket(qps);
  }

  /** The current limiter. */
  get limiter(): TokenBucket {
    return this.#limiter;
  }

  /** Values waiting, in processing order. */
  get queued(): readonly TimedValue[] {
    return this.#queue;
  }

  /** Upstream `Add`: queues `value` unless it was added and not removed since. */
  add(value: string, uid: string, nowMs: number): boolean {
    if (this.#set.has(value)) return false;
    this.#set.add(value);
    this.#insert({ value, uid, addedAtMs: nowMs, processAtMs: nowMs, seq: this.#seq++ });
    return true;
  }

  /** Upstream `Remove`: forgets `value` entirely, so it can be added again. */
  remove(value: string): boolean {
    if (!this.#set.has(value)) return false;
    this.#set.delete(value);
    this.#dequeue(value);
    return true;
  }

  /**
   * Upstream `Try`: while the head is due and the limiter grants a token, runs `action` on it; a
   * done value leaves the queue (but stays in the set), another is retried after the delay it asks
   * for. Upstream takes the token before looking at the head's time; here the time is looked at
   * first, so a value waiting for its retry does not burn a token.
   */
  tryProcess(nowMs: number, action: (value: TimedValue) => TryOutcome): void {
    for (;;) {
      const head = this.#queue[0];
      if (head === undefined || head.processAtMs > nowMs) return;
      if (!this.#limiter.tryAccept(nowMs)) return;
      const outcome = action(head);
      this.#dequeue(head.value);
      if (!outcome.done) {
        // Upstream adds one nanosecond; virtual time counts milliseconds.
        head.processAtMs = nowMs + outcome.retryAfterMs + 1;
        head.seq = this.#seq++;
        this.#insert(head);
      }
    }
  }

  /** When `tryProcess` could next do something; `Infinity` when never (empty, or rate 0). */
  nextTryAtMs(nowMs: number): number {
    const head = this.#queue[0];
    if (head === undefined) return Number.POSITIVE_INFINITY;
    return Math.max(head.processAtMs, this.#limiter.nextTokenAtMs(nowMs));
  }

  /**
   * Upstream `SwapLimiter`: a new limiter for `qps` unless the rate is unchanged; a new token
   * bucket starts drained when the old one had no token to give (upstream's drain for burst 1).
   */
  swapLimiter(qps: number, nowMs: number): void {
    if (this.#limiter.reportedQps === qps) return;
    if (qps <= 0) {
      this.#limiter = new TokenBucket(0);
      return;
    }
    const next = new TokenBucket(qps);
    if (!this.#limiter.tryAccept(nowMs)) next.tryAccept(nowMs);
    this.#limiter = next;
  }

  #insert(v: TimedValue): void {
    const q = this.#queue;
    let i = q.length;
    while (i > 0) {
      const prev = q[i - 1] as TimedValue;
      if (prev.processAtMs < v.processAtMs || (prev.processAtMs === v.processAtMs && prev.seq < v.seq)) break;
      i--;
    }
    q.splice(i, 0, v);
  }

  #dequeue(value: string): void {
    const i = this.#queue.findIndex((v) => v.value === value);
    if (i >= 0) this.#queue.splice(i, 1);
  }
}

/**
 * Upstream `ComputeZoneState`: `FullDisruption` when no node of the zone is ready, otherwise
 * `PartialDisruption` when more than two are not ready and they are at least `unhealthyZoneThreshold`
 * of the zone (compared in float32, as upstream), else `Normal`. Returns the number of unready
 * nodes too. A missing Ready condition counts as not ready.
 */
export function computeZoneState(readyStatuses: readonly (string | undefined)[], unhealthyZoneThreshold: number): { readonly notReady: number; readonly state: ZoneState } {
  let ready = 0;
  let notReady = 0;
  for (const s of readyStatuses) {
    if (s === 'True') ready++;
    else notReady++;
  }
  if (ready === 0 && notReady > 0) return { notReady, state: 'FullDisruption' };
  if (notReady > 2 && Math.fround(Math.fround(notReady) / Math.fround(notReady + ready)) >= Math.fround(unhealthyZoneThreshold)) {
    return { notReady, state: 'PartialDisruption' };
  }
  return { notReady, state: 'Normal' };
}
