/**
 * One running controller: event handlers that turn informer events into work queue keys, workers
 * that take keys and call the reconciler, and the handling of its result. Upstream
 * controller-runtime `pkg/internal/controller/controller.go` (`Start`, `processNextWorkItem`,
 * `reconcileHandler`) with the handlers of `pkg/handler/` (`EnqueueRequestForObject`,
 * `EnqueueRequestForOwner` with `OnlyControllerOwner`, `EnqueueRequestsFromMapFunc`).
 *
 * Timing model: a worker takes a key and runs the reconcile body at once, reading the caches as
 * they are at that instant and writing through the API; it then stays busy for a duration drawn
 * from `reconcileDurationMs` before it applies the result (forget, requeue, back-off), marks the
 * key done and takes the next. Events delivered while it is busy can mark the key dirty, so it is
 * reconciled again afterwards, exactly as with upstream's queue. Workers start only when every
 * informer the controller depends on has synced (upstream `WaitForCacheSync` in `Start`).
 */
import type { DeepReadonly, KubeObject, OwnerReference } from '../api/types.js';
import { PluginError, assertNever } from '../errors.js';
import type { EventHandle } from '../sim/event-queue.js';
import type { Rng } from '../sim/rng.js';
import type { TraceFields } from '../sim/trace.js';
import { builtinNamespaced, parseKindKey, type GroupKindRef } from './kind-key.js';
import { controllerRef, refersToGroupKind } from './owner-references.js';
import { defaultControllerRateLimiter } from './rate-limiter.js';
import {
  RECONCILE_DURATION_DEFAULT,
  requestKey,
  requestOfKey,
  type ControllerClient,
  type ControllerDefinition,
  type ReconcileContext,
  type ReconcileRequest,
  type ReconcileResult,
} from './reconciler.js';
import { checkDelayRange, drawDelay, type DelayRange, type RuntimeHost, type RuntimePayload, type RuntimeReceiver } from './runtime-host.js';
import type { InformerHandler, SharedInformer } from './shared-informer.js';
import { WorkQueue } from './work-queue.js';

/** Something that went wrong or gave up in a controller, kept by the manager. */
export type ControllerReport =
  | {
      readonly kind: 'plugin-error';
      readonly controller: string;
      /** The work queue key being reconciled, when the failure was in a reconcile. */
      readonly key: string | undefined;
      readonly atMs: number;
      readonly error: PluginError;
    }
  | { readonly kind: 'terminal'; readonly controller: string; readonly key: string; readonly atMs: number; readonly reason: string };

/** Reconcile counts by outcome. */
export interface ReconcileCounts {
  reconciles: number;
  done: number;
  requeueAfter: number;
  retry: number;
  terminal: number;
  /** Reconciles that threw or returned something outside the contract (also counted as `retry`). */
  errors: number;
}

/** A fresh all-zero `ReconcileCounts`. */
export function emptyReconcileCounts(): ReconcileCounts {
  return { reconciles: 0, done: 0, requeueAfter: 0, retry: 0, terminal: 0, errors: 0 };
}

/** Construction options of a `Controller`. */
export interface ControllerOptions {
  readonly definition: ControllerDefinition;
  readonly host: RuntimeHost;
  /** The shared informer for a kind key, created on first request. */
  readonly informerFor: (kindKey: string) => SharedInformer;
  /** What the reconcile's `ctx.client` is. */
  readonly client: ControllerClient;
  /** The controller's stream for this incarnation; forks `reconcile` (user) and `runtime` (durations). */
  readonly rng: Rng;
  /** Receives failures and terminal results. */
  readonly report: (report: ControllerReport) => void;
  /** Cumulative counts to add to (the manager keeps them across incarnations). */
  readonly counts?: ReconcileCounts;
}

const RESULT_KINDS: ReadonlySet<string> = new Set(['done', 'requeueAfter', 'retry', 'terminal']);

/** A running controller within one component incarnation. */
export class Controller implements RuntimeReceiver {
  /** The definition's name. */
  readonly name: string;
  /** The controller's work queue (inspect it; the runtime feeds and drains it). */
  readonly queue: WorkQueue;
  /** Reconcile counts (shared with the manager, so they survive incarnations). */
  readonly counts: ReconcileCounts;
  readonly #def: ControllerDefinition;
  readonly #host: RuntimeHost;
  readonly #id: number;
  readonly #report: (report: ControllerReport) => void;
  readonly #durationRng: Rng;
  readonly #duration: DelayRange;
  readonly #ctx: ReconcileContext;
  readonly #sources: SharedInformer[] = [];
  /** Per worker slot: the key it is processing (undefined when idle) and the result to apply. */
  readonly #slotKey: (string | undefined)[];
  readonly #slotResult: (ReconcileResult | undefined)[];
  #idle: number;
  #synced = false;
  #stopped = false;
  #wake: EventHandle | undefined = undefined;

  constructor(options: ControllerOptions) {
    const def = options.definition;
    this.#def = def;
    this.name = def.name;
    this.#host = options.host;
    this.#report = options.report;
    this.counts = options.counts ?? emptyReconcileCounts();
    this.#duration = checkDelayRange(def.reconcileDurationMs ?? RECONCILE_DURATION_DEFAULT, `controller ${def.name} reconcileDurationMs`);
    this.#durationRng = options.rng.fork('runtime');
    const workers = def.maxConcurrentReconciles ?? 1;
    this.#slotKey = new Array<string | undefined>(workers).fill(undefined);
    this.#slotResult = new Array<ReconcileResult | undefined>(workers).fill(undefined);
    this.#idle = workers;
    this.queue = new WorkQueue({ host: options.host, rateLimiter: (def.rateLimiter ?? defaultControllerRateLimiter)(), onReady: () => this.#onReady() });
    this.#id = options.host.register(this);
    this.#ctx = new Context(def.name, options.client, options.rng.fork('reconcile'), options.host);

    const forGk = parseKindKey(def.for);
    this.#watch(options.informerFor(def.for), new ForHandler(this.queue));
    const ownerNamespaced = builtinNamespaced(forGk) ?? def.forClusterScoped !== true;
    for (const kind of def.owns ?? []) this.#watch(options.informerFor(kind), new OwnerHandler(this.queue, forGk, ownerNamespaced));
    for (const w of def.watches ?? []) this.#watch(options.informerFor(w.kind), new MapHandler(this, w.map));
  }

  /** Whether every informer this controller depends on has synced (its workers then run). */
  get synced(): boolean {
    return this.#synced;
  }

  /** Workers busy now. */
  get busyWorkers(): number {
    return this.#slotKey.length - this.#idle;
  }

  /** Starts the workers once the sources have synced (the manager starts the informers). */
  start(): void {
    let pending = this.#sources.length;
    for (const inf of this.#sources) {
      inf.onSynced(() => {
        pending--;
        if (pending === 0 && !this.#stopped) {
          this.#synced = true;
          this.#host.actor.trace('controller-synced', { controller: this.name });
          this.#onReady();
        }
      });
    }
  }

  /** Stops the workers and drops the queue (a crash or lost leadership). */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.queue.shutDown();
    if (this.#wake !== undefined) this.#host.cancelTimer(this.#wake);
    this.#wake = undefined;
    this.#host.unregister(this.#id);
  }

  /** Enqueues a request key (used by the handlers). */
  enqueue(key: string): void {
    this.queue.add(key);
  }

  /** Reports a failure of a mapping function. */
  mappingFailed(cause: unknown): void {
    const error = cause instanceof PluginError ? cause : new PluginError(this.name, 'Watches', `map function threw: ${String(cause)}`, { cause });
    this.#report({ kind: 'plugin-error', controller: this.name, key: undefined, atMs: this.#host.nowMs(), error });
  }

  receive(payload: RuntimePayload): void {
    if (this.#stopped) return;
    if (payload.kind === 'worker-wake') {
      this.#wake = undefined;
      this.#work();
    } else if (payload.kind === 'reconcile-done') {
      this.#finish(payload.arg);
      this.#work();
    }
  }

  #watch(informer: SharedInformer, handler: InformerHandler): void {
    if (!this.#sources.includes(informer)) this.#sources.push(informer);
    informer.addEventHandler(handler);
  }

  /** The queue has a ready key: wake a worker (as a separate event) if one is idle. */
  #onReady(): void {
    if (this.#stopped || !this.#synced || this.#idle === 0 || this.#wake !== undefined) return;
    this.#wake = this.#host.setTimer(0, 'worker-wake', this.#id);
  }

  /** Hands ready keys to idle workers. */
  #work(): void {
    while (this.#idle > 0 && this.#synced) {
      const key = this.queue.get();
      if (key === undefined) return;
      const slot = this.#slotKey.indexOf(undefined);
      this.#slotKey[slot] = key;
      this.#idle--;
      this.#slotResult[slot] = this.#reconcile(key);
      this.#host.setTimer(drawDelay(this.#durationRng, this.#duration), 'reconcile-done', this.#id, slot);
    }
  }

  #reconcile(key: string): ReconcileResult {
    const counts = this.counts;
    counts.reconciles++;
    let result: ReconcileResult;
    try {
      result = this.#def.reconcile(requestOfKey(key), this.#ctx);
      const problem = invalidResult(result);
      if (problem !== undefined) {
        counts.errors++;
        this.#fail(key, new PluginError(this.name, 'Reconcile', problem));
        result = { kind: 'retry', reason: problem };
      }
    } catch (cause) {
      counts.errors++;
      const error = cause instanceof PluginError ? cause : new PluginError(this.name, 'Reconcile', `reconcile of ${key} threw: ${String(cause)}`, { cause });
      this.#fail(key, error);
      result = { kind: 'retry', reason: error.message };
    }
    const trace = this.#host.actor;
    switch (result.kind) {
      case 'done':
        counts.done++;
        trace.trace('reconcile', { controller: this.name, key, result: 'done' });
        break;
      case 'requeueAfter':
        counts.requeueAfter++;
        trace.trace('reconcile', { controller: this.name, key, result: 'requeueAfter', delayMs: result.delayMs });
        break;
      case 'retry':
        counts.retry++;
        trace.trace('reconcile', { controller: this.name, key, result: 'retry', reason: result.reason });
        break;
      case 'terminal':
        counts.terminal++;
        trace.trace('reconcile', { controller: this.name, key, result: 'terminal', reason: result.reason });
        break;
      default:
        assertNever(result, 'reconcile result');
    }
    return result;
  }

  /** Upstream `reconcileHandler` after `Reconcile` returned: apply the result, then `Done`. */
  #finish(slot: number): void {
    const key = this.#slotKey[slot];
    const result = this.#slotResult[slot];
    if (key === undefined || result === undefined) return;
    this.#slotKey[slot] = undefined;
    this.#slotResult[slot] = undefined;
    this.#idle++;
    const q = this.queue;
    switch (result.kind) {
      case 'done':
        q.forget(key);
        break;
      case 'requeueAfter':
        q.forget(key);
        q.addAfter(key, result.delayMs);
        break;
      case 'retry':
        q.addRateLimited(key);
        break;
      case 'terminal':
        // Upstream neither requeues nor forgets a terminal error.
        this.#report({ kind: 'terminal', controller: this.name, key, atMs: this.#host.nowMs(), reason: result.reason });
        break;
      default:
        assertNever(result, 'reconcile result');
    }
    q.done(key);
  }

  #fail(key: string, error: PluginError): void {
    this.#host.actor.trace('plugin-error', { controller: this.name, key, message: error.message });
    this.#report({ kind: 'plugin-error', controller: this.name, key, atMs: this.#host.nowMs(), error });
  }
}

/** Why a value returned by a reconcile is not a `ReconcileResult`, or `undefined` if it is one. */
function invalidResult(result: unknown): string | undefined {
  if (typeof result !== 'object' || result === null || !RESULT_KINDS.has((result as { kind?: unknown }).kind as string)) {
    return `reconcile returned ${JSON.stringify(result) ?? String(result)}, not a ReconcileResult`;
  }
  const r = result as ReconcileResult;
  if (r.kind === 'requeueAfter' && (typeof r.delayMs !== 'number' || !Number.isFinite(r.delayMs) || r.delayMs < 0)) {
    return `reconcile returned requeueAfter with an invalid delay ${String(r.delayMs)}`;
  }
  return undefined;
}

/** The reconcile context: one object per controller incarnation, reused by every reconcile. */
class Context implements ReconcileContext {
  constructor(
    readonly controller: string,
    readonly client: ControllerClient,
    readonly rng: Rng,
    readonly host: RuntimeHost,
  ) {}

  nowMs(): number {
    return this.host.nowMs();
  }

  log(message: string, fields?: TraceFields): void {
    this.host.actor.trace('log', { ...fields, controller: this.controller, message });
  }

  trace(kind: string, fields?: TraceFields): void {
    this.host.actor.trace(kind, { ...fields, controller: this.controller });
  }
}

/** Upstream `EnqueueRequestForObject`: the object itself, by the key the informer's cache holds for it. */
class ForHandler implements InformerHandler {
  constructor(readonly queue: WorkQueue) {}

  onAdd(_obj: DeepReadonly<KubeObject>, _initial: boolean, key: string): void {
    this.queue.add(key);
  }

  onUpdate(_old: DeepReadonly<KubeObject>, _obj: DeepReadonly<KubeObject>, key: string): void {
    this.queue.add(key);
  }

  onDelete(_obj: DeepReadonly<KubeObject>, _finalStateUnknown: boolean, key: string): void {
    this.queue.add(key);
  }
}

/**
 * Upstream `EnqueueRequestForOwner(..., OnlyControllerOwner())`: the controller owner of the object,
 * if it is of the owner kind; for an update, the owners of both the old and the new object (an
 * adoption or orphaning concerns both).
 */
class OwnerHandler implements InformerHandler {
  constructor(
    readonly queue: WorkQueue,
    readonly owner: GroupKindRef,
    /** Whether owners are namespaced: a namespaced owner lives in its dependent's namespace. */
    readonly ownerNamespaced: boolean,
  ) {}

  onAdd(obj: DeepReadonly<KubeObject>): void {
    this.#enqueueOwner(obj, controllerRef(obj));
  }

  onUpdate(old: DeepReadonly<KubeObject>, obj: DeepReadonly<KubeObject>): void {
    const before = controllerRef(old);
    this.#enqueueOwner(old, before);
    // Versions of an object that keep its owner references share the (frozen) list.
    const after = obj.metadata.ownerReferences === old.metadata.ownerReferences ? before : controllerRef(obj);
    // Most updates (a pod's status) keep the controller reference and namespace: the new object
    // would name the key just queued, and adding a queued key again changes nothing.
    if (sameOwnerKey(old, before, obj, after)) return;
    this.#enqueueOwner(obj, after);
  }

  onDelete(obj: DeepReadonly<KubeObject>): void {
    this.#enqueueOwner(obj, controllerRef(obj));
  }

  /** Enqueues the owner `ref`, the controller reference of `obj`, if it is of the owner kind. */
  #enqueueOwner(obj: DeepReadonly<KubeObject>, ref: DeepReadonly<OwnerReference> | undefined): void {
    if (ref === undefined || !refersToGroupKind(ref, this.owner.group, this.owner.kind)) return;
    const ns = this.ownerNamespaced ? (obj.metadata.namespace ?? '') : '';
    this.queue.add(ns === '' ? ref.name : `${ns}/${ref.name}`);
  }
}

/** Whether `OwnerHandler` derives the same key (or none) from both objects, given their controller references. */
function sameOwnerKey(
  old: DeepReadonly<KubeObject>,
  a: DeepReadonly<OwnerReference> | undefined,
  obj: DeepReadonly<KubeObject>,
  b: DeepReadonly<OwnerReference> | undefined,
): boolean {
  if (a === undefined || b === undefined) return a === b;
  return (a === b || (a.kind === b.kind && a.apiVersion === b.apiVersion && a.name === b.name)) && old.metadata.namespace === obj.metadata.namespace;
}

/** Upstream `EnqueueRequestsFromMapFunc`. */
class MapHandler implements InformerHandler {
  constructor(
    readonly controller: Controller,
    readonly map: (obj: DeepReadonly<KubeObject>) => readonly ReconcileRequest[],
  ) {}

  onAdd(obj: DeepReadonly<KubeObject>, _initial: boolean, key: string): void {
    this.#enqueue(obj, key, NO_REQUESTS);
  }

  onUpdate(old: DeepReadonly<KubeObject>, obj: DeepReadonly<KubeObject>, key: string): void {
    const before = this.#enqueue(old, key, NO_REQUESTS);
    this.#enqueue(obj, key, before);
  }

  onDelete(obj: DeepReadonly<KubeObject>, _finalStateUnknown: boolean, key: string): void {
    this.#enqueue(obj, key, NO_REQUESTS);
  }

  /**
   * Enqueues what `obj` (cached under `key`) maps to, less the requests in `queued`: those were
   * just added, and adding a queued key again changes nothing (most updates map to the requests of
   * the old object). Returns what `obj` mapped to (none when the map function threw).
   */
  #enqueue(obj: DeepReadonly<KubeObject>, key: string, queued: readonly ReconcileRequest[]): readonly ReconcileRequest[] {
    let reqs: readonly ReconcileRequest[];
    try {
      reqs = this.map(obj);
    } catch (cause) {
      this.controller.mappingFailed(cause);
      return NO_REQUESTS;
    }
    if (reqs === queued || reqs.length === 0) return reqs;
    // Indexed loops: these run for every watched event, and an array iterator is an allocation
    // whenever the loop is not optimized.
    for (let i = 0; i < reqs.length; i++) {
      const r = reqs[i] as ReconcileRequest;
      if (includesRequest(queued, r)) continue;
      // A request for the object itself is queued under the key the cache holds, not a new string.
      this.controller.enqueue(r.name === obj.metadata.name && r.namespace === (obj.metadata.namespace ?? '') ? key : requestKey(r));
    }
    return reqs;
  }
}

const NO_REQUESTS: readonly ReconcileRequest[] = Object.freeze([]);

function includesRequest(reqs: readonly ReconcileRequest[], r: ReconcileRequest): boolean {
  for (let i = 0; i < reqs.length; i++) {
    const q = reqs[i] as ReconcileRequest;
    if (q.name === r.name && q.namespace === r.namespace) return true;
  }
  return false;
}
