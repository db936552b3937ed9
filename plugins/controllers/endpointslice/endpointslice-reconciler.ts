/**
 * The EndpointSlice reconciler's planning step, after upstream
 * `staging/src/k8s.io/endpointslice/reconciler.go` (`reconcileByAddressType`,
 * `reconcileByPortMapping`, `finalize`'s create-to-update conversion, the placeholder slice) and
 * `utils.go` (`newEndpointSlice`, `setEndpointSliceLabels`, `getSliceToFill`, `ownedBy`).
 *
 * It is a pure function from the Service, the desired endpoints and the existing slices of one
 * address type to the slices to create, update and delete; the controller performs the writes.
 * Every iteration order is fixed (existing slices by name, desired endpoints in pod order), where
 * upstream iterates Go maps and sets.
 */
import { newControllerRef, type DeepReadonly, type EndpointSlice, type OwnerReference } from 'kubeprop';
import { canonicalForm, endpointIdentity, endpointSignature, isServiceIPSet, portMapKey, type AddressType, type ServiceView, type SliceEndpoint, type SlicePort } from './service-endpoints.js';

/** Upstream `discovery.LabelServiceName`. */
export const LABEL_SERVICE_NAME = 'kubernetes.io/service-name';
/** Upstream `discovery.LabelManagedBy`. */
export const LABEL_MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';
/** Upstream `v1.IsHeadlessService`. */
export const LABEL_HEADLESS_SERVICE = 'service.kubernetes.io/headless';
/** The `managed-by` value of the EndpointSlice controller (upstream `ControllerName`). */
export const ENDPOINTSLICE_MANAGED_BY = 'endpointslice-controller.k8s.io';

/** An EndpointSlice as the cache hands it out. */
export type EndpointSliceView = DeepReadonly<EndpointSlice>;

/** A slice to write: the whole object (for an update, with the existing name and resourceVersion). */
export interface SliceObject {
  apiVersion: 'discovery.k8s.io/v1';
  kind: 'EndpointSlice';
  metadata: {
    name?: string;
    namespace: string;
    resourceVersion?: string;
    labels: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences: OwnerReference[];
  };
  addressType: AddressType;
  endpoints: SliceEndpoint[];
  ports: SlicePort[];
}

/** One desired endpoint group: the pods that expose the same ports. */
export interface DesiredGroup {
  readonly ports: SlicePort[];
  /** Endpoint identity → endpoint, in pod order. */
  readonly endpoints: Map<string, SliceEndpoint>;
}

/** What one address type needs. */
export interface SlicePlan {
  /** New slices, without names. */
  readonly creates: SliceObject[];
  readonly updates: SliceObject[];
  readonly deletes: EndpointSliceView[];
}

/** Upstream `ownedBy`: one of the slice's owner references is this Service (`v1`, `Service`, uid). */
export function sliceOwnedBy(slice: EndpointSliceView, service: ServiceView): boolean {
  const uid = service.metadata?.uid;
  return (slice.metadata?.ownerReferences ?? []).some((o) => o.uid === uid && o.kind === 'Service' && o.apiVersion === 'v1');
}

function isReservedLabel(key: string): boolean {
  return key === LABEL_SERVICE_NAME || key === LABEL_MANAGED_BY || key === LABEL_HEADLESS_SERVICE;
}

/**
 * Upstream `setEndpointSliceLabels`: the slice's labels are the Service's (reserved keys aside),
 * plus the headless label for a Service without cluster IP, the service name and managed-by.
 * `changed` says whether the non-reserved labels differ from the slice's.
 */
export function sliceLabels(current: DeepReadonly<Record<string, string>> | undefined, service: ServiceView): { labels: Record<string, string>; changed: boolean } {
  const mine: Record<string, string> = {};
  for (const [k, v] of Object.entries(current ?? {})) if (!isReservedLabel(k)) mine[k] = v;
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(service.metadata?.labels ?? {})) if (!isReservedLabel(k)) labels[k] = v;
  const mineKeys = Object.keys(mine);
  const changed = mineKeys.length !== Object.keys(labels).length || mineKeys.some((k) => labels[k] !== mine[k]);
  if (!isServiceIPSet(service)) labels[LABEL_HEADLESS_SERVICE] = '';
  labels[LABEL_SERVICE_NAME] = service.metadata?.name ?? '';
  labels[LABEL_MANAGED_BY] = ENDPOINTSLICE_MANAGED_BY;
  return { labels, changed };
}

/** Upstream `newEndpointSlice` (without a name: the controller names it when it creates it). */
export function newSliceObject(service: ServiceView, addressType: AddressType, ports: readonly SlicePort[]): SliceObject {
  const ownerRef = newControllerRef({ apiVersion: 'v1', kind: 'Service', metadata: { name: service.metadata?.name, uid: service.metadata?.uid } });
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { namespace: service.metadata?.namespace ?? '', labels: sliceLabels(undefined, service).labels, ownerReferences: [ownerRef] },
    addressType,
    endpoints: [],
    ports: ports.map((p) => ({ ...p })),
  };
}

/** A writable copy of an existing slice. */
function copySlice(slice: EndpointSliceView, addressType: AddressType): SliceObject {
  const meta = slice.metadata;
  const out: SliceObject = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: meta?.name ?? '',
      namespace: meta?.namespace ?? '',
      labels: { ...(meta?.labels ?? {}) },
      ownerReferences: (meta?.ownerReferences ?? []).map((r) => ({ ...r }) as OwnerReference),
    },
    addressType,
    // Endpoints are never mutated, only the arrays holding them, so the cached ones can be reused.
    endpoints: (slice.endpoints ?? []).map((e) => e as unknown as SliceEndpoint),
    ports: (slice.ports ?? []).map((p) => ({ ...p }) as SlicePort),
  };
  if (meta?.resourceVersion !== undefined) out.metadata.resourceVersion = meta.resourceVersion;
  if (meta?.annotations !== undefined) out.metadata.annotations = { ...meta.annotations };
  return out;
}

/** Pops the first (in insertion order) endpoint of `set`. */
function popFirst(set: Map<string, SliceEndpoint>): SliceEndpoint {
  const first = set.entries().next().value as [string, SliceEndpoint];
  set.delete(first[0]);
  return first[1];
}

/** Upstream `getSliceToFill`: the slice that ends up closest to full when `count` endpoints are added. */
function sliceToFill(slices: readonly EndpointSliceView[], count: number, max: number): EndpointSliceView | undefined {
  let closestDiff = max;
  let closest: EndpointSliceView | undefined;
  for (const s of slices) {
    const diff = max - (count + (s.endpoints ?? []).length);
    if (diff >= 0 && diff < closestDiff) {
      closestDiff = diff;
      closest = s;
      if (diff === 0) return closest;
    }
  }
  return closest;
}

function byName(a: { metadata?: { name?: string } | undefined }, b: { metadata?: { name?: string } | undefined }): number {
  const x = a.metadata?.name ?? '';
  const y = b.metadata?.name ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Upstream `reconcileByPortMapping`: keeps the desired endpoints where they are (updating their
 * state), drops the undesired ones, fills the slices being updated anyway (fullest first), then
 * packs what is left into the unchanged slice that ends closest to full, or into new slices.
 * `desired` is consumed.
 */
function reconcileByPortMapping(
  service: ServiceView,
  addressType: AddressType,
  existing: readonly EndpointSliceView[],
  desired: Map<string, SliceEndpoint>,
  ports: readonly SlicePort[],
  maxEndpointsPerSlice: number,
): SlicePlan {
  const toUpdate = new Map<string, SliceObject>();
  const unchanged = new Map<string, EndpointSliceView>();
  const deletes: EndpointSliceView[] = [];
  for (const slice of existing) {
    const kept: SliceEndpoint[] = [];
    let endpointUpdated = false;
    for (const ep of slice.endpoints ?? []) {
      const id = endpointIdentity(ep);
      const want = desired.get(id);
      if (want === undefined) continue;
      kept.push(want);
      if (endpointSignature(want) !== endpointSignature(ep)) endpointUpdated = true;
      desired.delete(id);
    }
    const { labels, changed } = sliceLabels(slice.metadata?.labels, service);
    const name = slice.metadata?.name ?? '';
    if (endpointUpdated || kept.length !== (slice.endpoints ?? []).length) {
      if (kept.length === 0) {
        deletes.push(slice);
      } else {
        const copy = copySlice(slice, addressType);
        copy.endpoints = kept;
        copy.metadata.labels = labels;
        toUpdate.set(name, copy);
      }
    } else if (changed) {
      const copy = copySlice(slice, addressType);
      copy.metadata.labels = labels;
      toUpdate.set(name, copy);
    } else {
      unchanged.set(name, slice);
    }
  }

  if (desired.size > 0 && toUpdate.size > 0) {
    const fillable = [...toUpdate.values()].sort((a, b) => b.endpoints.length - a.endpoints.length || byName(a, b));
    for (const slice of fillable) {
      while (desired.size > 0 && slice.endpoints.length < maxEndpointsPerSlice) slice.endpoints.push(popFirst(desired));
    }
  }

  const creates: SliceObject[] = [];
  while (desired.size > 0) {
    let target: SliceObject | undefined;
    if (desired.size < maxEndpointsPerSlice && unchanged.size > 0) {
      const pick = sliceToFill([...unchanged.values()], desired.size, maxEndpointsPerSlice);
      if (pick !== undefined) {
        target = copySlice(pick, addressType);
        unchanged.delete(pick.metadata?.name ?? '');
        toUpdate.set(target.metadata.name ?? '', target);
      }
    }
    if (target === undefined) {
      target = newSliceObject(service, addressType, ports);
      creates.push(target);
    }
    while (desired.size > 0 && target.endpoints.length < maxEndpointsPerSlice) target.endpoints.push(popFirst(desired));
  }
  return { creates, updates: [...toUpdate.values()], deletes };
}

/** Upstream `placeholderSliceCompare`: a placeholder slice equal to the one this Service would get. */
function isSamePlaceholder(slice: EndpointSliceView, placeholder: SliceObject): boolean {
  if ((slice.metadata?.namespace ?? '') !== placeholder.metadata.namespace) return false;
  const labels = slice.metadata?.labels ?? {};
  const want = placeholder.metadata.labels;
  if (Object.keys(labels).length !== Object.keys(want).length || Object.keys(want).some((k) => labels[k] !== want[k])) return false;
  if (canonicalForm(slice.metadata?.ownerReferences ?? []) !== canonicalForm(placeholder.metadata.ownerReferences)) return false;
  return slice.addressType === placeholder.addressType && (slice.endpoints ?? []).length === 0 && (slice.ports ?? []).length === 0;
}

/**
 * Upstream `reconcileByAddressType` (planning part): slices not owned by the Service are deleted;
 * each group of desired endpoints is reconciled against the existing slices with the same ports;
 * slices of port sets no longer wanted are deleted; a Service with no endpoints keeps exactly one
 * empty placeholder slice; finally creates become updates of slices that would be deleted
 * (upstream `finalize`).
 *
 * @param existing - the Service's slices of this address type (managed by the controller, not being deleted).
 * @param desired - the desired groups by port map key, in pod order.
 */
export function planAddressType(
  service: ServiceView,
  addressType: AddressType,
  existing: readonly EndpointSliceView[],
  desired: ReadonlyMap<string, DesiredGroup>,
  maxEndpointsPerSlice: number,
): SlicePlan {
  const sorted = [...existing].sort(byName);
  const byPortMap = new Map<string, EndpointSliceView[]>();
  let deletes: EndpointSliceView[] = [];
  for (const slice of sorted) {
    if (!sliceOwnedBy(slice, service)) {
      deletes.push(slice);
      continue;
    }
    const key = portMapKey(slice.ports ?? []);
    const list = byPortMap.get(key);
    if (list === undefined) byPortMap.set(key, [slice]);
    else list.push(slice);
  }
  let creates: SliceObject[] = [];
  const updates: SliceObject[] = [];
  for (const [key, group] of desired) {
    const plan = reconcileByPortMapping(service, addressType, byPortMap.get(key) ?? [], new Map(group.endpoints), group.ports, maxEndpointsPerSlice);
    creates.push(...plan.creates);
    updates.push(...plan.updates);
    deletes.push(...plan.deletes);
  }
  for (const [key, slices] of byPortMap) if (!desired.has(key)) deletes.push(...slices);

  if (sorted.length === deletes.length && creates.length === 0) {
    const placeholder = newSliceObject(service, addressType, []);
    const only = deletes[0];
    if (deletes.length === 1 && only !== undefined && isSamePlaceholder(only, placeholder)) deletes = [];
    else creates = [...creates, placeholder];
  }

  // finalize: reuse a slice about to be deleted instead of creating a new one.
  const remaining: EndpointSliceView[] = [];
  for (const del of deletes) {
    const create = creates[creates.length - 1];
    if (create !== undefined && del.addressType === create.addressType && sliceOwnedBy(del, service)) {
      creates = creates.slice(0, -1);
      create.metadata.name = del.metadata?.name ?? '';
      if (del.metadata?.resourceVersion !== undefined) create.metadata.resourceVersion = del.metadata.resourceVersion;
      updates.push(create);
    } else {
      remaining.push(del);
    }
  }
  return { creates, updates, deletes: remaining };
}
