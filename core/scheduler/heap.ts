/**
 * A binary min-heap with keyed access: O(log n) push, pop, delete and re-position by key, O(1)
 * lookup. The scheduling queue uses one per sub-queue (activeQ, podBackoffQ, podErrorBackoffQ).
 *
 * Mirrors `pkg/scheduler/backend/heap/heap.go` (`Heap`, `AddOrUpdate`, `Delete`, `Get`, `Pop`,
 * `Peek`). Unlike upstream, the order must be total: the heap itself adds no tie-breaker, so callers
 * give a `less` that never reports two distinct items as equal (for example by comparing an insertion
 * sequence number last). With a total order, the item popped first does not depend on the insertion
 * history, which is what keeps simulation runs reproducible.
 */
import { ModelBug } from '../errors.js';

/**
 * A keyed binary heap. `keyOf` must be stable while an item is in the heap; `less(a, b)` must be a
 * strict total order (irreflexive, transitive, and for `a !== b` exactly one of `less(a, b)` and
 * `less(b, a)` holds). If an item's ordering fields change while it is in the heap, call `fix(key)`
 * or `addOrUpdate(item)` so the heap can move it.
 */
export class KeyedHeap<T> {
  readonly #items: T[] = [];
  readonly #positions = new Map<string, number>();
  readonly #keyOf: (item: T) => string;
  readonly #less: (a: T, b: T) => boolean;

  /**
   * @param keyOf - the item's identity (a pod uid in the scheduling queue).
   * @param less - whether `a` is popped before `b`; a strict total order.
   */
  constructor(keyOf: (item: T) => string, less: (a: T, b: T) => boolean) {
    this.#keyOf = keyOf;
    this.#less = less;
  }

  /** Number of items in the heap. */
  get size(): number {
    return this.#items.length;
  }

  /** Whether an item with this key is in the heap. */
  has(key: string): boolean {
    return this.#positions.has(key);
  }

  /** The item with this key, if present. */
  get(key: string): T | undefined {
    const i = this.#positions.get(key);
    return i === undefined ? undefined : this.#items[i];
  }

  /** The item that `pop` would return, without removing it. */
  peek(): T | undefined {
    return this.#items[0];
  }

  /** Removes and returns the first item in `less` order, or `undefined` if the heap is empty. */
  pop(): T | undefined {
    const first = this.#items[0];
    if (first === undefined) return undefined;
    this.#removeAt(0);
    return first;
  }

  /**
   * Inserts `item`, or replaces the item with the same key and moves it to its new position
   * (upstream `AddOrUpdate`).
   */
  addOrUpdate(item: T): void {
    const key = this.#keyOf(item);
    const existing = this.#positions.get(key);
    if (existing !== undefined) {
      this.#items[existing] = item;
      this.#fixAt(existing);
      return;
    }
    this.#items.push(item);
    const i = this.#items.length - 1;
    this.#positions.set(key, i);
    this.#up(i);
  }

  /** Removes the item with this key and returns it, or `undefined` if it is not in the heap. */
  delete(key: string): T | undefined {
    const i = this.#positions.get(key);
    if (i === undefined) return undefined;
    const item = this.#items[i] as T;
    this.#removeAt(i);
    return item;
  }

  /** Re-positions the item with this key after its ordering fields changed; no-op if absent. */
  fix(key: string): void {
    const i = this.#positions.get(key);
    if (i !== undefined) this.#fixAt(i);
  }

  /**
   * The items in internal array order. The order is deterministic (it depends only on the sequence
   * of operations) but it is not the pop order; use `sorted()` for that.
   */
  values(): readonly T[] {
    return this.#items;
  }

  /** A new array with the items in pop order; O(n log n). */
  sorted(): T[] {
    const less = this.#less;
    return [...this.#items].sort((a, b) => (a === b ? 0 : less(a, b) ? -1 : 1));
  }

  #removeAt(i: number): void {
    const items = this.#items;
    const removed = items[i] as T;
    const last = items.pop() as T;
    this.#positions.delete(this.#keyOf(removed));
    if (i < items.length) {
      items[i] = last;
      this.#positions.set(this.#keyOf(last), i);
      this.#fixAt(i);
    }
  }

  #fixAt(i: number): void {
    if (!this.#up(i)) this.#down(i);
  }

  /** Moves the item at `i` towards the root while it is less than its parent; true if it moved. */
  #up(i: number): boolean {
    const items = this.#items;
    const start = i;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(items[i] as T, items[parent] as T)) break;
      this.#swap(i, parent);
      i = parent;
    }
    return i !== start;
  }

  #down(i: number): void {
    const items = this.#items;
    const n = items.length;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) return;
      const right = left + 1;
      let child = left;
      if (right < n && this.#less(items[right] as T, items[left] as T)) child = right;
      if (!this.#less(items[child] as T, items[i] as T)) return;
      this.#swap(i, child);
      i = child;
    }
  }

  #swap(i: number, j: number): void {
    const items = this.#items;
    const a = items[i] as T;
    const b = items[j] as T;
    items[i] = b;
    items[j] = a;
    this.#positions.set(this.#keyOf(b), i);
    this.#positions.set(this.#keyOf(a), j);
  }

  /**
   * Checks the heap property and the key index; for specs and debugging. Throws `ModelBug` on the
   * first inconsistency.
   */
  verify(): void {
    const items = this.#items;
    if (this.#positions.size !== items.length) throw new ModelBug('KeyedHeap: index size differs from item count');
    for (let i = 0; i < items.length; i++) {
      const item = items[i] as T;
      if (this.#positions.get(this.#keyOf(item)) !== i) throw new ModelBug(`KeyedHeap: stale index for item ${i}`);
      if (i > 0 && this.#less(item, items[(i - 1) >> 1] as T)) throw new ModelBug(`KeyedHeap: heap order broken at ${i}`);
    }
  }
}
