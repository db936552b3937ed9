/**
 * The `pods/binding` subresource: what the scheduler's DefaultBinder posts to place a pod.
 *
 * Upstream: `pkg/registry/core/pod/storage/storage.go` (`BindingREST.Create`, `assignPod`,
 * `setPodNodeAndMetadata`). In one write: `spec.nodeName` is set and the `PodScheduled` condition
 * becomes True (upstream `UpdatePodCondition`: the transition time moves only when the status
 * changes). A pod already bound, being deleted, or still gated is a 409 Conflict on
 * `pods/binding`; a uid precondition that does not hold is the storage layer's 409 on `pods`.
 */
import type { DeepReadonly, KubeObject } from '../api/types.js';
import { formatRfc3339 } from '../sim/clock.js';
import { conflict, type ApiError } from '../store/api-error.js';
import { apiErr, apiOk, type ApiResult } from '../store/api-result.js';
import type { Store } from '../store/store.js';
import { arrAt, isObj, objAt, strAt, type Obj } from './json-fields.js';

const PODS_BINDING = { group: '', resource: 'pods/binding' } as const;
const PODS = { group: '', resource: 'pods' } as const;

/** What a binding carries. */
export interface BindingInput {
  readonly namespace: string;
  readonly podName: string;
  readonly nodeName: string;
  readonly uid?: string | undefined;
}

/** Upstream `UpdatePodCondition` for `PodScheduled=True`. */
function scheduledConditions(status: Readonly<Obj> | undefined, now: string): unknown[] {
  const conditions = (arrAt(status, 'conditions') ?? []).slice();
  const i = conditions.findIndex((c) => isObj(c) && c.type === 'PodScheduled');
  const old = i >= 0 ? conditions[i] : undefined;
  const since = isObj(old) && old.status === 'True' && typeof old.lastTransitionTime === 'string' ? old.lastTransitionTime : now;
  const next: Obj = { type: 'PodScheduled', status: 'True', lastTransitionTime: since };
  if (isObj(old) && old.lastProbeTime !== undefined) next.lastProbeTime = old.lastProbeTime;
  if (i >= 0) conditions[i] = next;
  else conditions.push(next);
  return conditions;
}

function bindingConflict(podName: string, cause: string): ApiError {
  return conflict(PODS_BINDING, podName, cause);
}

/** Binds a pod (see the module comment). */
export function bindPod(store: Store, nowMs: number, req: BindingInput): ApiResult<DeepReadonly<KubeObject>> {
  if (req.nodeName === '') {
    // Upstream returns the aggregate of ValidatePodBinding as a plain error: 500 with no reason.
    return apiErr(Object.freeze({ code: 500, reason: '', message: 'target.name: Required value' }));
  }
  const got = store.get({ apiVersion: 'v1', kind: 'Pod', namespace: req.namespace, name: req.podName });
  if (!got.ok) return got;
  const pod = got.value;
  if (req.uid !== undefined && req.uid !== '' && req.uid !== pod.metadata.uid) {
    return apiErr(
      conflict(
        PODS,
        req.podName,
        `StorageError: invalid object, Code: 4, Key: /registry/pods/${req.namespace}/${req.podName}, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: UID in precondition: ${req.uid}, UID in object meta: ${String(pod.metadata.uid)}`,
      ),
    );
  }
  if (pod.metadata.deletionTimestamp !== undefined) return apiErr(bindingConflict(req.podName, `pod ${req.podName} is being deleted, cannot be assigned to a host`));
  const spec = objAt(pod, 'spec') ?? {};
  const current = strAt(spec, 'nodeName') ?? '';
  if (current !== '') return apiErr(bindingConflict(req.podName, `pod ${req.podName} is already assigned to node ${JSON.stringify(current)}`));
  const gates = arrAt(spec, 'schedulingGates');
  if (gates !== undefined && gates.length > 0) return apiErr(bindingConflict(req.podName, `pod ${req.podName} has non-empty .spec.schedulingGates`));
  const status = objAt(pod, 'status');
  const next = {
    ...pod,
    spec: { ...spec, nodeName: req.nodeName },
    status: { ...(status ?? {}), conditions: scheduledConditions(status, formatRfc3339(nowMs)) },
  };
  const written = store.replace(next);
  return written.ok ? apiOk(written.value) : written;
}
