/**
 * The reconciler contract, after controller-runtime's (`pkg/reconcile/reconcile.go`,
 * `pkg/builder/controller.go`, `pkg/handler/`): a controller is a function from a request
 * (`namespace/name` of the object it manages) to a result, called whenever that object or one of
 * the objects mapped to it changes. It reads from informer caches (possibly stale) and writes
 * through the API (conflicts happen), and the result says whether and when to come back.
 */
import type { DeepReadonly, KubeObject } from '../api/types.js';
import type { ApiClient, ClientDeleteOptions } from '../apiserver/api-client.js';
import { ConfigError } from '../errors.js';
import type { Rng } from '../sim/rng.js';
import type { TraceFields } from '../sim/trace.js';
import type { ApiResult } from '../store/api-result.js';
import type { FieldSelection, LabelMatcher } from '../store/object-filter.js';
import type { StorableObject } from '../store/storable-object.js';
import type { DeleteResult, ObjectRef } from '../store/store.js';
import type { IndexFunc } from './indexer.js';
import { parseKindKey } from './kind-key.js';
import type { RateLimiter } from './rate-limiter.js';
import { checkDelayRange, type DelayRange } from './runtime-host.js';

/** Upstream `reconcile.Request`: which object to reconcile. `namespace` is `''` for cluster-scoped kinds. */
export interface ReconcileRequest {
  readonly namespace: string;
  readonly name: string;
}

/**
 * What a reconcile asks for next (upstream `reconcile.Result` plus the returned error):
 * - `done`: the object is reconciled; its back-off is forgotten (upstream `Result{}`, nil error);
 * - `requeueAfter`: come back after `delayMs`, back-off forgotten (upstream `RequeueAfter`);
 * - `retry`: something failed (a conflict, a stale cache); come back after the rate limiter's
 *   back-off (upstream: a non-nil error, or `Requeue: true`);
 * - `terminal`: it failed in a way retrying cannot fix; not requeued, recorded in the manager's
 *   reports (upstream `reconcile.TerminalError`).
 */
export type ReconcileResult =
  | { readonly kind: 'done' }
  | { readonly kind: 'requeueAfter'; readonly delayMs: number }
  | { readonly kind: 'retry'; readonly reason: string }
  | { readonly kind: 'terminal'; readonly reason: string };

const DONE: ReconcileResult = Object.freeze({ kind: 'done' });

/** `{ kind: 'done' }`. */
export function reconcileDone(): ReconcileResult {
  return DONE;
}

/** `{ kind: 'requeueAfter', delayMs }`. */
export function requeueAfter(delayMs: number): ReconcileResult {
  return { kind: 'requeueAfter', delayMs };
}

/** `{ kind: 'retry', reason }`: requeue with rate-limited back-off. */
export function retryReconcile(reason: string): ReconcileResult {
  return { kind: 'retry', reason };
}

/** `{ kind: 'terminal', reason }`: give up on this request until something changes. */
export function terminalReconcile(reason: string): ReconcileResult {
  return { kind: 'terminal', reason };
}

/** How to select objects from a cache. */
export interface CacheListOptions {
  /** Only this namespace (ignored for cluster-scoped kinds). */
  readonly namespace?: string | undefined;
  readonly labelSelector?: LabelMatcher | undefined;
  readonly fieldSelector?: FieldSelection | undefined;
  /**
   * Read one index instead of the whole cache (upstream `client.MatchingFields` on an indexed
   * field): the objects whose index `name` has `value`. The index must be declared in the
   * controller's `indexers`.
   */
  readonly index?: { readonly name: string; readonly value: string } | undefined;
}

/**
 * The client a reconcile gets: reads from the manager's informer caches (stale until the watch
 * delivers), writes through the API server (upstream controller-runtime's default client: cached
 * reads, direct writes). Reads of a kind the controller did not declare start an informer for it;
 * until it has synced they fail with 503 ServiceUnavailable, which a reconcile should answer with
 * `retry`.
 */
export interface ControllerClient {
  /** One object from the cache; 404 NotFound when the cache does not have it. */
  get<T extends object = KubeObject>(kind: string, namespace: string | undefined, name: string): ApiResult<DeepReadonly<T>>;
  /** Objects from the cache, in key order. */
  list<T extends object = KubeObject>(kind: string, options?: CacheListOptions): ApiResult<readonly DeepReadonly<T>[]>;
  create<T extends StorableObject = KubeObject>(obj: StorableObject): ApiResult<DeepReadonly<T>>;
  update<T extends StorableObject = KubeObject>(obj: StorableObject): ApiResult<DeepReadonly<T>>;
  updateStatus<T extends StorableObject = KubeObject>(obj: StorableObject): ApiResult<DeepReadonly<T>>;
  patch<T extends StorableObject = KubeObject>(ref: ObjectRef, patch: unknown, opts?: { readonly subresource?: 'status' }): ApiResult<DeepReadonly<T>>;
  delete<T extends StorableObject = KubeObject>(ref: ObjectRef, opts?: ClientDeleteOptions): ApiResult<DeleteResult<T>>;
  /** The API itself, for uncached reads (upstream `mgr.GetAPIReader()`) and the other verbs. */
  readonly api: ApiClient;
}

/** What a reconcile may use besides its request. */
export interface ReconcileContext {
  /** The controller's name. */
  readonly controller: string;
  readonly client: ControllerClient;
  /** The controller's own random stream (per incarnation), for decisions that should be random. */
  readonly rng: Rng;
  /** Virtual now. */
  nowMs(): number;
  /** A `log` trace entry with the controller's name and the message. */
  log(message: string, fields?: TraceFields): void;
  /** A trace entry of `kind` with the controller's name. */
  trace(kind: string, fields?: TraceFields): void;
}

/**
 * Upstream `handler.EnqueueRequestsFromMapFunc` on a watched kind: which requests a change of an
 * object of `kind` should trigger (for an update, both the old and the new object are mapped).
 */
export interface WatchMapping {
  /** The watched kind, `group/Kind` or `Kind`. */
  readonly kind: string;
  readonly map: (obj: DeepReadonly<KubeObject>) => readonly ReconcileRequest[];
}

/** A controller, as `defineController` accepts it. */
export interface ControllerDefinition {
  /** Unique within a manager; names the controller in the trace and in `PluginError`s. */
  readonly name: string;
  /** The kind it reconciles (upstream `For`): every change of such an object enqueues it. */
  readonly for: string;
  /**
   * Kinds it creates and owns (upstream `Owns`): a change of such an object enqueues its
   * controller owner, when that owner is of the `for` kind.
   */
  readonly owns?: readonly string[];
  /** Further kinds and how their changes map to requests (upstream `Watches`). */
  readonly watches?: readonly WatchMapping[];
  /** Custom cache indexes, by kind then index name, available to `client.list({ index })`. */
  readonly indexers?: Readonly<Record<string, Readonly<Record<string, IndexFunc>>>>;
  /** Whether the `for` kind is cluster-scoped; needed only for custom resources (built-ins are known). */
  readonly forClusterScoped?: boolean;
  /** Upstream `MaxConcurrentReconciles`; default 1. */
  readonly maxConcurrentReconciles?: number;
  /** How long one reconcile takes, drawn per reconcile; default `RECONCILE_DURATION_DEFAULT`. */
  readonly reconcileDurationMs?: DelayRange;
  /** A fresh rate limiter per incarnation; default `defaultControllerRateLimiter`. */
  readonly rateLimiter?: () => RateLimiter<string>;
  /**
   * The reconcile function. It runs to completion at one virtual instant; the controller's worker
   * then stays busy for the drawn duration before it applies the result and takes the next item.
   * Throwing is reported as a `PluginError` naming the controller and treated as `retry`.
   */
  readonly reconcile: (req: ReconcileRequest, ctx: ReconcileContext) => ReconcileResult;
}

/** Default modelled reconcile duration: 1 to 5 ms. */
export const RECONCILE_DURATION_DEFAULT: DelayRange = Object.freeze({ minMs: 1, maxMs: 5 });

/**
 * Validates a controller definition (`ConfigError` on a bad name, kind, concurrency or duration)
 * and returns it frozen.
 */
export function defineController(definition: ControllerDefinition): ControllerDefinition {
  const name = definition.name;
  if (typeof name !== 'string' || name.length === 0) throw new ConfigError('defineController: name is required');
  const where = `controller ${name}`;
  if (typeof definition.reconcile !== 'function') throw new ConfigError(`${where}: reconcile must be a function`);
  parseKindKey(definition.for);
  for (const k of definition.owns ?? []) parseKindKey(k);
  for (const w of definition.watches ?? []) {
    parseKindKey(w.kind);
    if (typeof w.map !== 'function') throw new ConfigError(`${where}: watches[${w.kind}].map must be a function`);
  }
  for (const k of Object.keys(definition.indexers ?? {})) parseKindKey(k);
  const n = definition.maxConcurrentReconciles;
  if (n !== undefined && (!Number.isSafeInteger(n) || n < 1)) throw new ConfigError(`${where}: maxConcurrentReconciles must be a positive integer, got ${String(n)}`);
  if (definition.reconcileDurationMs !== undefined) checkDelayRange(definition.reconcileDurationMs, `${where} reconcileDurationMs`);
  return Object.freeze({ ...definition });
}

/** The `namespace/name` (or `name`) work queue key of a request. */
export function requestKey(req: ReconcileRequest): string {
  return req.namespace === '' ? req.name : `${req.namespace}/${req.name}`;
}

/** The request a work queue key stands for. */
export function requestOfKey(key: string): ReconcileRequest {
  const slash = key.indexOf('/');
  return slash < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
