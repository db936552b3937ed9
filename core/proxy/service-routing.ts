/**
 * How kube-proxy turns a Service and its EndpointSlices into routes: for each cluster IP and
 * service port, the endpoints (`ip:port`) traffic to `<clusterIP>:<port>/<protocol>` is sent to.
 *
 * Upstream: `pkg/proxy/servicechangetracker.go` and `pkg/proxy/serviceport.go` (one service port
 * per cluster IP family and port; headless and ExternalName services have none),
 * `pkg/proxy/endpointslicecache.go` (endpoints per service port name, looked up by the slice port
 * with the same name and protocol, which is how a named `targetPort` is resolved; conditions
 * `ready` and `serving` default to true when unset, `terminating` to false; an address appearing in
 * several slices counts once, a node-local copy winning; only the first address of an endpoint is
 * used) and `pkg/proxy/topology.go` (`CategorizeEndpoints`: ready endpoints, falling back to
 * serving-and-terminating ones when none is ready; `internalTrafficPolicy: Local` keeps only this
 * node's endpoints, with the same fallback). Topology hints (`trafficDistribution`) are not
 * modelled: every endpoint is eligible, as in the default, hint-less case.
 *
 * Deterministic choices where upstream iterates maps: slices are visited in name order, so of two
 * differing copies of one address the one in the first slice wins (unless the other is local);
 * endpoint lists are sorted by their string, as upstream sorts them.
 */
import type { DeepReadonly, EndpointSlice, Service } from '../api/types.js';

/** The label that ties an EndpointSlice to its Service (upstream `discovery.LabelServiceName`). */
export const LABEL_SERVICE_NAME = 'kubernetes.io/service-name';
/**
 * The label selector kube-proxy lists Services and EndpointSlices with: objects handled by another
 * proxy (`service.kubernetes.io/service-proxy-name`) and headless services' slices are skipped.
 */
export const PROXY_LABEL_SELECTOR = '!service.kubernetes.io/service-proxy-name,!service.kubernetes.io/headless';

/** One endpoint as kube-proxy keeps it (upstream `BaseEndpointInfo`). */
export interface ProxyEndpoint {
  /** `ip:port` (`[ip]:port` for IPv6): the endpoint's identity and its place in the sorted list. */
  readonly endpoint: string;
  readonly ip: string;
  readonly port: number;
  readonly nodeName: string | undefined;
  readonly isLocal: boolean;
  readonly ready: boolean;
  readonly serving: boolean;
  readonly terminating: boolean;
}

/** The routes of one Service: routing-table key → endpoint strings, sorted. */
export type ServiceRoutes = ReadonlyMap<string, readonly string[]>;

function isIPv6(ip: string): boolean {
  return ip.includes(':');
}

/** `ip:port`, with brackets around an IPv6 address. */
export function hostPort(ip: string, port: number): string {
  return isIPv6(ip) ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** The routing-table key of a service port: `<clusterIP>:<port>/<protocol>`. */
export function routeKey(clusterIP: string, port: number, protocol: string): string {
  return `${hostPort(clusterIP, port)}/${protocol}`;
}

/** The cluster IPs kube-proxy serves for a Service: none for headless and ExternalName services. */
export function serviceClusterIPs(service: DeepReadonly<Service>): readonly string[] {
  const spec = service.spec;
  if (spec === undefined || spec.type === 'ExternalName') return [];
  const ips = spec.clusterIPs !== undefined && spec.clusterIPs.length > 0 ? spec.clusterIPs : spec.clusterIP !== undefined ? [spec.clusterIP] : [];
  return ips.filter((ip) => ip !== '' && ip !== 'None');
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The endpoints of one service port (by its name and protocol) from the service's slices of one
 * address family, deduplicated by `ip:port` (upstream `endpointInfoByServicePort` + `addEndpoints`).
 */
export function servicePortEndpoints(
  slices: readonly DeepReadonly<EndpointSlice>[],
  portName: string,
  protocol: string,
  family: 'IPv4' | 'IPv6',
  nodeName: string,
): ProxyEndpoint[] {
  const byEndpoint = new Map<string, ProxyEndpoint>();
  const ordered = slices.length > 1 ? [...slices].sort((a, b) => cmp(a.metadata?.name ?? '', b.metadata?.name ?? '')) : slices;
  for (const slice of ordered) {
    if (slice.addressType !== family) continue;
    for (const p of slice.ports ?? []) {
      if ((p.name ?? '') !== portName || (p.protocol ?? 'TCP') !== protocol) continue;
      const port = p.port;
      if (port === undefined || port === 0) continue;
      for (const ep of slice.endpoints ?? []) {
        const ip = ep.addresses[0];
        if (ip === undefined || isIPv6(ip) !== (family === 'IPv6')) continue;
        const c = ep.conditions;
        const isLocal = nodeName !== '' && ep.nodeName === nodeName;
        const info: ProxyEndpoint = {
          endpoint: hostPort(ip, port),
          ip,
          port,
          nodeName: ep.nodeName,
          isLocal,
          ready: c?.ready === undefined || c.ready,
          serving: c?.serving === undefined || c.serving,
          terminating: c?.terminating === true,
        };
        if (!byEndpoint.has(info.endpoint) || isLocal) byEndpoint.set(info.endpoint, info);
      }
    }
  }
  return [...byEndpoint.values()].sort((a, b) => cmp(a.endpoint, b.endpoint));
}

/**
 * Upstream `CategorizeEndpoints`, reduced to the endpoints a cluster IP uses: with the internal
 * traffic policy `Cluster`, the ready endpoints, else the serving terminating ones; with `Local`,
 * the same among this node's endpoints only.
 */
export function usableEndpoints(endpoints: readonly ProxyEndpoint[], internalTrafficPolicy: string): string[] {
  const local = internalTrafficPolicy === 'Local';
  const candidates = local ? endpoints.filter((e) => e.isLocal) : endpoints;
  const ready = candidates.filter((e) => e.ready);
  const chosen = ready.length > 0 ? ready : candidates.filter((e) => e.serving && e.terminating);
  return chosen.map((e) => e.endpoint);
}

/**
 * The routes of `service` given its EndpointSlices, as seen from `nodeName`: one entry per cluster
 * IP and service port, with the usable endpoints (possibly none: upstream then rejects the traffic).
 */
export function serviceRoutes(service: DeepReadonly<Service>, slices: readonly DeepReadonly<EndpointSlice>[], nodeName: string): Map<string, readonly string[]> {
  const out = new Map<string, readonly string[]>();
  const policy = service.spec?.internalTrafficPolicy ?? 'Cluster';
  for (const ip of serviceClusterIPs(service)) {
    const family = isIPv6(ip) ? 'IPv6' : 'IPv4';
    for (const sp of service.spec?.ports ?? []) {
      const protocol = sp.protocol ?? 'TCP';
      const endpoints = servicePortEndpoints(slices, sp.name ?? '', protocol, family, nodeName);
      out.set(routeKey(ip, sp.port, protocol), Object.freeze(usableEndpoints(endpoints, policy)));
    }
  }
  return out;
}
