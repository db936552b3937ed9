/**
 * Pods: containers, init containers and sidecars with requests and limits, node selectors, node
 * affinity, pod (anti-)affinity, tolerations, topology spread constraints, priority, host ports and
 * (rarely) scheduling gates, all over the shared vocabularies so that they interact with generated
 * nodes and with each other.
 */
import fc from 'fast-check';
import type {
  Affinity,
  Container,
  ContainerPort,
  KubeObject,
  NodeSelectorRequirement,
  NodeSelectorTerm,
  Pod,
  PodAffinityTerm,
  PreferredSchedulingTerm,
  TopologySpreadConstraint,
  WeightedPodAffinityTerm,
} from 'kubeprop';
import { chance, compact, list, optional, range, vocabulary } from './compose.js';
import { labels, labelSelector } from './labels.js';
import { quantityAmount } from './quantity-string.js';
import { tolerations, type TolerationsConstraints } from './toleration.js';
import {
  DEFAULT_EXTENDED_RESOURCES,
  DEFAULT_HOST_PORTS,
  DEFAULT_IMAGES,
  DEFAULT_NAMESPACE_LABEL_KEYS,
  DEFAULT_NAMESPACE_LABEL_VALUES,
  DEFAULT_NAMESPACES,
  DEFAULT_NODE_LABEL_KEYS,
  DEFAULT_NODE_LABEL_VALUES,
  DEFAULT_POD_LABEL_KEYS,
  DEFAULT_POD_LABEL_VALUES,
  DEFAULT_PRIORITY_LEVELS,
  DEFAULT_REGIONS,
  DEFAULT_TOPOLOGY_KEYS,
  DEFAULT_ZONES,
  LABEL_HOSTNAME,
  LABEL_REGION,
  LABEL_ZONE,
  type ImageSpec,
  type PriorityLevel,
} from './vocabulary.js';
import { nodeNames } from './node.js';

/** A generated pod: a `Pod` whose `metadata` is always set, usable wherever a `KubeObject` is. */
export type PodObject = Pod & KubeObject;

/** Options of {@link container}. */
export interface ContainerConstraints {
  /** Largest cpu request, in millicores (steps of 100m). Default 2000. */
  readonly maxCpuMilli?: number;
  /** Largest memory request, in bytes (steps of 64 MiB). Default 4 GiB. */
  readonly maxMemoryBytes?: number;
  /** Extended resources a container may request (1–2 units, limit = request). Default {@link DEFAULT_EXTENDED_RESOURCES}. */
  readonly extendedResources?: readonly string[];
  /** Images to draw from. Default {@link DEFAULT_IMAGES}. */
  readonly images?: readonly ImageSpec[];
  /** Host ports a container may ask for; `[]` for none. Default {@link DEFAULT_HOST_PORTS}. */
  readonly hostPorts?: readonly number[];
}

/** Options of {@link pod}. */
export interface PodConstraints {
  /** The pod's name. Default: drawn from `pod-0` … `pod-4`. */
  readonly name?: string;
  /** The pod's namespace; default: drawn from `namespaces`. */
  readonly namespace?: string;
  /** Namespaces to draw from (also for affinity terms' `namespaces`). Default {@link DEFAULT_NAMESPACES}. */
  readonly namespaces?: readonly string[];
  /** `metadata.uid`. Default `uid-<namespace>-<name>`. */
  readonly uid?: string;
  /** Pod label keys (labels and the selectors of affinity terms and spread constraints). Default {@link DEFAULT_POD_LABEL_KEYS}. */
  readonly labelKeys?: readonly string[];
  /** Pod label values. Default {@link DEFAULT_POD_LABEL_VALUES}. */
  readonly labelValues?: readonly string[];
  /** Most containers (at least one is always there). Default 2. */
  readonly maxContainers?: number;
  /** Most init containers, ordinary or sidecar (`restartPolicy: Always`). Default 1. */
  readonly maxInitContainers?: number;
  /** Container options. */
  readonly container?: ContainerConstraints;
  /** Node names that `nodeSelector`/node affinity on `kubernetes.io/hostname` refer to. Default `node-0` … `node-4`. */
  readonly nodeNames?: readonly string[];
  /** Zones node affinity refers to. Default {@link DEFAULT_ZONES}. */
  readonly zones?: readonly string[];
  /** Regions node affinity refers to. Default {@link DEFAULT_REGIONS}. */
  readonly regions?: readonly string[];
  /** Other node label keys node affinity refers to. Default {@link DEFAULT_NODE_LABEL_KEYS}. */
  readonly nodeLabelKeys?: readonly string[];
  /** Other node label values. Default {@link DEFAULT_NODE_LABEL_VALUES}. */
  readonly nodeLabelValues?: readonly string[];
  /** Topology keys of affinity terms and spread constraints. Default {@link DEFAULT_TOPOLOGY_KEYS}. */
  readonly topologyKeys?: readonly string[];
  /** Namespace label keys for `namespaceSelector`. Default {@link DEFAULT_NAMESPACE_LABEL_KEYS}. */
  readonly namespaceLabelKeys?: readonly string[];
  /** Namespace label values. Default {@link DEFAULT_NAMESPACE_LABEL_VALUES}. */
  readonly namespaceLabelValues?: readonly string[];
  /** Toleration options, or `false` for none. */
  readonly tolerations?: TolerationsConstraints | false;
  /** Priority classes a pod may use (it then carries both `priorityClassName` and `priority`); `[]` for none. Default {@link DEFAULT_PRIORITY_LEVELS}. */
  readonly priorityLevels?: readonly PriorityLevel[];
  /** Which scheduling features may appear; each defaults to true. */
  readonly nodeSelector?: boolean;
  readonly nodeAffinity?: boolean;
  readonly podAffinity?: boolean;
  readonly podAntiAffinity?: boolean;
  readonly topologySpreadConstraints?: boolean;
  /** Percentage of pods with a scheduling gate. Default 3. */
  readonly schedulingGatesPercent?: number;
  /** Binds the pod to this node (`spec.nodeName`). Default: unbound. */
  readonly nodeName?: string;
}

const MI = 1024 * 1024;
const GI = 1024 * MI;
const DEFAULT_POD_NAMES = ['pod-0', 'pod-1', 'pod-2', 'pod-3', 'pod-4'];

/**
 * A container named `name`. Requests shrink to absent, limits never undercut requests, and
 * extended resources have limit = request, as upstream validation requires.
 */
export function container(name: string, constraints: ContainerConstraints = {}): fc.Arbitrary<Container> {
  const maxCpu = range('container cpu', 0, constraints.maxCpuMilli ?? 2000).max;
  const maxMemory = range('container memory', 0, constraints.maxMemoryBytes ?? 4 * GI).max;
  const extended = constraints.extendedResources ?? DEFAULT_EXTENDED_RESOURCES;
  const images = vocabulary('container.images', constraints.images ?? DEFAULT_IMAGES);
  const hostPorts = constraints.hostPorts ?? DEFAULT_HOST_PORTS;
  return fc
    .record({
      image: fc.constantFrom(...images.map((i) => i.name)),
      cpu: optional(quantityAmount({ unit: 'cpu', max: maxCpu }), 70),
      memory: optional(quantityAmount({ unit: 'bytes', max: maxMemory }), 60),
      cpuLimitExtra: optional(quantityAmount({ unit: 'cpu', max: Math.min(1000, maxCpu) }), 25),
      memoryLimitExtra: optional(quantityAmount({ unit: 'bytes', max: Math.min(GI, maxMemory) }), 25),
      extended: extended.length > 0 ? optional(fc.tuple(fc.constantFrom(...extended), fc.integer({ min: 1, max: 2 })), 10) : fc.constant(undefined),
      port: hostPorts.length > 0 ? optional(fc.tuple(fc.constantFrom(...hostPorts), fc.constantFrom('TCP' as const, 'UDP' as const)), 10) : fc.constant(undefined),
    })
    .map((d) => {
      const requests: Record<string, string> = {};
      const limits: Record<string, string> = {};
      if (d.cpu !== undefined) requests['cpu'] = d.cpu.text;
      if (d.memory !== undefined) requests['memory'] = d.memory.text;
      if (d.cpuLimitExtra !== undefined) limits['cpu'] = `${(d.cpu?.amount ?? 0) + d.cpuLimitExtra.amount}m`;
      if (d.memoryLimitExtra !== undefined) limits['memory'] = String((d.memory?.amount ?? 0) + d.memoryLimitExtra.amount);
      // A limit without a request is defaulted to request = limit by the API server; writing the
      // request out keeps the generated object equal to what the server would store.
      if (limits['cpu'] !== undefined && requests['cpu'] === undefined) requests['cpu'] = limits['cpu'];
      if (limits['memory'] !== undefined && requests['memory'] === undefined) requests['memory'] = limits['memory'];
      if (d.extended !== undefined) {
        requests[d.extended[0]] = String(d.extended[1]);
        limits[d.extended[0]] = String(d.extended[1]);
      }
      const resources = compact({ requests, limits }, true);
      const ports: ContainerPort[] | undefined =
        d.port === undefined ? undefined : [d.port[1] === 'TCP' ? { containerPort: d.port[0], hostPort: d.port[0] } : { containerPort: d.port[0], hostPort: d.port[0], protocol: 'UDP' }];
      return compact({ name, image: d.image, resources, ports }, true) as Container;
    });
}

/** The node label keys node affinity may use, each with the values it may compare against. */
function nodeLabelVocabulary(c: PodConstraints): readonly (readonly [string, readonly string[]])[] {
  const nodeValues = vocabulary('pod.nodeLabelValues', c.nodeLabelValues ?? DEFAULT_NODE_LABEL_VALUES);
  return [
    [LABEL_ZONE, vocabulary('pod.zones', c.zones ?? DEFAULT_ZONES)],
    [LABEL_HOSTNAME, vocabulary('pod.nodeNames', c.nodeNames ?? nodeNames(5))],
    [LABEL_REGION, vocabulary('pod.regions', c.regions ?? DEFAULT_REGIONS)],
    ...(c.nodeLabelKeys ?? DEFAULT_NODE_LABEL_KEYS).map((k) => [k, nodeValues] as const),
  ];
}

function nodeSelectorRequirement(vocab: readonly (readonly [string, readonly string[]])[]): fc.Arbitrary<NodeSelectorRequirement> {
  return fc.constantFrom(...vocab).chain(([key, values]) =>
    fc.oneof(
      fc.record({
        key: fc.constant(key),
        operator: fc.constantFrom('In' as const, 'NotIn' as const),
        values: fc.uniqueArray(fc.constantFrom(...values), { minLength: 1, maxLength: 2 }),
      }),
      fc.record({ key: fc.constant(key), operator: fc.constantFrom('Exists' as const, 'DoesNotExist' as const) }),
    ),
  );
}

/** A node selector term: label expressions, and rarely a `metadata.name` field expression. */
function nodeSelectorTerm(vocab: readonly (readonly [string, readonly string[]])[], names: readonly string[]): fc.Arbitrary<NodeSelectorTerm> {
  return fc
    .record({
      matchExpressions: fc.array(nodeSelectorRequirement(vocab), { minLength: 1, maxLength: 2 }),
      matchFields: optional(
        fc.constantFrom(...names).map((n) => [{ key: 'metadata.name', operator: 'In' as const, values: [n] }]),
        8,
      ),
    })
    .map((t) => compact(t));
}

/** Node affinity: required terms, preferred terms, or both. */
function nodeAffinity(c: PodConstraints): fc.Arbitrary<Affinity['nodeAffinity']> {
  const vocab = nodeLabelVocabulary(c);
  const names = c.nodeNames ?? nodeNames(5);
  const term = nodeSelectorTerm(vocab, names);
  const preferred: fc.Arbitrary<PreferredSchedulingTerm> = fc.record({ weight: fc.integer({ min: 1, max: 100 }), preference: term });
  return fc
    .record({
      requiredDuringSchedulingIgnoredDuringExecution: optional(fc.array(term, { minLength: 1, maxLength: 2 }).map((nodeSelectorTerms) => ({ nodeSelectorTerms })), 60),
      preferredDuringSchedulingIgnoredDuringExecution: optional(fc.array(preferred, { minLength: 1, maxLength: 2 }), 50),
    })
    .map((a) => compact(a));
}

/** A pod affinity term over the pod label vocabulary. */
function podAffinityTerm(c: PodConstraints): fc.Arbitrary<PodAffinityTerm> {
  const selectorVocab = {
    ...(c.labelKeys !== undefined ? { keys: c.labelKeys } : {}),
    ...(c.labelValues !== undefined ? { values: c.labelValues } : {}),
  };
  const topologyKeys = vocabulary('pod.topologyKeys', c.topologyKeys ?? DEFAULT_TOPOLOGY_KEYS);
  const namespaces = vocabulary('pod.namespaces', c.namespaces ?? DEFAULT_NAMESPACES);
  return fc
    .record({
      // An absent selector matches no pods; it is legal and worth testing, but rare.
      labelSelector: optional(labelSelector(selectorVocab), 95),
      topologyKey: fc.constantFrom(...topologyKeys),
      namespaces: optional(fc.uniqueArray(fc.constantFrom(...namespaces), { minLength: 1, maxLength: 2 }), 10),
      namespaceSelector: optional(
        labelSelector({
          keys: c.namespaceLabelKeys ?? DEFAULT_NAMESPACE_LABEL_KEYS,
          values: c.namespaceLabelValues ?? DEFAULT_NAMESPACE_LABEL_VALUES,
          maxMatchExpressions: 0,
        }),
        10,
      ),
    })
    .map((t) => compact(t));
}

function podAffinityLike(c: PodConstraints): fc.Arbitrary<{
  requiredDuringSchedulingIgnoredDuringExecution?: PodAffinityTerm[];
  preferredDuringSchedulingIgnoredDuringExecution?: WeightedPodAffinityTerm[];
}> {
  const term = podAffinityTerm(c);
  return fc
    .record({
      requiredDuringSchedulingIgnoredDuringExecution: optional(fc.array(term, { minLength: 1, maxLength: 1 }), 50),
      preferredDuringSchedulingIgnoredDuringExecution: optional(
        fc.array(fc.record({ weight: fc.integer({ min: 1, max: 100 }), podAffinityTerm: term }), { minLength: 1, maxLength: 1 }),
        60,
      ),
    })
    .map((a) => compact(a));
}

/** Topology spread constraints, unique on (topologyKey, whenUnsatisfiable) as upstream requires. */
function topologySpreadConstraints(c: PodConstraints): fc.Arbitrary<TopologySpreadConstraint[]> {
  const selectorVocab = {
    ...(c.labelKeys !== undefined ? { keys: c.labelKeys } : {}),
    ...(c.labelValues !== undefined ? { values: c.labelValues } : {}),
  };
  const topologyKeys = vocabulary('pod.topologyKeys', c.topologyKeys ?? DEFAULT_TOPOLOGY_KEYS);
  const constraint = fc
    .record({
      maxSkew: fc.integer({ min: 1, max: 3 }),
      topologyKey: fc.constantFrom(...topologyKeys),
      whenUnsatisfiable: fc.constantFrom('DoNotSchedule' as const, 'ScheduleAnyway' as const),
      labelSelector: optional(labelSelector(selectorVocab), 90),
      minDomains: optional(fc.integer({ min: 1, max: 3 }), 10),
      nodeAffinityPolicy: optional(fc.constantFrom('Honor' as const, 'Ignore' as const), 10),
      nodeTaintsPolicy: optional(fc.constantFrom('Honor' as const, 'Ignore' as const), 10),
    })
    // minDomains is only valid with DoNotSchedule.
    .map((t) => compact(t.whenUnsatisfiable === 'DoNotSchedule' ? t : { ...t, minDomains: undefined }) as TopologySpreadConstraint);
  return fc.uniqueArray(constraint, { minLength: 1, maxLength: 2, selector: (t) => `${t.topologyKey}\u0000${t.whenUnsatisfiable}` });
}

/** Drops host ports that an earlier container of the pod already uses (upstream rejects duplicates). */
function dedupeHostPorts(containers: Container[]): Container[] {
  const seen = new Set<string>();
  return containers.map((ct) => {
    if (ct.ports === undefined) return ct;
    const ports = ct.ports.filter((p) => {
      const k = `${p.protocol ?? 'TCP'}/${p.hostPort ?? 0}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
    return compact({ ...ct, ports: ports.length > 0 ? ports : undefined });
  });
}

/**
 * A pod. Shrinks towards one container with no requests and no scheduling constraints, in the first
 * namespace, unbound unless `nodeName` is given.
 */
export function pod(constraints: PodConstraints = {}): fc.Arbitrary<PodObject> {
  const c = constraints;
  const namespaces = vocabulary('pod.namespaces', c.namespaces ?? DEFAULT_NAMESPACES);
  const maxContainers = range('pod containers', 1, c.maxContainers ?? 2).max;
  const maxInit = range('pod init containers', 0, c.maxInitContainers ?? 1).max;
  const levels = c.priorityLevels ?? DEFAULT_PRIORITY_LEVELS;
  const vocab = nodeLabelVocabulary(c);
  const gatesPercent = c.schedulingGatesPercent ?? 3;
  const containers = list(container('c', c.container ?? {}), { minLength: 1, maxLength: maxContainers }).map((cs) =>
    cs.map((ct, i) => ({ ...ct, name: `c${i}` })),
  );
  const initContainers =
    maxInit === 0
      ? fc.constant([] as Container[])
      : list(fc.tuple(container('init', c.container ?? {}), fc.boolean()), { maxLength: maxInit }).map((inits) =>
          inits.map(([ct, sidecar], i) => (sidecar ? { ...ct, name: `init${i}`, restartPolicy: 'Always' } : { ...ct, name: `init${i}` })),
        );
  return fc
    .record({
      name: c.name !== undefined ? fc.constant(c.name) : fc.constantFrom(...DEFAULT_POD_NAMES),
      namespace: c.namespace !== undefined ? fc.constant(c.namespace) : fc.constantFrom(...namespaces),
      labels: labels({
        ...(c.labelKeys !== undefined ? { keys: c.labelKeys } : {}),
        ...(c.labelValues !== undefined ? { values: c.labelValues } : {}),
      }),
      containers,
      initContainers,
      nodeSelector:
        c.nodeSelector === false
          ? fc.constant(undefined)
          : optional(
              fc.constantFrom(...vocab).chain(([k, values]) => fc.constantFrom(...values).map((v) => ({ [k]: v }))),
              20,
            ),
      nodeAffinity: c.nodeAffinity === false ? fc.constant(undefined) : optional(nodeAffinity(c), 25),
      podAffinity: c.podAffinity === false ? fc.constant(undefined) : optional(podAffinityLike(c), 15),
      podAntiAffinity: c.podAntiAffinity === false ? fc.constant(undefined) : optional(podAffinityLike(c), 15),
      tolerations: c.tolerations === false ? fc.constant([]) : tolerations(c.tolerations ?? {}),
      spread: c.topologySpreadConstraints === false ? fc.constant(undefined) : optional(topologySpreadConstraints(c), 20),
      priority: levels.length > 0 ? optional(fc.constantFrom(...levels), 40) : fc.constant(undefined),
      gated: chance(gatesPercent),
    })
    .map((d) => {
      const withUniquePorts = dedupeHostPorts([...d.initContainers, ...d.containers]);
      const affinity = compact(
        {
          nodeAffinity: d.nodeAffinity !== undefined && Object.keys(d.nodeAffinity).length > 0 ? d.nodeAffinity : undefined,
          podAffinity: d.podAffinity !== undefined && Object.keys(d.podAffinity).length > 0 ? d.podAffinity : undefined,
          podAntiAffinity: d.podAntiAffinity !== undefined && Object.keys(d.podAntiAffinity).length > 0 ? d.podAntiAffinity : undefined,
        },
        true,
      );
      const spec = compact(
        {
          nodeName: c.nodeName,
          containers: withUniquePorts.slice(d.initContainers.length),
          initContainers: d.initContainers.length > 0 ? withUniquePorts.slice(0, d.initContainers.length) : undefined,
          nodeSelector: d.nodeSelector,
          affinity: Object.keys(affinity).length > 0 ? affinity : undefined,
          tolerations: d.tolerations.length > 0 ? d.tolerations : undefined,
          topologySpreadConstraints: d.spread,
          priorityClassName: d.priority?.name,
          priority: d.priority?.value,
          schedulingGates: d.gated ? [{ name: 'example.com/wait' }] : undefined,
        },
        true,
      ) as NonNullable<PodObject['spec']>;
      const metadata = compact(
        {
          name: d.name,
          namespace: d.namespace,
          uid: c.uid ?? `uid-${d.namespace}-${d.name}`,
          labels: Object.keys(d.labels).length > 0 ? d.labels : undefined,
        },
        true,
      );
      const p: PodObject = { apiVersion: 'v1', kind: 'Pod', metadata, spec };
      return p;
    });
}
