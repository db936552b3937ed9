/**
 * The set of kinds an API server serves: the built-in kinds plus the kinds of registered
 * CustomResourceDefinitions, with validation, pruning and defaulting for each.
 *
 * `kubeprop validate` and the API server model use the same registry, so a manifest that validates
 * here is accepted by the simulated API server and vice versa.
 */
import { BUILTIN_KINDS, groupKindKey, type KindInfo } from './kinds.js';
import { parseApiVersion, type CustomResourceDefinition, type KubeObject } from './types.js';
import { invalidError, requiredError, type FieldError } from './validation-errors.js';
import { compileCrd, validateCustomResource, type CompiledCrd } from './crd-schema.js';
import { validateBuiltinObject, validateObjectMetaRules, type ValidateOptions, type ValidationResult } from './validation.js';

/** Outcome of registering a CRD. */
export type CrdRegistrationResult =
  | {
      readonly ok: true;
      /** The kind the CRD serves. */
      readonly info: KindInfo;
      /**
       * Problems of the CRD that did not prevent registration (a CEL rule or pattern that does not
       * compile is skipped). Upstream would reject such a CRD; treat them as errors of the CRD.
       */
      readonly errors: readonly FieldError[];
    }
  | { readonly ok: false; readonly errors: readonly FieldError[] };

/** `no matches for kind "Foo" in version "example.com/v1"`, as kubectl prints it. */
export function noMatchesMessage(apiVersion: string, kind: string): string {
  return `no matches for kind ${JSON.stringify(kind)} in version ${JSON.stringify(apiVersion)}`;
}

/**
 * Built-in kinds and registered CRDs.
 *
 * Lookups, registration and validation are synchronous and deterministic. Registration replaces a
 * CRD of the same name (an update); a CRD may not claim a built-in kind or a kind another CRD serves.
 */
export class TypeRegistry {
  readonly #builtin = new Map<string, KindInfo>();
  /** CRDs by group/kind key. */
  readonly #crdsByKind = new Map<string, CompiledCrd>();
  /** CRDs by CRD name (`crontabs.stable.example.com`). */
  readonly #crdsByName = new Map<string, CompiledCrd>();

  constructor(builtins: readonly KindInfo[] = BUILTIN_KINDS) {
    for (const k of builtins) this.#builtin.set(groupKindKey(k.group, k.kind), k);
  }

  /** The kind served for this apiVersion and kind, or `undefined` (`no matches for kind`). */
  lookup(apiVersion: string, kind: string): KindInfo | undefined {
    const { group, version } = parseApiVersion(apiVersion);
    const key = groupKindKey(group, kind);
    const info = this.#builtin.get(key) ?? this.#crdsByKind.get(key)?.info;
    return info !== undefined && info.versions.includes(version) ? info : undefined;
  }

  /** Every kind served, built-ins first (in table order), then CRDs in registration order. */
  kinds(): KindInfo[] {
    return [...this.#builtin.values(), ...[...this.#crdsByName.values()].map((c) => c.info)];
  }

  /** Whether a kind comes from a CRD. */
  isCustom(group: string, kind: string): boolean {
    return this.#crdsByKind.has(groupKindKey(group, kind));
  }

  /**
   * Registers (or replaces) a CustomResourceDefinition's kind. The CRD object itself is not
   * schema-checked here; validate it with {@link validate} like any other object.
   */
  registerCrd(crd: CustomResourceDefinition): CrdRegistrationResult {
    const compiled = compileCrd(crd);
    if (compiled.crd === undefined) return { ok: false, errors: compiled.errors };
    const { info, name } = compiled.crd;
    const key = groupKindKey(info.group, info.kind);
    if (this.#builtin.has(key)) {
      return { ok: false, errors: [...compiled.errors, invalidError(['spec', 'names', 'kind'], info.kind, `${info.kind}.${info.group} is a built-in kind`)] };
    }
    const other = this.#crdsByKind.get(key);
    if (other !== undefined && other.name !== name) {
      return {
        ok: false,
        errors: [...compiled.errors, invalidError(['spec', 'names', 'kind'], info.kind, `kind is already served by CustomResourceDefinition ${JSON.stringify(other.name)}`)],
      };
    }
    if (info.versions.length === 0) return { ok: false, errors: compiled.errors };
    const previous = this.#crdsByName.get(name);
    if (previous !== undefined) this.#crdsByKind.delete(groupKindKey(previous.info.group, previous.info.kind));
    this.#crdsByName.set(name, compiled.crd);
    this.#crdsByKind.set(key, compiled.crd);
    return { ok: true, info, errors: compiled.errors };
  }

  /** Removes a CRD's kind (the CRD was deleted). Returns whether it was registered. */
  unregisterCrd(name: string): boolean {
    const crd = this.#crdsByName.get(name);
    if (crd === undefined) return false;
    this.#crdsByName.delete(name);
    this.#crdsByKind.delete(groupKindKey(crd.info.group, crd.info.kind));
    return true;
  }

  /**
   * Validates an object: its kind must be served; built-in kinds are checked against their
   * upstream schema, custom resources against their CRD's structural schema (with pruning,
   * defaulting and CEL rules). Returns a new object, the errors and the pruned unknown fields;
   * never mutates `obj`. An object whose kind is not served gets a single `FieldValueNotFound`
   * error with an empty field (`no matches for kind ...`; the API server answers 404 for it).
   */
  validate(obj: KubeObject, opts: ValidateOptions = {}): ValidationResult {
    const raw = obj as unknown as Record<string, unknown>;
    const apiVersion = raw['apiVersion'];
    const kind = raw['kind'];
    if (typeof apiVersion !== 'string' || apiVersion === '' || typeof kind !== 'string' || kind === '') {
      const errors: FieldError[] = [];
      if (typeof apiVersion !== 'string' || apiVersion === '') errors.push(requiredError(['apiVersion'], 'apiVersion not set'));
      if (typeof kind !== 'string' || kind === '') errors.push(requiredError(['kind'], 'kind not set'));
      return { object: structuredClone(obj), errors, unknownFields: [] };
    }
    const { group, version } = parseApiVersion(apiVersion);
    const key = groupKindKey(group, kind);
    const builtin = this.#builtin.get(key);
    if (builtin !== undefined && builtin.versions.includes(version)) {
      return validateBuiltinObject(obj, builtin, version);
    }
    const crd = this.#crdsByKind.get(key);
    const compiledVersion = crd?.versions.get(version);
    if (crd === undefined || compiledVersion === undefined) {
      return { object: structuredClone(obj), errors: [noMatchError(apiVersion, kind)], unknownFields: [] };
    }
    const res = validateCustomResource(obj, compiledVersion, opts);
    const metaErrors = validateObjectMetaRules(res.object as unknown as Record<string, unknown>, group, kind);
    return { object: res.object, errors: [...res.errors, ...metaErrors], unknownFields: res.unknownFields };
  }
}

/** The error for an object whose kind is not served. */
export function noMatchError(apiVersion: string, kind: string): FieldError {
  const message = noMatchesMessage(apiVersion, kind);
  return { type: 'FieldValueNotFound', field: '', path: [], detail: message, message, expected: 'a built-in kind or the kind of a registered CustomResourceDefinition' };
}
