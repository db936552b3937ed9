/**
 * Pod resource requests and limits, and the number vector the scheduler accounts with.
 *
 * The aggregation mirrors `k8s.io/component-helpers/resource/helpers.go` (`PodRequests`,
 * `PodLimits`, Kubernetes v1.35): regular containers and restartable init containers (sidecars) run
 * together, each ordinary init container runs alone next to the sidecars started before it, and the
 * pod needs the largest of those moments, plus its `spec.overhead`. Amounts are summed exactly as
 * `Quantity`s and only then turned into numbers, as upstream sums `resource.Quantity` values before
 * calling `MilliValue()`/`Value()`, so rounding happens once per pod, not once per container.
 *
 * The number side mirrors the scheduler's `framework.Resource` (`pkg/scheduler/framework/types.go`)
 * and the non-zero defaults of `pkg/scheduler/util/pod_resources.go`.
 */
import type { ContainerStatus, DeepReadonly, Pod, QuantityValue } from './types.js';
import { parseQuantityCached, Quantity } from './quantity.js';

/** `v1.ResourceCPU`. */
export const ResourceCPU = 'cpu';
/** `v1.ResourceMemory`. */
export const ResourceMemory = 'memory';
/** `v1.ResourceEphemeralStorage`. */
export const ResourceEphemeralStorage = 'ephemeral-storage';
/** `v1.ResourcePods`: only meaningful in a node's capacity and allocatable. */
export const ResourcePods = 'pods';
/** `v1.ResourceHugePagesPrefix`: `hugepages-2Mi`, `hugepages-1Gi`. */
export const ResourceHugePagesPrefix = 'hugepages-';
/** `v1.ResourceAttachableVolumesPrefix`: per-driver volume attach limits on nodes. */
export const ResourceAttachableVolumesPrefix = 'attachable-volumes-';
/** `v1.ResourceDefaultNamespacePrefix`: names containing it are native, not extended. */
export const ResourceDefaultNamespacePrefix = 'kubernetes.io/';
/** `v1.DefaultResourceRequestsPrefix`: the quota spelling of a request (`requests.cpu`). */
export const DefaultResourceRequestsPrefix = 'requests.';

/**
 * The CPU request, in millicores, that scoring assumes for a container that requests no CPU
 * (`schedutil.DefaultMilliCPURequest`, `pkg/scheduler/util/pod_resources.go`).
 */
export const DefaultMilliCPURequest = 100;
/**
 * The memory request, in bytes, that scoring assumes for a container that requests no memory
 * (`schedutil.DefaultMemoryRequest`, `pkg/scheduler/util/pod_resources.go`): 200 MiB.
 */
export const DefaultMemoryRequest = 200 * 1024 * 1024;

/** A resource list as a manifest carries it: resource name → quantity (`"500m"`, or a bare number). */
export type ResourceList = Readonly<Record<string, QuantityValue>>;

/** A resource list with parsed, exact amounts (upstream `v1.ResourceList`); iteration order is insertion order. */
export type QuantityMap = Map<string, Quantity>;

/**
 * The scheduler's resource vector (upstream `framework.Resource`): plain integers, so the filter and
 * score loops compare numbers. CPU is in millicores (`MilliValue()`), every other amount in whole
 * units (`Value()`, bytes for memory and storage). Upstream holds int64s; here an amount whose
 * magnitude exceeds `Number.MAX_SAFE_INTEGER` (2^53-1, about 9 PB of memory) is clamped to it, and
 * the arithmetic helpers saturate there too, so a number never silently loses integer precision.
 */
export interface ResourceVector {
  /** CPU in millicores. */
  milliCPU: number;
  /** Memory in bytes. */
  memory: number;
  /** Local ephemeral storage in bytes. */
  ephemeralStorage: number;
  /** The `pods` resource: how many pods a node accepts. Zero for pods. */
  allowedPodNumber: number;
  /** Scalar resources (extended, `hugepages-*`, `attachable-volumes-*`, `*kubernetes.io/*`) in whole units. */
  scalar: Map<string, number>;
}

/** A read-only view of a `ResourceVector`; every `ResourceVector` is one. */
export interface ReadonlyResourceVector {
  readonly milliCPU: number;
  readonly memory: number;
  readonly ephemeralStorage: number;
  readonly allowedPodNumber: number;
  readonly scalar: ReadonlyMap<string, number>;
}

// ---------------------------------------------------------------------------------------------
// Resource names
// ---------------------------------------------------------------------------------------------

/**
 * Whether the name is in the `kubernetes.io/` namespace (the prefix may appear anywhere, as in
 * upstream's `strings.Contains`). Mirrors `v1helper.IsPrefixedNativeResource`
 * (`pkg/apis/core/v1/helper/helpers.go`).
 */
export function isPrefixedNativeResource(name: string): boolean {
  return name.includes(ResourceDefaultNamespacePrefix);
}

/**
 * Whether the name is native: unprefixed (`cpu`, `memory`, `hugepages-2Mi`) or in the
 * `kubernetes.io/` namespace. Mirrors `v1helper.IsNativeResource`.
 */
export function isNativeResource(name: string): boolean {
  return !name.includes('/') || isPrefixedNativeResource(name);
}

/** Whether the name starts with `hugepages-`. Mirrors `v1helper.IsHugePageResourceName`. */
export function isHugePageResourceName(name: string): boolean {
  return name.startsWith(ResourceHugePagesPrefix);
}

/** Whether the name starts with `attachable-volumes-`. Mirrors `v1helper.IsAttachableVolumeResourceName`. */
export function isAttachableVolumeResourceName(name: string): boolean {
  return name.startsWith(ResourceAttachableVolumesPrefix);
}

const DNS1123_SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME_PART_RE = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** `validation.IsQualifiedName` (`apimachinery/pkg/util/validation`): `[prefix/]name`. */
function isQualifiedName(value: string): boolean {
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0] ?? '';
  } else if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    name = parts[1] ?? '';
    if (prefix.length === 0 || prefix.length > 253 || !DNS1123_SUBDOMAIN_RE.test(prefix)) return false;
  } else {
    return false;
  }
  return name.length > 0 && name.length <= 63 && QUALIFIED_NAME_PART_RE.test(name);
}

const NAME_CLASS_CACHE_MAX = 1024;
const extendedNameCache = new Map<string, boolean>();

/**
 * Whether the name is an extended resource (`nvidia.com/gpu`, `example.com/foo`): not native, not
 * starting with `requests.`, and a qualified name once prefixed with `requests.` (so that quota can
 * name it). Mirrors `v1helper.IsExtendedResourceName` (`pkg/apis/core/v1/helper/helpers.go`).
 */
export function isExtendedResourceName(name: string): boolean {
  let result = extendedNameCache.get(name);
  if (result === undefined) {
    result =
      !isNativeResource(name) &&
      !name.startsWith(DefaultResourceRequestsPrefix) &&
      isQualifiedName(DefaultResourceRequestsPrefix + name);
    // The memo only saves regex work on the hot path; clearing it when full keeps it bounded.
    if (extendedNameCache.size >= NAME_CLASS_CACHE_MAX) extendedNameCache.clear();
    extendedNameCache.set(name, result);
  }
  return result;
}

/**
 * Whether the scheduler tracks the resource in `ResourceVector.scalar`: extended resources,
 * `hugepages-*`, names in the `kubernetes.io/` namespace and `attachable-volumes-*`. Mirrors
 * `schedutil.IsScalarResourceName` (`pkg/scheduler/util/utils.go`).
 */
export function isScalarResourceName(name: string): boolean {
  return (
    isExtendedResourceName(name) ||
    isHugePageResourceName(name) ||
    isPrefixedNativeResource(name) ||
    isAttachableVolumeResourceName(name)
  );
}

/**
 * Whether a pod-level `spec.resources` may name the resource: `cpu`, `memory` and `hugepages-*`.
 * Mirrors `resourcehelper.IsSupportedPodLevelResource` (`component-helpers/resource/helpers.go`).
 */
export function isSupportedPodLevelResource(name: string): boolean {
  return name === ResourceCPU || name === ResourceMemory || isHugePageResourceName(name);
}

function hasSupportedPodLevelResource(list: DeepReadonly<ResourceList> | null | undefined): boolean {
  if (list === null || list === undefined) return false;
  for (const name of Object.keys(list)) if (isSupportedPodLevelResource(name)) return true;
  return false;
}

/**
 * Whether the pod sets pod-level requests or limits for a supported resource. Mirrors
 * `resourcehelper.IsPodLevelResourcesSet`.
 */
export function isPodLevelResourcesSet(pod: DeepReadonly<Pod>): boolean {
  const r = pod.spec?.resources;
  return hasSupportedPodLevelResource(r?.requests) || hasSupportedPodLevelResource(r?.limits);
}

/** Whether the pod sets pod-level requests for a supported resource. Mirrors `resourcehelper.IsPodLevelRequestsSet`. */
export function isPodLevelRequestsSet(pod: DeepReadonly<Pod>): boolean {
  return hasSupportedPodLevelResource(pod.spec?.resources?.requests);
}

// ---------------------------------------------------------------------------------------------
// Exact aggregation (component-helpers/resource/helpers.go)
// ---------------------------------------------------------------------------------------------

/** Which list a `containerFn` callback is looking at (upstream `ContainerType`). */
export type ContainerType = 'Containers' | 'InitContainers';

/**
 * Options of the pod aggregation, mirroring upstream's `PodResourcesOptions`. Every default is what
 * kube-scheduler v1.35 passes: status resources are used (`InPlacePodVerticalScaling` is GA),
 * pod-level resources are used (`PodLevelResources` is beta and on) and the overhead is included.
 * Note the first differs from the zero value of upstream's options struct.
 */
export interface PodResourcesOptions {
  /**
   * Use the resources reported in `status.containerStatuses` (in-place resize): a container counts
   * as the larger of its spec, its actuated (`status.resources`) and its allocated
   * (`allocatedResources`) amounts, or only the latter two while the resize is `Infeasible`.
   * Applies to regular containers and sidecars. Default `true`.
   */
  readonly useStatusResources?: boolean;
  /** Leave out `spec.overhead`. Default `false`. */
  readonly excludeOverhead?: boolean;
  /** Ignore pod-level `spec.resources`. Default `false`. */
  readonly skipPodLevelResources?: boolean;
  /** Ignore the containers (only pod-level resources and overhead count). Default `false`. */
  readonly skipContainerLevelResources?: boolean;
  /**
   * Amounts given to any container (regular, sidecar or init) that does not name the resource at
   * all; an explicit amount, even zero, is kept. The scheduler's non-zero defaults use this.
   */
  readonly nonMissingContainerRequests?: ReadonlyMap<string, Quantity>;
  /**
   * Called with the effective amounts of each container; for an init container these include the
   * sidecars started before it (for a sidecar, the sum of all sidecars so far).
   */
  readonly containerFn?: (resources: ReadonlyMap<string, Quantity>, containerType: ContainerType) => void;
}

const ZERO = Quantity.zero();

/**
 * Parses a manifest resource list into exact quantities, keeping its key order. A `null` amount
 * counts as zero, as upstream decodes a JSON `null` quantity.
 *
 * @throws QuantityParseError when an amount is not a quantity (the API server rejects such objects).
 */
export function quantityMapFromList(list: DeepReadonly<ResourceList> | null | undefined): QuantityMap {
  const out: QuantityMap = new Map();
  if (list === null || list === undefined) return out;
  for (const name of Object.keys(list)) {
    const raw = list[name] as QuantityValue | null | undefined;
    out.set(name, raw === null || raw === undefined ? ZERO : parseQuantityCached(raw));
  }
  return out;
}

/** Like `quantityMapFromList`, but an absent list stays absent (upstream's nil map). */
function optionalMap(list: DeepReadonly<ResourceList> | null | undefined): QuantityMap | undefined {
  return list === null || list === undefined ? undefined : quantityMapFromList(list);
}

/** Upstream `addResourceList`: sums `add` into `into`, keeping the receiver's format. */
function addInto(into: QuantityMap, add: ReadonlyMap<string, Quantity> | undefined): void {
  if (add === undefined) return;
  for (const [name, q] of add) {
    const have = into.get(name);
    into.set(name, have === undefined ? q : have.add(q));
  }
}

/** Upstream `maxResourceList`: per resource, keeps the larger of `into` and `other`. */
function maxInto(into: QuantityMap, other: ReadonlyMap<string, Quantity> | undefined): void {
  if (other === undefined) return;
  for (const [name, q] of other) {
    const have = into.get(name);
    if (have === undefined || q.cmp(have) > 0) into.set(name, q);
  }
}

/** Upstream `max(a, b...)`: a fresh list with the per-resource maximum of all present lists. */
function maxOf(first: ReadonlyMap<string, Quantity> | undefined, ...rest: (ReadonlyMap<string, Quantity> | undefined)[]): QuantityMap {
  const out: QuantityMap = new Map(first ?? []);
  for (const other of rest) maxInto(out, other);
  return out;
}

/** Upstream `applyNonMissing`: a copy of `reqs` with every resource it does not name filled in. */
function applyNonMissing(reqs: QuantityMap | undefined, nonMissing: ReadonlyMap<string, Quantity>): QuantityMap {
  const out: QuantityMap = new Map(reqs ?? []);
  for (const [name, q] of nonMissing) if (reqs === undefined || !reqs.has(name)) out.set(name, q);
  return out;
}

/** Whether a resize of the pod is pending as infeasible (upstream `IsPodResizeInfeasible`). */
function isPodResizeInfeasible(pod: DeepReadonly<Pod>): boolean {
  for (const c of pod.status?.conditions ?? []) {
    if (c.type === 'PodResizePending') return c.reason === 'Infeasible';
  }
  return false;
}

function isRestartableInitContainer(c: { readonly restartPolicy?: string | undefined }): boolean {
  return c.restartPolicy === 'Always';
}

/** Container statuses by container name; init statuses win a name clash, as upstream's map does. */
function statusIndex(pod: DeepReadonly<Pod>): Map<string, DeepReadonly<ContainerStatus>> {
  const out = new Map<string, DeepReadonly<ContainerStatus>>();
  for (const cs of pod.status?.containerStatuses ?? []) out.set(cs.name, cs);
  for (const cs of pod.status?.initContainerStatuses ?? []) out.set(cs.name, cs);
  return out;
}

type Kind = 'requests' | 'limits';

/** `isPodResizeInfeasible` of one pod, computed at most once per aggregation. */
interface InfeasibleMemo {
  readonly pod: DeepReadonly<Pod>;
  value: boolean | undefined;
}

function infeasible(memo: InfeasibleMemo): boolean {
  return (memo.value ??= isPodResizeInfeasible(memo.pod));
}

/** The amounts a container counts with, after in-place resize status (upstream `determineEffective*`). */
function effectiveContainerList(
  kind: Kind,
  spec: QuantityMap | undefined,
  status: DeepReadonly<ContainerStatus> | undefined,
  resize: InfeasibleMemo,
): QuantityMap | undefined {
  if (status === undefined || status.resources === undefined || status.resources === null) return spec;
  const actuated = optionalMap(status.resources[kind]);
  if (kind === 'requests') {
    const allocated = optionalMap(status.allocatedResources);
    return infeasible(resize) ? maxOf(actuated, allocated) : maxOf(spec, actuated, allocated);
  }
  return infeasible(resize) ? maxOf(actuated) : maxOf(spec, actuated);
}

/** Upstream `AggregateContainerRequests` / `AggregateContainerLimits`. */
function aggregateContainers(kind: Kind, pod: DeepReadonly<Pod>, opts: PodResourcesOptions): QuantityMap {
  const total: QuantityMap = new Map();
  const useStatus = opts.useStatusResources ?? true;
  const statuses = useStatus ? statusIndex(pod) : undefined;
  // A plain object, not a closure: this runs for every pod the scheduler and the kubelets look at.
  const resize: InfeasibleMemo = { pod, value: undefined };
  const nonMissing = kind === 'requests' && opts.nonMissingContainerRequests !== undefined && opts.nonMissingContainerRequests.size > 0
    ? opts.nonMissingContainerRequests
    : undefined;
  const containerFn = opts.containerFn;

  for (const c of pod.spec?.containers ?? []) {
    let own = optionalMap(c.resources?.[kind]);
    if (statuses !== undefined) own = effectiveContainerList(kind, own, statuses.get(c.name), resize);
    if (nonMissing !== undefined) own = applyNonMissing(own, nonMissing);
    containerFn?.(own ?? new Map(), 'Containers');
    addInto(total, own);
  }

  // Init containers run one after another, each next to the sidecars started before it; sidecars
  // keep running, so they also add to the steady-state total. The pod needs the largest moment.
  const sidecars: QuantityMap = new Map();
  const initPeak: QuantityMap = new Map();
  for (const c of pod.spec?.initContainers ?? []) {
    let own = optionalMap(c.resources?.[kind]);
    const restartable = isRestartableInitContainer(c);
    if (statuses !== undefined && restartable) own = effectiveContainerList(kind, own, statuses.get(c.name), resize);
    if (nonMissing !== undefined) own = applyNonMissing(own, nonMissing);
    let moment: QuantityMap;
    if (restartable) {
      addInto(total, own);
      addInto(sidecars, own);
      moment = sidecars;
    } else {
      moment = new Map();
      addInto(moment, own);
      addInto(moment, sidecars);
    }
    containerFn?.(moment, 'InitContainers');
    maxInto(initPeak, moment);
  }
  maxInto(total, initPeak);
  return total;
}

/**
 * The pod's effective requests as exact quantities, mirroring `resourcehelper.PodRequests`
 * (`k8s.io/component-helpers/resource/helpers.go`, v1.35):
 *
 *   max( Σ regular containers + Σ sidecars,
 *        max over ordinary init containers i of (request(i) + Σ sidecars declared before i) )
 *   then pod-level `spec.resources.requests` (cpu, memory, hugepages-*) replace the container
 *   aggregate for the resources they name, then `spec.overhead` is added.
 *
 * Only `requests` are read. The API server's defaulting copies a container's limits into missing
 * requests (and, with pod-level resources, derives pod-level requests) before a pod is stored, so an
 * object that went through the API server already carries them; this function does not repeat it.
 * Pod-level resize status (`InPlacePodLevelResourcesVerticalScaling`, alpha and off in v1.35) is not
 * modelled.
 *
 * @throws QuantityParseError when the pod holds an amount that is not a quantity.
 */
export function podRequestQuantities(pod: DeepReadonly<Pod>, opts: PodResourcesOptions = {}): QuantityMap {
  const key = specOnlyKey(pod, opts, true);
  if (key === undefined) return requestQuantities(pod, opts);
  let memo = quantitiesBySpec.get(key);
  if (memo === undefined) {
    memo = { plain: undefined, defaults: undefined, withDefaults: undefined };
    quantitiesBySpec.set(key, memo);
  }
  const defaults = opts.nonMissingContainerRequests;
  let q: QuantityMap;
  if (defaults === undefined || defaults.size === 0) {
    q = memo.plain ??= requestQuantities(pod, opts);
  } else {
    if (memo.defaults !== defaults || memo.withDefaults === undefined) {
      memo.withDefaults = requestQuantities(pod, opts);
      memo.defaults = defaults;
    }
    q = memo.withDefaults;
  }
  return new Map(q);
}

function requestQuantities(pod: DeepReadonly<Pod>, opts: PodResourcesOptions): QuantityMap {
  const reqs: QuantityMap = opts.skipContainerLevelResources ? new Map() : aggregateContainers('requests', pod, opts);
  if (!opts.skipPodLevelResources && isPodLevelRequestsSet(pod)) {
    for (const [name, q] of quantityMapFromList(pod.spec?.resources?.requests)) {
      if (isSupportedPodLevelResource(name)) reqs.set(name, q);
    }
  }
  if (!opts.excludeOverhead) addInto(reqs, optionalMap(pod.spec?.overhead));
  return reqs;
}

/**
 * The pod's effective limits as exact quantities, mirroring `resourcehelper.PodLimits`: the same
 * sidecar-aware aggregation over `limits`, pod-level limits replacing the aggregate for the
 * resources they name (when any pod-level resource is set), and `spec.overhead` added only to
 * resources that already have a non-zero limit. A resource no container limits is absent
 * (unlimited), not zero.
 *
 * @throws QuantityParseError when the pod holds an amount that is not a quantity.
 */
export function podLimitQuantities(
  pod: DeepReadonly<Pod>,
  opts: Omit<PodResourcesOptions, 'nonMissingContainerRequests'> = {},
): QuantityMap {
  const limits = opts.skipContainerLevelResources ? new Map<string, Quantity>() : aggregateContainers('limits', pod, opts);
  if (!opts.skipPodLevelResources && isPodLevelResourcesSet(pod)) {
    for (const [name, q] of quantityMapFromList(pod.spec?.resources?.limits)) {
      if (isSupportedPodLevelResource(name)) limits.set(name, q);
    }
  }
  if (!opts.excludeOverhead) {
    for (const [name, q] of optionalMap(pod.spec?.overhead) ?? []) {
      const have = limits.get(name);
      if (have !== undefined && !have.isZero()) limits.set(name, have.add(q));
    }
  }
  return limits;
}

const DEFAULT_CPU_QUANTITY = Quantity.fromMilli(BigInt(DefaultMilliCPURequest), 'DecimalSI');
const DEFAULT_MEMORY_QUANTITY = Quantity.fromInt(BigInt(DefaultMemoryRequest), 'DecimalSI');

/**
 * The scheduler's fallback requests (upstream `getNonMissingContainerRequests`,
 * `pkg/scheduler/framework/types.go`): without pod-level requests, every container lacking a cpu or
 * memory request gets 100m / 200Mi; with pod-level requests, a default applies only to a resource
 * named neither by any container nor at pod level.
 */
function nonMissingContainerRequests(requests: QuantityMap, podLevelRequestsSet: boolean): QuantityMap {
  const out: QuantityMap = new Map();
  if (!podLevelRequestsSet || !requests.has(ResourceCPU)) out.set(ResourceCPU, DEFAULT_CPU_QUANTITY);
  if (!podLevelRequestsSet || !requests.has(ResourceMemory)) out.set(ResourceMemory, DEFAULT_MEMORY_QUANTITY);
  return out;
}

/**
 * The pod's requests with the scheduler's non-zero defaults, as exact quantities: what
 * `PodInfo.CalculateResource` (`pkg/scheduler/framework/types.go`) feeds into `Non0CPU`/`Non0Mem`.
 * Every container (regular, sidecar, init) that names no cpu request counts as 100m and one that
 * names no memory request as 200Mi, inside the same sidecar-aware aggregation and with the
 * overhead; an explicit zero request stays zero. With pod-level requests set, a default applies only
 * to a resource named neither by any container nor at pod level.
 */
export function podNonZeroRequestQuantities(
  pod: DeepReadonly<Pod>,
  opts: Omit<PodResourcesOptions, 'nonMissingContainerRequests'> = {},
): QuantityMap {
  const requests = podRequestQuantities(pod, opts);
  const podLevelSet = !opts.skipPodLevelResources && isPodLevelRequestsSet(pod);
  const nonMissing = nonMissingContainerRequests(requests, podLevelSet);
  if (nonMissing.size === 0) return requests;
  return podRequestQuantities(pod, { ...opts, nonMissingContainerRequests: nonMissing });
}

// ---------------------------------------------------------------------------------------------
// Number vectors (framework.Resource)
// ---------------------------------------------------------------------------------------------

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** A `bigint` as a number, clamped to ±`Number.MAX_SAFE_INTEGER`. */
function clampToSafe(v: bigint): number {
  if (v > MAX_SAFE) return Number.MAX_SAFE_INTEGER;
  if (v < -MAX_SAFE) return -Number.MAX_SAFE_INTEGER;
  return Number(v);
}

/** Saturating integer addition on safe integers. */
function saturatingAdd(a: number, b: number): number {
  const s = a + b;
  if (s > Number.MAX_SAFE_INTEGER) return Number.MAX_SAFE_INTEGER;
  if (s < -Number.MAX_SAFE_INTEGER) return -Number.MAX_SAFE_INTEGER;
  return s;
}

/** A vector of zeros with no scalar resources (upstream `&Resource{}`). */
export function emptyResourceVector(): ResourceVector {
  return { milliCPU: 0, memory: 0, ephemeralStorage: 0, allowedPodNumber: 0, scalar: new Map() };
}

/** An independent copy of `v` (upstream `Resource.Clone`). */
export function cloneResourceVector(v: ReadonlyResourceVector): ResourceVector {
  return {
    milliCPU: v.milliCPU,
    memory: v.memory,
    ephemeralStorage: v.ephemeralStorage,
    allowedPodNumber: v.allowedPodNumber,
    // Most vectors hold no scalar resource; an empty Map is much cheaper than copying one.
    scalar: v.scalar.size === 0 ? new Map() : new Map(v.scalar),
  };
}

/**
 * Adds `delta` into `into`, component by component (scalars by name, creating missing ones), and
 * returns `into`. This is the accumulation `NodeInfo.update` does for a pod added to a node.
 * Saturates at ±`Number.MAX_SAFE_INTEGER`.
 */
export function addResourceVectors(into: ResourceVector, delta: ReadonlyResourceVector): ResourceVector {
  into.milliCPU = saturatingAdd(into.milliCPU, delta.milliCPU);
  into.memory = saturatingAdd(into.memory, delta.memory);
  into.ephemeralStorage = saturatingAdd(into.ephemeralStorage, delta.ephemeralStorage);
  into.allowedPodNumber = saturatingAdd(into.allowedPodNumber, delta.allowedPodNumber);
  // Checked first: iterating even an empty Map allocates an iterator, and most pods have no scalars.
  if (delta.scalar.size > 0) for (const [name, value] of delta.scalar) into.scalar.set(name, saturatingAdd(into.scalar.get(name) ?? 0, value));
  return into;
}

/**
 * Subtracts `delta` from `into`, component by component (a scalar missing from `into` becomes
 * negative, as upstream's map arithmetic does), and returns `into`. The inverse of
 * `addResourceVectors` away from saturation: what `NodeInfo.update` does for a removed pod.
 */
export function subtractResourceVectors(into: ResourceVector, delta: ReadonlyResourceVector): ResourceVector {
  into.milliCPU = saturatingAdd(into.milliCPU, -delta.milliCPU);
  into.memory = saturatingAdd(into.memory, -delta.memory);
  into.ephemeralStorage = saturatingAdd(into.ephemeralStorage, -delta.ephemeralStorage);
  into.allowedPodNumber = saturatingAdd(into.allowedPodNumber, -delta.allowedPodNumber);
  if (delta.scalar.size > 0) for (const [name, value] of delta.scalar) into.scalar.set(name, saturatingAdd(into.scalar.get(name) ?? 0, -value));
  return into;
}

/** Adds one exact amount to a vector, with upstream `Resource.Add`'s routing by resource name. */
function addQuantityToVector(into: ResourceVector, name: string, q: Quantity): void {
  switch (name) {
    case ResourceCPU:
      into.milliCPU = saturatingAdd(into.milliCPU, clampToSafe(q.milliValue()));
      return;
    case ResourceMemory:
      into.memory = saturatingAdd(into.memory, clampToSafe(q.value()));
      return;
    case ResourcePods:
      into.allowedPodNumber = saturatingAdd(into.allowedPodNumber, clampToSafe(q.value()));
      return;
    case ResourceEphemeralStorage:
      into.ephemeralStorage = saturatingAdd(into.ephemeralStorage, clampToSafe(q.value()));
      return;
    default:
      if (isScalarResourceName(name)) into.scalar.set(name, saturatingAdd(into.scalar.get(name) ?? 0, clampToSafe(q.value())));
  }
}

/**
 * The vector of exact amounts, as upstream's `NewResource`/`Resource.Add`: cpu as millicores,
 * memory, ephemeral-storage and pods as whole units (rounded up), scalar resources as whole units;
 * names that are none of these (such as a non-qualified `example/x/y`) are ignored.
 */
export function resourceVectorFromQuantities(list: ReadonlyMap<string, Quantity>): ResourceVector {
  const v = emptyResourceVector();
  for (const [name, q] of list) addQuantityToVector(v, name, q);
  return v;
}

/**
 * The vector of a manifest resource list, such as a node's `status.allocatable` (upstream
 * `NewResource(node.Status.Allocatable)`). Parsing is memoised per distinct quantity string, which
 * keeps rebuilding node vectors cheap. An absent list gives the empty vector.
 *
 * @throws QuantityParseError when an amount is not a quantity.
 */
export function resourceVectorFromList(list: DeepReadonly<ResourceList> | null | undefined): ResourceVector {
  const v = emptyResourceVector();
  if (list === null || list === undefined) return v;
  for (const name of Object.keys(list)) {
    const raw = list[name] as QuantityValue | null | undefined;
    if (raw === null || raw === undefined) continue;
    addQuantityToVector(v, name, parseQuantityCached(raw));
  }
  return v;
}

/**
 * `podRequests` and `podNonZeroRequests` of pods whose requests depend on their spec alone, by memo
 * key (see `specOnlyKey`): a stored pod's status writes keep its spec object, and the scheduler and
 * the kubelet ask again at each of them. Callers get copies: vectors are mutable.
 */
const requestsBySpec = new WeakMap<object, ResourceVector>();
const nonZeroBySpec = new WeakMap<object, ResourceVector>();

/**
 * `podRequestQuantities` of such pods: without container defaults, and with the defaults map last
 * asked for (matched by identity, so a caller that passes one constant map finds its answer again).
 * Callers get copies of the maps; quantities are immutable.
 */
interface QuantitiesMemo {
  plain: QuantityMap | undefined;
  defaults: ReadonlyMap<string, Quantity> | undefined;
  withDefaults: QuantityMap | undefined;
}
const quantitiesBySpec = new WeakMap<object, QuantitiesMemo>();

/**
 * The memo key of a pod's requests, when the answer depends on the spec alone. That takes a frozen
 * spec (deeply frozen, as everything the store hands out), the default options (or just
 * `useStatusResources: false`; with `withDefaults`, also `nonMissingContainerRequests`), and no
 * container status reporting resources (in-place resize): without those the status cannot change
 * the answer. The key is the spec's `containers` array when nothing else in the spec counts (no
 * init containers, overhead or pod-level resources): pods stamped from one template, and a pod
 * before and after binding, share that frozen array. Otherwise it is the spec.
 */
function specOnlyKey(pod: DeepReadonly<Pod>, opts: PodResourcesOptions, withDefaults = false): object | undefined {
  const spec = pod.spec;
  if (spec === undefined || !Object.isFrozen(spec)) return undefined;
  for (const key in opts) {
    if (withDefaults && key === 'nonMissingContainerRequests') continue;
    if (key !== 'useStatusResources' || opts.useStatusResources === true) return undefined;
  }
  if (opts.useStatusResources !== false && (reportsResources(pod.status?.containerStatuses) || reportsResources(pod.status?.initContainerStatuses))) return undefined;
  const containers = spec.containers;
  const onlyContainers = containers !== undefined && containers !== null && (spec.initContainers ?? undefined) === undefined && (spec.overhead ?? undefined) === undefined && (spec.resources ?? undefined) === undefined;
  return onlyContainers ? containers : spec;
}

function reportsResources(statuses: readonly DeepReadonly<ContainerStatus>[] | undefined): boolean {
  if (statuses === undefined) return false;
  for (const cs of statuses) if (cs.resources !== undefined && cs.resources !== null) return true;
  return false;
}

/**
 * The pod's effective requests as a vector: `podRequestQuantities` converted once, after exact
 * summation. This is the `Resource` of upstream's `PodInfo.CalculateResource`, which
 * NodeResourcesFit compares against a node's allocatable.
 *
 * @throws QuantityParseError when the pod holds an amount that is not a quantity.
 */
export function podRequests(pod: DeepReadonly<Pod>, opts: PodResourcesOptions = {}): ResourceVector {
  const spec = specOnlyKey(pod, opts);
  if (spec === undefined) return resourceVectorFromQuantities(podRequestQuantities(pod, opts));
  let v = requestsBySpec.get(spec);
  if (v === undefined) {
    v = resourceVectorFromQuantities(podRequestQuantities(pod, opts));
    requestsBySpec.set(spec, v);
  }
  return cloneResourceVector(v);
}

/**
 * The pod's non-zero requests as a vector holding only `milliCPU` and `memory` (every other field is
 * zero): upstream's `Non0CPU` and `Non0Mem`, which feed `NodeInfo.NonZeroRequested` and the
 * resource scoring strategies. See `podNonZeroRequestQuantities` for the defaults.
 *
 * @throws QuantityParseError when the pod holds an amount that is not a quantity.
 */
export function podNonZeroRequests(
  pod: DeepReadonly<Pod>,
  opts: Omit<PodResourcesOptions, 'nonMissingContainerRequests'> = {},
): ResourceVector {
  const spec = specOnlyKey(pod, opts);
  if (spec === undefined) return nonZeroVector(pod, opts);
  let v = nonZeroBySpec.get(spec);
  if (v === undefined) {
    v = nonZeroVector(pod, opts);
    nonZeroBySpec.set(spec, v);
  }
  return cloneResourceVector(v);
}

function nonZeroVector(pod: DeepReadonly<Pod>, opts: Omit<PodResourcesOptions, 'nonMissingContainerRequests'>): ResourceVector {
  const q = podNonZeroRequestQuantities(pod, opts);
  const v = emptyResourceVector();
  v.milliCPU = clampToSafe((q.get(ResourceCPU) ?? ZERO).milliValue());
  v.memory = clampToSafe((q.get(ResourceMemory) ?? ZERO).value());
  return v;
}

/**
 * The pod's effective limits as a vector (`podLimitQuantities` converted). A resource without a
 * limit is absent from the quantities and therefore zero here: read zero as "unlimited".
 *
 * @throws QuantityParseError when the pod holds an amount that is not a quantity.
 */
export function podLimits(
  pod: DeepReadonly<Pod>,
  opts: Omit<PodResourcesOptions, 'nonMissingContainerRequests'> = {},
): ResourceVector {
  return resourceVectorFromQuantities(podLimitQuantities(pod, opts));
}
