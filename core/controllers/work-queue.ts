/**
 * The controller work queue in virtual time: upstream `staging/src/k8s.io/client-go/util/workqueue/`
 * `queue.go` (FIFO with the dirty and processing sets), `delaying_queue.go` (`AddAfter`) and
 * `rate_limiting_queue.go` (`AddRateLimited`, `Forget`, `NumRequeues`), in one class.
 *
 * Semantics kept from upstream:
 * - an item is queued at most once: adding an item that is already waiting does nothing;
 * - an item being processed (between `get` and `done`) is never handed out twice: adding it marks
 *   it dirty, and `done` puts it back in the queue once, however many times it was added;
 * - `addAfter` keeps the earliest of several pending delays for the same item.
 *
 * `get` never blocks (nothing does in the simulation): it returns `undefined` when nothing is
 * ready, and the queue calls `onReady` whenever an item becomes ready, so the owner can wake a
 * worker. Delays are one runtime timer on the host actor, armed for the earliest waiting item.
 */
import { ModelBug } from '../errors.js';
import type { EventHandle } from '../sim/event-queue.js';
import { defaultControllerRateLimiter, type RateLimiter } from './rate-limiter.js';
import type { RuntimeHost, RuntimePayload, RuntimeReceiver } from './runtime-host.js';

/** Construction options of a `WorkQueue`. */
export interface WorkQueueOptions {
  /** The component actor whose timers implement the delays. */
  readonly host: RuntimeHost;
  /** Default: `defaultControllerRateLimiter()`. */
  readonly rateLimiter?: RateLimiter<string>;
  /** Called (synchronously) each time an item becomes ready for `get`. */
  readonly onReady?: () => void;
}

interface Waiting {
  readonly key: string;
  readonly readyAtMs: number;
  readonly seq: number;
}

/** `WorkQueue` key state bit: the key needs processing (upstream's dirty set). */
const DIRTY = 1;
/** `WorkQueue` key state bit: the key is being processed (upstream's processing set). */
const PROCESSING = 2;

/** Below this many consumed slots the FIFO array is not compacted. */
const COMPACT_MIN = 1024;

/**
 * A de-duplicating, delaying, rate-limited work queue of string keys (`namespace/name`).
 * `add`, `get`, `done`, `forget` are O(1); `addAfter` is O(log n) in the number of waiting items.
 */
export class WorkQueue implements RuntimeReceiver {
  readonly #host: RuntimeHost;
  readonly #id: number;
  readonly #limiter: RateLimiter<string>;
  readonly #onReady: (() => void) | undefined;
  /** The FIFO of ready keys; `#head` is the next one. */
  #fifo: string[] = [];
  #head = 0;
  /**
   * Upstream's dirty and processing sets in one map: `DIRTY` for a key that needs processing
   * (queued, or added again while being processed), `PROCESSING` for one handed out and not yet
   * done. One entry per key keeps every operation to one or two lookups.
   */
  readonly #state = new Map<string, number>();
  #processingCount = 0;
  /** Delayed keys: the current entry per key, and a min-heap of entries (stale ones skipped). */
  readonly #waiting = new Map<string, Waiting>();
  #heap: Waiting[] = [];
  #waitSeq = 0;
  #timer: EventHandle | undefined = undefined;
  #shutDown = false;

  constructor(options: WorkQueueOptions) {
    this.#host = options.host;
    this.#limiter = options.rateLimiter ?? defaultControllerRateLimiter<string>();
    this.#onReady = options.onReady;
    this.#id = options.host.register(this);
  }

  /** Items ready to be handed out (upstream `Len`). */
  get length(): number {
    return this.#fifo.length - this.#head;
  }

  /** Items handed out and not yet `done`. */
  get processingCount(): number {
    return this.#processingCount;
  }

  /** Items waiting for a delay to pass. */
  get waitingCount(): number {
    return this.#waiting.size;
  }

  /** Whether `shutDown` was called. */
  get isShutDown(): boolean {
    return this.#shutDown;
  }

  /** Whether `key` is being processed. */
  isProcessing(key: string): boolean {
    return ((this.#state.get(key) ?? 0) & PROCESSING) !== 0;
  }

  /** Whether `key` is queued or marked to be queued again after processing. */
  isDirty(key: string): boolean {
    return ((this.#state.get(key) ?? 0) & DIRTY) !== 0;
  }

  /** Upstream `Add`: queues `key` unless it is already queued; defers it if being processed. */
  add(key: string): void {
    if (this.#shutDown) return;
    const state = this.#state.get(key) ?? 0;
    if ((state & DIRTY) !== 0) return;
    this.#state.set(key, state | DIRTY);
    if ((state & PROCESSING) !== 0) return;
    this.#fifo.push(key);
    this.#onReady?.();
  }

  /**
   * Upstream `AddAfter`: queues `key` once `delayMs` have passed (at once when ≤ 0). A key already
   * waiting keeps the earlier of its two ready times.
   */
  addAfter(key: string, delayMs: number): void {
    if (this.#shutDown) return;
    if (!Number.isFinite(delayMs)) throw new ModelBug(`WorkQueue.addAfter: invalid delay ${String(delayMs)}`);
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    // Virtual time is integral: round up, so that an item is never ready before it asked to be.
    const readyAtMs = this.#host.nowMs() + Math.ceil(delayMs);
    const existing = this.#waiting.get(key);
    if (existing !== undefined && existing.readyAtMs <= readyAtMs) return;
    const entry: Waiting = { key, readyAtMs, seq: this.#waitSeq++ };
    this.#waiting.set(key, entry);
    this.#push(entry);
    this.#arm();
  }

  /** Upstream `AddRateLimited`: `addAfter(key, rateLimiter.when(key))`. */
  addRateLimited(key: string): void {
    if (this.#shutDown) return;
    this.addAfter(key, this.#limiter.when(key, this.#host.nowMs()));
  }

  /** Upstream `Forget`: the rate limiter stops tracking `key` (its back-off starts over). */
  forget(key: string): void {
    this.#limiter.forget(key);
  }

  /** Upstream `NumRequeues`. */
  numRequeues(key: string): number {
    return this.#limiter.numRequeues(key);
  }

  /**
   * Upstream `Get`, without blocking: the next ready key, now being processed, or `undefined` when
   * none is ready (or the queue is shut down). Every key handed out must be given back to `done`.
   */
  get(): string | undefined {
    if (this.#shutDown || this.#head >= this.#fifo.length) return undefined;
    const key = this.#fifo[this.#head++] as string;
    if (this.#head >= COMPACT_MIN && this.#head * 2 >= this.#fifo.length) {
      this.#fifo = this.#fifo.slice(this.#head);
      this.#head = 0;
    }
    // A queued key is dirty and not being processed: it now is processed and no longer dirty.
    this.#state.set(key, PROCESSING);
    this.#processingCount++;
    return key;
  }

  /** Upstream `Done`: processing of `key` ended; it is queued again if it was added meanwhile. */
  done(key: string): void {
    // After `shutDown` the map is empty: nothing is being processed.
    const state = this.#state.get(key);
    if (state === undefined || (state & PROCESSING) === 0) return;
    this.#processingCount--;
    if ((state & DIRTY) === 0) {
      this.#state.delete(key);
      return;
    }
    this.#state.set(key, DIRTY);
    this.#fifo.push(key);
    this.#onReady?.();
  }

  /** Upstream `ShutDown`, as a crash does it: everything queued, waiting or tracked is dropped. */
  shutDown(): void {
    this.#shutDown = true;
    this.#fifo = [];
    this.#head = 0;
    this.#state.clear();
    this.#processingCount = 0;
    this.#waiting.clear();
    this.#heap = [];
    if (this.#timer !== undefined) this.#host.cancelTimer(this.#timer);
    this.#timer = undefined;
    this.#host.unregister(this.#id);
  }

  /** The delay timer fired: queue every waiting key that is due, then re-arm. */
  receive(payload: RuntimePayload): void {
    if (payload.kind !== 'workqueue-ready' || this.#shutDown) return;
    this.#timer = undefined;
    const now = this.#host.nowMs();
    for (;;) {
      const top = this.#heap[0];
      if (top === undefined || top.readyAtMs > now) break;
      this.#pop();
      if (this.#waiting.get(top.key) !== top) continue;
      this.#waiting.delete(top.key);
      this.add(top.key);
    }
    this.#arm();
  }

  /** Makes sure the timer fires at the earliest live waiting entry. */
  #arm(): void {
    // Drop superseded entries from the top so the timer is not armed for a stale time.
    for (;;) {
      const top = this.#heap[0];
      if (top === undefined || this.#waiting.get(top.key) === top) break;
      this.#pop();
    }
    const top = this.#heap[0];
    const timer = this.#timer;
    if (top === undefined) {
      if (timer !== undefined) this.#host.cancelTimer(timer);
      this.#timer = undefined;
      return;
    }
    if (timer !== undefined) {
      if (timer.atMs <= top.readyAtMs) return;
      this.#host.cancelTimer(timer);
    }
    this.#timer = this.#host.setTimer(top.readyAtMs - this.#host.nowMs(), 'workqueue-ready', this.#id);
  }

  #push(entry: Waiting): void {
    const heap = this.#heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as Waiting;
      if (!before(entry, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = entry;
  }

  #pop(): void {
    const heap = this.#heap;
    const last = heap.pop();
    if (last === undefined || heap.length === 0) return;
    let i = 0;
    const n = heap.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const child = r < n && before(heap[r] as Waiting, heap[l] as Waiting) ? r : l;
      const c = heap[child] as Waiting;
      if (!before(c, last)) break;
      heap[i] = c;
      i = child;
    }
    heap[i] = last;
  }
}

function before(a: Waiting, b: Waiting): boolean {
  return a.readyAtMs < b.readyAtMs || (a.readyAtMs === b.readyAtMs && a.seq < b.seq);
}
