/**
 * The trigger index of one kind: its objects and its watchers keyed by the value of one field
 * (pods: `spec.nodeName`), as the API server's watch cache keeps them. A change is handed only to
 * the watchers whose field selector pins that field to the object's old or new value, and a list or
 * initial watch state pinned to one value reads only the objects with that value. Without it, every
 * pod write would be checked against every kubelet's watch, and every kubelet's list would scan
 * every pod.
 *
 * The index only narrows what is looked at: every candidate still goes through the request's full
 * selection, so results never depend on it. Field values that selector forms could read differently
 * (numbers, booleans, objects, inherited properties) are "odd": such objects are candidates for
 * every value, and a change involving one goes to every indexed watcher.
 *
 * Upstream counterparts: `staging/src/k8s.io/apiserver/pkg/storage/cacher/cacher.go`
 * (`indexedTrigger`, `valueWatchers`, `triggerValues`, `dispatchEvent`: an event goes to the
 * watchers of its old and new trigger values plus the unindexed ones) and the watch cache's field
 * index used by lists (`watch_cache.go`, `WaitUntilFreshAndList` with `MatcherIndex`); pods
 * register `spec.nodeName` in `pkg/registry/core/pod/storage/storage.go`.
 */
import type { DeepReadonly, KubeObject } from '../api/types.js';
import type { LogEntry } from './event-log.js';

/** What the index hands changes to: a watcher indexed under one value. */
export interface TriggerTarget {
  /**
   * Takes a change that may concern the watcher (its own selection decides). It must not add or
   * remove watchers of the index meanwhile.
   */
  push(entry: LogEntry): void;
}

/**
 * The text of the field at `path` as every selector form reads it (missing and `null` read as
 * `""`), or `undefined` for an odd value on which the forms could disagree.
 */
function triggerText(obj: unknown, path: readonly string[]): string | undefined {
  let cur: unknown = obj;
  for (const part of path) {
    if (typeof cur !== 'object' || cur === null) return '';
    if (!Object.hasOwn(cur, part)) return part in cur ? undefined : '';
    cur = (cur as Readonly<Record<string, unknown>>)[part];
  }
  if (typeof cur === 'string') return cur;
  return cur === undefined || cur === null ? '' : undefined;
}

function pushAll<W extends TriggerTarget>(watchers: readonly W[], entry: LogEntry): void {
  for (let i = 0; i < watchers.length; i++) (watchers[i] as W).push(entry);
}

/**
 * Objects and watchers of one kind keyed by one field's value; see the module comment. Mirrors the
 * cacher's trigger dispatch (`staging/src/k8s.io/apiserver/pkg/storage/cacher/cacher.go`,
 * `dispatchEvent` over `watchersBuffer`) and the watch cache's field index. `W` is the watcher
 * type (the store's `StoreWatcher`).
 */
export class TriggerIndex<W extends TriggerTarget> {
  /** The indexed field, e.g. `spec.nodeName`. */
  readonly field: string;
  readonly #path: readonly string[];
  /** Object keys by field value. */
  readonly #keys = new Map<string, Set<string>>();
  /** Keys of objects with an odd value: candidates for every value. */
  readonly #oddKeys = new Set<string>();
  /** Watchers by value, in the order they were added (arrays: a change is handed to them by index). */
  readonly #watchers = new Map<string, W[]>();
  #watcherCount = 0;

  constructor(field: string) {
    this.field = field;
    this.#path = field.split('.');
  }

  /** Indexed watchers. */
  get watcherCount(): number {
    return this.#watcherCount;
  }

  /** The field's value in `obj`, or `undefined` if it is odd (see the module comment). */
  valueOf(obj: DeepReadonly<KubeObject>): string | undefined {
    return triggerText(obj, this.#path);
  }

  /**
   * Keeps the object index in step with a change just logged for `key`, and hands the change to
   * the watchers of the object's old and new value (each watcher once, in no particular order:
   * each watcher orders its own changes by revision).
   */
  record(key: string, entry: LogEntry): void {
    const now = this.valueOf(entry.object);
    const previous = entry.previous;
    // A MODIFIED change carries the state before; ADDED and DELETED have one state only.
    const before = previous === undefined ? now : this.valueOf(previous);
    switch (entry.type) {
      case 'ADDED':
        this.#addKey(now, key);
        break;
      case 'DELETED':
        this.#removeKey(now, key);
        break;
      case 'MODIFIED':
        if (before !== now || now === undefined) {
          this.#removeKey(before, key);
          this.#addKey(now, key);
        }
        break;
    }
    if (this.#watcherCount === 0) return;
    if (now === undefined || before === undefined) {
      for (const list of this.#watchers.values()) pushAll(list, entry);
      return;
    }
    const watchers = this.#watchers.get(now);
    if (watchers !== undefined) pushAll(watchers, entry);
    if (before !== now) {
      const left = this.#watchers.get(before);
      if (left !== undefined) pushAll(left, entry);
    }
  }

  /** Keys of the objects that may have `value` (odd ones included), in no particular order. */
  candidateKeys(value: string): string[] {
    const keys = this.#keys.get(value);
    const out = keys === undefined ? [] : [...keys];
    for (const k of this.#oddKeys) out.push(k);
    return out;
  }

  addWatcher(value: string, watcher: W): void {
    let list = this.#watchers.get(value);
    if (list === undefined) {
      list = [];
      this.#watchers.set(value, list);
    }
    if (!list.includes(watcher)) {
      list.push(watcher);
      this.#watcherCount++;
    }
  }

  removeWatcher(value: string, watcher: W): void {
    const list = this.#watchers.get(value);
    const i = list === undefined ? -1 : list.indexOf(watcher);
    if (list === undefined || i < 0) return;
    list.splice(i, 1);
    this.#watcherCount--;
    if (list.length === 0) this.#watchers.delete(value);
  }

  #addKey(value: string | undefined, key: string): void {
    if (value === undefined) {
      this.#oddKeys.add(key);
      return;
    }
    let set = this.#keys.get(value);
    if (set === undefined) {
      set = new Set();
      this.#keys.set(value, set);
    }
    set.add(key);
  }

  #removeKey(value: string | undefined, key: string): void {
    if (value === undefined) {
      this.#oddKeys.delete(key);
      return;
    }
    const set = this.#keys.get(value);
    if (set === undefined) return;
    set.delete(key);
    if (set.size === 0) this.#keys.delete(value);
  }
}
