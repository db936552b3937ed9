/**
 * CustomResourceDefinition structural schemas: compiling `openAPIV3Schema` for validation, pruning
 * and defaulting of custom resources.
 *
 * Mirrors apiextensions-apiserver `pkg/apiserver/schema/` (pruning, defaulting, `objectmeta`,
 * `listtype`, `cel`) with these steps per object, in upstream's order:
 *
 * 1. prune unknown fields (recording them: kubectl's strict field validation reports them) and drop
 *    `null` from non-nullable fields (`PruneNonNullableNullsWithoutDefaults`);
 * 2. apply defaults, including inside arrays, and validate types, enums, patterns, bounds and formats
 *    (ajv, on a schema translated from the structural schema);
 * 3. validate `metadata` (of the resource and of embedded resources) as ObjectMeta;
 * 4. check `x-kubernetes-list-type` set/map uniqueness;
 * 5. unless a blocking error was found, evaluate `x-kubernetes-validations` CEL rules.
 *
 * The input object is never mutated; the result holds a pruned and defaulted copy.
 */
import Ajv from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { isIPv4, isIPv6 } from 'node:net';
import type { CustomResourceDefinition, JSONSchemaProps, KubeObject } from './types.js';
import type { KindInfo } from './kinds.js';
import {
  duplicateError,
  invalidError,
  isBlockingError,
  notSupportedError,
  OMIT_VALUE,
  requiredError,
  unknownField,
  type FieldError,
  type PathSegment,
} from './validation-errors.js';
import { convertSchemaErrors } from './validation-schema-errors.js';
import { CelValueCache, compileRule, evaluateRules, type CompiledRule, type ValidationRuleSpec } from './crd-cel.js';
import { cloneJson, deletePaths, validateObjectMetaSchema, type ValidateOptions, type ValidationResult } from './validation.js';

type Schema = JSONSchemaProps;
type AjvSchema = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------------
// Formats
// ---------------------------------------------------------------------------------------------------

/**
 * String formats the API server checks in CRD schemas (kube-openapi `strfmt` registry). Formats not
 * listed here are ignored, as upstream ignores unknown formats; numeric formats (int32, int64,
 * float, double) are not checked for custom resources.
 */
const STRING_FORMATS: Record<string, (s: string) => boolean> = {
  byte: (s) => /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s),
  'date-time': (s) => /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:?\d{2})?$/.test(s),
  datetime: (s) => /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:?\d{2})?$/.test(s),
  date: (s) => /^\d{4}-\d{2}-\d{2}$/.test(s),
  ipv4: (s) => isIPv4(s),
  ipv6: (s) => isIPv6(s),
  cidr: (s) => {
    const slash = s.lastIndexOf('/');
    if (slash < 0) return false;
    const ip = s.slice(0, slash);
    const bits = s.slice(slash + 1);
    if (!/^[0-9]{1,3}$/.test(bits)) return false;
    const n = Number(bits);
    return (isIPv4(ip) && n <= 32) || (isIPv6(ip) && n <= 128);
  },
  mac: (s) => /^(?:[0-9A-Fa-f]{2}[:-]){5}(?:[0-9A-Fa-f]{2})$|^(?:[0-9A-Fa-f]{2}[:-]){7}(?:[0-9A-Fa-f]{2})$|^(?:[0-9A-Fa-f]{4}\.){2}[0-9A-Fa-f]{4}$/.test(s),
  uuid: (s) => /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/.test(s),
  uuid3: (s) => /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?3[0-9a-fA-F]{3}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/.test(s),
  uuid4: (s) => /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?4[0-9a-fA-F]{3}-?[89abAB][0-9a-fA-F]{3}-?[0-9a-fA-F]{12}$/.test(s),
  uuid5: (s) => /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?5[0-9a-fA-F]{3}-?[89abAB][0-9a-fA-F]{3}-?[0-9a-fA-F]{12}$/.test(s),
  hostname: (s) => s.length <= 255 && /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/.test(s),
  email: (s) => /^[^@\s]+@[^@\s]+$/.test(s),
  // Go's url.ParseRequestURI: an absolute URI or an absolute path.
  uri: (s) => /^(?:[A-Za-z][A-Za-z0-9+.-]*:|\/)\S*$/.test(s),
  // Go durations (`1h30m`, `500ms`), plus the day/week units kube-openapi also accepts.
  duration: (s) => /^[+-]?(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*(?:ns|us|µs|ms|s|m|h|d|w))+$/.test(s),
  bsonobjectid: (s) => /^[0-9a-fA-F]{24}$/.test(s),
  hexcolor: (s) => /^#(?:[0-9a-fA-F]{3}){1,2}$/.test(s),
  rgbcolor: (s) => /^rgb\(\s*\d{1,3}\s*,\s*\d{1,3}\s*,\s*\d{1,3}\s*\)$/.test(s),
  password: () => true,
};

function newAjv(): Ajv {
  const formats: Record<string, { type: 'string'; validate: (s: string) => boolean }> = {};
  for (const [name, fn] of Object.entries(STRING_FORMATS)) formats[name] = { type: 'string', validate: fn };
  return new Ajv({
    allErrors: true,
    useDefaults: true,
    // Never 'all': that would also empty free-form maps such as matchLabels.
    removeAdditional: true,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    formats,
    logger: false,
    // The schemas come from users: keep compiled code small and do not cache by schema identity.
    addUsedSchema: false,
  });
}

// ---------------------------------------------------------------------------------------------------
// Schema translation
// ---------------------------------------------------------------------------------------------------

const VALUE_KEYWORDS = [
  'enum',
  'maximum',
  'minimum',
  'maxLength',
  'minLength',
  'maxItems',
  'minItems',
  'uniqueItems',
  'multipleOf',
  'maxProperties',
  'minProperties',
  'required',
] as const;

interface TranslateContext {
  /** Problems found while translating (unsupported patterns), with their schema path. */
  readonly problems: { path: PathSegment[]; value: unknown; detail: string }[];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Whether unknown keys of an object at this node are pruned (upstream `pruning/algorithm.go`). */
function prunesUnknown(s: Schema): boolean {
  if (s['x-kubernetes-preserve-unknown-fields'] === true) return false;
  return s.additionalProperties === undefined || s.additionalProperties === false;
}

/**
 * Translates one structural schema node into a JSON Schema ajv accepts: Kubernetes extensions
 * become plain keywords (int-or-string → anyOf integer/string, embedded resource → apiVersion, kind
 * and metadata properties), draft-04 boolean exclusive bounds become numeric, objects that prune
 * get `additionalProperties: false`, and unknown formats and non-validating keywords are dropped.
 */
function translate(s: Schema, path: PathSegment[], ctx: TranslateContext, mode: 'node' | 'root' | 'branch'): AjvSchema {
  const out: AjvSchema = {};
  const intOrString = s['x-kubernetes-int-or-string'] === true;
  if (typeof s.type === 'string' && s.type !== '' && !intOrString) out['type'] = s.type;
  if (s.nullable === true && out['type'] !== undefined) out['nullable'] = true;
  if (typeof s.format === 'string' && s.format in STRING_FORMATS && (s.type === 'string' || s.type === undefined)) {
    out['format'] = s.format;
  }
  for (const k of VALUE_KEYWORDS) {
    const v = (s as Record<string, unknown>)[k];
    if (v !== undefined && !(k === 'required' && Array.isArray(v) && v.length === 0)) out[k] = v;
  }
  if (typeof s.pattern === 'string') {
    try {
      new RegExp(s.pattern, 'u');
      out['pattern'] = s.pattern;
    } catch (err) {
      ctx.problems.push({
        path: [...path, 'pattern'],
        value: s.pattern,
        detail: `pattern is not supported by kubeprop and was ignored: ${(err as Error).message}`,
      });
    }
  }
  // OpenAPI 3.0 / draft-04 boolean exclusive bounds.
  if (s.exclusiveMaximum === true && typeof s.maximum === 'number') {
    out['exclusiveMaximum'] = s.maximum;
    delete out['maximum'];
  }
  if (s.exclusiveMinimum === true && typeof s.minimum === 'number') {
    out['exclusiveMinimum'] = s.minimum;
    delete out['minimum'];
  }
  if (mode === 'node' && s.default !== undefined) out['default'] = s.default;

  const childMode = mode === 'branch' ? 'branch' : 'node';
  const props: Record<string, AjvSchema> = {};
  let hasProps = false;
  if (isObject(s.properties)) {
    for (const [k, sub] of Object.entries(s.properties)) {
      props[k] = translate(sub, [...path, 'properties', k], ctx, childMode);
      hasProps = true;
    }
  }
  if (mode === 'root' || s['x-kubernetes-embedded-resource'] === true) {
    // apiVersion and kind are never pruned; metadata is checked as ObjectMeta separately.
    props['apiVersion'] = { type: 'string' };
    props['kind'] = { type: 'string' };
    props['metadata'] = { type: 'object' };
    hasProps = true;
    if (mode !== 'root') {
      const req = new Set(Array.isArray(out['required']) ? (out['required'] as string[]) : []);
      req.add('apiVersion');
      req.add('kind');
      out['required'] = [...req];
    }
  }
  if (hasProps) out['properties'] = props;
  if (isObject(s.additionalProperties)) {
    out['additionalProperties'] = translate(s.additionalProperties as Schema, [...path, 'additionalProperties'], ctx, childMode);
  } else if (s.additionalProperties === true) {
    out['additionalProperties'] = true;
  } else if (mode !== 'branch' && prunesUnknown(s) && (hasProps || s.type === 'object')) {
    out['additionalProperties'] = false;
  }
  if (isObject(s.items)) out['items'] = translate(s.items as Schema, [...path, 'items'], ctx, childMode);

  for (const comb of ['allOf', 'anyOf', 'oneOf'] as const) {
    const list = s[comb];
    if (Array.isArray(list) && list.length > 0) {
      out[comb] = list.map((b, i) => translate(b, [...path, comb, i], ctx, 'branch'));
    }
  }
  if (isObject(s.not)) out['not'] = translate(s.not as Schema, [...path, 'not'], ctx, 'branch');
  if (intOrString) {
    const typed = { anyOf: [{ type: 'integer' }, { type: 'string' }] };
    if (out['anyOf'] === undefined) out['anyOf'] = typed.anyOf;
    else out['allOf'] = [...((out['allOf'] as AjvSchema[] | undefined) ?? []), typed];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Compiled versions
// ---------------------------------------------------------------------------------------------------

/** One served version of a registered CRD, compiled. */
export interface CompiledCrdVersion {
  readonly name: string;
  readonly storage: boolean;
  /** The structural schema as written in the CRD (`undefined`: no schema, everything is kept). */
  readonly schema: Schema | undefined;
  readonly validate: ValidateFunction | undefined;
  /** CEL rules per schema node. */
  readonly rules: ReadonlyMap<Schema, readonly CompiledRule[]>;
}

/** A CRD ready to validate its custom resources. */
export interface CompiledCrd {
  readonly name: string;
  readonly info: KindInfo;
  /** Served versions by name. */
  readonly versions: ReadonlyMap<string, CompiledCrdVersion>;
}

/** Outcome of compiling a CRD: the compiled CRD (when its names are usable) and the problems found. */
export interface CrdCompileResult {
  readonly crd: CompiledCrd | undefined;
  readonly errors: readonly FieldError[];
}

function collectRules(
  s: Schema,
  path: PathSegment[],
  rules: Map<Schema, CompiledRule[]>,
  errors: FieldError[],
  basePath: readonly PathSegment[],
): void {
  const specs = s['x-kubernetes-validations'];
  if (Array.isArray(specs)) {
    const compiled: CompiledRule[] = [];
    specs.forEach((raw: unknown, i: number) => {
      if (!isObject(raw) || typeof raw['rule'] !== 'string') return;
      const spec = raw as unknown as ValidationRuleSpec;
      const res = compileRule(spec);
      if (res.ok) compiled.push(res.rule);
      else {
        const fieldValue = res.field === 'rule' ? spec.rule : res.field === 'messageExpression' ? spec.messageExpression : spec.fieldPath;
        errors.push(invalidError([...basePath, ...path, 'x-kubernetes-validations', i, res.field], fieldValue, res.error));
      }
    });
    if (compiled.length > 0) rules.set(s, compiled);
  }
  if (isObject(s.properties)) {
    for (const [k, sub] of Object.entries(s.properties)) collectRules(sub, [...path, 'properties', k], rules, errors, basePath);
  }
  if (isObject(s.additionalProperties)) {
    collectRules(s.additionalProperties as Schema, [...path, 'additionalProperties'], rules, errors, basePath);
  }
  if (isObject(s.items)) collectRules(s.items as Schema, [...path, 'items'], rules, errors, basePath);
  if (Array.isArray(s.allOf)) s.allOf.forEach((b, i) => collectRules(b, [...path, 'allOf', i], rules, errors, basePath));
}

const SCOPES = ['Cluster', 'Namespaced'];

/**
 * Compiles a CustomResourceDefinition (apiextensions.k8s.io/v1): checks the fields registration
 * depends on (upstream `ValidateCustomResourceDefinition`, in part), builds the {@link KindInfo},
 * and compiles each served version's schema and CEL rules. Problems are returned as field errors of
 * the CRD; rules or patterns that do not compile are reported and skipped, never thrown.
 */
export function compileCrd(crd: CustomResourceDefinition): CrdCompileResult {
  const errors: FieldError[] = [];
  const spec = (crd as { spec?: unknown }).spec;
  if (!isObject(spec)) return { crd: undefined, errors: [requiredError(['spec'])] };
  const group = typeof spec['group'] === 'string' ? spec['group'] : '';
  const names = isObject(spec['names']) ? spec['names'] : {};
  const kind = typeof names['kind'] === 'string' ? names['kind'] : '';
  const plural = typeof names['plural'] === 'string' ? names['plural'] : '';
  const scope = typeof spec['scope'] === 'string' ? spec['scope'] : '';
  const rawVersions = Array.isArray(spec['versions']) ? (spec['versions'] as unknown[]) : [];
  const name = typeof crd.metadata?.name === 'string' ? crd.metadata.name : '';

  if (group === '') errors.push(requiredError(['spec', 'group']));
  else if (!group.includes('.')) errors.push(invalidError(['spec', 'group'], group, 'should be a domain with at least one dot'));
  if (kind === '') errors.push(requiredError(['spec', 'names', 'kind']));
  if (plural === '') errors.push(requiredError(['spec', 'names', 'plural']));
  if (!SCOPES.includes(scope)) errors.push(notSupportedError(['spec', 'scope'], scope, SCOPES));
  if (group !== '' && plural !== '' && name !== `${plural}.${group}`) {
    errors.push(invalidError(['metadata', 'name'], name, 'must be spec.names.plural+"."+spec.group'));
  }
  if (rawVersions.length === 0) errors.push(requiredError(['spec', 'versions'], 'must have exactly one version marked as storage version'));
  const storageCount = rawVersions.filter((v) => isObject(v) && v['storage'] === true).length;
  if (rawVersions.length > 0 && storageCount !== 1) {
    errors.push(invalidError(['spec', 'versions'], OMIT_VALUE, 'must have exactly one version marked as storage version'));
  }
  if (group === '' || kind === '' || plural === '' || rawVersions.length === 0) return { crd: undefined, errors };

  const ajv = newAjv();
  const versions = new Map<string, CompiledCrdVersion>();
  let storageName: string | undefined;
  let hasStatus = false;
  const servedOrder: string[] = [];
  const seenVersions = new Set<string>();
  rawVersions.forEach((raw, i) => {
    if (!isObject(raw)) return;
    const vname = typeof raw['name'] === 'string' ? raw['name'] : '';
    if (vname === '') {
      errors.push(requiredError(['spec', 'versions', i, 'name']));
      return;
    }
    if (seenVersions.has(vname)) {
      errors.push(invalidError(['spec', 'versions', i, 'name'], vname, 'must be unique'));
      return;
    }
    seenVersions.add(vname);
    const storage = raw['storage'] === true;
    if (storage) {
      storageName = vname;
      const sub = isObject(raw['subresources']) ? raw['subresources'] : undefined;
      hasStatus = sub !== undefined && sub['status'] !== undefined && sub['status'] !== null;
    }
    if (raw['served'] !== true) return;
    servedOrder.push(vname);
    const schemaHolder = isObject(raw['schema']) ? raw['schema'] : undefined;
    const schema = schemaHolder !== undefined && isObject(schemaHolder['openAPIV3Schema']) ? (schemaHolder['openAPIV3Schema'] as Schema) : undefined;
    const base: PathSegment[] = ['spec', 'versions', i, 'schema', 'openAPIV3Schema'];
    if (schema === undefined) {
      errors.push(requiredError(['spec', 'versions', i, 'schema', 'openAPIV3Schema'], 'schemas are required'));
      versions.set(vname, { name: vname, storage, schema: undefined, validate: undefined, rules: new Map() });
      return;
    }
    const ctx: TranslateContext = { problems: [] };
    const translated = translate(schema, [], ctx, 'root');
    for (const p of ctx.problems) errors.push(invalidError([...base, ...p.path], p.value, p.detail));
    let validate: ValidateFunction | undefined;
    try {
      validate = ajv.compile(translated);
    } catch (err) {
      errors.push(invalidError(base, OMIT_VALUE, `schema could not be compiled: ${(err as Error).message}`));
    }
    const rules = new Map<Schema, CompiledRule[]>();
    collectRules(schema, [], rules, errors, base);
    versions.set(vname, { name: vname, storage, schema, validate, rules });
  });
  if (storageName === undefined || servedOrder.length === 0) {
    if (servedOrder.length === 0) errors.push(invalidError(['spec', 'versions'], OMIT_VALUE, 'must have at least one served version'));
  }
  // KindInfo lists the served versions, the storage version first when it is served.
  const ordered = storageName !== undefined && servedOrder.includes(storageName)
    ? [storageName, ...servedOrder.filter((v) => v !== storageName)]
    : servedOrder;
  const info: KindInfo = {
    group,
    versions: ordered,
    kind,
    plural,
    namespaced: scope !== 'Cluster',
    hasStatusSubresource: hasStatus,
    allowUnconditionalUpdate: false,
    tracksGeneration: true,
  };
  return { crd: { name, info, versions }, errors };
}

// ---------------------------------------------------------------------------------------------------
// Validating custom resources
// ---------------------------------------------------------------------------------------------------

interface PrePassResult {
  readonly unknown: PathSegment[][];
  readonly metadata: PathSegment[][];
}

/**
 * Walks the object along the structural schema: removes unknown fields (recording their paths),
 * removes `null` from fields that are not nullable, and records where ObjectMeta lives (the root and
 * embedded resources). Operates on the private copy.
 */
function prePass(value: unknown, s: Schema, path: PathSegment[], root: boolean, out: PrePassResult): void {
  if (Array.isArray(value)) {
    if (isObject(s.items)) value.forEach((v, i) => prePass(v, s.items as Schema, [...path, i], false, out));
    return;
  }
  if (!isObject(value)) return;
  const embedded = root || s['x-kubernetes-embedded-resource'] === true;
  const props = isObject(s.properties) ? s.properties : {};
  const addl = s.additionalProperties;
  const addlSchema = isObject(addl) ? (addl as Schema) : undefined;
  const keepUnknown = s['x-kubernetes-preserve-unknown-fields'] === true || addl === true;
  for (const key of Object.keys(value)) {
    if (embedded && (key === 'apiVersion' || key === 'kind')) continue;
    if (embedded && key === 'metadata') {
      out.metadata.push([...path, key]);
      continue;
    }
    const child = value[key];
    const sub = Object.hasOwn(props, key) ? props[key] : addlSchema;
    if (sub !== undefined) {
      if (child === null && sub.nullable !== true) {
        delete value[key];
        continue;
      }
      prePass(child, sub, [...path, key], false, out);
    } else if (!keepUnknown) {
      out.unknown.push([...path, key]);
      delete value[key];
    }
  }
}

/** Checks `x-kubernetes-list-type: set` and `map` uniqueness (upstream `listtype/validation.go`). */
function listTypeErrors(value: unknown[], s: Schema, path: PathSegment[]): FieldError[] {
  const listType = s['x-kubernetes-list-type'];
  const errs: FieldError[] = [];
  if (listType === 'set') {
    const seen = new Set<string>();
    value.forEach((v, i) => {
      const k = JSON.stringify(v);
      if (seen.has(k)) errs.push(duplicateError([...path, i], v));
      seen.add(k);
    });
  } else if (listType === 'map') {
    const keys = s['x-kubernetes-list-map-keys'] ?? [];
    const seen = new Set<string>();
    value.forEach((v, i) => {
      if (!isObject(v)) return;
      const keyObj: Record<string, unknown> = {};
      for (const k of keys) if (v[k] !== undefined) keyObj[k] = v[k];
      const k = JSON.stringify(keys.map((key) => v[key] ?? null));
      if (seen.has(k)) errs.push(duplicateError([...path, i], keyObj));
      seen.add(k);
    });
  }
  return errs;
}

function mapKey(item: unknown, keys: readonly string[]): string | undefined {
  if (!isObject(item)) return undefined;
  return JSON.stringify(keys.map((k) => item[k] ?? null));
}

interface CelWalkContext {
  readonly rules: ReadonlyMap<Schema, readonly CompiledRule[]>;
  readonly cache: CelValueCache;
  readonly oldCache: CelValueCache;
  readonly errors: FieldError[];
  readonly listErrors: FieldError[];
}

function rulesAt(s: Schema, ctx: CelWalkContext): CompiledRule[] {
  const own = ctx.rules.get(s) ?? [];
  if (!Array.isArray(s.allOf)) return [...own];
  return [...own, ...s.allOf.flatMap((b) => ctx.rules.get(b) ?? [])];
}

function celWalk(
  value: unknown,
  s: Schema,
  old: unknown,
  hasOld: boolean,
  path: PathSegment[],
  ctx: CelWalkContext,
  selfOverride?: { self: unknown; oldSelf: unknown },
): void {
  if (value === null || value === undefined) return;
  const rules = rulesAt(s, ctx);
  if (rules.length > 0) {
    const self = selfOverride !== undefined ? selfOverride.self : ctx.cache.convert(value, s);
    const oldSelf = hasOld ? (selfOverride !== undefined ? selfOverride.oldSelf : ctx.oldCache.convert(old, s)) : undefined;
    ctx.errors.push(
      ...evaluateRules(rules, { path, value, self, oldSelf, hasOldSelf: hasOld && old !== null && old !== undefined, schemaType: typeof s.type === 'string' ? s.type : '' }),
    );
  }
  if (Array.isArray(value)) {
    ctx.listErrors.push(...listTypeErrors(value, s, path));
    if (!isObject(s.items)) return;
    const items = s.items as Schema;
    const listType = s['x-kubernetes-list-type'];
    const keys = s['x-kubernetes-list-map-keys'] ?? [];
    let oldByKey: Map<string, unknown> | undefined;
    if (hasOld && listType === 'map' && Array.isArray(old)) {
      oldByKey = new Map();
      for (const o of old) {
        const k = mapKey(o, keys);
        if (k !== undefined && !oldByKey.has(k)) oldByKey.set(k, o);
      }
    }
    value.forEach((v, i) => {
      const k = oldByKey !== undefined ? mapKey(v, keys) : undefined;
      const o = k !== undefined ? oldByKey?.get(k) : undefined;
      celWalk(v, items, o, o !== undefined, [...path, i], ctx);
    });
    return;
  }
  if (!isObject(value)) return;
  const props = isObject(s.properties) ? s.properties : {};
  const addl = isObject(s.additionalProperties) ? (s.additionalProperties as Schema) : undefined;
  const oldObj = hasOld && isObject(old) ? old : undefined;
  for (const [k, v] of Object.entries(value)) {
    const sub = Object.hasOwn(props, k) ? props[k] : addl;
    if (sub === undefined) continue;
    const hasOldChild = oldObj !== undefined && Object.hasOwn(oldObj, k);
    celWalk(v, sub, hasOldChild ? oldObj[k] : undefined, hasOldChild, [...path, k], ctx);
  }
}

/** What CEL sees as `self` at the resource root: apiVersion, kind, metadata.name/generateName, the rest. */
function rootSelf(obj: Record<string, unknown>, s: Schema, cache: CelValueCache): unknown {
  const converted = cache.convert(obj, s) as Record<string, unknown>;
  const meta = isObject(obj['metadata']) ? obj['metadata'] : {};
  const visibleMeta: Record<string, unknown> = {};
  if (meta['name'] !== undefined) visibleMeta['name'] = meta['name'];
  if (meta['generateName'] !== undefined) visibleMeta['generateName'] = meta['generateName'];
  return { ...converted, metadata: visibleMeta };
}

/**
 * Validates a custom resource against a compiled CRD version. Never mutates `obj`; the result holds
 * a pruned and defaulted copy. `metadata.name` rules are the caller's (they apply to every kind).
 */
export function validateCustomResource(obj: KubeObject, version: CompiledCrdVersion, opts: ValidateOptions = {}): ValidationResult {
  const copy = cloneJson(obj) as unknown as Record<string, unknown>;
  const errors: FieldError[] = [];
  const unknownPaths: PathSegment[][] = [];
  const schema = version.schema;
  if (schema !== undefined) {
    const pre: PrePassResult = { unknown: [], metadata: [] };
    prePass(copy, schema, [], true, pre);
    unknownPaths.push(...pre.unknown);
    if (version.validate !== undefined && !version.validate(copy)) {
      errors.push(...convertSchemaErrors((version.validate.errors ?? []) as ErrorObject[], copy));
    }
    for (const metaPath of pre.metadata) {
      let cur: unknown = copy;
      for (const seg of metaPath) cur = isObject(cur) ? cur[seg as string] : undefined;
      if (cur === undefined || cur === null) continue;
      const res = validateObjectMetaSchema(cur, metaPath);
      errors.push(...res.errors);
      unknownPaths.push(...res.unknown);
      deletePaths(copy, res.unknown);
    }
    const cel: CelWalkContext = { rules: version.rules, cache: new CelValueCache(), oldCache: new CelValueCache(), errors: [], listErrors: [] };
    const blocking = errors.some(isBlockingError);
    const old = opts.oldObj as unknown as Record<string, unknown> | undefined;
    const hasOld = old !== undefined;
    celWalk(copy, schema, old, hasOld, [], blocking ? { ...cel, rules: new Map() } : cel, {
      self: rootSelf(copy, schema, cel.cache),
      oldSelf: hasOld ? rootSelf(old, schema, cel.oldCache) : undefined,
    });
    errors.push(...cel.listErrors);
    if (blocking && version.rules.size > 0) {
      errors.push(invalidError([], null, 'some validation rules were not checked because the object was invalid; correct the existing errors to complete validation'));
    }
    errors.push(...cel.errors);
  }
  return { object: copy as unknown as KubeObject, errors, unknownFields: unknownPaths.map(unknownField) };
}
