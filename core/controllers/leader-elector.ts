/**
 * Leader election on a `coordination.k8s.io/v1` `Lease`, upstream
 * `staging/src/k8s.io/client-go/tools/leaderelection/leaderelection.go` (`acquire`, `renew`,
 * `tryAcquireOrRenew`, `release`) with `resourcelock/leaselock.go`, in virtual time.
 *
 * The protocol, as upstream:
 * - A candidate tries every `retryPeriod`, jittered by up to 1.2 × (upstream `JitterFactor`). It
 *   reads the lease; whenever the record differs from the one it saw last, it notes the time of
 *   that observation on its own clock. It takes the lease only when the record has no holder, or
 *   when `leaseDurationSeconds` have passed since it last saw the record change (expiry by its own
 *   observation, never by comparing clocks with the holder's `renewTime`). Taking it writes the
 *   holder, `acquireTime`, `renewTime` and `leaseTransitions + 1`, conditional on the
 *   resourceVersion it read (so two candidates cannot both win).
 * - The leader renews at once and then every `retryPeriod`: first optimistically, writing over the
 *   lease it last wrote, and on failure by reading it again. A renew round that has not succeeded
 *   within `renewDeadline` ends the leadership (`onStoppedLeading`). Since `renewDeadline <
 *   leaseDuration`, the old leader stops before anyone else may take over, clocks being equal.
 * - Identities are per process: a restarted component is a new candidate and must wait for its
 *   predecessor's lease to expire.
 *
 * Times in the lease are `MicroTime` (`2026-01-01T00:00:02.000000Z`) of the virtual clock.
 */
import type { DeepReadonly, Lease } from '../api/types.js';
import type { ApiClient } from '../apiserver/api-client.js';
import { ConfigError } from '../errors.js';
import { formatRfc3339Micro } from '../sim/clock.js';
import type { EventHandle } from '../sim/event-queue.js';
import type { Rng } from '../sim/rng.js';
import { isNotFound, type ApiError } from '../store/api-error.js';
import type { RuntimeHost, RuntimePayload, RuntimeReceiver } from './runtime-host.js';

/** Upstream defaults of kube-controller-manager and kube-scheduler: 15 s lease. */
export const LEASE_DURATION_DEFAULT_MS = 15_000;
/** Upstream default renew deadline: 10 s. */
export const RENEW_DEADLINE_DEFAULT_MS = 10_000;
/** Upstream default retry period: 2 s. */
export const RETRY_PERIOD_DEFAULT_MS = 2_000;
/** Upstream `JitterFactor` of the acquire loop, as a ratio of tenths (1.2). */
const JITTER_TENTHS = 12;

/** Timing of a leader election (upstream `LeaderElectionConfiguration`). */
export interface LeaderElectionTiming {
  /** How long a lease lasts without renewal, as non-leaders observe it; default 15 s. Whole seconds are written to the lease. */
  readonly leaseDurationMs?: number;
  /** How long the leader keeps trying to renew before it gives up; default 10 s. */
  readonly renewDeadlineMs?: number;
  /** How often candidates try and the leader renews; default 2 s. */
  readonly retryPeriodMs?: number;
}

/** Upstream `LeaderCallbacks`. Called synchronously inside the host actor's handler. */
export interface LeaderCallbacks {
  /** This elector acquired the lease: start the work only the leader may do. */
  onStartedLeading(): void;
  /** This elector lost (or could not renew) the lease: stop that work at once. */
  onStoppedLeading(): void;
  /** The observed holder changed (including the first observation). */
  onNewLeader?(identity: string): void;
}

/** Construction options of a `LeaderElector`. */
export interface LeaderElectorOptions extends LeaderElectionTiming {
  /** The component it runs in: its attempts are timers on that actor. */
  readonly host: RuntimeHost;
  /** The component's client (writes should be announced: pass a `WatchNetwork.wrap`ped client). */
  readonly client: ApiClient;
  /** This candidate's identity, unique per process incarnation (upstream `hostname_uuid`). */
  readonly identity: string;
  /** The lease: `kube-controller-manager` / `kube-scheduler` in `kube-system` upstream. */
  readonly leaseName: string;
  readonly leaseNamespace?: string;
  readonly callbacks: LeaderCallbacks;
  /** Jitter stream; default `host.actor.rng.fork('leader-election')`. */
  readonly rng?: Rng;
}

/** Upstream `resourcelock.LeaderElectionRecord`, as stored in a Lease's spec. */
export interface LeaderElectionRecord {
  readonly holderIdentity: string;
  readonly leaseDurationSeconds: number;
  /** MicroTime strings (empty when unset). */
  readonly acquireTime: string;
  readonly renewTime: string;
  readonly leaseTransitions: number;
}

const EMPTY_RECORD: LeaderElectionRecord = Object.freeze({ holderIdentity: '', leaseDurationSeconds: 0, acquireTime: '', renewTime: '', leaseTransitions: 0 });

/** Timer arguments: what a `leader-election` timer does. */
const ACQUIRE = 0;
const RENEW_ROUND = 1;
const RENEW_RETRY = 2;
const RENEW_DEADLINE = 3;

type Phase = 'idle' | 'acquiring' | 'leading' | 'stopped';

/** A leader election client for one lease and one candidate identity. */
export class LeaderElector implements RuntimeReceiver {
  /** This candidate's identity, written as `holderIdentity`. */
  readonly identity: string;
  /** The lease's name and namespace. */
  readonly leaseName: string;
  readonly leaseNamespace: string;
  /** The effective timing (defaults applied). */
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  readonly #host: RuntimeHost;
  readonly #client: ApiClient;
  readonly #callbacks: LeaderCallbacks;
  readonly #rng: Rng;
  readonly #id: number;
  #phase: Phase = 'idle';
  #observed: LeaderElectionRecord = EMPTY_RECORD;
  #observedRaw = '';
  #observedTimeMs = 0;
  /** The lease as last read or written: the base of the next update (its resourceVersion guards it). */
  #lease: DeepReadonly<Lease> | undefined = undefined;
  #reportedLeader = '';
  #roundStartMs = 0;
  #timer: EventHandle | undefined = undefined;

  constructor(options: LeaderElectorOptions) {
    this.leaseDurationMs = options.leaseDurationMs ?? LEASE_DURATION_DEFAULT_MS;
    this.renewDeadlineMs = options.renewDeadlineMs ?? RENEW_DEADLINE_DEFAULT_MS;
    this.retryPeriodMs = options.retryPeriodMs ?? RETRY_PERIOD_DEFAULT_MS;
    checkTiming(this.leaseDurationMs, this.renewDeadlineMs, this.retryPeriodMs);
    if (options.identity === '') throw new ConfigError('LeaderElector: identity must not be empty');
    if (options.leaseName === '') throw new ConfigError('LeaderElector: leaseName must not be empty');
    this.identity = options.identity;
    this.leaseName = options.leaseName;
    this.leaseNamespace = options.leaseNamespace ?? 'kube-system';
    this.#host = options.host;
    this.#client = options.client;
    this.#callbacks = options.callbacks;
    this.#rng = options.rng ?? options.host.actor.rng.fork('leader-election');
    this.#id = options.host.register(this);
  }

  /** Upstream `IsLeader`: the last observed record names this candidate. */
  get isLeader(): boolean {
    return this.#observed.holderIdentity === this.identity;
  }

  /** Whether this elector is between `onStartedLeading` and `onStoppedLeading`. */
  get leading(): boolean {
    return this.#phase === 'leading';
  }

  /** Upstream `GetLeader`: the last observed holder (`''` when none observed). */
  get leader(): string {
    return this.#observed.holderIdentity;
  }

  /** The last observed record, and when (virtual ms) it was observed to change. */
  observed(): { readonly record: LeaderElectionRecord; readonly observedAtMs: number } {
    return { record: this.#observed, observedAtMs: this.#observedTimeMs };
  }

  /** Upstream `Run`: starts trying to acquire, the first attempt now. */
  run(): void {
    if (this.#phase !== 'idle') return;
    this.#phase = 'acquiring';
    this.#acquireAttempt();
  }

  /** Stops all activity without callbacks or writes (the process is gone). */
  stop(): void {
    this.#phase = 'stopped';
    if (this.#timer !== undefined) this.#host.cancelTimer(this.#timer);
    this.#timer = undefined;
    this.#host.unregister(this.#id);
  }

  /**
   * Upstream `release` (`ReleaseOnCancel`): if this candidate holds the lease, writes it back
   * with no holder and a 1 s duration so another can take it at once. Then stops, calling
   * `onStoppedLeading` if it was leading. Returns whether the lease ended up released.
   */
  release(): boolean {
    const wasLeading = this.#phase === 'leading';
    let released = !this.isLeader;
    if (this.isLeader && this.#lease !== undefined) {
      const now = formatRfc3339Micro(this.#host.nowMs());
      const record: LeaderElectionRecord = {
        holderIdentity: '',
        leaseDurationSeconds: 1,
        acquireTime: now,
        renewTime: now,
        leaseTransitions: this.#observed.leaseTransitions,
      };
      const res = this.#client.update<Lease>(withRecord(this.#lease, record));
      if (res.ok) {
        this.#setObserved(record);
        this.#lease = res.value;
        released = true;
      } else {
        this.#traceFailure('lease-release-failed', res.error);
      }
    }
    this.stop();
    if (wasLeading) this.#callbacks.onStoppedLeading();
    return released;
  }

  receive(payload: RuntimePayload): void {
    if (payload.kind !== 'leader-election' || this.#phase === 'stopped' || this.#phase === 'idle') return;
    this.#timer = undefined;
    switch (payload.arg) {
      case ACQUIRE:
        this.#acquireAttempt();
        return;
      case RENEW_ROUND:
        this.#roundStartMs = this.#host.nowMs();
        this.#renewAttempt();
        return;
      case RENEW_RETRY:
        this.#renewAttempt();
        return;
      case RENEW_DEADLINE:
        this.#lose();
        return;
      default:
        return;
    }
  }

  #acquireAttempt(): void {
    const ok = this.#tryAcquireOrRenew();
    this.#maybeReportTransition();
    if (!ok) {
      // wait.JitterUntil: the period plus [0, 1.2) × the period.
      const jitter = this.#rng.below(Math.max(1, Math.floor((this.retryPeriodMs * JITTER_TENTHS) / 10)));
      this.#timer = this.#host.setTimer(this.retryPeriodMs + jitter, 'leader-election', this.#id, ACQUIRE);
      return;
    }
    this.#phase = 'leading';
    this.#host.actor.trace('leader-acquired', { lease: `${this.leaseNamespace}/${this.leaseName}`, identity: this.identity });
    // Upstream `renew` starts with an immediate round (wait.Until runs its function first).
    this.#timer = this.#host.setTimer(0, 'leader-election', this.#id, RENEW_ROUND);
    this.#callbacks.onStartedLeading();
  }

  #renewAttempt(): void {
    const ok = this.#tryAcquireOrRenew();
    this.#maybeReportTransition();
    if (this.#phase !== 'leading') return;
    const now = this.#host.nowMs();
    if (ok) {
      this.#timer = this.#host.setTimer(this.retryPeriodMs, 'leader-election', this.#id, RENEW_ROUND);
      return;
    }
    const deadline = this.#roundStartMs + this.renewDeadlineMs;
    if (now + this.retryPeriodMs < deadline) {
      this.#timer = this.#host.setTimer(this.retryPeriodMs, 'leader-election', this.#id, RENEW_RETRY);
    } else {
      this.#timer = this.#host.setTimer(Math.max(0, deadline - now), 'leader-election', this.#id, RENEW_DEADLINE);
    }
  }

  #lose(): void {
    this.#phase = 'stopped';
    this.#host.actor.trace('leader-lost', { lease: `${this.leaseNamespace}/${this.leaseName}`, identity: this.identity });
    this.#host.unregister(this.#id);
    this.#callbacks.onStoppedLeading();
  }

  /** Upstream `tryAcquireOrRenew`. */
  #tryAcquireOrRenew(): boolean {
    const nowMs = this.#host.nowMs();
    const now = formatRfc3339Micro(nowMs);
    const durationSeconds = Math.floor(this.leaseDurationMs / 1000);

    // 1. Fast path: the leader writes over the lease it last saw, assuming nobody else changed it.
    if (this.isLeader && this.#isLeaseValid(nowMs) && this.#lease !== undefined) {
      const record: LeaderElectionRecord = {
        holderIdentity: this.identity,
        leaseDurationSeconds: durationSeconds,
        acquireTime: this.#observed.acquireTime,
        renewTime: now,
        leaseTransitions: this.#observed.leaseTransitions,
      };
      const res = this.#client.update<Lease>(withRecord(this.#lease, record));
      if (res.ok) {
        this.#lease = res.value;
        this.#setObserved(record);
        return true;
      }
      this.#traceFailure('lease-renew-failed', res.error);
    }

    // 2. Read the lease, or create it.
    const got = this.#client.get<Lease>({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: this.leaseNamespace, name: this.leaseName });
    if (!got.ok) {
      if (!isNotFound(got.error)) {
        this.#traceFailure('lease-get-failed', got.error);
        return false;
      }
      const record: LeaderElectionRecord = { holderIdentity: this.identity, leaseDurationSeconds: durationSeconds, acquireTime: now, renewTime: now, leaseTransitions: 0 };
      const created = this.#client.create<Lease>({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: this.leaseName, namespace: this.leaseNamespace },
        spec: specOf(record),
      });
      if (!created.ok) {
        this.#traceFailure('lease-create-failed', created.error);
        return false;
      }
      this.#lease = created.value;
      this.#setObserved(record);
      return true;
    }

    // 3. Note when the record was last seen to change; respect an unexpired lease held by another.
    this.#lease = got.value;
    const current = leaseRecordOf(got.value);
    const raw = rawOf(current);
    if (raw !== this.#observedRaw) {
      this.#observed = current;
      this.#observedRaw = raw;
      this.#observedTimeMs = nowMs;
    }
    if (current.holderIdentity !== '' && this.#isLeaseValid(nowMs) && !this.isLeader) return false;

    // 4. Take or renew it.
    const record: LeaderElectionRecord = this.isLeader
      ? { holderIdentity: this.identity, leaseDurationSeconds: durationSeconds, acquireTime: current.acquireTime, renewTime: now, leaseTransitions: current.leaseTransitions }
      : { holderIdentity: this.identity, leaseDurationSeconds: durationSeconds, acquireTime: now, renewTime: now, leaseTransitions: current.leaseTransitions + 1 };
    const res = this.#client.update<Lease>(withRecord(got.value, record));
    if (!res.ok) {
      this.#traceFailure('lease-update-failed', res.error);
      return false;
    }
    this.#lease = res.value;
    this.#setObserved(record);
    return true;
  }

  /** Upstream `isLeaseValid`: the observed record has not expired by this candidate's clock. */
  #isLeaseValid(nowMs: number): boolean {
    return this.#observedTimeMs + this.#observed.leaseDurationSeconds * 1000 > nowMs;
  }

  #setObserved(record: LeaderElectionRecord): void {
    this.#observed = record;
    this.#observedRaw = rawOf(record);
    this.#observedTimeMs = this.#host.nowMs();
  }

  #maybeReportTransition(): void {
    const holder = this.#observed.holderIdentity;
    if (holder === this.#reportedLeader) return;
    this.#reportedLeader = holder;
    this.#host.actor.trace('leader-observed', { lease: `${this.leaseNamespace}/${this.leaseName}`, leader: holder });
    this.#callbacks.onNewLeader?.(holder);
  }

  #traceFailure(kind: string, error: ApiError): void {
    this.#host.actor.trace(kind, { lease: `${this.leaseNamespace}/${this.leaseName}`, code: error.code, reason: error.reason });
  }
}

/** Upstream `NewLeaderElector` validation. */
function checkTiming(leaseDurationMs: number, renewDeadlineMs: number, retryPeriodMs: number): void {
  for (const [name, v] of [
    ['leaseDurationMs', leaseDurationMs],
    ['renewDeadlineMs', renewDeadlineMs],
    ['retryPeriodMs', retryPeriodMs],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < 1) throw new ConfigError(`LeaderElector: ${name} must be a positive integer, got ${String(v)}`);
  }
  if (leaseDurationMs < 1000) throw new ConfigError('LeaderElector: leaseDurationMs must be at least 1000 (the lease stores whole seconds)');
  if (leaseDurationMs <= renewDeadlineMs) throw new ConfigError('LeaderElector: leaseDurationMs must be greater than renewDeadlineMs');
  if (renewDeadlineMs * 10 <= retryPeriodMs * JITTER_TENTHS) throw new ConfigError('LeaderElector: renewDeadlineMs must be greater than retryPeriodMs*JitterFactor (1.2)');
}

/** Upstream `LeaseSpecToLeaderElectionRecord`. */
export function leaseRecordOf(lease: DeepReadonly<Lease>): LeaderElectionRecord {
  const spec = lease.spec ?? {};
  return {
    holderIdentity: spec.holderIdentity ?? '',
    leaseDurationSeconds: spec.leaseDurationSeconds ?? 0,
    acquireTime: spec.acquireTime ?? '',
    renewTime: spec.renewTime ?? '',
    leaseTransitions: spec.leaseTransitions ?? 0,
  };
}

/** Upstream `LeaderElectionRecordToLeaseSpec`. */
function specOf(record: LeaderElectionRecord): NonNullable<Lease['spec']> {
  return {
    holderIdentity: record.holderIdentity,
    leaseDurationSeconds: record.leaseDurationSeconds,
    acquireTime: record.acquireTime,
    renewTime: record.renewTime,
    leaseTransitions: record.leaseTransitions,
  };
}

/** The lease with its spec replaced by `record` (and its resourceVersion kept, as the guard). */
function withRecord(lease: DeepReadonly<Lease>, record: LeaderElectionRecord): Lease {
  return { ...(lease as Lease), spec: specOf(record) };
}

/** The comparable form of a record (upstream compares the JSON bytes). */
function rawOf(r: LeaderElectionRecord): string {
  return `${r.holderIdentity}\u0000${r.leaseDurationSeconds}\u0000${r.acquireTime}\u0000${r.renewTime}\u0000${r.leaseTransitions}`;
}
