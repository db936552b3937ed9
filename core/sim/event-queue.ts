/**
 * The simulation's agenda: a binary min-heap of pending events ordered by `(atMs, seq)`.
 *
 * `seq` is a per-queue counter assigned at scheduling time, so two events due at the same
 * millisecond are delivered in the order they were scheduled. That makes the order total and
 * independent of the heap's internal layout, which is what lets a seed replay exactly.
 */
import { ModelBug } from '../errors.js';

/** A handle to a scheduled event, used to cancel it or to ask whether it is still pending. */
export interface EventHandle {
  /** When the event is due, in virtual milliseconds. */
  readonly atMs: number;
  /** Its position in the total order among events due at the same `atMs`; unique per queue. */
  readonly seq: number;
}

/** A scheduled event as the queue hands it out. */
export interface QueueEntry<E> extends EventHandle {
  readonly event: E;
}

/** Entry states. Numbers rather than strings because the state is checked on every pop. */
const PENDING = 0;
const POPPED = 1;
const CANCELLED = 2;

class Entry<E> implements QueueEntry<E> {
  state: typeof PENDING | typeof POPPED | typeof CANCELLED = PENDING;
  constructor(
    readonly atMs: number,
    readonly seq: number,
    readonly event: E,
    /** The queue that issued this handle, so a foreign handle is detected instead of corrupting counts. */
    readonly queue: EventQueue<E>,
  ) {}
}

/** Below this heap size, cancelled entries are never compacted away; popping reaches them soon. */
const COMPACT_MIN = 1024;

/**
 * A priority queue of events keyed by `(atMs, seq)`.
 *
 * Cancellation is lazy: a cancelled entry stays in the heap, marked, and is discarded when it
 * reaches the top. When cancelled entries outnumber live ones the heap is rebuilt, so workloads
 * that re-arm timers constantly (resync periods, lease renewals) do not grow it without bound.
 * `size` counts live entries only.
 *
 * Every operation is O(log n) except `cancel` (O(1)) and `cancelWhere` (O(n)). The queue never
 * reads the clock; the caller decides which times are acceptable.
 *
 * The keys are kept in two arrays beside the heap of entries, position for position: sifting
 * compares numbers stored next to each other instead of reaching into an entry object per
 * comparison, which with thousands of pending timers is most of what a pop costs.
 */
export class EventQueue<E> {
  #heap: Entry<E>[] = [];
  /** `atMs` and `seq` of `#heap[i]` at index `i`. */
  #at: number[] = [];
  #seq: number[] = [];
  #live = 0;
  #cancelledInHeap = 0;
  #nextSeq: number;

  /** @param firstSeq - the `seq` given to the first scheduled event (default 1). */
  constructor(firstSeq = 1) {
    this.#nextSeq = firstSeq;
  }

  /** The number of pending (scheduled, not yet popped, not cancelled) events. */
  get size(): number {
    return this.#live;
  }

  /** The `seq` the next scheduled event will receive. */
  get nextSeq(): number {
    return this.#nextSeq;
  }

  /** Schedules `event` at virtual time `atMs` (a safe integer) and returns its handle. */
  schedule(atMs: number, event: E): QueueEntry<E> {
    if (!Number.isSafeInteger(atMs)) throw new ModelBug(`EventQueue: event time must be a safe integer, got ${String(atMs)}`);
    const entry = new Entry(atMs, this.#nextSeq++, event, this);
    this.#heap.push(entry);
    this.#at.push(atMs);
    this.#seq.push(entry.seq);
    this.#siftUp(this.#heap.length - 1);
    this.#live++;
    return entry;
  }

  /** The next event to be delivered, without removing it; `undefined` when none is pending. */
  peek(): QueueEntry<E> | undefined {
    this.#dropCancelledTop();
    return this.#heap[0];
  }

  /** Removes and returns the next event by `(atMs, seq)`; `undefined` when none is pending. */
  pop(): QueueEntry<E> | undefined {
    this.#dropCancelledTop();
    const top = this.#heap[0];
    if (top === undefined) return undefined;
    this.#removeTop();
    top.state = POPPED;
    this.#live--;
    return top;
  }

  /**
   * Cancels a pending event. Returns `true` if it was pending, `false` if it had already been
   * popped or cancelled (cancelling a timer that just fired is a normal race, not an error).
   */
  cancel(handle: EventHandle): boolean {
    const entry = this.#own(handle);
    if (entry.state !== PENDING) return false;
    entry.state = CANCELLED;
    this.#live--;
    this.#cancelledInHeap++;
    this.#maybeCompact();
    return true;
  }

  /** Whether the event is still scheduled (neither popped nor cancelled). */
  isPending(handle: EventHandle): boolean {
    return this.#own(handle).state === PENDING;
  }

  /**
   * Cancels every pending event whose payload matches `predicate` and returns how many it
   * cancelled. O(n): meant for rare bulk operations such as a component crash dropping its timers.
   */
  cancelWhere(predicate: (event: E) => boolean): number {
    let cancelled = 0;
    for (const entry of this.#heap) {
      if (entry.state === PENDING && predicate(entry.event)) {
        entry.state = CANCELLED;
        cancelled++;
      }
    }
    this.#live -= cancelled;
    this.#cancelledInHeap += cancelled;
    this.#maybeCompact();
    return cancelled;
  }

  /** The pending entries in delivery order. O(n log n); for reports and tests, not for the loop. */
  pending(): QueueEntry<E>[] {
    return this.#heap.filter((e) => e.state === PENDING).sort((a, b) => a.atMs - b.atMs || a.seq - b.seq);
  }

  #own(handle: EventHandle): Entry<E> {
    if (!(handle instanceof Entry) || handle.queue !== this) throw new ModelBug('EventQueue: handle from another queue');
    return handle as Entry<E>;
  }

  #dropCancelledTop(): void {
    const heap = this.#heap;
    while (heap.length > 0 && (heap[0] as Entry<E>).state === CANCELLED) {
      this.#removeTop();
      this.#cancelledInHeap--;
    }
  }

  #removeTop(): void {
    const heap = this.#heap;
    const last = heap.pop() as Entry<E>;
    const lastAt = this.#at.pop() as number;
    const lastSeq = this.#seq.pop() as number;
    if (heap.length > 0) {
      heap[0] = last;
      this.#at[0] = lastAt;
      this.#seq[0] = lastSeq;
      this.#siftDown(0);
    }
  }

  #maybeCompact(): void {
    if (this.#cancelledInHeap <= this.#live || this.#heap.length < COMPACT_MIN) return;
    const heap = this.#heap.filter((e) => e.state === PENDING);
    this.#heap = heap;
    this.#at = heap.map((e) => e.atMs);
    this.#seq = heap.map((e) => e.seq);
    this.#cancelledInHeap = 0;
    // Floyd's bottom-up heap construction: O(n), and the order of equal keys cannot matter
    // because `seq` makes every key unique.
    for (let i = (heap.length >>> 1) - 1; i >= 0; i--) this.#siftDown(i);
  }

  #siftUp(index: number): void {
    const heap = this.#heap;
    const at = this.#at;
    const sq = this.#seq;
    const entry = heap[index] as Entry<E>;
    const atMs = at[index] as number;
    const seq = sq[index] as number;
    let i = index;
    while (i > 0) {
      const parent = (i - 1) >>> 1;
      const pAt = at[parent] as number;
      const pSeq = sq[parent] as number;
      if (pAt < atMs || (pAt === atMs && pSeq < seq)) break;
      heap[i] = heap[parent] as Entry<E>;
      at[i] = pAt;
      sq[i] = pSeq;
      i = parent;
    }
    heap[i] = entry;
    at[i] = atMs;
    sq[i] = seq;
  }

  #siftDown(index: number): void {
    const heap = this.#heap;
    const at = this.#at;
    const sq = this.#seq;
    const n = heap.length;
    const entry = heap[index] as Entry<E>;
    const atMs = at[index] as number;
    const seq = sq[index] as number;
    let i = index;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      let child = left;
      let cAt = at[left] as number;
      let cSeq = sq[left] as number;
      const right = left + 1;
      if (right < n) {
        const rAt = at[right] as number;
        const rSeq = sq[right] as number;
        if (rAt < cAt || (rAt === cAt && rSeq < cSeq)) {
          child = right;
          cAt = rAt;
          cSeq = rSeq;
        }
      }
      if (atMs < cAt || (atMs === cAt && seq < cSeq)) break;
      heap[i] = heap[child] as Entry<E>;
      at[i] = cAt;
      sq[i] = cSeq;
      i = child;
    }
    heap[i] = entry;
    at[i] = atMs;
    sq[i] = seq;
  }
}
