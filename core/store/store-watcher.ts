/**
 * The store's `Watcher` implementations: a cursor over one kind's `EventLog`, filtered by the
 * watch's selection, and the one-event watcher that reports a failed watch (410 Expired).
 *
 * Upstream counterpart: `cacheWatcher` in `staging/src/k8s.io/apiserver/pkg/storage/cacher/`
 * (`cache_watcher.go`: `convertToWatchEvent` for the selector transitions).
 */
import type { DeepReadonly, KubeObject } from '../api/types.js';
import type { ApiError } from './api-error.js';
import type { EventLog, LogEntry } from './event-log.js';
import type { ObjectFilter } from './object-filter.js';
import type { BookmarkObject, WatchBookmarkEvent, WatchEvent, WatchObjectEvent, Watcher } from './watch-event.js';

/** What a watcher needs from the store: the history it reads and a way to deregister. */
export interface WatchSource {
  readonly log: EventLog;
  /** Called once when the watcher stops, so the store can forget it and trim history. */
  release(watcher: StoreWatcher): void;
}

/** Construction parameters of a `StoreWatcher`. */
export interface StoreWatcherInit {
  readonly id: number;
  readonly source: WatchSource;
  readonly filter: ObjectFilter;
  /** First log position to read. */
  readonly cursor: number;
  /** The revision the watch starts after: the requested resourceVersion, or "now". */
  readonly startRevision: number;
  /** Events to deliver before any logged change (synthetic ADDED, initial-events-end bookmark). */
  readonly initial: readonly WatchEvent[];
  readonly allowBookmarks: boolean;
  /** apiVersion and kind that bookmark objects carry. */
  readonly apiVersion: string;
  readonly kind: string;
}

const NO_EVENTS: readonly WatchEvent[] = Object.freeze([]);

/** The event every watcher that sees `entry` unchanged gets; built once per entry and shared. */
function plainEvent(entry: LogEntry): WatchObjectEvent {
  let ev = entry.event;
  if (ev === undefined) {
    ev = Object.freeze({ type: entry.type, object: entry.object, revision: entry.revision });
    entry.event = ev;
  }
  return ev;
}

/** `previous` of a MODIFIED entry at the entry's revision: what "left the selection" delivers. */
function leftSelection(entry: LogEntry): DeepReadonly<KubeObject> {
  let obj = entry.leftSelection;
  if (obj === undefined) {
    const prev = entry.previous as DeepReadonly<KubeObject>;
    obj = Object.freeze({ ...prev, metadata: Object.freeze({ ...prev.metadata, resourceVersion: String(entry.revision) }) });
    entry.leftSelection = obj;
  }
  return obj;
}

/** A live watch: a cursor over a kind's history plus a queue of initial events. */
export class StoreWatcher implements Watcher {
  readonly id: number;
  #source: WatchSource | undefined;
  readonly #filter: ObjectFilter;
  #cursor: number;
  #queue: readonly WatchEvent[];
  #queueHead = 0;
  #lastRevision: number;
  /** Changes up to this revision are not delivered: the watch starts after it. */
  readonly #startRevision: number;
  /** Revision of the pending bookmark; -1 when none is pending. */
  #bookmarkAt = -1;
  readonly #allowBookmarks: boolean;
  readonly #apiVersion: string;
  readonly #kind: string;

  constructor(init: StoreWatcherInit) {
    this.id = init.id;
    this.#source = init.source;
    this.#filter = init.filter;
    this.#cursor = init.cursor;
    this.#queue = init.initial.length === 0 ? NO_EVENTS : init.initial;
    this.#lastRevision = init.startRevision;
    this.#startRevision = init.startRevision;
    this.#allowBookmarks = init.allowBookmarks;
    this.#apiVersion = init.apiVersion;
    this.#kind = init.kind;
  }

  get stopped(): boolean {
    return this.#source === undefined;
  }

  get resourceVersion(): string {
    return String(this.#lastRevision);
  }

  /** The next log position this watcher reads; history from here on must be kept. */
  get cursor(): number {
    return this.#cursor;
  }

  /**
   * Asks for a bookmark at `revision` (the store's current revision at a progress notification).
   * It is delivered after every selected change up to `revision`, and only if it tells the client
   * something new (`revision` beyond what it already received). A later request replaces an
   * undelivered one, as progress notifications coalesce upstream.
   */
  requestBookmark(revision: number): void {
    if (this.#allowBookmarks && revision > this.#bookmarkAt) this.#bookmarkAt = revision;
  }

  poll(max: number = Number.POSITIVE_INFINITY): WatchEvent[] {
    const out: WatchEvent[] = [];
    const source = this.#source;
    if (source === undefined || max <= 0) return out;
    while (this.#queueHead < this.#queue.length && out.length < max) out.push(this.#queue[this.#queueHead++] as WatchEvent);
    if (this.#queueHead >= this.#queue.length && this.#queue !== NO_EVENTS) {
      this.#queue = NO_EVENTS;
      this.#queueHead = 0;
    }
    const log = source.log;
    while (out.length < max) {
      const entry = log.at(this.#cursor);
      if (entry === undefined) break;
      if (this.#bookmarkAt > this.#lastRevision && entry.revision > this.#bookmarkAt) {
        out.push(this.#takeBookmark());
        continue;
      }
      this.#cursor++;
      // Only a watch started beyond the current revision meets changes it must skip.
      if (entry.revision <= this.#startRevision) continue;
      const ev = this.#convert(entry);
      if (ev !== undefined) {
        out.push(ev);
        this.#lastRevision = entry.revision;
      }
    }
    if (out.length < max && this.#bookmarkAt > this.#lastRevision && log.at(this.#cursor) === undefined) out.push(this.#takeBookmark());
    return out;
  }

  hasPending(): boolean {
    const source = this.#source;
    if (source === undefined) return false;
    if (this.#queueHead < this.#queue.length) return true;
    if (this.#bookmarkAt > this.#lastRevision) return true;
    const log = source.log;
    for (;;) {
      const entry = log.at(this.#cursor);
      if (entry === undefined) return false;
      if (entry.revision > this.#startRevision && this.#convert(entry) !== undefined) return true;
      // A change this watch does not select will never be delivered: skip it for good.
      this.#cursor++;
    }
  }

  stop(): void {
    const source = this.#source;
    if (source === undefined) return;
    this.#source = undefined;
    this.#queue = NO_EVENTS;
    this.#queueHead = 0;
    source.release(this);
  }

  #takeBookmark(): WatchBookmarkEvent {
    const revision = this.#bookmarkAt;
    this.#lastRevision = revision;
    this.#bookmarkAt = -1;
    return bookmarkEvent(this.#apiVersion, this.#kind, revision, undefined);
  }

  /** Upstream `cacheWatcher.convertToWatchEvent`: the event this watcher sees for a change. */
  #convert(entry: LogEntry): WatchObjectEvent | undefined {
    const filter = this.#filter;
    if (filter === undefined) return plainEvent(entry);
    if (entry.type === 'DELETED') return filter(entry.object) ? plainEvent(entry) : undefined;
    const now = filter(entry.object);
    const before = entry.previous !== undefined && filter(entry.previous);
    if (now) return (before || entry.type === 'ADDED') ? plainEvent(entry) : Object.freeze({ type: 'ADDED', object: entry.object, revision: entry.revision });
    if (before) return Object.freeze({ type: 'DELETED', object: leftSelection(entry), revision: entry.revision });
    return undefined;
  }
}

/** A bookmark event for `kind` at `revision`, optionally with annotations. */
export function bookmarkEvent(
  apiVersion: string,
  kind: string,
  revision: number,
  annotations: Readonly<Record<string, string>> | undefined,
): WatchBookmarkEvent {
  const metadata = annotations === undefined ? { resourceVersion: String(revision) } : { resourceVersion: String(revision), annotations: Object.freeze({ ...annotations }) };
  const object: BookmarkObject = Object.freeze({ apiVersion, kind, metadata: Object.freeze(metadata) });
  return Object.freeze({ type: 'BOOKMARK', object, revision });
}

/**
 * A watch that failed at start (upstream `newErrWatcher`): its only event is `ERROR`, after which
 * it is stopped. It never holds history.
 */
export class FailedWatcher implements Watcher {
  readonly id: number;
  readonly #error: ApiError;
  readonly #revision: number;
  #delivered = false;

  constructor(id: number, error: ApiError, revision: number) {
    this.id = id;
    this.#error = error;
    this.#revision = revision;
  }

  get stopped(): boolean {
    return this.#delivered;
  }

  get resourceVersion(): string {
    return String(this.#revision);
  }

  poll(max: number = Number.POSITIVE_INFINITY): WatchEvent[] {
    if (this.#delivered || max <= 0) return [];
    this.#delivered = true;
    return [Object.freeze({ type: 'ERROR', error: this.#error })];
  }

  hasPending(): boolean {
    return !this.#delivered;
  }

  stop(): void {
    this.#delivered = true;
  }
}
