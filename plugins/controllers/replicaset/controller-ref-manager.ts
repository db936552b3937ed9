/**
 * Claiming dependents: upstream `BaseControllerRefManager.ClaimObject` with `ClaimPods` /
 * `ClaimReplicaSets` and `RecheckDeletionTimestamp` (`pkg/controller/controller_ref_manager.go`).
 *
 * Of the candidate objects, an owner keeps those it controls that its selector still matches,
 * releases those it controls that no longer match (unless it is itself being deleted), and adopts
 * orphans its selector matches (unless it or the orphan is being deleted). Before the first
 * adoption it re-reads itself from the API server, uncached, so that an owner deleted a moment ago
 * adopts nothing (kubernetes#42639).
 *
 * Writes are JSON merge patches of `metadata.ownerReferences` carrying the object's uid and
 * resourceVersion as preconditions (upstream sends a strategic merge patch keyed by uid; a merge
 * patch replaces the whole list, so it must not be based on a stale copy).
 */
import {
  controllerRef,
  formatRfc3339,
  isNotFound,
  newControllerRef,
  parseRfc3339,
  type DeepReadonly,
  type KubeObject,
  type OwnerReference,
  type ReconcileContext,
  type Selector,
} from 'kubeprop';

/** An owner, as cached: identity plus whether it is being deleted. */
export interface ClaimOwner {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name?: string | undefined;
    readonly namespace?: string | undefined;
    readonly uid?: string | undefined;
    readonly deletionTimestamp?: string | undefined;
  };
}

/** A dependent object, as cached. */
export type ClaimDependent = DeepReadonly<KubeObject>;

/** The outcome of a claim: the objects the owner now controls, and the errors met on the way. */
export interface ClaimResult<T> {
  readonly claimed: T[];
  /** Upstream's aggregated error message, `undefined` when nothing failed. */
  readonly error: string | undefined;
}

/** Upstream `utilerrors.NewAggregate(...).Error()`: one message, or `[a, b]`. */
export function aggregateMessages(messages: readonly string[]): string | undefined {
  if (messages.length === 0) return undefined;
  return messages.length === 1 ? messages[0] : `[${messages.join(', ')}]`;
}

/** A `metav1.Time` as Go's `%v` prints it: `2026-01-01 00:00:10 +0000 UTC`. */
export function goTimeString(rfc3339: string): string {
  const ms = parseRfc3339(rfc3339);
  const text = ms === undefined ? rfc3339 : formatRfc3339(ms);
  return `${text.replace('T', ' ').replace(/Z$/, '')} +0000 UTC`;
}

/** The uid of an object's controller owner reference. */
function controllerUid(obj: ClaimDependent): string | undefined {
  return controllerRef(obj)?.uid;
}

/**
 * Claims `objects` for `owner`. `match` is the owner's selector test; `canAdoptCheck` is called at
 * most once, before the first adoption, and returns why adoption is not allowed (or `undefined`);
 * `controllerUidOf` reads an object's controller owner uid (a caller may pass a memoized one).
 */
export function claimObjects<T extends ClaimDependent>(
  ctx: ReconcileContext,
  owner: ClaimOwner,
  objects: readonly T[],
  match: (obj: T) => boolean,
  canAdoptCheck: () => string | undefined,
  controllerUidOf: (obj: T) => string | undefined = controllerUid,
): ClaimResult<T> {
  const claimed: T[] = [];
  const errors: string[] = [];
  const ownerUid = owner.metadata.uid ?? '';
  const ownerDeleting = owner.metadata.deletionTimestamp !== undefined;
  let adoptVerdict: { readonly error: string | undefined } | undefined;
  for (const obj of objects) {
    const refUid = controllerUidOf(obj);
    if (refUid !== undefined) {
      if (refUid !== ownerUid) continue;
      if (match(obj)) {
        claimed.push(obj);
        continue;
      }
      if (ownerDeleting) continue;
      const err = release(ctx, obj, ownerUid);
      if (err !== undefined) errors.push(err);
      continue;
    }
    if (ownerDeleting || !match(obj)) continue;
    if (obj.metadata.deletionTimestamp !== undefined) continue;
    const ns = owner.metadata.namespace ?? '';
    if (ns !== '' && ns !== (obj.metadata.namespace ?? '')) continue;
    adoptVerdict ??= { error: canAdoptCheck() };
    if (adoptVerdict.error !== undefined) {
      errors.push(adoptVerdict.error);
      continue;
    }
    const outcome = adopt(ctx, obj, owner);
    if (outcome.kind === 'adopted') claimed.push(obj);
    else if (outcome.kind === 'failed') errors.push(outcome.message);
  }
  return { claimed, error: aggregateMessages(errors) };
}

/**
 * Upstream `RecheckDeletionTimestamp` around an uncached read of the owner: why the owner may not
 * adopt (it changed identity, or is being deleted), or `undefined`.
 */
export function recheckOwner(ctx: ReconcileContext, owner: ClaimOwner): string | undefined {
  const ns = owner.metadata.namespace ?? '';
  const name = owner.metadata.name ?? '';
  const fresh = ctx.client.api.get({ apiVersion: owner.apiVersion, kind: owner.kind, namespace: ns, name });
  if (!fresh.ok) return fresh.error.message;
  const meta = fresh.value.metadata;
  if (meta.uid !== owner.metadata.uid) {
    return `original ${owner.kind} ${ns}/${name} is gone: got uid ${String(meta.uid ?? '')}, wanted ${String(owner.metadata.uid ?? '')}`;
  }
  if (meta.deletionTimestamp !== undefined) return `${ns}/${name} has just been deleted at ${goTimeString(meta.deletionTimestamp)}`;
  return undefined;
}

function refOf(obj: ClaimDependent): { apiVersion: string; kind: string; namespace: string; name: string } {
  return { apiVersion: obj.apiVersion, kind: obj.kind, namespace: obj.metadata.namespace ?? '', name: obj.metadata.name ?? '' };
}

/** What an adoption did: adopted, the object was gone (404, not an error), or failed. */
type AdoptOutcome = { readonly kind: 'adopted' } | { readonly kind: 'gone' } | { readonly kind: 'failed'; readonly message: string };

/** Upstream `AdoptPod` / `AdoptReplicaSet`: adds the owner's controller reference. */
function adopt(ctx: ReconcileContext, obj: ClaimDependent, owner: ClaimOwner): AdoptOutcome {
  const refs: DeepReadonly<OwnerReference>[] = [...(obj.metadata.ownerReferences ?? [])];
  refs.push(newControllerRef({ apiVersion: owner.apiVersion, kind: owner.kind, metadata: { name: owner.metadata.name, uid: owner.metadata.uid } }));
  const patch = { metadata: { ownerReferences: refs, uid: obj.metadata.uid, resourceVersion: obj.metadata.resourceVersion } };
  const res = ctx.client.patch(refOf(obj), patch);
  if (res.ok) {
    ctx.trace('adopt', { object: `${obj.kind} ${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`, owner: owner.metadata.name ?? '' });
    return { kind: 'adopted' };
  }
  return isNotFound(res) ? { kind: 'gone' } : { kind: 'failed', message: res.error.message };
}

/** Upstream `ReleasePod` / `ReleaseReplicaSet`: removes the owner's reference. 404 is not an error. */
function release(ctx: ReconcileContext, obj: ClaimDependent, ownerUid: string): string | undefined {
  const refs = (obj.metadata.ownerReferences ?? []).filter((r) => r.uid !== ownerUid);
  const patch = { metadata: { ownerReferences: refs.length > 0 ? refs : null, uid: obj.metadata.uid, resourceVersion: obj.metadata.resourceVersion } };
  const res = ctx.client.patch(refOf(obj), patch);
  if (res.ok) {
    ctx.trace('release', { object: `${obj.kind} ${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}` });
    return undefined;
  }
  return isNotFound(res) ? undefined : res.error.message;
}
