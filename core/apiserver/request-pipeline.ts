/**
 * The API server's request handling, shared by every instance: the verbs of `ApiClient` turned
 * into store operations through upstream's pipeline.
 *
 * Writes follow the kube-apiserver's order (`staging/src/k8s.io/apiserver/pkg/endpoints/handlers/`
 * `create.go`, `update.go`, `patch.go`, `delete.go`, and the generic registry):
 *
 * 1. **decode**: the kind must be served (404); unknown fields fail the request with 400
 *    `strict decoding error: unknown field "..."` (kubectl's default field validation); the object
 *    is pruned and defaulted (built-in `SetDefaults_*`, CRD structural defaults);
 * 2. **mutating admission**: NamespaceLifecycle, LimitRanger, Priority, DefaultTolerationSeconds
 *    (upstream's plugin order), then the registered policies' `mutate`; an object a policy
 *    changed is pruned and defaulted again;
 * 3. **strategy and validation**: the kind's create/update strategy (status reset, pod QoS, ...),
 *    schema validation (built-in schemas, CRD schemas with CEL rules and `oldSelf` transition
 *    rules), pod update rules, Service IP and port allocation, CRD registration: 422 Invalid
 *    `Deployment.apps "web" is invalid: spec.replicas: Invalid value: ...`;
 * 4. **validating admission**: Priority (one global default class), then the policies' `validate`;
 * 5. **store**: optimistic concurrency, finalizers, graceful deletion, watch events.
 *
 * Status updates skip admission (built-in plugins and policies ignore subresources, as webhooks
 * registered for `pods` do not see `pods/status`) and validate only what the status strategy lets
 * through. Everything returns `ApiResult` values; nothing here throws for a bad request.
 */
import { groupKindKey, type KindInfo } from '../api/kinds.js';
import type { TypeRegistry } from '../api/type-registry.js';
import { parseApiVersion, type DeepReadonly, type KubeObject } from '../api/types.js';
import { strictDecodingMessage, type FieldError } from '../api/validation-errors.js';
import type { PluginError } from '../errors.js';
import { formatRfc3339, type Clock } from '../sim/clock.js';
import { badRequest, conflict, invalid, OPTIMISTIC_LOCK_ERROR_MSG, resourceNotServed, type ApiError, type GroupResource } from '../store/api-error.js';
import { apiErr, apiOk, type ApiResult } from '../store/api-result.js';
import { freezeCopy } from '../store/freeze-copy.js';
import { applyMergePatch } from '../store/json-merge-patch.js';
import type { StorableObject } from '../store/storable-object.js';
import type { DeleteOptions, DeleteResult, KindRef, ListRequest, ListResult, ObjectRef, Store, WatchRequest } from '../store/store.js';
import type { Watcher } from '../store/watch-event.js';
import type { AdmissionOperation } from './admission-policy.js';
import type { BindingRequest, ClientDeleteOptions, EvictionRequest } from './api-client.js';
import { applyBuiltinDefaults } from './builtin-defaults.js';
import { BuiltinSchemaValidator, type SchemaValidatorStats } from './builtin-schema-validator.js';
import { CRD_KEY, CrdLifecycle, type CrdStage } from './crd-lifecycle.js';
import { defaultTolerationSeconds } from './default-toleration-seconds.js';
import { isObj, objAt, strAt, withField, type Obj } from './json-fields.js';
import { needsIdentityOnCreate, prepareForCreate, prepareForStatusUpdate, prepareJobWithIdentity } from './kind-strategy.js';
import { limitRangerDefaults } from './limit-ranger.js';
import { namespaceLifecycle } from './namespace-lifecycle.js';
import { bindPod } from './pod-binding.js';
import { evictPod } from './pod-eviction.js';
import { podGracePeriod } from './pod-grace-period.js';
import { validatePodUpdate } from './pod-update-validation.js';
import { PolicyRunner, type PolicyContext } from './policy-runner.js';
import { priorityAdmitPod, priorityValidateClass } from './priority-admission.js';
import { validateBuiltinSemantics } from './semantic-validation.js';
import { ServiceAllocator, type AllocationRecord } from './service-allocator.js';

type Frozen = DeepReadonly<KubeObject>;

/** A served kind, resolved once per apiVersion and kind. */
export interface ResolvedKind {
  readonly info: KindInfo;
  readonly version: string;
  /** `Pod`, `apps/Deployment`. */
  readonly key: string;
  /** From a CRD. */
  readonly custom: boolean;
  readonly resource: GroupResource;
}

/** Construction options of the pipeline. */
export interface RequestPipelineOptions {
  readonly store: Store;
  readonly registry: TypeRegistry;
  readonly clock: Clock;
  readonly onPluginError?: ((err: PluginError) => void) | undefined;
  readonly serviceClusterIpRange?: string | undefined;
  readonly serviceNodePortRange?: string | undefined;
}

/** What a decode produced: the pruned, defaulted object and its validation errors (reported later). */
interface Decoded {
  readonly object: Readonly<Obj>;
  readonly errors: readonly FieldError[];
}

const POD_KEY = 'Pod';
const SERVICE_KEY = 'Service';
const PRIORITY_CLASS_KEY = 'scheduling.k8s.io/PriorityClass';

function missingTypeField(field: 'Kind' | 'apiVersion', body: unknown): ApiError {
  let text: string;
  try {
    text = JSON.stringify(body) ?? String(body);
  } catch {
    text = String(body);
  }
  return badRequest(`Object '${field}' is missing in '${text}'`);
}

/** See the module comment. */
export class RequestPipeline {
  readonly store: Store;
  readonly registry: TypeRegistry;
  readonly clock: Clock;
  readonly policies: PolicyRunner;
  readonly #validator = new BuiltinSchemaValidator();
  readonly #allocator: ServiceAllocator;
  readonly #crds: CrdLifecycle;
  /** `resolve` answers by apiVersion, then kind (`null`: not served); cleared when a CRD changes. */
  readonly #resolved = new Map<string, Map<string, ResolvedKind | null>>();

  constructor(options: RequestPipelineOptions) {
    this.store = options.store;
    this.registry = options.registry;
    this.clock = options.clock;
    this.policies = new PolicyRunner(options.onPluginError);
    this.#allocator = new ServiceAllocator(options.serviceClusterIpRange, options.serviceNodePortRange);
    this.#crds = new CrdLifecycle(this.store, this.registry, () => this.#resolved.clear());
    const services = this.store.list({ apiVersion: 'v1', kind: 'Service' });
    if (services.ok) for (const svc of services.value.items) this.#allocator.adopt(svc as unknown as Readonly<Obj>);
  }

  /** Counters of the schema validation cache (benchmarks). */
  validationStats(): SchemaValidatorStats {
    return this.#validator.stats();
  }

  // -------------------------------------------------------------------------------------------
  // Kinds

  /** The kind served for an apiVersion and kind (registry and store agree), or `undefined`. */
  resolve(apiVersion: string, kind: string): ResolvedKind | undefined {
    let byKind = this.#resolved.get(apiVersion);
    if (byKind === undefined) {
      byKind = new Map();
      this.#resolved.set(apiVersion, byKind);
    }
    const cached = byKind.get(kind);
    if (cached !== undefined) return cached ?? undefined;
    const info = this.registry.lookup(apiVersion, kind);
    let resolved: ResolvedKind | null = null;
    if (info !== undefined && this.store.kindInfo({ apiVersion, kind }) !== undefined) {
      const { version } = parseApiVersion(apiVersion);
      resolved = {
        info,
        version,
        key: groupKindKey(info.group, info.kind),
        custom: this.registry.isCustom(info.group, info.kind),
        resource: { group: info.group, resource: info.plural },
      };
    }
    byKind.set(kind, resolved);
    return resolved ?? undefined;
  }

  /** `resolve` for a `KindRef` (by apiVersion, or by group at the storage version). */
  resolveRef(ref: KindRef): ResolvedKind | undefined {
    if ('apiVersion' in ref && typeof ref.apiVersion === 'string') return this.resolve(ref.apiVersion, ref.kind);
    const group = (ref as { readonly group: string }).group;
    const info = this.store.kindInfo({ group, kind: ref.kind });
    const version = info?.versions[0];
    if (version === undefined) return undefined;
    return this.resolve(group === '' ? version : `${group}/${version}`, ref.kind);
  }

  // -------------------------------------------------------------------------------------------
  // Reads

  get(ref: ObjectRef): ApiResult<Frozen> {
    return this.store.get(ref);
  }

  list(req: ListRequest): ApiResult<ListResult> {
    return this.store.list(req);
  }

  watch(req: WatchRequest): ApiResult<Watcher> {
    return this.store.watch(req);
  }

  // -------------------------------------------------------------------------------------------
  // Create

  create(userAgent: string, body: StorableObject): ApiResult<Frozen> {
    const shape = this.#shape(body);
    if (!shape.ok) return shape;
    const { r, raw } = shape.value;
    const meta = objAt(raw, 'metadata');
    const ns = r.info.namespaced ? (strAt(meta, 'namespace') ?? '') : '';
    if (r.info.namespaced && ns === '') return apiErr(badRequest('Namespace parameter required.'));
    const name = strAt(meta, 'name') ?? '';
    const generateName = strAt(meta, 'generateName');

    const decoded = this.#decode(raw, r, undefined, true);
    if (!decoded.ok) return decoded;
    let obj = decoded.value.object;
    let errors = decoded.value.errors;

    // Mutating admission.
    const lifecycle = namespaceLifecycle(this.store, {
      operation: 'CREATE',
      isNamespace: r.key === 'Namespace',
      namespaced: r.info.namespaced,
      namespace: ns,
      name,
      generateName,
      resource: r.resource,
    });
    if (lifecycle !== undefined) return apiErr(lifecycle);
    if (r.key === POD_KEY) {
      obj = limitRangerDefaults(this.store, ns, obj);
      const priority = priorityAdmitPod(this.store, 'CREATE', obj, undefined, r.resource);
      if (!priority.ok) return priority;
      obj = defaultTolerationSeconds(priority.object);
    }
    const ctx = this.#policyContext('CREATE', r, ns, name, undefined, userAgent);
    const mutated = this.#mutatingPolicies(ctx, r, obj, undefined);
    if (!mutated.ok) return mutated;
    if (mutated.value !== undefined) {
      obj = mutated.value.object;
      errors = mutated.value.errors;
    }

    // Strategy and validation.
    obj = prepareForCreate(r.info, r.custom, obj);
    if (!r.custom) errors = [...errors, ...validateBuiltinSemantics(r.info, obj)];
    let crd: CrdStage | undefined;
    if (r.key === CRD_KEY && errors.length === 0) {
      // A CRD of the same name already stored stays registered if this create fails (AlreadyExists).
      const stored = this.store.get({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name });
      const staged = this.#crds.stage(obj, stored.ok ? (stored.value as unknown as Readonly<Obj>) : undefined);
      if (!staged.ok) errors = staged.errors;
      else {
        crd = staged.stage;
        obj = withField(obj, 'status', this.#crds.status(obj, undefined, this.#now()));
      }
    }
    if (errors.length > 0) return apiErr(invalid({ group: r.info.group, kind: r.info.kind }, name, errors));
    const admitted = this.#allocateAndValidate(r, name, obj, undefined, ctx, crd);
    if (!admitted.ok) return admitted;
    const allocated = admitted.value.allocated;
    obj = admitted.value.obj;

    const res = this.store.create(obj as unknown as StorableObject, needsIdentityOnCreate(r.info) ? { prepare: prepareJobWithIdentity } : {});
    if (!res.ok) {
      this.#undo(crd, allocated);
      return res;
    }
    crd?.commit();
    return res;
  }

  // -------------------------------------------------------------------------------------------
  // Update and patch

  update(userAgent: string, body: StorableObject, subresource: 'status' | undefined): ApiResult<Frozen> {
    const shape = this.#shape(body);
    if (!shape.ok) return shape;
    const { r, raw } = shape.value;
    const meta = objAt(raw, 'metadata');
    const ns = r.info.namespaced ? (strAt(meta, 'namespace') ?? '') : '';
    if (r.info.namespaced && ns === '') return apiErr(badRequest('Namespace parameter required.'));
    const name = strAt(meta, 'name') ?? '';
    if (name === '') return apiErr(badRequest('Name parameter required.'));
    if (subresource === 'status' && !r.info.hasStatusSubresource) return apiErr(resourceNotServed());
    const existing = this.store.get({ apiVersion: raw.apiVersion as string, kind: r.info.kind, namespace: ns, name });
    if (!existing.ok) return existing;
    return this.#write(userAgent, r, ns, name, existing.value, raw, subresource);
  }

  patch(userAgent: string, ref: ObjectRef, patch: unknown, subresource: 'status' | undefined): ApiResult<Frozen> {
    const r = this.resolveRef(ref);
    if (r === undefined) return apiErr(resourceNotServed());
    if (subresource === 'status' && !r.info.hasStatusSubresource) return apiErr(resourceNotServed());
    const ns = r.info.namespaced ? (ref.namespace ?? '') : '';
    if (r.info.namespaced && ns === '') return apiErr(badRequest('Namespace parameter required.'));
    if (ref.name === '') return apiErr(badRequest('Name parameter required.'));
    if (!isObj(patch)) return apiErr(badRequest('json: cannot unmarshal patch into Go value of type map[string]interface {}'));
    const existing = this.store.get(ref);
    if (!existing.ok) return existing;
    const patched = applyMergePatch(existing.value, patch);
    if (!isObj(patched)) return apiErr(badRequest('the patched object is not a JSON object'));
    if (patched.apiVersion !== existing.value.apiVersion || patched.kind !== existing.value.kind) {
      return apiErr(
        badRequest(
          `the apiVersion and kind of the patched object (${String(patched.apiVersion)}, ${String(patched.kind)}) do not match the object being patched (${existing.value.apiVersion}, ${existing.value.kind})`,
        ),
      );
    }
    return this.#write(userAgent, r, ns, ref.name, existing.value, patched, subresource);
  }

  /** The shared update path of `update` and `patch` once the full body is known. */
  #write(userAgent: string, r: ResolvedKind, ns: string, name: string, existing: Frozen, body: Readonly<Obj>, subresource: 'status' | undefined): ApiResult<Frozen> {
    const old = existing as unknown as Readonly<Obj>;
    if (subresource === 'status') return this.#writeStatus(r, name, old, body);

    const decoded = this.#decode(body, r, existing, true);
    if (!decoded.ok) return decoded;
    let obj = decoded.value.object;
    let errors = decoded.value.errors;

    // Mutating admission.
    const lifecycle = namespaceLifecycle(this.store, {
      operation: 'UPDATE',
      isNamespace: r.key === 'Namespace',
      namespaced: r.info.namespaced,
      namespace: ns,
      name,
      generateName: undefined,
      resource: r.resource,
    });
    if (lifecycle !== undefined) return apiErr(lifecycle);
    if (r.key === POD_KEY) {
      const priority = priorityAdmitPod(this.store, 'UPDATE', obj, old, r.resource);
      if (!priority.ok) return priority;
      obj = defaultTolerationSeconds(priority.object);
    }
    const ctx = this.#policyContext('UPDATE', r, ns, name, existing, userAgent);
    const mutated = this.#mutatingPolicies(ctx, r, obj, existing);
    if (!mutated.ok) return mutated;
    if (mutated.value !== undefined) {
      obj = mutated.value.object;
      errors = mutated.value.errors;
    }

    // Optimistic concurrency is checked before validation, as the registry's GuaranteedUpdate does.
    const rv = strAt(objAt(obj, 'metadata'), 'resourceVersion') ?? '';
    if (rv !== '' && rv !== existing.metadata.resourceVersion && /^[0-9]+$/.test(rv)) return apiErr(conflict(r.resource, name, OPTIMISTIC_LOCK_ERROR_MSG));

    // Strategy and validation.
    if (!r.custom) errors = [...errors, ...validateBuiltinSemantics(r.info, obj)];
    if (r.key === POD_KEY) errors = [...errors, ...validatePodUpdate(obj, old)];
    let crd: CrdStage | undefined;
    if (r.key === CRD_KEY && errors.length === 0) {
      const staged = this.#crds.stage(obj, old);
      if (!staged.ok) errors = staged.errors;
      else crd = staged.stage;
    }
    if (errors.length > 0) return apiErr(invalid({ group: r.info.group, kind: r.info.kind }, name, errors));
    const admitted = this.#allocateAndValidate(r, name, obj, old, ctx, crd);
    if (!admitted.ok) return admitted;
    const allocated = admitted.value.allocated;
    obj = admitted.value.obj;

    const res = this.store.update(obj as unknown as StorableObject);
    if (!res.ok) {
      this.#undo(crd, allocated);
      return res;
    }
    crd?.commit();
    const stored = res.value as unknown as Readonly<Obj>;
    if (r.key === SERVICE_KEY) this.#allocator.commitUpdate(old, stored);
    if (this.#removedBy(res.value)) this.#removed(r, stored);
    else if (r.key === CRD_KEY) this.#refreshCrdStatus(name);
    return res;
  }

  /** The status subresource: only `status` changes; no admission. */
  #writeStatus(r: ResolvedKind, name: string, old: Readonly<Obj>, body: Readonly<Obj>): ApiResult<Frozen> {
    // Only the status comes from the request; the rest was validated when it was stored. Built-in
    // kinds validate the status alone (with just enough metadata to be an object of the kind);
    // custom resources validate the whole object, since CEL rules may relate status to spec.
    let candidate: Obj;
    if (r.custom) {
      candidate = {};
      for (const k in old) if (k !== 'status') candidate[k] = old[k];
    } else {
      const oldMeta = objAt(old, 'metadata');
      const namespace = strAt(oldMeta, 'namespace');
      candidate = { apiVersion: old.apiVersion, kind: old.kind, metadata: namespace === undefined ? { name } : { name, namespace } };
    }
    if (body.status !== undefined) candidate.status = body.status;
    const decoded = this.#decode(candidate, r, old as unknown as Frozen, true);
    if (!decoded.ok) return decoded;
    const status = decoded.value.object.status;
    // The store reads only the metadata (resourceVersion, uid) and the status of the body.
    const withStatus: Obj = { apiVersion: body.apiVersion, kind: body.kind, metadata: body.metadata };
    if (status !== undefined) withStatus.status = status;
    const prepared = prepareForStatusUpdate(r.info, withStatus, old);
    if (decoded.value.errors.length > 0 || prepared.errors.length > 0) {
      return apiErr(invalid({ group: r.info.group, kind: r.info.kind }, name, [...decoded.value.errors, ...prepared.errors]));
    }
    return this.store.updateStatus(prepared.body as unknown as StorableObject);
  }

  // -------------------------------------------------------------------------------------------
  // Delete

  delete(userAgent: string, ref: ObjectRef, options: ClientDeleteOptions): ApiResult<DeleteResult> {
    const r = this.resolveRef(ref);
    if (r === undefined) return apiErr(resourceNotServed());
    const ns = r.info.namespaced ? (ref.namespace ?? '') : '';
    if (r.info.namespaced && ns === '') return apiErr(badRequest('Namespace parameter required.'));
    if (ref.name === '') return apiErr(badRequest('Name parameter required.'));
    const existing = this.store.get(ref);
    if (!existing.ok) return existing;

    const lifecycle = namespaceLifecycle(this.store, {
      operation: 'DELETE',
      isNamespace: r.key === 'Namespace',
      namespaced: r.info.namespaced,
      namespace: ns,
      name: ref.name,
      generateName: undefined,
      resource: r.resource,
    });
    if (lifecycle !== undefined) return apiErr(lifecycle);
    const ctx = this.#policyContext('DELETE', r, ns, ref.name, existing.value, userAgent);
    if (this.policies.anyFor('mutate', ctx)) {
      const out = this.policies.mutate(ctx, existing.value);
      if (!out.ok) return out;
    }
    if (this.policies.anyFor('validate', ctx)) {
      const out = this.policies.validate(ctx, existing.value);
      if (!out.ok) return out;
    }
    return this.deleteFromRegistry(r, ref, existing.value, options);
  }

  /**
   * The registry half of a delete (no admission): the pod graceful strategy, the store delete, and
   * what follows an object's removal. Eviction deletes pods through this.
   */
  deleteFromRegistry(r: ResolvedKind, ref: ObjectRef, existing: Frozen, options: ClientDeleteOptions): ApiResult<DeleteResult> {
    const storeOptions: { -readonly [K in keyof DeleteOptions]: DeleteOptions[K] } = {};
    if (options.preconditions !== undefined) storeOptions.preconditions = options.preconditions;
    if (options.propagationPolicy !== undefined) storeOptions.propagationPolicy = options.propagationPolicy;
    if (r.key === POD_KEY) storeOptions.gracePeriodSeconds = podGracePeriod(existing as unknown as Readonly<Obj>, options.gracePeriodSeconds);
    const res = this.store.delete(ref, storeOptions);
    if (res.ok && res.value.deleted) this.#removed(r, res.value.object as unknown as Readonly<Obj>);
    return res;
  }

  // -------------------------------------------------------------------------------------------
  // Subresources

  bind(req: BindingRequest): ApiResult<void> {
    const res = bindPod(this.store, this.clock.nowMs(), req);
    return res.ok ? apiOk(undefined) : res;
  }

  evict(req: EvictionRequest): ApiResult<void> {
    const pods = this.resolve('v1', 'Pod');
    if (pods === undefined) return apiErr(resourceNotServed());
    return evictPod(
      {
        store: this.store,
        nowMs: () => this.clock.nowMs(),
        deletePod: (namespace, name, options) => {
          const ref: ObjectRef = { apiVersion: 'v1', kind: 'Pod', namespace, name };
          const existing = this.store.get(ref);
          if (!existing.ok) return existing;
          return this.deleteFromRegistry(pods, ref, existing.value, options);
        },
      },
      req,
    );
  }

  // -------------------------------------------------------------------------------------------

  /**
   * After a CRD update: brings its status (accepted names, stored versions) up to date in a second
   * write, as upstream's naming controller does shortly after the update.
   */
  #refreshCrdStatus(name: string): void {
    const current = this.store.get({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name });
    if (!current.ok) return;
    const status = this.#crds.statusStale(current.value as unknown as Readonly<Obj>, this.#now());
    if (status !== undefined) this.store.updateStatus({ ...current.value, status });
  }

  /** Gives back what a failed write staged: a CRD registration, Service IPs and ports. */
  /**
   * The steps create and update share after validation: allocate a Service's cluster IP and node
   * ports, then validating admission (the Priority plugin's class check, then the policies). On a
   * rejection, whatever was staged (CRD registration, allocations) is undone.
   */
  #allocateAndValidate(
    r: ResolvedKind,
    name: string,
    input: Readonly<Obj>,
    old: Readonly<Obj> | undefined,
    ctx: PolicyContext,
    crd: CrdStage | undefined,
  ): ApiResult<{ obj: Readonly<Obj>; allocated: AllocationRecord | undefined }> {
    let obj = input;
    let allocated: AllocationRecord | undefined;
    if (r.key === SERVICE_KEY) {
      const a = this.#allocator.allocate(obj, old);
      if (!a.ok) {
        this.#undo(crd, undefined);
        return apiErr(invalid({ group: '', kind: 'Service' }, name, a.errors));
      }
      obj = a.object;
      allocated = a.allocated;
    }
    if (r.key === PRIORITY_CLASS_KEY) {
      const denied = priorityValidateClass(this.store, ctx.operation === 'CREATE' ? 'CREATE' : 'UPDATE', obj, r.resource);
      if (denied !== undefined) {
        this.#undo(crd, allocated);
        return apiErr(denied);
      }
    }
    if (this.policies.anyFor('validate', ctx)) {
      const frozen = freezeCopy(obj) as Frozen;
      const out = this.policies.validate(ctx, frozen);
      if (!out.ok) {
        this.#undo(crd, allocated);
        return out;
      }
      obj = frozen as unknown as Readonly<Obj>;
    }
    return apiOk({ obj, allocated });
  }

  /**
   * The admission policies' mutating phase, shared by create and update: a policy's change is decoded
   * again (validation, defaulting, pruning), so what the later steps see is a valid object. Undefined
   * when no policy changed anything.
   */
  #mutatingPolicies(
    ctx: PolicyContext,
    r: ResolvedKind,
    obj: Readonly<Obj>,
    existing: Frozen | undefined,
  ): ApiResult<{ object: Readonly<Obj>; errors: readonly FieldError[] } | undefined> {
    if (!this.policies.anyFor('mutate', ctx)) return apiOk(undefined);
    const out = this.policies.mutate(ctx, freezeCopy(obj) as Frozen);
    if (!out.ok) return out;
    if (!out.changed) return apiOk(undefined);
    const again = this.#decode(out.object as unknown as Readonly<Obj>, r, existing, false);
    if (!again.ok) return again;
    return apiOk({ object: again.value.object, errors: again.value.errors });
  }

  #undo(crd: CrdStage | undefined, allocated: AllocationRecord | undefined): void {
    crd?.rollback();
    if (allocated !== undefined) this.#allocator.undo(allocated);
  }

  #now(): string {
    return formatRfc3339(this.clock.nowMs());
  }

  #shape(body: unknown): ApiResult<{ readonly r: ResolvedKind; readonly raw: Readonly<Obj> }> {
    if (!isObj(body)) return apiErr(badRequest('the body of the request must be a JSON object'));
    if (typeof body.kind !== 'string' || body.kind === '') return apiErr(missingTypeField('Kind', body));
    if (typeof body.apiVersion !== 'string' || body.apiVersion === '') return apiErr(missingTypeField('apiVersion', body));
    const r = this.resolve(body.apiVersion, body.kind);
    if (r === undefined) return apiErr(resourceNotServed());
    return apiOk({ r, raw: body });
  }

  /**
   * Decoding: schema validation (errors kept for later), unknown fields (400 when `strict`,
   * otherwise silently pruned, as for an object a mutating policy produced), defaults.
   */
  #decode(body: Readonly<Obj>, r: ResolvedKind, old: Frozen | undefined, strict: boolean): ApiResult<Decoded> {
    const input = body as unknown as KubeObject;
    const v = r.custom
      ? this.registry.validate(input, old === undefined ? {} : { oldObj: old as unknown as KubeObject })
      : this.#validator.validate(input, r.info, r.version);
    if (strict && v.unknownFields.length > 0) return apiErr(badRequest(strictDecodingMessage(v.unknownFields)));
    const pruned = v.object as unknown as Readonly<Obj>;
    return apiOk({ object: r.custom ? pruned : applyBuiltinDefaults(pruned, r.info), errors: v.errors });
  }

  #policyContext(operation: AdmissionOperation, r: ResolvedKind, ns: string, name: string, oldObject: Frozen | undefined, userAgent: string): PolicyContext {
    return { operation, group: r.info.group, kindKey: r.key, resource: r.resource, namespace: ns, name, oldObject, userAgent };
  }

  /** Whether an update result stands for an object the update removed (its last finalizer went). */
  #removedBy(result: Frozen): boolean {
    const meta = result.metadata;
    if (meta.deletionTimestamp === undefined || (meta.finalizers?.length ?? 0) > 0 || (meta.deletionGracePeriodSeconds ?? 0) !== 0) return false;
    return !this.store.get(refOfObject(result)).ok;
  }

  /** What follows an object's removal from the store. */
  #removed(r: ResolvedKind, obj: Readonly<Obj>): void {
    if (r.key === SERVICE_KEY) this.#allocator.releaseAll(obj);
    else if (r.key === CRD_KEY) this.#crds.removed(obj);
  }
}

function refOfObject(obj: Frozen): ObjectRef {
  return { apiVersion: obj.apiVersion, kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name ?? '' };
}
