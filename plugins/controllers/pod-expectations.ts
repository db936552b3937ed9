/**
 * Upstream `ControllerExpectations` (`pkg/controller/controller_utils.go`): after a controller
 * creates or deletes pods it must not act on the same workload again until its cache has seen
 * those writes, or a stale cache makes it create (or delete) the same pods twice.
 *
 * Upstream counts adds and deletes and lowers the counts from its informer event handlers. Here the
 * controller records the exact pods it wrote (the API returns the generated name) and, at the next
 * reconcile, checks the cache for them: a created pod is observed once the cache has it, a deleted
 * pod once the cache no longer has it (or has a newer pod of that name, or shows it terminating).
 * As upstream, an expectation that is never observed expires after
 * {@link EXPECTATIONS_TIMEOUT_MS}.
 */
import type { ControllerClient } from 'kubeprop';
import type { PodView } from './pod-state.js';

/** Upstream `ExpectationsTimeout`: 5 minutes. */
export const EXPECTATIONS_TIMEOUT_MS = 5 * 60 * 1000;

interface Pending {
  /** Pod name → virtual time the create was sent. */
  readonly creates: Map<string, number>;
  /** Pod name → uid and virtual time the delete was sent. */
  readonly deletes: Map<string, { readonly uid: string; readonly atMs: number }>;
}

/** What `check` found. */
export interface ExpectationsCheck {
  readonly satisfied: boolean;
  /** When unsatisfied: how long until the oldest pending expectation expires. */
  readonly expiresInMs: number | undefined;
}

/** Expectations of one controller incarnation, by workload key (`namespace/name`). */
export class PodExpectations {
  readonly #byKey = new Map<string, Pending>();

  #pending(key: string): Pending {
    let p = this.#byKey.get(key);
    if (p === undefined) {
      p = { creates: new Map(), deletes: new Map() };
      this.#byKey.set(key, p);
    }
    return p;
  }

  /** Records a pod created for `key` (its final name). */
  expectCreate(key: string, podName: string, nowMs: number): void {
    this.#pending(key).creates.set(podName, nowMs);
  }

  /** Records a pod deleted for `key`. */
  expectDelete(key: string, podName: string, uid: string, nowMs: number): void {
    this.#pending(key).deletes.set(podName, { uid, atMs: nowMs });
  }

  /** Upstream `DeleteExpectations`: forgets everything about `key` (the workload is gone). */
  clear(key: string): void {
    this.#byKey.delete(key);
  }

  /**
   * Upstream `SatisfiedExpectations`: drops what the pod cache now reflects (and what expired) and
   * says whether anything is still pending for `key`.
   */
  check(client: ControllerClient, key: string, namespace: string, nowMs: number): ExpectationsCheck {
    const p = this.#byKey.get(key);
    if (p === undefined) return { satisfied: true, expiresInMs: undefined };
    let oldest = Infinity;
    for (const [name, atMs] of p.creates) {
      const got = client.get<PodView>('Pod', namespace, name);
      if (got.ok || nowMs - atMs >= EXPECTATIONS_TIMEOUT_MS) p.creates.delete(name);
      else oldest = Math.min(oldest, atMs);
    }
    for (const [name, d] of p.deletes) {
      const got = client.get<PodView>('Pod', namespace, name);
      const gone = !got.ok || got.value.metadata?.uid !== d.uid || got.value.metadata?.deletionTimestamp !== undefined;
      if (gone || nowMs - d.atMs >= EXPECTATIONS_TIMEOUT_MS) p.deletes.delete(name);
      else oldest = Math.min(oldest, d.atMs);
    }
    if (p.creates.size === 0 && p.deletes.size === 0) {
      this.#byKey.delete(key);
      return { satisfied: true, expiresInMs: undefined };
    }
    return { satisfied: false, expiresInMs: Math.max(0, oldest + EXPECTATIONS_TIMEOUT_MS - nowMs) };
  }
}
