/**
 * The kubelet's heartbeat: the `kube-node-lease/<node>` Lease, renewed every 10 s.
 *
 * Upstream: `staging/src/k8s.io/component-helpers/apimachinery/lease/controller.go` (`sync`:
 * update the latest lease optimistically, with up to `maxUpdateRetries` = 5 immediate retries and
 * a fresh GET after a conflict; otherwise `backoffEnsureLease`: GET, create when absent, sleeping
 * 200 ms doubling to `maxBackoff` = 7 s between failures; the loop runs every renew interval with
 * 4 % jitter) and `pkg/kubelet/nodelease/` (holder identity = node name, duration
 * `nodeLeaseDurationSeconds` = 40 s, renew interval = 0.25 × duration, an owner reference to the
 * Node set when the lease is created or lacks one).
 *
 * The controller is passive: `sync` does one round of API calls at the current instant and says
 * when it wants to run next; the kubelet turns that into a timer. The calls are synchronous, so
 * upstream's sleeps between retries become the returned delay.
 */
import type { DeepReadonly, Lease } from '../api/types.js';
import type { ApiClient } from '../apiserver/api-client.js';
import { formatRfc3339Micro } from '../sim/clock.js';
import type { Rng } from '../sim/rng.js';
import { isConflict, isNotFound } from '../store/api-error.js';

/** Upstream `v1.NamespaceNodeLease`. */
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

/** Upstream `maxUpdateRetries`. */
const MAX_UPDATE_RETRIES = 5;
/** Upstream `maxBackoff` of `backoffEnsureLease`. */
const MAX_BACKOFF_MS = 7000;
/** Upstream's first sleep is 2 × 100 ms. */
const FIRST_SLEEP_MS = 100;
/** Upstream `wait.JitterUntil(c.sync, c.renewInterval, 0.04, true, ...)`. */
const JITTER_FACTOR_PERCENT = 4;

/** Construction options of a `NodeLeaseController`. */
export interface NodeLeaseControllerOptions {
  readonly client: ApiClient;
  readonly nodeName: string;
  readonly leaseDurationSeconds: number;
  readonly renewIntervalMs: number;
  /** The Node's uid if known, for the owner reference; `undefined` blocks creating the lease. */
  readonly nodeUid: () => string | undefined;
}

/** What one `sync` did, for the trace. */
export type LeaseSyncOutcome = 'renewed' | 'created' | 'failed' | 'waiting-for-node';

/** The heartbeat lease of one node. See the module comment. */
export class NodeLeaseController {
  readonly #client: ApiClient;
  readonly #nodeName: string;
  readonly #durationSeconds: number;
  readonly #renewIntervalMs: number;
  readonly #nodeUid: () => string | undefined;
  #latest: DeepReadonly<Lease> | undefined = undefined;
  #sleepMs = FIRST_SLEEP_MS;
  #outcome: LeaseSyncOutcome = 'failed';
  #renewals = 0;

  constructor(options: NodeLeaseControllerOptions) {
    this.#client = options.client;
    this.#nodeName = options.nodeName;
    this.#durationSeconds = options.leaseDurationSeconds;
    this.#renewIntervalMs = options.renewIntervalMs;
    this.#nodeUid = options.nodeUid;
  }

  /** The lease as last written or read (upstream `latestLease`). */
  get latestLease(): DeepReadonly<Lease> | undefined {
    return this.#latest;
  }

  /** What the last `sync` did. */
  get lastOutcome(): LeaseSyncOutcome {
    return this.#outcome;
  }

  /** Successful writes (creations and renewals) so far. */
  get renewals(): number {
    return this.#renewals;
  }

  /** Forgets the latest lease (the process restarted). */
  reset(): void {
    this.#latest = undefined;
    this.#sleepMs = FIRST_SLEEP_MS;
  }

  /**
   * One round of upstream `sync` at `nowMs`, drawing the jitter from `rng`; returns the delay
   * until the next round: the renew interval (plus up to 4 %) after a renewal or creation, or
   * after failed updates of an existing lease; the ensure-lease back-off after a failed GET or
   * create.
   */
  sync(nowMs: number, rng: Rng): number {
    if (this.#latest !== undefined && this.#retryUpdate(this.#latest, nowMs)) return this.#renewDelay(rng);
    const ensured = this.#ensureLease(nowMs);
    if (ensured === 'error') {
      this.#outcome = 'failed';
      this.#sleepMs = Math.min(this.#sleepMs * 2, MAX_BACKOFF_MS);
      return this.#sleepMs;
    }
    this.#sleepMs = FIRST_SLEEP_MS;
    if (ensured === 'no-node') {
      this.#outcome = 'waiting-for-node';
      return this.#renewDelay(rng);
    }
    if (ensured === 'created') {
      this.#outcome = 'created';
      return this.#renewDelay(rng);
    }
    // The lease existed: renew it now (upstream logs a failure and waits for the next round).
    if (!this.#retryUpdate(ensured, nowMs)) this.#outcome = 'failed';
    return this.#renewDelay(rng);
  }

  #renewDelay(rng: Rng): number {
    return this.#renewIntervalMs + rng.int(0, Math.floor((this.#renewIntervalMs * JITTER_FACTOR_PERCENT) / 100));
  }

  /** Upstream `retryUpdateLease`: up to five updates, re-reading the lease after a conflict. */
  #retryUpdate(base: DeepReadonly<Lease>, nowMs: number): boolean {
    let current: DeepReadonly<Lease> | undefined = base;
    for (let i = 0; i < MAX_UPDATE_RETRIES; i++) {
      if (current === undefined) return false;
      const res = this.#client.update<Lease>(this.#renewed(current, nowMs));
      if (res.ok) {
        this.#latest = res.value;
        this.#outcome = 'renewed';
        this.#renewals++;
        return true;
      }
      if (isConflict(res)) {
        const fresh = this.#ensureLease(nowMs);
        current = typeof fresh === 'object' ? fresh : undefined;
        continue;
      }
    }
    return false;
  }

  /** Upstream `ensureLease`: the existing lease, or a newly created one. */
  #ensureLease(nowMs: number): DeepReadonly<Lease> | 'created' | 'no-node' | 'error' {
    const got = this.#client.get<Lease>({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: NODE_LEASE_NAMESPACE, name: this.#nodeName });
    if (got.ok) {
      this.#latest = got.value;
      return got.value;
    }
    if (!isNotFound(got)) return 'error';
    const uid = this.#nodeUid();
    // Upstream: the post-process function fails without the Node, and the create waits a round.
    if (uid === undefined) return 'no-node';
    const lease: Lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: this.#nodeName,
        namespace: NODE_LEASE_NAMESPACE,
        ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: this.#nodeName, uid }],
      },
      spec: { holderIdentity: this.#nodeName, leaseDurationSeconds: this.#durationSeconds, renewTime: formatRfc3339Micro(nowMs) },
    };
    const created = this.#client.create<Lease>(lease);
    if (!created.ok) return 'error';
    this.#latest = created.value;
    this.#renewals++;
    return 'created';
  }

  /** Upstream `newLease(base)`: the base with a fresh renew time and, if missing, the owner reference. */
  #renewed(base: DeepReadonly<Lease>, nowMs: number): Lease {
    const meta = { ...base.metadata } as NonNullable<Lease['metadata']>;
    if ((meta.ownerReferences ?? []).length === 0) {
      const uid = this.#nodeUid();
      if (uid !== undefined) meta.ownerReferences = [{ apiVersion: 'v1', kind: 'Node', name: this.#nodeName, uid }];
    }
    return { ...(base as Lease), metadata: meta, spec: { ...(base.spec as Lease['spec']), renewTime: formatRfc3339Micro(nowMs) } };
  }
}
