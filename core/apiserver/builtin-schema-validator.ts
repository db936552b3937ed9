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
 */
import type { KindInfo } from '../api/kinds.js';
import type { KubeObject } from '../api/types.js';
import { generatedValidator, validateBuiltinObject, validateObjectMetaRules, validateWorkloadSelector, type GeneratedValidator, type ValidationResult } from '../api/validation.js';
import type { FieldError } from '../api/validation-errors.js';

/** What the validator does with the object found at one shape path. */
type Shape =
  /** Checked as a struct: it reads exactly these property names. */
  | { readonly role: 'struct'; readonly keys: ReadonlySet<string>; readonly children: Map<string, Shape> }
  /** Enumerated as a free-form map: any key is fine; values share the child shape `*`. */
  | { readonly role: 'map'; readonly children: Map<string, Shape> }
  /** Never looked into (raw JSON): any key is fine; children keyed `*`. */
  | { readonly role: 'opaque'; readonly children: Map<string, Shape> }
  /** Seen in two roles or with two key sets: always take the slow path. */
  | { readonly role: 'conflict' };

/** An array's items share one shape, kept under this key. */
const ITEMS = '[]';
const ANY = '*';
const CONFLICT: Shape = Object.freeze({ role: 'conflict' });
/** Bound on learned shapes across all kinds (each is a small object). */
const SHAPES_MAX = 200_000;

interface KindShapes {
  readonly validator: GeneratedValidator;
  root: Shape | undefined;
  /**
   * Frozen `spec` and `status` values known to validate clean in this kind. Nothing in the
   * built-in schemas relates a top-level field to its siblings (only `required`, which a present
   * value satisfies), so such a value need not be checked again wherever it reappears: in the
   * pods a controller stamps out from one frozen template, or in the stored spec an update or a
   * status write carries back.
   */
  readonly clean: WeakSet<object>;
}

/** The top-level fields whose frozen values are memoized as clean. */
const MEMO_FIELDS = ['spec', 'status'] as const;

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
    const key = `${info.group}/${version}/${info.kind}`;
    let ks = this.#kinds.get(key);
    if (ks === undefined) {
      const validator = generatedValidator(info.group, version, info.kind);
      ks = validator === undefined ? null : { validator, root: undefined, clean: new WeakSet() };
      this.#kinds.set(key, ks);
    }
    if (ks === null) return validateBuiltinObject(obj, info, version);
    if (ks.root !== undefined && cleanFast(ks, obj as unknown as Readonly<Record<string, unknown>>, ks.root)) {
      this.#fast++;
      const raw = obj as unknown as Record<string, unknown>;
      const errors = dedupe([...validateObjectMetaRules(raw, info.group, info.kind), ...validateWorkloadSelector(raw, info.group, info.kind)]);
      return { object: obj, errors, unknownFields: [] };
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
        node = { role: 'map', children: new Map() };
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
    let node: Exclude<Shape, { role: 'conflict' }>;
    if (existing === undefined) {
      node = role === 'struct' ? { role, keys: new Set(read), children: new Map() } : { role, children: new Map() };
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

/**
 * The fast check of a whole object: the generated validator finds nothing and the object fits the
 * learned shapes, skipping top-level values memoized as clean (and memoizing new frozen ones).
 */
function cleanFast(ks: KindShapes, obj: Readonly<Record<string, unknown>>, root: Shape): boolean {
  const spec = obj.spec;
  const status = obj.status;
  const skipSpec = typeof spec === 'object' && spec !== null && ks.clean.has(spec);
  const skipStatus = typeof status === 'object' && status !== null && ks.clean.has(status);
  let checked = obj;
  if (skipSpec || skipStatus) {
    // Built key by key: deleting properties would turn the copy into a slow dictionary object.
    const rest: Record<string, unknown> = {};
    for (const k in obj) if (!((skipSpec && k === 'spec') || (skipStatus && k === 'status'))) rest[k] = obj[k];
    checked = rest;
  }
  if (ks.validator(checked) !== null || !fits(checked, root)) return false;
  for (const field of MEMO_FIELDS) {
    const v = obj[field];
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.isFrozen(v)) ks.clean.add(v);
  }
  return true;
}

/** Whether `value` stays within learned shapes and declares no key its struct shapes do not read. */
function fits(value: unknown, shape: Shape): boolean {
  if (value === null || typeof value !== 'object') return true;
  if (shape.role === 'conflict') return false;
  if (Array.isArray(value)) {
    if (shape.role !== 'map') return false;
    if (value.length === 0) return true;
    const items = shape.children.get(ITEMS);
    for (const item of value) {
      if (item === null || typeof item !== 'object') continue;
      if (items === undefined || !fits(item, items)) return false;
    }
    return true;
  }
  const rec = value as Record<string, unknown>;
  if (shape.role === 'struct') {
    for (const k in rec) {
      if (!shape.keys.has(k)) return false;
      const v = rec[k];
      if (v === null || typeof v !== 'object') continue;
      const child = shape.children.get(k);
      if (child === undefined || !fits(v, child)) return false;
    }
    return true;
  }
  const child = shape.children.get(ANY);
  for (const k in rec) {
    const v = rec[k];
    if (v === null || typeof v !== 'object') continue;
    if (child === undefined || !fits(v, child)) return false;
  }
  return true;
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
