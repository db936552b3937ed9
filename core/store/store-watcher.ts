/**
 * The store's `Watcher` implementations: a cursor over one kind's `EventLog`, filtered by the
 * watch's selection, and the one-event watcher that reports a failed watch (410 Expired).
 *
 * A watcher reads the changes it may select in one of two ways. An unindexed watcher keeps a cursor
 * over the kind's log and looks at every change. A watcher whose field selector pins the kind's
 * trigger field to one value (a kubelet's pods, `spec.nodeName=<node>`) reads the log only for the
 * history before its start, and is then handed, through `push`, just the changes whose old or new
 * value is its own (see `TriggerIndex`); so its `hasPending` and `poll` cost its own changes, not
 * every change of the kind. Both see the same events: a change outside the trigger value could
 * never pass the watcher's selection.
 *
 * Upstream counterpart: `cacheWatcher` in `staging/src/k8s.io/apiserver/pkg/storage/cacher/`
 * (`cache_watcher.go`: `convertToWatchEvent` for the selector transitions; `cacher.go`
 * `dispatchEvent` for what reaches an indexed watcher).
 */
import type { DeepReadonly, KubeObject } from '../api/types.js';
import type { ApiError } from './api-error.js';
import type { EventLog, LogEntry } from './event-log.js';
import type { ObjectFilter } from './object-filter.js';
import type { TriggerTarget } from './trigger-index.js';
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
  /**
   * For a watcher the store indexes by the kind's trigger field: the value its selection pins the
   * field to. It reads the log itself only up to the log's end at construction (the history from
   * `cursor` before its start) and gets every later change that may concern it through `push`.
   */
  readonly triggerValue?: string | undefined;
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

/** A live watch: a cursor over a kind's history (or the changes pushed to it) plus a queue of initial events. */
export class StoreWatcher implements Watcher, TriggerTarget {
  readonly id: number;
  /** The trigger value the store indexes this watcher under (see `StoreWatcherInit.triggerValue`). */
  readonly triggerValue: string | undefined;
  #source: WatchSource | undefined;
  readonly #filter: ObjectFilter;
  #cursor: number;
  /** Log positions before this one are read from the log; unbounded for an unindexed watcher. */
  readonly #logEnd: number;
  /** Changes pushed by the trigger index, oldest first, from `#pushedHead` on. */
  #pushed: LogEntry[] = [];
  #pushedHead = 0;
  /** Who wants to hear that this (indexed) watcher may have something pending. */
  #listener: (() => void) | undefined = undefined;
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
    this.triggerValue = init.triggerValue;
    this.#source = init.source;
    this.#filter = init.filter;
    this.#cursor = init.cursor;
    this.#logEnd = init.triggerValue === undefined ? Number.POSITIVE_INFINITY : init.source.log.end;
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

  /**
   * The next log position this watcher reads; history from here on must be kept. Infinite for an
   * indexed watcher past its opening history: it holds the changes pushed to it itself.
   */
  get cursor(): number {
    return this.#cursor < this.#logEnd ? this.#cursor : Number.POSITIVE_INFINITY;
  }

  /** `TriggerTarget`: a change that may concern this indexed watcher, in revision order. */
  push(entry: LogEntry): void {
    this.#pushed.push(entry);
    this.#listener?.();
  }

  /**
   * `Watcher.notifyPending`: only an indexed watcher learns of its changes when they happen, so
   * only it can tell; an unindexed one finds them when asked (`hasPending`).
   */
  notifyPending(listener: (() => void) | undefined): boolean {
    if (this.triggerValue === undefined) return false;
    this.#listener = listener;
    return true;
  }

  /**
   * Asks for a bookmark at `revision` (the store's current revision at a progress notification).
   * It is delivered after every selected change up to `revision`, and only if it tells the client
   * something new (`revision` beyond what it already received). A later request replaces an
   * undelivered one, as progress notifications coalesce upstream.
   */
  requestBookmark(revision: number): void {
    if (this.#allowBookmarks && revision > this.#bookmarkAt) {
      this.#bookmarkAt = revision;
      this.#listener?.();
    }
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
      const entry = this.#next(log);
      if (entry === undefined) break;
      if (this.#bookmarkAt > this.#lastRevision && entry.revision > this.#bookmarkAt) {
        out.push(this.#takeBookmark());
        continue;
      }
      this.#skip();
      // Only a watch started beyond the current revision meets changes it must skip.
      if (entry.revision <= this.#startRevision) continue;
      const ev = this.#convert(entry);
      if (ev !== undefined) {
        out.push(ev);
        this.#lastRevision = entry.revision;
      }
    }
    if (out.length < max && this.#bookmarkAt > this.#lastRevision && this.#next(log) === undefined) out.push(this.#takeBookmark());
    return out;
  }

  hasPending(): boolean {
    const source = this.#source;
    if (source === undefined) return false;
    if (this.#queueHead < this.#queue.length) return true;
    if (this.#bookmarkAt > this.#lastRevision) return true;
    const log = source.log;
    for (;;) {
      const entry = this.#next(log);
      if (entry === undefined) return false;
      if (entry.revision > this.#startRevision && this.#convert(entry) !== undefined) return true;
      // A change this watch does not select will never be delivered: skip it for good.
      this.#skip();
    }
  }

  stop(): void {
    const source = this.#source;
    if (source === undefined) return;
    this.#source = undefined;
    this.#queue = NO_EVENTS;
    this.#queueHead = 0;
    this.#pushed = [];
    this.#pushedHead = 0;
    source.release(this);
    const listener = this.#listener;
    this.#listener = undefined;
    // The end of the stream is news too.
    listener?.();
  }

  /** The next change to look at: from the log (opening history, or always if unindexed), then pushed ones. */
  #next(log: EventLog): LogEntry | undefined {
    if (this.#cursor < this.#logEnd) return log.at(this.#cursor);
    return this.#pushed[this.#pushedHead];
  }

  /** Moves past the change `#next` returned. */
  #skip(): void {
    if (this.#cursor < this.#logEnd) {
      this.#cursor++;
    } else if (++this.#pushedHead === this.#pushed.length) {
      // Drained: start over rather than let the array grow with what was read.
      this.#pushed.length = 0;
      this.#pushedHead = 0;
    }
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
