/**
 * `createSimulation`: a whole Kubernetes cluster in one deterministic, virtual-time simulation.
 *
 * It wires, in one `Simulation`: the API server tier (N instances over one MVCC store, with the
 * admission chain and CRD support), the kube-scheduler and kube-controller-manager replicas (leader
 * election on Leases; only the leader acts), one kubelet (with its container runtime) and one
 * kube-proxy per Node, the watch network that delivers watch events to every component's informers
 * with RNG-drawn latency, etcd-style periodic compaction, and the fault timeline. Manifests enter
 * through the API server as `kubectl apply` would send them.
 *
 * Component names are the ones fault plans use: `apiserver-N`, `scheduler-N`,
 * `controller-manager-N`, and nodes by name (`kubelet/<node>`, `kube-proxy/<node>` in the trace).
 */
import type { DeepReadonly, KubeObject } from '../api/types.js';
import type { ApiClient } from '../apiserver/api-client.js';
import type { AdmissionPolicy } from '../apiserver/admission-policy.js';
import { ControlPlaneApi } from '../apiserver/control-plane-api.js';
import { ControllerManager } from '../controllers/controller-manager.js';
import type { ControllerDefinition } from '../controllers/reconciler.js';
import type { DelayRange } from '../controllers/runtime-host.js';
import { WatchNetwork } from '../controllers/watch-network.js';
import { ConfigError } from '../errors.js';
import { Kubelet } from '../kubelet/kubelet.js';
import type { KubeletConfigInput } from '../kubelet/kubelet-config.js';
import { KubeProxy, type RoutingTable } from '../proxy/kube-proxy.js';
import type { SchedulerConfig } from '../scheduler/config-types.js';
import type { SchedulerPluginDefinition } from '../scheduler/plugin.js';
import { SchedulerComponent } from '../scheduler/scheduler-component.js';
import { pluginRegistry } from '../scheduler/scheduler.js';
import { formatDurationMs, type Fault } from '../sim/fault-plan.js';
import { Simulation, type RunResult, type SimPayload } from '../sim/simulation.js';
import type { Trace } from '../sim/trace.js';
import type { ApiResult } from '../store/api-result.js';
import { serviceUnavailable } from '../store/api-error.js';
import type { Store } from '../store/store.js';
import { defaultComponents } from './default-components.js';

/** Sizes of the control plane. */
export interface ControlPlaneSize {
  readonly apiservers?: number;
  readonly schedulers?: number;
  readonly controllerManagers?: number;
}

/** Options of `createSimulation`. */
export interface CreateSimulationOptions {
  /** Objects to apply at time 0 (Nodes get a kubelet and a kube-proxy each). */
  readonly manifests?: readonly KubeObject[];
  readonly seed?: number;
  readonly controlPlane?: ControlPlaneSize;
  /** Default: the registered defaults (`import 'kubeprop/plugins'`). */
  readonly schedulerPlugins?: readonly SchedulerPluginDefinition<unknown>[];
  readonly schedulerConfig?: SchedulerConfig;
  /** Default: the registered built-in controllers. */
  readonly controllers?: readonly ControllerDefinition[];
  readonly admissionPolicies?: readonly AdmissionPolicy[];
  /** Kubelet and container runtime parameters for every node. */
  readonly kubelet?: KubeletConfigInput;
  /** Watch delivery latency of every component's informers (default 1–10 ms). */
  readonly informerLatencyMs?: DelayRange;
  /** Faults to inject (see `parseFaultPlan`). */
  readonly faults?: readonly Fault[];
  /** Trace entries kept in memory (the digest covers all); default 100,000. */
  readonly traceLimit?: number;
  /** Trace kinds not recorded at all (for speed). */
  readonly traceExcludeKinds?: readonly string[];
  /** etcd compaction interval of the API server (`--etcd-compaction-interval`, default 5 min); 0 disables. */
  readonly compactionIntervalMs?: number;
}

/** A read-only view of the cluster's current state (the store). */
export interface ClusterState {
  /** Objects of one kind (`group/Kind`, or `Kind` for the core group), optionally in one namespace. */
  list(kind: string, namespace?: string): readonly DeepReadonly<KubeObject>[];
  get(kind: string, namespace: string | undefined, name: string): DeepReadonly<KubeObject> | undefined;
  /** Every object in the store, in a stable order (kind, namespace, name). */
  all(): readonly DeepReadonly<KubeObject>[];
}

/** Payloads of the simulation's own bookkeeping actors. */
type ClusterPayload =
  | { readonly kind: 'fault'; readonly index: number; readonly phase: 'start' | 'end' }
  | { readonly kind: 'compact'; readonly revision: number }
  | { readonly kind: 'heal-partition'; readonly node: string; readonly epoch: number };

/** Widens a bookkeeping payload to the simulation's payload type. */
function payload(p: ClusterPayload): SimPayload {
  return p;
}

function parseKind(kind: string): { group: string; kind: string } {
  const i = kind.lastIndexOf('/');
  return i < 0 ? { group: '', kind } : { group: kind.slice(0, i), kind: kind.slice(i + 1) };
}

/** Applies objects in the order kubectl users rely on: namespaces, CRDs and classes before the rest. */
function applyOrder(o: KubeObject): number {
  switch (o.kind) {
    case 'Namespace':
      return 0;
    case 'CustomResourceDefinition':
      return 1;
    case 'PriorityClass':
    case 'LimitRange':
    case 'StorageClass':
      return 2;
    default:
      return 3;
  }
}

/** A client whose calls fail with 503 while a partition is in force. */
class PartitionableClient implements ApiClient {
  partitioned = false;
  constructor(private readonly inner: ApiClient) {}
  get userAgent(): string {
    return this.inner.userAgent;
  }
  #cut<T>(): ApiResult<T> {
    return { ok: false, error: serviceUnavailable('the node is partitioned from the API servers') };
  }
  create: ApiClient['create'] = (obj) => (this.partitioned ? this.#cut() : this.inner.create(obj));
  get: ApiClient['get'] = (ref) => (this.partitioned ? this.#cut() : this.inner.get(ref));
  list: ApiClient['list'] = (req) => (this.partitioned ? this.#cut() : this.inner.list(req));
  update: ApiClient['update'] = (obj) => (this.partitioned ? this.#cut() : this.inner.update(obj));
  updateStatus: ApiClient['updateStatus'] = (obj) => (this.partitioned ? this.#cut() : this.inner.updateStatus(obj));
  patch: ApiClient['patch'] = (ref, p, opts) => (this.partitioned ? this.#cut() : this.inner.patch(ref, p, opts));
  delete: ApiClient['delete'] = (ref, opts) => (this.partitioned ? this.#cut() : this.inner.delete(ref, opts));
  bind: ApiClient['bind'] = (req) => (this.partitioned ? this.#cut() : this.inner.bind(req));
  evict: ApiClient['evict'] = (req) => (this.partitioned ? this.#cut() : this.inner.evict(req));
  watch: ApiClient['watch'] = (req) => (this.partitioned ? this.#cut() : this.inner.watch(req));
}

interface NodeAgents {
  readonly kubelet: Kubelet;
  readonly proxy: KubeProxy;
  readonly client: PartitionableClient;
  partitionEpoch: number;
}

/** A simulated cluster. */
export class ClusterSimulation {
  readonly sim: Simulation<SimPayload>;
  readonly api: ControlPlaneApi;
  readonly network: WatchNetwork;
  readonly schedulers: readonly SchedulerComponent[];
  readonly controllerManagers: readonly ControllerManager[];
  readonly #nodes = new Map<string, NodeAgents>();
  /** The options, without the manifests: applied once, they would otherwise stay pinned for the simulation's life. */
  readonly #opts: Omit<CreateSimulationOptions, 'manifests'>;
  readonly #kubectl: ApiClient;
  #nodeIndex = 0;
  readonly #faults: readonly Fault[];

  constructor(opts: CreateSimulationOptions) {
    const { manifests: _applied, ...kept } = opts;
    this.#opts = kept;
    const defaults = defaultComponents();
    const schedulerPlugins = opts.schedulerPlugins ?? defaults?.schedulerPlugins;
    const controllers = opts.controllers ?? defaults?.controllers;
    if (schedulerPlugins === undefined || controllers === undefined) {
      throw new ConfigError(
        "createSimulation: no scheduler plugins or controllers given and no defaults registered (pass schedulerPlugins and controllers, or import 'kubeprop/plugins' first)",
      );
    }
    const size = opts.controlPlane ?? {};
    const apiservers = size.apiservers ?? 1;
    const schedulers = size.schedulers ?? 1;
    const cms = size.controllerManagers ?? 1;
    for (const [what, n] of [
      ['apiservers', apiservers],
      ['schedulers', schedulers],
      ['controllerManagers', cms],
    ] as const) {
      if (!Number.isSafeInteger(n) || n < 1) throw new ConfigError(`createSimulation: controlPlane.${what} must be a positive integer, got ${String(n)}`);
    }
    this.sim = new Simulation<SimPayload>({
      seed: opts.seed ?? 0,
      ...(opts.traceLimit !== undefined ? { traceLimit: opts.traceLimit } : {}),
      ...(opts.traceExcludeKinds !== undefined ? { traceExcludeKinds: opts.traceExcludeKinds } : {}),
    });
    this.network = new WatchNetwork({ sim: this.sim as never });
    this.api = new ControlPlaneApi({
      store: this.sim.store,
      clock: { nowMs: () => this.sim.nowMs },
      instances: apiservers,
      ...(opts.admissionPolicies ? { admissionPolicies: opts.admissionPolicies } : {}),
      onPluginError: (e) => this.sim.record('apiserver', 'plugin-error', { plugin: e.plugin, message: e.message }),
      onRequest: (r) => {
        // Writes are the story of a run; reads, and the heartbeats every node sends, are noise.
        if (r.verb === 'get' || r.verb === 'list' || r.verb === 'watch' || r.kind === 'coordination.k8s.io/Lease') return;
        if (r.kind === 'Node' && r.subresource === 'status' && r.code < 300) return;
        this.sim.record(r.instance, 'api', {
          by: r.userAgent,
          verb: r.subresource === 'binding' ? 'bind' : r.subresource === 'eviction' ? 'evict' : r.subresource ? `${r.verb}/${r.subresource}` : r.verb,
          resource: r.kind,
          ns: r.namespace,
          name: r.name,
          code: r.code,
        });
      },
    });
    this.#kubectl = this.network.wrap(this.api.failoverClient('kubectl', 0));
    const registry = pluginRegistry(schedulerPlugins);
    const scheds: SchedulerComponent[] = [];
    for (let i = 0; i < schedulers; i++) {
      scheds.push(
        new SchedulerComponent({
          sim: this.sim as never,
          network: this.network,
          name: `scheduler-${i}`,
          client: this.api.failoverClient('kube-scheduler', i % apiservers),
          registry,
          ...(opts.schedulerConfig ? { config: opts.schedulerConfig } : {}),
          leaderElection: true,
          ...(opts.informerLatencyMs ? { informerLatencyMs: opts.informerLatencyMs } : {}),
        }),
      );
    }
    this.schedulers = scheds;
    const managers: ControllerManager[] = [];
    for (let i = 0; i < cms; i++) {
      managers.push(
        new ControllerManager({
          sim: this.sim as never,
          network: this.network,
          name: `controller-manager-${i}`,
          client: this.api.failoverClient('kube-controller-manager', i % apiservers),
          controllers,
          ...(opts.informerLatencyMs ? { informerLatencyMs: opts.informerLatencyMs } : {}),
        }),
      );
    }
    this.controllerManagers = managers;
    this.#faults = opts.faults ?? [];
    if (opts.manifests && opts.manifests.length > 0) {
      const failures = this.apply(opts.manifests).filter((r) => !r.result.ok);
      if (failures.length > 0) {
        throw new ConfigError(
          `createSimulation: ${failures.length} manifest(s) were rejected by the API server:\n` +
            failures.map((f) => `  ${f.object.kind} ${f.object.metadata?.namespace ? `${f.object.metadata.namespace}/` : ''}${f.object.metadata?.name ?? ''}: ${f.result.ok ? '' : f.result.error.message}`).join('\n'),
        );
      }
    }
    // Fault targets are checked against the nodes the manifests created.
    this.#setUpBookkeeping();
    for (const s of this.schedulers) s.start();
    for (const m of this.controllerManagers) m.start();
  }

  #setUpBookkeeping(): void {
    const faults = this.#faults;
    this.sim.addActor('faults', (p) => this.#onFault(p as ClusterPayload));
    faults.forEach((f, index) => {
      this.#checkTarget(f);
      this.sim.scheduleAt(f.atMs, 'faults', payload({ kind: 'fault', index, phase: 'start' }));
      if (f.forMs !== undefined) this.sim.scheduleAt(f.atMs + f.forMs, 'faults', payload({ kind: 'fault', index, phase: 'end' }));
    });
    const interval = this.#opts.compactionIntervalMs ?? 5 * 60_000;
    if (interval > 0) {
      // As kube-apiserver does every --etcd-compaction-interval: compact to the revision seen at the
      // previous compaction, so watchers have had a whole interval to catch up.
      this.sim.addActor('etcd', (p) => {
        const c = p as ClusterPayload;
        if (c.kind !== 'compact') return;
        if (c.revision > 0) this.sim.store.compact(c.revision);
        this.sim.scheduleAfter(interval, 'etcd', payload({ kind: 'compact', revision: this.sim.store.revision }));
      });
      this.sim.scheduleAt(interval, 'etcd', payload({ kind: 'compact', revision: 0 }));
    }
  }

  #checkTarget(f: Fault): void {
    const known = (): string[] => [
      ...this.api.servers.map((s) => s.name),
      ...this.schedulers.map((s) => s.name),
      ...this.controllerManagers.map((m) => m.name),
    ];
    switch (f.kind) {
      case 'ComponentCrash':
        if (!known().includes(f.target)) throw new ConfigError(`fault ${f.kind} at ${formatDurationMs(f.atMs)}: unknown target "${f.target}" (components: ${known().join(', ')})`);
        return;
      case 'PodCrash':
        return;
      default:
        if (!this.#nodeNames().includes(f.target)) {
          throw new ConfigError(`fault ${f.kind} at ${formatDurationMs(f.atMs)}: unknown node "${f.target}" (nodes: ${this.#nodeNames().join(', ') || 'none'})`);
        }
    }
  }

  #nodeNames(): string[] {
    return [...this.#nodes.keys()];
  }

  #onFault(p: ClusterPayload): void {
    if (p.kind === 'heal-partition') {
      const n = this.#nodes.get(p.node);
      if (n && n.partitionEpoch === p.epoch) n.client.partitioned = false;
      return;
    }
    if (p.kind !== 'fault') return;
    const f = this.#faults[p.index]!;
    this.sim.record('faults', `fault-${p.phase}`, { fault: f.kind, target: f.target });
    if (p.phase === 'start') this.#startFault(f);
    else this.#endFault(f);
  }

  #startFault(f: Fault): void {
    switch (f.kind) {
      case 'NodeCrash': {
        const a = this.#agents(f.target);
        a.kubelet.crash();
        a.proxy.crash();
        return;
      }
      case 'NodePartition': {
        const a = this.#agents(f.target);
        a.client.partitioned = true;
        a.partitionEpoch++;
        return;
      }
      case 'KubeletStop':
        this.#agents(f.target).kubelet.stop();
        return;
      case 'PodCrash':
        this.crashPod(f.target);
        return;
      case 'ComponentCrash':
        this.crash(f.target);
        return;
    }
  }

  #endFault(f: Fault): void {
    switch (f.kind) {
      case 'NodeCrash': {
        const a = this.#agents(f.target);
        a.kubelet.restart();
        a.proxy.restart();
        return;
      }
      case 'KubeletStop':
        this.#agents(f.target).kubelet.restart();
        return;
      case 'NodePartition':
        this.#agents(f.target).client.partitioned = false;
        return;
      case 'PodCrash':
        return;
      case 'ComponentCrash':
        this.restart(f.target);
        return;
    }
  }

  #agents(node: string): NodeAgents {
    const a = this.#nodes.get(node);
    if (!a) throw new ConfigError(`no node named "${node}" (nodes: ${this.#nodeNames().join(', ') || 'none'})`);
    return a;
  }

  /** Starts a kubelet and a kube-proxy for a node that has none yet. */
  #ensureNodeAgents(nodeName: string): void {
    if (this.#nodes.has(nodeName)) return;
    const index = this.#nodeIndex++;
    const client = new PartitionableClient(this.api.failoverClient(`kubelet/${nodeName}`, index % this.api.servers.length));
    const kubelet = new Kubelet({
      sim: this.sim as never,
      network: this.network,
      client,
      nodeName,
      nodeIndex: index,
      ...(this.#opts.kubelet ? { config: this.#opts.kubelet } : {}),
      ...(this.#opts.informerLatencyMs ? { informerLatencyMs: this.#opts.informerLatencyMs } : {}),
    });
    const proxy = new KubeProxy({
      sim: this.sim as never,
      network: this.network,
      client: this.api.failoverClient(`kube-proxy/${nodeName}`, index % this.api.servers.length),
      nodeName,
      ...(this.#opts.informerLatencyMs ? { informerLatencyMs: this.#opts.informerLatencyMs } : {}),
    });
    this.#nodes.set(nodeName, { kubelet, proxy, client, partitionEpoch: 0 });
    kubelet.start();
    proxy.start();
  }

  /** The store (read-only use expected; writes should go through `apply`). */
  get store(): Store {
    return this.sim.store;
  }

  get trace(): Trace {
    return this.sim.trace;
  }

  get nowMs(): number {
    return this.sim.nowMs;
  }

  /**
   * Applies objects through the API server as `kubectl apply` would (create, or update when the
   * object exists). Nodes get a kubelet and a kube-proxy. Returns each object's result.
   */
  apply(objects: readonly KubeObject[]): { object: KubeObject; result: ApiResult<DeepReadonly<KubeObject>> }[] {
    const ordered = objects.map((o, i) => ({ o, i })).sort((a, b) => applyOrder(a.o) - applyOrder(b.o) || a.i - b.i);
    const out: { object: KubeObject; result: ApiResult<DeepReadonly<KubeObject>> }[] = [];
    for (const { o } of ordered) {
      const created = this.#kubectl.create(o);
      let result = created;
      if (!created.ok && created.error.reason === 'AlreadyExists') {
        const ref = { apiVersion: o.apiVersion, kind: o.kind, namespace: o.metadata?.namespace, name: o.metadata?.name ?? '' };
        const cur = this.#kubectl.get(ref);
        if (cur.ok) {
          const next = { ...o, metadata: { ...o.metadata, resourceVersion: cur.value.metadata?.resourceVersion } } as KubeObject;
          result = this.#kubectl.update(next);
        }
      }
      out.push({ object: o, result });
      if (result.ok && o.kind === 'Node' && o.apiVersion === 'v1') this.#ensureNodeAgents(o.metadata?.name ?? '');
    }
    return out;
  }

  /** A client for the caller's own writes (as a user with kubectl would), announced to watchers. */
  client(userAgent = 'kubectl'): ApiClient {
    return this.network.wrap(this.api.failoverClient(userAgent, 0));
  }

  runFor(ms: number): RunResult {
    return this.sim.runFor(ms);
  }

  runUntil(predicate: () => boolean, opts: { readonly maxMs: number }): RunResult {
    return this.sim.runUntil(predicate, opts);
  }

  /**
   * Runs until nothing is pending before `maxMs`. A cluster always has periodic work (heartbeats,
   * leases), so "quiet" here means: until `maxMs` or until `predicate` holds, whichever is first.
   */
  runUntilQuiet(opts: { readonly maxMs: number }): RunResult {
    return this.sim.runUntilQuiet(opts);
  }

  /** Crashes a component (`apiserver-N`, `scheduler-N`, `controller-manager-N`). */
  crash(component: string): void {
    const s = this.api.servers.find((x) => x.name === component);
    if (s) {
      s.crash();
      this.sim.record(component, 'component-crash', {});
      this.network.notify();
      return;
    }
    const sc = this.schedulers.find((x) => x.name === component);
    if (sc) return sc.crash();
    const cm = this.controllerManagers.find((x) => x.name === component);
    if (cm) return cm.crash();
    throw new ConfigError(`no component named "${component}"`);
  }

  /** Restarts a crashed component with fresh state. */
  restart(component: string): void {
    const s = this.api.servers.find((x) => x.name === component);
    if (s) {
      s.restart();
      this.sim.record(component, 'component-restart', {});
      return;
    }
    const sc = this.schedulers.find((x) => x.name === component);
    if (sc) return sc.restart();
    const cm = this.controllerManagers.find((x) => x.name === component);
    if (cm) return cm.restart();
    throw new ConfigError(`no component named "${component}"`);
  }

  /** Cuts a node off from the API servers for `ms` (its kubelet keeps running). */
  partition(node: string, ms: number): void {
    const a = this.#agents(node);
    a.client.partitioned = true;
    a.partitionEpoch++;
    this.sim.scheduleAfter(ms, 'faults', payload({ kind: 'heal-partition', node, epoch: a.partitionEpoch }));
  }

  /** Kills the containers of a pod (`namespace/name`) on whichever node runs it. */
  crashPod(key: string): boolean {
    for (const a of this.#nodes.values()) if (a.kubelet.crashPod(key)) return true;
    return false;
  }

  /** The kubelet of a node (fault hooks: stop, crash, restart). */
  kubelet(node: string): Kubelet {
    return this.#agents(node).kubelet;
  }

  /** The current routing table of a node's kube-proxy. */
  routingTable(node: string): RoutingTable {
    return this.#agents(node).proxy.routingTable();
  }

  /** The nodes with agents, in creation order. */
  nodeNames(): readonly string[] {
    return this.#nodeNames();
  }

  /** A read-only view of the cluster state. */
  get state(): ClusterState {
    const store = this.sim.store;
    return {
      list(kind, namespace) {
        const gk = parseKind(kind);
        const r = store.list({ group: gk.group, kind: gk.kind, ...(namespace !== undefined ? { namespace } : {}) });
        return r.ok ? r.value.items : [];
      },
      get(kind, namespace, name) {
        const gk = parseKind(kind);
        const r = store.get({ group: gk.group, kind: gk.kind, namespace, name });
        return r.ok ? r.value : undefined;
      },
      all: () => store.listAll() as readonly DeepReadonly<KubeObject>[],
    };
  }
}

/** Creates a simulated cluster (see `ClusterSimulation`). Throws `ConfigError` on bad input. */
export function createSimulation(opts: CreateSimulationOptions = {}): ClusterSimulation {
  return new ClusterSimulation(opts);
}
