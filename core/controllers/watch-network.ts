/**
 * The watch side of the simulated network: it polls the API server's pull-based watch streams and
 * hands what it finds to the informers that opened them, which schedule the delivery to their
 * component after a latency drawn from their own random stream.
 *
 * Design (why polling is triggered, not periodic): a periodic poll per informer would cost
 * `informers × (1 / period)` events per virtual second even when nothing happens (thousands of
 * kubelet informers), and quantise every latency to the period. Instead, writes announce
 * themselves: every client the runtime uses is wrapped by `wrap`, which calls `notify(kind)` after
 * each successful write, and `notify` schedules one `watch-pump` event at the current instant
 * (coalescing all writes of that instant). The pump polls only the streams of the kinds written,
 * in registration order, so the cost of a write is proportional to the number of informers
 * watching its kind, and an idle cluster costs nothing. Writers that bypass the runtime's clients
 * (a scenario writing to the store, the API server's own internal writes, an API server crash that
 * stops every watch) call `notify()` themselves; `sweepIntervalMs` adds a periodic full poll as a
 * safety net for integrations that cannot.
 *
 * Cost: a write of kind K costs one `hasPending` per live stream of K. With a field or label
 * selector the store evaluates that stream's filter on each change it has not yet passed, so
 * 1,000 node-filtered pod informers (kubelets) add about 1,000 filter evaluations per pod write.
 * Upstream's watch cache avoids this with trigger indexes (pods by `spec.nodeName`); an index of
 * that kind belongs in the store's watchers, and this pump would then need a way to learn which
 * streams have news rather than asking each.
 *
 * Upstream there is no such object: watch events are pushed over HTTP/2 streams. The model keeps
 * the observable properties: each stream is delivered in order, exactly once, with a latency, and
 * a stream that breaks is seen to break only after the events sent before it.
 */
import { groupKindKey } from '../api/kinds.js';
import { parseApiVersion } from '../api/types.js';
import type { DeepReadonly, KubeObject } from '../api/types.js';
import type { ApiClient, BindingRequest, ClientDeleteOptions, EvictionRequest } from '../apiserver/api-client.js';
import { ConfigError } from '../errors.js';
import type { EventHandle } from '../sim/event-queue.js';
import type { SimPayload } from '../sim/simulation.js';
import type { ApiResult } from '../store/api-result.js';
import type { StorableObject } from '../store/storable-object.js';
import type { DeleteResult, KindRef, ListRequest, ListResult, ObjectRef, WatchRequest } from '../store/store.js';
import type { WatchEvent, Watcher } from '../store/watch-event.js';
import type { ActorSystem, HostActor } from './runtime-host.js';

/** What the network needs of an informer: where to hand polled events. */
export interface WatchSubscriber {
  /** Paused subscribers are skipped: their events stay in the stream until they resume. */
  readonly paused: boolean;
  /**
   * Takes the events polled from the subscriber's stream (in revision order, possibly none) and
   * whether the stream ended after them. Called from the network's pump event.
   */
  arrive(events: WatchEvent[], ended: boolean): void;
}

/** A registered stream; pass it back to `unregister`. */
export interface WatchRegistration {
  readonly kindKey: string;
  readonly watcher: Watcher;
}

interface Stream extends WatchRegistration {
  readonly subscriber: WatchSubscriber;
}

/** Construction options of a `WatchNetwork`. */
export interface WatchNetworkOptions {
  /** The simulation (its payload union must include `RuntimePayload`). */
  readonly sim: ActorSystem;
  /** The network's actor name; default `watch-network`. */
  readonly name?: string;
  /**
   * Poll every stream this often (virtual ms) in addition to the write-triggered polls, for writes
   * nobody announces. Default: never. A periodic sweep keeps the simulation from ever being quiet.
   */
  readonly sweepIntervalMs?: number;
}

const NO_EVENTS: WatchEvent[] = [];

/**
 * The watch network: one per simulation, shared by every component's informers. See the module
 * comment for the polling design.
 */
export class WatchNetwork {
  /** The network's actor: pumps are events on its queue. */
  readonly actor: HostActor;
  readonly #byKind = new Map<string, Set<Stream>>();
  readonly #dirtyKinds = new Set<string>();
  #allDirty = false;
  #pump: EventHandle | undefined = undefined;
  readonly #sweepIntervalMs: number | undefined;
  #pumps = 0;
  #polls = 0;

  constructor(options: WatchNetworkOptions) {
    const sweep = options.sweepIntervalMs;
    if (sweep !== undefined && (!Number.isSafeInteger(sweep) || sweep < 1)) {
      throw new ConfigError(`WatchNetwork: sweepIntervalMs must be a positive integer, got ${String(sweep)}`);
    }
    this.#sweepIntervalMs = sweep;
    this.actor = options.sim.addActor(options.name ?? 'watch-network', (payload) => this.#handle(payload));
    if (sweep !== undefined) this.actor.setTimer(sweep, { kind: 'watch-pump', sweep: true });
  }

  /** Live registered streams. */
  get streams(): number {
    let n = 0;
    for (const set of this.#byKind.values()) n += set.size;
    return n;
  }

  /** Counters for benchmarks: pump events handled and streams polled. */
  stats(): { readonly pumps: number; readonly polls: number; readonly streams: number } {
    return { pumps: this.#pumps, polls: this.#polls, streams: this.streams };
  }

  /** Registers an informer's watch stream for kind `kindKey` (`groupKindKey` form). */
  register(kindKey: string, watcher: Watcher, subscriber: WatchSubscriber): WatchRegistration {
    const stream: Stream = { kindKey, watcher, subscriber };
    let set = this.#byKind.get(kindKey);
    if (set === undefined) {
      set = new Set();
      this.#byKind.set(kindKey, set);
    }
    set.add(stream);
    return stream;
  }

  /** Stops polling a stream (the caller stops the watcher if it wants it stopped). */
  unregister(registration: WatchRegistration): void {
    this.#byKind.get(registration.kindKey)?.delete(registration as Stream);
  }

  /**
   * Announces that objects of `kindKey` (every kind when absent) may have changed, or that watch
   * streams may have ended: the streams of that kind are polled at the current instant, after the
   * events already due now.
   */
  notify(kindKey?: string): void {
    if (kindKey === undefined) this.#allDirty = true;
    else if (!this.#allDirty) this.#dirtyKinds.add(kindKey);
    if (this.#pump === undefined) this.#pump = this.actor.setTimer(0, { kind: 'watch-pump', sweep: false });
  }

  /**
   * A client that behaves like `client` and announces each successful write to this network. Every
   * component that writes should use a wrapped client, so that informers see the write.
   */
  wrap(client: ApiClient): ApiClient {
    return new NotifyingClient(client, this);
  }

  #handle(payload: SimPayload): void {
    if (payload.kind !== 'watch-pump') return;
    if ((payload as { readonly sweep?: boolean }).sweep === true) {
      this.#allDirty = true;
      this.actor.setTimer(this.#sweepIntervalMs as number, { kind: 'watch-pump', sweep: true });
      this.#run();
      return;
    }
    this.#pump = undefined;
    this.#run();
  }

  #run(): void {
    this.#pumps++;
    if (this.#allDirty) {
      this.#allDirty = false;
      this.#dirtyKinds.clear();
      for (const set of this.#byKind.values()) for (const s of set) this.#poll(set, s);
      return;
    }
    for (const kindKey of this.#dirtyKinds) {
      const set = this.#byKind.get(kindKey);
      if (set !== undefined) for (const s of set) this.#poll(set, s);
    }
    this.#dirtyKinds.clear();
  }

  #poll(set: Set<Stream>, stream: Stream): void {
    if (stream.subscriber.paused) return;
    this.#polls++;
    const w = stream.watcher;
    if (w.hasPending()) {
      const events = w.poll();
      const last = events[events.length - 1];
      // A watcher that delivered ERROR has stopped itself; a stopped one delivers nothing more.
      const ended = w.stopped || last?.type === 'ERROR';
      if (ended) set.delete(stream);
      stream.subscriber.arrive(events, ended);
    } else if (w.stopped) {
      set.delete(stream);
      stream.subscriber.arrive(NO_EVENTS, true);
    }
  }
}

/** The group/kind key a `KindRef` names. */
function kindKeyOfRef(ref: KindRef): string {
  if ('apiVersion' in ref && typeof ref.apiVersion === 'string') return groupKindKey(parseApiVersion(ref.apiVersion).group, ref.kind);
  return groupKindKey((ref as { readonly group: string }).group, ref.kind);
}

/** An `ApiClient` decorator that calls `network.notify(kind)` after every successful write. */
class NotifyingClient implements ApiClient {
  readonly #inner: ApiClient;
  readonly #network: WatchNetwork;

  constructor(inner: ApiClient, network: WatchNetwork) {
    this.#inner = inner;
    this.#network = network;
  }

  get userAgent(): string {
    return this.#inner.userAgent;
  }

  create<T extends StorableObject = KubeObject>(obj: StorableObject): ApiResult<DeepReadonly<T>> {
    return this.#after(this.#inner.create<T>(obj), obj);
  }

  get<T extends StorableObject = KubeObject>(ref: ObjectRef): ApiResult<DeepReadonly<T>> {
    return this.#inner.get<T>(ref);
  }

  list<T extends StorableObject = KubeObject>(req: ListRequest): ApiResult<ListResult<T>> {
    return this.#inner.list<T>(req);
  }

  update<T extends StorableObject = KubeObject>(obj: StorableObject): ApiResult<DeepReadonly<T>> {
    return this.#after(this.#inner.update<T>(obj), obj);
  }

  updateStatus<T extends StorableObject = KubeObject>(obj: StorableObject): ApiResult<DeepReadonly<T>> {
    return this.#after(this.#inner.updateStatus<T>(obj), obj);
  }

  patch<T extends StorableObject = KubeObject>(ref: ObjectRef, patch: unknown, opts?: { readonly subresource?: 'status' }): ApiResult<DeepReadonly<T>> {
    return this.#after(opts === undefined ? this.#inner.patch<T>(ref, patch) : this.#inner.patch<T>(ref, patch, opts), ref);
  }

  delete<T extends StorableObject = KubeObject>(ref: ObjectRef, opts?: ClientDeleteOptions): ApiResult<DeleteResult<T>> {
    return this.#after(opts === undefined ? this.#inner.delete<T>(ref) : this.#inner.delete<T>(ref, opts), ref);
  }

  bind(req: BindingRequest): ApiResult<void> {
    return this.#afterPod(this.#inner.bind(req));
  }

  evict(req: EvictionRequest): ApiResult<void> {
    return this.#afterPod(this.#inner.evict(req));
  }

  watch<T extends StorableObject = KubeObject>(req: WatchRequest): ApiResult<Watcher<T>> {
    return this.#inner.watch<T>(req);
  }

  #after<R extends { readonly ok: boolean }>(result: R, ref: KindRef): R {
    if (result.ok) this.#network.notify(kindKeyOfRef(ref));
    return result;
  }

  #afterPod<R extends { readonly ok: boolean }>(result: R): R {
    if (result.ok) this.#network.notify('Pod');
    return result;
  }
}
