/**
 * How the garbage collector names the objects it reconciles. One controller covers every watched
 * kind, so a request carries the kind in its name: `{ namespace, name: "<Kind>[.<group>]:<name>" }`
 * (`ReplicaSet.apps:web-5d4f`, `Node:node-1`), which never contains a `/` (the runtime's key
 * separator) because neither kinds, groups nor object names do. Pods, the controller's `for` kind,
 * keep the plain `namespace/name` key the runtime gives them (a pod name never contains `:`).
 */
import { builtinKind, groupKindKey, parseApiVersion, type OwnerReference, type DeepReadonly, type ReconcileRequest } from 'kubeprop';

/** A kind by group and name (upstream `schema.GroupKind`). */
export interface GroupKind {
  readonly group: string;
  readonly kind: string;
}

/** An object the collector reconciles: its kind, namespace (`''` when cluster-scoped) and name. */
export interface GcTarget extends GroupKind {
  readonly namespace: string;
  readonly name: string;
}

/** The pod kind, the collector's `for` kind. */
export const POD_KIND: GroupKind = Object.freeze({ group: '', kind: 'Pod' });

/** The request for `target`. */
export function gcRequest(target: GcTarget): ReconcileRequest {
  if (target.group === '' && target.kind === 'Pod') return { namespace: target.namespace, name: target.name };
  const kindPart = target.group === '' ? target.kind : `${target.kind}.${target.group}`;
  return { namespace: target.namespace, name: `${kindPart}:${target.name}` };
}

/** The object a request stands for (the inverse of `gcRequest`). */
export function gcTarget(req: ReconcileRequest): GcTarget {
  const colon = req.name.indexOf(':');
  if (colon < 0) return { group: '', kind: 'Pod', namespace: req.namespace, name: req.name };
  const kindPart = req.name.slice(0, colon);
  const dot = kindPart.indexOf('.');
  const kind = dot < 0 ? kindPart : kindPart.slice(0, dot);
  const group = dot < 0 ? '' : kindPart.slice(dot + 1);
  return { group, kind, namespace: req.namespace, name: req.name.slice(colon + 1) };
}

/** The runtime's kind key (`apps/ReplicaSet`, `Pod`). */
export function kindKey(gk: GroupKind): string {
  return groupKindKey(gk.group, gk.kind);
}

/** The kind an owner reference points at. */
export function ownerGroupKind(ref: DeepReadonly<OwnerReference>): GroupKind {
  return { group: parseApiVersion(ref.apiVersion).group, kind: ref.kind };
}

/**
 * The index value of an owner reference's coordinates (`group/Kind/name`): the collector finds
 * the dependents of an object, present or gone, by them, whatever uid they carry.
 */
export function ownerCoordinates(gk: GroupKind, name: string): string {
  return `${gk.group}/${gk.kind}/${name}`;
}

/** Whether objects of a kind are namespaced: built-ins from the kind table, others from `custom`. */
export function scopeOf(gk: GroupKind, custom: ReadonlyMap<string, boolean>): boolean | undefined {
  return builtinKind(gk.group, gk.kind)?.namespaced ?? custom.get(kindKey(gk));
}
