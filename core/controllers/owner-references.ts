/**
 * Owner reference helpers, upstream `metav1.GetControllerOf`, `metav1.IsControlledBy` and
 * `metav1.NewControllerRef` (`staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/controller_ref.go`).
 *
 * The garbage collector that acts on owner references is a built-in controller, not part of the
 * runtime; these helpers are what every controller needs to claim and recognise its dependents.
 */
import type { DeepReadonly, OwnerReference } from '../api/types.js';
import { parseApiVersion } from '../api/types.js';

/** The least an object needs for these helpers: its metadata's owner references (and uid). */
interface WithMeta {
  readonly metadata?:
    | {
        readonly name?: string | undefined;
        readonly uid?: string | undefined;
        readonly ownerReferences?: readonly DeepReadonly<OwnerReference>[] | undefined;
      }
    | undefined;
}

/**
 * Upstream `GetControllerOf`: the owner reference with `controller: true`, if any. The API server
 * rejects objects with more than one, so the first is the only one.
 */
export function controllerRef(obj: WithMeta): DeepReadonly<OwnerReference> | undefined {
  const refs = obj.metadata?.ownerReferences;
  if (refs === undefined) return undefined;
  for (const ref of refs) if (ref.controller === true) return ref;
  return undefined;
}

/** Upstream `IsControlledBy`: whether `obj`'s controller reference points at `owner` (by uid). */
export function isControlledBy(obj: WithMeta, owner: WithMeta): boolean {
  const ref = controllerRef(obj);
  const uid = owner.metadata?.uid;
  return ref !== undefined && uid !== undefined && uid !== '' && ref.uid === uid;
}

/** An object that can own others: it needs identity (apiVersion, kind, name, uid). */
export interface OwnerObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name?: string | undefined; readonly uid?: string | undefined };
}

/**
 * Upstream `NewControllerRef`: a controller owner reference to `owner` with
 * `blockOwnerDeletion: true`, as controllers set on the objects they create. The owner must have
 * been read from the API (it needs its uid).
 */
export function newControllerRef(owner: OwnerObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name ?? '',
    uid: owner.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/**
 * Whether an owner reference points at an object of `group`/`kind`, ignoring the version as
 * controller-runtime's `EnqueueRequestForOwner` does (a reference written at `apps/v1beta2` still
 * names an `apps` `Deployment`).
 */
export function refersToGroupKind(ref: DeepReadonly<OwnerReference>, group: string, kind: string): boolean {
  return ref.kind === kind && parseApiVersion(ref.apiVersion).group === group;
}
