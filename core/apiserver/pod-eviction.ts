/**
 * The `pods/eviction` subresource: deletes a pod unless that would break its PodDisruptionBudget.
 *
 * Upstream: `pkg/registry/core/pod/storage/eviction.go` (policy/v1 semantics).
 * - A pod that is `Pending`, `Succeeded` or `Failed`, or already terminating, is deleted without
 *   looking at budgets (with a resourceVersion precondition unless terminal or terminating).
 * - Budgets in the pod's namespace whose selector matches its labels count; an empty selector
 *   matches every pod, a missing or unparsable one none. More than one: 500 `This pod has more
 *   than one PodDisruptionBudget, which the eviction subresource does not support.`
 * - A pod that is not Ready is deleted without spending budget when the budget's
 *   `unhealthyPodEvictionPolicy` is `AlwaysAllow`, or when the budget is already healthy enough
 *   (`currentHealthy >= desiredHealthy > 0`).
 * - Otherwise the budget must be up to date (`status.observedGeneration >= generation`, else 429
 *   `... is still being processed by the server.`) and allow a disruption (else 429 `Cannot evict
 *   pod as it would violate the pod's disruption budget.` with a `DisruptionBudget` cause). The
 *   eviction then decrements `status.disruptionsAllowed`, records the pod in
 *   `status.disruptedPods` with the current time, updates the `DisruptionAllowed` condition when
 *   the budget is exhausted, and deletes the pod (gracefully, as a delete would).
 */
import type { DeepReadonly, KubeObject } from '../api/types.js';
import { tryLabelSelectorAsSelector } from '../api/labels.js';
import { formatRfc3339 } from '../sim/clock.js';
import { forbidden, isConflict, type ApiError } from '../store/api-error.js';
import { apiErr, apiOk, type ApiResult } from '../store/api-result.js';
import type { DeleteOptions, DeleteResult, Store } from '../store/store.js';
import { arrAt, isObj, objAt, strAt, type Obj } from './json-fields.js';

/** Upstream `MaxDisruptedPodSize`. */
export const MAX_DISRUPTED_POD_SIZE = 2000;
/** Upstream `policyv1.DisruptionBudgetCause`. */
export const DISRUPTION_BUDGET_CAUSE = 'DisruptionBudget';
/** The message of every budget-related 429. */
export const EVICTION_BUDGET_MESSAGE = "Cannot evict pod as it would violate the pod's disruption budget.";
/** The 500 for a pod covered by several budgets. */
export const EVICTION_MULTIPLE_PDBS_MESSAGE = 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.';

type Frozen = DeepReadonly<KubeObject>;

/** What the eviction needs from the API server. */
export interface EvictionDeps {
  readonly store: Store;
  readonly nowMs: () => number;
  /** Deletes the pod as the pod registry does (graceful strategy, no admission). */
  readonly deletePod: (namespace: string, name: string, options: DeleteOptions & { readonly gracePeriodSeconds?: number | undefined }) => ApiResult<DeleteResult>;
}

/** What the client asks. */
export interface EvictionInput {
  readonly namespace: string;
  readonly name: string;
  readonly deleteOptions?: (DeleteOptions & { readonly gracePeriodSeconds?: number | undefined }) | undefined;
}

function budgetError(message: string, causeMessage: string, retryAfterSeconds: number): ApiError {
  const cause = Object.freeze({ reason: DISRUPTION_BUDGET_CAUSE, message: causeMessage, field: '' });
  const details = retryAfterSeconds > 0 ? { retryAfterSeconds, causes: Object.freeze([cause]) } : { causes: Object.freeze([cause]) };
  return Object.freeze({ code: 429, reason: 'TooManyRequests', message, details: Object.freeze(details) });
}

/** Upstream `createTooManyRequestsError`: the budget has not caught up with its spec yet. */
function stillProcessing(pdbName: string): ApiError {
  return budgetError(EVICTION_BUDGET_MESSAGE, `The disruption budget ${pdbName} is still being processed by the server.`, 10);
}

function phaseOf(pod: Frozen): string {
  return strAt(objAt(pod, 'status'), 'phase') ?? '';
}

/** Upstream `podutil.IsPodReady`. */
function isReady(pod: Frozen): boolean {
  for (const c of arrAt(objAt(pod, 'status'), 'conditions') ?? []) if (isObj(c) && c.type === 'Ready') return c.status === 'True';
  return false;
}

function num(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}

/** The budgets covering a pod (policy/v1 selector semantics). */
function matchingBudgets(store: Store, pod: Frozen): Frozen[] {
  const list = store.list({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', namespace: pod.metadata.namespace });
  if (!list.ok) return [];
  const labels = (pod.metadata.labels ?? {}) as Readonly<Record<string, string>>;
  const out: Frozen[] = [];
  for (const pdb of list.value.items) {
    const selector = objAt(objAt(pdb, 'spec'), 'selector');
    if (selector === undefined) continue;
    const parsed = tryLabelSelectorAsSelector(selector as Parameters<typeof tryLabelSelectorAsSelector>[0]);
    if (!parsed.ok || !parsed.selector.matches(labels)) continue;
    out.push(pdb);
  }
  return out;
}

/** Upstream `pdbhelper.UpdateDisruptionAllowedCondition` after the decrement. */
function disruptionCondition(status: Readonly<Obj>, now: string): unknown[] {
  const allowed = num(status.disruptionsAllowed) > 0;
  const conditions = (arrAt(status, 'conditions') ?? []).slice();
  const want: Obj = {
    type: 'DisruptionAllowed',
    status: allowed ? 'True' : 'False',
    reason: allowed ? 'SufficientPods' : 'InsufficientPods',
    message: '',
  };
  if (typeof status.observedGeneration === 'number' && status.observedGeneration > 0) want.observedGeneration = status.observedGeneration;
  const i = conditions.findIndex((c) => isObj(c) && c.type === 'DisruptionAllowed');
  const old = i >= 0 ? conditions[i] : undefined;
  want.lastTransitionTime = isObj(old) && old.status === want.status && typeof old.lastTransitionTime === 'string' ? old.lastTransitionTime : now;
  if (i >= 0) conditions[i] = want;
  else conditions.push(want);
  return conditions;
}

/** Runs an eviction (see the module comment). */
export function evictPod(deps: EvictionDeps, req: EvictionInput): ApiResult<void> {
  const store = deps.store;
  const got = store.get({ apiVersion: 'v1', kind: 'Pod', namespace: req.namespace, name: req.name });
  if (!got.ok) return got;
  const pod = got.value;
  const original = req.deleteOptions ?? {};
  const rvUnset = original.preconditions?.resourceVersion === undefined;
  const withRv = (): DeleteOptions & { readonly gracePeriodSeconds?: number | undefined } => ({
    ...original,
    preconditions: { ...(original.preconditions ?? {}), resourceVersion: pod.metadata.resourceVersion },
  });
  const phase = phaseOf(pod);
  const terminating = pod.metadata.deletionTimestamp !== undefined;

  if (phase === 'Pending' || phase === 'Succeeded' || phase === 'Failed' || terminating) {
    const enforce = !(phase === 'Succeeded' || phase === 'Failed' || terminating);
    const res = deps.deletePod(req.namespace, req.name, enforce && rvUnset ? withRv() : original);
    return res.ok ? apiOk(undefined) : res;
  }

  const budgets = matchingBudgets(store, pod);
  if (budgets.length > 1) return apiErr(Object.freeze({ code: 500, reason: '', message: EVICTION_MULTIPLE_PDBS_MESSAGE }));
  let options = original;
  let spendsBudget = false;
  const pdb = budgets[0];
  if (pdb !== undefined) {
    const spec = objAt(pdb, 'spec') ?? {};
    const status = objAt(pdb, 'status') ?? {};
    const ready = isReady(pod);
    if (!ready && spec.unhealthyPodEvictionPolicy === 'AlwaysAllow') {
      options = withRv();
    } else if (!ready && num(status.currentHealthy) >= num(status.desiredHealthy) && num(status.desiredHealthy) > 0) {
      options = withRv();
    } else {
      const name = pdb.metadata.name ?? '';
      if (num(status.observedGeneration) < num(pdb.metadata.generation)) return apiErr(stillProcessing(name));
      const allowed = num(status.disruptionsAllowed);
      if (allowed < 0) return apiErr(forbidden({ group: 'policy', resource: 'poddisruptionbudget' }, name, 'pdb disruptions allowed is negative'));
      const disrupted = objAt(status, 'disruptedPods') ?? {};
      if (Object.keys(disrupted).length > MAX_DISRUPTED_POD_SIZE) {
        return apiErr(forbidden({ group: 'policy', resource: 'poddisruptionbudget' }, name, 'DisruptedPods map too big - too many evictions not confirmed by PDB controller'));
      }
      if (allowed === 0) {
        return apiErr(
          budgetError(EVICTION_BUDGET_MESSAGE, `The disruption budget ${name} needs ${num(status.desiredHealthy)} healthy pods and has ${num(status.currentHealthy)} currently`, 0),
        );
      }
      const now = formatRfc3339(deps.nowMs());
      const nextStatus: Obj = { ...status, disruptionsAllowed: allowed - 1, disruptedPods: { ...disrupted, [req.name]: now } };
      if (allowed - 1 === 0) nextStatus.conditions = disruptionCondition(nextStatus, now);
      const written = store.updateStatus({ ...pdb, status: nextStatus });
      if (!written.ok) return written;
      spendsBudget = true;
    }
  }
  const res = deps.deletePod(req.namespace, req.name, options);
  if (!res.ok) {
    if (!spendsBudget && pdb !== undefined && options !== original && isConflict(res.error) && rvUnset) return apiErr(stillProcessing(pdb.metadata.name ?? ''));
    return res;
  }
  return apiOk(undefined);
}
