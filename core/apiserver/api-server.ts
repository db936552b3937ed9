/**
 * One kube-apiserver instance (`apiserver-0`, ...): a front end over the shared request pipeline
 * (and so over the shared store and type registry) that can crash and restart.
 *
 * While it is down, every call through one of its clients answers 503 ServiceUnavailable (`the
 * server is currently unable to handle the request`, upstream's text for a 503) and every watch it
 * was serving ends with a single `ERROR` event carrying that error, so clients relist and watch
 * again, through another instance (see `FailoverClient`). Nothing is lost by a crash: the state
 * lives in the store, as it lives in etcd upstream.
 */
import { groupKindKey } from '../api/kinds.js';
import { parseApiVersion, type DeepReadonly, type KubeObject } from '../api/types.js';
import { serviceUnavailable, type ApiError } from '../store/api-error.js';
import { apiErr, apiOk, type ApiResult } from '../store/api-result.js';
import type { StorableObject } from '../store/storable-object.js';
import type { DeleteResult, KindRef, ListRequest, ListResult, ObjectRef, WatchRequest } from '../store/store.js';
import type { Watcher } from '../store/watch-event.js';
import type { ApiClient, BindingRequest, ClientDeleteOptions, EvictionRequest } from './api-client.js';
import type { ApiRequestRecord, ApiSubresource, ApiVerb } from './api-request-record.js';
import { InstanceWatcher, type WatcherRegistry } from './instance-watcher.js';
import type { RequestPipeline } from './request-pipeline.js';

/** The error every call to a down instance gets (upstream's message for a bare 503). */
export const INSTANCE_UNAVAILABLE: ApiError = serviceUnavailable('the server is currently unable to handle the request');

/** Construction options of an instance (created by `createControlPlaneApi`). */
export interface ApiServerOptions {
  readonly name: string;
  readonly pipeline: RequestPipeline;
  readonly onRequest?: ((record: ApiRequestRecord) => void) | undefined;
}

/** Bound on the apiVersions whose group `groupOf` remembers; the memo starts over when full. */
const GROUPS_MAX = 256;
const groups = new Map<string, string>();

/** The API group of an apiVersion, memoized: every request's record names its kind. */
function groupOf(apiVersion: string): string {
  let group = groups.get(apiVersion);
  if (group === undefined) {
    group = parseApiVersion(apiVersion).group;
    if (groups.size >= GROUPS_MAX) groups.clear();
    groups.set(apiVersion, group);
  }
  return group;
}

function kindKeyOf(apiVersion: unknown, kind: unknown): string {
  if (typeof kind !== 'string') return '';
  return typeof apiVersion === 'string' ? groupKindKey(groupOf(apiVersion), kind) : kind;
}

function kindKeyOfRef(ref: KindRef): string {
  if ('apiVersion' in ref && typeof ref.apiVersion === 'string') return kindKeyOf(ref.apiVersion, ref.kind);
  return groupKindKey((ref as { readonly group: string }).group, ref.kind);
}

/** The name a record shows: the object's name, else its `generateName` prefix. */
function nameOf(obj: StorableObject): string | undefined {
  const meta = obj.metadata;
  return meta?.name !== undefined && meta.name !== '' ? meta.name : meta?.generateName;
}

/** See the module comment. */
export class ApiServer implements WatcherRegistry {
  readonly name: string;
  readonly #pipeline: RequestPipeline;
  readonly #onRequest: ((record: ApiRequestRecord) => void) | undefined;
  readonly #watchers = new Set<InstanceWatcher>();
  #up = true;

  constructor(options: ApiServerOptions) {
    this.name = options.name;
    this.#pipeline = options.pipeline;
    this.#onRequest = options.onRequest;
  }

  /** Whether the instance is serving. */
  get isUp(): boolean {
    return this.#up;
  }

  /** How many watches the instance is serving. */
  get watchCount(): number {
    return this.#watchers.size;
  }

  /** The instance goes down: calls get 503 and its watches end with `ERROR` (idempotent). */
  crash(): void {
    if (!this.#up) return;
    this.#up = false;
    const watchers = [...this.#watchers];
    for (const w of watchers) w.terminate(INSTANCE_UNAVAILABLE);
  }

  /** The instance serves again (idempotent). Watches ended by the crash stay ended. */
  restart(): void {
    this.#up = true;
  }

  /** @internal `WatcherRegistry`: a watch ended. */
  forget(watcher: InstanceWatcher): void {
    this.#watchers.delete(watcher);
  }

  /** A client whose every call this instance handles, as `userAgent`. */
  client(userAgent: string): ApiClient {
    // The methods close over the instance, so clients are cheap and need no back door into it.
    // Each call runs the pipeline only while the instance is up, then reports the request.
    const self = this;
    const pipeline = this.#pipeline;
    const client: ApiClient = {
      userAgent,
      create<T extends StorableObject = KubeObject>(obj: StorableObject): ApiResult<DeepReadonly<T>> {
        const res = self.#up ? pipeline.create(userAgent, obj) : apiErr(INSTANCE_UNAVAILABLE);
        if (self.#onRequest !== undefined) self.#report(userAgent, 'create', undefined, kindKeyOf(obj.apiVersion, obj.kind), obj.metadata?.namespace, nameOf(obj), 201, res);
        return res as ApiResult<DeepReadonly<T>>;
      },
      get<T extends StorableObject = KubeObject>(ref: ObjectRef): ApiResult<DeepReadonly<T>> {
        const res = self.#up ? pipeline.get(ref) : apiErr(INSTANCE_UNAVAILABLE);
        if (self.#onRequest !== undefined) self.#report(userAgent, 'get', undefined, kindKeyOfRef(ref), ref.namespace, ref.name, 200, res);
        return res as ApiResult<DeepReadonly<T>>;
      },
      list<T extends StorableObject = KubeObject>(req: ListRequest): ApiResult<ListResult<T>> {
        const res = self.#up ? pipeline.list(req) : apiErr(INSTANCE_UNAVAILABLE);
        if (self.#onRequest !== undefined) self.#report(userAgent, 'list', undefined, kindKeyOfRef(req), req.namespace, undefined, 200, res);
        return res as ApiResult<ListResult<T>>;
      },
      update<T extends StorableObject = KubeObject>(obj: StorableObject): ApiResult<DeepReadonly<T>> {
        const res = self.#up ? pipeline.update(userAgent, obj, undefined) : apiErr(INSTANCE_UNAVAILABLE);
        if (self.#onRequest !== undefined) self.#report(userAgent, 'update', undefined, kindKeyOf(obj.apiVersion, obj.kind), obj.metadata?.namespace, nameOf(obj), 200, res);
        return res as ApiResult<DeepReadonly<T>>;
      },
      updateStatus<T extends StorableObject = KubeObject>(obj: StorableObject): ApiResult<DeepReadonly<T>> {
        const res = self.#up ? pipeline.update(userAgent, obj, 'status') : apiErr(INSTANCE_UNAVAILABLE);
        if (self.#onRequest !== undefined) self.#report(userAgent, 'update', 'status', kindKeyOf(obj.apiVersion, obj.kind), obj.metadata?.namespace, nameOf(obj), 200, res);
        return res as ApiResult<DeepReadonly<T>>;
      },
      patch<T extends StorableObject = KubeObject>(ref: ObjectRef, patch: unknown, opts?: { readonly subresource?: 'status' }): ApiResult<DeepReadonly<T>> {
        const sub = opts?.subresource;
        const res = self.#up ? pipeline.patch(userAgent, ref, patch, sub) : apiErr(INSTANCE_UNAVAILABLE);
        if (self.#onRequest !== undefined) self.#report(userAgent, 'patch', sub, kindKeyOfRef(ref), ref.namespace, ref.name, 200, res);
        return res as ApiResult<DeepReadonly<T>>;
      },
      delete<T extends StorableObject = KubeObject>(ref: ObjectRef, opts: ClientDeleteOptions = {}): ApiResult<DeleteResult<T>> {
        const res = self.#up ? pipeline.delete(userAgent, ref, opts) : apiErr(INSTANCE_UNAVAILABLE);
        if (self.#onRequest !== undefined) self.#report(userAgent, 'delete', undefined, kindKeyOfRef(ref), ref.namespace, ref.name, 200, res);
        return res as ApiResult<DeleteResult<T>>;
      },
      bind(req: BindingRequest): ApiResult<void> {
        const res = self.#up ? pipeline.bind(req) : apiErr(INSTANCE_UNAVAILABLE);
        if (self.#onRequest !== undefined) self.#report(userAgent, 'create', 'binding', 'Pod', req.namespace, req.podName, 201, res);
        return res;
      },
      evict(req: EvictionRequest): ApiResult<void> {
        const res = self.#up ? pipeline.evict(req) : apiErr(INSTANCE_UNAVAILABLE);
        if (self.#onRequest !== undefined) self.#report(userAgent, 'create', 'eviction', 'Pod', req.namespace, req.name, 201, res);
        return res;
      },
      watch<T extends StorableObject = KubeObject>(req: WatchRequest): ApiResult<Watcher<T>> {
        let res: ApiResult<Watcher>;
        if (!self.#up) res = apiErr(INSTANCE_UNAVAILABLE);
        else {
          const opened = pipeline.watch(req);
          if (opened.ok) {
            const w = new InstanceWatcher(opened.value, self);
            self.#watchers.add(w);
            res = apiOk(w);
          } else res = opened;
        }
        if (self.#onRequest !== undefined) self.#report(userAgent, 'watch', undefined, kindKeyOfRef(req), req.namespace, undefined, 200, res);
        return res as ApiResult<Watcher<T>>;
      },
    };
    return Object.freeze(client);
  }

  /** Reports one handled request to the `onRequest` hook. */
  #report(
    userAgent: string,
    verb: ApiVerb,
    subresource: ApiSubresource | undefined,
    kind: string,
    namespace: string | undefined,
    name: string | undefined,
    okCode: number,
    res: ApiResult<unknown>,
  ): void {
    const hook = this.#onRequest;
    if (hook === undefined) return;
    const record: { -readonly [K in keyof ApiRequestRecord]: ApiRequestRecord[K] } = { instance: this.name, userAgent, verb, kind, code: res.ok ? okCode : res.error.code };
    if (subresource !== undefined) record.subresource = subresource;
    if (namespace !== undefined && namespace !== '') record.namespace = namespace;
    if (name !== undefined && name !== '') record.name = name;
    hook(Object.freeze(record));
  }
}
