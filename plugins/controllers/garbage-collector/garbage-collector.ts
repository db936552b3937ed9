/**
 * The garbage collector of kube-controller-manager (`garbage-collector-controller`): deletes
 * objects whose owners are all gone (background cascading deletion), deletes the dependents of an
 * owner deleted in the foreground before letting it go (`foregroundDeletion` finalizer, dependents
 * with `blockOwnerDeletion` hold it), and orphans the dependents of an owner deleted with the
 * `orphan` finalizer (removes the owner references, then the finalizer). An owner reference whose
 * uid does not match the object of that name is dangling, as if the owner were gone.
 *
 * Upstream: `pkg/controller/garbagecollector/garbagecollector.go` (`attemptToDeleteItem`,
 * `isDangling`, `classifyReferences`, `processDeletingDependentsItem`, `attemptToOrphanWorker`),
 * `graph_builder.go` (what each change enqueues) and `operations.go` (v1.35).
 *
 * Shape in the controller runtime: upstream keeps an in-memory ownership graph fed by informers of
 * every deletable resource. Here the graph is the informer caches themselves: every watched kind is
 * indexed by the coordinates (`group/Kind/name`) of its owner references, so the dependents of an
 * object, present or already gone, are one index read per kind. One controller reconciles every
 * watched object (requests carry the kind, see `gc-keys.ts`); a change of an object enqueues the
 * object itself and the owners it blocks (`blockOwnerDeletion`), which is what upstream's graph
 * builder reacts to: an object gone (its dependents are examined), an owner starting foreground
 * or orphan deletion, a blocking dependent gone or unblocked (its owner may finish). The
 * decisions are upstream's and read the live object and each owner through the API (`isDangling`),
 * with upstream's cache of owners known to be absent.
 */
import {
  BUILTIN_KINDS,
  ConfigError,
  defineController,
  indexReading,
  isBadRequest,
  isConflict,
  isNotFound,
  parseKindKey,
  reconcileDone,
  retryReconcile,
  type ApiError,
  type ControllerDefinition,
  type DeepReadonly,
  type DeletionPropagation,
  type IndexFunc,
  type KubeObject,
  type OwnerReference,
  type ReconcileContext,
  type ReconcileRequest,
  type ReconcileResult,
  type WatchMapping,
} from 'kubeprop';
import { perIncarnation } from '../incarnation-state.js';
import { POD_KIND, gcRequest, gcTarget, kindKey, ownerCoordinates, ownerGroupKind, scopeOf, type GcTarget, type GroupKind } from './gc-keys.js';

/** The controller's name in kube-controller-manager (`names.GarbageCollectorController`). */
export const GARBAGE_COLLECTOR_CONTROLLER_NAME = 'garbage-collector-controller';

/** Upstream `metav1.FinalizerDeleteDependents`. */
export const FINALIZER_DELETE_DEPENDENTS = 'foregroundDeletion';
/** Upstream `metav1.FinalizerOrphanDependents`. */
export const FINALIZER_ORPHAN_DEPENDENTS = 'orphan';

/** Index name: the coordinates (`group/Kind/name`) of each owner reference. */
export const OWNER_COORDINATES_INDEX = 'kubeprop.io/owner-coordinates';

/**
 * The values of `OWNER_COORDINATES_INDEX` by (frozen) owner reference list: the versions of an
 * object share one list, so the strings are built once and an update finds the very array it had,
 * which the cache compares at no cost.
 */
const coordinateValues = new WeakMap<object, readonly string[]>();

/** Index function for `OWNER_COORDINATES_INDEX`. */
export const indexByOwnerCoordinates: IndexFunc = indexReading(['metadata.ownerReferences'], (obj) => {
  const refs = obj.metadata.ownerReferences;
  if (refs === undefined || refs.length === 0) return [];
  const hit = coordinateValues.get(refs);
  if (hit !== undefined) return hit;
  const out: string[] = [];
  for (const ref of refs) {
    const value = ownerCoordinates(ownerGroupKind(ref), ref.name);
    if (!out.includes(value)) out.push(value);
  }
  // A list that may still change is not remembered.
  if (Object.isFrozen(refs) && refs.every((r) => Object.isFrozen(r))) coordinateValues.set(refs, Object.freeze(out));
  return out;
});

/** Upstream `DefaultIgnoredResources`: events are never garbage collected. */
export const GC_IGNORED_KINDS: readonly string[] = Object.freeze(['Event', 'events.k8s.io/Event']);

/** The kinds watched by default: every built-in kind but the ignored ones (upstream: every deletable resource). */
export const GC_DEFAULT_KINDS: readonly string[] = Object.freeze(
  BUILTIN_KINDS.map((k) => kindKey(k)).filter((k) => !GC_IGNORED_KINDS.includes(k)),
);

/** A custom resource kind to watch, with its scope (the runtime cannot know it in advance). */
export interface GcCustomKind {
  /** `group/Kind`, e.g. `example.com/Widget`. */
  readonly kind: string;
  readonly namespaced: boolean;
}

/** Settings of the garbage collector. */
export interface GarbageCollectorOptions {
  /** The built-in kinds to watch (kind keys); default `GC_DEFAULT_KINDS`. Pods are always watched. */
  readonly kinds?: readonly string[];
  /**
   * Custom resource kinds to watch as well. Their CustomResourceDefinitions must be served for the
   * collector to start, as it waits for every informer to sync.
   */
  readonly customKinds?: readonly GcCustomKind[];
  /** `--concurrent-gc-syncs`: workers. Default 20. */
  readonly workers?: number;
  /** Size of the cache of owners verified absent. Default 500 (upstream `NewReferenceCache(500)`). */
  readonly absentOwnerCacheSize?: number;
}

/** The kube-controller-manager v1.35 defaults of the numeric settings. */
export const GARBAGE_COLLECTOR_DEFAULTS = Object.freeze({ workers: 20, absentOwnerCacheSize: 500 });

/** Upstream `retry.DefaultBackoff.Steps`: attempts of a finalizer removal that meets conflicts. */
const FINALIZER_ATTEMPTS = 4;

/** Upstream `ReferenceCache`: a bounded LRU set of owner identities verified absent. */
class ReferenceCache {
  readonly #max: number;
  readonly #items = new Map<string, true>();

  constructor(max: number) {
    this.#max = max;
  }

  has(key: string): boolean {
    if (!this.#items.has(key)) return false;
    this.#items.delete(key);
    this.#items.set(key, true);
    return true;
  }

  add(key: string): void {
    this.#items.delete(key);
    this.#items.set(key, true);
    if (this.#items.size > this.#max) {
      const oldest = this.#items.keys().next();
      if (!oldest.done) this.#items.delete(oldest.value);
    }
  }
}

interface GcState {
  readonly absentOwners: ReferenceCache;
}

type Obj = DeepReadonly<KubeObject>;

/** A dependent found through the index. */
interface Dependent {
  readonly gk: GroupKind;
  readonly obj: Obj;
}

/** The outcome of one step: fine (done or nothing to do), or to be retried. */
type Step = { readonly ok: true } | { readonly ok: false; readonly reason: string };

const OK: Step = Object.freeze({ ok: true });

function failed(reason: string): Step {
  return { ok: false, reason };
}

function failedWith(what: string, error: ApiError): Step {
  return { ok: false, reason: `${what}: ${error.message}` };
}

function toResult(steps: readonly Step[]): ReconcileResult {
  for (const s of steps) if (!s.ok) return retryReconcile(s.reason);
  return reconcileDone();
}

function hasFinalizer(obj: Obj, finalizer: string): boolean {
  return (obj.metadata.finalizers ?? []).includes(finalizer);
}

function beingDeleted(obj: Obj): boolean {
  return obj.metadata.deletionTimestamp !== undefined;
}

/** Upstream `isDeletingDependents`: being deleted with the `foregroundDeletion` finalizer. */
function deletingDependents(obj: Obj): boolean {
  return beingDeleted(obj) && hasFinalizer(obj, FINALIZER_DELETE_DEPENDENTS);
}

function refOf(obj: Obj) {
  const ns = obj.metadata.namespace;
  return { apiVersion: obj.apiVersion, kind: obj.kind, ...(ns !== undefined && ns !== '' ? { namespace: ns } : {}), name: obj.metadata.name ?? '' };
}

function describeObject(obj: Obj): string {
  const ns = obj.metadata.namespace;
  return `${obj.kind} ${ns !== undefined && ns !== '' ? `${ns}/` : ''}${obj.metadata.name ?? ''}`;
}

function sameOwnerRefs(a: readonly DeepReadonly<OwnerReference>[] | undefined, b: readonly DeepReadonly<OwnerReference>[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) {
    const p = x[i] as DeepReadonly<OwnerReference>;
    const q = y[i] as DeepReadonly<OwnerReference>;
    if (p.apiVersion !== q.apiVersion || p.kind !== q.kind || p.name !== q.name || p.uid !== q.uid || p.controller !== q.controller || p.blockOwnerDeletion !== q.blockOwnerDeletion) {
      return false;
    }
  }
  return true;
}

/** Upstream `isDangling`'s answer. */
type Reference =
  | { readonly kind: 'dangling' }
  | { readonly kind: 'owner'; readonly owner: Obj }
  /** A cluster-scoped object refers to a namespaced owner: an error that retrying cannot fix. */
  | { readonly kind: 'invalid' }
  | { readonly kind: 'error'; readonly reason: string };

/** A garbage collector; see the module comment. */
export function newGarbageCollectorController(options: GarbageCollectorOptions = {}): ControllerDefinition {
  const workers = options.workers ?? GARBAGE_COLLECTOR_DEFAULTS.workers;
  const cacheSize = options.absentOwnerCacheSize ?? GARBAGE_COLLECTOR_DEFAULTS.absentOwnerCacheSize;
  if (!Number.isSafeInteger(cacheSize) || cacheSize < 1) throw new ConfigError(`${GARBAGE_COLLECTOR_CONTROLLER_NAME}: absentOwnerCacheSize must be a positive integer, got ${String(cacheSize)}`);
  const custom = new Map<string, boolean>();
  const monitored = new Map<string, GroupKind>();
  const add = (key: string): void => {
    const gk = parseKindKey(key);
    const k = kindKey(gk);
    if (GC_IGNORED_KINDS.includes(k)) throw new ConfigError(`${GARBAGE_COLLECTOR_CONTROLLER_NAME}: ${k} is never garbage collected`);
    if (!monitored.has(k)) monitored.set(k, gk);
  };
  add(kindKey(POD_KIND));
  for (const k of options.kinds ?? GC_DEFAULT_KINDS) add(k);
  for (const c of options.customKinds ?? []) {
    const gk = parseKindKey(c.kind);
    if (gk.group === '') throw new ConfigError(`${GARBAGE_COLLECTOR_CONTROLLER_NAME}: custom kind ${c.kind} needs a group`);
    custom.set(kindKey(gk), c.namespaced);
    add(c.kind);
  }
  for (const [k, gk] of monitored) {
    if (scopeOf(gk, custom) === undefined) throw new ConfigError(`${GARBAGE_COLLECTOR_CONTROLLER_NAME}: ${k} is not a built-in kind; list it in customKinds with its scope`);
  }
  const gc = new Collector(monitored, custom);
  const stateOf = perIncarnation<GcState>(() => ({ absentOwners: new ReferenceCache(cacheSize) }));
  const kinds = [...monitored.values()];
  const watches: WatchMapping[] = kinds.map((gk) => ({ kind: kindKey(gk), map: (obj: Obj) => gc.requestsFor(gk, obj) }));
  const indexers: Record<string, Record<string, IndexFunc>> = {};
  for (const gk of kinds) indexers[kindKey(gk)] = { [OWNER_COORDINATES_INDEX]: indexByOwnerCoordinates };
  return defineController({
    name: GARBAGE_COLLECTOR_CONTROLLER_NAME,
    for: kindKey(POD_KIND),
    watches,
    indexers,
    maxConcurrentReconciles: workers,
    reconcile: (req: ReconcileRequest, ctx: ReconcileContext): ReconcileResult => gc.reconcile(stateOf(ctx), ctx, gcTarget(req)),
  });
}

/**
 * An owner kind, as the collector reaches it: its kind key (for cache reads), its scope, and what
 * requests for owners of the kind look like: `{ namespace: clusterScoped ? '' : ns, name: prefix + name }`.
 */
interface OwnerRoute {
  readonly kindKey: string;
  readonly clusterScoped: boolean;
  readonly prefix: string;
}

/** What an object that blocks no owner enqueues. */
const NO_REQUESTS: readonly ReconcileRequest[] = Object.freeze([]);

/** The collector's logic; its state is per incarnation (the absent owner cache). */
class Collector {
  readonly #kinds: readonly GroupKind[];
  /** `#ownerRoute` results by owner `apiVersion`, then `kind`. */
  readonly #ownerRoutes = new Map<string, Map<string, OwnerRoute | null>>();
  /** `#blockedOwners` results by owner reference list. */
  readonly #blocked = new WeakMap<object, { readonly namespace: string; readonly requests: readonly ReconcileRequest[] }>();

  constructor(
    readonly monitored: ReadonlyMap<string, GroupKind>,
    readonly custom: ReadonlyMap<string, boolean>,
  ) {
    this.#kinds = [...monitored.keys()].sort().map((k) => monitored.get(k) as GroupKind);
  }

  /** What a change of `obj` (of kind `gk`) enqueues: the object (pods come through `for`) and the owners it blocks. */
  requestsFor(gk: GroupKind, obj: Obj): readonly ReconcileRequest[] {
    const isPod = gk.group === POD_KIND.group && gk.kind === POD_KIND.kind;
    const refs = obj.metadata.ownerReferences;
    // Every pod event comes through here; a pod without owners blocks nothing.
    if (isPod && (refs === undefined || refs.length === 0)) return NO_REQUESTS;
    const ns = obj.metadata.namespace ?? '';
    const owners = refs === undefined ? NO_REQUESTS : this.#blockedOwners(refs, ns);
    return isPod ? owners : [gcRequest({ ...gk, namespace: ns, name: obj.metadata.name ?? '' }), ...owners];
  }

  /**
   * The requests for the owners that `refs`, the owner references of an object in namespace `ns`,
   * block. Kept per (frozen) list: the versions of an object share it, so the requests of every
   * event of a pod are the same objects, with the same strings.
   */
  #blockedOwners(refs: readonly DeepReadonly<OwnerReference>[], ns: string): readonly ReconcileRequest[] {
    const hit = this.#blocked.get(refs);
    if (hit !== undefined && hit.namespace === ns) return hit.requests;
    const out: ReconcileRequest[] = [];
    for (const ref of refs) {
      if (ref.blockOwnerDeletion !== true) continue;
      const route = this.#ownerRoute(ref);
      if (route === null) continue;
      out.push({ namespace: route.clusterScoped ? '' : ns, name: route.prefix + ref.name });
    }
    const requests = out.length === 0 ? NO_REQUESTS : Object.freeze(out);
    // A list that may still change is not remembered.
    if (Object.isFrozen(refs) && refs.every((r) => Object.isFrozen(r))) this.#blocked.set(refs, { namespace: ns, requests });
    return requests;
  }

  /**
   * How owners of one `apiVersion`/`kind` are reached, worked out once per pair: the monitored
   * kinds and scopes are fixed at construction, and the same few owner kinds recur on every pod
   * event and sync. `null` when the kind is not monitored.
   */
  #ownerRoute(ref: DeepReadonly<OwnerReference>): OwnerRoute | null {
    let byKind = this.#ownerRoutes.get(ref.apiVersion);
    if (byKind === undefined) {
      byKind = new Map();
      this.#ownerRoutes.set(ref.apiVersion, byKind);
    }
    let route = byKind.get(ref.kind);
    if (route === undefined) {
      const owner = ownerGroupKind(ref);
      if (!this.monitored.has(kindKey(owner))) {
        route = null;
      } else {
        // The name `gcRequest` gives any object of this kind, less the object's own name.
        const probe = gcRequest({ ...owner, namespace: '', name: '' });
        route = { kindKey: kindKey(owner), clusterScoped: scopeOf(owner, this.custom) === false, prefix: probe.name };
      }
      byKind.set(ref.kind, route);
    }
    return route;
  }

  reconcile(st: GcState, ctx: ReconcileContext, target: GcTarget): ReconcileResult {
    const key = kindKey(target);
    if (!this.monitored.has(key)) return reconcileDone();
    const got = ctx.client.get(key, target.namespace === '' ? undefined : target.namespace, target.name);
    if (!got.ok) {
      if (got.error.code !== 404) return retryReconcile(got.error.message);
      return this.#onAbsent(st, ctx, target);
    }
    const obj = got.value as Obj;
    if (beingDeleted(obj)) {
      if (hasFinalizer(obj, FINALIZER_ORPHAN_DEPENDENTS)) return toResult([this.#orphanDependents(ctx, target, obj)]);
      if (hasFinalizer(obj, FINALIZER_DELETE_DEPENDENTS)) return toResult([this.#processDeletingDependents(st, ctx, target, obj)]);
      // Upstream: "being deleted" is a one-way trip; its dependents are seen to when it is gone.
      return reconcileDone();
    }
    if (this.#ownersSolidInCache(ctx, obj)) return reconcileDone();
    return toResult([this.#attemptToDelete(st, ctx, { gk: target, obj })]);
  }

  /**
   * Whether every owner of `obj` is in the cache with the referenced uid and not deleting its
   * dependents: then upstream's graph has nothing to enqueue and no API call is made.
   */
  #ownersSolidInCache(ctx: ReconcileContext, obj: Obj): boolean {
    const ns = obj.metadata.namespace ?? '';
    for (const ref of obj.metadata.ownerReferences ?? []) {
      const route = this.#ownerRoute(ref);
      if (route === null) return false;
      const owner = ctx.client.get(route.kindKey, route.clusterScoped || ns === '' ? undefined : ns, ref.name);
      if (!owner.ok || owner.value.metadata.uid !== ref.uid || deletingDependents(owner.value as Obj)) return false;
    }
    return true;
  }

  /** Upstream's reaction to an object leaving the graph: each of its dependents is examined. */
  #onAbsent(st: GcState, ctx: ReconcileContext, target: GcTarget): ReconcileResult {
    const deps = this.#dependents(ctx, target, undefined);
    if (!deps.ok) return retryReconcile(deps.reason);
    return toResult(deps.value.map((d) => this.#attemptToDelete(st, ctx, d)));
  }

  /**
   * The objects of every watched kind with an owner reference to `owner`'s coordinates (and uid,
   * when given), from the caches: in the owner's namespace for a namespaced owner, anywhere for a
   * cluster-scoped one. Kinds in key order, objects in key order.
   */
  #dependents(ctx: ReconcileContext, owner: GcTarget, uid: string | undefined): { readonly ok: true; readonly value: Dependent[] } | { readonly ok: false; readonly reason: string } {
    const value = ownerCoordinates(owner, owner.name);
    const out: Dependent[] = [];
    for (const gk of this.#kinds) {
      const listed = ctx.client.list(kindKey(gk), { index: { name: OWNER_COORDINATES_INDEX, value } });
      if (!listed.ok) return { ok: false, reason: listed.error.message };
      for (const obj of listed.value) {
        if (owner.namespace !== '' && (obj.metadata.namespace ?? '') !== owner.namespace) continue;
        if (uid !== undefined && !(obj.metadata.ownerReferences ?? []).some((r) => r.uid === uid)) continue;
        out.push({ gk, obj: obj as Obj });
      }
    }
    return { ok: true, value: out };
  }

  /** Upstream `isDangling`: the absent owner cache first, then a live read of the owner. */
  #isDangling(st: GcState, ctx: ReconcileContext, ref: DeepReadonly<OwnerReference>, dependentNs: string): Reference {
    const gk = ownerGroupKind(ref);
    const namespaced = scopeOf(gk, this.custom);
    const clusterKey = `/${ref.uid}`;
    const nsKey = `${dependentNs}/${ref.uid}`;
    if (st.absentOwners.has(clusterKey) || st.absentOwners.has(nsKey)) return { kind: 'dangling' };
    if (dependentNs === '' && namespaced === true) return { kind: 'invalid' };
    const got = ctx.client.api.get({
      apiVersion: ref.apiVersion,
      kind: ref.kind,
      ...(namespaced !== false && dependentNs !== '' ? { namespace: dependentNs } : {}),
      name: ref.name,
    });
    if (!got.ok) {
      // A 404 naming the object: it is gone. A 404 without details: the kind is not served (upstream's REST mapping error, retried).
      if (isNotFound(got.error) && got.error.details?.name !== undefined) {
        st.absentOwners.add(namespaced === false ? clusterKey : nsKey);
        return { kind: 'dangling' };
      }
      if (isBadRequest(got.error)) return { kind: 'invalid' };
      return { kind: 'error', reason: `reading owner ${ref.kind} ${ref.name}: ${got.error.message}` };
    }
    if (got.value.metadata.uid !== ref.uid) {
      st.absentOwners.add(namespaced === false ? clusterKey : nsKey);
      return { kind: 'dangling' };
    }
    return { kind: 'owner', owner: got.value as Obj };
  }

  /** Upstream `attemptToDeleteItem` on a dependent, read live. */
  #attemptToDelete(st: GcState, ctx: ReconcileContext, item: Dependent): Step {
    const ref = refOf(item.obj);
    const live = ctx.client.api.get(ref);
    if (!live.ok) return isNotFound(live.error) ? OK : failedWith(`reading ${describeObject(item.obj)}`, live.error);
    const latest = live.value as Obj;
    if (latest.metadata.uid !== item.obj.metadata.uid) return OK;
    // Being deleted: nothing to decide here (deleting its own dependents is its own key's work).
    if (beingDeleted(latest)) return OK;
    const refs = latest.metadata.ownerReferences ?? [];
    if (refs.length === 0) return OK;
    const ns = latest.metadata.namespace ?? '';
    const solid: DeepReadonly<OwnerReference>[] = [];
    const dangling: DeepReadonly<OwnerReference>[] = [];
    const waiting: DeepReadonly<OwnerReference>[] = [];
    for (const r of refs) {
      const found = this.#isDangling(st, ctx, r, ns);
      switch (found.kind) {
        case 'error':
          return failed(found.reason);
        case 'invalid':
          // Upstream gives up on the item without retrying.
          ctx.trace('gc-invalid-owner-reference', { object: describeObject(latest), owner: `${r.kind} ${r.name}` });
          return OK;
        case 'dangling':
          dangling.push(r);
          break;
        case 'owner':
          if (deletingDependents(found.owner)) waiting.push(r);
          else solid.push(r);
          break;
      }
    }
    if (solid.length > 0) {
      if (dangling.length === 0 && waiting.length === 0) return OK;
      // Keep the object; drop the references to owners that are gone or waiting for it.
      const drop = new Set([...dangling, ...waiting].map((r) => r.uid));
      return this.#patchOwnerRefs(ctx, latest, (list) => list.filter((r) => !drop.has(r.uid)), 'gc-remove-owner-references');
    }
    if (waiting.length > 0) {
      const deps = this.#dependents(ctx, { ...item.gk, namespace: ns, name: latest.metadata.name ?? '' }, latest.metadata.uid);
      if (!deps.ok) return failed(deps.reason);
      if (deps.value.length > 0) {
        let target = latest;
        if (deps.value.some((d) => deletingDependents(d.obj))) {
          // Upstream's cycle guard: stop blocking the owners, then delete in the foreground.
          const unblocked = this.#patchOwnerRefs(ctx, latest, (list) => list.map((r) => (r.blockOwnerDeletion === true ? { ...r, blockOwnerDeletion: false } : r)), 'gc-unblock-owner-references');
          if (!unblocked.ok) return unblocked;
          const again = ctx.client.api.get(ref);
          if (!again.ok) return isNotFound(again.error) ? OK : failedWith(`reading ${describeObject(latest)}`, again.error);
          target = again.value as Obj;
        }
        return this.#deleteObject(ctx, target, 'Foreground');
      }
    }
    // No solid owner left: delete, honouring a GC finalizer the object already has.
    const policy: DeletionPropagation = hasFinalizer(latest, FINALIZER_ORPHAN_DEPENDENTS)
      ? 'Orphan'
      : hasFinalizer(latest, FINALIZER_DELETE_DEPENDENTS)
        ? 'Foreground'
        : 'Background';
    return this.#deleteObject(ctx, latest, policy);
  }

  /**
   * Upstream `processDeletingDependentsItem`: the dependents not yet being deleted are attempted
   * (upstream enqueues them), and the owner's `foregroundDeletion` finalizer goes once no dependent
   * blocks it.
   */
  #processDeletingDependents(st: GcState, ctx: ReconcileContext, target: GcTarget, owner: Obj): Step {
    const uid = owner.metadata.uid ?? '';
    const deps = this.#dependents(ctx, target, uid);
    if (!deps.ok) return failed(deps.reason);
    let blocking = 0;
    const steps: Step[] = [];
    for (const d of deps.value) {
      if ((d.obj.metadata.ownerReferences ?? []).some((r) => r.uid === uid && r.blockOwnerDeletion === true)) blocking++;
      if (!beingDeleted(d.obj)) steps.push(this.#attemptToDelete(st, ctx, d));
    }
    for (const s of steps) if (!s.ok) return s;
    if (blocking > 0) return OK;
    return this.#removeFinalizer(ctx, owner, FINALIZER_DELETE_DEPENDENTS);
  }

  /** Upstream `attemptToOrphanWorker`: each dependent loses its references to the owner, then the owner its `orphan` finalizer. */
  #orphanDependents(ctx: ReconcileContext, target: GcTarget, owner: Obj): Step {
    const uid = owner.metadata.uid ?? '';
    const deps = this.#dependents(ctx, target, uid);
    if (!deps.ok) return failed(deps.reason);
    for (const d of deps.value) {
      const step = this.#patchOwnerRefs(ctx, d.obj, (list) => list.filter((r) => r.uid !== uid), 'gc-orphan');
      if (!step.ok) return step;
    }
    return this.#removeFinalizer(ctx, owner, FINALIZER_ORPHAN_DEPENDENTS);
  }

  /**
   * Rewrites the live object's owner references (upstream `deleteOwnerRefJSONMergePatch` and
   * `unblockOwnerReferencesJSONMergePatch`): a JSON merge patch with the resource version read.
   */
  #patchOwnerRefs(
    ctx: ReconcileContext,
    obj: Obj,
    change: (refs: readonly DeepReadonly<OwnerReference>[]) => readonly DeepReadonly<OwnerReference>[],
    traceKind: string,
  ): Step {
    const ref = refOf(obj);
    const live = ctx.client.api.get(ref);
    if (!live.ok) return isNotFound(live.error) ? OK : failedWith(`reading ${describeObject(obj)}`, live.error);
    if (live.value.metadata.uid !== obj.metadata.uid) return OK;
    const refs = live.value.metadata.ownerReferences ?? [];
    const next = change(refs);
    if (sameOwnerRefs(refs, next)) return OK;
    const res = ctx.client.api.patch(ref, { metadata: { resourceVersion: live.value.metadata.resourceVersion, ownerReferences: next.length > 0 ? next : null } });
    if (!res.ok) return isNotFound(res.error) ? OK : failedWith(`patching ${describeObject(obj)}`, res.error);
    ctx.trace(traceKind, { object: describeObject(obj), ownerReferences: next.length });
    return OK;
  }

  /** Upstream `removeFinalizer`: a merge patch of the finalizers with the resource version read, retried on conflict. */
  #removeFinalizer(ctx: ReconcileContext, obj: Obj, finalizer: string): Step {
    const ref = refOf(obj);
    for (let attempt = 0; attempt < FINALIZER_ATTEMPTS; attempt++) {
      const live = ctx.client.api.get(ref);
      if (!live.ok) return isNotFound(live.error) ? OK : failedWith(`reading ${describeObject(obj)}`, live.error);
      if (live.value.metadata.uid !== obj.metadata.uid) return OK;
      const finalizers = live.value.metadata.finalizers ?? [];
      if (!finalizers.includes(finalizer)) return OK;
      const rest = finalizers.filter((f) => f !== finalizer);
      const res = ctx.client.api.patch(ref, { metadata: { resourceVersion: live.value.metadata.resourceVersion, finalizers: rest.length > 0 ? rest : null } });
      if (res.ok) {
        ctx.trace('gc-remove-finalizer', { object: describeObject(obj), finalizer });
        return OK;
      }
      if (isNotFound(res.error)) return OK;
      if (!isConflict(res.error)) return failedWith(`removing finalizer ${finalizer} of ${describeObject(obj)}`, res.error);
    }
    return failed(`removing finalizer ${finalizer} of ${describeObject(obj)}: too many conflicts`);
  }

  /**
   * Upstream `deleteObject`: a delete with uid and resource version preconditions; on a conflict,
   * retried at the new resource version when the owner references have not changed.
   */
  #deleteObject(ctx: ReconcileContext, latest: Obj, policy: DeletionPropagation): Step {
    const ref = refOf(latest);
    const uid = latest.metadata.uid;
    const rv = latest.metadata.resourceVersion;
    const res = ctx.client.api.delete(ref, { preconditions: { uid, resourceVersion: rv }, propagationPolicy: policy });
    if (res.ok || isNotFound(res.error)) {
      if (res.ok) ctx.trace('gc-delete', { object: describeObject(latest), propagationPolicy: policy });
      return OK;
    }
    if (!isConflict(res.error) || rv === undefined) return failedWith(`deleting ${describeObject(latest)}`, res.error);
    const live = ctx.client.api.get(ref);
    if (!live.ok) return isNotFound(live.error) ? OK : failedWith(`reading ${describeObject(latest)}`, live.error);
    const fresh = live.value as Obj;
    if (fresh.metadata.uid !== uid || fresh.metadata.resourceVersion === rv || !sameOwnerRefs(fresh.metadata.ownerReferences, latest.metadata.ownerReferences)) {
      return failedWith(`deleting ${describeObject(latest)}`, res.error);
    }
    const again = ctx.client.api.delete(ref, { preconditions: { uid, resourceVersion: fresh.metadata.resourceVersion }, propagationPolicy: policy });
    if (again.ok || isNotFound(again.error)) {
      if (again.ok) ctx.trace('gc-delete', { object: describeObject(latest), propagationPolicy: policy });
      return OK;
    }
    return failedWith(`deleting ${describeObject(latest)}`, again.error);
  }
}

/** The garbage collector with the kube-controller-manager v1.35 defaults, watching `GC_DEFAULT_KINDS`. */
export const garbageCollectorController: ControllerDefinition = newGarbageCollectorController();
