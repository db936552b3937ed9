/**
 * Creation and deletion expectations, upstream `ControllerExpectations` and
 * `UIDTrackingControllerExpectations` (`pkg/controller/controller_utils.go`).
 *
 * After a sync creates N pods, the controller's cache will not show them until their watch events
 * arrive. A second sync in that window would count too few pods and create more: the over-creation
 * that expectations exist to prevent. So a sync that creates or deletes records what it expects to
 * see, and later syncs do not create or delete anything until the cache has caught up (every
 * expected creation observed, every expected deletion observed) or `EXPECTATIONS_TIMEOUT_MS`
 * has passed since the expectations were set (a lost event must not stall the controller forever).
 *
 * Upstream lowers the counters in its informer event handlers. Here a sync lowers them itself by
 * looking the expected pods up in the cache (`observe`): a created pod is observed once the cache
 * holds it, a deleted pod once the cache no longer holds it or holds it marked for deletion. Each
 * expected pod is tracked by uid, creations as well as deletions, which upstream only does for
 * deletions.
 */
import type { CachedPod } from './pod-state.js';

/** Upstream `controller.ExpectationsTimeout`: 5 minutes. */
export const EXPECTATIONS_TIMEOUT_MS = 5 * 60_000;

/** A pod a sync created or deleted. */
export interface ExpectedPod {
  readonly name: string;
  readonly uid: string;
}

interface Expectation {
  /** Created pods not yet seen in the cache, by uid. */
  readonly creates: Map<string, string>;
  /** Deleted pods still seen in the cache (and not marked for deletion), by uid. */
  readonly deletes: Map<string, string>;
  readonly setAtMs: number;
}

/** How many creations and deletions a controller still waits for. */
export interface PendingExpectations {
  readonly creates: number;
  readonly deletes: number;
}

/**
 * The expectations of one controller incarnation, by controller key (`namespace/name`). A fresh
 * incarnation starts with none, as a restarted kube-controller-manager does.
 */
export class ControllerExpectations {
  readonly #records = new Map<string, Expectation>();
  readonly #timeoutMs: number;

  /** @param timeoutMs - how long expectations hold before they expire (default 5 min). */
  constructor(timeoutMs: number = EXPECTATIONS_TIMEOUT_MS) {
    this.#timeoutMs = timeoutMs;
  }

  /** Upstream `ExpectCreations`: replaces the key's expectations with these created pods. */
  expectCreations(key: string, pods: readonly ExpectedPod[], nowMs: number): void {
    this.#records.set(key, { creates: new Map(pods.map((p) => [p.uid, p.name])), deletes: new Map(), setAtMs: nowMs });
  }

  /** Upstream `ExpectDeletions`: replaces the key's expectations with these deleted pods. */
  expectDeletions(key: string, pods: readonly ExpectedPod[], nowMs: number): void {
    this.#records.set(key, { creates: new Map(), deletes: new Map(pods.map((p) => [p.uid, p.name])), setAtMs: nowMs });
  }

  /** Upstream `DeletionObserved` for a deletion that failed: it will never be seen. */
  deletionObserved(key: string, uid: string): void {
    this.#records.get(key)?.deletes.delete(uid);
  }

  /**
   * Lowers the key's expectations by what the cache now shows. `lookup` reads a pod of the
   * controller's namespace from the cache by name.
   */
  observe(key: string, lookup: (name: string) => CachedPod | undefined): void {
    const exp = this.#records.get(key);
    if (exp === undefined) return;
    for (const [uid, name] of exp.creates) {
      if (lookup(name)?.metadata?.uid === uid) exp.creates.delete(uid);
    }
    for (const [uid, name] of exp.deletes) {
      const pod = lookup(name);
      if (pod === undefined || pod.metadata?.uid !== uid || pod.metadata.deletionTimestamp !== undefined) exp.deletes.delete(uid);
    }
  }

  /**
   * Upstream `SatisfiedExpectations`: true when the key has no expectations, when they are
   * fulfilled, or when they have expired.
   */
  satisfied(key: string, nowMs: number): boolean {
    const exp = this.#records.get(key);
    if (exp === undefined) return true;
    if (exp.creates.size === 0 && exp.deletes.size === 0) return true;
    return nowMs - exp.setAtMs > this.#timeoutMs;
  }

  /** What the key still waits for (zeros when nothing). */
  pending(key: string): PendingExpectations {
    const exp = this.#records.get(key);
    return { creates: exp?.creates.size ?? 0, deletes: exp?.deletes.size ?? 0 };
  }

  /** When unfulfilled expectations of the key expire, in virtual ms; `undefined` if none are pending. */
  expiresAtMs(key: string): number | undefined {
    const exp = this.#records.get(key);
    if (exp === undefined || (exp.creates.size === 0 && exp.deletes.size === 0)) return undefined;
    return exp.setAtMs + this.#timeoutMs + 1;
  }

  /** Upstream `DeleteExpectations`: forgets the key (its controller is gone). */
  delete(key: string): void {
    this.#records.delete(key);
  }
}
