/**
 * Schema validation of built-in kinds at API-server speed.
 *
 * `core/api`'s `validateBuiltinObject` is exact but slow for a request path (~25 µs for a pod): it
 * deep-copies the object and runs the generated validator through proxies that record which
 * properties the validator reads, to find unknown fields. This class gives the same answers in a
 * few microseconds for the objects a simulation writes again and again, by learning, per kind, the
 * set of property names the validator reads at each *shape path* (a field path with array indices
 * and free-form map keys collapsed to `*`).
 *
 * Why that is sound: the generated validators read every declared property of an object they
 * check (`data.x === undefined || check(data.x)`), whatever its content, and enumerate the keys of
 * free-form maps; so the read set at a shape path is a property of the schema, not of the data.
 * The fast path therefore runs the generated validator without proxies and walks the object
 * against the learned shapes: when the validator reports nothing and every key of every checked
 * object is one the validator reads there, the result is exactly what the slow path would return
 * (no schema errors, no unknown fields, the input itself as the pruned object). Anything else —
 * a schema error, a key outside the learned set, a shape path never seen, a shape that was seen
 * in two different roles — takes the exact slow path, and a clean slow run teaches the shapes it
 * saw. Learning is bounded; beyond the bound every miss simply stays slow.
 *
 * Frozen values are memoized: a deeply frozen value that was part of a clean object is clean
 * wherever the same shape path holds it again (a pod template's spec in every pod stamped from it,
 * a status condition shared by many pods' statuses). That rests on a property of the built-in
 * schemas: every value is constrained by its own location alone (types, formats, enums,
 * `required`, per-item and per-entry schemas; no `uniqueItems`, `minItems`/`maxItems`,
 * `min`/`maxProperties`, `dependencies` or object-valued `oneOf`/`anyOf`). So the fast path
 * validates a residual object in which memoized values stand replaced by values that are clean at
 * their location whatever the schema says there: a memoized array becomes `[]`, a memoized array
 * item is dropped, a memoized top-level `spec` or `status` (optional in every built-in kind) is
 * omitted. Other frozen objects are checked as usual: leaving a field out could break a `required`,
 * and small maps are cheaper to check than the copies of their parents a residual needs. A residual
 * that validates clean means the whole object does; one that does not is looked at whole before
 * the slow path is taken, so a stand-in the schema happens to refuse costs time, never a wrong
 * answer.
 */
import type { KindInfo } from '../api/kinds.js';
import type { KubeObject } from '../api/types.js';
import { generatedValidator, validateBuiltinObject, validateObjectMetaRules, validateWorkloadSelector, type GeneratedValidator, type ValidationResult } from '../api/validation.js';
import type { FieldError } from '../api/validation-errors.js';

/**
 * Frozen values known clean at a shape path (see the module comment); created on first use.
 * Only values the fast path met outside any other frozen value are kept.
 */
interface Memo {
  clean: WeakSet<object> | undefined;
}

/** What the validator does with the object found at one shape path. */
type Shape =
  /** Checked as a struct: it reads exactly these property names. */
  | ({
      readonly role: 'struct';
      readonly keys: ReadonlySet<string>;
      readonly children: Map<string, Shape>;
      /**
       * The keys, in order, of the last object checked here whose order differed from the one
       * before: objects of one producer list their keys in one order, and comparing that order
       * (interned strings, compared by reference) costs less than a set lookup per key.
       */
      order: readonly string[];
    } & Memo)
  /** Enumerated as a free-form map: any key is fine; values share the child shape `*`. */
  | ({ readonly role: 'map'; readonly children: Map<string, Shape> } & Memo)
  /** Never looked into (raw JSON): any key is fine; children keyed `*`. */
  | ({ readonly role: 'opaque'; readonly children: Map<string, Shape> } & Memo)
  /** Seen in two roles or with two key sets: always take the slow path. */
  | { readonly role: 'conflict' };

type LiveShape = Exclude<Shape, { role: 'conflict' }>;

/** An array's items share one shape, kept under this key. */
const ITEMS = '[]';
const ANY = '*';
const CONFLICT: Shape = Object.freeze({ role: 'conflict' });
/** Bound on learned shapes across all kinds (each is a small object). */
const SHAPES_MAX = 200_000;
const NO_ERRORS: readonly FieldError[] = Object.freeze([]);
const NO_UNKNOWN_FIELDS: ValidationResult['unknownFields'] = Object.freeze([]);
/** The key order of a struct shape that has checked no object yet. */
const NO_ORDER: readonly string[] = Object.freeze([]);
/** What a memoized array becomes in the residual object. */
const NO_ITEMS: readonly unknown[] = Object.freeze([]);

interface KindShapes {
  readonly validator: GeneratedValidator;
  root: Shape | undefined;
}

/** The top-level fields whose frozen values are memoized (and omitted from the residual) as a whole. */
const MEMO_FIELDS: ReadonlySet<string> = new Set(['spec', 'status']);

/** Per-object facts a proxied run records. */
interface Observed {
  readonly read: WeakMap<object, Set<string>>;
  readonly enumerated: WeakSet<object>;
}

function sameKeys(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const k of a) if (!b.has(k)) return false;
  return true;
}

/** Counters for benchmarks and tests. */
export interface SchemaValidatorStats {
  readonly fast: number;
  readonly slow: number;
  readonly shapes: number;
}

/** Fast, exact schema validation of built-in kinds (see the module comment). */
export class BuiltinSchemaValidator {
  readonly #kinds = new Map<string, KindShapes | null>();
  /** `#kinds` by kind info object and version: saves building the key string per validation. */
  readonly #byInfo = new WeakMap<KindInfo, Map<string, KindShapes | null>>();
  #shapes = 0;
  #fast = 0;
  #slow = 0;

  /** Counters: how many validations took each path, and how many shapes are learned. */
  stats(): SchemaValidatorStats {
    return { fast: this.#fast, slow: this.#slow, shapes: this.#shapes };
  }

  /**
   * Validates `obj`, an object of the built-in kind `info` at `version`. Same contract and same
   * results as `validateBuiltinObject`, except that the returned object is `obj` itself (not a
   * copy) when nothing had to be pruned.
   */
  validate(obj: KubeObject, info: KindInfo, version: string): ValidationResult {
    let versions = this.#byInfo.get(info);
    if (versions === undefined) {
      versions = new Map();
      this.#byInfo.set(info, versions);
    }
    let ks = versions.get(version);
    if (ks === undefined) {
      const key = `${info.group}/${version}/${info.kind}`;
      ks = this.#kinds.get(key);
      if (ks === undefined) {
        const validator = generatedValidator(info.group, version, info.kind);
        ks = validator === undefined ? null : { validator, root: undefined };
        this.#kinds.set(key, ks);
      }
      versions.set(version, ks);
    }
    if (ks === null) return validateBuiltinObject(obj, info, version);
    if (ks.root !== undefined && cleanFast(ks.validator, obj as unknown as Readonly<Record<string, unknown>>, ks.root)) {
      this.#fast++;
      const raw = obj as unknown as Record<string, unknown>;
      const metaErrors = validateObjectMetaRules(raw, info.group, info.kind);
      const selectorErrors = validateWorkloadSelector(raw, info.group, info.kind);
      const errors = metaErrors.length + selectorErrors.length === 0 ? NO_ERRORS : dedupe([...metaErrors, ...selectorErrors]);
      return { object: obj, errors, unknownFields: NO_UNKNOWN_FIELDS };
    }
    this.#slow++;
    const result = validateBuiltinObject(obj, info, version);
    // Proxies may not misreport frozen properties, so the learning run reads a private copy.
    if (result.unknownFields.length === 0 && this.#shapes < SHAPES_MAX) this.#learn(ks, structuredClone(obj));
    return result;
  }

  /** Runs the validator through recording proxies and merges what it saw into the kind's shapes. */
  #learn(ks: KindShapes, obj: unknown): void {
    const observed: Observed = { read: new WeakMap(), enumerated: new WeakSet() };
    const proxies = new WeakMap<object, object>();
    const note = (target: object, key: string | symbol): void => {
      if (typeof key !== 'string' || Array.isArray(target)) return;
      let set = observed.read.get(target);
      if (set === undefined) observed.read.set(target, (set = new Set()));
      set.add(key);
    };
    const handler: ProxyHandler<object> = {
      get(target, key, receiver) {
        note(target, key);
        return wrap(Reflect.get(target, key, receiver));
      },
      has(target, key) {
        note(target, key);
        return Reflect.has(target, key);
      },
      ownKeys(target) {
        observed.enumerated.add(target);
        return Reflect.ownKeys(target);
      },
    };
    function wrap(v: unknown): unknown {
      if (v === null || typeof v !== 'object') return v;
      let p = proxies.get(v);
      if (p === undefined) proxies.set(v, (p = new Proxy(v, handler)));
      return p;
    }
    // Only a clean run shows every property the validator reads: it skips what a type error hides.
    if (ks.validator(wrap(obj)) !== null) return;
    ks.root = this.#merge(ks.root, obj, observed);
  }

  /** The shape `existing` becomes after also seeing `value`. */
  #merge(existing: Shape | undefined, value: unknown, observed: Observed): Shape | undefined {
    if (value === null || typeof value !== 'object') return existing;
    if (existing?.role === 'conflict') return existing;
    if (Array.isArray(value)) {
      // Arrays are containers of items; their own shape is a map keyed by ITEMS.
      let node = existing;
      if (node === undefined) {
        node = { role: 'map', children: new Map(), clean: undefined };
        this.#shapes++;
      } else if (node.role !== 'map') return CONFLICT;
      for (const item of value) {
        const child = this.#merge(node.children.get(ITEMS), item, observed);
        if (child !== undefined) node.children.set(ITEMS, child);
      }
      return node;
    }
    const read = observed.read.get(value);
    const enumerated = observed.enumerated.has(value);
    const role: 'struct' | 'map' | 'opaque' = enumerated ? 'map' : read !== undefined ? 'struct' : 'opaque';
    let node: LiveShape;
    if (existing === undefined) {
      node = role === 'struct' ? { role, keys: new Set(read), children: new Map(), order: NO_ORDER, clean: undefined } : { role, children: new Map(), clean: undefined };
      this.#shapes++;
    } else if (existing.role !== role || (existing.role === 'struct' && read !== undefined && !sameKeys(existing.keys, read))) {
      return CONFLICT;
    } else {
      node = existing;
    }
    const rec = value as Record<string, unknown>;
    for (const k in rec) {
      const childKey = node.role === 'struct' ? k : ANY;
      const child = this.#merge(node.children.get(childKey), rec[k], observed);
      if (child !== undefined) node.children.set(childKey, child);
    }
    return node;
  }
}

/** What the residual walk returns for a value that does not fit the learned shapes. */
const MISFIT: unique symbol = Symbol('misfit');
/** What the residual walk returns for a memoized array item or top-level field (left out). */
const DROP: unique symbol = Symbol('drop');

/**
 * Frozen values a fast check met and has not memoized yet, as (shape, value) pairs in the first
 * `metCount` slots: memoized once the check succeeds. Shared scratch space: a check runs to
 * completion before the next starts.
 */
const met: (LiveShape | object)[] = [];
let metCount = 0;

function meet(shape: LiveShape, value: object): void {
  met[metCount++] = shape;
  met[metCount++] = value;
}

/**
 * The fast check of a whole object: it fits the learned shapes and the generated validator finds
 * nothing in its residual (see the module comment); on success the frozen values met along the
 * way are memoized.
 */
function cleanFast(validator: GeneratedValidator, obj: Readonly<Record<string, unknown>>, root: Shape): boolean {
  metCount = 0;
  const clean = checkFast(validator, obj, root);
  if (metCount > 0) {
    if (clean) {
      for (let i = 0; i < metCount; i += 2) {
        const shape = met[i] as LiveShape;
        (shape.clean ??= new WeakSet()).add(met[i + 1] as object);
      }
    }
    // Hold no object past the check.
    met.length = 0;
    metCount = 0;
  }
  return clean;
}

function checkFast(validator: GeneratedValidator, obj: Readonly<Record<string, unknown>>, root: Shape): boolean {
  if (root.role !== 'struct') return false;
  let out: Record<string, unknown> | undefined;
  for (const k in obj) {
    if (!root.keys.has(k)) return false;
    const v = obj[k];
    if (v === null || typeof v !== 'object') {
      if (out !== undefined) out[k] = v;
      continue;
    }
    const child = root.children.get(k);
    if (child === undefined || child.role === 'conflict') return false;
    let r: unknown;
    if (MEMO_FIELDS.has(k) && !Array.isArray(v) && Object.isFrozen(v)) {
      if (child.clean?.has(v) === true) r = DROP;
      else {
        meet(child, v);
        r = residual(v, child, true);
      }
    } else {
      r = residual(v, child, false);
    }
    if (r === MISFIT) return false;
    if (r !== v && out === undefined) out = copyBefore(obj, k);
    if (out !== undefined && r !== DROP) out[k] = r;
  }
  return validator(out ?? obj) === null || (out !== undefined && validator(obj) === null);
}

/** A new object with the members of `src` that come before key `stop`. */
function copyBefore(src: Readonly<Record<string, unknown>>, stop: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k in src) {
    if (k === stop) break;
    out[k] = src[k];
  }
  return out;
}

/**
 * The residual of the object or array `value` at `shape`: `value` itself when nothing in it is
 * memoized, a copy with stand-ins for the memoized values, or `MISFIT` when it strays from the
 * learned shapes (a key its struct shape does not read, a shape path never seen, a conflict).
 * Frozen arrays and array items not memoized yet are met (see `met`), unless `inFrozen` (they sit
 * inside a frozen value met already).
 */
function residual(value: object, shape: Shape, inFrozen: boolean): unknown {
  if (shape.role === 'conflict') return MISFIT;
  if (!Array.isArray(value)) {
    return shape.role === 'struct' ? residualStruct(value as Readonly<Record<string, unknown>>, shape, inFrozen) : residualEntries(value as Readonly<Record<string, unknown>>, shape, inFrozen);
  }
  if (shape.role !== 'map') return MISFIT;
  let frozen = inFrozen;
  if (!inFrozen && Object.isFrozen(value)) {
    if (shape.clean?.has(value) === true) return NO_ITEMS;
    meet(shape, value);
    frozen = true;
  }
  return residualItems(value as readonly unknown[], shape, frozen);
}

function residualStruct(rec: Readonly<Record<string, unknown>>, shape: Extract<Shape, { role: 'struct' }>, inFrozen: boolean): unknown {
  const order = shape.order;
  // Position in `order` while the object's keys follow it; -1 once they depart from it.
  let at = 0;
  let out: Record<string, unknown> | undefined;
  for (const k in rec) {
    if (at >= 0 && order[at] === k) at++;
    else {
      if (!shape.keys.has(k)) return MISFIT;
      at = -1;
    }
    const v = rec[k];
    if (v === null || typeof v !== 'object') {
      if (out !== undefined) out[k] = v;
      continue;
    }
    const child = shape.children.get(k);
    if (child === undefined) return MISFIT;
    const r = residual(v, child, inFrozen);
    if (r === MISFIT) return MISFIT;
    if (r !== v && out === undefined) out = copyBefore(rec, k);
    if (out !== undefined) out[k] = r;
  }
  if (at < 0) shape.order = Object.keys(rec);
  return out ?? rec;
}

/** The entries of a free-form map or opaque object, all at the child shape `*`. */
function residualEntries(rec: Readonly<Record<string, unknown>>, shape: LiveShape, inFrozen: boolean): unknown {
  const child = shape.children.get(ANY);
  let out: Record<string, unknown> | undefined;
  for (const k in rec) {
    const v = rec[k];
    if (v === null || typeof v !== 'object') {
      if (out !== undefined) out[k] = v;
      continue;
    }
    if (child === undefined) return MISFIT;
    const r = residual(v, child, inFrozen);
    if (r === MISFIT) return MISFIT;
    if (r !== v && out === undefined) out = copyBefore(rec, k);
    if (out !== undefined) out[k] = r;
  }
  return out ?? rec;
}

/** The items of an array; frozen struct items are memoized (and dropped once known clean). */
function residualItems(arr: readonly unknown[], shape: LiveShape, inFrozen: boolean): unknown {
  if (arr.length === 0) return arr;
  const items = shape.children.get(ITEMS);
  let out: unknown[] | undefined;
  for (let i = 0; i < arr.length; i++) {
    const item = arr[i];
    let r: unknown = item;
    if (item !== null && typeof item === 'object') {
      if (items === undefined || items.role === 'conflict') return MISFIT;
      if (!inFrozen && items.role === 'struct' && Object.isFrozen(item)) {
        if (items.clean?.has(item) === true) r = DROP;
        else {
          meet(items, item);
          r = residual(item, items, true);
        }
      } else {
        r = residual(item, items, inFrozen);
      }
      if (r === MISFIT) return MISFIT;
    }
    if (r !== item && out === undefined) out = arr.slice(0, i);
    if (out !== undefined && r !== DROP) out.push(r);
  }
  return out ?? arr;
}

/** Drops repeated field errors (same field and message), as `validateBuiltinObject` does. */
function dedupe(errs: readonly FieldError[]): FieldError[] {
  if (errs.length < 2) return [...errs];
  const seen = new Set<string>();
  const out: FieldError[] = [];
  for (const e of errs) {
    const k = `${e.field}\u0000${e.message}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(e);
  }
  return out;
}
