/**
 * A controller manager replica (`kube-controller-manager-0`, ...): one actor hosting several
 * controllers over shared informers, started only while it holds the leader lease. Upstream
 * `cmd/kube-controller-manager/app/controllermanager.go` (leader election around `Run`, shared
 * informer factory started after the controllers are built, exit on lost leadership) and
 * controller-runtime's `pkg/manager` (controllers over one cache, a cached client for reads).
 *
 * Incarnations: `start` registers the actor; `crash` removes it, dropping everything (caches,
 * queues, timers, deliveries in flight); `restart` registers a fresh incarnation whose random
 * streams are forked with the incarnation number, so a restarted replica does not replay its
 * predecessor's choices, and whose leader election identity is new, so it must wait for the old
 * lease to expire like any other candidate. Losing the lease ends the incarnation, as upstream
 * kube-controller-manager exits on `leaderelection lost` and is restarted by its kubelet.
 */
import { builtinKind, groupKindKey } from '../api/kinds.js';
import type { DeepReadonly, KubeObject } from '../api/types.js';
import type { ApiClient, ClientDeleteOptions } from '../apiserver/api-client.js';
import { ConfigError } from '../errors.js';
import type { Rng } from '../sim/rng.js';
import { notFound, serviceUnavailable } from '../store/api-error.js';
import { apiErr, apiOk, type ApiResult } from '../store/api-result.js';
import { compileObjectFilter } from '../store/object-filter.js';
import type { StorableObject } from '../store/storable-object.js';
import type { DeleteResult, ObjectRef } from '../store/store.js';
import { Controller, emptyReconcileCounts, type ControllerReport, type ReconcileCounts } from './controller.js';
import type { IndexFunc } from './indexer.js';
import { parseKindKey } from './kind-key.js';
import { LeaderElector, type LeaderElectionTiming } from './leader-elector.js';
import { defineController, type CacheListOptions, type ControllerClient, type ControllerDefinition } from './reconciler.js';
import { RuntimeHost, type ActorSystem, type DelayRange, type RuntimePayload, type RuntimeReceiver } from './runtime-host.js';
import { SharedInformer } from './shared-informer.js';
import type { WatchNetwork } from './watch-network.js';

/** Leader election of a controller manager: the lease and its timing. */
export interface ManagerLeaderElection extends LeaderElectionTiming {
  /** Default `kube-controller-manager`. */
  readonly leaseName?: string;
  /** Default `kube-system`. */
  readonly leaseNamespace?: string;
}

/** Construction options of a `ControllerManager`. */
export interface ControllerManagerOptions {
  /** The simulation (its payload union must include `RuntimePayload`). */
  readonly sim: ActorSystem;
  readonly network: WatchNetwork;
  /** The actor name, e.g. `kube-controller-manager-0`. */
  readonly name: string;
  /** This replica's connection to the API server; the manager wraps it to announce its writes. */
  readonly client: ApiClient;
  readonly controllers: readonly ControllerDefinition[];
  /** Leader election (default: on, lease `kube-system/kube-controller-manager`); `false` to always lead. */
  readonly leaderElection?: ManagerLeaderElection | false;
  /** Watch delivery latency of every informer (see `SharedInformerOptions.latencyMs`). */
  readonly informerLatencyMs?: DelayRange;
  /** Informer resync period; default none. */
  readonly resyncPeriodMs?: number;
  /** How long an incarnation takes to boot before it acts; default 0. */
  readonly startDelayMs?: number;
  /**
   * After losing the lease the process exits and its kubelet restarts it: how long until the new
   * incarnation boots. Default 10 s (the kubelet's initial crash back-off).
   */
  readonly restartAfterLostLeaseMs?: number;
  /** How many reports (plugin errors, terminal results) to keep; default 1000. */
  readonly reportsMax?: number;
}

interface Incarnation {
  readonly number: number;
  readonly host: RuntimeHost;
  readonly rng: Rng;
  readonly identity: string;
  readonly informers: Map<string, SharedInformer>;
  readonly controllers: Controller[];
  elector: LeaderElector | undefined;
  /** Whether the controllers and informers have been started (this incarnation leads). */
  leading: boolean;
}

const START = 0;

/** A controller manager replica. See the module comment. */
export class ControllerManager {
  /** The actor name (`kube-controller-manager-0`). */
  readonly name: string;
  readonly #sim: ActorSystem;
  readonly #network: WatchNetwork;
  readonly #client: ApiClient;
  readonly #definitions: readonly ControllerDefinition[];
  readonly #indexers: ReadonlyMap<string, Readonly<Record<string, IndexFunc>>>;
  readonly #leaderElection: ManagerLeaderElection | undefined;
  readonly #latency: DelayRange | undefined;
  readonly #resyncPeriodMs: number | undefined;
  readonly #startDelayMs: number;
  readonly #restartAfterLostLeaseMs: number;
  readonly #reportsMax: number;
  readonly #counts = new Map<string, ReconcileCounts>();
  readonly #reports: ControllerReport[] = [];
  #reportsDropped = 0;
  #incarnations = 0;
  #inc: Incarnation | undefined = undefined;

  constructor(options: ControllerManagerOptions) {
    if (options.name === '') throw new ConfigError('ControllerManager: name must not be empty');
    this.name = options.name;
    this.#sim = options.sim;
    this.#network = options.network;
    this.#client = options.network.wrap(options.client);
    this.#definitions = options.controllers.map((d) => defineController(d));
    const names = new Set<string>();
    for (const d of this.#definitions) {
      if (names.has(d.name)) throw new ConfigError(`ControllerManager ${this.name}: two controllers are named ${d.name}`);
      names.add(d.name);
      this.#counts.set(d.name, emptyReconcileCounts());
    }
    this.#indexers = mergeIndexers(this.#definitions);
    this.#leaderElection = options.leaderElection === false ? undefined : (options.leaderElection ?? {});
    this.#latency = options.informerLatencyMs;
    this.#resyncPeriodMs = options.resyncPeriodMs;
    this.#startDelayMs = checkDelay(options.startDelayMs ?? 0, 'startDelayMs');
    this.#restartAfterLostLeaseMs = checkDelay(options.restartAfterLostLeaseMs ?? 10_000, 'restartAfterLostLeaseMs');
    const reportsMax = options.reportsMax ?? 1000;
    if (!Number.isSafeInteger(reportsMax) || reportsMax < 1) throw new ConfigError(`ControllerManager: reportsMax must be a positive integer, got ${String(reportsMax)}`);
    this.#reportsMax = reportsMax;
  }

  /** The current incarnation's number (1 for the first); 0 before `start`. */
  get incarnation(): number {
    return this.#incarnations;
  }

  /** Whether an incarnation is running (started and not crashed). */
  get running(): boolean {
    return this.#inc !== undefined;
  }

  /** The current incarnation's leader election identity (`<name>_<incarnation>`). */
  get identity(): string | undefined {
    return this.#inc?.identity;
  }

  /** Whether this replica currently runs its controllers (it holds the lease, or elects itself). */
  get leading(): boolean {
    return this.#inc?.leading ?? false;
  }

  /** The lease holder this replica last observed (`''` if none, `undefined` without leader election). */
  get observedLeader(): string | undefined {
    return this.#inc?.elector?.leader;
  }

  /** The current incarnation's leader elector, for inspection. */
  get elector(): LeaderElector | undefined {
    return this.#inc?.elector;
  }

  /** Reports kept (oldest first): plugin errors and terminal results, over every incarnation. */
  get reports(): readonly ControllerReport[] {
    return this.#reports;
  }

  /** How many reports were dropped because more than `reportsMax` were made. */
  get reportsDropped(): number {
    return this.#reportsDropped;
  }

  /** Reconcile counts of a controller, over every incarnation. */
  counts(controller: string): ReconcileCounts {
    const c = this.#counts.get(controller);
    if (c === undefined) throw new ConfigError(`ControllerManager ${this.name}: no controller named ${controller}`);
    return { ...c };
  }

  /** The current incarnation's informer for a kind, if it has one (fault hooks: `pause`, `interruptWatch`). */
  informer(kind: string): SharedInformer | undefined {
    const gk = parseKindKey(kind);
    return this.#inc?.informers.get(groupKindKey(gk.group, gk.kind));
  }

  /** The current incarnation's running controller called `name`, if it leads. */
  controller(name: string): Controller | undefined {
    return this.#inc?.controllers.find((c) => c.name === name);
  }

  /** Registers the first incarnation; it boots after `startDelayMs`. A no-op if running. */
  start(): void {
    if (this.#inc !== undefined) return;
    this.#boot(this.#startDelayMs);
  }

  /** Crashes the running incarnation: all its state is dropped. A no-op if not running. */
  crash(): void {
    const inc = this.#inc;
    if (inc === undefined) return;
    this.#inc = undefined;
    inc.elector?.stop();
    for (const c of inc.controllers) c.stop();
    for (const i of inc.informers.values()) i.stop();
    this.#sim.record(this.name, 'component-crash', { incarnation: inc.number });
    this.#sim.removeActor(this.name);
  }

  /** Crashes the running incarnation (if any) and starts a fresh one after `startDelayMs` (default: the manager's). */
  restart(startDelayMs: number = this.#startDelayMs): void {
    this.crash();
    this.#boot(checkDelay(startDelayMs, 'startDelayMs'));
  }

  #boot(delayMs: number): void {
    const number = ++this.#incarnations;
    const actor = this.#sim.addActor(this.name, (payload) => inc.host.dispatch(payload));
    const host = new RuntimeHost(actor);
    const inc: Incarnation = {
      number,
      host,
      rng: actor.rng.fork(`incarnation-${number}`),
      identity: `${this.name}_${number}`,
      informers: new Map(),
      controllers: [],
      elector: undefined,
      leading: false,
    };
    this.#inc = inc;
    const starter: RuntimeReceiver = { receive: (p: RuntimePayload) => this.#onStart(inc, p) };
    host.setTimer(delayMs, 'component-start', host.register(starter), START);
  }

  #onStart(inc: Incarnation, payload: RuntimePayload): void {
    if (payload.kind !== 'component-start' || this.#inc !== inc) return;
    inc.host.actor.trace('component-start', { incarnation: inc.number });
    const le = this.#leaderElection;
    if (le === undefined) {
      this.#startLeading(inc);
      return;
    }
    const elector = new LeaderElector({
      host: inc.host,
      client: this.#client,
      identity: inc.identity,
      leaseName: le.leaseName ?? 'kube-controller-manager',
      leaseNamespace: le.leaseNamespace ?? 'kube-system',
      ...(le.leaseDurationMs !== undefined ? { leaseDurationMs: le.leaseDurationMs } : {}),
      ...(le.renewDeadlineMs !== undefined ? { renewDeadlineMs: le.renewDeadlineMs } : {}),
      ...(le.retryPeriodMs !== undefined ? { retryPeriodMs: le.retryPeriodMs } : {}),
      rng: inc.rng.fork('leader-election'),
      callbacks: {
        onStartedLeading: () => this.#startLeading(inc),
        onStoppedLeading: () => this.#lostLease(inc),
      },
    });
    inc.elector = elector;
    elector.run();
  }

  /** Builds the controllers over shared informers, then starts the informers (upstream order). */
  #startLeading(inc: Incarnation): void {
    if (this.#inc !== inc || inc.leading) return;
    inc.leading = true;
    inc.host.actor.trace('started-leading', { incarnation: inc.number });
    for (const def of this.#definitions) {
      const client = new CacheClient(this.#client, (kind) => this.#informerFor(inc, kind));
      const controller = new Controller({
        definition: def,
        host: inc.host,
        informerFor: (kind) => this.#informerFor(inc, kind),
        client,
        rng: inc.rng.fork(`controller/${def.name}`),
        report: (r) => this.#report(r),
        counts: this.#counts.get(def.name) as ReconcileCounts,
      });
      inc.controllers.push(controller);
    }
    for (const c of inc.controllers) c.start();
    for (const i of inc.informers.values()) i.start();
  }

  #lostLease(inc: Incarnation): void {
    if (this.#inc !== inc) return;
    inc.host.actor.trace('leaderelection-lost', { incarnation: inc.number });
    this.restart(this.#restartAfterLostLeaseMs);
  }

  /** The incarnation's shared informer for `kind`, created (and started, if leading) on first use. */
  #informerFor(inc: Incarnation, kind: string): SharedInformer {
    const gk = parseKindKey(kind);
    const key = groupKindKey(gk.group, gk.kind);
    let informer = inc.informers.get(key);
    if (informer !== undefined) return informer;
    const indexers = this.#indexers.get(key);
    informer = new SharedInformer({
      host: inc.host,
      network: this.#network,
      client: this.#client,
      kind: key,
      rng: inc.rng.fork(`informer/${key}`),
      onError: (error) => this.#report({ kind: 'plugin-error', controller: error.plugin, key: undefined, atMs: inc.host.nowMs(), error }),
      ...(indexers !== undefined ? { indexers } : {}),
      ...(this.#latency !== undefined ? { latencyMs: this.#latency } : {}),
      ...(this.#resyncPeriodMs !== undefined ? { resyncPeriodMs: this.#resyncPeriodMs } : {}),
    });
    inc.informers.set(key, informer);
    // Informers needed after the start (a lazily read kind) start at once.
    if (inc.controllers.length === this.#definitions.length && inc.leading) informer.start();
    return informer;
  }

  #report(report: ControllerReport): void {
    if (this.#reports.length >= this.#reportsMax) {
      this.#reports.shift();
      this.#reportsDropped++;
    }
    this.#reports.push(report);
  }
}

/** Merges the indexers every controller declares, per kind; one name must mean one function. */
function mergeIndexers(defs: readonly ControllerDefinition[]): Map<string, Record<string, IndexFunc>> {
  const out = new Map<string, Record<string, IndexFunc>>();
  for (const def of defs) {
    for (const [kind, byName] of Object.entries(def.indexers ?? {})) {
      const gk = parseKindKey(kind);
      const key = groupKindKey(gk.group, gk.kind);
      const merged = out.get(key) ?? {};
      for (const [name, fn] of Object.entries(byName)) {
        const existing = merged[name];
        if (existing !== undefined && existing !== fn) throw new ConfigError(`controller ${def.name}: index ${name} on ${key} is already defined differently by another controller`);
        merged[name] = fn;
      }
      out.set(key, merged);
    }
  }
  return out;
}

function checkDelay(ms: number, what: string): number {
  if (!Number.isSafeInteger(ms) || ms < 0) throw new ConfigError(`ControllerManager: ${what} must be a non-negative integer, got ${String(ms)}`);
  return ms;
}

/**
 * The reconcile client: reads from the incarnation's informer caches, writes through the
 * (announcing) API client.
 */
class CacheClient implements ControllerClient {
  readonly api: ApiClient;
  readonly #informerFor: (kind: string) => SharedInformer;
  /** Informers by the kind text reads pass (`Pod`, `apps/ReplicaSet`), so that it is parsed once. */
  readonly #informers = new Map<string, SharedInformer>();

  constructor(api: ApiClient, informerFor: (kind: string) => SharedInformer) {
    this.api = api;
    this.#informerFor = informerFor;
  }

  #informer(kind: string): SharedInformer {
    let informer = this.#informers.get(kind);
    if (informer === undefined) {
      informer = this.#informerFor(kind);
      this.#informers.set(kind, informer);
    }
    return informer;
  }

  get<T extends object = KubeObject>(kind: string, namespace: string | undefined, name: string): ApiResult<DeepReadonly<T>> {
    const informer = this.#informer(kind);
    if (!informer.hasSynced) return apiErr(notSynced(informer.kindKey));
    const obj = informer.cache.get(namespace, name);
    if (obj === undefined) {
      const gk = parseKindKey(informer.kindKey);
      const resource = builtinKind(gk.group, gk.kind)?.plural ?? `${gk.kind.toLowerCase()}s`;
      return apiErr(notFound({ group: gk.group, resource }, name));
    }
    return apiOk(obj as unknown as DeepReadonly<T>);
  }

  list<T extends object = KubeObject>(kind: string, options: CacheListOptions = {}): ApiResult<readonly DeepReadonly<T>[]> {
    const informer = this.#informer(kind);
    if (!informer.hasSynced) return apiErr(notSynced(informer.kindKey));
    const cache = informer.cache;
    const ns = options.namespace !== undefined && options.namespace !== '' ? options.namespace : undefined;
    let items: DeepReadonly<KubeObject>[];
    if (options.index !== undefined) {
      const { name, value } = options.index;
      items = ns !== undefined ? cache.byIndexInNamespace(name, value, ns) : cache.byIndex(name, value);
    } else {
      items = ns !== undefined ? cache.listNamespace(ns) : cache.list();
    }
    if (options.labelSelector !== undefined || options.fieldSelector !== undefined) {
      const filter = compileObjectFilter({ labelSelector: options.labelSelector, fieldSelector: options.fieldSelector }, true);
      if (filter !== undefined) items = items.filter(filter);
    }
    return apiOk(items as unknown as readonly DeepReadonly<T>[]);
  }

  create<T extends StorableObject = KubeObject>(obj: StorableObject): ApiResult<DeepReadonly<T>> {
    return this.api.create<T>(obj);
  }

  update<T extends StorableObject = KubeObject>(obj: StorableObject): ApiResult<DeepReadonly<T>> {
    return this.api.update<T>(obj);
  }

  updateStatus<T extends StorableObject = KubeObject>(obj: StorableObject): ApiResult<DeepReadonly<T>> {
    return this.api.updateStatus<T>(obj);
  }

  patch<T extends StorableObject = KubeObject>(ref: ObjectRef, patch: unknown, opts?: { readonly subresource?: 'status' }): ApiResult<DeepReadonly<T>> {
    return opts === undefined ? this.api.patch<T>(ref, patch) : this.api.patch<T>(ref, patch, opts);
  }

  delete<T extends StorableObject = KubeObject>(ref: ObjectRef, opts?: ClientDeleteOptions): ApiResult<DeleteResult<T>> {
    return opts === undefined ? this.api.delete<T>(ref) : this.api.delete<T>(ref, opts);
  }
}

function notSynced(kindKey: string) {
  return serviceUnavailable(`the cache for ${kindKey} has not synced yet`);
}
