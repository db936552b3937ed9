/**
 * The EndpointSlice controller of kube-controller-manager v1.35: for every Service with a selector
 * it keeps `discovery.k8s.io/v1` EndpointSlices listing the ready, not-ready and terminating pods
 * the selector matches. Upstream `pkg/controller/endpointslice/endpointslice_controller.go`
 * (`syncService`) with the reconciler of `staging/src/k8s.io/endpointslice/`.
 *
 * Queue keys: a Service key (`namespace/name`) syncs that Service. A pod change is queued under a
 * key of its own (`namespace/pod:<name>`, never a valid Service name), because the runtime's watch
 * mapping sees only the pod: its reconcile finds, from the caches, the Services whose selector
 * matches the pod now or matched it at their last sync, and syncs those whose view of the pod is out
 * of date. A change of one of a Service's slices is queued as `namespace/slice:<service>`: the
 * controller's own writes are recognised and ignored, anything else syncs the Service after
 * upstream's `endpointSliceChangeMinSyncDelay` (1 s). A Service's slices are therefore recomputed
 * only when the Service, its slices or one of its pods change, as upstream, and a burst of pod
 * changes syncs each Service once.
 */
import {
  BucketRateLimiter,
  ConfigError,
  DEFAULT_BUCKET_BURST,
  DEFAULT_BUCKET_QPS,
  ItemExponentialFailureRateLimiter,
  MaxOfRateLimiter,
  defineController,
  reconcileDone,
  requeueAfter,
  retryReconcile,
  selectorFromSet,
  type ControllerClient,
  type ControllerDefinition,
  type IndexFunc,
  type ReconcileContext,
  type ReconcileResult,
  type Selector,
} from 'kubeprop';
import { perIncarnation } from '../incarnation-state.js';
import { POD_INDEXERS, labelIndexValue, podsMatching } from '../pod-indexes.js';
import type { PodView } from '../pod-state.js';
import { ResultCollector } from '../reconcile-results.js';
import {
  ENDPOINTSLICE_MANAGED_BY,
  LABEL_MANAGED_BY,
  LABEL_SERVICE_NAME,
  planAddressType,
  type DesiredGroup,
  type EndpointSliceView,
  type SliceObject,
} from './endpointslice-reconciler.js';
import {
  addressTypesForService,
  endpointIdentity,
  endpointPorts,
  podToEndpoint,
  portMapKey,
  shouldPodBeInEndpoints,
  type NodeView,
  type ServiceView,
} from './service-endpoints.js';

/** The controller's name in kube-controller-manager (`--controllers=endpointslice-controller`). */
export const ENDPOINTSLICE_CONTROLLER_NAME = 'endpointslice-controller';
/** Upstream `--max-endpoints-per-slice` default. */
export const MAX_ENDPOINTS_PER_SLICE_DEFAULT = 100;
/** Upstream `--endpointslice-updates-batch-period` default: no batching. */
export const ENDPOINT_UPDATES_BATCH_PERIOD_DEFAULT_MS = 0;
/** Upstream `--concurrent-service-endpoint-syncs` default. */
export const CONCURRENT_SERVICE_ENDPOINT_SYNCS_DEFAULT = 5;
/** Upstream `defaultSyncBackOff`: the first retry of a failed sync. */
export const DEFAULT_SYNC_BACKOFF_MS = 1_000;
/** Upstream `maxSyncBackOff`: retries double up to this. */
export const MAX_SYNC_BACKOFF_MS = 1_000_000;

/** Upstream `endpointSliceChangeMinSyncDelay`: a slice changed by someone else resyncs its Service after this. */
export const ENDPOINTSLICE_CHANGE_MIN_SYNC_DELAY_MS = 1_000;

const SLICE_KIND = 'discovery.k8s.io/EndpointSlice';
const POD_KEY_PREFIX = 'pod:';
const SLICE_KEY_PREFIX = 'slice:';
/** Index name: the `namespace/service` of the controller's own slices. */
const SLICE_SERVICE_INDEX = 'kubeprop.io/endpointslice-service';
/** Upstream `names.MaxGeneratedNameLength`: a generated name's prefix is cut to 58 characters. */
const MAX_GENERATED_NAME_PREFIX = 58;
const NAME_SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * Index name: Services with a selector, under the first (by key) `key=value` pair of their
 * selector (`namespace|*` for an empty selector, which selects every pod). A pod can only match a
 * Service whose first pair it carries, so its candidate Services are the buckets of its own labels.
 */
const SERVICE_SELECTOR_INDEX = 'kubeprop.io/service-selector';

/** Index function for {@link SERVICE_SELECTOR_INDEX}. */
const indexServiceBySelector: IndexFunc = (obj) => {
  const spec = obj.spec as { readonly selector?: Readonly<Record<string, string>> | null; readonly type?: string } | undefined;
  const selector = spec?.selector;
  if (selector === undefined || selector === null || spec?.type === 'ExternalName') return [];
  const ns = obj.metadata.namespace ?? '';
  const first = Object.keys(selector).sort()[0];
  return [first === undefined ? `${ns}|*` : labelIndexValue(ns, first, selector[first] as string)];
};

/** Index function for {@link SLICE_SERVICE_INDEX}: upstream lists slices by these two labels. */
const indexSliceByService: IndexFunc = (obj) => {
  const labels = obj.metadata.labels;
  const service = labels?.[LABEL_SERVICE_NAME];
  if (service === undefined || service === '' || labels?.[LABEL_MANAGED_BY] !== ENDPOINTSLICE_MANAGED_BY) return [];
  return [`${obj.metadata.namespace ?? ''}/${service}`];
};

/** Options of {@link newEndpointSliceController}. */
export interface EndpointSliceControllerOptions {
  /** The controller's name; default {@link ENDPOINTSLICE_CONTROLLER_NAME}. */
  readonly name?: string;
  /** Upstream `--max-endpoints-per-slice` (1 to 1000); default 100. */
  readonly maxEndpointsPerSlice?: number;
  /**
   * Upstream `--endpointslice-updates-batch-period`; default 0. With a period, pod changes sync a
   * Service at most once per period (the changes of a window are applied together at its end).
   */
  readonly endpointUpdatesBatchPeriodMs?: number;
  /** Upstream `--concurrent-service-endpoint-syncs`; default 5. */
  readonly workers?: number;
}

/** What the controller wrote and expects its cache to show. */
type SliceExpectation = { readonly deleted: false; readonly rv: number } | { readonly deleted: true; readonly uid: string };

interface SliceState {
  /** Service key → the pods its selector matched at its last sync, by pod key. */
  readonly members: Map<string, Map<string, PodView>>;
  /** Pod key → the Services that selected it at their last sync. */
  readonly podServices: Map<string, Set<string>>;
  /** Services whose last sync did not complete: any change of theirs syncs them again. */
  readonly dirty: Set<string>;
  /** Service key → slice name → what the controller last wrote (upstream `EndpointSliceTracker`). */
  readonly written: Map<string, Map<string, SliceExpectation>>;
  /** Service key → virtual time of its last sync (for the batch period). */
  readonly lastSyncMs: Map<string, number>;
  /** Service key → its slices (name → resourceVersion) as of its last sync and the controller's own writes since. */
  readonly known: Map<string, Map<string, number>>;
  /** Service key → when a slice change made by someone else resyncs it. */
  readonly sliceResyncAtMs: Map<string, number>;
}

const stateOf = perIncarnation<SliceState>(() => ({
  members: new Map(),
  podServices: new Map(),
  dirty: new Set(),
  written: new Map(),
  lastSyncMs: new Map(),
  known: new Map(),
  sliceResyncAtMs: new Map(),
}));

/** Compiled Service selectors, per Service object (cached objects are immutable). */
const selectors = new WeakMap<ServiceView, Selector>();

function serviceSelector(service: ServiceView): Selector | undefined {
  const set = service.spec?.selector;
  if (set === undefined || set === null || service.spec?.type === 'ExternalName') return undefined;
  let sel = selectors.get(service);
  if (sel === undefined) {
    sel = selectorFromSet(set);
    selectors.set(service, sel);
  }
  return sel;
}

/** FNV-1a, 32 bits, over the UTF-16 code units of `text`. */
function fnv32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * A slice name: the Service's generateName prefix (`<service>-`, cut to 58 characters, as upstream)
 * and five characters of the generated-name alphabet derived from the Service's uid and an ordinal.
 * The same Service asks for the same names in the same order on every run, and a create that a
 * stale cache repeats fails with AlreadyExists instead of making a duplicate slice.
 */
export function endpointSliceName(service: ServiceView, ordinal: number): string {
  const full = `${service.metadata?.name ?? ''}-`;
  const prefix = full.length > MAX_GENERATED_NAME_PREFIX ? full.slice(0, MAX_GENERATED_NAME_PREFIX) : full;
  let h = fnv32(`${service.metadata?.uid ?? ''}/${ordinal}`);
  let suffix = '';
  for (let i = 0; i < 5; i++) {
    suffix += NAME_SUFFIX_ALPHABET[h % NAME_SUFFIX_ALPHABET.length];
    h = Math.floor(h / NAME_SUFFIX_ALPHABET.length);
  }
  return prefix + suffix;
}

function splitKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** Forgets a Service (deleted, or no longer selecting pods). */
function forgetService(state: SliceState, svcKey: string): void {
  const members = state.members.get(svcKey);
  if (members !== undefined) {
    for (const podKey of members.keys()) {
      const set = state.podServices.get(podKey);
      set?.delete(svcKey);
      if (set !== undefined && set.size === 0) state.podServices.delete(podKey);
    }
  }
  state.members.delete(svcKey);
  state.dirty.delete(svcKey);
  state.written.delete(svcKey);
  state.lastSyncMs.delete(svcKey);
  state.known.delete(svcKey);
  state.sliceResyncAtMs.delete(svcKey);
}

/** Records the pods a Service selected at this sync, keeping the pod → Services index in step. */
function recordMembers(state: SliceState, svcKey: string, pods: readonly PodView[]): void {
  const next = new Map<string, PodView>();
  for (const p of pods) next.set(`${p.metadata?.namespace ?? ''}/${p.metadata?.name ?? ''}`, p);
  const prev = state.members.get(svcKey);
  if (prev !== undefined) {
    for (const podKey of prev.keys()) {
      if (next.has(podKey)) continue;
      const set = state.podServices.get(podKey);
      set?.delete(svcKey);
      if (set !== undefined && set.size === 0) state.podServices.delete(podKey);
    }
  }
  for (const podKey of next.keys()) {
    if (prev?.has(podKey) === true) continue;
    let set = state.podServices.get(podKey);
    if (set === undefined) {
      set = new Set();
      state.podServices.set(podKey, set);
    }
    set.add(svcKey);
  }
  state.members.set(svcKey, next);
}

/**
 * Upstream `EndpointSliceTracker.StaleSlices`: whether the cache lags behind a write of this
 * controller for the Service: an older version of a slice it wrote, no trace of a slice it created,
 * or a slice it deleted. Observed writes are forgotten. A written slice the cache does not have is
 * looked up in the API, uncached: if it is gone, someone deleted it after the cache saw it
 * (upstream learns that from the delete event), and the expectation is dropped.
 */
function cacheIsStale(client: ControllerClient, state: SliceState, svcKey: string, namespace: string): boolean {
  const written = state.written.get(svcKey);
  if (written === undefined) return false;
  let stale = false;
  for (const [name, exp] of written) {
    const got = client.get<EndpointSliceView>(SLICE_KIND, namespace, name);
    let observed: boolean;
    if (exp.deleted) {
      observed = !got.ok || got.value.metadata?.uid !== exp.uid || got.value.metadata?.deletionTimestamp !== undefined;
    } else if (got.ok) {
      observed = Number(got.value.metadata?.resourceVersion ?? '0') >= exp.rv;
    } else {
      const fresh = client.api.get({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', namespace, name });
      observed = !fresh.ok && fresh.error.code === 404;
    }
    if (observed) written.delete(name);
    else stale = true;
  }
  if (written.size === 0) state.written.delete(svcKey);
  return stale;
}

function expect(state: SliceState, svcKey: string, name: string, exp: SliceExpectation): void {
  let written = state.written.get(svcKey);
  if (written === undefined) {
    written = new Map();
    state.written.set(svcKey, written);
  }
  written.set(name, exp);
  const known = state.known.get(svcKey);
  if (exp.deleted) known?.delete(name);
  else known?.set(name, exp.rv);
}

function rvOf(slice: EndpointSliceView): number {
  return Number(slice.metadata?.resourceVersion ?? '0');
}

interface Settings {
  readonly maxEndpointsPerSlice: number;
  readonly batchPeriodMs: number;
}

/** Upstream `syncService` + `Reconciler.Reconcile`. */
function syncService(ctx: ReconcileContext, state: SliceState, settings: Settings, namespace: string, name: string): ReconcileResult {
  const client = ctx.client;
  const svcKey = `${namespace}/${name}`;
  const got = client.get<ServiceView>('Service', namespace, name);
  if (!got.ok) {
    if (got.error.code !== 404) return retryReconcile(got.error.message);
    // Deleted: its slices go with it through their owner reference (garbage collector).
    forgetService(state, svcKey);
    return reconcileDone();
  }
  const service = got.value;
  const selector = serviceSelector(service);
  if (selector === undefined) {
    // No selector (or ExternalName): the slices are someone else's business.
    forgetService(state, svcKey);
    return reconcileDone();
  }
  const podsRes = podsMatching(client, namespace, service.spec?.selector, selector);
  if (!podsRes.ok) return retryReconcile(podsRes.error.message);
  const pods = podsRes.value;
  const slicesRes = client.list<EndpointSliceView>(SLICE_KIND, { namespace, index: { name: SLICE_SERVICE_INDEX, value: svcKey } });
  if (!slicesRes.ok) return retryReconcile(slicesRes.error.message);
  recordMembers(state, svcKey, pods);
  state.lastSyncMs.set(svcKey, ctx.nowMs());
  state.dirty.add(svcKey);
  if (cacheIsStale(client, state, svcKey, namespace)) return retryReconcile('EndpointSlice informer cache is out of date');
  state.known.set(svcKey, new Map(slicesRes.value.map((sl) => [sl.metadata?.name ?? '', rvOf(sl)] as const)));
  state.sliceResyncAtMs.delete(svcKey);
  const slices = slicesRes.value.filter((s) => s.metadata?.deletionTimestamp === undefined);

  const errors: string[] = [];
  const nodes = new Map<string, NodeView | undefined>();
  const nodeOf = (nodeName: string): NodeView | undefined => {
    if (nodes.has(nodeName)) return nodes.get(nodeName);
    const n = nodeName === '' ? undefined : client.get<NodeView>('Node', undefined, nodeName);
    const node = n !== undefined && n.ok ? n.value : undefined;
    nodes.set(nodeName, node);
    return node;
  };
  const publishNotReady = service.spec?.publishNotReadyAddresses === true;
  const addressTypes = addressTypesForService(service);
  const unsupported = slices.filter((s) => !(addressTypes as readonly string[]).includes(s.addressType));

  const namesUsed = new Set<string>();
  let ordinal = 0;
  const freeName = (): string => {
    for (;;) {
      const candidate = endpointSliceName(service, ordinal++);
      if (namesUsed.has(candidate)) continue;
      if (client.get(SLICE_KIND, namespace, candidate).ok) continue;
      namesUsed.add(candidate);
      return candidate;
    }
  };

  let writeError: string | undefined;
  for (const addressType of addressTypes) {
    const groups = new Map<string, DesiredGroup>();
    for (const pod of pods) {
      if (!shouldPodBeInEndpoints(pod)) continue;
      const ports = endpointPorts(service, pod);
      const key = portMapKey(ports);
      let group = groups.get(key);
      if (group === undefined) {
        group = { ports, endpoints: new Map() };
        groups.set(key, group);
      }
      const node = nodeOf(pod.spec?.nodeName ?? '');
      if (node === undefined && !publishNotReady) {
        // Upstream leaves the pod out now and retries the Service later.
        errors.push(`skipping Pod ${pod.metadata?.name ?? ''} for Service ${svcKey}: Node ${pod.spec?.nodeName ?? ''} Not Found`);
        continue;
      }
      const ep = podToEndpoint(pod, node, service, addressType);
      if (ep.addresses.length > 0) group.endpoints.set(endpointIdentity(ep), ep);
    }
    const plan = planAddressType(
      service,
      addressType,
      slices.filter((s) => s.addressType === addressType),
      groups,
      settings.maxEndpointsPerSlice,
    );
    writeError = applyPlan(ctx, state, svcKey, service, plan.creates, plan.updates, plan.deletes, freeName);
    if (writeError !== undefined) break;
  }
  if (writeError === undefined) {
    for (const slice of unsupported) {
      const err = deleteSlice(ctx, state, svcKey, slice);
      if (err !== undefined) {
        writeError = err;
        break;
      }
    }
  }
  if (writeError !== undefined) return retryReconcile(writeError);
  if (errors.length > 0) return retryReconcile(errors.join('; '));
  state.dirty.delete(svcKey);
  return reconcileDone();
}

function deleteSlice(ctx: ReconcileContext, state: SliceState, svcKey: string, slice: EndpointSliceView): string | undefined {
  const name = slice.metadata?.name ?? '';
  const res = ctx.client.delete({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', namespace: slice.metadata?.namespace ?? '', name });
  if (!res.ok && res.error.code !== 404) return `failed to delete ${name} EndpointSlice for Service ${svcKey}: ${res.error.message}`;
  expect(state, svcKey, name, { deleted: true, uid: slice.metadata?.uid ?? '' });
  return undefined;
}

/** Upstream `finalize`: creates (not for a Service being deleted), then updates, then deletes; the first failure stops it. */
function applyPlan(
  ctx: ReconcileContext,
  state: SliceState,
  svcKey: string,
  service: ServiceView,
  creates: readonly SliceObject[],
  updates: readonly SliceObject[],
  deletes: readonly EndpointSliceView[],
  freeName: () => string,
): string | undefined {
  const client = ctx.client;
  if (service.metadata?.deletionTimestamp === undefined) {
    for (const slice of creates) {
      slice.metadata.name = freeName();
      const res = client.create<EndpointSliceView>(slice);
      if (!res.ok) return `failed to create EndpointSlice for Service ${svcKey}: ${res.error.message}`;
      expect(state, svcKey, res.value.metadata?.name ?? '', { deleted: false, rv: Number(res.value.metadata?.resourceVersion ?? '0') });
    }
  }
  for (const slice of updates) {
    const res = client.update<EndpointSliceView>(slice);
    if (!res.ok) return `failed to update ${slice.metadata.name ?? ''} EndpointSlice for Service ${svcKey}: ${res.error.message}`;
    expect(state, svcKey, res.value.metadata?.name ?? '', { deleted: false, rv: Number(res.value.metadata?.resourceVersion ?? '0') });
  }
  for (const slice of deletes) {
    const err = deleteSlice(ctx, state, svcKey, slice);
    if (err !== undefined) return err;
  }
  return undefined;
}

/**
 * One of a Service's slices changed (upstream `onEndpointSliceAdd/Update/Delete` with the
 * `EndpointSliceTracker`): if the cache shows exactly what the last sync and the controller's own
 * writes left, the change was the controller's own and nothing happens; otherwise the Service is
 * synced once the minimum delay (or the batch period, if longer) has passed.
 */
function syncSliceChange(ctx: ReconcileContext, state: SliceState, settings: Settings, namespace: string, service: string): ReconcileResult {
  const svcKey = `${namespace}/${service}`;
  const now = ctx.nowMs();
  let due = state.sliceResyncAtMs.get(svcKey);
  if (due === undefined) {
    const known = state.known.get(svcKey);
    // Not synced by this incarnation: its own Service key syncs it (or it is not ours to manage).
    if (known === undefined) return reconcileDone();
    const listed = ctx.client.list<EndpointSliceView>(SLICE_KIND, { namespace, index: { name: SLICE_SERVICE_INDEX, value: svcKey } });
    if (!listed.ok) return retryReconcile(listed.error.message);
    const same = listed.value.length === known.size && listed.value.every((sl) => known.get(sl.metadata?.name ?? '') === rvOf(sl));
    if (same) return reconcileDone();
    due = now + Math.max(ENDPOINTSLICE_CHANGE_MIN_SYNC_DELAY_MS, settings.batchPeriodMs);
    state.sliceResyncAtMs.set(svcKey, due);
  }
  if (now < due) return requeueAfter(due - now);
  state.sliceResyncAtMs.delete(svcKey);
  return syncService(ctx, state, settings, namespace, service);
}

/**
 * A pod changed: sync the Services that select it now or selected it at their last sync, unless
 * their last complete sync already saw this very version of the pod.
 */
function syncPod(ctx: ReconcileContext, state: SliceState, settings: Settings, namespace: string, podName: string): ReconcileResult {
  const client = ctx.client;
  const podKey = `${namespace}/${podName}`;
  const got = client.get<PodView>('Pod', namespace, podName);
  if (!got.ok && got.error.code !== 404) return retryReconcile(got.error.message);
  const pod = got.ok ? got.value : undefined;
  const candidates = new Set(state.podServices.get(podKey) ?? []);
  if (pod !== undefined) {
    const labels = pod.metadata?.labels ?? {};
    const buckets = [`${namespace}|*`, ...Object.keys(labels).map((k) => labelIndexValue(namespace, k, labels[k] as string))];
    for (const bucket of buckets) {
      const services = client.list<ServiceView>('Service', { namespace, index: { name: SERVICE_SELECTOR_INDEX, value: bucket } });
      if (!services.ok) return retryReconcile(services.error.message);
      for (const svc of services.value) {
        const sel = serviceSelector(svc);
        if (sel !== undefined && sel.matches(labels)) candidates.add(`${namespace}/${svc.metadata?.name ?? ''}`);
      }
    }
  }
  const results = new ResultCollector();
  const now = ctx.nowMs();
  for (const svcKey of [...candidates].sort()) {
    const members = state.members.get(svcKey);
    // Not synced by this incarnation yet: its own Service key (queued when the informer listed it) will.
    if (members === undefined) continue;
    if (!state.dirty.has(svcKey) && members.get(podKey) === pod) continue;
    if (settings.batchPeriodMs > 0) {
      const last = state.lastSyncMs.get(svcKey);
      if (last !== undefined && now - last < settings.batchPeriodMs) {
        results.requeueAfter(last + settings.batchPeriodMs - now);
        continue;
      }
    }
    const { namespace: ns, name } = splitKey(svcKey);
    results.add(syncService(ctx, state, settings, ns, name));
  }
  return results.result();
}

/**
 * A definition of the EndpointSlice controller with the given options. The default instance is
 * {@link endpointSliceController}.
 */
export function newEndpointSliceController(options: EndpointSliceControllerOptions = {}): ControllerDefinition {
  const maxEndpointsPerSlice = options.maxEndpointsPerSlice ?? MAX_ENDPOINTS_PER_SLICE_DEFAULT;
  if (!Number.isSafeInteger(maxEndpointsPerSlice) || maxEndpointsPerSlice < 1 || maxEndpointsPerSlice > 1000) {
    throw new ConfigError(`endpointslice controller: maxEndpointsPerSlice must be an integer from 1 to 1000, got ${String(maxEndpointsPerSlice)}`);
  }
  const batchPeriodMs = options.endpointUpdatesBatchPeriodMs ?? ENDPOINT_UPDATES_BATCH_PERIOD_DEFAULT_MS;
  if (!Number.isSafeInteger(batchPeriodMs) || batchPeriodMs < 0) {
    throw new ConfigError(`endpointslice controller: endpointUpdatesBatchPeriodMs must be a non-negative integer, got ${String(batchPeriodMs)}`);
  }
  const settings: Settings = { maxEndpointsPerSlice, batchPeriodMs };
  return defineController({
    name: options.name ?? ENDPOINTSLICE_CONTROLLER_NAME,
    for: 'Service',
    watches: [
      {
        kind: SLICE_KIND,
        map: (slice) => {
          const labels = slice.metadata.labels;
          const service = labels?.[LABEL_SERVICE_NAME];
          if (service === undefined || service === '' || labels?.[LABEL_MANAGED_BY] !== ENDPOINTSLICE_MANAGED_BY) return [];
          return [{ namespace: slice.metadata.namespace ?? '', name: SLICE_KEY_PREFIX + service }];
        },
      },
      {
        kind: 'Pod',
        map: (pod) => [{ namespace: pod.metadata.namespace ?? '', name: POD_KEY_PREFIX + (pod.metadata.name ?? '') }],
      },
      // Read for zones; declared so the workers wait for its cache. Node changes alone do not resync.
      { kind: 'Node', map: () => [] },
    ],
    indexers: { Pod: POD_INDEXERS, Service: { [SERVICE_SELECTOR_INDEX]: indexServiceBySelector }, [SLICE_KIND]: { [SLICE_SERVICE_INDEX]: indexSliceByService } },
    maxConcurrentReconciles: options.workers ?? CONCURRENT_SERVICE_ENDPOINT_SYNCS_DEFAULT,
    // Upstream's service queue: per item 1 s doubling to 1000 s, and 10 qps with a burst of 100 overall.
    rateLimiter: () =>
      new MaxOfRateLimiter<string>(new ItemExponentialFailureRateLimiter<string>(DEFAULT_SYNC_BACKOFF_MS, MAX_SYNC_BACKOFF_MS), new BucketRateLimiter<string>(DEFAULT_BUCKET_QPS, DEFAULT_BUCKET_BURST)),
    reconcile: (req, ctx) => {
      const state = stateOf(ctx);
      if (req.name.startsWith(POD_KEY_PREFIX)) return syncPod(ctx, state, settings, req.namespace, req.name.slice(POD_KEY_PREFIX.length));
      if (req.name.startsWith(SLICE_KEY_PREFIX)) return syncSliceChange(ctx, state, settings, req.namespace, req.name.slice(SLICE_KEY_PREFIX.length));
      return syncService(ctx, state, settings, req.namespace, req.name);
    },
  });
}

/** The EndpointSlice controller with upstream defaults (100 endpoints per slice, no batching, 5 workers). */
export const endpointSliceController: ControllerDefinition = newEndpointSliceController();
