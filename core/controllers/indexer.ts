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
 * object is then left out of that index.
 */
export type IndexFunc = (obj: DeepReadonly<KubeObject>) => readonly string[];

/** Upstream `cache.NamespaceIndex`: the index every cache has, by `metadata.namespace`. */
export const NAMESPACE_INDEX = 'namespace';

const NONE: readonly string[] = Object.freeze([]);

/** Index function: `spec.nodeName` when set (pods by node, as the kubelet and scheduler index them). */
export const indexByNodeName: IndexFunc = (obj) => {
  const spec = obj.spec as { readonly nodeName?: unknown } | undefined;
  const node = spec?.nodeName;
  return typeof node === 'string' && node !== '' ? [node] : NONE;
};

/** Index function: the uid of the object's controller owner reference, if it has one. */
export const indexByControllerUid: IndexFunc = (obj) => {
  const ref = controllerRef(obj);
  return ref === undefined ? NONE : [ref.uid];
};

/** Index function: the uid of every owner reference of the object. */
export const indexByOwnerUid: IndexFunc = (obj) => {
  const refs = obj.metadata.ownerReferences;
  if (refs === undefined || refs.length === 0) return NONE;
  return refs.map((r) => r.uid);
};

interface Index {
  readonly name: string;
  readonly fn: IndexFunc;
  readonly values: Map<string, Bucket>;
}

/**
 * The keys under one index value, with their sorted order kept until the membership changes:
 * controllers read the same index entries (a ReplicaSet's pods) far more often than pods come and
 * go, so sorting on every read would redo the same work over and over.
 */
interface Bucket {
  readonly keys: Set<string>;
  sorted: readonly string[] | undefined;
}

/**
 * A keyed object cache with secondary indexes. Every operation is O(1) in the number of objects
 * plus the number of index values involved; reads that return several objects sort the matching
 * keys (O(k log k) for k results) when that entry's membership changed since the last read.
 */
export class Indexer<T extends object = KubeObject> {
  readonly #items = new Map<string, DeepReadonly<T>>();
  readonly #byNamespace = new Map<string, Bucket>();
  readonly #indexes: Index[] = [];
  readonly #onError: ((error: PluginError) => void) | undefined;

  /**
   * @param indexers - custom indexes by name; `namespace` is built in and may not be redefined.
   * @param onError - where index function failures go; without it they are thrown.
   */
  constructor(indexers: Readonly<Record<string, IndexFunc>> = {}, onError?: (error: PluginError) => void) {
    this.#onError = onError;
    for (const name of Object.keys(indexers).sort()) {
      if (name === NAMESPACE_INDEX) throw new PluginError(name, 'Indexer', `the ${NAMESPACE_INDEX} index is built in`);
      this.#indexes.push({ name, fn: indexers[name] as IndexFunc, values: new Map() });
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

  /** The object under `key` (`namespace/name`, or `name` when cluster-scoped). */
  getByKey(key: string): DeepReadonly<T> | undefined {
    return this.#items.get(key);
  }

  /** The object `namespace/name` (`namespace` empty or absent for cluster-scoped objects). */
  get(namespace: string | undefined, name: string): DeepReadonly<T> | undefined {
    return this.#items.get(namespace === undefined || namespace === '' ? name : `${namespace}/${name}`);
  }

  /** Whether `key` is cached. */
  has(key: string): boolean {
    return this.#items.has(key);
  }

  /** Every key, sorted. */
  keys(): string[] {
    return [...this.#items.keys()].sort();
  }

  /** Every object, by key. */
  list(): DeepReadonly<T>[] {
    return this.#resolve(this.keys());
  }

  /** The objects of one namespace, by key. */
  listNamespace(namespace: string): DeepReadonly<T>[] {
    const bucket = this.#byNamespace.get(namespace);
    return bucket === undefined ? [] : this.#resolve(sortedKeys(bucket));
  }

  /** Upstream `ByIndex`: the objects whose index `indexName` has `value`, by key. */
  byIndex(indexName: string, value: string): DeepReadonly<T>[] {
    if (indexName === NAMESPACE_INDEX) return this.listNamespace(value);
    const index = this.#index(indexName);
    const bucket = index.values.get(value);
    return bucket === undefined ? [] : this.#resolve(sortedKeys(bucket));
  }

  /** Upstream `IndexKeys`: the keys whose index `indexName` has `value`, sorted. */
  indexKeys(indexName: string, value: string): string[] {
    const bucket = indexName === NAMESPACE_INDEX ? this.#byNamespace.get(value) : this.#index(indexName).values.get(value);
    // A copy: the sorted order is shared with later reads and must not be changed by the caller.
    return bucket === undefined ? [] : [...sortedKeys(bucket)];
  }

  /** Stores `obj` under `key`; returns the object it replaced. */
  set(key: string, obj: DeepReadonly<T>): DeepReadonly<T> | undefined {
    const old = this.#items.get(key);
    this.#items.set(key, obj);
    const ns = namespaceOf(obj);
    if (old === undefined) {
      addTo(this.#byNamespace, ns, key);
    } else {
      const oldNs = namespaceOf(old);
      if (oldNs !== ns) {
        removeFrom(this.#byNamespace, oldNs, key);
        addTo(this.#byNamespace, ns, key);
      }
    }
    for (const index of this.#indexes) {
      const before = old === undefined ? NONE : this.#values(index, old);
      const after = this.#values(index, obj);
      // Most updates keep their index values (a pod's node, its owner): nothing to move then.
      // Reads sort what they find, so the order inside an index entry never shows.
      if (sameValues(before, after)) continue;
      for (const v of before) removeFrom(index.values, v, key);
      for (const v of after) addTo(index.values, v, key);
    }
    return old;
  }

  /** Removes `key`; returns the object it held. */
  delete(key: string): DeepReadonly<T> | undefined {
    const old = this.#items.get(key);
    if (old === undefined) return undefined;
    this.#items.delete(key);
    removeFrom(this.#byNamespace, namespaceOf(old), key);
    for (const index of this.#indexes) for (const v of this.#values(index, old)) removeFrom(index.values, v, key);
    return old;
  }

  /** Drops everything. */
  clear(): void {
    this.#items.clear();
    this.#byNamespace.clear();
    for (const index of this.#indexes) index.values.clear();
  }

  #index(name: string): Index {
    for (const index of this.#indexes) if (index.name === name) return index;
    throw new PluginError(name, 'Indexer', `index ${JSON.stringify(name)} does not exist`);
  }

  #values(index: Index, obj: DeepReadonly<T>): readonly string[] {
    try {
      return index.fn(obj as unknown as DeepReadonly<KubeObject>);
    } catch (cause) {
      const error = new PluginError(index.name, 'IndexFunc', `index function threw: ${String(cause)}`, { cause });
      if (this.#onError === undefined) throw error;
      this.#onError(error);
      return NONE;
    }
  }

  #resolve(keys: readonly string[]): DeepReadonly<T>[] {
    const out: DeepReadonly<T>[] = new Array<DeepReadonly<T>>(keys.length);
    for (let i = 0; i < keys.length; i++) out[i] = this.#items.get(keys[i] as string) as DeepReadonly<T>;
    return out;
  }
}

function namespaceOf(obj: object): string {
  return (obj as { readonly metadata?: { readonly namespace?: string } }).metadata?.namespace ?? '';
}

function addTo(map: Map<string, Bucket>, value: string, key: string): void {
  let bucket = map.get(value);
  if (bucket === undefined) {
    bucket = { keys: new Set(), sorted: undefined };
    map.set(value, bucket);
  }
  if (bucket.keys.has(key)) return;
  bucket.keys.add(key);
  bucket.sorted = undefined;
}

/** The bucket's keys in sorted order, sorted again only after its membership changed. */
function sortedKeys(bucket: Bucket): readonly string[] {
  if (bucket.sorted === undefined) bucket.sorted = [...bucket.keys].sort();
  return bucket.sorted;
}

function sameValues(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function removeFrom(map: Map<string, Bucket>, value: string, key: string): void {
  const bucket = map.get(value);
  if (bucket === undefined || !bucket.keys.delete(key)) return;
  bucket.sorted = undefined;
  if (bucket.keys.size === 0) map.delete(value);
}
