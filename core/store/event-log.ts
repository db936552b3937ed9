/**
 * The change history of one kind: what etcd's MVCC history and the watch cache's event buffer
 * hold, in revision order, from which watchers read with their own cursor.
 *
 * One log per kind (as the API server keeps one watch cache per resource) keeps a pod watcher from
 * scanning node changes. Positions are absolute indexes that stay valid when the front is trimmed.
 */
import type { DeepReadonly, KubeObject } from '../api/types.js';
import type { WatchObjectEvent } from './watch-event.js';

/** The change types the store records (bookmarks and errors are not changes). */
export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One recorded change. */
export interface LogEntry {
  readonly revision: number;
  readonly type: ChangeType;
  /**
   * The object after the change; for `DELETED`, the last stored state with the deletion's
   * `resourceVersion`.
   */
  readonly object: DeepReadonly<KubeObject>;
  /** The state before a `MODIFIED` change (selector transitions need it); absent otherwise. */
  readonly previous: DeepReadonly<KubeObject> | undefined;
  /**
   * `previous` re-stamped with this change's `resourceVersion`: what a selector-filtered watcher
   * receives as `DELETED` when the object stops matching. Built on first use, then shared.
   */
  leftSelection?: DeepReadonly<KubeObject>;
  /** The event of this change as most watchers see it. Built on first use, then shared. */
  event?: WatchObjectEvent;
}

/** An append-only, front-trimmable sequence of changes with absolute positions. */
export class EventLog {
  #entries: LogEntry[] = [];
  /** Absolute position of `#entries[0]`. */
  #start = 0;

  /** Absolute position of the oldest entry still held. */
  get start(): number {
    return this.#start;
  }

  /** Absolute position one past the newest entry. */
  get end(): number {
    return this.#start + this.#entries.length;
  }

  /** Number of entries held. */
  get size(): number {
    return this.#entries.length;
  }

  /** Appends a change; revisions must strictly increase (the store guarantees it). */
  append(entry: LogEntry): void {
    this.#entries.push(entry);
  }

  /** The entry at absolute position `pos`, if still held. */
  at(pos: number): LogEntry | undefined {
    return this.#entries[pos - this.#start];
  }

  /** Absolute position of the first held entry with `revision > rev` (`end` if none). */
  firstAfter(rev: number): number {
    const entries = this.#entries;
    let lo = 0;
    let hi = entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((entries[mid] as LogEntry).revision > rev) hi = mid;
      else lo = mid + 1;
    }
    return this.#start + lo;
  }

  /** Drops every entry before absolute position `pos` (no-op if already dropped). */
  trimBefore(pos: number): void {
    const n = Math.min(pos - this.#start, this.#entries.length);
    if (n <= 0) return;
    this.#entries = this.#entries.slice(n);
    this.#start += n;
  }
}
