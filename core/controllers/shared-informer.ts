/**
 * An informer: list-then-watch of one kind through an `ApiClient`, a local cache with indexes, and
 * event handlers, with every response reaching the component after a network latency. Upstream
 * `staging/src/k8s.io/client-go/tools/cache/` (`shared_informer.go` for handlers, sync and resync;
 * `reflector.go` for list, watch, resume and relist; `delta_fifo.go` `Replace` for what a relist
 * delivers).
 *
 * Life of an informer:
 * 1. `start` lists the kind (one synchronous API call) and opens a watch from the list's
 *    resourceVersion at once, so no change falls between them. The list response is delivered to
 *    the component after a drawn latency; the informer `hasSynced` once it has been processed.
 * 2. The `WatchNetwork` polls the watch and hands each batch to `arrive`, which schedules its
 *    delivery after a latency drawn from the informer's random stream. Arrival times never go
 *    backwards, so batches are processed in the order they were polled, and the cache is stale
 *    for exactly as long as the drawn latencies say: a read right after a write sees the old
 *    object until the write's event has been delivered.
 * 3. A watch that ends cleanly (the API server stopped it) is resumed from the last
 *    resourceVersion seen, as the reflector does; if that history has been compacted the new
 *    watch fails with `410 Expired` and the informer relists: it lists again and delivers the
 *    differences with its cache (adds, updates for objects whose resourceVersion changed, and
 *    deletes with `finalStateUnknown` for objects that vanished, upstream's
 *    `DeletedFinalStateUnknown`). Other failures are retried after the reflector's back-off
 *    (800 ms doubling to 30 s, with jitter).
 *
 * Parity notes: on relist, upstream also emits updates for unchanged objects, but marks them as
 * resync events, which reach only handlers whose resync period is due; so handlers without a due
 * resync see exactly the differences, which is what is modelled. Handlers run synchronously in
 * registration order, where upstream gives each its own goroutine and buffer.
 */
import { groupKindKey } from '../api/kinds.js';
import { objectKey, type DeepReadonly, type KubeObject } from '../api/types.js';
import type { ApiClient } from '../apiserver/api-client.js';
import { ConfigError, PluginError, assertNever } from '../errors.js';
import type { EventHandle } from '../sim/event-queue.js';
import type { Rng } from '../sim/rng.js';
import { isGone, isResourceExpired, type ApiError } from '../store/api-error.js';
import type { SelectionOptions } from '../store/object-filter.js';
import type { WatchEvent } from '../store/watch-event.js';
import { Indexer, type IndexFunc } from './indexer.js';
import { parseKindKey, type GroupKindRef } from './kind-key.js';
import { checkDelayRange, drawDelay, type DelayRange, type RuntimeHost, type RuntimePayload, type RuntimeReceiver } from './runtime-host.js';
import type { WatchNetwork, WatchRegistration, WatchSubscriber } from './watch-network.js';

/**
 * Upstream `ResourceEventHandler`. Every method is optional. Objects are deeply frozen and shared
 * with the cache: never mutate them (spread to build a write).
 */
export interface InformerHandler<T extends object = KubeObject> {
  /**
   * An object appeared; `isInInitialList` when it came with the first list (or a late handler's
   * replay). `key` is the object's cache key (`namespace/name`, or `name` when it has no
   * namespace), the string the cache holds: passing it on spares building and hashing it again.
   */
  onAdd?(obj: DeepReadonly<T>, isInInitialList: boolean, key: string): void;
  /** An object changed (or, on resync, `oldObj === newObj`); `key` as for `onAdd`. */
  onUpdate?(oldObj: DeepReadonly<T>, newObj: DeepReadonly<T>, key: string): void;
  /**
   * An object was deleted. `finalStateUnknown`: the deletion was inferred by a relist, and `obj`
   * is the last state the cache knew (upstream `DeletedFinalStateUnknown`); `key` as for `onAdd`.
   */
  onDelete?(obj: DeepReadonly<T>, finalStateUnknown: boolean, key: string): void;
}

/** Upstream reflector back-off: 800 ms initial. */
export const INFORMER_BACKOFF_INITIAL_MS = 800;
/** Upstream reflector back-off cap: 30 s. */
export const INFORMER_BACKOFF_MAX_MS = 30_000;
/** Default watch delivery latency, drawn per delivered batch. */
export const INFORMER_LATENCY_DEFAULT: DelayRange = Object.freeze({ minMs: 1, maxMs: 10 });

/** Construction options of a `SharedInformer`. */
export interface SharedInformerOptions {
  /** The component it lives in: deliveries and timers are events on that actor. */
  readonly host: RuntimeHost;
  readonly network: WatchNetwork;
  /** The component's client (ideally `network.wrap`ped, though the informer only reads). */
  readonly client: ApiClient;
  /** The kind, as `group/Kind` or `Kind` for the core group (`apps/ReplicaSet`, `Pod`). */
  readonly kind: string;
  /** Namespace, label and field selection applied to the list and the watch (upstream `ListOptions`). */
  readonly selection?: SelectionOptions;
  /** Delivery latency of each list response and watch batch; default `INFORMER_LATENCY_DEFAULT`. */
  readonly latencyMs?: DelayRange;
  /** Custom indexes (the `namespace` index is built in). */
  readonly indexers?: Readonly<Record<string, IndexFunc>>;
  /** Upstream resync period: every so often, every cached object is re-delivered as an update. */
  readonly resyncPeriodMs?: number;
  /** The informer's random stream; default `host.actor.rng.fork('informer/<kind>')`. */
  readonly rng?: Rng;
  /** Where handler failures go; default: a trace entry on the host. */
  readonly onError?: (error: PluginError) => void;
}

/** What an `informer-retry` timer retries. */
const RETRY_LIST = 0;
const RETRY_WATCH = 1;

/** Counters, for tests and benchmarks. */
export interface InformerStats {
  readonly lists: number;
  readonly watches: number;
  readonly relists: number;
  readonly batches: number;
  readonly events: number;
}

/**
 * A shared informer for one kind within one component incarnation. See the module comment.
 * `T` is the object type handlers and the cache see.
 */
export class SharedInformer<T extends object = KubeObject> implements RuntimeReceiver, WatchSubscriber {
  /** The kind key, e.g. `apps/ReplicaSet`. */
  readonly kindKey: string;
  /** The cache: read it, never write it. */
  readonly cache: Indexer<T>;
  readonly #gk: GroupKindRef;
  readonly #host: RuntimeHost;
  readonly #network: WatchNetwork;
  readonly #client: ApiClient;
  readonly #selection: SelectionOptions;
  readonly #latency: DelayRange;
  readonly #resyncPeriodMs: number | undefined;
  readonly #rng: Rng;
  readonly #onError: ((error: PluginError) => void) | undefined;
  readonly #id: number;
  readonly #handlers: InformerHandler<T>[] = [];
  readonly #syncListeners: (() => void)[] = [];
  #started = false;
  #stopped = false;
  #synced = false;
  #paused = false;
  /** The last resourceVersion processed (list, object event or bookmark). */
  #lastRv = '';
  /**
   * Where the next watch starts: the list's resourceVersion right after a list (whose response
   * may still be in flight), else the last one processed.
   */
  #watchFromRv = '';
  /** The arrival time of the last scheduled delivery: later deliveries never arrive before it. */
  #lastArrivalMs = 0;
  #registration: WatchRegistration | undefined = undefined;
  #backoffMs = INFORMER_BACKOFF_INITIAL_MS;
  #retry: EventHandle | undefined = undefined;
  #resync: EventHandle | undefined = undefined;
  #lists = 0;
  #watches = 0;
  #relists = 0;
  #batches = 0;
  #events = 0;

  constructor(options: SharedInformerOptions) {
    this.#gk = parseKindKey(options.kind);
    this.kindKey = groupKindKey(this.#gk.group, this.#gk.kind);
    this.#host = options.host;
    this.#network = options.network;
    this.#client = options.client;
    this.#selection = options.selection ?? {};
    this.#latency = checkDelayRange(options.latencyMs ?? INFORMER_LATENCY_DEFAULT, `informer ${this.kindKey} latencyMs`);
    const resync = options.resyncPeriodMs;
    if (resync !== undefined && (!Number.isSafeInteger(resync) || resync < 1)) {
      throw new ConfigError(`informer ${this.kindKey}: resyncPeriodMs must be a positive integer, got ${String(resync)}`);
    }
    this.#resyncPeriodMs = resync;
    this.#rng = options.rng ?? options.host.actor.rng.fork(`informer/${this.kindKey}`);
    this.#onError = options.onError;
    this.cache = new Indexer<T>(options.indexers ?? {}, (error) => this.#handlerFailed('IndexFunc', error));
    this.#id = options.host.register(this);
  }

  /** Upstream `HasSynced`: the first list has been delivered and processed. */
  get hasSynced(): boolean {
    return this.#synced;
  }

  /** Upstream `LastSyncResourceVersion`: the last resourceVersion processed. */
  get lastSyncResourceVersion(): string {
    return this.#lastRv;
  }

  /** Whether the informer is paused (see `pause`). */
  get paused(): boolean {
    return this.#paused;
  }

  /** Whether `stop` was called. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** Counters, for tests and benchmarks. */
  stats(): InformerStats {
    return { lists: this.#lists, watches: this.#watches, relists: this.#relists, batches: this.#batches, events: this.#events };
  }

  /**
   * Upstream `AddEventHandler`. A handler added after objects are cached first receives an add
   * for each of them (key order, `isInInitialList: true`), as upstream replays the cache.
   */
  addEventHandler(handler: InformerHandler<T>): void {
    this.#handlers.push(handler);
    if (this.cache.size === 0 || handler.onAdd === undefined) return;
    for (const key of this.cache.keys()) {
      try {
        handler.onAdd(this.cache.getByKey(key) as DeepReadonly<T>, true, key);
      } catch (cause) {
        this.#handlerFailed('onAdd', cause);
      }
    }
  }

  /** Upstream `RemoveEventHandler`. */
  removeEventHandler(handler: InformerHandler<T>): void {
    const i = this.#handlers.indexOf(handler);
    if (i >= 0) this.#handlers.splice(i, 1);
  }

  /** Calls `listener` once, when the informer has synced (at once if it already has). */
  onSynced(listener: () => void): void {
    if (this.#synced) listener();
    else this.#syncListeners.push(listener);
  }

  /** Starts listing and watching. Idempotent; a stopped informer cannot be restarted. */
  start(): void {
    if (this.#started || this.#stopped) return;
    this.#started = true;
    this.#listAndWatch();
  }

  /**
   * Stops everything: the watch, timers, and deliveries still in flight (they are ignored on
   * arrival). The cache keeps its content, frozen, for whoever still holds the informer.
   */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#closeWatch();
    if (this.#retry !== undefined) this.#host.cancelTimer(this.#retry);
    if (this.#resync !== undefined) this.#host.cancelTimer(this.#resync);
    this.#retry = undefined;
    this.#resync = undefined;
    this.#host.unregister(this.#id);
  }

  /**
   * Fault hook (Sieve's unobserved state): stop taking events from the watch. Events written
   * meanwhile stay in the stream, and deliveries already under way still arrive.
   */
  pause(): void {
    this.#paused = true;
  }

  /** Ends a `pause`: everything held back is polled at once and delivered with fresh latencies. */
  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#network.notify(this.kindKey);
  }

  /**
   * Fault hook: the watch connection breaks now. Events already polled still arrive; then the
   * informer resumes from its last resourceVersion (and relists if that is compacted).
   */
  interruptWatch(): void {
    const reg = this.#registration;
    if (reg === undefined) return;
    reg.watcher.stop();
    this.#network.notify(this.kindKey);
  }

  /** Called by the network with polled events: schedules their delivery after a drawn latency. */
  arrive(events: WatchEvent[], ended: boolean): void {
    if (this.#stopped) return;
    // A host removed without stopping its informers (a caller's bug) must not take the network down.
    if (!this.#host.actor.alive) {
      this.stop();
      return;
    }
    if (ended) this.#registration = undefined;
    this.#deliver({ kind: 'informer-events', target: this.#id, events, ended });
  }

  /** Runtime events addressed to this informer. */
  receive(payload: RuntimePayload): void {
    if (this.#stopped) return;
    switch (payload.kind) {
      case 'informer-list':
        this.#replace(payload.items as readonly DeepReadonly<T>[], payload.resourceVersion);
        return;
      case 'informer-events':
        this.#processEvents(payload.events, payload.ended);
        return;
      case 'informer-retry':
        this.#retry = undefined;
        if (payload.arg === RETRY_WATCH) this.#openWatch(this.#watchFromRv);
        else this.#listAndWatch();
        return;
      case 'informer-resync':
        this.#resync = undefined;
        this.#resyncAll();
        return;
      default:
        return;
    }
  }

  // --- list and watch -------------------------------------------------------------------------

  #listAndWatch(): void {
    this.#closeWatch();
    this.#lists++;
    const res = this.#client.list<KubeObject>({ group: this.#gk.group, kind: this.#gk.kind, ...this.#selection });
    if (!res.ok) {
      this.#traceError('informer-list-failed', res.error);
      this.#retryAfterBackoff(RETRY_LIST);
      return;
    }
    this.#backoffMs = INFORMER_BACKOFF_INITIAL_MS;
    const { items, resourceVersion } = res.value;
    this.#deliver({ kind: 'informer-list', target: this.#id, items, resourceVersion });
    this.#openWatch(resourceVersion);
  }

  #openWatch(resourceVersion: string): void {
    this.#watchFromRv = resourceVersion;
    this.#watches++;
    const res = this.#client.watch({ group: this.#gk.group, kind: this.#gk.kind, ...this.#selection, resourceVersion, allowBookmarks: true });
    if (!res.ok) {
      this.#traceError('informer-watch-failed', res.error);
      this.#retryAfterBackoff(RETRY_WATCH);
      return;
    }
    this.#backoffMs = INFORMER_BACKOFF_INITIAL_MS;
    this.#registration = this.#network.register(this.kindKey, res.value, this);
    // A watch that failed at start holds its ERROR already; have it polled now.
    if (res.value.hasPending()) this.#network.notify(this.kindKey);
  }

  #closeWatch(): void {
    const reg = this.#registration;
    if (reg === undefined) return;
    this.#registration = undefined;
    this.#network.unregister(reg);
    reg.watcher.stop();
  }

  /** Upstream wait.Backoff with factor 2 and jitter 1.0: a delay in [d, 2d), d doubling to the cap. */
  #retryAfterBackoff(what: number): void {
    const base = this.#backoffMs;
    const delay = base + this.#rng.int(0, base - 1);
    this.#backoffMs = Math.min(base * 2, INFORMER_BACKOFF_MAX_MS);
    this.#retry = this.#host.setTimer(delay, 'informer-retry', this.#id, what);
  }

  /** Schedules a response's delivery: latency drawn now, never before the previous delivery. */
  #deliver(payload: RuntimePayload): void {
    const now = this.#host.nowMs();
    let at = now + drawDelay(this.#rng, this.#latency);
    if (at < this.#lastArrivalMs) at = this.#lastArrivalMs;
    this.#lastArrivalMs = at;
    this.#host.schedule(at - now, payload);
  }

  // --- processing -----------------------------------------------------------------------------

  #processEvents(events: readonly WatchEvent[], ended: boolean): void {
    this.#batches++;
    let failed: ApiError | undefined;
    for (const ev of events) {
      switch (ev.type) {
        case 'ADDED':
        case 'MODIFIED':
          this.#events++;
          this.#lastRv = ev.object.metadata.resourceVersion ?? this.#lastRv;
          this.#upsert(ev.object as unknown as DeepReadonly<T>);
          break;
        case 'DELETED':
          this.#events++;
          this.#lastRv = ev.object.metadata.resourceVersion ?? this.#lastRv;
          this.#removeObserved(ev.object as unknown as DeepReadonly<T>);
          break;
        case 'BOOKMARK':
          this.#lastRv = ev.object.metadata.resourceVersion;
          break;
        case 'ERROR':
          failed = ev.error;
          break;
        default:
          assertNever(ev, 'watch event');
      }
    }
    if (!ended) return;
    if (failed !== undefined) {
      this.#traceError('informer-watch-error', failed);
      if (isResourceExpired(failed) || isGone(failed)) {
        // The history the watch needed is gone: only a fresh list can catch up.
        this.#relists++;
        this.#host.actor.trace('informer-relist', { informer: this.kindKey, rv: this.#lastRv });
        this.#listAndWatch();
      } else {
        this.#retryAfterBackoff(RETRY_LIST);
      }
      return;
    }
    this.#host.actor.trace('informer-rewatch', { informer: this.kindKey, rv: this.#lastRv });
    this.#openWatch(this.#lastRv);
  }

  #upsert(obj: DeepReadonly<T>): void {
    const old = this.cache.upsert(obj);
    const key = this.cache.lastKey as string;
    if (old === undefined) this.#notifyAdd(obj, false, key);
    else this.#notifyUpdate(old, obj, key);
  }

  /**
   * A watched deletion: handlers get the object the DELETED event carries (its last state, at the
   * deletion's resourceVersion), as upstream's `Deleted` delta does.
   */
  #removeObserved(obj: DeepReadonly<T>): void {
    this.cache.remove(obj);
    this.#notifyDelete(obj, false, this.cache.lastKey ?? objectKey(obj as KeyedObject));
  }

  /** A deletion inferred by a relist: handlers get the last state the cache knew. */
  #removeInferred(key: string): void {
    const old = this.cache.delete(key);
    if (old !== undefined) this.#notifyDelete(old, true, key);
  }

  // Handlers are called in plain loops rather than through a generic helper taking a closure: this
  // runs for every event of every informer, and a closure per call is measurable at 30,000 pods.
  #notifyAdd(obj: DeepReadonly<T>, initial: boolean, key: string): void {
    for (const h of this.#handlers) {
      if (h.onAdd === undefined) continue;
      try {
        h.onAdd(obj, initial, key);
      } catch (cause) {
        this.#handlerFailed('onAdd', cause);
      }
    }
  }

  #notifyUpdate(old: DeepReadonly<T>, obj: DeepReadonly<T>, key: string): void {
    for (const h of this.#handlers) {
      if (h.onUpdate === undefined) continue;
      try {
        h.onUpdate(old, obj, key);
      } catch (cause) {
        this.#handlerFailed('onUpdate', cause);
      }
    }
  }

  #notifyDelete(old: DeepReadonly<T>, finalStateUnknown: boolean, key: string): void {
    for (const h of this.#handlers) {
      if (h.onDelete === undefined) continue;
      try {
        h.onDelete(old, finalStateUnknown, key);
      } catch (cause) {
        this.#handlerFailed('onDelete', cause);
      }
    }
  }

  /** Upstream `Replace` then `processDeltas`: deliver the differences between a list and the cache. */
  #replace(items: readonly DeepReadonly<T>[], resourceVersion: string): void {
    const initial = !this.#synced;
    const listed = new Set<string>();
    for (const obj of items) {
      const key = objectKey(obj as KeyedObject);
      listed.add(key);
      const old = this.cache.getByKey(key);
      if (old !== undefined && rvOf(old) === rvOf(obj)) continue;
      this.cache.set(key, obj);
      // The key the cache holds (for an update, the entry's own string rather than the one built here).
      const cached = this.cache.lastKey as string;
      if (old === undefined) this.#notifyAdd(obj, initial, cached);
      else this.#notifyUpdate(old, obj, cached);
    }
    if (this.cache.size > listed.size) {
      for (const key of this.cache.keys()) if (!listed.has(key)) this.#removeInferred(key);
    }
    this.#lastRv = resourceVersion;
    if (!this.#synced) {
      this.#synced = true;
      if (this.#resyncPeriodMs !== undefined) this.#resync = this.#host.setTimer(this.#resyncPeriodMs, 'informer-resync', this.#id);
      const listeners = this.#syncListeners.splice(0);
      for (const l of listeners) l();
    }
  }

  #resyncAll(): void {
    for (const key of this.cache.keys()) {
      const obj = this.cache.getByKey(key) as DeepReadonly<T>;
      this.#notifyUpdate(obj, obj, key);
    }
    if (this.#resyncPeriodMs !== undefined) this.#resync = this.#host.setTimer(this.#resyncPeriodMs, 'informer-resync', this.#id);
  }

  #handlerFailed(method: string, cause: unknown): void {
    const err = cause instanceof PluginError ? cause : new PluginError(`informer/${this.kindKey}`, method, `event handler threw: ${String(cause)}`, { cause });
    if (this.#onError !== undefined) this.#onError(err);
    else this.#host.actor.trace('plugin-error', { plugin: err.plugin, point: err.extensionPoint, message: err.message });
  }

  #traceError(kind: string, error: ApiError): void {
    this.#host.actor.trace(kind, { informer: this.kindKey, code: error.code, reason: error.reason });
  }
}

type KeyedObject = { metadata?: { namespace?: string; name?: string } };

function rvOf(obj: object): string | undefined {
  return (obj as { readonly metadata?: { readonly resourceVersion?: string } }).metadata?.resourceVersion;
}
