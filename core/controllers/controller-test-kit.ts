/**
 * Test support for the controller runtime's specs and property suites: an `ApiClient` implemented
 * directly over a `Store` (no admission, no validation, no per-kind strategies: just the storage
 * semantics), with fault switches, and a helper that builds a simulation with a watch network.
 *
 * The real client is the API server's; this one exists so the runtime can be tested without it.
 */
import type { DeepReadonly, KubeObject } from '../api/types.js';
import type { ApiClient, BindingRequest, ClientDeleteOptions, EvictionRequest } from '../apiserver/api-client.js';
import { serviceUnavailable, type ApiError } from '../store/api-error.js';
import { apiErr, apiOk, type ApiResult } from '../store/api-result.js';
import type { StorableObject } from '../store/storable-object.js';
import type { DeleteResult, ListRequest, ListResult, ObjectRef, Store, WatchRequest } from '../store/store.js';
import type { Watcher } from '../store/watch-event.js';
import { Simulation, type SimPayload } from '../sim/simulation.js';
import type { RuntimePayload } from './runtime-host.js';
import { WatchNetwork } from './watch-network.js';

/** The client verbs, for interceptors. */
export type ClientVerb = 'create' | 'get' | 'list' | 'update' | 'updateStatus' | 'patch' | 'delete' | 'bind' | 'evict' | 'watch';

/**
 * Decides whether a call fails: return an error to fail it (before it reaches the store), or
 * `undefined` to let it through. `target` is the object or reference the call names.
 */
export type ClientInterceptor = (verb: ClientVerb, target: { readonly kind: string; readonly namespace?: string | undefined; readonly name?: string | undefined }) => ApiError | undefined;

/** An `ApiClient` straight over a `Store`. */
export class StoreApiClient implements ApiClient {
  readonly userAgent: string;
  readonly #store: Store;
  /** When `false`, every call fails with 503, as with an API server that is down. */
  available = true;
  /** Optional fault injection on every call. */
  interceptor: ClientInterceptor | undefined = undefined;
  readonly #watchers = new Set<Watcher>();
  /** Calls made, by verb. */
  readonly calls = new Map<ClientVerb, number>();

  constructor(store: Store, userAgent = 'test-client') {
    this.#store = store;
    this.userAgent = userAgent;
  }

  /** Stops every watch opened through this client, as an API server crash does. */
  dropWatches(): void {
    for (const w of this.#watchers) w.stop();
    this.#watchers.clear();
  }

  create<T extends StorableObject = KubeObject>(obj: StorableObject): ApiResult<DeepReadonly<T>> {
    const fail = this.#check('create', targetOf(obj));
    return fail ?? this.#store.create<T>(obj);
  }

  get<T extends StorableObject = KubeObject>(ref: ObjectRef): ApiResult<DeepReadonly<T>> {
    return this.#check('get', ref) ?? this.#store.get<T>(ref);
  }

  list<T extends StorableObject = KubeObject>(req: ListRequest): ApiResult<ListResult<T>> {
    return this.#check('list', { kind: req.kind, namespace: req.namespace }) ?? this.#store.list<T>(req);
  }

  update<T extends StorableObject = KubeObject>(obj: StorableObject): ApiResult<DeepReadonly<T>> {
    return this.#check('update', targetOf(obj)) ?? this.#store.update<T>(obj);
  }

  updateStatus<T extends StorableObject = KubeObject>(obj: StorableObject): ApiResult<DeepReadonly<T>> {
    return this.#check('updateStatus', targetOf(obj)) ?? this.#store.updateStatus<T>(obj);
  }

  patch<T extends StorableObject = KubeObject>(ref: ObjectRef, patch: unknown, opts?: { readonly subresource?: 'status' }): ApiResult<DeepReadonly<T>> {
    const fail = this.#check('patch', ref);
    if (fail !== undefined) return fail;
    return opts?.subresource === 'status' ? this.#store.patchStatus<T>(ref, patch) : this.#store.patch<T>(ref, patch);
  }

  delete<T extends StorableObject = KubeObject>(ref: ObjectRef, opts?: ClientDeleteOptions): ApiResult<DeleteResult<T>> {
    const fail = this.#check('delete', ref);
    if (fail !== undefined) return fail;
    const options = opts === undefined ? {} : { preconditions: opts.preconditions, propagationPolicy: opts.propagationPolicy };
    return this.#store.delete<T>(ref, options);
  }

  bind(req: BindingRequest): ApiResult<void> {
    const fail = this.#check('bind', { kind: 'Pod', namespace: req.namespace, name: req.podName });
    if (fail !== undefined) return fail;
    const got = this.#store.get({ apiVersion: 'v1', kind: 'Pod', namespace: req.namespace, name: req.podName });
    if (!got.ok) return got;
    const pod = got.value;
    const spec = (pod.spec ?? {}) as Readonly<Record<string, unknown>>;
    const res = this.#store.update({ ...pod, spec: { ...spec, nodeName: req.nodeName } });
    return res.ok ? apiOk(undefined) : res;
  }

  evict(req: EvictionRequest): ApiResult<void> {
    const fail = this.#check('evict', { kind: 'Pod', namespace: req.namespace, name: req.name });
    if (fail !== undefined) return fail;
    const res = this.#store.delete({ apiVersion: 'v1', kind: 'Pod', namespace: req.namespace, name: req.name });
    return res.ok ? apiOk(undefined) : res;
  }

  watch<T extends StorableObject = KubeObject>(req: WatchRequest): ApiResult<Watcher<T>> {
    const fail = this.#check('watch', { kind: req.kind, namespace: req.namespace });
    if (fail !== undefined) return fail;
    const res = this.#store.watch<T>(req);
    if (res.ok) this.#watchers.add(res.value as unknown as Watcher);
    return res;
  }

  #check(verb: ClientVerb, target: { readonly kind: string; readonly namespace?: string | undefined; readonly name?: string | undefined }): { readonly ok: false; readonly error: ApiError } | undefined {
    this.calls.set(verb, (this.calls.get(verb) ?? 0) + 1);
    if (!this.available) return apiErr(serviceUnavailable('the API server is unavailable'));
    const err = this.interceptor?.(verb, target);
    return err === undefined ? undefined : apiErr(err);
  }
}

function targetOf(obj: StorableObject): { kind: string; namespace?: string | undefined; name?: string | undefined } {
  return { kind: obj.kind, namespace: obj.metadata?.namespace, name: obj.metadata?.name };
}

/** What `newTestCluster` builds. */
export interface TestCluster<P extends SimPayload> {
  readonly sim: Simulation<P | RuntimePayload>;
  readonly store: Store;
  readonly network: WatchNetwork;
  /** A client for tests to write with; its writes are announced to the network. */
  readonly client: ApiClient;
  /** The raw client behind `client`, with the fault switches. */
  readonly raw: StoreApiClient;
}

/** A simulation with a watch network and a store-backed client, for specs. */
export function newTestCluster<P extends SimPayload = RuntimePayload>(seed: number, options: { readonly traceLimit?: number } = {}): TestCluster<P> {
  const sim = new Simulation<P | RuntimePayload>({ seed, traceLimit: options.traceLimit ?? Infinity });
  const network = new WatchNetwork({ sim });
  const raw = new StoreApiClient(sim.store, 'test');
  return { sim, store: sim.store, network, client: network.wrap(raw), raw };
}
