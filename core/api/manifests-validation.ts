/**
 * Validation of a set of loaded manifests, as `kubeprop validate` reports it: CustomResourceDefinitions
 * in the set are registered first (whatever their position), then every object is validated, and
 * each document gets one result with its located errors.
 *
 * Statuses follow kubeconform: `valid`; `invalid` (the object breaks its schema); `error` (it could
 * not be validated: unreadable file, YAML syntax error, not an object, unknown kind); `skipped`.
 */
import { groupKindKey } from './kinds.js';
import {
  manifestErrorsFor,
  unknownFieldProblems,
  type LoadedManifest,
  type ManifestError,
  type ManifestLoadResult,
} from './manifests.js';
import { TypeRegistry } from './type-registry.js';
import { parseApiVersion, type CustomResourceDefinition, type KubeObject } from './types.js';
import type { FieldValidationMode } from './validation.js';

/** Outcome class of one resource (kubeconform's statuses). */
export type ResourceStatus = 'valid' | 'invalid' | 'error' | 'skipped';

/** The result for one document (or `List` item, or unreadable file). */
export interface ResourceResult {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly documentIndex?: number;
  readonly itemIndex?: number;
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly status: ResourceStatus;
  readonly errors: readonly ManifestError[];
  readonly warnings: readonly ManifestError[];
  /** The validated object (pruned, defaulted) when the resource was validated. */
  readonly object?: KubeObject;
}

/** Counts, as kubeconform's summary line shows them. */
export interface ValidationSummary {
  readonly resources: number;
  readonly files: number;
  readonly valid: number;
  readonly invalid: number;
  readonly errors: number;
  readonly skipped: number;
}

/** Everything `kubeprop validate` prints. */
export interface ManifestValidationReport {
  /** In input order: files, then documents, then `List` items. */
  readonly resources: readonly ResourceResult[];
  readonly files: readonly string[];
  readonly summary: ValidationSummary;
}

/** Options of {@link validateManifests}. */
export interface ValidateManifestsOptions {
  /** Registry to use (and to register the manifests' CRDs into); a fresh one when absent. */
  readonly registry?: TypeRegistry;
  /** Unknown-field handling; `Strict` (kubectl's default) when absent. */
  readonly fieldValidation?: FieldValidationMode;
  /** Kinds not to validate (`Secret`, or `group/Kind`); they count as skipped. */
  readonly skipKinds?: readonly string[];
}

const CRD_API_VERSION = 'apiextensions.k8s.io/v1';

function isCrd(obj: KubeObject): boolean {
  return obj.apiVersion === CRD_API_VERSION && obj.kind === 'CustomResourceDefinition';
}

function identity(obj: KubeObject): Pick<ResourceResult, 'apiVersion' | 'kind' | 'namespace' | 'name'> {
  const out: { apiVersion?: string; kind?: string; namespace?: string; name?: string } = {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
  };
  const meta = obj.metadata as unknown;
  if (meta !== null && typeof meta === 'object') {
    const m = meta as Record<string, unknown>;
    if (typeof m['namespace'] === 'string') out.namespace = m['namespace'];
    if (typeof m['name'] === 'string') out.name = m['name'];
  }
  return out;
}

function position(m: LoadedManifest): Pick<ResourceResult, 'file' | 'line' | 'col' | 'documentIndex' | 'itemIndex'> {
  const s = m.source;
  return s.itemIndex === undefined
    ? { file: s.file, line: s.line, col: s.col, documentIndex: s.documentIndex }
    : { file: s.file, line: s.line, col: s.col, documentIndex: s.documentIndex, itemIndex: s.itemIndex };
}

/** Sorts located errors by line and column, keeping the validator's order for equal positions. */
function byPosition(errs: readonly ManifestError[]): ManifestError[] {
  return errs
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.line - b.e.line || a.e.col - b.e.col || a.i - b.i)
    .map((x) => x.e);
}

/**
 * Validates loaded manifests. CRDs among them are validated as objects and registered before any
 * other object is validated, so instances may precede their CRD in the input. Never throws for bad
 * input; deterministic for a given input.
 */
export function validateManifests(load: ManifestLoadResult, opts: ValidateManifestsOptions = {}): ManifestValidationReport {
  const registry = opts.registry ?? new TypeRegistry();
  const mode = opts.fieldValidation ?? 'Strict';
  const skip = new Set(opts.skipKinds ?? []);
  const results = new Map<LoadedManifest, ResourceResult>();

  const isSkipped = (obj: KubeObject): boolean => {
    const { group } = parseApiVersion(obj.apiVersion);
    return skip.has(obj.kind) || skip.has(groupKindKey(group, obj.kind));
  };

  const validateOne = (m: LoadedManifest, extra: readonly ManifestError[] = []): ResourceResult => {
    const res = registry.validate(m.object);
    const unknown = manifestErrorsFor(m, unknownFieldProblems(res.unknownFields));
    const errors = byPosition([...manifestErrorsFor(m, res.errors), ...extra, ...(mode === 'Strict' ? unknown : [])]);
    const warnings = byPosition(mode === 'Warn' ? unknown : []);
    const notServed = res.errors.some((e) => e.type === 'FieldValueNotFound');
    const status: ResourceStatus = notServed ? 'error' : errors.length > 0 ? 'invalid' : 'valid';
    return { ...position(m), ...identity(m.object), status, errors, warnings, object: res.object };
  };

  // CRDs first, in input order, so that their kinds are known to every other object.
  for (const m of load.manifests) {
    if (!isCrd(m.object)) continue;
    if (isSkipped(m.object)) continue;
    const reg = registry.registerCrd(m.object as unknown as CustomResourceDefinition);
    results.set(m, validateOne(m, manifestErrorsFor(m, reg.errors)));
  }
  for (const m of load.manifests) {
    if (results.has(m)) continue;
    if (isSkipped(m.object)) {
      results.set(m, { ...position(m), ...identity(m.object), status: 'skipped', errors: [], warnings: [] });
      continue;
    }
    results.set(m, validateOne(m));
  }

  // Load errors become `error` results: one per failed document (or List item), one per bad file.
  const failed = new Map<string, ResourceResult & { errors: ManifestError[] }>();
  for (const e of load.errors) {
    const key = `${e.file}\u0000${e.documentIndex ?? -1}\u0000${e.itemIndex ?? -1}`;
    const existing = failed.get(key);
    if (existing !== undefined) {
      existing.errors.push(e);
      continue;
    }
    const r: ResourceResult & { errors: ManifestError[] } = {
      file: e.file,
      line: e.line,
      col: e.col,
      ...(e.documentIndex === undefined ? {} : { documentIndex: e.documentIndex }),
      ...(e.itemIndex === undefined ? {} : { itemIndex: e.itemIndex }),
      ...(e.apiVersion === undefined ? {} : { apiVersion: e.apiVersion }),
      ...(e.kind === undefined ? {} : { kind: e.kind }),
      ...(e.namespace === undefined ? {} : { namespace: e.namespace }),
      ...(e.name === undefined ? {} : { name: e.name }),
      status: 'error',
      errors: [e],
      warnings: [],
    };
    failed.set(key, r);
  }

  const fileOrder = new Map<string, number>();
  load.files.forEach((f, i) => {
    if (!fileOrder.has(f)) fileOrder.set(f, i);
  });
  const all = [...results.values(), ...failed.values()];
  const order = (r: ResourceResult): [number, number, number, number] => [
    fileOrder.get(r.file) ?? Number.MAX_SAFE_INTEGER,
    r.documentIndex ?? -1,
    r.itemIndex ?? -1,
    r.line,
  ];
  // Input order; the original index is the final tie-breaker so the order is total.
  const indexed = all.map((r, i) => ({ r, i, k: order(r) }));
  indexed.sort((a, b) => {
    for (let j = 0; j < 4; j++) {
      const d = (a.k[j] as number) - (b.k[j] as number);
      if (d !== 0) return d;
    }
    return a.i - b.i;
  });
  const resources = indexed.map((x) => x.r);
  const count = (s: ResourceStatus): number => resources.filter((r) => r.status === s).length;
  const files = [...fileOrder.keys()];
  return {
    resources,
    files,
    summary: {
      resources: resources.length,
      files: files.length,
      valid: count('valid'),
      invalid: count('invalid'),
      errors: count('error'),
      skipped: count('skipped'),
    },
  };
}
