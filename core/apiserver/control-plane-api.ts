/**
 * The simulated API server tier: one or more `ApiServer` instances over one `Store` and one
 * `TypeRegistry`, sharing the admission policies, the Service IP and port allocators and the
 * schema validation cache, as kube-apiserver replicas share etcd.
 *
 * At construction the control plane creates what upstream's API server creates at start-up, if
 * missing: the namespaces `default`, `kube-system`, `kube-public` and `kube-node-lease` (upstream's
 * system namespaces controller), the PriorityClasses `system-node-critical` and
 * `system-cluster-critical` (the scheduling storage's post-start hook) and, when asked, the
 * `kubernetes` Service in `default` with the first address of the service range.
 */
import type { KindInfo } from '../api/kinds.js';
import { TypeRegistry } from '../api/type-registry.js';
import { ConfigError, type PluginError } from '../errors.js';
import type { Clock } from '../sim/clock.js';
import { unwrap } from '../store/api-result.js';
import type { StorableObject } from '../store/storable-object.js';
import type { Store } from '../store/store.js';
import type { AdmissionPolicy } from './admission-policy.js';
import type { ApiClient } from './api-client.js';
import type { ApiRequestRecord } from './api-request-record.js';
import { ApiServer } from './api-server.js';
import type { SchemaValidatorStats } from './builtin-schema-validator.js';
import { FailoverClient } from './failover-client.js';
import { SYSTEM_PRIORITY_CLASS_OBJECTS } from './priority-admission.js';
import { RequestPipeline } from './request-pipeline.js';
import { DEFAULT_SERVICE_CIDR } from './service-allocator.js';

/** What the control plane creates at start-up (each defaults as noted). */
export interface ControlPlaneBootstrap {
  /** `default`, `kube-system`, `kube-public`, `kube-node-lease` (default true). */
  readonly namespaces?: boolean | undefined;
  /** `system-node-critical`, `system-cluster-critical` (default true). */
  readonly priorityClasses?: boolean | undefined;
  /** The `kubernetes` Service in `default` (default false). */
  readonly kubernetesService?: boolean | undefined;
}

/** Options of `createControlPlaneApi`. */
export interface ControlPlaneApiOptions {
  readonly store: Store;
  /** The simulation's virtual clock (status times, eviction records, graceful deletion). */
  readonly clock: Clock;
  /** Built-in kinds plus registered CRDs; default a new `TypeRegistry`. CRDs it already holds are served. */
  readonly registry?: TypeRegistry | undefined;
  /** How many instances (default 1), named `apiserver-0`, `apiserver-1`, ... */
  readonly instances?: number | undefined;
  readonly admissionPolicies?: readonly AdmissionPolicy[] | undefined;
  /** Called once per handled request (the simulation's trace). */
  readonly onRequest?: ((record: ApiRequestRecord) => void) | undefined;
  /** Called when an admission policy breaks its contract (the request fails with 500). */
  readonly onPluginError?: ((error: PluginError) => void) | undefined;
  /** `--service-cluster-ip-range`, default `10.96.0.0/12`. */
  readonly serviceClusterIpRange?: string | undefined;
  /** `--service-node-port-range`, default `30000-32767`. */
  readonly serviceNodePortRange?: string | undefined;
  /** What to create at start-up; `false` for nothing. */
  readonly bootstrap?: ControlPlaneBootstrap | false | undefined;
}

/** The namespaces upstream's API server creates at start-up. */
export const SYSTEM_NAMESPACES: readonly string[] = Object.freeze(['default', 'kube-system', 'kube-public', 'kube-node-lease']);

/** The user agent of the control plane's own writes. */
export const APISERVER_USER_AGENT = 'kube-apiserver';

/** See the module comment. */
export class ControlPlaneApi {
  readonly store: Store;
  readonly registry: TypeRegistry;
  readonly clock: Clock;
  /** The instances, in their fixed order. */
  readonly servers: readonly ApiServer[];
  readonly #pipeline: RequestPipeline;

  constructor(options: ControlPlaneApiOptions) {
    const count = options.instances ?? 1;
    if (!Number.isSafeInteger(count) || count < 1) throw new ConfigError(`control plane: instances must be a positive integer, got ${String(count)}`);
    this.store = options.store;
    this.registry = options.registry ?? new TypeRegistry();
    this.clock = options.clock;
    for (const info of this.registry.kinds()) if (this.registry.isCustom(info.group, info.kind)) this.store.registerKind(info as KindInfo);
    this.#pipeline = new RequestPipeline({
      store: this.store,
      registry: this.registry,
      clock: this.clock,
      onPluginError: options.onPluginError,
      serviceClusterIpRange: options.serviceClusterIpRange,
      serviceNodePortRange: options.serviceNodePortRange,
    });
    const servers: ApiServer[] = [];
    for (let i = 0; i < count; i++) servers.push(new ApiServer({ name: `apiserver-${i}`, pipeline: this.#pipeline, onRequest: options.onRequest }));
    this.servers = Object.freeze(servers);
    // The start-up objects are the API server's own: user policies do not see them (upstream
    // writes them through storage, not through admission).
    if (options.bootstrap !== false) this.#bootstrap(options.bootstrap ?? {}, options.serviceClusterIpRange ?? DEFAULT_SERVICE_CIDR);
    for (const p of options.admissionPolicies ?? []) this.addAdmissionPolicy(p);
  }

  /** An instance by index or name; `ConfigError` if there is none. */
  server(which: number | string): ApiServer {
    const s = typeof which === 'number' ? this.servers[which] : this.servers.find((x) => x.name === which);
    if (s === undefined) throw new ConfigError(`control plane: no API server instance ${JSON.stringify(which)} (have ${this.servers.map((x) => x.name).join(', ')})`);
    return s;
  }

  /** A client of one instance (default the first): it gets 503 while that instance is down. */
  client(userAgent: string, instance: number | string = 0): ApiClient {
    return this.server(instance).client(userAgent);
  }

  /** A client that fails over to the next healthy instance, starting at `preferred`. */
  failoverClient(userAgent: string, preferred: number | string = 0): FailoverClient {
    const index = typeof preferred === 'number' ? preferred : this.servers.indexOf(this.server(preferred));
    return new FailoverClient(this.servers, userAgent, index);
  }

  /** Registers an admission policy for every instance; `ConfigError` if the name is taken. */
  addAdmissionPolicy(policy: AdmissionPolicy): void {
    if (this.#pipeline.policies.has(policy.name)) throw new ConfigError(`admission policy ${JSON.stringify(policy.name)} is already registered`);
    this.#pipeline.policies.add(policy);
  }

  /** The registered admission policies, in registration (and execution) order. */
  admissionPolicies(): readonly AdmissionPolicy[] {
    return this.#pipeline.policies.list();
  }

  /** Counters of the built-in schema validation cache. */
  validationStats(): SchemaValidatorStats {
    return this.#pipeline.validationStats();
  }

  #bootstrap(opts: ControlPlaneBootstrap, cidr: string): void {
    const objects: StorableObject[] = [];
    if (opts.namespaces !== false) {
      for (const name of SYSTEM_NAMESPACES) objects.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    }
    if (opts.priorityClasses !== false) for (const pc of SYSTEM_PRIORITY_CLASS_OBJECTS) objects.push(pc as unknown as StorableObject);
    if (opts.kubernetesService === true) {
      const base = cidr.split('/')[0] ?? '10.96.0.0';
      const octets = base.split('.').map(Number);
      const first = `${octets[0]}.${octets[1]}.${octets[2]}.${(octets[3] ?? 0) + 1}`;
      objects.push({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
        spec: { clusterIP: first, ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }] },
      });
    }
    const client = this.client(APISERVER_USER_AGENT);
    for (const obj of objects) {
      const ref = { apiVersion: obj.apiVersion, kind: obj.kind, namespace: obj.metadata?.namespace, name: obj.metadata?.name ?? '' };
      if (this.store.get(ref).ok) continue;
      unwrap(client.create(obj));
    }
  }
}

/** Creates the API server tier (see `ControlPlaneApi`). */
export function createControlPlaneApi(options: ControlPlaneApiOptions): ControlPlaneApi {
  return new ControlPlaneApi(options);
}

/** A single API server instance (`apiserver-0`) over a store: `createControlPlaneApi` with one instance. */
export function createApiServer(options: Omit<ControlPlaneApiOptions, 'instances'>): ApiServer {
  return new ControlPlaneApi(options).server(0);
}
