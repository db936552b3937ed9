/**
 * From a Service and a pod to the endpoint and ports that represent the pod in the Service's
 * EndpointSlices, after upstream `staging/src/k8s.io/endpointslice/utils.go` (`podToEndpoint`,
 * `getEndpointPorts`, `getEndpointAddresses`, `FindPort`, `getAddressTypesForService`) and
 * `util/controller_utils.go` (`ShouldPodBeInEndpoints`, `ShouldSetHostname`).
 */
import { canonicalJson, type DeepReadonly, type Node, type Service, type TraceValue } from 'kubeprop';
import { isPodReady, isPodTerminal, type PodView } from '../pod-state.js';

/** Upstream `v1.LabelTopologyZone`. */
export const LABEL_TOPOLOGY_ZONE = 'topology.kubernetes.io/zone';

/** The address types the controller writes (`FQDN` is never generated). */
export type AddressType = 'IPv4' | 'IPv6';

/** A Service as the cache hands it out. */
export type ServiceView = DeepReadonly<Service>;

/** A Node as the cache hands it out. */
export type NodeView = DeepReadonly<Node>;

/** `discovery.k8s.io/v1` `EndpointPort`, as the controller writes it. */
export interface SlicePort {
  name: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}

/** `discovery.k8s.io/v1` `Endpoint`, as the controller writes it. */
export interface SliceEndpoint {
  addresses: string[];
  conditions: { ready: boolean; serving: boolean; terminating: boolean };
  hostname?: string;
  targetRef: { kind: 'Pod'; namespace: string; name: string; uid: string };
  nodeName?: string;
  zone?: string;
}

/** Upstream `getAddressTypesForService`: from `spec.ipFamilies`, else the cluster IP's family, else both. */
export function addressTypesForService(service: ServiceView): AddressType[] {
  const out: AddressType[] = [];
  for (const family of service.spec?.ipFamilies ?? []) {
    if ((family === 'IPv4' || family === 'IPv6') && !out.includes(family)) out.push(family);
  }
  if (out.length > 0) return out;
  const clusterIP = service.spec?.clusterIP ?? '';
  if (clusterIP !== '' && clusterIP !== 'None') return [clusterIP.includes(':') ? 'IPv6' : 'IPv4'];
  // A headless Service read from an API server that did not set ipFamilies: both, as upstream.
  return ['IPv4', 'IPv6'];
}

/** Upstream `isServiceIPSet`: a cluster IP that is neither empty nor `None`. */
export function isServiceIPSet(service: ServiceView): boolean {
  const ip = service.spec?.clusterIP ?? '';
  return ip !== '' && ip !== 'None';
}

/**
 * Upstream `ShouldPodBeInEndpoints(pod, includeTerminating=true)`: not terminal (Succeeded or
 * Failed) and has an IP. Terminating pods stay, with `terminating: true`.
 */
export function shouldPodBeInEndpoints(pod: PodView): boolean {
  if (isPodTerminal(pod)) return false;
  const status = pod.status;
  return (status?.podIP ?? '') !== '' || (status?.podIPs ?? []).length > 0;
}

/**
 * Upstream `FindPort`: a numeric `targetPort` is used as is (absent: the Service port, as the API
 * server defaults it); a named one is looked up among the containers' (and restartable init
 * containers') ports with the same name and protocol. `undefined` when no port matches.
 */
export function findPort(pod: PodView, servicePort: DeepReadonly<NonNullable<NonNullable<Service['spec']>['ports']>[number]>): number | undefined {
  const target = servicePort.targetPort ?? servicePort.port;
  if (typeof target === 'number') return target;
  const protocol = servicePort.protocol ?? 'TCP';
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
  }
  for (const c of pod.spec?.initContainers ?? []) {
    if (c.restartPolicy !== 'Always') continue;
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
  }
  return undefined;
}

/**
 * Upstream `getEndpointPorts`: one port per Service port that resolves for this pod (ports that do
 * not resolve are left out); none for a headless Service without ports.
 */
export function endpointPorts(service: ServiceView, pod: PodView): SlicePort[] {
  const out: SlicePort[] = [];
  for (const sp of service.spec?.ports ?? []) {
    const port = findPort(pod, sp);
    if (port === undefined) continue;
    const ep: SlicePort = { name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP' };
    if (sp.appProtocol !== undefined) ep.appProtocol = sp.appProtocol;
    out.push(ep);
  }
  return out;
}

/**
 * Upstream `NewPortMapKey`: endpoints with the same ports (in any order) share slices; the key is
 * the sorted list of the ports' fields.
 */
export function portMapKey(ports: readonly DeepReadonly<Partial<SlicePort>>[]): string {
  if (ports.length === 0) return '';
  const keyed = ports.map((p) => `${JSON.stringify(p.name ?? null)},${String(p.port)},${JSON.stringify(p.protocol ?? null)},${JSON.stringify(p.appProtocol ?? null)}`);
  keyed.sort();
  return keyed.join(';');
}

/** Upstream `getEndpointAddresses`: the pod IPs of `addressType`'s family (`podIP` when `podIPs` is absent, as the API server fills it). */
export function endpointAddresses(pod: PodView, addressType: AddressType): string[] {
  const ips = pod.status?.podIPs;
  const all = ips !== undefined && ips.length > 0 ? ips.map((p) => p.ip ?? '') : [pod.status?.podIP ?? ''];
  const out: string[] = [];
  for (const ip of all) {
    if (ip === '') continue;
    if (ip.includes(':') === (addressType === 'IPv6')) out.push(ip);
  }
  return out;
}

/** Upstream `podToEndpoint`. `node` is the pod's node, when the cache has it. */
export function podToEndpoint(pod: PodView, node: NodeView | undefined, service: ServiceView, addressType: AddressType): SliceEndpoint {
  const serving = isPodReady(pod);
  const terminating = pod.metadata?.deletionTimestamp !== undefined;
  const ready = service.spec?.publishNotReadyAddresses === true || (serving && !terminating);
  const ep: SliceEndpoint = {
    addresses: endpointAddresses(pod, addressType),
    conditions: { ready, serving, terminating },
    targetRef: { kind: 'Pod', namespace: pod.metadata?.namespace ?? '', name: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '' },
  };
  const nodeName = pod.spec?.nodeName ?? '';
  if (nodeName !== '') ep.nodeName = nodeName;
  const zone = node?.metadata?.labels?.[LABEL_TOPOLOGY_ZONE] ?? '';
  if (zone !== '') ep.zone = zone;
  const hostname = pod.spec?.hostname ?? '';
  if (hostname !== '' && pod.spec?.subdomain === service.metadata?.name && pod.metadata?.namespace === service.metadata?.namespace) ep.hostname = hostname;
  return ep;
}

/**
 * An endpoint's identity (upstream `hashEndpoint`): its sorted addresses, hostname and target pod.
 * Two endpoints with the same identity are the same endpoint, possibly in different states.
 */
export function endpointIdentity(ep: DeepReadonly<{ addresses?: readonly string[]; hostname?: string; targetRef?: { namespace?: string; name?: string } }>): string {
  const addresses = [...(ep.addresses ?? [])].sort();
  return `${addresses.join(',')}|${ep.hostname ?? ''}|${ep.targetRef?.namespace ?? ''}/${ep.targetRef?.name ?? ''}`;
}

const KNOWN_ENDPOINT_FIELDS: ReadonlySet<string> = new Set(['addresses', 'conditions', 'hostname', 'targetRef', 'nodeName', 'zone']);
const KNOWN_CONDITIONS: ReadonlySet<string> = new Set(['ready', 'serving', 'terminating']);
const KNOWN_TARGET_REF: ReadonlySet<string> = new Set(['kind', 'namespace', 'name', 'uid']);
const signatures = new WeakMap<object, string>();

function onlyKnown(obj: object | undefined, known: ReadonlySet<string>): boolean {
  if (obj === undefined) return true;
  for (const k of Object.keys(obj)) if (!known.has(k)) return false;
  return true;
}

/**
 * The full form of an endpoint, for equality beyond identity (upstream `EndpointsEqualBeyondHash`,
 * which compares every field): two endpoints are equal iff their signatures are. The fields the
 * controller writes are laid out directly; an endpoint with any other field (hints, say) falls back
 * to its canonical JSON. Signatures are remembered per endpoint object.
 */
export function endpointSignature(ep: DeepReadonly<Partial<SliceEndpoint>> | DeepReadonly<Record<string, unknown>>): string {
  // Endpoints are never changed once built (cached ones are frozen; the controller builds new ones).
  const known = signatures.get(ep);
  if (known !== undefined) return known;
  const e = ep as DeepReadonly<Partial<SliceEndpoint>>;
  let sig: string;
  if (onlyKnown(e, KNOWN_ENDPOINT_FIELDS) && onlyKnown(e.conditions, KNOWN_CONDITIONS) && onlyKnown(e.targetRef, KNOWN_TARGET_REF)) {
    const c = e.conditions;
    const t = e.targetRef;
    sig =
      `${JSON.stringify(e.addresses ?? null)}|${String(c?.ready)}|${String(c?.serving)}|${String(c?.terminating)}|${c === undefined ? 0 : 1}|` +
      `${JSON.stringify(e.hostname ?? null)}|${JSON.stringify(e.nodeName ?? null)}|${JSON.stringify(e.zone ?? null)}|` +
      `${t === undefined ? 'null' : `${JSON.stringify(t.kind ?? null)},${JSON.stringify(t.namespace ?? null)},${JSON.stringify(t.name ?? null)},${JSON.stringify(t.uid ?? null)}`}`;
  } else {
    sig = `json:${canonicalJson(ep as unknown as TraceValue)}`;
  }
  signatures.set(ep, sig);
  return sig;
}

/** Canonical JSON of any value (owner references and the like). */
export function canonicalForm(value: unknown): string {
  return canonicalJson(value as TraceValue);
}
