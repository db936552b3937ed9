/**
 * Admission policies: the user's extension point of the simulated API server, the in-process
 * counterpart of mutating and validating admission webhooks.
 *
 * A policy is a value: a name, the operations and kinds it applies to, and up to two pure
 * functions. `mutate` runs in the mutating phase (after the built-in mutating plugins, in
 * registration order), `validate` in the validating phase (after schema validation, so it sees
 * the defaulted, mutated object). Both return decisions as values; a policy that throws, returns
 * something outside its contract, or tries to modify its (deeply frozen) request is reported as a
 * `PluginError` naming it, and the request fails with 500 InternalError, as a failing admission
 * plugin fails it upstream.
 *
 * Like webhooks registered for a resource (`pods`), policies see requests for the resource itself,
 * not for its subresources (`pods/status`, `pods/binding`, `pods/eviction`).
 *
 * Upstream: `staging/src/k8s.io/apiserver/pkg/admission/interfaces.go` (`MutationInterface`,
 * `ValidationInterface`) and `staging/src/k8s.io/api/admission/v1/types.go` (`AdmissionRequest`).
 */
import type { DeepReadonly, KubeObject } from '../api/types.js';
import { ConfigError } from '../errors.js';
import type { StorableObject } from '../store/storable-object.js';

/** Upstream `admission.Operation` (CONNECT is not modelled). */
export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE';

/** The operations a policy may name, in upstream's order. */
export const ADMISSION_OPERATIONS: readonly AdmissionOperation[] = Object.freeze(['CREATE', 'UPDATE', 'DELETE']);

/** Who sent the request (upstream `authentication/v1.UserInfo`; the client's user agent here). */
export interface AdmissionUserInfo {
  readonly username: string;
}

/**
 * What a policy sees (upstream `admission/v1.AdmissionRequest`). Everything is deeply frozen.
 * For `CREATE`, `object` is the object to create (defaulted, after earlier mutations; its `name`
 * may be empty when the client set `generateName`). For `UPDATE`, `oldObject` is the stored
 * object. For `DELETE`, `object` and `oldObject` are both the stored object being deleted
 * (upstream sends it as `oldObject` only).
 */
export interface AdmissionRequest {
  readonly operation: AdmissionOperation;
  /** The kind as policies name it: `Pod`, `apps/Deployment`, `cert-manager.io/Certificate`. */
  readonly kind: string;
  /** The namespace; `''` for cluster-scoped kinds. */
  readonly namespace: string;
  readonly name: string;
  readonly object: DeepReadonly<KubeObject>;
  readonly oldObject?: DeepReadonly<KubeObject>;
  readonly userInfo: AdmissionUserInfo;
}

/** The request may proceed unchanged. */
export interface AdmissionAllowed {
  readonly allowed: true;
  readonly patch?: undefined;
  readonly object?: undefined;
}

/** (`mutate` only) The request proceeds with a JSON merge patch (RFC 7386) applied to its object. */
export interface AdmissionPatched {
  readonly allowed: true;
  readonly patch: Readonly<Record<string, unknown>>;
  readonly object?: undefined;
}

/**
 * (`mutate` only) The request proceeds with this object instead. It must keep the apiVersion,
 * kind, name and namespace of the request's object.
 */
export interface AdmissionReplaced {
  readonly allowed: true;
  readonly object: StorableObject;
  readonly patch?: undefined;
}

/**
 * The request is rejected. `code` defaults to 403: the client gets upstream's in-process admission
 * denial, 403 Forbidden `pods "web" is forbidden: <reason>`. Any other code (400..599) is returned
 * with `reason` as the message and the status reason upstream uses for that code.
 */
export interface AdmissionDenied {
  readonly allowed: false;
  readonly reason: string;
  readonly code?: number;
}

/** What `mutate` returns. */
export type MutatingAdmissionDecision = AdmissionAllowed | AdmissionPatched | AdmissionReplaced | AdmissionDenied;

/** What `validate` returns. */
export type ValidatingAdmissionDecision = AdmissionAllowed | AdmissionDenied;

/** A registered admission policy (see the module comment). */
export interface AdmissionPolicy {
  readonly name: string;
  readonly operations: readonly AdmissionOperation[];
  /** `Pod` (core group), `apps/Deployment`, `apps/*` (every kind of a group), `*` (every kind). */
  readonly kinds: readonly string[];
  readonly mutate?: ((req: AdmissionRequest) => MutatingAdmissionDecision) | undefined;
  readonly validate?: ((req: AdmissionRequest) => ValidatingAdmissionDecision) | undefined;
}

/** What `defineAdmissionPolicy` takes. */
export interface AdmissionPolicyDefinition {
  readonly name: string;
  readonly operations: readonly AdmissionOperation[];
  readonly kinds: readonly string[];
  readonly mutate?: ((req: AdmissionRequest) => MutatingAdmissionDecision) | undefined;
  readonly validate?: ((req: AdmissionRequest) => ValidatingAdmissionDecision) | undefined;
}

const KIND_PATTERN = /^(?:\*|[A-Za-z0-9][A-Za-z0-9.-]*\/(?:\*|[A-Za-z][A-Za-z0-9]*)|[A-Za-z][A-Za-z0-9]*)$/;

/**
 * Checks and freezes an admission policy definition. Throws `ConfigError` for a definition that
 * cannot work: an empty name, no operations or an unknown one, no kinds or a malformed kind, or
 * neither `mutate` nor `validate`.
 */
export function defineAdmissionPolicy(def: AdmissionPolicyDefinition): AdmissionPolicy {
  const where = `admission policy ${JSON.stringify(def.name)}`;
  if (typeof def.name !== 'string' || def.name === '') throw new ConfigError('admission policy: name must be a non-empty string');
  if (!Array.isArray(def.operations) || def.operations.length === 0) throw new ConfigError(`${where}: operations must list CREATE, UPDATE and/or DELETE`);
  for (const op of def.operations) {
    if (!ADMISSION_OPERATIONS.includes(op)) throw new ConfigError(`${where}: unknown operation ${JSON.stringify(op)} (expected CREATE, UPDATE or DELETE)`);
  }
  if (!Array.isArray(def.kinds) || def.kinds.length === 0) throw new ConfigError(`${where}: kinds must not be empty (use '*' for every kind)`);
  for (const k of def.kinds) {
    if (typeof k !== 'string' || !KIND_PATTERN.test(k)) {
      throw new ConfigError(`${where}: malformed kind ${JSON.stringify(k)} (expected 'Pod', 'apps/Deployment', 'apps/*' or '*')`);
    }
  }
  if (def.mutate === undefined && def.validate === undefined) throw new ConfigError(`${where}: define mutate, validate or both`);
  if (def.mutate !== undefined && typeof def.mutate !== 'function') throw new ConfigError(`${where}: mutate must be a function`);
  if (def.validate !== undefined && typeof def.validate !== 'function') throw new ConfigError(`${where}: validate must be a function`);
  return Object.freeze({
    name: def.name,
    operations: Object.freeze([...new Set(def.operations)]),
    kinds: Object.freeze([...new Set(def.kinds)]),
    mutate: def.mutate,
    validate: def.validate,
  });
}

/** Whether a policy applies to `operation` on the kind with key `kindKey` in `group`. */
export function policyMatches(policy: AdmissionPolicy, operation: AdmissionOperation, group: string, kindKey: string): boolean {
  if (!policy.operations.includes(operation)) return false;
  for (const k of policy.kinds) {
    if (k === '*' || k === kindKey) return true;
    if (k.endsWith('/*') && k.slice(0, -2) === group) return true;
  }
  return false;
}
