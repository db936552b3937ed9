/**
 * `ApiClient`: what every component (scheduler, controllers, kubelets, kube-proxy, users'
 * controllers) uses to talk to the API server, mirroring the verbs of client-go.
 *
 * Calls are synchronous and return `ApiResult` values: a call is one request handled in full by
 * the API server instance the client is connected to, at the current virtual time. Conflicts,
 * validation failures, admission denials, an unavailable instance (crashed apiserver, partitioned
 * node) are all error values with upstream reasons and codes, never exceptions. Latency in the
 * simulation comes from when components run and from watch delivery, not from the calls.
 */
import type { DeepReadonly, KubeObject } from '../api/types.js';
import type { ApiResult } from '../store/api-result.js';
import type { StorableObject } from '../store/storable-object.js';
import type { DeleteOptions, DeleteResult, ListRequest, ListResult, ObjectRef, WatchRequest } from '../store/store.js';
import type { Watcher } from '../store/watch-event.js';

/** Upstream `metav1.DeleteOptions` as a client sends it. */
export interface ClientDeleteOptions extends DeleteOptions {
  /**
   * Graceful deletion (pods): seconds the object stays terminating before it is removed. Absent:
   * the object's own default (`spec.terminationGracePeriodSeconds` for pods, 30 s); 0: immediately.
   */
  readonly gracePeriodSeconds?: number | undefined;
}

/** `pods/binding`: binds a pod to a node (what the scheduler's DefaultBinder posts). */
export interface BindingRequest {
  readonly namespace: string;
  readonly podName: string;
  readonly nodeName: string;
  /** Precondition on the pod's uid, when set. */
  readonly uid?: string | undefined;
}

/** `pods/eviction`: evicts a pod, subject to PodDisruptionBudgets (429 when disallowed). */
export interface EvictionRequest {
  readonly namespace: string;
  readonly name: string;
  readonly deleteOptions?: ClientDeleteOptions | undefined;
}

/** The client verbs. Every object a call returns is deeply frozen. */
export interface ApiClient {
  /** Who is calling (`kube-scheduler`, `kubelet/node-1`, `kube-controller-manager`, ...), for the trace and audit. */
  readonly userAgent: string;
  create<T extends StorableObject = KubeObject>(obj: StorableObject): ApiResult<DeepReadonly<T>>;
  get<T extends StorableObject = KubeObject>(ref: ObjectRef): ApiResult<DeepReadonly<T>>;
  list<T extends StorableObject = KubeObject>(req: ListRequest): ApiResult<ListResult<T>>;
  update<T extends StorableObject = KubeObject>(obj: StorableObject): ApiResult<DeepReadonly<T>>;
  updateStatus<T extends StorableObject = KubeObject>(obj: StorableObject): ApiResult<DeepReadonly<T>>;
  /** JSON merge patch (RFC 7386) of the object, or of its status subresource. */
  patch<T extends StorableObject = KubeObject>(ref: ObjectRef, patch: unknown, opts?: { readonly subresource?: 'status' }): ApiResult<DeepReadonly<T>>;
  delete<T extends StorableObject = KubeObject>(ref: ObjectRef, opts?: ClientDeleteOptions): ApiResult<DeleteResult<T>>;
  bind(req: BindingRequest): ApiResult<void>;
  evict(req: EvictionRequest): ApiResult<void>;
  watch<T extends StorableObject = KubeObject>(req: WatchRequest): ApiResult<Watcher<T>>;
}
