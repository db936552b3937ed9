/**
 * Test support for the kubelet's and kube-proxy's specs: a simulation with the real API server
 * tier, a watch network, kubelets on a few nodes, a client for the test's own writes, and a
 * switchable client wrapper that models a network partition (every call answers 503). Test-only.
 */
import type { DeepReadonly, KubeObject, Lease, Node, Pod } from '../api/types.js';
import type { ApiClient, BindingRequest, ClientDeleteOptions, EvictionRequest } from '../apiserver/api-client.js';
import { createControlPlaneApi, type ControlPlaneApi } from '../apiserver/control-plane-api.js';
import { describeRuntimePayload, isRuntimePayload } from '../controllers/runtime-host.js';
import { WatchNetwork } from '../controllers/watch-network.js';
import { Simulation, type SimPayload } from '../sim/simulation.js';
import { serviceUnavailable } from '../store/api-error.js';
import { apiErr, unwrap, type ApiResult } from '../store/api-result.js';
import type { StorableObject } from '../store/storable-object.js';
import type { DeleteResult, ListRequest, ListResult, ObjectRef, WatchRequest } from '../store/store.js';
import type { Watcher } from '../store/watch-event.js';
import type { KubeletConfigInput } from './kubelet-config.js';
import { describeKubeletPayload, isKubeletPayload, Kubelet } from './kubelet.js';

/** A write recorded by `PartitionableClient`: when, which verb, and the object or reference. */
export interface RecordedWrite {
  readonly atMs: number;
  readonly verb: 'create' | 'update' | 'updateStatus' | 'delete';
  readonly kind: string;
  readonly name: string;
  readonly ok: boolean;
  readonly object: DeepReadonly<KubeObject> | undefined;
}

/**
 * A client that can be cut off (while `partitioned`, every call fails with 503) and that records
 * its writes with their virtual times.
 */
export class PartitionableClient implements ApiClient {
  readonly #inner: ApiClient;
  readonly #nowMs: () => number;
  partitioned = false;
  readonly writes: RecordedWrite[] = [];

  constructor(inner: ApiClient, nowMs: () => number) {
    this.#inner = inner;
    this.#nowMs = nowMs;
  }

  #record<R extends ApiResult<unknown>>(verb: RecordedWrite['verb'], kind: string, name: string, res: R): R {
    const value = res.ok ? (res.value as { readonly object?: unknown }) : undefined;
    const object = (verb === 'delete' ? value?.object : value) as DeepReadonly<KubeObject> | undefined;
    this.writes.push({ atMs: this.#nowMs(), verb, kind, name, ok: res.ok, object });
    return res;
  }

  get userAgent(): string {
    return this.#inner.userAgent;
  }

  #down(): { readonly ok: false; readonly error: ReturnType<typeof serviceUnavailable> } | undefined {
    return this.partitioned ? apiErr(serviceUnavailable('the server is currently unable to handle the request')) : undefined;
  }

  create<T extends StorableObject = KubeObject>(obj: StorableObject): ApiResult<DeepReadonly<T>> {
    return this.#record('create', obj.kind, obj.metadata?.name ?? '', this.#down() ?? this.#inner.create<T>(obj));
  }
  get<T extends StorableObject = KubeObject>(ref: ObjectRef): ApiResult<DeepReadonly<T>> {
    return this.#down() ?? this.#inner.get<T>(ref);
  }
  list<T extends StorableObject = KubeObject>(req: ListRequest): ApiResult<ListResult<T>> {
    return this.#down() ?? this.#inner.list<T>(req);
  }
  update<T extends StorableObject = KubeObject>(obj: StorableObject): ApiResult<DeepReadonly<T>> {
    return this.#record('update', obj.kind, obj.metadata?.name ?? '', this.#down() ?? this.#inner.update<T>(obj));
  }
  updateStatus<T extends StorableObject = KubeObject>(obj: StorableObject): ApiResult<DeepReadonly<T>> {
    return this.#record('updateStatus', obj.kind, obj.metadata?.name ?? '', this.#down() ?? this.#inner.updateStatus<T>(obj));
  }
  patch<T extends StorableObject = KubeObject>(ref: ObjectRef, patch: unknown, opts?: { readonly subresource?: 'status' }): ApiResult<DeepReadonly<T>> {
    return this.#down() ?? (opts === undefined ? this.#inner.patch<T>(ref, patch) : this.#inner.patch<T>(ref, patch, opts));
  }
  delete<T extends StorableObject = KubeObject>(ref: ObjectRef, opts?: ClientDeleteOptions): ApiResult<DeleteResult<T>> {
    return this.#record('delete', ref.kind, ref.name, this.#down() ?? (opts === undefined ? this.#inner.delete<T>(ref) : this.#inner.delete<T>(ref, opts)));
  }
  bind(req: BindingRequest): ApiResult<void> {
    return this.#down() ?? this.#inner.bind(req);
  }
  evict(req: EvictionRequest): ApiResult<void> {
    return this.#down() ?? this.#inner.evict(req);
  }
  watch<T extends StorableObject = KubeObject>(req: WatchRequest): ApiResult<Watcher<T>> {
    return this.#down() ?? this.#inner.watch<T>(req);
  }
}

/** Options of `newKubeletHarness`. */
export interface KubeletHarnessOptions {
  readonly seed?: number;
  /** Node names; default `['node-0']`. */
  readonly nodes?: readonly string[];
  readonly config?: KubeletConfigInput;
  readonly capacity?: Readonly<Record<string, string>>;
  readonly traceLimit?: number;
  /** Nodes to create before the kubelets start (adoption), as full Node objects. */
  readonly existingNodes?: readonly Node[];
  /** Whether to start the kubelets at once (default true). */
  readonly start?: boolean;
}

/** What `newKubeletHarness` builds. */
export interface KubeletHarness {
  readonly sim: Simulation<SimPayload>;
  readonly api: ControlPlaneApi;
  readonly network: WatchNetwork;
  /** The test's own client; its writes reach the informers. */
  readonly client: ApiClient;
  readonly kubelets: readonly Kubelet[];
  /** The partitionable client behind each kubelet, by node name. */
  readonly links: ReadonlyMap<string, PartitionableClient>;
  kubelet(node: string): Kubelet;
  createPod(pod: Pod): DeepReadonly<Pod>;
  pod(key: string): DeepReadonly<Pod> | undefined;
  node(name: string): DeepReadonly<Node> | undefined;
  lease(name: string): DeepReadonly<Lease> | undefined;
  /** Trace entries of `kind` (all kinds when absent). */
  entries(kind?: string): readonly Readonly<Record<string, unknown>>[];
  /** The successful status writes of a pod (`namespace/name`) by its node's kubelet, in order. */
  podStatusWrites(key: string): readonly { readonly atMs: number; readonly pod: DeepReadonly<Pod> }[];
}

/** A simulation with the API server, a watch network and one kubelet per node. */
export function newKubeletHarness(options: KubeletHarnessOptions = {}): KubeletHarness {
  const sim = new Simulation<SimPayload>({
    seed: options.seed ?? 1,
    traceLimit: options.traceLimit ?? Infinity,
    describe: (p) => (isKubeletPayload(p) ? describeKubeletPayload(p) : isRuntimePayload(p) ? describeRuntimePayload(p) : undefined),
  });
  const api = createControlPlaneApi({ store: sim.store, clock: sim.clock });
  const network = new WatchNetwork({ sim });
  const client = network.wrap(api.client('test'));
  for (const node of options.existingNodes ?? []) unwrap(client.create(node));
  const links = new Map<string, PartitionableClient>();
  const kubelets = (options.nodes ?? ['node-0']).map((nodeName, nodeIndex) => {
    const link = new PartitionableClient(api.client(`kubelet/${nodeName}`), () => sim.nowMs);
    links.set(nodeName, link);
    return new Kubelet({
      sim,
      network,
      client: link,
      nodeName,
      nodeIndex,
      ...(options.config !== undefined ? { config: options.config } : {}),
      ...(options.capacity !== undefined ? { capacity: options.capacity } : {}),
    });
  });
  if (options.start !== false) for (const k of kubelets) k.start();
  const get = <T extends StorableObject>(ref: ObjectRef): DeepReadonly<T> | undefined => {
    const res = sim.store.get<T>(ref);
    return res.ok ? res.value : undefined;
  };
  return {
    sim,
    api,
    network,
    client,
    kubelets,
    links,
    kubelet: (node) => {
      const k = kubelets.find((x) => x.nodeName === node);
      if (k === undefined) throw new Error(`no kubelet for ${node}`);
      return k;
    },
    createPod: (pod) => unwrap(client.create<Pod>(pod)),
    pod: (key) => {
      const [namespace, name] = key.split('/') as [string, string];
      return get<Pod>({ apiVersion: 'v1', kind: 'Pod', namespace, name });
    },
    node: (name) => get<Node>({ apiVersion: 'v1', kind: 'Node', name }),
    lease: (name) => get<Lease>({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: 'kube-node-lease', name }),
    entries: (kind) => sim.trace.entries().filter((e) => kind === undefined || e.kind === kind) as readonly Readonly<Record<string, unknown>>[],
    podStatusWrites: (key) => {
      const [namespace, name] = key.split('/') as [string, string];
      const out: { atMs: number; pod: DeepReadonly<Pod> }[] = [];
      for (const link of links.values()) {
        for (const w of link.writes) {
          if (w.verb === 'updateStatus' && w.kind === 'Pod' && w.ok && w.name === name && w.object?.metadata.namespace === namespace) {
            out.push({ atMs: w.atMs, pod: w.object as unknown as DeepReadonly<Pod> });
          }
        }
      }
      return out.sort((a, b) => a.atMs - b.atMs);
    },
  };
}

/** A pod bound to `node` (one container `app` running `nginx:1.25` unless `spec` says otherwise). */
export function boundPod(name: string, node: string, spec: Partial<NonNullable<Pod['spec']>> = {}, meta: Partial<NonNullable<Pod['metadata']>> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', ...meta },
    spec: { nodeName: node, containers: [{ name: 'app', image: 'nginx:1.25' }], ...spec },
  };
}
