/**
 * Runs the registered admission policies of one request and polices their contract: a policy that
 * throws, returns a malformed decision, changes the identity of the object or tries to modify its
 * frozen request becomes a `PluginError` naming it (reported to the control plane's
 * `onPluginError`), and the request fails with 500 InternalError, as a failing in-process
 * admission plugin fails it upstream (`admission.NewForbidden` is only for deliberate denials).
 */
import type { DeepReadonly, KubeObject } from '../api/types.js';
import { ModelBug, PluginError } from '../errors.js';
import { internalServerError, type ApiError, type GroupResource } from '../store/api-error.js';
import { freezeCopy } from '../store/freeze-copy.js';
import { applyMergePatch } from '../store/json-merge-patch.js';
import { admissionDeniedError, admissionObjectName } from './admission-denial.js';
import { policyMatches, type AdmissionOperation, type AdmissionPolicy, type AdmissionRequest } from './admission-policy.js';
import { isObj, objAt, strAt } from './json-fields.js';

type Frozen = DeepReadonly<KubeObject>;

/** The request facts every policy call shares. */
export interface PolicyContext {
  readonly operation: AdmissionOperation;
  readonly group: string;
  /** `Pod`, `apps/Deployment`. */
  readonly kindKey: string;
  /** For error messages: `pods`, `deployments.apps`. */
  readonly resource: GroupResource;
  readonly namespace: string;
  readonly name: string;
  readonly oldObject: Frozen | undefined;
  readonly userAgent: string;
}

/** Outcome of a policy phase: the (possibly mutated, frozen) object, or the error to return. */
export type PolicyOutcome = { readonly ok: true; readonly object: Frozen; readonly changed: boolean } | { readonly ok: false; readonly error: ApiError };

type Phase = 'mutate' | 'validate';

/** Whether an exception is the engine refusing a write to a frozen object. */
function isFrozenWrite(err: unknown): boolean {
  return err instanceof TypeError && /read[- ]only|not extensible|Cannot delete|Cannot add property|Cannot assign/i.test(err.message);
}

function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

/** The registered policies, with a per-request-shape cache of which ones apply. */
export class PolicyRunner {
  readonly #policies: AdmissionPolicy[] = [];
  readonly #matching = new Map<string, readonly AdmissionPolicy[]>();
  readonly #onPluginError: ((err: PluginError) => void) | undefined;

  constructor(onPluginError: ((err: PluginError) => void) | undefined) {
    this.#onPluginError = onPluginError;
  }

  /** Adds a policy; names must be unique (`ModelBug` otherwise: the caller checks first). */
  add(policy: AdmissionPolicy): void {
    if (this.#policies.some((p) => p.name === policy.name)) throw new ModelBug(`admission policy ${policy.name} is already registered`);
    this.#policies.push(policy);
    this.#matching.clear();
  }

  /** Whether a policy of this name is registered. */
  has(name: string): boolean {
    return this.#policies.some((p) => p.name === name);
  }

  /** The registered policies, in registration order. */
  list(): readonly AdmissionPolicy[] {
    return this.#policies;
  }

  /** The policies that apply, in registration order (cached). */
  matching(operation: AdmissionOperation, group: string, kindKey: string): readonly AdmissionPolicy[] {
    const key = `${operation} ${kindKey}`;
    let found = this.#matching.get(key);
    if (found === undefined) {
      found = this.#policies.filter((p) => policyMatches(p, operation, group, kindKey));
      this.#matching.set(key, found);
    }
    return found;
  }

  /** Whether any policy of `phase` applies: lets the caller skip freezing the object. */
  anyFor(phase: Phase, ctx: Pick<PolicyContext, 'operation' | 'group' | 'kindKey'>): boolean {
    if (this.#policies.length === 0) return false;
    return this.matching(ctx.operation, ctx.group, ctx.kindKey).some((p) => p[phase] !== undefined);
  }

  /** Runs the mutating phase: every matching `mutate`, in order, each seeing its predecessors' changes. */
  mutate(ctx: PolicyContext, object: Frozen): PolicyOutcome {
    let current = object;
    let changed = false;
    for (const policy of this.matching(ctx.operation, ctx.group, ctx.kindKey)) {
      const fn = policy.mutate;
      if (fn === undefined) continue;
      let decision: unknown;
      try {
        decision = fn(this.#request(ctx, current));
      } catch (err) {
        return this.#failed(policy, 'mutate', isFrozenWrite(err) ? `modified its request, whose objects are frozen (${describe(err)})` : `threw ${describe(err)}`, err);
      }
      const checked = this.#checkDecision(policy, 'mutate', ctx, current, decision);
      if (!checked.ok) return checked;
      if (checked.object !== current) {
        current = checked.object;
        changed = true;
      }
    }
    return { ok: true, object: current, changed };
  }

  /** Runs the validating phase: every matching `validate`, in order; the first denial wins. */
  validate(ctx: PolicyContext, object: Frozen): PolicyOutcome {
    for (const policy of this.matching(ctx.operation, ctx.group, ctx.kindKey)) {
      const fn = policy.validate;
      if (fn === undefined) continue;
      let decision: unknown;
      try {
        decision = fn(this.#request(ctx, object));
      } catch (err) {
        return this.#failed(policy, 'validate', isFrozenWrite(err) ? `modified its request, whose objects are frozen (${describe(err)})` : `threw ${describe(err)}`, err);
      }
      const checked = this.#checkDecision(policy, 'validate', ctx, object, decision);
      if (!checked.ok) return checked;
    }
    return { ok: true, object, changed: false };
  }

  #request(ctx: PolicyContext, object: Frozen): AdmissionRequest {
    const base = {
      operation: ctx.operation,
      kind: ctx.kindKey,
      namespace: ctx.namespace,
      name: ctx.name,
      object,
      userInfo: Object.freeze({ username: ctx.userAgent }),
    };
    return Object.freeze(ctx.oldObject === undefined ? base : { ...base, oldObject: ctx.oldObject });
  }

  #failed(policy: AdmissionPolicy, phase: Phase, message: string, cause?: unknown): { readonly ok: false; readonly error: ApiError } {
    const err = new PluginError(policy.name, phase === 'mutate' ? 'admission mutate' : 'admission validate', message, cause === undefined ? undefined : { cause });
    this.#onPluginError?.(err);
    return { ok: false, error: internalServerError(err.message) };
  }

  /** Checks one decision against the contract; returns the object to continue with. */
  #checkDecision(policy: AdmissionPolicy, phase: Phase, ctx: PolicyContext, current: Frozen, decision: unknown): PolicyOutcome {
    if (!isObj(decision) || typeof decision.allowed !== 'boolean') {
      return this.#failed(policy, phase, `returned ${describeValue(decision)}; expected { allowed: true } or { allowed: false, reason }`);
    }
    if (decision.allowed === false) {
      const reason = decision.reason;
      const code = decision.code;
      if (typeof reason !== 'string') return this.#failed(policy, phase, 'denied without a reason string');
      if (code !== undefined && (typeof code !== 'number' || !Number.isInteger(code) || code < 400 || code > 599)) {
        return this.#failed(policy, phase, `denied with code ${describeValue(code)}; expected an HTTP error code (400..599)`);
      }
      const name = admissionObjectName(ctx.name, strAt(objAt(current, 'metadata'), 'generateName'));
      return { ok: false, error: admissionDeniedError(ctx.resource, name, reason, code ?? 403) };
    }
    const patch = decision.patch;
    const replacement = decision.object;
    if (patch === undefined && replacement === undefined) return { ok: true, object: current, changed: false };
    if (phase === 'validate') return this.#failed(policy, phase, 'returned a patch or object from validate; only mutate may change the object');
    if (ctx.operation === 'DELETE') return this.#failed(policy, phase, 'returned a patch or object for a DELETE, which has no object to change');
    if (patch !== undefined && replacement !== undefined) return this.#failed(policy, phase, 'returned both patch and object');
    let next: unknown;
    if (patch !== undefined) {
      if (!isObj(patch)) return this.#failed(policy, phase, `returned a patch that is not a JSON object: ${describeValue(patch)}`);
      next = applyMergePatch(current, patch);
    } else {
      if (!isObj(replacement)) return this.#failed(policy, phase, `returned an object that is not a JSON object: ${describeValue(replacement)}`);
      next = replacement;
    }
    let frozen: Frozen;
    try {
      frozen = freezeCopy(next) as Frozen;
    } catch (err) {
      return this.#failed(policy, phase, `returned an object that is not JSON (${describe(err)})`);
    }
    const problem = identityChange(current, frozen);
    if (problem !== undefined) return this.#failed(policy, phase, `changed the object's ${problem}`);
    return { ok: true, object: frozen, changed: true };
  }
}

/** Which identifying field a mutation changed, if any. */
function identityChange(before: Frozen, after: Frozen): string | undefined {
  if (after.apiVersion !== before.apiVersion) return 'apiVersion';
  if (after.kind !== before.kind) return 'kind';
  const bm = objAt(before, 'metadata');
  const am = objAt(after, 'metadata');
  if ((strAt(am, 'name') ?? '') !== (strAt(bm, 'name') ?? '')) return 'metadata.name';
  if ((strAt(am, 'namespace') ?? '') !== (strAt(bm, 'namespace') ?? '')) return 'metadata.namespace';
  return undefined;
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'undefined';
  try {
    const text = JSON.stringify(v);
    return text === undefined ? String(v) : text.length > 200 ? `${text.slice(0, 200)}...` : text;
  } catch {
    return String(v);
  }
}
