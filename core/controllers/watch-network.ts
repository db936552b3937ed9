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
 * Cost: a pump for kind K asks `hasPending` of every stream of K whose watcher cannot signal news,
 * and of the signalling streams only if they signalled since their last poll. The store's watchers
 * selected on the kind's trigger field (a kubelet's pods, `spec.nodeName=<node>`) are handed only
 * the changes of their own value and signal when handed one (`Watcher.notifyPending`), so a pod
 * write costs the kubelet of its node, not every kubelet, as upstream's watch cache dispatches an
 * event to the watchers of its trigger values only. Polling is in registration order either way,
 * so deliveries are scheduled in the same order whichever streams were asked.
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
  /** Registration order: streams of a kind are polled in it. */
  readonly seq: number;
  /** Whether the watcher signals news (then it is polled only after a signal); set at registration. */
  signals: boolean;
}

/** The streams of one kind. */
interface KindStreams {
  /** Every registered stream, in registration order. */
  readonly all: Set<Stream>;
  /** The streams that cannot signal: polled whenever the kind is, in registration order. */
  readonly unsignalled: Set<Stream>;
  /** Signalling streams that signalled since they were last polled (in signal order). */
  readonly signalled: Set<Stream>;
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
  readonly #byKind = new Map<string, KindStreams>();
  readonly #dirtyKinds = new Set<string>();
  #allDirty = false;
  #pump: EventHandle | undefined = undefined;
  readonly #sweepIntervalMs: number | undefined;
  #pumps = 0;
  #polls = 0;
  #streamSeq = 0;

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
    for (const k of this.#byKind.values()) n += k.all.size;
    return n;
  }

  /** Counters for benchmarks: pump events handled and streams polled. */
  stats(): { readonly pumps: number; readonly polls: number; readonly streams: number } {
    return { pumps: this.#pumps, polls: this.#polls, streams: this.streams };
  }

  /** Registers an informer's watch stream for kind `kindKey` (`groupKindKey` form). */
  register(kindKey: string, watcher: Watcher, subscriber: WatchSubscriber): WatchRegistration {
    let streams = this.#byKind.get(kindKey);
    if (streams === undefined) {
      streams = { all: new Set(), unsignalled: new Set(), signalled: new Set() };
      this.#byKind.set(kindKey, streams);
    }
    const kind = streams;
    const stream: Stream = { kindKey, watcher, subscriber, seq: ++this.#streamSeq, signals: false };
    stream.signals = watcher.notifyPending?.(() => kind.signalled.add(stream)) ?? false;
    kind.all.add(stream);
    // What was pending before the listener was set (an opening list, a failed watch's ERROR) is
    // found by the first poll, as for a stream that cannot signal.
    if (stream.signals) kind.signalled.add(stream);
    else kind.unsignalled.add(stream);
    return stream;
  }

  /** Stops polling a stream (the caller stops the watcher if it wants it stopped). */
  unregister(registration: WatchRegistration): void {
    const stream = registration as Stream;
    const kind = this.#byKind.get(stream.kindKey);
    if (kind === undefined || !kind.all.delete(stream)) return;
    if (stream.signals) {
      stream.watcher.notifyPending?.(undefined);
      kind.signalled.delete(stream);
    } else {
      kind.unsignalled.delete(stream);
    }
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
      for (const kind of this.#byKind.values()) for (const s of kind.all) this.#poll(kind, s);
      return;
    }
    for (const kindKey of this.#dirtyKinds) {
      const kind = this.#byKind.get(kindKey);
      if (kind !== undefined) this.#pollKind(kind);
    }
    this.#dirtyKinds.clear();
  }

  /**
   * Polls the streams of a kind that may have news: those that cannot signal, and those that
   * signalled; merged in registration order, which is the order in which polling every stream
   * would meet them.
   */
  #pollKind(kind: KindStreams): void {
    if (kind.signalled.size === 0) {
      for (const s of kind.unsignalled) this.#poll(kind, s);
      return;
    }
    const signalled = [...kind.signalled].sort((a, b) => a.seq - b.seq);
    let i = 0;
    for (const s of kind.unsignalled) {
      while (i < signalled.length && (signalled[i] as Stream).seq < s.seq) this.#poll(kind, signalled[i++] as Stream);
      this.#poll(kind, s);
    }
    while (i < signalled.length) this.#poll(kind, signalled[i++] as Stream);
  }

  #poll(kind: KindStreams, stream: Stream): void {
    // A subscriber may stop (and unregister) streams while an earlier one of the same pump arrives.
    if (!kind.all.has(stream)) return;
    // A paused stream keeps its signal, so it is polled again once it resumes.
    if (stream.subscriber.paused) return;
    if (stream.signals) kind.signalled.delete(stream);
    this.#polls++;
    const w = stream.watcher;
    if (w.hasPending()) {
      const events = w.poll();
      const last = events[events.length - 1];
      // A watcher that delivered ERROR has stopped itself; a stopped one delivers nothing more.
      const ended = w.stopped || last?.type === 'ERROR';
      if (ended) this.unregister(stream);
      stream.subscriber.arrive(events, ended);
    } else if (w.stopped) {
      this.unregister(stream);
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
