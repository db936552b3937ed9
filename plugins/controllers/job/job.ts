/**
 * The Job controller of kube-controller-manager v1.35: runs pods until `completions` of them
 * succeed (NonIndexed), or until each completion index has a succeeded pod (Indexed), with at most
 * `parallelism` at a time; retries failures with an exponential back-off until `backoffLimit`;
 * fails the Job past `activeDeadlineSeconds`. Upstream `pkg/controller/job/job_controller.go`
 * (`syncJob`, `manageJob`, `trackJobStatusAndRemoveFinalizers`), `indexed_job_utils.go`,
 * `backoff_utils.go`, and the TTL-after-finished controller (`pkg/controller/ttlafterfinished/`)
 * for `ttlSecondsAfterFinished`.
 *
 * Counting is exact across stale caches and restarts, as upstream: every pod carries the
 * `batch.kubernetes.io/job-tracking` finalizer; a finished pod is first recorded in
 * `status.uncountedTerminatedPods`, then its finalizer is removed, then it moves to
 * `succeeded`/`failed`. A finished Job first gets the interim `SuccessCriteriaMet` or
 * `FailureTarget` condition, and `Complete` or `Failed` only once no pod is left uncounted or
 * terminating.
 *
 * Queue keys: a Job key syncs that Job; pods with a Job controller reference enqueue it. An orphan
 * pod still carrying the tracking finalizer is queued as `namespace/orphan-pod:<name>` (never a
 * valid Job name), whose reconcile removes the finalizer (upstream's orphan queue).
 */
import {
  ItemExponentialFailureRateLimiter,
  controllerRef,
  defineController,
  formatRfc3339,
  newControllerRef,
  parseRfc3339,
  reconcileDone,
  retryReconcile,
  tryLabelSelectorAsSelector,
  type ControllerClient,
  type ControllerDefinition,
  type KubeObject,
  type LabelSelector,
  type ReconcileContext,
  type ReconcileResult,
} from 'kubeprop';
import { claimPods } from '../claim-pods.js';
import { perIncarnation } from '../incarnation-state.js';
import { PodExpectations } from '../pod-expectations.js';
import { POD_INDEXERS, podsControlledBy, podsMatchingLabelSelector } from '../pod-indexes.js';
import { compareActivePods, isPodActive, isPodDeleting, isPodReady, isPodTerminal, type PodView } from '../pod-state.js';
import { ResultCollector } from '../reconcile-results.js';
import {
  COMPLETION_INDEX_ENV,
  CONTROLLER_UID_LABEL,
  JOB_COMPLETION_INDEX_ANNOTATION,
  JOB_NAME_LABEL,
  JOB_TRACKING_FINALIZER,
  LEGACY_CONTROLLER_UID_LABEL,
  LEGACY_JOB_NAME_LABEL,
  NO_FAILURES,
  OrderedIntervals,
  backoffRemainingMs,
  completionIndex,
  ensureCondition,
  findCondition,
  firstPendingIndexes,
  hasTrackingFinalizer,
  isJobFinished,
  jobFinishTimeMs,
  newCondition,
  nextBackoffRecord,
  podGenerateNameWithIndex,
  type BackoffRecord,
  type JobCondition,
  type JobView,
} from './job-util.js';

/** The controller's name in kube-controller-manager. */
export const JOB_CONTROLLER_NAME = 'job-controller';
/** The `spec.managedBy` value of this controller; Jobs managed by anything else are skipped. */
export const JOB_CONTROLLER_MANAGED_BY = 'kubernetes.io/job-controller';
/** Upstream `syncJobBatchPeriod`: syncs caused by pod or status changes are batched per second. */
export const SYNC_JOB_BATCH_PERIOD_MS = 1_000;
/** Upstream `DefaultJobApiBackOff`: the work queue's first retry after a failed sync. */
export const DEFAULT_JOB_API_BACKOFF_MS = 1_000;
/** Upstream `MaxJobApiBackOff`: retries double up to this. */
export const MAX_JOB_API_BACKOFF_MS = 60_000;
/** Upstream `DefaultJobPodFailureBackOff`: the delay before replacing a failed pod, doubling per further consecutive failure. */
export const DEFAULT_JOB_POD_FAILURE_BACKOFF_MS = 10_000;
/**
 * Upstream `MaxJobPodFailureBackOff`: the cap of the pod failure back-off, 10 minutes in the v1.35
 * code (the Job documentation still says six minutes).
 */
export const MAX_JOB_POD_FAILURE_BACKOFF_MS = 10 * 60_000;
/** Upstream `MaxUncountedPods`: at most this many uids in `uncountedTerminatedPods`. */
export const MAX_UNCOUNTED_PODS = 500;
/** Upstream `MaxPodCreateDeletePerSync`. */
export const MAX_POD_CREATE_DELETE_PER_SYNC = 500;
/** Upstream `--concurrent-job-syncs` default. */
export const CONCURRENT_JOB_SYNCS_DEFAULT = 5;
/** Upstream `SetDefaults_Job`: `backoffLimit` when unset. */
export const BACKOFF_LIMIT_DEFAULT = 6;
/** Upstream `controller.SlowStartInitialBatchSize`. */
const SLOW_START_INITIAL_BATCH_SIZE = 1;

/** Reasons and messages of the Job conditions (upstream `batch.JobReason*`). */
export const JOB_REASONS = Object.freeze({
  backoffLimitExceeded: { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' },
  deadlineExceeded: { reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' },
  completionsReached: { reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' },
});

const ORPHAN_POD_PREFIX = 'orphan-pod:';

/** Options of {@link newJobController}. */
export interface JobControllerOptions {
  /** The controller's name; default {@link JOB_CONTROLLER_NAME}. */
  readonly name?: string;
  /** Upstream `--concurrent-job-syncs`; default 5. */
  readonly workers?: number;
}

interface JobState {
  readonly expectations: PodExpectations;
  /** Job key → uids of pods whose finalizer removal is not yet in the cache (upstream `finalizerExpectations`). */
  readonly finalizerRemovals: Map<string, Set<string>>;
  /** Job key → pod failure back-off record (upstream `podBackoffStore`). */
  readonly backoff: Map<string, BackoffRecord>;
  /** Job key → when and at which generation it was last synced (for the batch period). */
  readonly lastSync: Map<string, { readonly atMs: number; readonly generation: number }>;
  /** Job key → uid, to clean up the pods of a Job that is gone. */
  readonly uids: Map<string, string>;
}

const stateOf = perIncarnation<JobState>(() => ({ expectations: new PodExpectations(), finalizerRemovals: new Map(), backoff: new Map(), lastSync: new Map(), uids: new Map() }));

/** The Job spec with upstream's API defaults applied (the API server sets them; a bare store does not). */
interface JobSettings {
  readonly parallelism: number;
  readonly completions: number | undefined;
  readonly backoffLimit: number;
  readonly indexed: boolean;
  readonly suspended: boolean;
  /** Upstream `onlyReplaceFailedPods`: `podReplacementPolicy: Failed` (or a pod failure policy). */
  readonly onlyReplaceFailed: boolean;
}

function settingsOf(job: JobView): JobSettings {
  const spec = job.spec;
  let completions = spec?.completions ?? undefined;
  let parallelism = spec?.parallelism ?? undefined;
  if (completions === undefined && parallelism === undefined) {
    completions = 1;
    parallelism = 1;
  }
  return {
    parallelism: parallelism ?? 1,
    completions,
    backoffLimit: spec?.backoffLimit ?? BACKOFF_LIMIT_DEFAULT,
    indexed: spec?.completionMode === 'Indexed',
    suspended: spec?.suspend === true,
    onlyReplaceFailed: spec?.podReplacementPolicy === 'Failed' || spec?.podFailurePolicy !== undefined,
  };
}

/** Upstream `isPodFailed`: Failed, or (unless only failed pods are replaced) deleted before it succeeded. */
function isPodFailed(pod: PodView, s: JobSettings): boolean {
  if (pod.status?.phase === 'Failed') return true;
  if (s.onlyReplaceFailed) return false;
  return isPodDeleting(pod) && pod.status?.phase !== 'Succeeded';
}

/** Job status as written: a plain, mutable copy. */
interface StatusWork {
  conditions: JobCondition[];
  startTime?: string;
  completionTime?: string;
  active: number;
  succeeded: number;
  failed: number;
  ready: number;
  terminating: number;
  completedIndexes?: string;
  uncountedTerminatedPods: { succeeded: string[]; failed: string[] };
  [k: string]: unknown;
}

function statusCopy(job: JobView): StatusWork {
  const s = JSON.parse(JSON.stringify(job.status ?? {})) as Record<string, unknown>;
  const u = (s.uncountedTerminatedPods ?? {}) as { succeeded?: string[]; failed?: string[] };
  return {
    ...s,
    conditions: (s.conditions ?? []) as JobCondition[],
    active: (s.active as number | undefined) ?? 0,
    succeeded: (s.succeeded as number | undefined) ?? 0,
    failed: (s.failed as number | undefined) ?? 0,
    ready: (s.ready as number | undefined) ?? 0,
    terminating: (s.terminating as number | undefined) ?? 0,
    uncountedTerminatedPods: { succeeded: u.succeeded ?? [], failed: u.failed ?? [] },
  };
}

/** The status as the API stores it: Go's `omitempty` fields are absent when zero or empty. */
function statusWire(s: StatusWork): Record<string, unknown> {
  const out: Record<string, unknown> = { ...s };
  if (s.conditions.length === 0) delete out.conditions;
  for (const k of ['active', 'succeeded', 'failed'] as const) if (s[k] === 0) delete out[k];
  const u: Record<string, unknown> = {};
  if (s.uncountedTerminatedPods.succeeded.length > 0) u.succeeded = s.uncountedTerminatedPods.succeeded;
  if (s.uncountedTerminatedPods.failed.length > 0) u.failed = s.uncountedTerminatedPods.failed;
  out.uncountedTerminatedPods = u;
  return out;
}

/** Everything one sync works with (upstream `syncJobCtx`). */
interface SyncCtx {
  readonly ctx: ReconcileContext;
  readonly state: JobState;
  readonly key: string;
  /** The latest Job object (replaced after each status write). */
  job: JobView;
  readonly s: JobSettings;
  readonly status: StatusWork;
  readonly pods: readonly PodView[];
  readonly activePods: readonly PodView[];
  finishedCondition: JobCondition | undefined;
  succeeded: number;
  failed: number;
  prevSucceededIndexes: OrderedIntervals;
  succeededIndexes: OrderedIntervals;
  newBackoffRecord: BackoffRecord;
  readonly expectedRmFinalizers: ReadonlySet<string>;
  readonly uncounted: { readonly succeeded: ReadonlySet<string>; readonly failed: ReadonlySet<string> };
  terminating: number;
  ready: number;
  readonly results: ResultCollector;
}

/** Removes the tracking finalizer (a merge patch guarded by resourceVersion; one retry with a fresh read on conflict). */
function removeTrackingFinalizer(client: ControllerClient, pod: PodView): { ok: true } | { ok: false; notFound: boolean; message: string } {
  let current: PodView = pod;
  for (let attempt = 0; attempt < 2; attempt++) {
    const finalizers = (current.metadata?.finalizers ?? []).filter((f) => f !== JOB_TRACKING_FINALIZER);
    if (finalizers.length === (current.metadata?.finalizers ?? []).length) return { ok: true };
    const res = client.patch(
      { apiVersion: 'v1', kind: 'Pod', namespace: current.metadata?.namespace ?? '', name: current.metadata?.name ?? '' },
      { metadata: { finalizers: finalizers.length === 0 ? null : finalizers, resourceVersion: current.metadata?.resourceVersion } },
    );
    if (res.ok) return { ok: true };
    if (res.error.code === 404) return { ok: false, notFound: true, message: res.error.message };
    if (res.error.code !== 409 || attempt > 0) return { ok: false, notFound: false, message: res.error.message };
    const fresh = client.api.get<PodView>({ apiVersion: 'v1', kind: 'Pod', namespace: current.metadata?.namespace ?? '', name: current.metadata?.name ?? '' });
    if (!fresh.ok) return { ok: false, notFound: fresh.error.code === 404, message: fresh.error.message };
    if (fresh.value.metadata?.uid !== pod.metadata?.uid) return { ok: false, notFound: true, message: 'pod was replaced' };
    current = fresh.value;
  }
  return { ok: false, notFound: false, message: 'conflict' };
}

/** The pod a Job creates (upstream: the template plus finalizer, labels, index annotation/label/env/hostname). */
function newJobPod(job: JobView, index: number | undefined): KubeObject {
  const template = job.spec?.template;
  const name = job.metadata?.name ?? '';
  const uid = job.metadata?.uid ?? '';
  const labels: Record<string, string> = { ...(template?.metadata?.labels ?? {}) };
  if (job.spec?.manualSelector !== true) {
    // The API server's Job strategy puts these on the template; a bare store does not.
    labels[CONTROLLER_UID_LABEL] ??= uid;
    labels[JOB_NAME_LABEL] ??= name;
    labels[LEGACY_CONTROLLER_UID_LABEL] ??= uid;
    labels[LEGACY_JOB_NAME_LABEL] ??= name;
  }
  const annotations: Record<string, string> = { ...(template?.metadata?.annotations ?? {}) };
  const finalizers = [...(template?.metadata?.finalizers ?? [])];
  if (!finalizers.includes(JOB_TRACKING_FINALIZER)) finalizers.push(JOB_TRACKING_FINALIZER);
  const spec: Record<string, unknown> = { ...(template?.spec ?? {}) };
  let generateName = `${name}-`;
  if (index !== undefined) {
    annotations[JOB_COMPLETION_INDEX_ANNOTATION] = String(index);
    labels[JOB_COMPLETION_INDEX_ANNOTATION] = String(index);
    spec.hostname = `${name}-${index}`;
    generateName = podGenerateNameWithIndex(name, index);
    const withEnv = (containers: unknown) =>
      ((containers ?? []) as { env?: { name: string }[] }[]).map((c) =>
        (c.env ?? []).some((e) => e.name === COMPLETION_INDEX_ENV)
          ? c
          : { ...c, env: [...(c.env ?? []), { name: COMPLETION_INDEX_ENV, valueFrom: { fieldRef: { fieldPath: `metadata.labels['${JOB_COMPLETION_INDEX_ANNOTATION}']` } } }] },
      );
    if (spec.initContainers !== undefined) spec.initContainers = withEnv(spec.initContainers);
    spec.containers = withEnv(spec.containers);
  }
  const meta: KubeObject['metadata'] = {
    generateName,
    namespace: job.metadata?.namespace ?? '',
    labels,
    finalizers,
    ownerReferences: [newControllerRef({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name, uid } })],
  };
  if (Object.keys(annotations).length > 0) meta.annotations = annotations;
  return { apiVersion: 'v1', kind: 'Pod', metadata: meta, spec };
}

/**
 * Upstream `activePodsForRemoval`: for an Indexed Job first the pods with no, an out-of-range or a
 * duplicated index (keeping the most advanced of each index), then the least advanced pods
 * (`ActivePods` order) until `rmAtLeast` are chosen.
 */
function activePodsForRemoval(s: JobSettings, pods: readonly PodView[], rmAtLeast: number): PodView[] {
  const rm: PodView[] = [];
  let left: PodView[] = [...pods];
  if (s.indexed) {
    const completions = s.completions ?? 0;
    left = [];
    const byIndex = new Map<number, PodView[]>();
    for (const p of pods) {
      const ix = completionIndex(p);
      if (ix < 0 || ix >= completions) {
        rm.push(p);
        continue;
      }
      const list = byIndex.get(ix);
      if (list === undefined) byIndex.set(ix, [p]);
      else list.push(p);
    }
    for (const ix of [...byIndex.keys()].sort((a, b) => a - b)) {
      const same = (byIndex.get(ix) as PodView[]).sort(compareActivePods);
      rm.push(...same.slice(0, -1));
      left.push(same[same.length - 1] as PodView);
    }
  }
  if (rm.length < rmAtLeast) {
    left.sort(compareActivePods);
    rm.push(...left.slice(0, rmAtLeast - rm.length));
  }
  return rm;
}

/** Upstream `deleteJobPods`: removes the finalizer, then deletes; expectations recorded. Returns [deletedReady, deleted, error]. */
function deleteJobPods(j: SyncCtx, pods: readonly PodView[]): [number, number, string | undefined] {
  let deleted = 0;
  let deletedReady = 0;
  let error: string | undefined;
  for (const pod of pods) {
    const name = pod.metadata?.name ?? '';
    const rm = removeTrackingFinalizer(j.ctx.client, pod);
    if (!rm.ok && !rm.notFound) {
      error ??= `removing completion finalizer: ${rm.message}`;
      continue;
    }
    const res = j.ctx.client.delete({ apiVersion: 'v1', kind: 'Pod', namespace: pod.metadata?.namespace ?? '', name });
    if (res.ok) {
      j.state.expectations.expectDelete(j.key, name, pod.metadata?.uid ?? '', j.ctx.nowMs());
      deleted++;
    } else if (res.error.code === 404) {
      deleted++;
    } else {
      error ??= res.error.message;
      continue;
    }
    if (isPodReady(pod)) deletedReady++;
  }
  return [deletedReady, deleted, error];
}

/** Upstream `deleteActivePods`: deletes without touching finalizers (the tracking removes them). */
function deleteActivePods(j: SyncCtx): [number, number, string | undefined] {
  let deleted = 0;
  let deletedReady = 0;
  let error: string | undefined;
  for (const pod of j.activePods) {
    const res = j.ctx.client.delete({ apiVersion: 'v1', kind: 'Pod', namespace: pod.metadata?.namespace ?? '', name: pod.metadata?.name ?? '' });
    if (res.ok || res.error.code === 404) deleted++;
    else error ??= res.error.message;
    if (isPodReady(pod)) deletedReady++;
  }
  return [deletedReady, deleted, error];
}

/** Upstream `manageJob`: creates or deletes pods toward the wanted number of active pods. Returns [active, error]. */
function manageJob(j: SyncCtx): [number, string | undefined] {
  const s = j.s;
  let active = j.activePods.length;
  if (s.suspended) {
    const [removedReady, removed, err] = deleteJobPods(j, activePodsForRemoval(s, j.activePods, active));
    j.terminating += removed;
    j.ready -= removedReady;
    return [active - removed, err];
  }
  let wantActive: number;
  if (s.completions === undefined) {
    // A work-queue Job: once one pod succeeded, leave whatever runs alone.
    wantActive = j.succeeded > 0 ? active : s.parallelism;
  } else {
    wantActive = Math.max(0, Math.min(s.completions - j.succeeded, s.parallelism));
  }
  const rmAtLeast = Math.max(0, active - wantActive);
  const toDelete = activePodsForRemoval(s, j.activePods, rmAtLeast).slice(0, MAX_POD_CREATE_DELETE_PER_SYNC);
  if (toDelete.length > 0) {
    // Deletion takes precedence: no creations in the same sync.
    const [removedReady, removed, err] = deleteJobPods(j, toDelete);
    j.terminating += removed;
    j.ready -= removedReady;
    return [active - removed, err];
  }
  const terminating = s.onlyReplaceFailed ? j.terminating : 0;
  let diff = wantActive - terminating - active;
  if (diff <= 0) return [active, undefined];
  const now = j.ctx.nowMs();
  const remaining = backoffRemainingMs(j.newBackoffRecord, now, DEFAULT_JOB_POD_FAILURE_BACKOFF_MS, MAX_JOB_POD_FAILURE_BACKOFF_MS);
  if (remaining > 0) {
    j.results.requeueAfter(Math.max(remaining, SYNC_JOB_BATCH_PERIOD_MS));
    // As upstream, a sync waiting out the back-off reports no active pods.
    return [0, undefined];
  }
  diff = Math.min(diff, MAX_POD_CREATE_DELETE_PER_SYNC);
  let indexes: number[] | undefined;
  if (s.indexed) {
    const busy = j.activePods.map(completionIndex);
    if (s.onlyReplaceFailed) for (const p of j.pods) if (!isPodTerminal(p) && isPodDeleting(p)) busy.push(completionIndex(p));
    indexes = firstPendingIndexes(j.succeededIndexes, busy, diff, s.completions ?? 0);
    diff = indexes.length;
  }
  let error: string | undefined;
  let created = 0;
  let pos = 0;
  let batch = Math.min(diff, SLOW_START_INITIAL_BATCH_SIZE);
  while (pos < diff) {
    let failed = false;
    for (let i = pos; i < pos + batch; i++) {
      const res = j.ctx.client.create<PodView>(newJobPod(j.job, indexes?.[i]));
      if (res.ok) {
        j.state.expectations.expectCreate(j.key, res.value.metadata?.name ?? '', now);
        created++;
      } else {
        failed = true;
        error ??= res.error.message;
      }
    }
    pos += batch;
    if (failed) break;
    batch = Math.min(2 * batch, diff - pos);
  }
  return [active + created, error];
}

/** Upstream `pastBackoffLimitOnFailure`: with `restartPolicy: OnFailure`, the running pods' container restarts reached the limit. */
function pastBackoffLimitOnFailure(job: JobView, s: JobSettings, pods: readonly PodView[]): boolean {
  if (job.spec?.template?.spec?.restartPolicy !== 'OnFailure') return false;
  let restarts = 0;
  for (const p of pods) {
    if (p.status?.phase !== 'Running' && p.status?.phase !== 'Pending') continue;
    for (const c of p.status?.initContainerStatuses ?? []) restarts += c.restartCount ?? 0;
    for (const c of p.status?.containerStatuses ?? []) restarts += c.restartCount ?? 0;
  }
  return s.backoffLimit === 0 ? restarts > 0 : restarts >= s.backoffLimit;
}

function startTimeMs(status: StatusWork): number | undefined {
  return status.startTime === undefined ? undefined : parseRfc3339(status.startTime);
}

/** Writes the status; the Job object is replaced by the stored one. */
function flushStatus(j: SyncCtx): string | undefined {
  const res = j.ctx.client.updateStatus<JobView>({ ...(j.job as unknown as KubeObject), status: statusWire(j.status) });
  if (!res.ok) return res.error.message;
  j.job = res.value;
  return undefined;
}

/**
 * Upstream `trackJobStatusAndRemoveFinalizers` with `flushUncountedAndRemoveFinalizers` and
 * `enactJobFinished`.
 */
function trackJobStatus(j: SyncCtx, needsFlushIn: boolean): string | undefined {
  let needsFlush = needsFlushIn;
  const s = j.s;
  const status = j.status;
  const now = j.ctx.nowMs();
  const pods = s.indexed ? [...j.pods].sort((a, b) => completionIndex(a) - completionIndex(b)) : j.pods;
  const uidsWithFinalizer = new Set<string>();
  for (const p of pods) {
    const uid = p.metadata?.uid ?? '';
    if (hasTrackingFinalizer(p) && !j.expectedRmFinalizers.has(uid)) uidsWithFinalizer.add(uid);
  }
  if (cleanUncounted(status, uidsWithFinalizer)) needsFlush = true;
  const toRemove: PodView[] = [];
  const newSucceededIndexes: number[] = [];
  const uncounted = status.uncountedTerminatedPods;
  let reachedMax = false;
  for (const pod of pods) {
    const uid = pod.metadata?.uid ?? '';
    if (!hasTrackingFinalizer(pod) || j.expectedRmFinalizers.has(uid)) continue;
    const considerFailed = isPodFailed(pod, s);
    // canRemoveFinalizer
    if (!(j.job.metadata?.deletionTimestamp !== undefined || j.finishedCondition !== undefined || pod.status?.phase === 'Succeeded' || considerFailed)) continue;
    toRemove.push(pod);
    const ix = completionIndex(pod);
    if (pod.status?.phase === 'Succeeded' && !j.uncounted.failed.has(uid)) {
      if (s.indexed) {
        if (ix >= 0 && ix < (s.completions ?? 0) && !j.prevSucceededIndexes.has(ix)) {
          newSucceededIndexes.push(ix);
          needsFlush = true;
        }
      } else if (!j.uncounted.succeeded.has(uid)) {
        needsFlush = true;
        uncounted.succeeded.push(uid);
      }
    } else if (considerFailed || (j.finishedCondition !== undefined && j.finishedCondition.type !== 'SuccessCriteriaMet')) {
      // Once the Job is finishing, every pod not succeeded counts as failed.
      if (!j.uncounted.failed.has(uid) && (!s.indexed || (ix >= 0 && ix < (s.completions ?? 0)))) {
        needsFlush = true;
        uncounted.failed.push(uid);
      }
    }
    if (newSucceededIndexes.length + uncounted.succeeded.length + uncounted.failed.length >= MAX_UNCOUNTED_PODS) {
      reachedMax = true;
      break;
    }
  }
  if (s.indexed) {
    j.succeededIndexes = j.succeededIndexes.withOrderedIndexes([...new Set(newSucceededIndexes)].sort((a, b) => a - b));
    const text = j.succeededIndexes.toString();
    if (text !== (status.completedIndexes ?? '')) needsFlush = true;
    status.succeeded = j.succeededIndexes.total();
    status.completedIndexes = text;
  }
  if (j.finishedCondition?.type === 'FailureTarget') {
    status.conditions.push(j.finishedCondition);
    needsFlush = true;
    j.finishedCondition = newCondition('Failed', 'True', j.finishedCondition.reason ?? '', j.finishedCondition.message ?? '', now);
  }
  if (j.finishedCondition?.type === 'SuccessCriteriaMet') {
    if (findCondition(status.conditions, 'SuccessCriteriaMet') === undefined) {
      status.conditions.push(j.finishedCondition);
      needsFlush = true;
    }
    j.finishedCondition = newCondition('Complete', 'True', j.finishedCondition.reason ?? '', j.finishedCondition.message ?? '', now);
  }

  // flushUncountedAndRemoveFinalizers
  if (needsFlush) {
    const err = flushStatus(j);
    if (err !== undefined) return `adding uncounted pods to status: ${err}`;
    j.state.backoff.set(j.key, j.newBackoffRecord);
    needsFlush = false;
  }
  let rmError: string | undefined;
  if (toRemove.length > 0) {
    let expected = j.state.finalizerRemovals.get(j.key);
    if (expected === undefined) {
      expected = new Set();
      j.state.finalizerRemovals.set(j.key, expected);
    }
    for (const pod of toRemove) expected.add(pod.metadata?.uid ?? '');
    for (const pod of toRemove) {
      const uid = pod.metadata?.uid ?? '';
      const res = removeTrackingFinalizer(j.ctx.client, pod);
      if (res.ok || res.notFound) {
        uidsWithFinalizer.delete(uid);
        if (!res.ok) expected.delete(uid);
      } else {
        expected.delete(uid);
        rmError ??= `removing tracking finalizer: ${res.message}`;
      }
    }
  }
  if (cleanUncounted(status, uidsWithFinalizer)) needsFlush = true;
  if (rmError !== undefined) {
    if (needsFlush) {
      const err = flushStatus(j);
      if (err !== undefined) return `removing uncounted pods from status: ${err}`;
    }
    return rmError;
  }

  // enactJobFinished
  let finished = false;
  const fc = j.finishedCondition;
  if (!reachedMax && fc !== undefined && uncounted.succeeded.length + uncounted.failed.length === 0 && j.terminating === 0) {
    ensureCondition(status.conditions, fc.type, fc.status, fc.reason ?? '', fc.message ?? '', now);
    if (fc.type === 'Complete') status.completionTime = formatRfc3339(now);
    finished = true;
    needsFlush = true;
  }
  if (needsFlush) {
    const err = flushStatus(j);
    if (err !== undefined) return `removing uncounted pods from status: ${err}`;
    if (finished) {
      j.ctx.log(fc?.type === 'Complete' ? 'Job completed' : (fc?.message ?? ''), { reason: fc?.type === 'Complete' ? 'Completed' : (fc?.reason ?? ''), job: j.key });
    }
  }
  return undefined;
}

/** Upstream `cleanUncountedPodsWithoutFinalizers`: uncounted pods whose finalizer is gone move to the counters. */
function cleanUncounted(status: StatusWork, withFinalizer: ReadonlySet<string>): boolean {
  let updated = false;
  const u = status.uncountedTerminatedPods;
  const succeeded = u.succeeded.filter((uid) => withFinalizer.has(uid));
  if (succeeded.length !== u.succeeded.length) {
    status.succeeded += u.succeeded.length - succeeded.length;
    u.succeeded = succeeded;
    updated = true;
  }
  const failed = u.failed.filter((uid) => withFinalizer.has(uid));
  if (failed.length !== u.failed.length) {
    status.failed += u.failed.length - failed.length;
    u.failed = failed;
    updated = true;
  }
  return updated;
}

/** The Job's selector: its own, or (before the API server's Job strategy ran) the controller-uid label. */
function jobSelector(job: JobView): LabelSelector {
  return (job.spec?.selector as LabelSelector | undefined) ?? { matchLabels: { [CONTROLLER_UID_LABEL]: job.metadata?.uid ?? '' } };
}

/** Removes the tracking finalizer from `pods` that still have it; the first error. */
function releaseFinalizers(client: ControllerClient, pods: readonly PodView[]): string | undefined {
  let error: string | undefined;
  for (const p of pods) {
    if (!hasTrackingFinalizer(p)) continue;
    const res = removeTrackingFinalizer(client, p);
    if (!res.ok && !res.notFound) error ??= res.message;
  }
  return error;
}

/** Upstream TTL-after-finished controller: deletes a finished Job `ttlSecondsAfterFinished` after it finished. */
function expireFinishedJob(ctx: ReconcileContext, job: JobView): ReconcileResult {
  const ttl = job.spec?.ttlSecondsAfterFinished;
  if (ttl === undefined || ttl === null) return reconcileDone();
  const finishedAt = jobFinishTimeMs(job);
  if (finishedAt === undefined) return reconcileDone();
  const expireAt = finishedAt + ttl * 1000;
  const now = ctx.nowMs();
  if (now < expireAt) {
    const results = new ResultCollector();
    results.requeueAfter(expireAt - now);
    return results.result();
  }
  // Re-check with a fresh read before deleting (upstream `processTTL`).
  const ref = { apiVersion: 'batch/v1', kind: 'Job', namespace: job.metadata?.namespace ?? '', name: job.metadata?.name ?? '' };
  const fresh = ctx.client.api.get<JobView>(ref);
  if (!fresh.ok) return fresh.error.code === 404 ? reconcileDone() : retryReconcile(fresh.error.message);
  if (fresh.value.metadata?.deletionTimestamp !== undefined || !isJobFinished(fresh.value)) return reconcileDone();
  const res = ctx.client.delete(ref, { propagationPolicy: 'Foreground', preconditions: { uid: fresh.value.metadata?.uid } });
  if (!res.ok && res.error.code !== 404) return retryReconcile(res.error.message);
  ctx.log('Job deleted after ttlSecondsAfterFinished', { job: `${ref.namespace}/${ref.name}` });
  return reconcileDone();
}

/** A Job that is gone: its pods' finalizers must not keep them around (upstream `cleanupPodFinalizers`). */
function cleanupDeletedJob(ctx: ReconcileContext, state: JobState, key: string, namespace: string, name: string): ReconcileResult {
  const uid = state.uids.get(key);
  let pods: readonly PodView[];
  if (uid !== undefined) {
    const owned = podsControlledBy(ctx.client, namespace, uid);
    if (!owned.ok) return retryReconcile(owned.error.message);
    pods = owned.value;
  } else {
    // Not seen by this incarnation: look for pods naming a Job of this name as their controller.
    const all = ctx.client.list<PodView>('Pod', { namespace });
    if (!all.ok) return retryReconcile(all.error.message);
    pods = all.value.filter((p) => {
      const ref = controllerRef(p);
      return ref !== undefined && ref.kind === 'Job' && ref.name === name && hasTrackingFinalizer(p);
    });
  }
  const err = releaseFinalizers(ctx.client, pods);
  if (err !== undefined) return retryReconcile(err);
  state.expectations.clear(key);
  state.finalizerRemovals.delete(key);
  state.backoff.delete(key);
  state.lastSync.delete(key);
  state.uids.delete(key);
  return reconcileDone();
}

/** Upstream `syncJob`. */
function syncJob(ctx: ReconcileContext, state: JobState, namespace: string, name: string): ReconcileResult {
  const key = `${namespace}/${name}`;
  const client = ctx.client;
  const got = client.get<JobView>('batch/Job', namespace, name);
  if (!got.ok) {
    if (got.error.code !== 404) return retryReconcile(got.error.message);
    return cleanupDeletedJob(ctx, state, key, namespace, name);
  }
  const job = got.value;
  const uid = job.metadata?.uid ?? '';
  if (state.uids.get(key) !== uid) {
    // A new Job under an old name: nothing of the old one applies.
    state.expectations.clear(key);
    state.finalizerRemovals.delete(key);
    state.backoff.delete(key);
    state.lastSync.delete(key);
    state.uids.set(key, uid);
  }
  const managedBy = job.spec?.managedBy;
  if (managedBy !== undefined && managedBy !== JOB_CONTROLLER_MANAGED_BY) return reconcileDone();
  const selectorRes = tryLabelSelectorAsSelector(jobSelector(job));
  if (!selectorRes.ok) return retryReconcile(`couldn't convert Job selector: ${selectorRes.error}`);

  if (isJobFinished(job)) {
    state.backoff.delete(key);
    // Backup: a finished Job's pods must not keep their finalizers.
    const owned = podsControlledBy(client, namespace, uid);
    if (!owned.ok) return retryReconcile(owned.error.message);
    const err = releaseFinalizers(client, owned.value);
    if (err !== undefined) return retryReconcile(err);
    return expireFinishedJob(ctx, job);
  }
  const mode = job.spec?.completionMode;
  if (mode !== undefined && mode !== 'NonIndexed' && mode !== 'Indexed') {
    ctx.log('Skipped Job sync because completion mode is unknown', { reason: 'UnknownCompletionMode', job: key });
    return reconcileDone();
  }
  const now = ctx.nowMs();
  const generation = job.metadata?.generation ?? 0;
  const last = state.lastSync.get(key);
  if (last !== undefined && last.generation === generation && now - last.atMs < SYNC_JOB_BATCH_PERIOD_MS) {
    // Pod and status changes are batched per second; spec changes (a new generation) sync at once.
    const results = new ResultCollector();
    results.requeueAfter(last.atMs + SYNC_JOB_BATCH_PERIOD_MS - now);
    return results.result();
  }
  state.lastSync.set(key, { atMs: now, generation });

  const s = settingsOf(job);
  const status = statusCopy(job);
  const satisfied = state.expectations.check(client, key, namespace, now);

  const owned = podsControlledBy(client, namespace, uid);
  if (!owned.ok) return retryReconcile(owned.error.message);
  const matching = podsMatchingLabelSelector(client, namespace, jobSelector(job), selectorRes.selector);
  if (!matching.ok) return retryReconcile(matching.error.message);
  const candidates = new Map<string, PodView>();
  for (const p of [...owned.value, ...matching.value]) candidates.set(p.metadata?.name ?? '', p);
  const claimed = claimPods(client, { apiVersion: 'batch/v1', kind: 'Job', metadata: job.metadata ?? {} }, selectorRes.selector, [...candidates.keys()].sort().map((n) => candidates.get(n) as PodView), JOB_TRACKING_FINALIZER);
  if (claimed.errors.length > 0) return retryReconcile(claimed.errors[0] as string);
  const pods = claimed.claimed;
  const activePods = pods.filter(isPodActive);

  // Finalizer removals the cache now shows are no longer expected.
  const expected = state.finalizerRemovals.get(key);
  if (expected !== undefined) {
    const byUid = new Map(pods.map((p) => [p.metadata?.uid ?? '', p] as const));
    for (const uid of [...expected]) {
      const p = byUid.get(uid);
      if (p === undefined || !hasTrackingFinalizer(p)) expected.delete(uid);
    }
    if (expected.size === 0) state.finalizerRemovals.delete(key);
  }
  const expectedRmFinalizers: ReadonlySet<string> = state.finalizerRemovals.get(key) ?? new Set();
  const uncounted = { succeeded: new Set(status.uncountedTerminatedPods.succeeded), failed: new Set(status.uncountedTerminatedPods.failed) };
  const valid = (p: PodView, skip: ReadonlySet<string>) => {
    const uid = p.metadata?.uid ?? '';
    if (!hasTrackingFinalizer(p) || skip.has(uid) || expectedRmFinalizers.has(uid)) return false;
    if (s.indexed) {
      const ix = completionIndex(p);
      if (ix < 0 || ix >= (s.completions ?? 0)) return false;
    }
    return true;
  };
  const newSucceeded = pods.filter((p) => valid(p, uncounted.succeeded) && p.status?.phase === 'Succeeded');
  const newFailed = pods.filter((p) => valid(p, uncounted.failed) && isPodFailed(p, s));

  const results = new ResultCollector();
  const j: SyncCtx = {
    ctx,
    state,
    key,
    job,
    s,
    status,
    pods,
    activePods,
    finishedCondition: undefined,
    succeeded: status.succeeded + newSucceeded.length + uncounted.succeeded.size,
    failed: status.failed + newFailed.length + uncounted.failed.size,
    prevSucceededIndexes: OrderedIntervals.empty(),
    succeededIndexes: OrderedIntervals.empty(),
    newBackoffRecord: nextBackoffRecord(state.backoff.get(key) ?? NO_FAILURES, newSucceeded, newFailed),
    expectedRmFinalizers,
    uncounted,
    terminating: pods.filter((p) => !isPodTerminal(p) && isPodDeleting(p)).length,
    ready: activePods.filter(isPodReady).length,
    results,
  };
  let active = activePods.length;

  if (status.startTime === undefined && !s.suspended) status.startTime = formatRfc3339(now);

  const successCriteria = findCondition(status.conditions, 'SuccessCriteriaMet');
  if (successCriteria !== undefined && successCriteria.status === 'True') {
    j.finishedCondition = { ...successCriteria };
  } else {
    const failureTarget = findCondition(status.conditions, 'FailureTarget');
    if (failureTarget !== undefined && failureTarget.status === 'True') {
      j.finishedCondition = newCondition('Failed', 'True', failureTarget.reason ?? '', failureTarget.message ?? '', now);
    } else if (j.failed > s.backoffLimit || pastBackoffLimitOnFailure(job, s, pods)) {
      j.finishedCondition = newCondition('FailureTarget', 'True', JOB_REASONS.backoffLimitExceeded.reason, JOB_REASONS.backoffLimitExceeded.message, now);
    } else {
      const deadline = job.spec?.activeDeadlineSeconds;
      const started = startTimeMs(status);
      if (deadline !== undefined && deadline !== null && started !== undefined && !s.suspended) {
        if (now - started >= deadline * 1000) {
          j.finishedCondition = newCondition('FailureTarget', 'True', JOB_REASONS.deadlineExceeded.reason, JOB_REASONS.deadlineExceeded.message, now);
        } else {
          results.requeueAfter(deadline * 1000 - (now - started));
        }
      }
    }
  }

  if (s.indexed) {
    const completions = s.completions ?? 0;
    j.prevSucceededIndexes = OrderedIntervals.parse(status.completedIndexes, completions);
    const fresh = new Set<number>();
    for (const p of pods) {
      const ix = completionIndex(p);
      if (p.status?.phase === 'Succeeded' && ix >= 0 && ix < completions && hasTrackingFinalizer(p)) fresh.add(ix);
    }
    j.succeededIndexes = j.prevSucceededIndexes.withOrderedIndexes([...fresh].sort((a, b) => a - b));
    j.succeeded = j.succeededIndexes.total();
  }

  let manageError: string | undefined;
  let suspendChanged = false;
  if (j.finishedCondition !== undefined) {
    const [deletedReady, deleted, err] = deleteActivePods(j);
    if (deleted !== active || !satisfied.satisfied) {
      // Pods may remain (or not be in the cache yet): not finished yet.
      j.finishedCondition = undefined;
    }
    active -= deleted;
    j.terminating += deleted;
    j.ready -= deletedReady;
    manageError = err;
  } else {
    let manageCalled = false;
    if (satisfied.satisfied && job.metadata?.deletionTimestamp === undefined) {
      [active, manageError] = manageJob(j);
      manageCalled = true;
    } else if (!satisfied.satisfied && satisfied.expiresInMs !== undefined) {
      results.requeueAfter(satisfied.expiresInMs);
    }
    const complete = s.completions === undefined ? j.succeeded > 0 && active === 0 : j.succeeded >= s.completions && active === 0;
    if (complete) {
      j.finishedCondition = newCondition('SuccessCriteriaMet', 'True', JOB_REASONS.completionsReached.reason, JOB_REASONS.completionsReached.message, now);
    } else if (manageCalled) {
      if (s.suspended) {
        suspendChanged = ensureCondition(status.conditions, 'Suspended', 'True', 'JobSuspended', 'Job suspended', now);
      } else if (ensureCondition(status.conditions, 'Suspended', 'False', 'JobResumed', 'Job resumed', now)) {
        suspendChanged = true;
        // The deadline counts time continuously active: a resumed Job starts its clock again.
        status.startTime = formatRfc3339(now);
      }
    }
  }

  const needsStatusUpdate =
    suspendChanged ||
    active !== ((job.status?.active as number | undefined) ?? 0) ||
    j.ready !== job.status?.ready ||
    j.terminating !== job.status?.terminating ||
    status.startTime !== job.status?.startTime;
  status.active = active;
  status.ready = j.ready;
  status.terminating = j.terminating;
  const trackError = trackJobStatus(j, needsStatusUpdate);
  if (trackError !== undefined) return retryReconcile(`tracking status: ${trackError}`);
  if (manageError !== undefined) return retryReconcile(manageError);
  return results.result();
}

/** An orphan pod still holding the tracking finalizer: release it unless a live Job adopted it (upstream `syncOrphanPod`). */
function syncOrphanPod(ctx: ReconcileContext, namespace: string, name: string): ReconcileResult {
  const got = ctx.client.get<PodView>('Pod', namespace, name);
  if (!got.ok) return got.error.code === 404 ? reconcileDone() : retryReconcile(got.error.message);
  const pod = got.value;
  if (!hasTrackingFinalizer(pod)) return reconcileDone();
  const ref = controllerRef(pod);
  if (ref !== undefined) {
    if (ref.kind !== 'Job' || ref.apiVersion !== 'batch/v1') return reconcileDone();
    const job = ctx.client.get<JobView>('batch/Job', namespace, ref.name);
    if (job.ok && job.value.metadata?.uid === ref.uid) {
      const managedBy = job.value.spec?.managedBy;
      if (managedBy !== undefined && managedBy !== JOB_CONTROLLER_MANAGED_BY) return reconcileDone();
      if (!isJobFinished(job.value)) return reconcileDone();
    }
  }
  const res = removeTrackingFinalizer(ctx.client, pod);
  return res.ok || res.notFound ? reconcileDone() : retryReconcile(res.message);
}

/** A definition of the Job controller with the given options; the default instance is {@link jobController}. */
export function newJobController(options: JobControllerOptions = {}): ControllerDefinition {
  return defineController({
    name: options.name ?? JOB_CONTROLLER_NAME,
    for: 'batch/Job',
    owns: ['Pod'],
    watches: [
      {
        kind: 'Pod',
        map: (pod) => {
          const p = pod as unknown as PodView;
          if (controllerRef(p) !== undefined || !hasTrackingFinalizer(p)) return [];
          return [{ namespace: pod.metadata.namespace ?? '', name: ORPHAN_POD_PREFIX + (pod.metadata.name ?? '') }];
        },
      },
    ],
    indexers: { Pod: POD_INDEXERS },
    maxConcurrentReconciles: options.workers ?? CONCURRENT_JOB_SYNCS_DEFAULT,
    rateLimiter: () => new ItemExponentialFailureRateLimiter<string>(DEFAULT_JOB_API_BACKOFF_MS, MAX_JOB_API_BACKOFF_MS),
    reconcile: (req, ctx) => {
      if (req.name.startsWith(ORPHAN_POD_PREFIX)) return syncOrphanPod(ctx, req.namespace, req.name.slice(ORPHAN_POD_PREFIX.length));
      return syncJob(ctx, stateOf(ctx), req.namespace, req.name);
    },
  });
}

/** The Job controller with upstream defaults (5 workers, 1 s batching, 10 s–10 min pod failure back-off). */
export const jobController: ControllerDefinition = newJobController();
