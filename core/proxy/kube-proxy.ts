/**
 * kube-proxy of one node, as an actor (`kube-proxy/<node>`): it watches Services and
 * EndpointSlices with its own informers and keeps a routing table
 * `"<clusterIP>:<port>/<protocol>" → endpoints` (`service-routing.ts` says which endpoints).
 *
 * Sync cadence, as upstream's iptables proxier in v1.35 (`pkg/proxy/iptables/proxier.go` with
 * `pkg/proxy/runner/bounded_frequency_runner.go`; defaults from
 * `pkg/proxy/apis/config/v1alpha1/defaults.go`): changes are collected by the change trackers and
 * applied by a sync that runs at most once per `minSyncPeriod` (1 s by default; iptables mode is
 * still the default on Linux): a change after a quiet second syncs at once (after the events due
 * at the same instant, which it thereby batches), a change within a second of the last sync waits
 * for the second to pass. Nothing is synced before both informers have synced (upstream
 * `isInitialized`). The periodic full resync (`syncPeriod`, 30 s) is not modelled: it repairs rules
 * changed behind kube-proxy's back, which the model never does, so it would cost events and change
 * nothing.
 *
 * Faults: `stop` (the process dies; the kernel rules, i.e. the table, stay as they were),
 * `crash` (the node goes down: the rules are gone), `restart` (a new incarnation lists again and
 * rebuilds the table at its first sync).
 */
import type { DeepReadonly, EndpointSlice, Service } from '../api/types.js';
import { parseSelector, type Selector } from '../api/labels.js';
import type { ApiClient } from '../apiserver/api-client.js';
import type { IndexFunc } from '../controllers/indexer.js';
import { RuntimeHost, type DelayRange, type HostActor, type RuntimePayload } from '../controllers/runtime-host.js';
import { SharedInformer } from '../controllers/shared-informer.js';
import type { WatchNetwork } from '../controllers/watch-network.js';
import { assertNever, ConfigError } from '../errors.js';
import type { EventHandle } from '../sim/event-queue.js';
import type { SimPayload } from '../sim/simulation.js';
import type { TraceFields } from '../sim/trace.js';
import { LABEL_SERVICE_NAME, PROXY_LABEL_SELECTOR, serviceRoutes } from './service-routing.js';

/** kube-proxy's own events; each becomes the trace entry's kind when delivered. */
export type KubeProxyPayload =
  /** The incarnation boots. */
  | { readonly kind: 'kube-proxy-start' }
  /** The bounded-frequency runner fires a sync. */
  | { readonly kind: 'kube-proxy-sync' };

/** `PROXY_LABEL_SELECTOR` parsed, once for every kube-proxy (selectors are immutable). */
let proxySelector: Selector | undefined;

const PROXY_KINDS: ReadonlySet<string> = new Set<KubeProxyPayload['kind']>(['kube-proxy-start', 'kube-proxy-sync']);

/** Whether `payload` is one of kube-proxy's own payloads. */
export function isKubeProxyPayload(payload: SimPayload): payload is KubeProxyPayload {
  return PROXY_KINDS.has(payload.kind);
}

/** What kube-proxy needs of its actor: `Actor<P>` with `P ⊇ RuntimePayload | KubeProxyPayload`. */
export interface KubeProxyHostActor extends HostActor {
  setTimer(delayMs: number, payload: RuntimePayload | KubeProxyPayload): EventHandle;
}

/** What kube-proxy needs of the simulation: `Simulation<P>` with `P ⊇ RuntimePayload | KubeProxyPayload`. */
export interface KubeProxyActorSystem {
  addActor(name: string, handler: (payload: SimPayload) => void): KubeProxyHostActor;
  removeActor(name: string): void;
  record(actor: string, kind: string, fields?: TraceFields): void;
}

/** Upstream default `minSyncPeriod` of the iptables (and nftables) proxier. */
export const MIN_SYNC_PERIOD_DEFAULT_MS = 1000;

/** Construction options of a `KubeProxy`. */
export interface KubeProxyOptions {
  readonly sim: KubeProxyActorSystem;
  readonly network: WatchNetwork;
  /** kube-proxy's connection to the API server (read only). */
  readonly client: ApiClient;
  readonly nodeName: string;
  /** `minSyncPeriod`; default 1 s. */
  readonly minSyncPeriodMs?: number;
  /** Latency of the informers' deliveries (default: the informer's). */
  readonly informerLatencyMs?: DelayRange;
  /** How long the first incarnation takes to boot; default 0. */
  readonly startDelayMs?: number;
}

/** The routing table: `"<clusterIP>:<port>/<protocol>"` → endpoints (`ip:port`), sorted. */
export type RoutingTable = ReadonlyMap<string, readonly string[]>;

/** A read-only view of a map that cannot be changed through it (unlike a frozen `Map`). */
class FrozenMap<K, V> implements ReadonlyMap<K, V> {
  readonly #map: Map<K, V>;
  constructor(map: Map<K, V>) {
    this.#map = map;
    Object.freeze(this);
  }
  get size(): number {
    return this.#map.size;
  }
  get(key: K): V | undefined {
    return this.#map.get(key);
  }
  has(key: K): boolean {
    return this.#map.has(key);
  }
  forEach(fn: (value: V, key: K, map: ReadonlyMap<K, V>) => void): void {
    this.#map.forEach((v, k) => fn(v, k, this));
  }
  entries(): MapIterator<[K, V]> {
    return this.#map.entries();
  }
  keys(): MapIterator<K> {
    return this.#map.keys();
  }
  values(): MapIterator<V> {
    return this.#map.values();
  }
  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.#map[Symbol.iterator]();
  }
}

const EMPTY_TABLE: RoutingTable = new FrozenMap(new Map());

/** Index of EndpointSlices by the `namespace/name` of their Service. */
const indexByService: IndexFunc = (obj) => {
  const svc = obj.metadata.labels?.[LABEL_SERVICE_NAME];
  return svc === undefined || svc === '' ? [] : [`${obj.metadata.namespace ?? ''}/${svc}`];
};

/** The proxy's life: not started, running, stopped (process gone), crashed (node down). */
export type KubeProxyState = 'new' | 'running' | 'stopped' | 'crashed';

interface Incarnation {
  readonly number: number;
  readonly actor: KubeProxyHostActor;
  readonly host: RuntimeHost;
  services: SharedInformer<Service> | undefined;
  slices: SharedInformer<EndpointSlice> | undefined;
  sync: EventHandle | undefined;
  lastSyncMs: number;
}

/** kube-proxy of one node. See the module comment. */
export class KubeProxy {
  /** The actor name: `kube-proxy/<node>`. */
  readonly name: string;
  readonly nodeName: string;
  readonly minSyncPeriodMs: number;
  readonly #sim: KubeProxyActorSystem;
  readonly #network: WatchNetwork;
  readonly #client: ApiClient;
  readonly #latency: DelayRange | undefined;
  readonly #startDelayMs: number;
  #state: KubeProxyState = 'new';
  #incarnations = 0;
  #inc: Incarnation | undefined = undefined;
  /** Services whose routes must be recomputed at the next sync (`namespace/name`). */
  readonly #dirty = new Set<string>();
  /** The routes each service contributes, as of the last sync. */
  readonly #routes = new Map<string, ReadonlyMap<string, readonly string[]>>();
  /** The applied table, and its snapshot (rebuilt lazily after a sync changed it). */
  readonly #table = new Map<string, readonly string[]>();
  /** Which service each table entry belongs to, so a service giving up an IP cannot drop another's route. */
  readonly #owner = new Map<string, string>();
  #snapshot: RoutingTable | undefined = EMPTY_TABLE;
  #syncs = 0;
  #lastSyncMs: number | undefined = undefined;

  constructor(options: KubeProxyOptions) {
    if (options.nodeName === '') throw new ConfigError('KubeProxy: nodeName must not be empty');
    const min = options.minSyncPeriodMs ?? MIN_SYNC_PERIOD_DEFAULT_MS;
    if (!Number.isSafeInteger(min) || min < 0) throw new ConfigError(`KubeProxy ${options.nodeName}: invalid minSyncPeriodMs ${String(min)}`);
    const startDelay = options.startDelayMs ?? 0;
    if (!Number.isSafeInteger(startDelay) || startDelay < 0) throw new ConfigError(`KubeProxy ${options.nodeName}: invalid startDelayMs ${String(startDelay)}`);
    this.nodeName = options.nodeName;
    this.name = `kube-proxy/${options.nodeName}`;
    this.minSyncPeriodMs = min;
    this.#sim = options.sim;
    this.#network = options.network;
    this.#client = options.client;
    this.#latency = options.informerLatencyMs;
    this.#startDelayMs = startDelay;
  }

  /** Where the proxy is in its life. */
  get state(): KubeProxyState {
    return this.#state;
  }

  /** Syncs run so far, and the time of the last one. */
  get syncs(): number {
    return this.#syncs;
  }

  get lastSyncMs(): number | undefined {
    return this.#lastSyncMs;
  }

  /** The current incarnation's informers, for fault hooks. */
  get serviceInformer(): SharedInformer<Service> | undefined {
    return this.#inc?.services;
  }

  get endpointSliceInformer(): SharedInformer<EndpointSlice> | undefined {
    return this.#inc?.slices;
  }

  /**
   * The routing table as of the last sync: a read-only snapshot that later syncs do not change
   * (each sync that changes something makes a new one). Entries with no endpoints are services
   * whose traffic is rejected.
   */
  routingTable(): RoutingTable {
    if (this.#snapshot === undefined) {
      const keys = [...this.#table.keys()].sort();
      const copy = new Map<string, readonly string[]>();
      for (const k of keys) copy.set(k, this.#table.get(k) as readonly string[]);
      this.#snapshot = new FrozenMap(copy);
    }
    return this.#snapshot;
  }

  /** Starts the first incarnation. A no-op unless new. */
  start(): void {
    if (this.#state !== 'new') return;
    this.#boot(this.#startDelayMs);
  }

  /** The process stops: the table stays as it is (the kernel keeps the rules). A no-op unless running. */
  stop(): void {
    if (this.#state !== 'running') return;
    this.#teardown('kube-proxy-stop');
    this.#state = 'stopped';
  }

  /** The node goes down: the process and the rules are gone. */
  crash(): void {
    if (this.#state === 'running') this.#teardown('kube-proxy-crash');
    else if (this.#state !== 'stopped') return;
    this.#table.clear();
    this.#owner.clear();
    this.#routes.clear();
    this.#snapshot = undefined;
    this.#state = 'crashed';
  }

  /** A new incarnation after `stop` or `crash` (after `delayMs`): it lists again and resyncs everything. */
  restart(delayMs = 0): void {
    if (this.#state !== 'stopped' && this.#state !== 'crashed') return;
    this.#boot(delayMs);
  }

  #boot(delayMs: number): void {
    const number = ++this.#incarnations;
    const actor = this.#sim.addActor(this.name, (payload) => this.#handle(inc, payload));
    const inc: Incarnation = { number, actor, host: new RuntimeHost(actor), services: undefined, slices: undefined, sync: undefined, lastSyncMs: Number.NEGATIVE_INFINITY };
    this.#inc = inc;
    this.#state = 'running';
    actor.setTimer(delayMs, { kind: 'kube-proxy-start' });
  }

  #teardown(kind: string): void {
    const inc = this.#inc;
    if (inc === undefined) return;
    this.#inc = undefined;
    inc.services?.stop();
    inc.slices?.stop();
    this.#dirty.clear();
    this.#sim.record(this.name, kind, { incarnation: inc.number });
    this.#sim.removeActor(this.name);
  }

  #handle(inc: Incarnation, payload: SimPayload): void {
    if (this.#inc !== inc) return;
    if (inc.host.dispatch(payload)) return;
    if (!isKubeProxyPayload(payload)) return;
    switch (payload.kind) {
      case 'kube-proxy-start':
        this.#onStart(inc);
        return;
      case 'kube-proxy-sync':
        inc.sync = undefined;
        this.#sync(inc);
        return;
      default:
        assertNever(payload, 'kube-proxy payload');
    }
  }

  #onStart(inc: Incarnation): void {
    const rng = inc.actor.rng.fork(`incarnation-${inc.number}`);
    const labelSelector = (proxySelector ??= parseSelector(PROXY_LABEL_SELECTOR));
    const common = {
      host: inc.host,
      network: this.#network,
      client: this.#client,
      selection: { labelSelector },
      ...(this.#latency !== undefined ? { latencyMs: this.#latency } : {}),
    };
    const services = new SharedInformer<Service>({ ...common, kind: 'Service', rng: rng.fork('informer/Service') });
    const slices = new SharedInformer<EndpointSlice>({
      ...common,
      kind: 'discovery.k8s.io/EndpointSlice',
      indexers: { service: indexByService },
      rng: rng.fork('informer/EndpointSlice'),
    });
    inc.services = services;
    inc.slices = slices;
    const touchService = (svc: DeepReadonly<Service>): void => this.#changed(inc, `${svc.metadata?.namespace ?? ''}/${svc.metadata?.name ?? ''}`);
    const touchSlice = (slice: DeepReadonly<EndpointSlice>): void => {
      const svc = slice.metadata?.labels?.[LABEL_SERVICE_NAME];
      if (svc !== undefined && svc !== '') this.#changed(inc, `${slice.metadata?.namespace ?? ''}/${svc}`);
    };
    services.addEventHandler({ onAdd: touchService, onUpdate: (_o, n) => touchService(n), onDelete: touchService });
    slices.addEventHandler({
      onAdd: touchSlice,
      onUpdate: (o, n) => {
        touchSlice(o);
        touchSlice(n);
      },
      onDelete: touchSlice,
    });
    // A new incarnation rebuilds everything it knew, whatever the informers deliver.
    for (const key of this.#routes.keys()) this.#dirty.add(key);
    services.onSynced(() => this.#requestSync(inc));
    slices.onSynced(() => this.#requestSync(inc));
    services.start();
    slices.start();
  }

  #changed(inc: Incarnation, serviceKey: string): void {
    this.#dirty.add(serviceKey);
    this.#requestSync(inc);
  }

  /** Upstream `BoundedFrequencyRunner.Run`: a sync now, or once `minSyncPeriod` has passed since the last. */
  #requestSync(inc: Incarnation): void {
    if (inc.sync !== undefined) return;
    if (inc.services?.hasSynced !== true || inc.slices?.hasSynced !== true) return;
    const now = inc.actor.nowMs();
    const at = Math.max(now, inc.lastSyncMs + this.minSyncPeriodMs);
    inc.sync = inc.actor.setTimer(at - now, { kind: 'kube-proxy-sync' });
  }

  /** Upstream `syncProxyRules`, for the services that changed since the last sync. */
  #sync(inc: Incarnation): void {
    const services = inc.services;
    const slices = inc.slices;
    if (services === undefined || slices === undefined) return;
    const now = inc.actor.nowMs();
    inc.lastSyncMs = now;
    this.#lastSyncMs = now;
    this.#syncs++;
    const dirty = [...this.#dirty].sort();
    this.#dirty.clear();
    let changed = false;
    for (const key of dirty) {
      const old = this.#routes.get(key);
      const slash = key.indexOf('/');
      const svc = services.cache.get(key.slice(0, slash), key.slice(slash + 1));
      const next = svc === undefined ? undefined : serviceRoutes(svc, slices.cache.byIndex('service', key), this.nodeName);
      if (old !== undefined) {
        for (const route of old.keys()) {
          if ((next === undefined || !next.has(route)) && this.#owner.get(route) === key) {
            this.#table.delete(route);
            this.#owner.delete(route);
            changed = true;
          }
        }
      }
      if (next === undefined || next.size === 0) {
        this.#routes.delete(key);
        continue;
      }
      this.#routes.set(key, next);
      for (const [route, endpoints] of next) {
        const prev = this.#table.get(route);
        this.#owner.set(route, key);
        if (prev === undefined || !sameList(prev, endpoints)) {
          this.#table.set(route, endpoints);
          changed = true;
        }
      }
    }
    if (changed) this.#snapshot = undefined;
    inc.actor.trace('proxy-sync', { services: dirty.length, changed, routes: this.#table.size });
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
