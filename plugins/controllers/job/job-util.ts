/**
 * Job helpers after upstream `pkg/controller/job/`: conditions (`newCondition`,
 * `ensureJobConditionStatus`, `IsJobFinished`), completion-index intervals
 * (`indexed_job_utils.go`), and the pod failure back-off (`backoff_utils.go`).
 */
import { formatRfc3339, parseRfc3339, type DeepReadonly, type Job } from 'kubeprop';
import type { PodView } from '../pod-state.js';

/** A Job as the cache hands it out. */
export type JobView = DeepReadonly<Job>;

/** Upstream `batch.JobTrackingFinalizer`: a pod is not removed before the controller has counted it. */
export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
/** Upstream `batch.JobNameLabel`. */
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
/** Upstream `batch.LegacyJobNameLabel`. */
export const LEGACY_JOB_NAME_LABEL = 'job-name';
/** Upstream `batch.ControllerUidLabel`. */
export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
/** Upstream `batch.LegacyControllerUidLabel`. */
export const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';
/** Upstream `batch.JobCompletionIndexAnnotation` (also the label, since `PodIndexLabel` is GA). */
export const JOB_COMPLETION_INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';
/** The environment variable an Indexed Job's containers get. */
export const COMPLETION_INDEX_ENV = 'JOB_COMPLETION_INDEX';

/** A Job condition as written (upstream `batch.JobCondition`). */
export interface JobCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastProbeTime: string;
  lastTransitionTime: string;
  reason?: string;
  message?: string;
}

/** Upstream `newCondition`: both times are now; empty reason and message are left out. */
export function newCondition(type: string, status: JobCondition['status'], reason: string, message: string, nowMs: number): JobCondition {
  const t = formatRfc3339(nowMs);
  const c: JobCondition = { type, status, lastProbeTime: t, lastTransitionTime: t };
  if (reason !== '') c.reason = reason;
  if (message !== '') c.message = message;
  return c;
}

/** The condition of `type`, if any. */
export function findCondition(conditions: readonly DeepReadonly<JobCondition>[] | undefined, type: string): DeepReadonly<JobCondition> | undefined {
  for (const c of conditions ?? []) if (c.type === type) return c;
  return undefined;
}

/**
 * Upstream `ensureJobConditionStatus`: replaces the condition of `type` when its status, reason or
 * message differ; appends it when absent, unless its status is False. Returns whether it changed.
 */
export function ensureCondition(conditions: JobCondition[], type: string, status: JobCondition['status'], reason: string, message: string, nowMs: number): boolean {
  const i = conditions.findIndex((c) => c.type === type);
  if (i >= 0) {
    const c = conditions[i] as JobCondition;
    if (c.status !== status || (c.reason ?? '') !== reason || (c.message ?? '') !== message) {
      conditions[i] = newCondition(type, status, reason, message, nowMs);
      return true;
    }
    return false;
  }
  if (status !== 'False') {
    conditions.push(newCondition(type, status, reason, message, nowMs));
    return true;
  }
  return false;
}

/** Upstream `IsJobFinished`: a `Complete` or `Failed` condition with status True. */
export function isJobFinished(job: JobView): boolean {
  return (job.status?.conditions ?? []).some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

/** The virtual time the Job finished (its terminal condition's transition), if it did. */
export function jobFinishTimeMs(job: JobView): number | undefined {
  for (const c of job.status?.conditions ?? []) {
    if ((c.type === 'Complete' || c.type === 'Failed') && c.status === 'True' && typeof c.lastTransitionTime === 'string') return parseRfc3339(c.lastTransitionTime);
  }
  return undefined;
}

/** Upstream `getCompletionIndex`: the pod's completion index annotation, or -1. */
export function completionIndex(pod: PodView): number {
  const v = pod.metadata?.annotations?.[JOB_COMPLETION_INDEX_ANNOTATION];
  if (v === undefined || !/^\d+$/.test(v)) return -1;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : -1;
}

/** Whether the pod carries the Job tracking finalizer. */
export function hasTrackingFinalizer(pod: PodView): boolean {
  return (pod.metadata?.finalizers ?? []).includes(JOB_TRACKING_FINALIZER);
}

/** A closed interval of completion indexes. */
interface Interval {
  first: number;
  last: number;
}

/** Upstream `orderedIntervals`: sorted, disjoint, non-adjacent intervals of completion indexes. */
export class OrderedIntervals {
  readonly #intervals: readonly Interval[];

  private constructor(intervals: readonly Interval[]) {
    this.#intervals = intervals;
  }

  /** No indexes. */
  static empty(): OrderedIntervals {
    return new OrderedIntervals([]);
  }

  /** Upstream `parseIndexesFromString`: `"1,3-5,7"`, ignoring corrupt parts and indexes ≥ `completions`. */
  static parse(text: string | undefined, completions: number): OrderedIntervals {
    if (text === undefined || text === '') return OrderedIntervals.empty();
    const out: Interval[] = [];
    for (const part of text.split(',')) {
      const limits = part.split('-');
      const first = Number(limits[0]);
      if (limits[0] === '' || !Number.isSafeInteger(first)) continue;
      if (first >= completions) break;
      let last = first;
      if (limits.length > 1) {
        last = Number(limits[1]);
        if (limits[1] === '' || !Number.isSafeInteger(last)) continue;
        if (last >= completions) last = completions - 1;
      }
      const prev = out[out.length - 1];
      if (prev !== undefined && prev.last === first - 1) prev.last = last;
      else out.push({ first, last });
    }
    return new OrderedIntervals(out);
  }

  /** Upstream `withOrderedIndexes`: these intervals plus `indexes` (sorted ascending). */
  withOrderedIndexes(indexes: readonly number[]): OrderedIntervals {
    const out: Interval[] = [];
    const add = (iv: Interval) => {
      const last = out[out.length - 1];
      if (last === undefined || iv.first > last.last + 1) out.push({ ...iv });
      else if (last.last < iv.last) last.last = iv.last;
    };
    let i = 0;
    let j = 0;
    const oi = this.#intervals;
    while (i < oi.length && j < indexes.length) {
      const a = oi[i] as Interval;
      const b = indexes[j] as number;
      if (a.first < b) {
        add(a);
        i++;
      } else {
        add({ first: b, last: b });
        j++;
      }
    }
    for (; i < oi.length; i++) add(oi[i] as Interval);
    for (; j < indexes.length; j++) add({ first: indexes[j] as number, last: indexes[j] as number });
    return new OrderedIntervals(out);
  }

  /** How many indexes. */
  total(): number {
    let n = 0;
    for (const iv of this.#intervals) n += iv.last - iv.first + 1;
    return n;
  }

  /** Whether `ix` is included. */
  has(ix: number): boolean {
    for (const iv of this.#intervals) if (iv.first <= ix && ix <= iv.last) return true;
    return false;
  }

  /** The intervals, for iteration. */
  intervals(): readonly Readonly<Interval>[] {
    return this.#intervals;
  }

  /** Upstream `String()`: `0-2,5,7,8` (two consecutive indexes print as `7,8`). */
  toString(): string {
    const parts: string[] = [];
    for (const iv of this.#intervals) {
      if (iv.last === iv.first) parts.push(String(iv.first));
      else if (iv.last === iv.first + 1) parts.push(`${iv.first},${iv.last}`);
      else parts.push(`${iv.first}-${iv.last}`);
    }
    return parts.join(',');
  }
}

/**
 * Upstream `firstPendingIndexes`: the `count` lowest indexes below `completions` that are neither
 * succeeded nor taken by one of `busy` (active pods' indexes, and terminating ones' when only failed
 * pods are replaced).
 */
export function firstPendingIndexes(succeeded: OrderedIntervals, busy: readonly number[], count: number, completions: number): number[] {
  if (count <= 0) return [];
  const nonPending = succeeded.withOrderedIndexes([...new Set(busy.filter((i) => i >= 0))].sort((a, b) => a - b));
  const out: number[] = [];
  let candidate = 0;
  for (const iv of nonPending.intervals()) {
    for (; candidate < completions && out.length < count && candidate < iv.first; candidate++) out.push(candidate);
    if (candidate < iv.last + 1) candidate = iv.last + 1;
  }
  for (; candidate < completions && out.length < count; candidate++) out.push(candidate);
  return out;
}

/** Upstream `podGenerateNameWithIndex`: `<job>-<index>-`, the job name cut so the prefix fits 58 characters. */
export function podGenerateNameWithIndex(jobName: string, index: number): string {
  const suffix = `-${index}-`;
  const prefix = jobName + suffix;
  return prefix.length > 58 ? jobName.slice(0, 58 - suffix.length) + suffix : prefix;
}

/**
 * Upstream `getFinishedTime`: when the pod finished — the latest container termination (if every
 * container terminated), else its Ready=False transition, else its deletion time minus the grace
 * period, else its creation time.
 */
export function podFinishedTimeMs(pod: PodView): number {
  const statuses = pod.status?.containerStatuses ?? [];
  let latest: number | undefined;
  let allTerminated = statuses.length > 0;
  for (const s of statuses) {
    const at = s.state?.terminated?.finishedAt;
    const ms = typeof at === 'string' ? parseRfc3339(at) : undefined;
    if (ms === undefined) {
      allTerminated = false;
      break;
    }
    if (latest === undefined || ms > latest) latest = ms;
  }
  if (allTerminated && latest !== undefined) return latest;
  for (const c of pod.status?.conditions ?? []) {
    if (c.type === 'Ready' && c.status === 'False' && typeof c.lastTransitionTime === 'string') {
      const ms = parseRfc3339(c.lastTransitionTime);
      if (ms !== undefined) return ms;
    }
  }
  const deletion = pod.metadata?.deletionTimestamp;
  if (typeof deletion === 'string') {
    const ms = parseRfc3339(deletion);
    if (ms !== undefined) return ms - (pod.metadata?.deletionGracePeriodSeconds ?? 0) * 1000;
  }
  const created = pod.metadata?.creationTimestamp;
  return (typeof created === 'string' ? parseRfc3339(created) : undefined) ?? 0;
}

/** Upstream `backoffRecord`: consecutive failures since the last success, and when the last one happened. */
export interface BackoffRecord {
  readonly failuresAfterLastSuccess: number;
  readonly lastFailureMs: number | undefined;
}

/** The record of a Job with no failures. */
export const NO_FAILURES: BackoffRecord = Object.freeze({ failuresAfterLastSuccess: 0, lastFailureMs: undefined });

/** Upstream `newBackoffRecord`: the record updated with the pods that finished since the last count. */
export function nextBackoffRecord(prev: BackoffRecord, newSucceeded: readonly PodView[], newFailed: readonly PodView[]): BackoffRecord {
  const failed = newFailed.map(podFinishedTimeMs).sort((a, b) => a - b);
  if (newSucceeded.length === 0) {
    if (failed.length === 0) return prev;
    return { failuresAfterLastSuccess: prev.failuresAfterLastSuccess + failed.length, lastFailureMs: failed[failed.length - 1] };
  }
  if (failed.length === 0) return NO_FAILURES;
  const lastSuccess = Math.max(...newSucceeded.map(podFinishedTimeMs));
  let count = 0;
  let lastFailureMs: number | undefined;
  for (let i = failed.length - 1; i >= 0; i--) {
    const t = failed[i] as number;
    if (t <= lastSuccess) break;
    lastFailureMs ??= t;
    count++;
  }
  return { failuresAfterLastSuccess: count, lastFailureMs };
}

/**
 * Upstream `getRemainingTimeForFailuresCount`: the pod failure back-off is `initial` doubled per
 * further consecutive failure up to `max`, counted from the last failure; what is left of it.
 */
export function backoffRemainingMs(record: BackoffRecord, nowMs: number, initialMs: number, maxMs: number): number {
  if (record.failuresAfterLastSuccess === 0 || record.lastFailureMs === undefined) return 0;
  let backoff = initialMs;
  for (let i = 1; i < record.failuresAfterLastSuccess; i++) {
    backoff *= 2;
    if (backoff >= maxMs) {
      backoff = maxMs;
      break;
    }
  }
  const elapsed = nowMs - record.lastFailureMs;
  return backoff < elapsed ? 0 : backoff - elapsed;
}
