/**
 * What a watch delivers, in upstream's shapes (`staging/src/k8s.io/apimachinery/pkg/watch/watch.go`)
 * plus the numeric revision, which saves every consumer from parsing `resourceVersion`.
 */
import type { DeepReadonly, KubeObject } from '../api/types.js';
import type { StorableObject } from './storable-object.js';
import type { ApiError } from './api-error.js';

/** An object change, in the watcher's view (see `Watcher` for how selectors turn into types). */
export interface WatchObjectEvent<T extends StorableObject = KubeObject> {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  /**
   * The object after the change. For `DELETED` it is the last stored state of the object with
   * `metadata.resourceVersion` set to the revision of the deletion, as etcd3's watcher and the
   * watch cache deliver it (so a deletion triggered by removing the last finalizer still shows the
   * finalizers of the last stored state).
   */
  readonly object: DeepReadonly<T>;
  /** The revision of the change (the object's `resourceVersion` as a number). */
  readonly revision: number;
}

/** The object a `BOOKMARK` carries: only apiVersion, kind and `metadata.resourceVersion`. */
export interface BookmarkObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly resourceVersion: string;
    /** `k8s.io/initial-events-end: "true"` on the bookmark that ends `sendInitialEvents`. */
    readonly annotations?: Readonly<Record<string, string>>;
  };
}

/**
 * A progress marker: every change up to `revision` that this watcher selects has been delivered
 * before it. Only watchers with `allowBookmarks` get them.
 */
export interface WatchBookmarkEvent {
  readonly type: 'BOOKMARK';
  readonly object: BookmarkObject;
  readonly revision: number;
}

/**
 * The watch failed, e.g. 410 Expired (`too old resource version`) when it started from a compacted
 * revision. It is the last event of its watcher: the watcher is stopped afterwards, and the client
 * must relist, as client-go's reflector does.
 */
export interface WatchErrorEvent {
  readonly type: 'ERROR';
  readonly error: ApiError;
}

/** One event of a watch stream. */
export type WatchEvent<T extends StorableObject = KubeObject> = WatchObjectEvent<T> | WatchBookmarkEvent | WatchErrorEvent;

/** The event type strings, upstream `watch.EventType`. */
export type WatchEventType = WatchEvent['type'];

/** Upstream `metav1.InitialEventsAnnotationKey`. */
export const INITIAL_EVENTS_ANNOTATION = 'k8s.io/initial-events-end';

/**
 * A running watch, pull-based: the simulation asks for what is pending (`poll`) and delivers it to
 * the component with whatever latency it draws, so no store write ever re-enters a component.
 *
 * Guarantees: every change the watch selects after its start is delivered exactly once, in
 * revision order, and `revision` strictly increases across object and bookmark events. The one
 * exception is the opening batch of a watch started "now": its synthetic `ADDED` events come first,
 * in key order, each carrying its object's own revision. With a label or field selector, an object
 * that starts matching arrives as `ADDED` and one that stops matching as `DELETED` (its previous
 * state, at the revision of the change), as the watch cache does.
 *
 * Why pull-based: the simulation owns time and ordering. After a write it polls the watchers it
 * cares about and schedules each event's delivery with a latency drawn from its RNG; the store never
 * calls into a component, so a write can never re-enter a component mid-handler, and a component
 * that is partitioned or crashed simply is not polled (its events wait, or are dropped with `stop`).
 */
export interface Watcher<T extends StorableObject = KubeObject> {
  /** Store-unique id, in creation order. */
  readonly id: number;
  /**
   * Takes up to `max` pending events (all by default), oldest first. Returns `[]` once stopped.
   * Events are computed lazily from the store's history, so polling late costs nothing extra.
   */
  poll(max?: number): WatchEvent<T>[];
  /** Whether `poll` would return at least one event now. */
  hasPending(): boolean;
  /**
   * Optional: asks the watcher to call `listener` whenever it may have gained something to deliver
   * (an event, a bookmark) or ended, so that a consumer of many watchers asks `hasPending` only of
   * those that signalled since it last polled them, rather than of all of them after every write.
   * Returns `true` if the watcher will do so, from the moment of the call on: then a watcher that
   * has not signalled since it was last polled in full has nothing pending and has not ended
   * (anything pending before the call is the caller's to check). Returns `false` if it cannot tell;
   * the consumer must keep asking `hasPending`. `undefined` removes the listener.
   *
   * The listener runs synchronously inside the store write, `stop` or progress notification that
   * caused it, possibly more than once per change and spuriously: it must only take note (mark the
   * stream), never call back into the store or a component. The store's watchers indexed by the
   * kind's trigger field (pods selected by `spec.nodeName`) signal; the others return `false`.
   * Upstream pushes events to each `cacheWatcher`'s channel, which is what a signal stands for.
   */
  notifyPending?(listener: (() => void) | undefined): boolean;
  /**
   * Ends the watch and releases what it held (its registration and its hold on history that
   * compaction would otherwise drop). Idempotent. A watcher that delivered an `ERROR` stops itself.
   */
  stop(): void;
  /** Whether the watch has ended (stopped, or failed with `ERROR`). */
  readonly stopped: boolean;
  /**
   * The revision of the last object or bookmark event delivered (or the start revision), as a
   * string: where a client resumes with a new watch after this one ends.
   */
  readonly resourceVersion: string;
}
