/**
 * The kubelet's container restart back-off (CrashLoopBackOff), upstream `flowcontrol.Backoff` as
 * the kubelet uses it: `staging/src/k8s.io/client-go/util/flowcontrol/backoff.go` (`Next`,
 * `IsInBackOffSince`, `hasExpired`) driven by `pkg/kubelet/kuberuntime/kuberuntime_manager.go`
 * (`doBackOff`), with `backOffPeriod` 10 s and `MaxContainerBackOff` 300 s
 * (`pkg/kubelet/kubelet.go`; the `ReduceDefaultCrashLoopBackOffDecay` and
 * `KubeletCrashLoopBackOffMax` gates are alpha and off in v1.35).
 *
 * The resulting timeline, from the second crash on, is 10 s, 20 s, 40 s, … capped at 300 s between
 * a crash and the restart; the first crash restarts at once (no entry yet), and a container that
 * ran for more than twice the cap (10 min) since its last restart starts over at 10 s.
 */

interface Entry {
  backoffMs: number;
  lastUpdateMs: number;
}

/** Per-container back-off state, keyed by a stable container key (pod uid and container name). */
export class CrashLoopBackOff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #entries = new Map<string, Entry>();

  constructor(initialMs: number, maxMs: number) {
    this.#initialMs = initialMs;
    this.#maxMs = maxMs;
  }

  /**
   * Upstream `IsInBackOffSince(key, eventTime)`: whether the container that exited at `eventMs`
   * must still wait at `nowMs`. False without an entry, or when the entry has expired (the last
   * restart was more than twice the cap before the exit).
   */
  isInBackOffSince(key: string, eventMs: number, nowMs: number): boolean {
    const entry = this.#entries.get(key);
    if (entry === undefined || this.#expired(eventMs, entry)) return false;
    return nowMs - eventMs < entry.backoffMs;
  }

  /**
   * When the back-off of a container that exited at `eventMs` ends: `eventMs + backoff`, or
   * `eventMs` when it is not in back-off.
   */
  backOffEndMs(key: string, eventMs: number): number {
    const entry = this.#entries.get(key);
    if (entry === undefined || this.#expired(eventMs, entry)) return eventMs;
    return eventMs + entry.backoffMs;
  }

  /**
   * Upstream `Next(key, eventTime)`, called when the container is restarted at `nowMs`: starts
   * (or restarts, if expired) at the initial delay, otherwise doubles up to the cap; either way the
   * entry's last update becomes `nowMs`. No jitter: the kubelet's back-off has none.
   */
  next(key: string, eventMs: number, nowMs: number): void {
    const entry = this.#entries.get(key);
    if (entry === undefined || this.#expired(eventMs, entry)) {
      this.#entries.set(key, { backoffMs: this.#initialMs, lastUpdateMs: nowMs });
      return;
    }
    entry.backoffMs = Math.min(entry.backoffMs * 2, this.#maxMs);
    entry.lastUpdateMs = nowMs;
  }

  /** Upstream `Get`: the current back-off of `key`, 0 without an entry. */
  get(key: string): number {
    return this.#entries.get(key)?.backoffMs ?? 0;
  }

  /** Forgets `key` (its pod is gone). */
  delete(key: string): void {
    this.#entries.delete(key);
  }

  /** Forgets everything: the state is in the kubelet's memory, lost when it restarts. */
  clear(): void {
    this.#entries.clear();
  }

  /** Entries held, for leak checks. */
  get size(): number {
    return this.#entries.size;
  }

  /** Upstream `hasExpired`: more than twice the cap between the last update and the event. */
  #expired(eventMs: number, entry: Entry): boolean {
    return eventMs - entry.lastUpdateMs > this.#maxMs * 2;
  }
}
