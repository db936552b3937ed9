/**
 * Upstream `PodControllerRefManager.ClaimPods` (`pkg/controller/controller_ref_manager.go`): of the
 * candidate pods, a workload keeps those it controls and its selector still matches, releases
 * those it controls that no longer match, and adopts orphans that match (setting itself as their
 * controller, plus a finalizer for Jobs). Pods controlled by someone else are ignored.
 *
 * Adoption first re-reads the owner from the API, uncached, and adopts nothing if it is gone or
 * being deleted (upstream `RecheckDeletionTimestamp`). Writes are full updates carrying the
 * cached `resourceVersion`, so a stale cache fails them with a conflict and the caller retries.
 */
import { newControllerRef, type ControllerClient, type DeepReadonly, type ObjectMeta, type OwnerObject, type Selector } from 'kubeprop';
import type { PodView } from './pod-state.js';

/** The workload doing the claiming. */
export interface ClaimOwner extends OwnerObject {
  readonly metadata: DeepReadonly<ObjectMeta>;
}

/** What `claimPods` did. */
export interface ClaimResult {
  /** The pods the owner now controls (adopted ones as written), in candidate order. */
  readonly claimed: readonly PodView[];
  /** Failed adoptions or releases, as messages. */
  readonly errors: readonly string[];
}

/**
 * Claims `candidates` (each pod at most once; any order) for `owner`. `finalizer`, when given, is
 * added to adopted pods (upstream passes `batch.kubernetes.io/job-tracking` for Jobs).
 */
export function claimPods(client: ControllerClient, owner: ClaimOwner, selector: Selector, candidates: readonly PodView[], finalizer?: string): ClaimResult {
  const uid = owner.metadata.uid ?? '';
  const ownerDeleting = owner.metadata.deletionTimestamp !== undefined;
  const claimed: PodView[] = [];
  const errors: string[] = [];
  let canAdopt: boolean | undefined;
  for (const pod of candidates) {
    const refs = pod.metadata?.ownerReferences ?? [];
    const controller = refs.find((r) => r.controller === true);
    const matches = selector.matches(pod.metadata?.labels);
    if (controller !== undefined) {
      if (controller.uid !== uid) continue;
      if (matches) {
        claimed.push(pod);
        continue;
      }
      if (ownerDeleting) continue;
      const released = client.update<PodView>({ ...pod, metadata: { ...pod.metadata, ownerReferences: refs.filter((r) => r.uid !== uid) } });
      if (!released.ok && released.error.code !== 404) errors.push(`releasing pod ${pod.metadata?.name ?? ''}: ${released.error.message}`);
      continue;
    }
    if (ownerDeleting || !matches || pod.metadata?.deletionTimestamp !== undefined) continue;
    if (pod.metadata?.namespace !== owner.metadata.namespace) continue;
    if (canAdopt === undefined) canAdopt = recheckOwner(client, owner);
    if (!canAdopt) continue;
    const finalizers = pod.metadata?.finalizers ?? [];
    const meta = {
      ...pod.metadata,
      ownerReferences: [...refs, newControllerRef(owner)],
      ...(finalizer !== undefined && !finalizers.includes(finalizer) ? { finalizers: [...finalizers, finalizer] } : {}),
    };
    const adopted = client.update<PodView>({ ...pod, metadata: meta });
    if (adopted.ok) claimed.push(adopted.value);
    else if (adopted.error.code !== 404) errors.push(`adopting pod ${pod.metadata?.name ?? ''}: ${adopted.error.message}`);
  }
  return { claimed, errors };
}

/** Upstream `RecheckDeletionTimestamp`: the owner, read uncached, still exists with its uid and is not being deleted. */
function recheckOwner(client: ControllerClient, owner: ClaimOwner): boolean {
  const fresh = client.api.get({ apiVersion: owner.apiVersion, kind: owner.kind, namespace: owner.metadata.namespace ?? '', name: owner.metadata.name ?? '' });
  return fresh.ok && fresh.value.metadata.uid === owner.metadata.uid && fresh.value.metadata.deletionTimestamp === undefined;
}
