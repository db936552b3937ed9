/**
 * The Deployment controller's pure helpers: upstream `pkg/controller/deployment/util/
 * deployment_util.go` (fenceposts, revisions, annotations, proportions, conditions, completeness)
 * and the ReplicaSet orderings of `pkg/controller/controller_utils.go`.
 */
import {
  formatRfc3339,
  type DeepReadonly,
  type Deployment,
  type IntOrString,
  type KubeObject,
  type ReplicaSet,
} from 'kubeprop';
import { specReplicas } from '../replicaset/replicaset-status.js';
import { timeMs } from '../replicaset/pod-state.js';

/** A ReplicaSet as cached (deeply frozen). */
export type CachedReplicaSet = DeepReadonly<ReplicaSet & KubeObject>;
/** A Deployment as cached (deeply frozen). */
export type CachedDeployment = DeepReadonly<Deployment & KubeObject>;
/** `Deployment.status`, as the controller writes it. */
export type DeploymentStatus = NonNullable<Deployment['status']>;
/** `Deployment.status.conditions[]`. */
export type DeploymentCondition = NonNullable<DeploymentStatus['conditions']>[number];

/** Upstream `apps.DefaultDeploymentUniqueLabelKey`. */
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';
/** Upstream `RevisionAnnotation`. */
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
/** Upstream `RevisionHistoryAnnotation`. */
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
/** Upstream `DesiredReplicasAnnotation`. */
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
/** Upstream `MaxReplicasAnnotation`. */
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';
/** Upstream `v1.LastAppliedConfigAnnotation`. */
export const LAST_APPLIED_CONFIG_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
/** Upstream `apps.DeprecatedRollbackTo`. */
export const DEPRECATED_ROLLBACK_TO_ANNOTATION = 'deprecated.deployment.rollback.to';
/** Upstream `maxRevHistoryLengthInChars`. */
export const MAX_REV_HISTORY_LENGTH_IN_CHARS = 2000;

/** Condition types. */
export const DEPLOYMENT_PROGRESSING = 'Progressing';
export const DEPLOYMENT_AVAILABLE = 'Available';
export const DEPLOYMENT_REPLICA_FAILURE = 'ReplicaFailure';

/** Progressing reasons (upstream `deploymentutil` constants). */
export const REPLICA_SET_UPDATED_REASON = 'ReplicaSetUpdated';
export const FAILED_RS_CREATE_REASON = 'ReplicaSetCreateError';
export const NEW_REPLICA_SET_REASON = 'NewReplicaSetCreated';
export const FOUND_NEW_RS_REASON = 'FoundNewReplicaSet';
export const NEW_RS_AVAILABLE_REASON = 'NewReplicaSetAvailable';
export const TIMED_OUT_REASON = 'ProgressDeadlineExceeded';
export const PAUSED_DEPLOY_REASON = 'DeploymentPaused';
export const RESUMED_DEPLOY_REASON = 'DeploymentResumed';
/** Available reasons. */
export const MINIMUM_REPLICAS_AVAILABLE = 'MinimumReplicasAvailable';
export const MINIMUM_REPLICAS_UNAVAILABLE = 'MinimumReplicasUnavailable';

/** Go's `math.MaxInt32`, which upstream reads as "no limit" for the deadline and the history. */
export const MAX_INT32 = 2_147_483_647;

const ANNOTATIONS_TO_SKIP: ReadonlySet<string> = new Set([
  LAST_APPLIED_CONFIG_ANNOTATION,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  DEPRECATED_ROLLBACK_TO_ANNOTATION,
]);

/** A Deployment's spec fields the controller reads, with the apps/v1 defaults for absent ones. */
export function deploymentReplicas(d: CachedDeployment): number {
  return d.spec?.replicas ?? 1;
}

/** `spec.strategy.type`, default `RollingUpdate`. */
export function strategyType(d: CachedDeployment): string {
  return d.spec?.strategy?.type ?? 'RollingUpdate';
}

/** Upstream `IsRollingUpdate`. */
export function isRollingUpdate(d: CachedDeployment): boolean {
  return strategyType(d) === 'RollingUpdate';
}

/** `spec.progressDeadlineSeconds`, default 600. */
export function progressDeadlineSeconds(d: CachedDeployment): number {
  return d.spec?.progressDeadlineSeconds ?? 600;
}

/** `spec.revisionHistoryLimit`, default 10. */
export function revisionHistoryLimit(d: CachedDeployment): number {
  return d.spec?.revisionHistoryLimit ?? 10;
}

/** Upstream `HasProgressDeadline`: a deadline is set and is not `MaxInt32`. */
export function hasProgressDeadline(d: CachedDeployment): boolean {
  return progressDeadlineSeconds(d) !== MAX_INT32;
}

/** Upstream `HasRevisionHistoryLimit`. */
export function hasRevisionHistoryLimit(d: CachedDeployment): boolean {
  return revisionHistoryLimit(d) !== MAX_INT32;
}

/**
 * Upstream `intstr.GetScaledValueFromIntOrPercent`: an integer, or `N%` of `total` rounded up or
 * down. `undefined` for a malformed value (validation rejects those).
 */
export function scaledValueFromIntOrPercent(value: DeepReadonly<IntOrString> | undefined, total: number, roundUp: boolean): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return Math.trunc(value);
  if (!value.endsWith('%')) return undefined;
  const digits = value.slice(0, -1);
  if (!/^[+-]?\d+$/.test(digits)) return undefined;
  const pct = Number(digits);
  const scaled = (pct * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

/**
 * Upstream `ResolveFenceposts`: `[maxSurge, maxUnavailable]` for `desired` replicas, surge rounded
 * up and unavailability rounded down; if both come out 0, unavailability is 1 (surge may be
 * impossible under a quota, and a rollout must be able to move). Absent values count as 0.
 */
export function resolveFenceposts(maxSurge: DeepReadonly<IntOrString> | undefined, maxUnavailable: DeepReadonly<IntOrString> | undefined, desired: number): [number, number] {
  const surge = scaledValueFromIntOrPercent(maxSurge ?? 0, desired, true) ?? 0;
  let unavailable = scaledValueFromIntOrPercent(maxUnavailable ?? 0, desired, false) ?? 0;
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return [surge, unavailable];
}

/** The rolling update parameters with the apps/v1 defaults (25% each) for absent ones. */
function rollingParams(d: CachedDeployment): [DeepReadonly<IntOrString>, DeepReadonly<IntOrString>] {
  const ru = d.spec?.strategy?.rollingUpdate;
  return [ru?.maxSurge ?? '25%', ru?.maxUnavailable ?? '25%'];
}

/** Upstream `MaxSurge`: 0 unless RollingUpdate. */
export function maxSurge(d: CachedDeployment): number {
  if (!isRollingUpdate(d)) return 0;
  const [s, u] = rollingParams(d);
  return resolveFenceposts(s, u, deploymentReplicas(d))[0];
}

/** Upstream `MaxUnavailable`: 0 unless RollingUpdate with replicas; never more than the replicas. */
export function maxUnavailable(d: CachedDeployment): number {
  const replicas = deploymentReplicas(d);
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  const [s, u] = rollingParams(d);
  const unavailable = resolveFenceposts(s, u, replicas)[1];
  return Math.min(unavailable, replicas);
}

/** Upstream `MinAvailable`. */
export function minAvailable(d: CachedDeployment): number {
  return isRollingUpdate(d) ? deploymentReplicas(d) - maxUnavailable(d) : 0;
}

/** Upstream `Revision`: the revision annotation as a number (0 when absent, `undefined` when malformed). */
export function revisionOf(obj: { readonly metadata?: { readonly annotations?: Readonly<Record<string, string>> | undefined } | undefined }): number | undefined {
  const v = obj.metadata?.annotations?.[REVISION_ANNOTATION];
  if (v === undefined) return 0;
  return /^[+-]?\d+$/.test(v) ? Number(v) : undefined;
}

/** Upstream `MaxRevision`: the highest revision among the ReplicaSets (malformed ones skipped). */
export function maxRevision(rss: readonly CachedReplicaSet[]): number {
  let max = 0;
  for (const rs of rss) {
    const v = revisionOf(rs);
    if (v !== undefined && v > max) max = v;
  }
  return max;
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Upstream `ReplicaSetsByCreationTimestamp`: older first, then by name. */
export function compareByCreation(a: CachedReplicaSet, b: CachedReplicaSet): number {
  const ta = timeMs(a.metadata.creationTimestamp) ?? 0;
  const tb = timeMs(b.metadata.creationTimestamp) ?? 0;
  if (ta !== tb) return ta - tb;
  return compareNames(a.metadata.name ?? '', b.metadata.name ?? '');
}

/** Upstream `ReplicaSetsBySizeOlder`: larger first, then older first. */
export function compareBySizeOlder(a: CachedReplicaSet, b: CachedReplicaSet): number {
  const d = specReplicas(b) - specReplicas(a);
  return d !== 0 ? d : compareByCreation(a, b);
}

/** Upstream `ReplicaSetsBySizeNewer`: larger first, then newer first. */
export function compareBySizeNewer(a: CachedReplicaSet, b: CachedReplicaSet): number {
  const d = specReplicas(b) - specReplicas(a);
  return d !== 0 ? d : compareByCreation(b, a);
}

/** Upstream `ReplicaSetsByRevision`: lower revision first, then by creation. */
export function compareByRevision(a: CachedReplicaSet, b: CachedReplicaSet): number {
  const ra = revisionOf(a);
  const rb = revisionOf(b);
  if (ra === undefined || rb === undefined || ra === rb) return compareByCreation(a, b);
  return ra - rb;
}

/** Upstream `FilterActiveReplicaSets`: those with `spec.replicas` > 0. */
export function activeReplicaSets(rss: readonly (CachedReplicaSet | undefined)[]): CachedReplicaSet[] {
  return rss.filter((rs): rs is CachedReplicaSet => rs !== undefined && specReplicas(rs) > 0);
}

/** Whether a value is "empty" as Go's semantic equality sees an absent field: nil, zero, empty. */
function isZero(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') {
    for (const k in v as Record<string, unknown>) if (!isZero((v as Record<string, unknown>)[k])) return false;
    return true;
  }
  return false;
}

/**
 * Deep equality of two API values where an absent member equals an explicit zero value (`0`,
 * `""`, `false`, `[]`, `{}`), as decoded Go structs compare (upstream `apiequality.Semantic`).
 */
export function semanticEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (isZero(a) && isZero(b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as readonly unknown[];
    if (a.length !== bb.length) return false;
    for (let i = 0; i < a.length; i++) if (!semanticEqual(a[i], bb[i])) return false;
    return true;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  for (const k in ao) if (!semanticEqual(ao[k], bo[k])) return false;
  for (const k in bo) if (!(k in ao) && !isZero(bo[k])) return false;
  return true;
}

type Template = DeepReadonly<NonNullable<NonNullable<Deployment['spec']>['template']>>;

function withoutHashLabel(t: Template | undefined): unknown {
  if (t === undefined) return undefined;
  const labels = t.metadata?.labels;
  if (labels === undefined || !(POD_TEMPLATE_HASH_LABEL in labels)) return t;
  const rest: Record<string, string> = {};
  for (const k of Object.keys(labels)) if (k !== POD_TEMPLATE_HASH_LABEL) rest[k] = labels[k] as string;
  return { ...t, metadata: { ...t.metadata, labels: rest } };
}

/** Answers of `equalIgnoreHash` for the last template each (frozen, shared) template was compared with. */
const templateComparisons = new WeakMap<object, { readonly other: object; readonly equal: boolean }>();

/** Upstream `EqualIgnoreHash`: the templates are semantically equal apart from the hash label. */
export function equalIgnoreHash(a: Template | undefined, b: Template | undefined): boolean {
  if (a === undefined || b === undefined) return semanticEqual(withoutHashLabel(a), withoutHashLabel(b));
  const hit = templateComparisons.get(a);
  if (hit !== undefined && hit.other === b) return hit.equal;
  const equal = semanticEqual(withoutHashLabel(a), withoutHashLabel(b));
  // Only frozen templates (as caches hand them out) can be remembered safely.
  if (Object.isFrozen(a) && Object.isFrozen(b)) templateComparisons.set(a, { other: b, equal });
  return equal;
}

/** Upstream `FindNewReplicaSet`: the oldest ReplicaSet whose template is the Deployment's. */
export function findNewReplicaSet(d: CachedDeployment, rsList: readonly CachedReplicaSet[]): CachedReplicaSet | undefined {
  const sorted = [...rsList].sort(compareByCreation);
  return sorted.find((rs) => equalIgnoreHash(rs.spec?.template, d.spec?.template));
}

/**
 * Upstream `FindOldReplicaSets` (its second result): every ReplicaSet but the new one, which a
 * caller that has already looked for it may pass.
 */
export function findOldReplicaSets(d: CachedDeployment, rsList: readonly CachedReplicaSet[], newRS: CachedReplicaSet | undefined = findNewReplicaSet(d, rsList)): CachedReplicaSet[] {
  return rsList.filter((rs) => newRS === undefined || rs.metadata.uid !== newRS.metadata.uid);
}

/** Sums over ReplicaSets (`undefined` entries skipped), upstream `Get*ReplicaCountForReplicaSets`. */
export function replicaCount(rss: readonly (CachedReplicaSet | undefined)[]): number {
  let n = 0;
  for (const rs of rss) if (rs !== undefined) n += specReplicas(rs);
  return n;
}

/** Upstream `GetActualReplicaCountForReplicaSets`: the sum of `status.replicas`. */
export function actualReplicaCount(rss: readonly (CachedReplicaSet | undefined)[]): number {
  let n = 0;
  for (const rs of rss) if (rs !== undefined) n += rs.status?.replicas ?? 0;
  return n;
}

/** Upstream `GetReadyReplicaCountForReplicaSets`. */
export function readyReplicaCount(rss: readonly (CachedReplicaSet | undefined)[]): number {
  let n = 0;
  for (const rs of rss) if (rs !== undefined) n += rs.status?.readyReplicas ?? 0;
  return n;
}

/** Upstream `GetAvailableReplicaCountForReplicaSets`. */
export function availableReplicaCount(rss: readonly (CachedReplicaSet | undefined)[]): number {
  let n = 0;
  for (const rs of rss) if (rs !== undefined) n += rs.status?.availableReplicas ?? 0;
  return n;
}

/**
 * Upstream `GetTerminatingReplicaCountForReplicaSets`: the sum of `status.terminatingReplicas`,
 * `undefined` when a ReplicaSet whose status has been written does not report it.
 */
export function terminatingReplicaCount(rss: readonly (CachedReplicaSet | undefined)[]): number | undefined {
  let n = 0;
  for (const rs of rss) {
    if (rs === undefined) continue;
    const t = rs.status?.terminatingReplicas;
    if ((rs.status?.observedGeneration ?? 0) === 0 && t === undefined) continue;
    if (t === undefined) return undefined;
    n += t;
  }
  return n;
}

/** An integer annotation of a ReplicaSet (upstream `getIntFromAnnotation`). */
function intAnnotation(rs: CachedReplicaSet, key: string): number | undefined {
  const v = rs.metadata.annotations?.[key];
  if (v === undefined || !/^[+-]?\d+$/.test(v)) return undefined;
  return Number(v);
}

/** Upstream `GetDesiredReplicasAnnotation`. */
export function desiredReplicasAnnotation(rs: CachedReplicaSet): number | undefined {
  return intAnnotation(rs, DESIRED_REPLICAS_ANNOTATION);
}

/** Upstream `ReplicasAnnotationsNeedUpdate`. */
export function replicasAnnotationsNeedUpdate(rs: CachedReplicaSet, desired: number, max: number): boolean {
  const a = rs.metadata.annotations;
  return a === undefined || a[DESIRED_REPLICAS_ANNOTATION] !== String(desired) || a[MAX_REPLICAS_ANNOTATION] !== String(max);
}

/** Upstream `SetReplicasAnnotations` on a mutable annotation map; whether it changed anything. */
export function setReplicasAnnotations(annotations: Record<string, string>, desired: number, max: number): boolean {
  let changed = false;
  if (annotations[DESIRED_REPLICAS_ANNOTATION] !== String(desired)) {
    annotations[DESIRED_REPLICAS_ANNOTATION] = String(desired);
    changed = true;
  }
  if (annotations[MAX_REPLICAS_ANNOTATION] !== String(max)) {
    annotations[MAX_REPLICAS_ANNOTATION] = String(max);
    changed = true;
  }
  return changed;
}

/**
 * Upstream `SetNewReplicaSetAnnotations` on a mutable annotation map of the new ReplicaSet: copies
 * the Deployment's annotations (but its own bookkeeping ones), raises the revision to
 * `newRevision` if lower (keeping the old one in the revision history, as a rollback does), and
 * for a ReplicaSet about to be created sets the replicas annotations. Whether anything changed.
 * `logger` (the reconcile context) receives upstream's log lines.
 */
export function setNewReplicaSetAnnotations(
  d: CachedDeployment,
  annotations: Record<string, string>,
  name: string,
  newRevision: string,
  exists: boolean,
  logger: { log(message: string): void },
): boolean {
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
    if (ANNOTATIONS_TO_SKIP.has(k) || annotations[k] === v) continue;
    annotations[k] = v;
    changed = true;
  }
  const oldRevision = annotations[REVISION_ANNOTATION];
  let oldRevisionInt = 0;
  if (oldRevision !== undefined && oldRevision !== '') {
    if (!/^[+-]?\d+$/.test(oldRevision)) {
      logger.log(`Updating replica set revision OldRevision not int ${oldRevision}`);
      return false;
    }
    oldRevisionInt = Number(oldRevision);
  }
  const newRevisionInt = Number(newRevision);
  if (oldRevisionInt < newRevisionInt) {
    annotations[REVISION_ANNOTATION] = newRevision;
    changed = true;
    logger.log(`Updating replica set ${JSON.stringify(name)} revision to ${newRevision}`);
  }
  if (oldRevision !== undefined && oldRevisionInt < newRevisionInt) {
    const history = annotations[REVISION_HISTORY_ANNOTATION] ?? '';
    const oldRevisions = history.split(',');
    if ((oldRevisions[0] ?? '').length === 0) {
      annotations[REVISION_HISTORY_ANNOTATION] = oldRevision;
    } else {
      let totalLen = history.length + oldRevision.length + 1;
      let start = 0;
      while (totalLen > MAX_REV_HISTORY_LENGTH_IN_CHARS && start < oldRevisions.length) {
        totalLen = totalLen - (oldRevisions[start] ?? '').length - 1;
        start++;
      }
      if (totalLen <= MAX_REV_HISTORY_LENGTH_IN_CHARS) {
        annotations[REVISION_HISTORY_ANNOTATION] = [...oldRevisions.slice(start), oldRevision].join(',');
      } else {
        logger.log(`Not appending revision due to revision history length limit of ${MAX_REV_HISTORY_LENGTH_IN_CHARS} reached`);
      }
    }
  }
  if (!exists && setReplicasAnnotations(annotations, deploymentReplicas(d), deploymentReplicas(d) + maxSurge(d))) changed = true;
  return changed;
}

/**
 * Upstream `GetReplicaSetProportion`: how many replicas this ReplicaSet gains (or loses) of the
 * `toAdd` the Deployment must add, given `added` so far: its share, capped by what is left.
 */
export function replicaSetProportion(rs: CachedReplicaSet, d: CachedDeployment, toAdd: number, added: number): number {
  if (specReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

/** Go's `integer.RoundToInt32`: half away from zero. */
function roundHalfAwayFromZero(x: number): number {
  return x < 0 ? Math.ceil(x - 0.5) : Math.floor(x + 0.5);
}

/**
 * Upstream `getReplicaSetFraction`: the ReplicaSet's new size in proportion to the Deployment's
 * new maximum (`replicas + maxSurge`) over the maximum it was sized for (its max-replicas
 * annotation, else the Deployment's current `status.replicas`), minus its size.
 */
export function replicaSetFraction(rs: CachedReplicaSet, d: CachedDeployment): number {
  const size = specReplicas(rs);
  if (deploymentReplicas(d) === 0) return -size;
  const deploymentMax = deploymentReplicas(d) + maxSurge(d);
  let before = intAnnotation(rs, MAX_REPLICAS_ANNOTATION);
  if (before === undefined || before === 0) {
    before = d.status?.replicas ?? 0;
    if (before === 0) return 0;
  }
  return roundHalfAwayFromZero((size * deploymentMax) / before) - size;
}

/** Upstream `FindActiveOrLatest`: the only active ReplicaSet, or the newest if none is active. */
export function findActiveOrLatest(newRS: CachedReplicaSet | undefined, oldRSs: readonly CachedReplicaSet[]): CachedReplicaSet | undefined {
  if (newRS === undefined && oldRSs.length === 0) return undefined;
  const newestFirst = [...oldRSs].sort((a, b) => compareByCreation(b, a));
  const active = activeReplicaSets([...newestFirst, newRS]);
  if (active.length === 0) return newRS ?? newestFirst[0];
  return active.length === 1 ? active[0] : undefined;
}

/** Upstream `IsSaturated`: the new ReplicaSet runs all the Deployment's replicas, all available. */
export function isSaturated(d: CachedDeployment, rs: CachedReplicaSet | undefined): boolean {
  if (rs === undefined) return false;
  const desired = desiredReplicasAnnotation(rs);
  if (desired === undefined) return false;
  const replicas = deploymentReplicas(d);
  return specReplicas(rs) === replicas && desired === replicas && (rs.status?.availableReplicas ?? 0) === replicas;
}

/**
 * Upstream `NewRSNewReplicas`: the new ReplicaSet's target size. RollingUpdate: as many more as
 * the surge allows, never beyond the Deployment's replicas; Recreate: all of them.
 */
export function newRSNewReplicas(d: CachedDeployment, allRSs: readonly (CachedReplicaSet | undefined)[], newRSReplicas: number): number {
  const replicas = deploymentReplicas(d);
  if (!isRollingUpdate(d)) return replicas;
  const surge = scaledValueFromIntOrPercent(rollingParams(d)[0], replicas, true) ?? 0;
  const current = replicaCount(allRSs);
  const maxTotal = replicas + surge;
  if (current >= maxTotal) return newRSReplicas;
  const scaleUp = Math.min(maxTotal - current, replicas - newRSReplicas);
  return newRSReplicas + scaleUp;
}

/** Upstream `DeploymentComplete`: every replica updated and available, and the spec observed. */
export function deploymentComplete(d: CachedDeployment, status: DeploymentStatus): boolean {
  const replicas = deploymentReplicas(d);
  return (
    (status.updatedReplicas ?? 0) === replicas &&
    (status.replicas ?? 0) === replicas &&
    (status.availableReplicas ?? 0) === replicas &&
    (status.observedGeneration ?? 0) >= (d.metadata.generation ?? 0)
  );
}

/**
 * Upstream `DeploymentProgressing`: compared with `oldStatus`, more pods updated, fewer old pods,
 * or more ready or available ones.
 */
export function deploymentProgressing(oldStatus: DeploymentStatus, newStatus: DeploymentStatus): boolean {
  const oldOld = (oldStatus.replicas ?? 0) - (oldStatus.updatedReplicas ?? 0);
  const newOld = (newStatus.replicas ?? 0) - (newStatus.updatedReplicas ?? 0);
  return (
    (newStatus.updatedReplicas ?? 0) > (oldStatus.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (newStatus.readyReplicas ?? 0) > (oldStatus.readyReplicas ?? 0) ||
    (newStatus.availableReplicas ?? 0) > (oldStatus.availableReplicas ?? 0)
  );
}

/**
 * Upstream `DeploymentTimedOut`: the Progressing condition last moved more than
 * `progressDeadlineSeconds` ago (and says neither "complete" nor already "timed out").
 */
export function deploymentTimedOut(d: CachedDeployment, status: DeploymentStatus, nowMs: number): boolean {
  if (!hasProgressDeadline(d)) return false;
  const cond = getCondition(status, DEPLOYMENT_PROGRESSING);
  if (cond === undefined) return false;
  if (cond.reason === NEW_RS_AVAILABLE_REASON) return false;
  if (cond.reason === TIMED_OUT_REASON) return true;
  const from = timeMs(cond.lastUpdateTime);
  if (from === undefined) return false;
  return from + progressDeadlineSeconds(d) * 1000 < nowMs;
}

/** Upstream `GetDeploymentCondition`. */
export function getCondition(status: DeepReadonly<DeploymentStatus> | undefined, type: string): DeepReadonly<DeploymentCondition> | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/** Upstream `NewDeploymentCondition`: both times now. */
export function newCondition(type: string, status: 'True' | 'False' | 'Unknown', reason: string, message: string, nowMs: number): DeploymentCondition {
  const now = formatRfc3339(nowMs);
  return { type, status, lastUpdateTime: now, lastTransitionTime: now, reason, message };
}

/**
 * Upstream `SetDeploymentCondition`: a condition with the same status and reason is left as it
 * is; otherwise it replaces the old one (moved to the end), keeping the old transition time when
 * the status did not change.
 */
export function setCondition(status: DeploymentStatus, cond: DeploymentCondition): void {
  const current = status.conditions?.find((c) => c.type === cond.type);
  if (current !== undefined && current.status === cond.status && current.reason === cond.reason) return;
  const next = { ...cond };
  if (current !== undefined && current.status === cond.status && current.lastTransitionTime !== undefined) next.lastTransitionTime = current.lastTransitionTime;
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== cond.type), next];
}

/** Upstream `RemoveDeploymentCondition`. */
export function removeCondition(status: DeploymentStatus, type: string): void {
  if (status.conditions === undefined) return;
  const rest = status.conditions.filter((c) => c.type !== type);
  if (rest.length > 0) status.conditions = rest;
  else delete status.conditions;
}
