/**
 * An informer's local cache: objects by `namespace/name` key plus secondary indexes, upstream
 * `cache.Indexer` over `threadSafeMap` (`staging/src/k8s.io/client-go/tools/cache/index.go`,
 * `thread_safe_store.go`, `store.go`).
 *
 * Reads return objects sorted by key, as the API server lists them, so what a controller sees does
 * not depend on the order in which events happened to arrive (upstream iterates Go maps, whose
 * order is random; a deterministic simulation needs a total order, and key order is the natural
 * one). Objects are the deeply frozen ones the watch delivered: nothing is copied.
 */
import type { DeepReadonly, KubeObject } from '../api/types.js';
import { PluginError } from '../errors.js';
import { controllerRef } from './owner-references.js';

/**
 * Upstream `cache.IndexFunc`: the index values of an object (none, one or several). It must be a
 * pure function of the object; throwing is reported as a `PluginError` naming the index, and the
 * object is then left out of that index. A function that reads only some parts of the object may
 * say so in `reads` (see `indexReading`).
 */
export type IndexFunc = ((obj: DeepReadonly<KubeObject>) => readonly string[]) & {
  /**
   * The only parts of the object the function reads, when declared: an update that keeps every one
   * of them (the same frozen value) keeps the object's index values, and the function is not asked
   * again. Most updates of a pod are of its status, which no index reads.
   */
  readonly reads?: readonly IndexInput[];
};

/** A part of an object an index function can declare it reads. */
export type IndexInput = 'metadata.namespace' | 'metadata.labels' | 'metadata.ownerReferences' | 'spec';

const INPUT_BITS: Readonly<Record<IndexInput, number>> = Object.freeze({
  'metadata.namespace': 1,
  'metadata.labels': 2,
  'metadata.ownerReferences': 4,
  spec: 8,
});

/**
 * An index function computing `fn` that declares it reads only `reads` of an object (see
 * `IndexFunc.reads`); `fn` itself is left as it is.
 */
export function indexReading(reads: readonly IndexInput[], fn: (obj: DeepReadonly<KubeObject>) => readonly string[]): IndexFunc {
  const indexFunc = (obj: DeepReadonly<KubeObject>): readonly string[] => fn(obj);
  return Object.assign(indexFunc, { reads: Object.freeze([...reads]) });
}

/** Upstream `cache.NamespaceIndex`: the index every cache has, by `metadata.namespace`. */
export const NAMESPACE_INDEX = 'namespace';

const NONE: readonly string[] = Object.freeze([]);
/** What an entry holds for an index whose function threw on its object (no values). */
const FAILED: readonly string[] = Object.freeze([]);

/** Index function: `spec.nodeName` when set (pods by node, as the kubelet and scheduler index them). */
export const indexByNodeName: IndexFunc = indexReading(['spec'], (obj) => {
  const spec = obj.spec as { readonly nodeName?: unknown } | undefined;
  const node = spec?.nodeName;
  return typeof node === 'string' && node !== '' ? [node] : NONE;
});

/** Index function: the uid of the object's controller owner reference, if it has one. */
export const indexByControllerUid: IndexFunc = indexReading(['metadata.ownerReferences'], (obj) => {
  const ref = controllerRef(obj);
  return ref === undefined ? NONE : [ref.uid];
});

/** Index function: the uid of every owner reference of the object. */
export const indexByOwnerUid: IndexFunc = indexReading(['metadata.ownerReferences'], (obj) => {
  const refs = obj.metadata.ownerReferences;
  if (refs === undefined || refs.length === 0) return NONE;
  return refs.map((r) => r.uid);
});

interface Index<T> {
  readonly name: string;
  readonly fn: IndexFunc;
  /** The `INPUT_BITS` of what `fn` declares it reads; `-1` when it declares nothing. */
  readonly reads: number;
  readonly values: Map<string, Bucket<T>>;
}

/**
 * One cached object with what the cache derived from it: its namespace and its values in each
 * custom index (in `#indexes` order), so that an update compares the new values with the stored
 * ones instead of asking the index functions about the old object again. Index entries hold the
 * entry itself, so reading an index entry follows pointers instead of looking each key up.
 */
interface Entry<T> {
  readonly key: string;
  obj: DeepReadonly<T>;
  ns: string;
  readonly values: (readonly string[])[];
}

/**
 * The entries under one index value, with their key order kept until the membership changes:
 * controllers read the same index entries (a ReplicaSet's pods) far more often than pods come and
 * go, so sorting on every read would redo the same work over and over. An update of a member
 * changes only its entry's object, not the bucket.
 */
interface Bucket<T> {
  readonly entries: Set<Entry<T>>;
  sorted: readonly Entry<T>[] | undefined;
}

/**
 * A keyed object cache with secondary indexes. Every operation is O(1) in the number of objects
 * plus the number of index values involved; reads that return several objects sort the matching
 * keys (O(k log k) for k results) when that entry's membership changed since the last read.
 */
export class Indexer<T extends object = KubeObject> {
  readonly #items = new Map<string, Entry<T>>();
  /**
   * The entries again, by the two parts of their key split at its first `/` (`''` and the key when
   * it has none), so that `get(namespace, name)` and `upsert` find an object without building its
   * key: the namespace and name strings they start from are mostly the objects' own, whose hashes
   * are computed once.
   */
  readonly #byKeyParts = new Map<string, Map<string, Entry<T>>>();
  readonly #byNamespace = new Map<string, Bucket<T>>();
  readonly #indexes: Index<T>[] = [];
  readonly #onError: ((error: PluginError) => void) | undefined;
  /** Every entry in key order, until the membership changes. */
  #allSorted: readonly Entry<T>[] | undefined = undefined;
  #lastKey: string | undefined = undefined;

  /**
   * @param indexers - custom indexes by name; `namespace` is built in and may not be redefined.
   * @param onError - where index function failures go; without it they are thrown.
   */
  constructor(indexers: Readonly<Record<string, IndexFunc>> = {}, onError?: (error: PluginError) => void) {
    this.#onError = onError;
    for (const name of Object.keys(indexers).sort()) {
      if (name === NAMESPACE_INDEX) throw new PluginError(name, 'Indexer', `the ${NAMESPACE_INDEX} index is built in`);
      const fn = indexers[name] as IndexFunc;
      this.#indexes.push({ name, fn, reads: inputBits(fn.reads), values: new Map() });
    }
  }

  /** Number of cached objects. */
  get size(): number {
    return this.#items.size;
  }

  /** The index names this cache maintains, `namespace` first. */
  get indexNames(): readonly string[] {
    return [NAMESPACE_INDEX, ...this.#indexes.map((i) => i.name)];
  }

  /**
   * The key of the entry the last `set`, `upsert`, `delete` or `remove` wrote or removed
   * (`undefined` when that removal found nothing): the very string the cache holds, whose hash is
   * already computed, so that whoever passes it on (an informer to its handlers, a handler to a
   * work queue) need not build the key again.
   */
  get lastKey(): string | undefined {
    return this.#lastKey;
  }

  /** The object under `key` (`namespace/name`, or `name` when cluster-scoped). */
  getByKey(key: string): DeepReadonly<T> | undefined {
    return this.#items.get(key)?.obj;
  }

  /** The object `namespace/name` (`namespace` empty or absent for cluster-scoped objects). */
  get(namespace: string | undefined, name: string): DeepReadonly<T> | undefined {
    return this.#find(namespace ?? '', name)?.obj;
  }

  /** Whether `key` is cached. */
  has(key: string): boolean {
    return this.#items.has(key);
  }

  /** Every key, sorted. */
  keys(): string[] {
    return this.#sortedAll().map(keyOfEntry);
  }

  /** Every object, by key. */
  list(): DeepReadonly<T>[] {
    return objectsOf(this.#sortedAll());
  }

  /** The objects of one namespace, by key. */
  listNamespace(namespace: string): DeepReadonly<T>[] {
    const bucket = this.#byNamespace.get(namespace);
    return bucket === undefined ? [] : objectsOf(sortedEntries(bucket));
  }

  /** Upstream `ByIndex`: the objects whose index `indexName` has `value`, by key. */
  byIndex(indexName: string, value: string): DeepReadonly<T>[] {
    const bucket = this.#bucket(indexName, value);
    return bucket === undefined ? [] : objectsOf(sortedEntries(bucket));
  }

  /**
   * `byIndex` narrowed to the objects in `namespace` (`metadata.namespace`), by key. The cache
   * knows each object's namespace, so the objects themselves are not read to find it.
   */
  byIndexInNamespace(indexName: string, value: string, namespace: string): DeepReadonly<T>[] {
    const bucket = this.#bucket(indexName, value);
    if (bucket === undefined) return [];
    const entries = sortedEntries(bucket);
    let i = 0;
    while (i < entries.length && (entries[i] as Entry<T>).ns === namespace) i++;
    // Index entries usually lie within one namespace: then nothing is left out.
    if (i === entries.length) return objectsOf(entries);
    const out: DeepReadonly<T>[] = [];
    for (const entry of entries) if (entry.ns === namespace) out.push(entry.obj);
    return out;
  }

  /** Upstream `IndexKeys`: the keys whose index `indexName` has `value`, sorted. */
  indexKeys(indexName: string, value: string): string[] {
    const bucket = this.#bucket(indexName, value);
    return bucket === undefined ? [] : sortedEntries(bucket).map(keyOfEntry);
  }

  /** Stores `obj` under `key`; returns the object it replaced. */
  set(key: string, obj: DeepReadonly<T>): DeepReadonly<T> | undefined {
    const entry = this.#items.get(key);
    if (entry !== undefined) {
      this.#lastKey = entry.key;
      return this.#update(entry, obj);
    }
    this.#lastKey = key;
    const slash = key.indexOf('/');
    this.#insert(key, slash < 0 ? '' : key.slice(0, slash), slash < 0 ? key : key.slice(slash + 1), obj);
    return undefined;
  }

  /**
   * Stores `obj` under its key, `namespace/name` (or `name` when it has no namespace), as
   * `set(objectKey(obj), obj)` does; returns the object it replaced.
   */
  upsert(obj: DeepReadonly<T>): DeepReadonly<T> | undefined {
    const ns = namespaceOf(obj);
    const name = nameOf(obj);
    const entry = this.#find(ns, name);
    if (entry !== undefined) {
      this.#lastKey = entry.key;
      return this.#update(entry, obj);
    }
    const key = ns === '' ? name : `${ns}/${name}`;
    if (!splitsBack(ns, name)) return this.set(key, obj);
    this.#lastKey = key;
    this.#insert(key, ns, name, obj);
    return undefined;
  }

  /** Removes `key`; returns the object it held. */
  delete(key: string): DeepReadonly<T> | undefined {
    const entry = this.#items.get(key);
    this.#lastKey = entry?.key;
    return entry === undefined ? undefined : this.#remove(entry);
  }

  /** Removes the object under `obj`'s key (see `upsert`); returns the object it held. */
  remove(obj: DeepReadonly<T>): DeepReadonly<T> | undefined {
    const entry = this.#find(namespaceOf(obj), nameOf(obj));
    this.#lastKey = entry?.key;
    return entry === undefined ? undefined : this.#remove(entry);
  }

  /** Drops everything. */
  clear(): void {
    this.#items.clear();
    this.#byKeyParts.clear();
    this.#byNamespace.clear();
    for (const index of this.#indexes) index.values.clear();
    this.#allSorted = undefined;
    this.#lastKey = undefined;
  }

  /** The entry under key `namespace/name` (`name` when `namespace` is empty). */
  #find(namespace: string, name: string): Entry<T> | undefined {
    // A namespace or (cluster-scoped) name with a `/` would split differently: look the key up.
    if (!splitsBack(namespace, name)) return this.#items.get(namespace === '' ? name : `${namespace}/${name}`);
    return this.#byKeyParts.get(namespace)?.get(name);
  }

  /** Adds a new entry; `head` and `tail` are `key` split at its first `/` (see `#byKeyParts`). */
  #insert(key: string, head: string, tail: string, obj: DeepReadonly<T>): void {
    const ns = namespaceOf(obj);
    const indexes = this.#indexes;
    const entry: Entry<T> = { key, obj, ns, values: new Array<readonly string[]>(indexes.length).fill(NONE) };
    this.#items.set(key, entry);
    this.#allSorted = undefined;
    let byTail = this.#byKeyParts.get(head);
    if (byTail === undefined) {
      byTail = new Map();
      this.#byKeyParts.set(head, byTail);
    }
    byTail.set(tail, entry);
    addTo(this.#byNamespace, ns, entry);
    for (let i = 0; i < indexes.length; i++) {
      const index = indexes[i] as Index<T>;
      const after = this.#values(index, obj);
      entry.values[i] = after;
      for (const v of after) addTo(index.values, v, entry);
    }
  }

  /** Replaces an entry's object, moving it between index entries where its values changed. */
  #update(entry: Entry<T>, obj: DeepReadonly<T>): DeepReadonly<T> {
    const old = entry.obj;
    entry.obj = obj;
    const ns = namespaceOf(obj);
    if (entry.ns !== ns) {
      removeFrom(this.#byNamespace, entry.ns, entry);
      addTo(this.#byNamespace, ns, entry);
      entry.ns = ns;
    }
    const indexes = this.#indexes;
    let changed = -1;
    for (let i = 0; i < indexes.length; i++) {
      const index = indexes[i] as Index<T>;
      let before = entry.values[i] as readonly string[];
      // A function that reads only what the update kept would give the values it gave before.
      if (index.reads >= 0 && before !== FAILED) {
        if (changed < 0) changed = changedInputs(old, obj);
        if ((changed & index.reads) === 0) continue;
      }
      // A failed index function is asked again, so that its failure is reported as often as before.
      if (before === FAILED) before = this.#values(index, old);
      const after = this.#values(index, obj);
      // Most updates keep their index values (a pod's node, its owner): nothing to move then.
      // Reads sort what they find, so the order inside an index entry never shows.
      if (sameValues(before, after)) {
        entry.values[i] = after;
        continue;
      }
      for (const v of before) removeFrom(index.values, v, entry);
      for (const v of after) addTo(index.values, v, entry);
      entry.values[i] = after;
    }
    return old;
  }

  #remove(entry: Entry<T>): DeepReadonly<T> {
    const key = entry.key;
    const old = entry.obj;
    this.#items.delete(key);
    this.#allSorted = undefined;
    const slash = key.indexOf('/');
    const head = slash < 0 ? '' : key.slice(0, slash);
    const byTail = this.#byKeyParts.get(head);
    if (byTail !== undefined) {
      byTail.delete(slash < 0 ? key : key.slice(slash + 1));
      if (byTail.size === 0) this.#byKeyParts.delete(head);
    }
    removeFrom(this.#byNamespace, entry.ns, entry);
    const indexes = this.#indexes;
    for (let i = 0; i < indexes.length; i++) {
      const index = indexes[i] as Index<T>;
      let values = entry.values[i] as readonly string[];
      if (values === FAILED) values = this.#values(index, old);
      for (const v of values) removeFrom(index.values, v, entry);
    }
    return old;
  }

  #sortedAll(): readonly Entry<T>[] {
    if (this.#allSorted === undefined) this.#allSorted = [...this.#items.values()].sort(byKey);
    return this.#allSorted;
  }

  #bucket(indexName: string, value: string): Bucket<T> | undefined {
    return indexName === NAMESPACE_INDEX ? this.#byNamespace.get(value) : this.#index(indexName).values.get(value);
  }

  #index(name: string): Index<T> {
    for (const index of this.#indexes) if (index.name === name) return index;
    throw new PluginError(name, 'Indexer', `index ${JSON.stringify(name)} does not exist`);
  }

  /** The index values of `obj`; `FAILED` (no values) when the index function threw and `onError` took the error. */
  #values(index: Index<T>, obj: DeepReadonly<T>): readonly string[] {
    try {
      return index.fn(obj as unknown as DeepReadonly<KubeObject>);
    } catch (cause) {
      const error = new PluginError(index.name, 'IndexFunc', `index function threw: ${String(cause)}`, { cause });
      if (this.#onError === undefined) throw error;
      this.#onError(error);
      return FAILED;
    }
  }
}

/** The `INPUT_BITS` of `reads`, or `-1` when nothing is declared. */
function inputBits(reads: readonly IndexInput[] | undefined): number {
  if (reads === undefined) return -1;
  let bits = 0;
  for (const r of reads) bits |= INPUT_BITS[r];
  return bits;
}

type Inputs = {
  readonly metadata?: { readonly namespace?: unknown; readonly labels?: unknown; readonly ownerReferences?: unknown };
  readonly spec?: unknown;
};

/**
 * The `INPUT_BITS` of the parts that differ between two versions of an object. A part counts as
 * kept only when it is the same value and, if an object, frozen (taken as deeply frozen, as
 * everything a watch delivers is): a mutable one may have changed in place.
 */
function changedInputs(a: object, b: object): number {
  const x = a as Inputs;
  const y = b as Inputs;
  const xm = x.metadata;
  const ym = y.metadata;
  let bits = 0;
  if (xm?.namespace !== ym?.namespace) bits |= INPUT_BITS['metadata.namespace'];
  if (!samePart(xm?.labels, ym?.labels)) bits |= INPUT_BITS['metadata.labels'];
  if (!samePart(xm?.ownerReferences, ym?.ownerReferences)) bits |= INPUT_BITS['metadata.ownerReferences'];
  if (!samePart(x.spec, y.spec)) bits |= INPUT_BITS.spec;
  return bits;
}

function samePart(a: unknown, b: unknown): boolean {
  return a === b && (typeof a !== 'object' || a === null || Object.isFrozen(a));
}

function namespaceOf(obj: object): string {
  return (obj as { readonly metadata?: { readonly namespace?: string } }).metadata?.namespace ?? '';
}

function nameOf(obj: object): string {
  return (obj as { readonly metadata?: { readonly name?: string } }).metadata?.name ?? '';
}

/**
 * Whether the key of `namespace` and `name` splits back into them at its first `/`: the namespace
 * has no `/`, and neither has the name when the namespace is empty (the key is then the name).
 */
function splitsBack(namespace: string, name: string): boolean {
  return namespace === '' ? !name.includes('/') : !namespace.includes('/');
}

function keyOfEntry(entry: Entry<unknown>): string {
  return entry.key;
}

function byKey(a: Entry<unknown>, b: Entry<unknown>): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

function objectsOf<T>(entries: readonly Entry<T>[]): DeepReadonly<T>[] {
  const out: DeepReadonly<T>[] = new Array<DeepReadonly<T>>(entries.length);
  for (let i = 0; i < entries.length; i++) out[i] = (entries[i] as Entry<T>).obj;
  return out;
}

function addTo<T>(map: Map<string, Bucket<T>>, value: string, entry: Entry<T>): void {
  let bucket = map.get(value);
  if (bucket === undefined) {
    bucket = { entries: new Set(), sorted: undefined };
    map.set(value, bucket);
  }
  if (bucket.entries.has(entry)) return;
  bucket.entries.add(entry);
  bucket.sorted = undefined;
}

/** The bucket's entries in key order, sorted again only after its membership changed. */
function sortedEntries<T>(bucket: Bucket<T>): readonly Entry<T>[] {
  if (bucket.sorted === undefined) bucket.sorted = [...bucket.entries].sort(byKey);
  return bucket.sorted;
}

function sameValues(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function removeFrom<T>(map: Map<string, Bucket<T>>, value: string, entry: Entry<T>): void {
  const bucket = map.get(value);
  if (bucket === undefined || !bucket.entries.delete(entry)) return;
  bucket.sorted = undefined;
  if (bucket.entries.size === 0) map.delete(value);
}
