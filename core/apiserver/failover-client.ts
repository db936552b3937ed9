/**
 * The client the simulation's components use in an HA control plane: each call goes to its
 * preferred API server instance if that one is up, otherwise to the next instance that is up, in
 * a fixed order (preferred, preferred + 1, ..., wrapping around), as a client behind a health-
 * checked load balancer sees it. With every instance down, calls get 503 ServiceUnavailable.
 *
 * A watch stays with the instance that opened it; when that instance crashes the watch ends with
 * `ERROR`, and the component's next watch through this client lands on a healthy instance.
 */
import type { DeepReadonly, KubeObject } from '../api/types.js';
import { apiErr, type ApiResult } from '../store/api-result.js';
import type { StorableObject } from '../store/storable-object.js';
import type { DeleteResult, ListRequest, ListResult, ObjectRef, WatchRequest } from '../store/store.js';
import type { Watcher } from '../store/watch-event.js';
import type { ApiClient, BindingRequest, ClientDeleteOptions, EvictionRequest } from './api-client.js';
import { INSTANCE_UNAVAILABLE, type ApiServer } from './api-server.js';

/** See the module comment. */
export class FailoverClient implements ApiClient {
  readonly userAgent: string;
  readonly #servers: readonly ApiServer[];
  readonly #clients: readonly ApiClient[];

  /**
   * @param servers - the instances, in the control plane's fixed order.
   * @param preferred - index of the instance tried first.
   */
  constructor(servers: readonly ApiServer[], userAgent: string, preferred = 0) {
    this.userAgent = userAgent;
    const n = servers.length;
    const start = n === 0 ? 0 : ((preferred % n) + n) % n;
    const order: ApiServer[] = [];
    for (let i = 0; i < n; i++) order.push(servers[(start + i) % n] as ApiServer);
    this.#servers = order;
    this.#clients = order.map((s) => s.client(userAgent));
  }

  /** The instance the next call goes to, or `undefined` when every instance is down. */
  get instance(): string | undefined {
    const i = this.#pick();
    return i === undefined ? undefined : this.#servers[i]?.name;
  }

  #pick(): number | undefined {
    for (let i = 0; i < this.#servers.length; i++) if ((this.#servers[i] as ApiServer).isUp) return i;
    return undefined;
  }

  #client(): ApiClient | undefined {
    const i = this.#pick();
    return i === undefined ? undefined : this.#clients[i];
  }

  create<T extends StorableObject = KubeObject>(obj: StorableObject): ApiResult<DeepReadonly<T>> {
    const c = this.#client();
    return c === undefined ? apiErr(INSTANCE_UNAVAILABLE) : c.create<T>(obj);
  }

  get<T extends StorableObject = KubeObject>(ref: ObjectRef): ApiResult<DeepReadonly<T>> {
    const c = this.#client();
    return c === undefined ? apiErr(INSTANCE_UNAVAILABLE) : c.get<T>(ref);
  }

  list<T extends StorableObject = KubeObject>(req: ListRequest): ApiResult<ListResult<T>> {
    const c = this.#client();
    return c === undefined ? apiErr(INSTANCE_UNAVAILABLE) : c.list<T>(req);
  }

  update<T extends StorableObject = KubeObject>(obj: StorableObject): ApiResult<DeepReadonly<T>> {
    const c = this.#client();
    return c === undefined ? apiErr(INSTANCE_UNAVAILABLE) : c.update<T>(obj);
  }

  updateStatus<T extends StorableObject = KubeObject>(obj: StorableObject): ApiResult<DeepReadonly<T>> {
    const c = this.#client();
    return c === undefined ? apiErr(INSTANCE_UNAVAILABLE) : c.updateStatus<T>(obj);
  }

  patch<T extends StorableObject = KubeObject>(ref: ObjectRef, patch: unknown, opts?: { readonly subresource?: 'status' }): ApiResult<DeepReadonly<T>> {
    const c = this.#client();
    return c === undefined ? apiErr(INSTANCE_UNAVAILABLE) : c.patch<T>(ref, patch, opts);
  }

  delete<T extends StorableObject = KubeObject>(ref: ObjectRef, opts?: ClientDeleteOptions): ApiResult<DeleteResult<T>> {
    const c = this.#client();
    return c === undefined ? apiErr(INSTANCE_UNAVAILABLE) : c.delete<T>(ref, opts);
  }

  bind(req: BindingRequest): ApiResult<void> {
    const c = this.#client();
    return c === undefined ? apiErr(INSTANCE_UNAVAILABLE) : c.bind(req);
  }

  evict(req: EvictionRequest): ApiResult<void> {
    const c = this.#client();
    return c === undefined ? apiErr(INSTANCE_UNAVAILABLE) : c.evict(req);
  }

  watch<T extends StorableObject = KubeObject>(req: WatchRequest): ApiResult<Watcher<T>> {
    const c = this.#client();
    return c === undefined ? apiErr(INSTANCE_UNAVAILABLE) : c.watch<T>(req);
  }
}
