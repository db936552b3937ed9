/**
 * The etcd + kube-apiserver storage model: one MVCC revision counter, optimistic concurrency,
 * `generation`, finalizers and `deletionTimestamp`, the status subresource, JSON merge patch, and
 * watches with history, bookmarks and compaction.
 *
 * Upstream semantics mirrored here:
 * - `staging/src/k8s.io/apiserver/pkg/registry/generic/registry/store.go` (Create, Update, Delete,
 *   finalizers, `ShouldDeleteDuringUpdate`, `markAsDeleting`, GC finalizers for propagation),
 * - `staging/src/k8s.io/apiserver/pkg/registry/rest/{create,update,delete}.go` (system metadata,
 *   what an update may not change, delete preconditions),
 * - `staging/src/k8s.io/apimachinery/pkg/api/validation/objectmeta.go` (metadata update rules),
 * - `staging/src/k8s.io/apiserver/pkg/storage/etcd3/store.go` (no-op updates do not write;
 *   preconditions; a DELETED event carries the last state at the deletion revision),
 * - `staging/src/k8s.io/apiserver/pkg/storage/cacher/` (watch start semantics, selector
 *   transitions, bookmarks, `too old resource version`).
 *
 * Everything here is synchronous and deterministic: the revision, UIDs and generated names come
 * from counters, timestamps from the simulation's virtual clock.
 */
import { BUILTIN_KINDS, builtinKind, groupKindKey, type KindInfo } from '../api/kinds.js';
import { parseApiVersion, type DeepReadonly, type KubeObject } from '../api/types.js';
import { ModelBug } from '../errors.js';
import { formatRfc3339, parseRfc3339, type Clock } from '../sim/clock.js';
import {
  alreadyExists,
  badRequest,
  conflict,
  generateNameConflict,
  internalServerError,
  invalid,
  notFound,
  OPTIMISTIC_LOCK_ERROR_MSG,
  resourceExpired,
  resourceNotServed,
  type ApiError,
  type GroupResource,
} from './api-error.js';
import { apiErr, apiOk, type ApiResult } from './api-result.js';
import { deepEqual } from './deep-equal.js';
import { deterministicUid } from './deterministic-uid.js';
import { EventLog, type LogEntry } from './event-log.js';
import { forbiddenError, invalidError, notSupportedError, requiredError, type FieldError } from '../api/validation-errors.js';
import { GO_UINT64_ZERO, goInvalid, goQuote, goStringSlice, goTime } from './go-values.js';
import { freezeOwned } from './freeze-copy.js';
import { applyMergePatch } from './json-merge-patch.js';
import { NameGenerator } from './name-generator.js';
import { compileObjectFilter, pinnedFieldValue, type ObjectFilter, type SelectionOptions } from './object-filter.js';
import type { StorableObject } from './storable-object.js';
import { bookmarkEvent, FailedWatcher, StoreWatcher, type WatchSource } from './store-watcher.js';
import { TriggerIndex } from './trigger-index.js';
import { INITIAL_EVENTS_ANNOTATION, type WatchEvent, type Watcher } from './watch-event.js';

/** Construction options of a `Store`. */
export interface StoreOptions {
  /** The simulation's virtual clock: `creationTimestamp` and `deletionTimestamp` come from it. */
  readonly clock: Clock;
  /** Kinds to register at construction; default `BUILTIN_KINDS`. */
  readonly kinds?: readonly KindInfo[];
}

/** A kind, by `apiVersion` (whose version must be served) or by group. */
export type KindRef = { readonly apiVersion: string; readonly kind: string } | { readonly group: string; readonly kind: string };

/** One object: its kind, namespace (required for namespaced kinds, ignored otherwise) and name. */
export type ObjectRef = KindRef & { readonly namespace?: string | undefined; readonly name: string };

/** A `list`: a kind plus optional namespace, label and field selection. */
export type ListRequest = KindRef & SelectionOptions;

/** What `list` returns: the selected objects in key order and the store revision they reflect. */
export interface ListResult<T extends StorableObject = KubeObject> {
  readonly items: readonly DeepReadonly<T>[];
  /** The revision of the list (upstream: the etcd header revision), to start a watch from. */
  readonly resourceVersion: string;
}

/** A `watch`: a kind, selection, start point and options. */
export type WatchRequest = KindRef &
  SelectionOptions & {
    /**
     * Where the watch starts. Absent, `""` or `"0"`: now, opened by synthetic `ADDED` events for the
     * objects that exist (as a list followed by a watch, and as the watch cache serves RV 0).
     * A revision `R`: every change after `R` (410 Expired if compaction dropped them); an `R`
     * beyond the current revision waits for it, skipping the changes up to it.
     */
    readonly resourceVersion?: string | undefined;
    /** Deliver `BOOKMARK` events at progress notifications (`Store.bookmark`). */
    readonly allowBookmarks?: boolean | undefined;
    /**
     * `true`: open with synthetic `ADDED` events for the current state whatever `resourceVersion`
     * says, then a bookmark annotated `k8s.io/initial-events-end` (the streaming-list protocol;
     * requires `allowBookmarks`). `false` with no or `"0"` resourceVersion: start now without them.
     */
    readonly sendInitialEvents?: boolean | undefined;
  };

/** Upstream `metav1.DeletionPropagation`. */
export type DeletionPropagation = 'Foreground' | 'Background' | 'Orphan';

/** Upstream `metav1.DeleteOptions`, the parts the storage layer acts on. */
export interface DeleteOptions {
  /** The delete fails with 409 Conflict unless the stored object has this uid / resourceVersion. */
  readonly preconditions?: { readonly uid?: string | undefined; readonly resourceVersion?: string | undefined } | undefined;
  /**
   * `Orphan` adds the `orphan` finalizer, `Foreground` the `foregroundDeletion` finalizer,
   * `Background` removes both, as the generic registry does for the garbage collector.
   */
  readonly propagationPolicy?: DeletionPropagation | undefined;
  /**
   * Graceful deletion (upstream `rest.BeforeDelete` for kinds whose strategy supports it, i.e.
   * pods), with the period the API server has already resolved from the request and the object
   * (`pkg/registry/core/pod/strategy.go` `CheckGracefulDelete`). Absent: the kind has no graceful
   * deletion and only finalizers can delay the removal. Present (negative values count as 1):
   * - first deletion: `deletionTimestamp` = now + period, `deletionGracePeriodSeconds` = period,
   *   `generation` + 1 (if it has one), written as one revision; with a period of 0 and no
   *   finalizers the object is then removed at once (a second revision, as upstream's update
   *   followed by the storage delete);
   * - already deleting with a positive grace period: a shorter period moves `deletionTimestamp`
   *   earlier by the difference and sets the new period (0 then removes the object once no
   *   finalizers remain); an equal or longer one changes nothing and returns the object;
   * - already deleting with no or a zero grace period: as without this option.
   */
  readonly gracePeriodSeconds?: number | undefined;
}

/** Options of `Store.create`. */
export interface CreateOptions {
  /**
   * Called once the object's final name (after `generateName`) and uid are known, just before it
   * is stored; the object it returns is stored instead of the input. The API server uses it for
   * create strategies that depend on them (a Job's generated selector and labels). It must not call
   * the store. The store still applies its own metadata rules to the result.
   */
  readonly prepare?: ((obj: Readonly<Record<string, unknown>>, name: string, uid: string) => Readonly<Record<string, unknown>>) | undefined;
}

/** What `delete` returns, upstream `(obj, deleted bool)`. */
export interface DeleteResult<T extends StorableObject = KubeObject> {
  /**
   * `deleted: true`: the object as the DELETED event carries it (last state at the deletion
   * revision). `deleted: false`: the object as now stored, marked for deletion and waiting for its
   * finalizers.
   */
  readonly object: DeepReadonly<T>;
  readonly deleted: boolean;
}

/** Counters for benchmarks and leak checks. */
export interface StoreStats {
  readonly revision: number;
  readonly compactedRevision: number;
  readonly objects: number;
  /** Change records held for watches (bounded by compaction and by live watchers' positions). */
  readonly historyEntries: number;
  readonly watchers: number;
}

type Obj = Record<string, unknown>;
type Frozen = DeepReadonly<KubeObject>;

/**
 * One stored object. An update changes `object` and `revision` in place, so the maps that find
 * entries are written only when an object comes or goes.
 */
interface Entry {
  object: Frozen;
  revision: number;
  /** The object's storage key (`namespace/name`, or `name`), one string for the object's life. */
  readonly key: string;
  /** Its namespace (`''` for cluster-scoped kinds) and name, the `byName` keys. */
  readonly ns: string;
  readonly name: string;
}

interface KindState {
  info: KindInfo;
  resource: GroupResource;
  /** False after `unregisterKind`: requests get 404, running watchers only drain their history. */
  served: boolean;
  readonly objects: Map<string, Entry>;
  /**
   * The same entries by namespace (`''` for cluster-scoped kinds), then name: a request names its
   * object by these two strings, and looking them up saves building and hashing a key per request.
   */
  readonly byName: Map<string, Map<string, Entry>>;
  /**
   * The entry last looked up or created: a request's steps (a client's read, the API server's read
   * of the object it updates, the update) name one object again and again.
   */
  recent: Entry | undefined;
  /** Keys in etcd (byte) order; rebuilt lazily after a create or delete. */
  sortedKeys: string[] | undefined;
  readonly log: EventLog;
  readonly watchers: Set<StoreWatcher>;
  readonly source: WatchSource;
  /** Objects and watchers by the kind's `watchTriggerField`, if it has one. */
  readonly trigger: TriggerIndex<StoreWatcher> | undefined;
}

interface Scope {
  readonly ns: string | undefined;
  readonly name: string;
}

type UpdateMode = 'update' | 'status' | 'patch' | 'patch-status' | 'replace';

/** Upstream `maxNameGenerationCreateAttempts` (feature RetryGenerateName, GA). */
const GENERATE_NAME_ATTEMPTS = 8;
const FINALIZER_ORPHAN = 'orphan';
const FINALIZER_FOREGROUND = 'foregroundDeletion';
const EMPTY: readonly string[] = Object.freeze([]);
/** Bound on the apiVersions, and on the kinds per apiVersion, whose resolution the store remembers. */
const RESOLVED_MAX = 256;

/**
 * Metadata a create sets itself (upstream `FillObjectMetaSystemFields` and `BeforeCreate`):
 * client values are dropped. `generation` is kept for kinds that do not track it, as upstream.
 */
const SYSTEM_META_ON_CREATE: ReadonlySet<string> = new Set([
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
]);

/** Metadata an update takes from the stored object or sets itself (see `#applyUpdate`). */
const SYSTEM_META_ON_UPDATE: ReadonlySet<string> = new Set([
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
]);

/** A shallow copy of `src` without `skip` and without undefined members. */
function copyExcept(src: Readonly<Obj>, skip: string | undefined): Obj {
  const out: Obj = {};
  for (const k in src) {
    const v = src[k];
    if (v !== undefined && k !== skip) out[k] = v;
  }
  return out;
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(meta: Readonly<Obj>, key: string): string | undefined {
  const v = meta[key];
  return typeof v === 'string' ? v : undefined;
}

function finalizersOf(meta: Readonly<Obj>): readonly string[] {
  const v = meta.finalizers;
  return Array.isArray(v) ? (v as readonly string[]) : EMPTY;
}

/** Upstream `path.IsValidPathSegmentName`: the messages for a name that cannot be a URL segment. */
function pathSegmentProblems(name: string): readonly string[] {
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  // Every request names objects; valid names, nearly all of them, allocate nothing.
  if (!name.includes('/') && !name.includes('%')) return EMPTY;
  const out: string[] = [];
  if (name.includes('/')) out.push("may not contain '/'");
  if (name.includes('%')) out.push("may not contain '%'");
  return out;
}

/** `strconv.ParseUint(s, 10, 64)`; `undefined` where Go reports a syntax error. */
function parseRevision(text: string): number | undefined {
  if (!/^[0-9]+$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

function storageApiVersion(info: KindInfo): string {
  const version = info.versions[0] ?? 'v1';
  return info.group === '' ? version : `${info.group}/${version}`;
}

/**
 * The etcd key prefix of a kind, as it appears in upstream StorageError messages. Built-ins live
 * under `/registry/<resource>` (a few under historical names), custom resources under
 * `/registry/<group>/<resource>`.
 */
function storagePrefix(info: KindInfo): string {
  if (builtinKind(info.group, info.kind) === undefined || info.group === 'apiextensions.k8s.io') {
    return `/registry/${info.group}/${info.plural}`;
  }
  const historical: Readonly<Record<string, string>> = {
    nodes: 'minions',
    services: 'services/specs',
    endpoints: 'services/endpoints',
    ingresses: 'ingress',
  };
  return `/registry/${historical[info.plural] ?? info.plural}`;
}

/**
 * Whether an update changes what `metadata.generation` counts: every top-level field except
 * apiVersion, kind, metadata and (for kinds with a status subresource) status; Deployments also
 * count annotations (`pkg/registry/apps/deployment/strategy.go`: annotations are copied to their
 * ReplicaSets).
 */
function generationChanged(info: KindInfo, next: Readonly<Obj>, prev: Readonly<Obj>, nextMeta: Readonly<Obj>, prevMeta: Readonly<Obj>): boolean {
  const skipStatus = info.hasStatusSubresource;
  for (const key of Object.keys(next)) {
    if (key === 'apiVersion' || key === 'kind' || key === 'metadata' || (skipStatus && key === 'status')) continue;
    if (!deepEqual(next[key], prev[key])) return true;
  }
  for (const key of Object.keys(prev)) {
    if (key === 'apiVersion' || key === 'kind' || key === 'metadata' || (skipStatus && key === 'status')) continue;
    if (next[key] === undefined && prev[key] !== undefined) return true;
  }
  if (info.group === 'apps' && info.kind === 'Deployment' && !deepEqual(nextMeta.annotations, prevMeta.annotations)) return true;
  return false;
}

/** Upstream `ValidateFinalizers`: orphan and foregroundDeletion exclude each other. */
function finalizerConflict(finalizers: readonly string[]): FieldError | undefined {
  if (finalizers.includes(FINALIZER_ORPHAN) && finalizers.includes(FINALIZER_FOREGROUND)) {
    return goInvalid(['metadata', 'finalizers'], goStringSlice(finalizers), `finalizer ${FINALIZER_ORPHAN} and ${FINALIZER_FOREGROUND} cannot be both set`);
  }
  return undefined;
}

/**
 * Upstream `ValidateObjectMetaAccessorUpdate`, after `rest.BeforeUpdate` has restored what an update
 * silently cannot change (creationTimestamp, an existing deletionTimestamp, a missing uid).
 */
function validateMetaUpdate(meta: Readonly<Obj>, old: Readonly<Obj>): FieldError[] {
  const errs: FieldError[] = [];
  const finalizers = finalizersOf(meta);
  const clash = finalizerConflict(finalizers);
  if (clash !== undefined) errs.push(clash);
  if (old.deletionTimestamp !== undefined) {
    const before = new Set(finalizersOf(old));
    const added = [...new Set(finalizers.filter((f) => !before.has(f)))].sort();
    if (added.length > 0) {
      errs.push(forbiddenError(['metadata', 'finalizers'], `no new finalizers can be added if the object is being deleted, found new finalizers ${goStringSlice(added)}`));
    }
  }
  if (meta.uid !== old.uid) errs.push(invalidError(['metadata', 'uid'], String(meta.uid ?? ''), 'field is immutable'));
  if (old.deletionTimestamp === undefined && meta.deletionTimestamp !== undefined) {
    errs.push(goInvalid(['metadata', 'deletionTimestamp'], goTime(String(meta.deletionTimestamp)), 'field is immutable'));
  }
  if (meta.deletionGracePeriodSeconds !== old.deletionGracePeriodSeconds) {
    const v = meta.deletionGracePeriodSeconds;
    errs.push(goInvalid(['metadata', 'deletionGracePeriodSeconds'], v === undefined || v === null ? 'null' : String(v), 'field is immutable'));
  }
  return errs;
}

/**
 * The storage layer of the simulated API server. Every method is synchronous, returns expected
 * failures as `ApiResult` errors, never mutates its arguments, and hands out deeply frozen objects
 * that share structure with what is stored (never copy them to read; spread them to write).
 *
 * Revisions: the store starts at revision 1, as an empty etcd does; every write (create, update,
 * delete, or a delete that only marks an object as deleting) takes the next revision, which
 * becomes the object's `metadata.resourceVersion`. A write that changes nothing is not a write: it
 * returns the stored object unchanged, bumps nothing, and emits no event (etcd3 `GuaranteedUpdate`).
 *
 * Typing: object parameters accept any `StorableObject` (typed `Pod`s, `DeepReadonly` objects from
 * the store, spreads of them, unstructured objects); results are `DeepReadonly<KubeObject>` unless
 * a type argument names the kind (`store.get<Pod>(ref)`), as a typed client would.
 */
export class Store {
  readonly #clock: Clock;
  readonly #kinds = new Map<string, KindState>();
  /** `#resolve` answers by apiVersion, then kind (`null`: no such kind at that version). */
  readonly #byApiVersion = new Map<string, Map<string, KindState | null>>();
  readonly #names = new NameGenerator();
  #revision = 1;
  #compacted = 0;
  #uidCount = 0;
  #watcherSeq = 0;
  /** The last formatted timestamp, by whole virtual second: most writes share a second. */
  #stampSecond = Number.NaN;
  #stampText = '';

  constructor(options: StoreOptions) {
    this.#clock = options.clock;
    for (const info of options.kinds ?? BUILTIN_KINDS) this.registerKind(info);
  }

  /** The current revision (etcd's): the revision of the last write, 1 before any write. */
  get revision(): number {
    return this.#revision;
  }

  /** The current revision as a resourceVersion string. */
  get resourceVersion(): string {
    return String(this.#revision);
  }

  /** The revision history starts at: watches from a resourceVersion below `compactedRevision - 1` get 410. */
  get compactedRevision(): number {
    return this.#compacted;
  }

  /**
   * Registers (or re-registers, e.g. when a CRD changes) a kind. Objects of unregistered kinds, or
   * of versions a kind does not serve, are answered with 404 `the server could not find the
   * requested resource`, as the API server answers for an unknown resource. A kind's
   * `watchTriggerField` is part of its storage and cannot change on re-registration (`ModelBug`).
   */
  registerKind(info: KindInfo): void {
    this.#byApiVersion.clear();
    const key = groupKindKey(info.group, info.kind);
    const resource: GroupResource = { group: info.group, resource: info.plural };
    const existing = this.#kinds.get(key);
    if (existing !== undefined) {
      if (existing.trigger?.field !== info.watchTriggerField) {
        throw new ModelBug(`Store.registerKind: the watch trigger field of ${key} cannot change (${String(existing.trigger?.field)} to ${String(info.watchTriggerField)})`);
      }
      existing.info = info;
      existing.resource = resource;
      existing.served = true;
      return;
    }
    const log = new EventLog();
    const state: KindState = {
      info,
      resource,
      served: true,
      objects: new Map(),
      byName: new Map(),
      recent: undefined,
      sortedKeys: undefined,
      log,
      watchers: new Set(),
      source: { log, release: (w) => this.#release(state, w) },
      trigger: info.watchTriggerField === undefined ? undefined : new TriggerIndex<StoreWatcher>(info.watchTriggerField),
    };
    this.#kinds.set(key, state);
  }

  /**
   * Stops serving a kind (its CustomResourceDefinition was deleted): every stored object of the kind
   * is removed, one revision each in key order (watchers see the `DELETED` events), and from then on
   * requests for the kind get 404 as for a kind never registered. Running watchers are not cut
   * off: they drain the deletions and then stay idle. `registerKind` serves the kind again.
   * Returns how many objects were removed (0 for an unknown kind).
   */
  unregisterKind(ref: { readonly group: string; readonly kind: string }): number {
    const ks = this.#kinds.get(groupKindKey(ref.group, ref.kind));
    if (ks === undefined || !ks.served) return 0;
    const keys = [...this.#sortedKeys(ks)];
    for (const key of keys) {
      const entry = ks.objects.get(key);
      if (entry !== undefined) this.#remove(ks, entry);
    }
    ks.served = false;
    return keys.length;
  }

  /** The registered kind `ref` names (with its version served), if any. */
  kindInfo(ref: KindRef): KindInfo | undefined {
    return this.#resolve(ref)?.info;
  }

  /**
   * Creates an object (upstream `Store.Create`): assigns uid, creationTimestamp, resourceVersion and
   * (for kinds that track it) `generation: 1`; generates the name from `generateName` if there is
   * none, retrying on collisions as upstream does. Errors: 409 AlreadyExists (`object is being
   * deleted: ...` if the existing object is), 422 Invalid for a missing name, 400 for a missing
   * namespace, 500 if a resourceVersion is set. Status is stored as given: resetting it on create
   * is a per-kind strategy of the API server layer.
   */
  create<T extends StorableObject = KubeObject>(obj: StorableObject, options: CreateOptions = {}): ApiResult<DeepReadonly<T>> {
    const input = obj as unknown as Readonly<Obj>;
    const ks = this.#resolveObject(input);
    if (ks === undefined) return apiErr(resourceNotServed());
    const info = ks.info;
    const inMeta: Readonly<Obj> = isObj(input.metadata) ? input.metadata : {};
    if ((str(inMeta, 'resourceVersion') ?? '') !== '') return apiErr(internalServerError('resourceVersion should not be set on objects to be created'));
    const ns = info.namespaced ? (str(inMeta, 'namespace') ?? '') : undefined;
    if (ns === '') return apiErr(badRequest('Namespace parameter required.'));
    if (ns !== undefined) {
      const nsProblems = pathSegmentProblems(ns);
      if (nsProblems.length > 0) return apiErr(badRequest(`Namespace parameter invalid: ${goQuote(ns)}: ${nsProblems.join(';')}`));
    }
    const givenName = str(inMeta, 'name') ?? '';
    const generateName = str(inMeta, 'generateName') ?? '';
    const kindGk = { group: info.group, kind: info.kind };
    if (givenName === '' && generateName === '') {
      return apiErr(invalid(kindGk, '', [requiredError(['metadata', 'name'], 'name or generateName is required')]));
    }
    const clash = finalizerConflict(finalizersOf(inMeta));
    if (clash !== undefined) return apiErr(invalid(kindGk, givenName, [clash]));

    let lastError: ApiError | undefined;
    const attempts = givenName === '' ? GENERATE_NAME_ATTEMPTS : 1;
    for (let attempt = 0; attempt < attempts; attempt++) {
      const name = givenName !== '' ? givenName : this.#names.generate(generateName);
      const problems = pathSegmentProblems(name);
      if (problems.length > 0) return apiErr(badRequest(`Name parameter invalid: ${goQuote(name)}: ${problems.join(';')}`));
      const existing = this.#lookup(ks, ns, name);
      if (existing !== undefined) {
        let err = givenName === '' ? generateNameConflict(ks.resource, name, 1) : alreadyExists(ks.resource, name);
        if ((existing.object.metadata as Readonly<Obj>).deletionTimestamp !== undefined) {
          err = Object.freeze({ ...err, message: `object is being deleted: ${err.message}` });
        }
        lastError = err;
        continue;
      }
      const uid = deterministicUid(this.#uidCount + 1);
      const body = options.prepare === undefined ? input : options.prepare(input, name, uid);
      const bodyMeta: Readonly<Obj> = body === input ? inMeta : isObj(body.metadata) ? body.metadata : {};
      const revision = ++this.#revision;
      this.#uidCount++;
      // Built key by key rather than spread-and-delete: deleting properties would push V8 objects
      // into slow dictionary mode on the hottest path.
      const meta: Obj = ns === undefined ? { name } : { name, namespace: ns };
      for (const k in bodyMeta) {
        const v = bodyMeta[k];
        if (v !== undefined && !SYSTEM_META_ON_CREATE.has(k)) meta[k] = v;
      }
      meta.uid = uid;
      meta.resourceVersion = String(revision);
      meta.creationTimestamp = this.#timestamp();
      if (info.tracksGeneration) meta.generation = 1;
      const obj = copyExcept(body, 'metadata');
      obj.metadata = freezeOwned(meta);
      const stored = freezeOwned(obj) as Frozen;
      this.#add(ks, ns ?? '', name, stored, revision);
      return apiOk(stored as unknown as DeepReadonly<T>);
    }
    return apiErr(lastError as ApiError);
  }

  /** Reads one object (upstream `Store.Get`, served from the latest revision). 404 if absent. */
  get<T extends StorableObject = KubeObject>(ref: ObjectRef): ApiResult<DeepReadonly<T>> {
    const ks = this.#resolve(ref);
    if (ks === undefined) return apiErr(resourceNotServed());
    // The hottest request: checked and looked up without a `Scope` in between.
    const error = this.#scopeError(ks, ref.namespace, ref.name);
    if (error !== undefined) return error;
    const entry = this.#lookup(ks, ks.info.namespaced ? ref.namespace : undefined, ref.name);
    if (entry === undefined) return apiErr(notFound(ks.resource, ref.name));
    return apiOk(entry.object as unknown as DeepReadonly<T>);
  }

  /**
   * Lists objects of a kind (upstream `Store.List` with a consistent read): all namespaces unless
   * `namespace` is given, filtered by the selectors, in etcd key order (`namespace/name`), with the
   * current revision as the list's resourceVersion.
   */
  list<T extends StorableObject = KubeObject>(req: ListRequest): ApiResult<ListResult<T>> {
    const ks = this.#resolve(req);
    if (ks === undefined) return apiErr(resourceNotServed());
    const filter = compileObjectFilter({ labelSelector: req.labelSelector, fieldSelector: req.fieldSelector }, ks.info.namespaced);
    const items = this.#select(ks, req.namespace, filter, this.#triggerValue(ks, req));
    return apiOk({ items: Object.freeze(items) as unknown as readonly DeepReadonly<T>[], resourceVersion: String(this.#revision) });
  }

  /**
   * Every stored object of every kind, kinds in registration order and objects in key order: the
   * final state `kubeprop simulate -o json` prints.
   */
  listAll(): readonly Frozen[] {
    const out: Frozen[] = [];
    for (const ks of this.#kinds.values()) out.push(...this.#select(ks, undefined, undefined, undefined));
    return out;
  }

  /**
   * Replaces an object (upstream `Store.Update`), with optimistic concurrency: the body's
   * `metadata.resourceVersion` must equal the stored one (409 Conflict otherwise); without one the
   * update is unconditional where the kind allows it and 422 Invalid otherwise (always for custom
   * resources). A non-empty `metadata.uid` is a precondition (409 on mismatch). For kinds with a
   * status subresource the stored status is kept. The system fields an update cannot change are
   * restored (creationTimestamp, deletionTimestamp, generation); adding finalizers to an object being
   * deleted, or setting a deletionTimestamp, is 422 Invalid. Removing the last finalizer of an
   * object being deleted deletes it (the result is the object as the request would have stored it).
   */
  update<T extends StorableObject = KubeObject>(obj: StorableObject): ApiResult<DeepReadonly<T>> {
    return this.#updateFromBody(obj as unknown as Readonly<Obj>, 'update') as ApiResult<DeepReadonly<T>>;
  }

  /**
   * Writes the status subresource (upstream `.../status` PUT): only `status` is taken from the
   * body, everything else from the stored object; resourceVersion and uid are checked as in
   * `update`. 404 for kinds without a status subresource (their status is part of `update`).
   */
  updateStatus<T extends StorableObject = KubeObject>(obj: StorableObject): ApiResult<DeepReadonly<T>> {
    return this.#updateFromBody(obj as unknown as Readonly<Obj>, 'status') as ApiResult<DeepReadonly<T>>;
  }

  /**
   * Applies a JSON merge patch (RFC 7386, `application/merge-patch+json`) to the stored object and
   * writes the result as `update` would. The patch is conditional only if it sets
   * `metadata.resourceVersion`. Status changes are ignored for kinds with a status subresource.
   */
  patch<T extends StorableObject = KubeObject>(ref: ObjectRef, patch: unknown): ApiResult<DeepReadonly<T>> {
    return this.#patch(ref, patch, 'patch') as ApiResult<DeepReadonly<T>>;
  }

  /** `patch` on the status subresource: only the patched `status` is kept. */
  patchStatus<T extends StorableObject = KubeObject>(ref: ObjectRef, patch: unknown): ApiResult<DeepReadonly<T>> {
    return this.#patch(ref, patch, 'patch-status') as ApiResult<DeepReadonly<T>>;
  }

  /**
   * Writes spec and status together in one revision: the API server's own read-modify-write for
   * subresources that change both (upstream `pods/binding` sets `spec.nodeName` and the
   * `PodScheduled` condition in one `GuaranteedUpdate`). Checks and restores metadata exactly as
   * `update` does (resourceVersion, uid, immutable system fields, finalizers), but takes the
   * body's `status` even for kinds with a status subresource, and leaves `metadata.generation`
   * alone: such writes bypass the update strategy that counts generations.
   */
  replace<T extends StorableObject = KubeObject>(obj: StorableObject): ApiResult<DeepReadonly<T>> {
    return this.#updateFromBody(obj as unknown as Readonly<Obj>, 'replace') as ApiResult<DeepReadonly<T>>;
  }

  /**
   * Deletes an object (upstream `Store.Delete`). Preconditions fail with 409. `propagationPolicy`
   * adds or removes the garbage collector's finalizers first. With `gracePeriodSeconds` (pods, as
   * the API server resolves it) the deletion is graceful: see `DeleteOptions.gracePeriodSeconds`.
   * An object left with finalizers is only marked: `deletionTimestamp` (virtual now, kept if
   * already set), `deletionGracePeriodSeconds: 0`, `generation` + 1 the first time (if it has one);
   * it goes away on the update that removes its last finalizer. Deleting it again changes nothing
   * and returns it. An object without finalizers is removed at once.
   */
  delete<T extends StorableObject = KubeObject>(ref: ObjectRef, options: DeleteOptions = {}): ApiResult<DeleteResult<T>> {
    const ks = this.#resolve(ref);
    if (ks === undefined) return apiErr(resourceNotServed());
    const scoped = this.#scope(ks, ref.namespace, ref.name);
    if (!scoped.ok) return scoped;
    const { ns, name } = scoped.value;
    const info = ks.info;
    const policy = options.propagationPolicy;
    if (policy !== undefined && policy !== 'Foreground' && policy !== 'Background' && policy !== 'Orphan') {
      return apiErr(
        invalid({ group: 'meta.k8s.io', kind: 'DeleteOptions' }, '', [
          notSupportedError(['propagationPolicy'], String(policy), ['Foreground', 'Background', 'Orphan']),
        ]),
      );
    }
    const entry = this.#lookup(ks, ns, name);
    if (entry === undefined) return apiErr(notFound(ks.resource, name));
    const existing = entry.object as unknown as Readonly<Obj>;
    const oldMeta = existing.metadata as Readonly<Obj>;

    // rest.BeforeDelete names the kind, not the resource, in these conflicts.
    const kindAsResource: GroupResource = { group: info.group, resource: info.kind };
    const pre = options.preconditions;
    if (pre?.uid !== undefined && pre.uid !== oldMeta.uid) {
      return apiErr(
        conflict(
          kindAsResource,
          name,
          `the UID in the precondition (${pre.uid}) does not match the UID in record (${String(oldMeta.uid)}). The object might have been deleted and then recreated`,
        ),
      );
    }
    if (pre?.resourceVersion !== undefined && pre.resourceVersion !== oldMeta.resourceVersion) {
      return apiErr(
        conflict(
          kindAsResource,
          name,
          `the ResourceVersion in the precondition (${pre.resourceVersion}) does not match the ResourceVersion in record (${String(oldMeta.resourceVersion)}). The object might have been modified`,
        ),
      );
    }

    // deletionFinalizersForGarbageCollection: without a policy the existing GC finalizers stand.
    const current = finalizersOf(oldMeta);
    let finalizers = current;
    if (policy !== undefined) {
      const next = current.filter((f) => f !== FINALIZER_ORPHAN && f !== FINALIZER_FOREGROUND);
      if (policy === 'Orphan') next.push(FINALIZER_ORPHAN);
      if (policy === 'Foreground') next.push(FINALIZER_FOREGROUND);
      const before = new Set(current);
      const after = new Set(next);
      const same = before.size === after.size && [...after].every((f) => before.has(f));
      if (!same) finalizers = next;
    }

    if (options.gracePeriodSeconds !== undefined) {
      const graceful = this.#gracefulDeletion(oldMeta, options.gracePeriodSeconds);
      if (graceful === 'pending') return apiOk({ object: entry.object as unknown as DeepReadonly<T>, deleted: false });
      if (graceful !== undefined) {
        // rest.BeforeDelete's new deletion fields, written first (updateForGracefulDeletionAndFinalizers).
        const meta: Obj = { ...oldMeta, deletionTimestamp: graceful.deletionTimestamp, deletionGracePeriodSeconds: graceful.gracePeriodSeconds };
        if (finalizers !== current) meta.finalizers = finalizers;
        if (oldMeta.deletionTimestamp === undefined) {
          const generation = oldMeta.generation;
          if (typeof generation === 'number' && generation > 0) meta.generation = generation + 1;
        }
        const stored = this.#commitUpdate(ks, entry, { ...existing, metadata: meta }, meta);
        if (finalizers.length > 0 || graceful.gracePeriodSeconds > 0) {
          return apiOk({ object: stored as unknown as DeepReadonly<T>, deleted: false });
        }
        return apiOk({ object: this.#remove(ks, entry) as unknown as DeepReadonly<T>, deleted: true });
      }
    }

    if (finalizers.length === 0) {
      return apiOk({ object: this.#remove(ks, entry) as unknown as DeepReadonly<T>, deleted: true });
    }

    // markAsDeleting: keep the object, waiting for its finalizers.
    const meta: Obj = { ...oldMeta };
    if (finalizers !== current) meta.finalizers = finalizers;
    if (oldMeta.deletionTimestamp === undefined) {
      const generation = oldMeta.generation;
      if (typeof generation === 'number' && generation > 0) meta.generation = generation + 1;
      meta.deletionTimestamp = this.#timestamp();
    }
    meta.deletionGracePeriodSeconds = 0;
    const next: Obj = { ...existing, metadata: meta };
    if (deepEqual(next, existing)) return apiOk({ object: entry.object as unknown as DeepReadonly<T>, deleted: false });
    const stored = this.#commitUpdate(ks, entry, next, meta);
    return apiOk({ object: stored as unknown as DeepReadonly<T>, deleted: false });
  }

  /**
   * Starts a watch (upstream cacher `Watch`). See `WatchRequest.resourceVersion` for where it
   * starts. A start before the compacted history does not fail the call: as upstream, the watch
   * opens and its only event is `ERROR` with 410 Expired `too old resource version: R (C)`, where C
   * is the oldest resourceVersion still watchable from. A start beyond the current revision waits
   * for it (changes up to it are skipped), as the watch cache does.
   *
   * The watcher holds the kind's history from its position on, so `stop()` it when done.
   */
  watch<T extends StorableObject = KubeObject>(req: WatchRequest): ApiResult<Watcher<T>> {
    const ks = this.#resolve(req);
    if (ks === undefined) return apiErr(resourceNotServed());
    const info = ks.info;
    if (req.sendInitialEvents === true && req.allowBookmarks !== true) {
      return apiErr(
        invalid({ group: 'meta.k8s.io', kind: 'ListOptions' }, '', [
          forbiddenError(['allowWatchBookmarks'], 'allowWatchBookmarks must be set to true when sendInitialEvents is set'),
        ]),
      );
    }
    const id = ++this.#watcherSeq;
    const apiVersion = 'apiVersion' in req && typeof req.apiVersion === 'string' ? req.apiVersion : storageApiVersion(info);
    const filter = compileObjectFilter(req, info.namespaced);
    const triggerValue = this.#triggerValue(ks, req);
    const rvText = req.resourceVersion ?? '';
    let cursor: number;
    let startRevision: number;
    let initial: WatchEvent[] = [];
    if (req.sendInitialEvents === true || ((rvText === '' || rvText === '0') && req.sendInitialEvents !== false)) {
      for (const obj of this.#select(ks, req.namespace, filter, triggerValue)) {
        initial.push(Object.freeze({ type: 'ADDED', object: obj, revision: Number(obj.metadata.resourceVersion) }));
      }
      if (req.sendInitialEvents === true) {
        initial.push(bookmarkEvent(apiVersion, info.kind, this.#revision, { [INITIAL_EVENTS_ANNOTATION]: 'true' }));
      }
      cursor = ks.log.end;
      startRevision = this.#revision;
    } else if (rvText === '' || rvText === '0') {
      cursor = ks.log.end;
      startRevision = this.#revision;
      initial = [];
    } else {
      const rv = parseRevision(rvText);
      if (rv === undefined) {
        return apiErr(
          invalid({ group: ks.resource.group, kind: ks.resource.resource }, '', [
            invalidError(['resourceVersion'], rvText, `strconv.ParseUint: parsing ${goQuote(rvText)}: invalid syntax`),
          ]),
        );
      }
      if (rv < this.#compacted - 1) {
        const error = resourceExpired(`too old resource version: ${rv} (${this.#compacted - 1})`);
        return apiOk(new FailedWatcher(id, error, rv) as unknown as Watcher<T>);
      }
      cursor = ks.log.firstAfter(rv);
      startRevision = rv;
    }
    const watcher = new StoreWatcher({
      id,
      source: ks.source,
      filter,
      cursor,
      startRevision,
      initial,
      allowBookmarks: req.allowBookmarks === true,
      apiVersion,
      kind: info.kind,
      triggerValue,
    });
    ks.watchers.add(watcher);
    if (triggerValue !== undefined) ks.trigger?.addWatcher(triggerValue, watcher);
    return apiOk(watcher as unknown as Watcher<T>);
  }

  /**
   * A progress notification: every live watcher that allows bookmarks gets a `BOOKMARK` at the
   * current revision, placed after every change it selects up to that revision (and only if it
   * carries news for that watcher). The simulation calls this periodically, as etcd's progress
   * notifications and the watch cache's bookmark timer do.
   */
  bookmark(): void {
    const revision = this.#revision;
    for (const ks of this.#kinds.values()) for (const w of ks.watchers) w.requestBookmark(revision);
  }

  /**
   * Compacts history (etcd `Compact`): changes before `revision` are forgotten, so a watch from a
   * resourceVersion below `revision - 1` gets 410 Expired. Watches already running are not
   * disturbed: what they have not read yet is kept until they read past it or stop. Compacting
   * to a revision at or below the current compaction is a no-op; beyond the current revision is a
   * bug in the caller (`ModelBug`), as etcd refuses a future revision.
   */
  compact(revision: number): void {
    if (!Number.isSafeInteger(revision) || revision < 0) throw new ModelBug(`Store.compact: not a revision: ${String(revision)}`);
    if (revision > this.#revision) throw new ModelBug(`Store.compact: revision ${revision} is in the future (current ${this.#revision})`);
    if (revision <= this.#compacted) return;
    this.#compacted = revision;
    for (const ks of this.#kinds.values()) this.#trim(ks);
  }

  /** Sizes, for benchmarks and for tests that check nothing leaks. */
  stats(): StoreStats {
    let objects = 0;
    let historyEntries = 0;
    let watchers = 0;
    for (const ks of this.#kinds.values()) {
      objects += ks.objects.size;
      historyEntries += ks.log.size;
      watchers += ks.watchers.size;
    }
    return { revision: this.#revision, compactedRevision: this.#compacted, objects, historyEntries, watchers };
  }

  // ---------------------------------------------------------------------------------------------

  /** `formatRfc3339` of the virtual now, memoized per second. */
  #timestamp(): string {
    const ms = this.#clock.nowMs();
    const second = Math.floor(ms / 1000);
    if (second !== this.#stampSecond) {
      this.#stampText = formatRfc3339(ms);
      this.#stampSecond = second;
    }
    return this.#stampText;
  }

  #resolve(ref: KindRef): KindState | undefined {
    if ('apiVersion' in ref && typeof ref.apiVersion === 'string') {
      // Every request resolves its kind: the answers by apiVersion and kind are remembered (the
      // registrations they depend on clear them), so a request costs two lookups and no parsing.
      let byKind = this.#byApiVersion.get(ref.apiVersion);
      if (byKind === undefined) {
        if (this.#byApiVersion.size >= RESOLVED_MAX) this.#byApiVersion.clear();
        byKind = new Map();
        this.#byApiVersion.set(ref.apiVersion, byKind);
      }
      let ks = byKind.get(ref.kind);
      if (ks === undefined) {
        const { group, version } = parseApiVersion(ref.apiVersion);
        const found = this.#kinds.get(groupKindKey(group, ref.kind));
        ks = found !== undefined && found.info.versions.includes(version) ? found : null;
        if (byKind.size >= RESOLVED_MAX) byKind.clear();
        byKind.set(ref.kind, ks);
      }
      return ks !== null && ks.served ? ks : undefined;
    }
    const ks = this.#kinds.get(groupKindKey((ref as { readonly group: string }).group, ref.kind));
    return ks === undefined || !ks.served ? undefined : ks;
  }

  #resolveObject(input: Readonly<Obj>): KindState | undefined {
    const apiVersion = input.apiVersion;
    const kind = input.kind;
    if (typeof apiVersion !== 'string' || typeof kind !== 'string') return undefined;
    return this.#resolve({ apiVersion, kind });
  }

  /** Upstream `NamespaceKeyFunc` / `NoNamespaceKeyFunc`. */
  #scope(ks: KindState, namespace: string | undefined, name: string): ApiResult<Scope> {
    return this.#scopeError(ks, namespace, name) ?? apiOk({ ns: ks.info.namespaced ? namespace : undefined, name });
  }

  /** What is wrong with a request's namespace and name (upstream `NamespaceKeyFunc` checks), if anything. */
  #scopeError(ks: KindState, namespace: string | undefined, name: string): { readonly ok: false; readonly error: ApiError } | undefined {
    if (ks.info.namespaced) {
      if (namespace === undefined || namespace === '') return apiErr(badRequest('Namespace parameter required.'));
      // A '/' in a namespace would make its keys collide with another namespace's key range.
      const nsProblems = pathSegmentProblems(namespace);
      if (nsProblems.length > 0) return apiErr(badRequest(`Namespace parameter invalid: ${goQuote(namespace)}: ${nsProblems.join(';')}`));
    }
    if (name === '') return apiErr(badRequest('Name parameter required.'));
    const problems = pathSegmentProblems(name);
    if (problems.length > 0) return apiErr(badRequest(`Name parameter invalid: ${goQuote(name)}: ${problems.join(';')}`));
    return undefined;
  }

  /** The stored entry of `ns` (undefined for cluster-scoped kinds) and `name`, if any. */
  #lookup(ks: KindState, ns: string | undefined, name: string): Entry | undefined {
    const nsKey = ns ?? '';
    const recent = ks.recent;
    if (recent !== undefined && recent.name === name && recent.ns === nsKey) return recent;
    const entry = ks.byName.get(nsKey)?.get(name);
    if (entry !== undefined) ks.recent = entry;
    return entry;
  }

  #sortedKeys(ks: KindState): string[] {
    let keys = ks.sortedKeys;
    if (keys === undefined) {
      // Keys are unique and plain ASCII, so code-unit order is etcd's byte order.
      keys = [...ks.objects.keys()].sort();
      ks.sortedKeys = keys;
    }
    return keys;
  }

  /** The value a request's field selector pins the kind's trigger field to, if both exist. */
  #triggerValue(ks: KindState, opts: SelectionOptions): string | undefined {
    const trigger = ks.trigger;
    return trigger === undefined ? undefined : pinnedFieldValue(opts.fieldSelector, trigger.field);
  }

  /**
   * Objects in key order, optionally one namespace only, filtered. With a `triggerValue` (see
   * `#triggerValue`) only the objects the trigger index has under that value are looked at.
   */
  #select(ks: KindState, namespace: string | undefined, filter: ObjectFilter, triggerValue: string | undefined): Frozen[] {
    const inNamespace = ks.info.namespaced && namespace !== undefined && namespace !== '';
    if (triggerValue !== undefined && ks.trigger !== undefined) {
      const candidates = ks.trigger.candidateKeys(triggerValue);
      // Keys are unique and plain ASCII, so code-unit order is etcd's byte order (as #sortedKeys).
      candidates.sort();
      const prefix = inNamespace ? `${namespace}/` : '';
      const out: Frozen[] = [];
      for (const key of candidates) {
        if (inNamespace && !key.startsWith(prefix)) continue;
        const entry = ks.objects.get(key) as Entry;
        if (filter === undefined || filter(entry.object)) out.push(entry.object);
      }
      return out;
    }
    const keys = this.#sortedKeys(ks);
    let from = 0;
    let to = keys.length;
    if (inNamespace) {
      // Keys of one namespace form the range ["ns/", "ns0"): '0' follows '/' in ASCII.
      from = lowerBound(keys, `${namespace}/`);
      to = lowerBound(keys, `${namespace}0`);
    }
    const out: Frozen[] = [];
    for (let i = from; i < to; i++) {
      const entry = ks.objects.get(keys[i] as string) as Entry;
      if (filter === undefined || filter(entry.object)) out.push(entry.object);
    }
    return out;
  }

  /** Stores a new object (its first revision) and logs its `ADDED`. */
  #add(ks: KindState, ns: string, name: string, object: Frozen, revision: number): void {
    const key = ns === '' ? name : `${ns}/${name}`;
    const entry: Entry = { object, revision, key, ns, name };
    ks.objects.set(key, entry);
    let byName = ks.byName.get(ns);
    if (byName === undefined) {
      byName = new Map();
      ks.byName.set(ns, byName);
    }
    byName.set(name, entry);
    ks.recent = entry;
    ks.sortedKeys = undefined;
    this.#append(ks, key, { revision, type: 'ADDED', object, previous: undefined });
  }

  /** Logs a change of the object at `key` and hands it to the watchers indexed by its trigger value. */
  #append(ks: KindState, key: string, entry: LogEntry): void {
    ks.log.append(entry);
    ks.trigger?.record(key, entry);
  }

  /** Writes `next` (whose metadata object is `meta`) as a new revision of `entry`. */
  #commitUpdate(ks: KindState, entry: Entry, next: Obj, meta: Obj): Frozen {
    const revision = ++this.#revision;
    meta.resourceVersion = String(revision);
    next.metadata = freezeOwned(meta);
    const stored = freezeOwned(next) as Frozen;
    const previous = entry.object;
    entry.object = stored;
    entry.revision = revision;
    this.#append(ks, entry.key, { revision, type: 'MODIFIED', object: stored, previous });
    return stored;
  }

  /** Removes an object now; returns its last state at the deletion revision (the DELETED event's object). */
  #remove(ks: KindState, entry: Entry): Frozen {
    const revision = ++this.#revision;
    const last = entry.object;
    const finalState = Object.freeze({ ...last, metadata: Object.freeze({ ...last.metadata, resourceVersion: String(revision) }) }) as Frozen;
    ks.objects.delete(entry.key);
    ks.byName.get(entry.ns)?.delete(entry.name);
    if (ks.recent === entry) ks.recent = undefined;
    ks.sortedKeys = undefined;
    this.#append(ks, entry.key, { revision, type: 'DELETED', object: finalState, previous: undefined });
    return finalState;
  }

  #updateFromBody(input: Readonly<Obj>, mode: 'update' | 'status' | 'replace'): ApiResult<Frozen> {
    const ks = this.#resolveObject(input);
    if (ks === undefined) return apiErr(resourceNotServed());
    if (mode === 'status' && !ks.info.hasStatusSubresource) return apiErr(resourceNotServed());
    const meta: Readonly<Obj> = isObj(input.metadata) ? input.metadata : {};
    const ns = ks.info.namespaced ? str(meta, 'namespace') : undefined;
    const name = str(meta, 'name') ?? '';
    return this.#scopeError(ks, ns, name) ?? this.#applyUpdate(ks, ns, name, input, mode);
  }

  #patch(ref: ObjectRef, patch: unknown, mode: 'patch' | 'patch-status'): ApiResult<Frozen> {
    const ks = this.#resolve(ref);
    if (ks === undefined) return apiErr(resourceNotServed());
    if (mode === 'patch-status' && !ks.info.hasStatusSubresource) return apiErr(resourceNotServed());
    const scoped = this.#scope(ks, ref.namespace, ref.name);
    if (!scoped.ok) return scoped;
    if (!isObj(patch)) return apiErr(badRequest('json: cannot unmarshal patch into Go value of type map[string]interface {}'));
    const entry = this.#lookup(ks, scoped.value.ns, scoped.value.name);
    if (entry === undefined) return apiErr(notFound(ks.resource, scoped.value.name));
    const patched = applyMergePatch(entry.object, patch);
    if (!isObj(patched)) return apiErr(badRequest('the patched object is not a JSON object'));
    if (patched.apiVersion !== entry.object.apiVersion || patched.kind !== entry.object.kind) {
      return apiErr(badRequest(`the apiVersion and kind of the patched object (${String(patched.apiVersion)}, ${String(patched.kind)}) do not match the object being patched (${entry.object.apiVersion}, ${entry.object.kind})`));
    }
    return this.#applyUpdate(ks, scoped.value.ns, scoped.value.name, patched, mode);
  }

  /** The common update path of `update`, `updateStatus`, `patch` and `patchStatus`. */
  #applyUpdate(ks: KindState, ns: string | undefined, name: string, input: Readonly<Obj>, mode: UpdateMode): ApiResult<Frozen> {
    const info = ks.info;
    const entry = this.#lookup(ks, ns, name);
    if (entry === undefined) return apiErr(notFound(ks.resource, name));
    const key = entry.key;
    const existing = entry.object as unknown as Readonly<Obj>;
    const oldMeta = existing.metadata as Readonly<Obj>;
    const inMeta: Readonly<Obj> = isObj(input.metadata) ? input.metadata : {};

    // The request handler's checks of the body against the URL.
    const bodyName = str(inMeta, 'name') ?? '';
    if (bodyName !== '' && bodyName !== name) {
      return apiErr(badRequest(`the name of the object (${bodyName}) does not match the name on the URL (${name})`));
    }
    const bodyNs = str(inMeta, 'namespace') ?? '';
    if (ns !== undefined && bodyNs !== '' && bodyNs !== ns) {
      return apiErr(badRequest('the namespace of the provided object does not match the namespace sent on the request'));
    }

    // A uid in a PUT body is a storage precondition (patches are checked by validation instead).
    const isStatus = mode === 'status' || mode === 'patch-status';
    if (mode === 'update' || mode === 'status' || mode === 'replace') {
      const uid = str(inMeta, 'uid') ?? '';
      if (uid !== '' && uid !== oldMeta.uid) {
        return apiErr(
          conflict(
            ks.resource,
            name,
            `StorageError: invalid object, Code: 4, Key: ${storagePrefix(info)}/${key}, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: UID in precondition: ${uid}, UID in object meta: ${String(oldMeta.uid)}`,
          ),
        );
      }
    }

    const rvText = str(inMeta, 'resourceVersion') ?? '';
    if (rvText === '') {
      if (!info.allowUnconditionalUpdate) {
        // Upstream passes the resource as the kind here: `widgets.example.com "x" is invalid`.
        return apiErr(
          invalid({ group: info.group, kind: info.plural }, name, [goInvalid(['metadata', 'resourceVersion'], GO_UINT64_ZERO, 'must be specified for an update')]),
        );
      }
    } else if (rvText !== oldMeta.resourceVersion) {
      // The stored resourceVersion is the entry's revision as text, so only other texts need parsing.
      const rv = parseRevision(rvText);
      if (rv === undefined) return apiErr(internalServerError(`strconv.ParseUint: parsing ${goQuote(rvText)}: invalid syntax`));
      if (rv !== entry.revision) return apiErr(conflict(ks.resource, name, OPTIMISTIC_LOCK_ERROR_MSG));
    }

    // Objects are built key by key, never spread-and-delete: deleting properties would push V8
    // objects into slow dictionary mode on the hottest path.
    let next: Obj;
    let meta: Obj;
    if (isStatus) {
      // Status strategy: only status comes from the request.
      next = copyExcept(existing, 'status');
      if (input.status !== undefined) next.status = input.status;
      meta = copyExcept(oldMeta, undefined);
      // Upstream's Deployment status strategy resets only spec and labels, so a status PUT also
      // carries annotations (the controller writes the revision annotation with the status).
      if (mode === 'status' && info.group === 'apps' && info.kind === 'Deployment' && isObj(inMeta.annotations)) meta.annotations = inMeta.annotations;
    } else {
      if (mode === 'replace') {
        next = copyExcept(input, undefined);
      } else {
        next = copyExcept(input, info.hasStatusSubresource ? 'status' : undefined);
        if (info.hasStatusSubresource && existing.status !== undefined) next.status = existing.status;
      }
      meta = ns === undefined ? { name } : { name, namespace: ns };
      for (const k in inMeta) {
        const v = inMeta[k];
        if (v !== undefined && !SYSTEM_META_ON_UPDATE.has(k)) meta[k] = v;
      }
      // rest.BeforeUpdate: what an update silently cannot change.
      if (oldMeta.generation !== undefined) meta.generation = oldMeta.generation;
      const uid = str(inMeta, 'uid') ?? '';
      meta.uid = uid !== '' ? uid : oldMeta.uid;
      const created = oldMeta.creationTimestamp ?? inMeta.creationTimestamp;
      if (created !== undefined) meta.creationTimestamp = created;
      const deleting = oldMeta.deletionTimestamp ?? inMeta.deletionTimestamp;
      if (deleting !== undefined) meta.deletionTimestamp = deleting;
      const grace = inMeta.deletionGracePeriodSeconds ?? oldMeta.deletionGracePeriodSeconds;
      if (grace !== undefined) meta.deletionGracePeriodSeconds = grace;
      const errs = validateMetaUpdate(meta, oldMeta);
      if (errs.length > 0) return apiErr(invalid({ group: info.group, kind: info.kind }, name, errs));
      if (mode !== 'replace' && info.tracksGeneration && generationChanged(info, next, existing, meta, oldMeta)) {
        meta.generation = (typeof oldMeta.generation === 'number' ? oldMeta.generation : 0) + 1;
      }
    }
    meta.resourceVersion = oldMeta.resourceVersion;
    next.metadata = meta;
    // A status write copies everything but the status and (Deployments) the annotations from the
    // stored object, so only those two can make it differ.
    const unchanged = isStatus ? deepEqual(next.status, existing.status) && deepEqual(meta.annotations, oldMeta.annotations) : deepEqual(next, existing);
    if (unchanged) return apiOk(entry.object);

    // ShouldDeleteDuringUpdate: the last finalizer of a deleting object is gone.
    if (oldMeta.deletionTimestamp !== undefined && finalizersOf(meta).length === 0 && (oldMeta.deletionGracePeriodSeconds ?? 0) === 0) {
      this.#remove(ks, entry);
      next.metadata = freezeOwned(meta);
      return apiOk(freezeOwned(next) as Frozen);
    }
    return apiOk(this.#commitUpdate(ks, entry, next, meta));
  }

  /**
   * Upstream `rest.BeforeDelete` for a graceful strategy: the new deletion fields, `'pending'` when
   * a graceful deletion already under way is not shortened, or `undefined` when the deletion is not
   * graceful (already deleting without a grace period: finalizers alone decide).
   */
  #gracefulDeletion(
    oldMeta: Readonly<Obj>,
    requestedSeconds: number,
  ): { readonly deletionTimestamp: string; readonly gracePeriodSeconds: number } | 'pending' | undefined {
    // Negative periods count as 1 s on the delete path.
    const period = requestedSeconds < 0 ? 1 : Math.floor(requestedSeconds);
    const oldTs = oldMeta.deletionTimestamp;
    if (oldTs === undefined) {
      return { deletionTimestamp: formatRfc3339(this.#clock.nowMs() + period * 1000), gracePeriodSeconds: period };
    }
    const oldGrace = oldMeta.deletionGracePeriodSeconds;
    if (typeof oldGrace !== 'number' || oldGrace === 0) return undefined;
    if (period >= oldGrace) return 'pending';
    const oldMs = typeof oldTs === 'string' ? parseRfc3339(oldTs) : undefined;
    if (oldMs === undefined) throw new ModelBug(`Store.delete: stored deletionTimestamp ${String(oldTs)} is not RFC 3339`);
    return { deletionTimestamp: formatRfc3339(oldMs - oldGrace * 1000 + period * 1000), gracePeriodSeconds: period };
  }

  /** Drops history no new watch may ask for and no live watcher still has to read. */
  #trim(ks: KindState): void {
    let keepFrom = ks.log.firstAfter(this.#compacted - 1);
    for (const w of ks.watchers) if (w.cursor < keepFrom) keepFrom = w.cursor;
    ks.log.trimBefore(keepFrom);
  }

  #release(ks: KindState, watcher: StoreWatcher): void {
    ks.watchers.delete(watcher);
    if (watcher.triggerValue !== undefined) ks.trigger?.removeWatcher(watcher.triggerValue, watcher);
    this.#trim(ks);
  }
}

/** First index in sorted `keys` whose key is >= `probe`. */
function lowerBound(keys: readonly string[], probe: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((keys[mid] as string) < probe) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The `ObjectRef` of an object: its apiVersion, kind, namespace and name. */
export function refOf(obj: StorableObject | DeepReadonly<StorableObject>): ObjectRef {
  return { apiVersion: obj.apiVersion, kind: obj.kind, namespace: obj.metadata?.namespace, name: obj.metadata?.name ?? '' };
}
