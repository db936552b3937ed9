/**
 * Schema validation of built-in kinds.
 *
 * The schemas are not written here: each built-in kind is checked by the validator that
 * `kubernetes-models` generated from the upstream OpenAPI definitions (types, required fields,
 * enums, formats such as int32 and quantity, int-or-string unions). On top of that this module adds
 * what those validators leave out and a user hits first:
 *
 * - unknown fields (kubectl's default strict field validation: `unknown field "spec.replica"`),
 *   found by watching which properties the generated validator reads (see `runGenerated`);
 * - quantities that do not parse (the generated check is a looser regular expression);
 * - `metadata.name` (required, DNS-1123 subdomain, label or path-segment depending on the kind) and
 *   `metadata.namespace`;
 * - apps/v1 workloads whose selector does not match their pod template's labels.
 *
 * Built-in defaulting (e.g. a Deployment's `replicas: 1`) is not done here.
 */
import { createRequire } from 'node:module';
import type { KubeObject } from './types.js';
import type { KindInfo } from './kinds.js';
import { isDNS1123Label, isDNS1123Subdomain, tryLabelSelectorAsSelector } from './labels.js';
import { parseQuantity, parseQuantityCached, QuantityParseError } from './quantity.js';
import {
  invalidError,
  requiredError,
  unknownField,
  type FieldError,
  type PathSegment,
  type UnknownField,
} from './validation-errors.js';
import { convertSchemaErrors, type SchemaErrorObject } from './validation-schema-errors.js';

/**
 * What to do with fields the schema does not know, as the API server's `fieldValidation` parameter:
 * `Strict` makes them errors (kubectl's default), `Warn` warnings, `Ignore` drops them silently. In
 * every mode they are absent from the validated object (upstream prunes them).
 */
export type FieldValidationMode = 'Strict' | 'Warn' | 'Ignore';

/** Options of a validation call. */
export interface ValidateOptions {
  /** The stored object being replaced (updates): enables CEL transition rules that use `oldSelf`. */
  readonly oldObj?: KubeObject | undefined;
}

/** Outcome of validating one object. */
export interface ValidationResult {
  /** A new object: the input with unknown fields pruned and (for custom resources) defaults applied. */
  readonly object: KubeObject;
  /** Field errors; empty when the object is valid. */
  readonly errors: readonly FieldError[];
  /**
   * Fields the schema does not declare, pruned from `object`. Whether they are an error is the
   * caller's choice ({@link FieldValidationMode}); see `strictDecodingMessage`.
   */
  readonly unknownFields: readonly UnknownField[];
}

// ---------------------------------------------------------------------------------------------------
// The generated validators
// ---------------------------------------------------------------------------------------------------

/**
 * The generated validators are loaded through `require` so that validation stays synchronous and
 * each kind's (large) validator is only loaded when an object of that kind is first seen.
 */
const requireHere = createRequire(import.meta.url);
const requireFromModels = createRequire(requireHere.resolve('kubernetes-models'));

/** A precompiled validator: the errors, or `null` when the value is valid. */
export type GeneratedValidator = (data: unknown) => readonly SchemaErrorObject[] | null;

interface ModelClass {
  readonly prototype: { validate(this: unknown): void };
}

/** Whether `s` parses as a Kubernetes quantity (apimachinery `ParseQuantity`). */
export function isQuantityString(s: string): boolean {
  try {
    parseQuantityCached(s);
    return true;
  } catch (err) {
    if (err instanceof QuantityParseError) return false;
    throw err;
  }
}

let formatsPatched = false;

/** Bound on the memoized `date-time` checks; the memo starts over when full. */
const DATE_TIME_MEMO_MAX = 4096;

/**
 * The generated validators read their format table at every check, so two entries are replaced
 * once, before any validator runs:
 *
 * - `quantity`: the generated regular expression accepts suffixes Kubernetes rejects (`1h`, `5d`,
 *   `1Y`) and rejects a few corner cases it accepts, so kubeprop's parser (the one the scheduler
 *   uses) decides instead; the resulting error then carries the field's exact path like any other
 *   format error;
 * - `date-time`: the same check, memoized. Timestamps repeat across a cluster's objects (every
 *   write within a second stamps the same text), and the check (a split and two regular
 *   expressions) is a pure function of the string, so a repeated string gets the remembered answer.
 */
function patchFormats(): void {
  if (formatsPatched) return;
  formatsPatched = true;
  const mod = requireFromModels('@kubernetes-models/validate') as {
    formats: Record<string, { validate: unknown }>;
  };
  const quantity = mod.formats['quantity'];
  if (quantity !== undefined) quantity.validate = { test: (s: string) => isQuantityString(s) };
  const dateTime = mod.formats['date-time'];
  if (dateTime !== undefined && typeof dateTime.validate === 'function') {
    const check = dateTime.validate as (s: string) => boolean;
    const memo = new Map<string, boolean>();
    dateTime.validate = (s: string): boolean => {
      let ok = memo.get(s);
      if (ok === undefined) {
        ok = check(s);
        if (memo.size >= DATE_TIME_MEMO_MAX) memo.clear();
        memo.set(s, ok);
      }
      return ok;
    };
  }
}

const validatorCache = new Map<string, GeneratedValidator | null>();

/** The module path of a kind's model class: `kubernetes-models/apps/v1/Deployment`. */
function modelSpecifier(group: string, version: string, kind: string): string {
  return group === '' ? `kubernetes-models/${version}/${kind}` : `kubernetes-models/${group}/${version}/${kind}`;
}

/** The generated validator of a built-in kind, or `undefined` when `kubernetes-models` has none. */
export function generatedValidator(group: string, version: string, kind: string): GeneratedValidator | undefined {
  const key = `${group}/${version}/${kind}`;
  const cached = validatorCache.get(key);
  if (cached !== undefined) return cached ?? undefined;
  patchFormats();
  let validator: GeneratedValidator | null = null;
  try {
    const mod = requireHere(modelSpecifier(group, version, kind)) as Record<string, ModelClass | undefined>;
    const cls = mod[kind];
    if (cls !== undefined) {
      const validate = cls.prototype.validate;
      // The model's validate() runs the generated function on `this` and throws an error carrying
      // ajv's error objects; that is the package's public way to reach the generated function.
      validator = (data: unknown) => {
        try {
          validate.call(data);
          return null;
        } catch (err) {
          const errors = (err as { errors?: unknown }).errors;
          if (Array.isArray(errors)) return errors as SchemaErrorObject[];
          throw err;
        }
      };
    }
  } catch {
    validator = null;
  }
  validatorCache.set(key, validator);
  return validator ?? undefined;
}

/** Validates ObjectMeta (of custom resources and embedded resources) with the generated validator. */
export function validateObjectMetaSchema(meta: unknown, basePath: readonly PathSegment[]): { errors: FieldError[]; unknown: PathSegment[][] } {
  const validator = objectMetaValidator();
  const { errors, unknown } = runGenerated(validator, meta);
  return {
    errors: convertSchemaErrors(errors, meta, basePath),
    unknown: unknown.map((p) => [...basePath, ...p]),
  };
}

let objectMetaValidatorCache: GeneratedValidator | undefined;

function objectMetaValidator(): GeneratedValidator {
  if (objectMetaValidatorCache !== undefined) return objectMetaValidatorCache;
  patchFormats();
  const mod = requireFromModels('@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta') as Record<string, ModelClass>;
  const cls = mod['ObjectMeta'];
  if (cls === undefined) throw new Error('kubernetes-models has no ObjectMeta model');
  const validate = cls.prototype.validate;
  objectMetaValidatorCache = (data: unknown) => {
    try {
      validate.call(data);
      return null;
    } catch (err) {
      const errors = (err as { errors?: unknown }).errors;
      if (Array.isArray(errors)) return errors as SchemaErrorObject[];
      throw err;
    }
  };
  return objectMetaValidatorCache;
}

// ---------------------------------------------------------------------------------------------------
// Unknown fields
// ---------------------------------------------------------------------------------------------------

/**
 * The `kubernetes-models` generator strips documentation and extension keys from the upstream
 * OpenAPI schemas, and with them the properties that happen to be *named* `description` or
 * `x-kubernetes-*`: its validators never read them although the API declares them (its `.d.ts` files
 * list them). They are the only such names (a spec checks this against the installed package), and
 * they belong to four types, recognised here by a property their validator does read.
 */
const GENERATOR_DROPPED: readonly { readonly isType: (read: ReadonlySet<string>) => boolean; readonly names: RegExp }[] = [
  // apiextensions.k8s.io JSONSchemaProps.
  { isType: (r) => r.has('$ref') && r.has('$schema'), names: /^(?:description|x-kubernetes-.*)$/ },
  // apiextensions.k8s.io CustomResourceColumnDefinition.
  { isType: (r) => r.has('jsonPath') && r.has('priority'), names: /^description$/ },
  // apiextensions.k8s.io ExternalDocumentation.
  { isType: (r) => r.size === 1 && r.has('url'), names: /^description$/ },
  // scheduling.k8s.io PriorityClass.
  { isType: (r) => r.has('globalDefault') && r.has('preemptionPolicy'), names: /^description$/ },
];

function droppedByGenerator(read: ReadonlySet<string>, key: string): boolean {
  return GENERATOR_DROPPED.some((d) => d.names.test(key) && d.isType(read));
}

/**
 * Runs a generated validator while recording, for every object it visits, which property names it
 * reads. A generated validator reads each declared property of an object it checks (`data.replicas`)
 * and enumerates the keys of free-form maps (`labels`, `resources.limits`); so a key of a checked
 * object that was neither read nor enumerated is not declared by the schema: an unknown field.
 * Objects the validator never looks into (raw extensions, free-form JSON) are not judged.
 */
function runGenerated(
  validator: GeneratedValidator,
  data: unknown,
): { errors: readonly SchemaErrorObject[]; unknown: PathSegment[][] } {
  const read = new WeakMap<object, Set<string>>();
  const enumerated = new WeakSet<object>();
  const proxies = new WeakMap<object, object>();
  const handler: ProxyHandler<object> = {
    get(target, key, receiver) {
      if (typeof key === 'string' && !Array.isArray(target)) {
        let set = read.get(target);
        if (set === undefined) read.set(target, (set = new Set()));
        set.add(key);
      }
      return wrap(Reflect.get(target, key, receiver));
    },
    has(target, key) {
      if (typeof key === 'string' && !Array.isArray(target)) {
        let set = read.get(target);
        if (set === undefined) read.set(target, (set = new Set()));
        set.add(key);
      }
      return Reflect.has(target, key);
    },
    ownKeys(target) {
      enumerated.add(target);
      return Reflect.ownKeys(target);
    },
  };
  function wrap(v: unknown): unknown {
    if (v === null || typeof v !== 'object') return v;
    let p = proxies.get(v);
    if (p === undefined) proxies.set(v, (p = new Proxy(v, handler)));
    return p;
  }
  const errors = validator(wrap(data)) ?? [];

  const unknown: PathSegment[][] = [];
  const visit = (v: unknown, path: PathSegment[]): void => {
    if (v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) {
      v.forEach((item, i) => visit(item, [...path, i]));
      return;
    }
    const keys = read.get(v);
    const judge = keys !== undefined && !enumerated.has(v);
    for (const [k, child] of Object.entries(v)) {
      if (judge && !keys.has(k) && !droppedByGenerator(keys, k)) {
        unknown.push([...path, k]);
        continue;
      }
      visit(child, [...path, k]);
    }
  };
  visit(data, []);
  return { errors, unknown };
}

/** A deep copy of JSON-like data. */
export function cloneJson<T>(v: T): T {
  return structuredClone(v);
}

/** Removes the fields at `paths` from `root` (a private copy). */
export function deletePaths(root: unknown, paths: readonly (readonly PathSegment[])[]): void {
  for (const p of paths) {
    let cur: unknown = root;
    for (let i = 0; i < p.length - 1; i++) {
      if (cur === null || typeof cur !== 'object') break;
      cur = (cur as Record<string | number, unknown>)[p[i] as string | number];
    }
    const last = p[p.length - 1];
    if (cur !== null && typeof cur === 'object' && !Array.isArray(cur) && last !== undefined) {
      delete (cur as Record<string, unknown>)[String(last)];
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Object-level rules
// ---------------------------------------------------------------------------------------------------

const DNS1035_LABEL_FMT = '[a-z]([-a-z0-9]*[a-z0-9])?';
const DNS1035_LABEL = new RegExp(`^${DNS1035_LABEL_FMT}$`);

/** apimachinery `IsDNS1035Label`: service names. */
function isDNS1035Label(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push('must be no more than 63 bytes');
  if (!DNS1035_LABEL.test(value)) {
    errs.push(
      "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '" +
        DNS1035_LABEL_FMT +
        "')",
    );
  }
  return errs;
}

/** apimachinery `path.IsValidPathSegmentName`: RBAC object names (`system:controller:foo` is fine). */
function isValidPathSegmentName(value: string): string[] {
  if (value === '.' || value === '..') return [`may not be '${value}'`];
  const errs: string[] = [];
  for (const illegal of ['/', '%']) {
    if (value.includes(illegal)) errs.push(`may not contain '${illegal}'`);
  }
  return errs;
}

/** The name rule upstream applies to a kind (each kind's `Validate<Kind>Name`). */
export function nameValidatorFor(group: string, kind: string): (name: string) => string[] {
  if (group === '' && kind === 'Namespace') return isDNS1123Label;
  if (group === '' && kind === 'Service') return isDNS1035Label;
  if (group === 'rbac.authorization.k8s.io') return isValidPathSegmentName;
  return isDNS1123Subdomain;
}

/** Upstream `ValidateObjectMeta` name/namespace checks (the parts a manifest author hits). */
export function validateObjectMetaRules(obj: Record<string, unknown>, group: string, kind: string): FieldError[] {
  const errs: FieldError[] = [];
  const meta = obj['metadata'];
  if (meta === undefined || meta === null) {
    errs.push(requiredError(['metadata', 'name'], 'name or generateName is required'));
    return errs;
  }
  if (typeof meta !== 'object' || Array.isArray(meta)) return errs;
  const m = meta as Record<string, unknown>;
  const name = m['name'];
  const generateName = m['generateName'];
  if (name === undefined || name === null || name === '') {
    if (typeof generateName !== 'string' || generateName === '') {
      errs.push(requiredError(['metadata', 'name'], 'name or generateName is required'));
    }
  } else if (typeof name === 'string') {
    for (const msg of nameValidatorFor(group, kind)(name)) errs.push(invalidError(['metadata', 'name'], name, msg));
  }
  const ns = m['namespace'];
  if (typeof ns === 'string' && ns !== '') {
    for (const msg of isDNS1123Label(ns)) errs.push(invalidError(['metadata', 'namespace'], ns, msg));
  }
  return errs;
}

const APPS_WORKLOADS = new Set(['Deployment', 'ReplicaSet', 'DaemonSet', 'StatefulSet']);

/**
 * apps/v1 workloads: the selector must be non-empty and must match the pod template's labels
 * (upstream `ValidateDeploymentSpec` and friends, `ValidatePodTemplateSpecForReplicaSet`).
 */
export function validateWorkloadSelector(obj: Record<string, unknown>, group: string, kind: string): FieldError[] {
  if (group !== 'apps' || !APPS_WORKLOADS.has(kind)) return [];
  const spec = obj['spec'];
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) return [];
  const s = spec as Record<string, unknown>;
  const selector = s['selector'];
  // A missing selector is already reported by the schema as a required field.
  if (selector === null || typeof selector !== 'object' || Array.isArray(selector)) return [];
  const sel = selector as { matchLabels?: unknown; matchExpressions?: unknown };
  const errs: FieldError[] = [];
  const nLabels = sel.matchLabels !== null && typeof sel.matchLabels === 'object' ? Object.keys(sel.matchLabels).length : 0;
  const nExprs = Array.isArray(sel.matchExpressions) ? sel.matchExpressions.length : 0;
  if (nLabels + nExprs === 0) {
    errs.push(invalidError(['spec', 'selector'], selector, `empty selector is invalid for ${kind.toLowerCase()}`));
    return errs;
  }
  const parsed = tryLabelSelectorAsSelector(selector as Parameters<typeof tryLabelSelectorAsSelector>[0]);
  if (!parsed.ok) {
    errs.push(invalidError(['spec', 'selector'], selector, 'invalid label selector'));
    return errs;
  }
  const template = s['template'];
  const tmeta = template !== null && typeof template === 'object' ? (template as Record<string, unknown>)['metadata'] : undefined;
  const rawLabels = tmeta !== null && typeof tmeta === 'object' ? (tmeta as Record<string, unknown>)['labels'] : undefined;
  const labels = rawLabels !== null && typeof rawLabels === 'object' && !Array.isArray(rawLabels) ? (rawLabels as Record<string, string>) : undefined;
  if (!parsed.selector.isEmpty() && !parsed.selector.matches(labels ?? {})) {
    errs.push(
      invalidError(['spec', 'template', 'metadata', 'labels'], labels ?? null, '`selector` does not match template `labels`', 'labels matched by spec.selector'),
    );
  }
  return errs;
}

// ---------------------------------------------------------------------------------------------------
// Entry point for built-in kinds
// ---------------------------------------------------------------------------------------------------

/**
 * Validates an object of a built-in kind (its `apiVersion` must be one of `info.versions`).
 * Never mutates `obj`; returns a pruned copy. Objects whose version `kubernetes-models` does not
 * model get only the object-level checks.
 */
export function validateBuiltinObject(obj: KubeObject, info: KindInfo, version: string): ValidationResult {
  const errors: FieldError[] = [];
  const copy = cloneJson(obj);
  let unknown: PathSegment[][] = [];
  const validator = generatedValidator(info.group, version, info.kind);
  if (validator !== undefined) {
    const run = runGenerated(validator, copy);
    errors.push(...convertSchemaErrors(run.errors, copy));
    unknown = run.unknown;
    deletePaths(copy, unknown);
  }
  const raw = copy as unknown as Record<string, unknown>;
  errors.push(...validateObjectMetaRules(raw, info.group, info.kind));
  errors.push(...validateWorkloadSelector(raw, info.group, info.kind));
  return { object: copy, errors: dedupe(errors), unknownFields: unknown.map(unknownField) };
}

function dedupe(errs: readonly FieldError[]): FieldError[] {
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
